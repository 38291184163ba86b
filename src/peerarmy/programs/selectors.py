"""Reads of programs, and who may join which."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy.peers.models import LANGUAGE_NAMES, PeerStatus

from .models import Program, ProgramStatus


def programs_for_business(business, *, status=None, kind=None):
    qs = Program.objects.filter(business=business).prefetch_related("required_skills")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "title_it", "pk")


def published_programs(business):
    return programs_for_business(business, status=ProgramStatus.PUBLISHED)


def get_program_for_business(business, program_id):
    return Program.objects.filter(business=business, pk=program_id).first()


@dataclass
class Eligibility:
    program: Program
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self):
        return not self.reasons


def eligibility(peer, program) -> Eligibility:
    """Whether a peer may join a program, and if not, every reason in words."""
    result = Eligibility(program)
    if peer.status != PeerStatus.ACTIVE:
        result.reasons.append(_("Your application has not been approved yet."))
    missing = [s for s in program.required_skills.all() if s not in set(peer.skills.all())]
    if missing:
        result.reasons.append(
            ngettext("Needs the skill: %(skills)s.", "Needs the skills: %(skills)s.", len(missing))
            % {"skills": ", ".join(s.name for s in missing)}
        )
    if program.required_languages and not (set(program.required_languages) & peer.language_codes):
        names = ", ".join(str(LANGUAGE_NAMES.get(c, c)) for c in program.required_languages)
        result.reasons.append(
            _("Needs one of these languages: %(languages)s.") % {"languages": names}
        )
    if program.min_reliability:
        if peer.reliability is None:
            result.reasons.append(
                _("Needs a reliability of at least %(min)d; you do not have a track record yet.")
                % {"min": program.min_reliability}
            )
        elif peer.reliability < program.min_reliability:
            result.reasons.append(
                _("Needs a reliability of at least %(min)d; yours is %(score)d.")
                % {"min": program.min_reliability, "score": peer.reliability}
            )
    return result


def programs_for_peer(peer):
    return [eligibility(peer, p) for p in published_programs(peer.business)]
