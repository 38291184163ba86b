"""Who may take part, and why not: the one eligibility rule of peerarmy.

A program asks something of its peers (skills, a language, a track record), and so may a block
or any later unit of work inside it. `reasons(peer, program_requirement, block_requirement,
...)` says, in the peer's words, everything that stops a peer; `eligible(...)` answers the same
rule without words, for lists of many blocks or many peers. The peer's app, claiming, swaps,
the claimable list, matching's candidates and every later app ask here, so a rule changes in
one place. (Distance to a place is not eligibility: it belongs to the unit of work that has a
place, in scheduling.)

The rule works on plain facts (`PeerFacts`, `Requirement`), which a caller reads once, in
whatever way suits its path (an ORM read with prefetches, or one SQL row on the claim path).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.text import get_text_list
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from peerarmy.peers.models import LANGUAGE_NAMES, PeerStatus


@dataclass(frozen=True, slots=True)
class PeerFacts:
    """What eligibility needs to know of a peer."""

    active: bool
    skill_ids: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    reliability: int | None = None
    verified: frozenset[str] = frozenset()  # "phone", "identity" (peers.Verification)

    @classmethod
    def of(cls, peer) -> PeerFacts:
        """From a Peer (prefetch `skills` and `languages` when reading many)."""
        return cls(
            active=peer.status == PeerStatus.ACTIVE,
            skill_ids=frozenset(s.pk for s in peer.skills.all()),
            languages=frozenset(peer.language_codes),
            reliability=peer.reliability,
            # prefetch `verifications` too when reading many
            verified=frozenset(v.kind for v in peer.verifications.all()),
        )


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a program, or a unit of work inside it, asks of a peer: every one of `skills`
    ((id, skill) pairs, the skill for its name in words), at least one of `languages`, and a
    reliability of at least `min_reliability` (0 lets peers without a track record in)."""

    skills: tuple = ()
    languages: tuple[str, ...] = ()
    min_reliability: int = 0
    is_open: bool = True
    verifications: tuple[str, ...] = ()

    @classmethod
    def of_program(cls, program) -> Requirement:
        from .models import ProgramStatus

        return cls(
            skills=tuple((s.pk, s) for s in program.required_skills.all()),
            languages=tuple(program.required_languages or ()),
            min_reliability=program.min_reliability or 0,
            is_open=program.status == ProgramStatus.PUBLISHED,
            verifications=tuple(program.required_verifications or ()),
        )

    @classmethod
    def of(cls, unit, *, skills=None) -> Requirement:
        """From anything with `required_languages`, `min_reliability` and (unless `skills` is
        given) `required_skills`: a block, a listing, an asset."""
        if skills is None:
            skills = unit.required_skills.all()
        return cls(
            skills=tuple((s.pk, s) for s in skills),
            languages=tuple(unit.required_languages or ()),
            min_reliability=unit.min_reliability or 0,
        )


@dataclass(frozen=True, slots=True)
class Failure:
    """One thing that stops a peer, before it is put into words."""

    code: str  # not_active, not_open, skills, languages, no_track_record, reliability
    skills: tuple = ()
    languages: tuple[str, ...] = ()
    minimum: int = 0
    score: int | None = None
    extra: dict = field(default_factory=dict)


def failures(peer: PeerFacts, *requirements: Requirement) -> list[Failure]:
    """Everything that stops `peer` under all of `requirements`, in a stable order."""
    found = []
    if not peer.active:
        found.append(Failure("not_active"))
    if not all(r.is_open for r in requirements):
        found.append(Failure("not_open"))
    missing, seen = [], set()
    for requirement in requirements:
        for skill_id, skill in requirement.skills:
            if skill_id not in peer.skill_ids and skill_id not in seen:
                seen.add(skill_id)
                missing.append(skill)
    if missing:
        found.append(Failure("skills", skills=tuple(missing)))
    for requirement in requirements:
        if requirement.languages and not (set(requirement.languages) & peer.languages):
            found.append(Failure("languages", languages=requirement.languages))
    unverified = [
        kind
        for kind in VERIFICATION_ORDER
        if any(kind in r.verifications for r in requirements) and kind not in peer.verified
    ]
    if unverified:
        found.append(Failure("verifications", extra={"kinds": tuple(unverified)}))
    minimum = max((r.min_reliability for r in requirements), default=0)
    if minimum:
        if peer.reliability is None:
            found.append(Failure("no_track_record", minimum=minimum))
        elif peer.reliability < minimum:
            found.append(Failure("reliability", minimum=minimum, score=peer.reliability))
    return found


VERIFICATION_ORDER = ("phone", "identity")


def needs_verifications(*requirements: Requirement) -> bool:
    """Whether any requirement asks for a verification (then the peer's are worth reading)."""
    return any(r.verifications for r in requirements)


def verified_kinds(peer_ids) -> dict[int, frozenset[str]]:
    """{peer id: the kinds the business has verified of them}, in one query."""
    from peerarmy.peers.models import Verification

    found: dict[int, set[str]] = {}
    for peer_id, kind in Verification.objects.filter(peer_id__in=list(peer_ids)).values_list(
        "peer_id", "kind"
    ):
        found.setdefault(peer_id, set()).add(kind)
    return {peer_id: frozenset(kinds) for peer_id, kinds in found.items()}


def eligible(peer: PeerFacts, *requirements: Requirement) -> bool:
    """The rule without words: may `peer` take part?"""
    return not failures(peer, *requirements)


def reasons(peer: PeerFacts, *requirements: Requirement) -> list[str]:
    """Every reason, in the peer's words (the active language), that stops `peer`."""
    return [describe(failure) for failure in failures(peer, *requirements)]


def describe(failure: Failure) -> str:
    if failure.code == "not_active":
        return _("Your application has not been approved yet.")
    if failure.code == "not_open":
        return _("This program is not open at the moment.")
    if failure.code == "skills":
        return ngettext(
            "Needs the skill: %(skills)s.", "Needs the skills: %(skills)s.", len(failure.skills)
        ) % {"skills": ", ".join(str(getattr(s, "name", s)) for s in failure.skills)}
    if failure.code == "languages":
        names = ", ".join(str(LANGUAGE_NAMES.get(c, c)) for c in failure.languages)
        if (get_language() or "").startswith("it"):
            names = names.lower()  # in a sentence Italian writes "italiano", "inglese"
        return _("Needs one of these languages: %(languages)s.") % {"languages": names}
    if failure.code == "verifications":
        words = {
            "phone": _("a phone confirmed with a code"),
            "identity": _("your identity checked in person at the shop"),
        }
        return _("Needs %(what)s: see your Verification page.") % {
            "what": get_text_list([str(words[k]) for k in failure.extra["kinds"]], _("and"))
        }
    if failure.code == "no_track_record":
        return _("Needs a reliability of at least %(min)d; you do not have a track record yet.") % {
            "min": failure.minimum
        }
    return _("Needs a reliability of at least %(min)d; yours is %(score)d.") % {
        "min": failure.minimum,
        "score": failure.score,
    }
