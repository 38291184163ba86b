"""A program may require what the business has verified of a peer (a phone confirmed with a
code, an identity checked in person): every path that lets a peer take part asks it — the
peer's programs page, the claim (both the ORM path and PostgreSQL's prepared one), the
claimable list, the new-work offers and matching — and the refusal says what to verify."""

import pytest
from django.utils import timezone

from peerarmy.matching.selectors import eligible_peers
from peerarmy.peers.models import Verification
from peerarmy.programs.selectors import eligibility
from peerarmy.scheduling.claimants import claimable_by
from peerarmy.scheduling.errors import NotEligible
from peerarmy.scheduling.selectors import claimable_blocks
from peerarmy.scheduling.services import claim_block
from peerarmy.scheduling.tests.factories import BlockFactory

pytestmark = pytest.mark.django_db


def verify(peer, kind):
    Verification.objects.create(
        business=peer.business, peer=peer, kind=kind, verified_at=timezone.now()
    )


@pytest.fixture
def strict(program):
    program.required_verifications = ["phone", "identity"]
    program.save()
    return program


def test_the_refusal_says_what_to_verify(peer, strict):
    found = eligibility(peer, strict)
    assert not found.eligible
    assert any("phone confirmed with a code" in reason for reason in found.reasons)
    assert any("identity checked in person" in reason for reason in found.reasons)
    verify(peer, "phone")
    verify(peer, "identity")
    assert eligibility(peer, strict).eligible


def test_a_claim_and_the_lists_ask_for_it(peer, strict):
    block = BlockFactory(program=strict, capacity=2)
    assert claimable_blocks(peer) == []
    assert claimable_by(peer.business, [block.pk], [peer], now=timezone.now()) == {}
    with pytest.raises(NotEligible) as refused:
        claim_block(peer, block.pk)
    assert "Verification page" in " ".join(str(r) for r in refused.value.reasons)

    verify(peer, "phone")
    verify(peer, "identity")
    assert [c.block.pk for c in claimable_blocks(peer)] == [block.pk]
    assert claimable_by(peer.business, [block.pk], [peer], now=timezone.now()) == {
        block.pk: [peer.pk]
    }
    assert claim_block(peer, block.pk).value.block_id == block.pk


def test_matching_proposes_only_verified_peers(peer, strict):
    from peerarmy.matching.models import MatchingProfile

    MatchingProfile.objects.create(business=peer.business, peer=peer, accepting=True)
    assert peer not in eligible_peers(strict)
    verify(peer, "phone")
    verify(peer, "identity")
    assert peer in eligible_peers(strict)
