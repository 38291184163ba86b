"""Reads of programs, and who may join which."""

from dataclasses import dataclass, field

from django.db.models import Count

from peerarmy.errors import NotFound

from .eligibility import PeerFacts, Requirement, reasons
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


def get_program(business, program_id, *, for_update=False) -> Program:
    """The business's program `program_id`, with its required skills; `NotFound` for any
    other id, another business's included. Locked for the transaction with `for_update`."""
    qs = Program.objects.filter(business=business, pk=program_id)
    if for_update:
        qs = qs.select_for_update()
    program = qs.prefetch_related("required_skills").first()
    if program is None:
        raise NotFound()
    return program


def get_published_program(business, slug) -> Program:
    """The published program at address `slug`; `NotFound` for a draft, a closed one or none."""
    program = (
        Program.objects.filter(business=business, slug=slug, status=ProgramStatus.PUBLISHED)
        .prefetch_related("required_skills")
        .first()
    )
    if program is None:
        raise NotFound()
    return program


def slug_taken(business, slug, *, program=None) -> bool:
    taken = Program.objects.filter(business=business, slug=slug)
    if program is not None:
        taken = taken.exclude(pk=program.pk)
    return taken.exists()


def program_counts(business):
    """{status: number of programs} with every status present."""
    counts = dict.fromkeys(ProgramStatus.values, 0)
    rows = Program.objects.filter(business=business).values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


@dataclass
class Eligibility:
    program: Program
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self):
        return not self.reasons


def eligibility(peer, program, facts=None) -> Eligibility:
    """Whether a peer may join a program, and if not, every reason in words."""
    facts = facts or PeerFacts.of(peer)
    return Eligibility(program, reasons(facts, Requirement.of_program(program)))


def programs_for_peer(peer):
    facts = PeerFacts.of(peer)  # once, for every program
    return [eligibility(peer, p, facts) for p in published_programs(peer.business)]
