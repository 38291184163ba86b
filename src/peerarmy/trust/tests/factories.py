"""Completed things to rate: a block claim and a match, written straight to the database
(their own flows are the scheduling and matching apps' tests)."""

from datetime import timedelta

from django.utils import timezone

from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
from peerarmy.scheduling.models import Claim, ClaimStatus, ReliabilityEvent
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import ProgramFactory


def completed_claim(peer, *, ends_at=None, status=ClaimStatus.COMPLETED):
    ends_at = ends_at or timezone.now() - timedelta(hours=1)
    program = ProgramFactory(business=peer.business)
    block = BlockFactory(
        program=program,
        starts_at=ends_at - timedelta(hours=3),
        ends_at=ends_at,
        released_at=ends_at - timedelta(days=10),
    )
    return Claim.objects.create(
        business=peer.business,
        block=block,
        peer=peer,
        status=status,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )


def no_show(peer, *, at=None):
    claim = completed_claim(peer, ends_at=at, status=ClaimStatus.NO_SHOW)
    return ReliabilityEvent.objects.create(
        business=peer.business, peer=peer, kind="no_show", block=claim.block, claim=claim
    )


def completed_match(peer, *, completed_at=None, email="anna@example.org", status=None):
    business = peer.business
    completed_at = completed_at or timezone.now() - timedelta(hours=1)
    program = ProgramFactory(business=business, kind="guides")
    meets = completed_at - timedelta(hours=3)
    request = MatchRequest.objects.create(
        business=business,
        program=program,
        status=RequestStatus.COMPLETED,
        name="Anna",
        email=email,
        language="en",
        starts_at=meets,
        ends_at=meets + timedelta(hours=4),
        latitude="44.494900",
        longitude="11.342600",
        languages=["en"],
    )
    return Match.objects.create(
        business=business,
        program=program,
        request=request,
        peer=peer,
        status=status or MatchStatus.COMPLETED,
        meets_at=meets,
        ends_at=meets + timedelta(hours=2),
        respond_by=meets - timedelta(days=1),
        completed_at=completed_at,
    )
