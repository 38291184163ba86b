"""Swaps: a peer offers a claimed block to a named peer; it moves only when that peer accepts,
without changing the seats taken. Includes races on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peerarmy.errors import InvalidTransition, ValidationFailed
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import PeerStatus
from peerarmy.scheduling import errors
from peerarmy.scheduling.inputs import SwapOfferInput
from peerarmy.scheduling.models import (
    Claim,
    ClaimStatus,
    ReliabilityEvent,
    SwapOffer,
    SwapStatus,
)
from peerarmy.scheduling.services import claim_block, release_claim
from peerarmy.scheduling.swaps import accept_swap, decline_swap, offer_swap, withdraw_swap
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.tenancy.tests.threads import race

from .factories import BlockFactory

pytestmark = pytest.mark.django_db


def to(peer):
    """An offer to `peer`."""
    return SwapOfferInput(peer_id=peer.pk)


@pytest.fixture
def alice(business):
    return PeerFactory(business=business, display_name="Alice")


@pytest.fixture
def bruno(business):
    return PeerFactory(business=business, display_name="Bruno")


def active_holders(block):
    return set(block.claims.filter(status=ClaimStatus.ACTIVE).values_list("peer_id", flat=True))


def test_an_accepted_offer_moves_the_claim_and_keeps_the_seats(program, alice, bruno):
    block = BlockFactory(program=program, capacity=2)
    claim = claim_block(alice, block.pk).value

    offer = offer_swap(alice, claim, to(bruno)).value

    assert offer.status == SwapStatus.PENDING
    told = OutboxMessage.objects.get(event="swap.offered")
    assert told.recipient == bruno.user.email and "Alice" in told.subject
    assert active_holders(block) == {alice.pk}  # nothing moves before Bruno accepts

    new_claim = accept_swap(bruno, offer).value.new_claim

    block.refresh_from_db()
    assert block.seats_taken == 1
    assert active_holders(block) == {bruno.pk}
    assert new_claim.peer == bruno and new_claim.status == ClaimStatus.ACTIVE
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED and not claim.released_late
    assert not ReliabilityEvent.objects.filter(peer=alice).exists()
    offer.refresh_from_db()
    assert offer.status == SwapStatus.ACCEPTED and offer.new_claim == new_claim
    assert OutboxMessage.objects.get(event="swap.accepted").recipient == alice.user.email
    confirmed = OutboxMessage.objects.filter(event="block.claimed").order_by("pk").last()
    assert confirmed.recipient == bruno.user.email


def test_declining_keeps_the_block_with_the_offerer_who_is_told(program, alice, bruno):
    block = BlockFactory(program=program)
    claim = claim_block(alice, block.pk).value
    offer = offer_swap(alice, claim, to(bruno)).value

    decline_swap(bruno, offer)

    offer.refresh_from_db()
    assert offer.status == SwapStatus.DECLINED
    assert active_holders(block) == {alice.pk}
    assert OutboxMessage.objects.get(event="swap.declined").recipient == alice.user.email
    with pytest.raises(errors.SwapNotPending):
        accept_swap(bruno, offer)


def test_a_withdrawn_offer_can_no_longer_be_accepted(program, alice, bruno):
    block = BlockFactory(program=program)
    claim = claim_block(alice, block.pk).value
    offer = offer_swap(alice, claim, to(bruno)).value

    with pytest.raises(errors.SwapNotYours):
        withdraw_swap(bruno, offer)
    withdraw_swap(alice, offer)

    with pytest.raises(errors.SwapNotPending) as refused:
        accept_swap(bruno, offer)
    assert refused.value.code == "swap_not_pending"
    assert active_holders(block) == {alice.pk}


def test_only_the_named_peer_can_accept_and_only_the_holder_can_offer(
    business, program, alice, bruno
):
    carla = PeerFactory(business=business)
    block = BlockFactory(program=program)
    claim = claim_block(alice, block.pk).value

    with pytest.raises(errors.SwapNotYours):
        offer_swap(bruno, claim, to(carla))
    offer = offer_swap(alice, claim, to(bruno)).value
    with pytest.raises(errors.SwapNotYours) as refused:
        accept_swap(carla, offer)
    assert refused.value.code == "swap_not_yours"
    assert active_holders(block) == {alice.pk}


def test_accepting_twice_gives_one_claim(program, alice, bruno):
    block = BlockFactory(program=program)
    offer = offer_swap(alice, claim_block(alice, block.pk).value, to(bruno)).value

    accept_swap(bruno, offer)
    with pytest.raises(errors.SwapNotPending):
        accept_swap(bruno, offer)

    assert Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count() == 1
    block.refresh_from_db()
    assert block.seats_taken == 1


def test_an_ineligible_receiver_is_refused_with_the_reason(business, program, alice):
    suspended = PeerFactory(business=business, status=PeerStatus.SUSPENDED)
    claim = claim_block(alice, BlockFactory(program=program).pk).value

    with pytest.raises(errors.NotEligible) as refused:
        offer_swap(alice, claim, to(suspended))
    assert refused.value.code == "not_eligible"
    assert "not been approved" in str(refused.value.message)


def test_a_receiver_who_has_since_claimed_an_overlapping_block_is_refused(program, alice, bruno):
    block = BlockFactory(program=program)
    offer = offer_swap(alice, claim_block(alice, block.pk).value, to(bruno)).value
    claim_block(bruno, BlockFactory(program=program, starts_at=block.starts_at).pk)

    with pytest.raises(errors.OverlapsClaimedBlock) as refused:
        accept_swap(bruno, offer)

    assert refused.value.code == "overlaps_claimed_block"
    assert active_holders(block) == {alice.pk}
    offer.refresh_from_db()
    assert offer.status == SwapStatus.PENDING


def test_a_peer_from_another_business_cannot_be_offered_a_block(other_business, program, alice):
    stranger = PeerFactory(business=other_business)
    claim = claim_block(alice, BlockFactory(program=program).pk).value

    with pytest.raises(ValidationFailed) as refused:
        offer_swap(alice, claim, to(stranger))
    assert refused.value.field == "peer_id"


def test_an_offer_expires_at_the_forfeit_cutoff(program, alice, bruno):
    block = BlockFactory(program=program)
    offer = offer_swap(alice, claim_block(alice, block.pk).value, to(bruno)).value
    assert offer.expires_at == block.starts_at - timedelta(minutes=60)

    with pytest.raises(errors.SwapNotPending):
        accept_swap(bruno, offer, now=offer.expires_at + timedelta(minutes=1))

    offer.refresh_from_db()
    assert offer.status == SwapStatus.EXPIRED
    assert active_holders(block) == {alice.pk}


def test_a_released_claim_cannot_be_offered_and_its_offer_cannot_be_accepted(program, alice, bruno):
    block = BlockFactory(program=program)
    claim = claim_block(alice, block.pk).value
    offer = offer_swap(alice, claim, to(bruno)).value

    release_claim(alice, claim)

    with pytest.raises(errors.SwapNotPending):
        accept_swap(bruno, offer)
    with pytest.raises(InvalidTransition):
        offer_swap(alice, claim, to(bruno))
    block.refresh_from_db()
    assert block.seats_taken == 0


# --- races on PostgreSQL -------------------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database cannot be shared between threads",
)


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_peers_accepting_two_offers_of_one_claim_only_one_gets_it(business, program):
    alice = PeerFactory(business=business)
    bruno, carla = PeerFactory(business=business), PeerFactory(business=business)
    block = BlockFactory(program=program, capacity=2)
    claim = claim_block(alice, block.pk).value
    offers = [offer_swap(alice, claim, to(bruno)).value, offer_swap(alice, claim, to(carla)).value]

    outcomes = race(
        [
            lambda: accept_swap(bruno, offers[0]).value.new_claim,
            lambda: accept_swap(carla, offers[1]).value.new_claim,
        ]
    )

    won = [o for o in outcomes if isinstance(o, Claim)]
    lost = [o for o in outcomes if isinstance(o, errors.SwapNotPending)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    block.refresh_from_db()
    assert block.seats_taken == 1
    assert active_holders(block) == {won[0].peer_id}
    assert sorted(SwapOffer.objects.values_list("status", flat=True)) == ["accepted", "expired"]


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_a_release_racing_an_accept_has_exactly_one_outcome(business, program):
    for _attempt in range(5):
        alice, bruno = PeerFactory(business=business), PeerFactory(business=business)
        block = BlockFactory(
            program=program, capacity=1, starts_at=timezone.now() + timedelta(days=3 + _attempt)
        )
        claim = claim_block(alice, block.pk).value
        offer = offer_swap(alice, claim, to(bruno)).value

        released, accepted = race(
            [
                lambda c=claim, a=alice: release_claim(a, c).value,
                lambda o=offer, b=bruno: accept_swap(b, o).value.new_claim,
            ]
        )

        block.refresh_from_db()
        if isinstance(accepted, Claim):  # the accept went first: the release found it gone
            assert isinstance(released, InvalidTransition), released
            assert block.seats_taken == 1 and active_holders(block) == {bruno.pk}
        else:
            assert isinstance(accepted, errors.SwapNotPending), accepted
            assert isinstance(released, Claim), released
            assert block.seats_taken == 0 and active_holders(block) == set()


def test_offering_again_is_a_replay_of_the_pending_offer(business, program, alice, bruno):
    claim = claim_block(alice, BlockFactory(program=program).pk).value

    first = offer_swap(alice, claim, to(bruno))
    again = offer_swap(alice, claim, to(bruno))

    assert (first.created, first.replayed) == (True, False)
    assert (again.created, again.replayed) == (False, True)
    assert again.value.pk == first.value.pk
    # what the API shows of it is at hand: no read of the peers again
    assert (again.value.from_peer, again.value.to_peer) == (alice, bruno)


def test_a_pending_offer_past_its_time_is_expired_wherever_it_is_read(
    business, program, alice, bruno
):
    from peerarmy.scheduling.selectors import swap_offers_of_peer

    claim = claim_block(alice, BlockFactory(program=program).pk).value
    offer = offer_swap(alice, claim, to(bruno)).value
    after = offer.expires_at + timedelta(seconds=1)

    assert offer.status_at(offer.expires_at - timedelta(seconds=1)) == SwapStatus.PENDING
    assert offer.status_at(after) == SwapStatus.EXPIRED
    assert list(swap_offers_of_peer(alice, status=SwapStatus.EXPIRED, now=after)) == [offer]
    assert not swap_offers_of_peer(alice, status=SwapStatus.PENDING, now=after).exists()


@pytest.mark.parametrize("status", [PeerStatus.SUSPENDED, PeerStatus.APPLICANT])
def test_a_peer_who_is_not_active_cannot_offer_answer_or_withdraw(
    business, program, alice, bruno, status
):
    from peerarmy.errors import PermissionDenied

    claim = claim_block(alice, BlockFactory(program=program).pk).value
    offer = offer_swap(alice, claim, to(bruno)).value
    for peer in (alice, bruno):
        peer.status = status
        peer.save(update_fields=["status"])

    carla = PeerFactory(business=business)
    for attempt in (
        lambda: offer_swap(alice, claim, to(carla)),
        lambda: withdraw_swap(alice, offer),
        lambda: decline_swap(bruno, offer),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.message == "Your membership of this army is not active."
    with pytest.raises(errors.NotEligible):
        accept_swap(bruno, offer)
    offer.refresh_from_db()
    assert offer.status == SwapStatus.PENDING and SwapOffer.objects.count() == 1
