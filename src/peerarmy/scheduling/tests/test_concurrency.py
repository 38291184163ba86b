"""Races with real threads against a real database: no overbooking, no overlapping claims,
no lost or duplicated seat, one claim per idempotency key. The control test runs the first
race with the seat guard taken out (a read-then-write) and sees overbooking, so that the race
cannot pass vacuously."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peerarmy.scheduling import errors, sql
from peerarmy.scheduling.models import Block, Claim, ClaimStatus
from peerarmy.scheduling.services import claim_block, join_waitlist, release_claim
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.tenancy.tests.threads import race, requires_shared_database

from .factories import BlockFactory

pytestmark = [
    requires_shared_database,
    pytest.mark.django_db(transaction=True),
]


def last_three_seats(business, program):
    block = BlockFactory(program=program, capacity=5)
    for _ in range(2):
        claim_block(PeerFactory(business=business), block.pk)
    racers = [PeerFactory(business=business) for _ in range(20)]
    return block, racers


def test_twenty_peers_racing_for_the_last_three_seats_get_exactly_three(business, program):
    block, racers = last_three_seats(business, program)

    outcomes = race([lambda p=p: claim_block(p, block.pk).value for p in racers])

    won = [o for o in outcomes if isinstance(o, Claim)]
    full = [o for o in outcomes if isinstance(o, errors.BlockFull)]
    assert (len(won), len(full)) == (3, 17), outcomes
    block.refresh_from_db()
    assert block.seats_taken == 5
    assert Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count() == 5


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite runs every write transaction alone from BEGIN IMMEDIATE, so even the "
    "naive read-then-write cannot overbook there: the control is shown on PostgreSQL",
)
def test_control_without_the_seat_guard_the_same_race_overbooks(business, program, monkeypatch):
    block, racers = last_three_seats(business, program)

    def read_then_write(business_id, block_id, peer_id, claimed_at, key):
        seats = Block.objects.get(business_id=business_id, pk=block_id)
        if seats.seats_taken >= seats.capacity:
            return None
        time.sleep(0.05)  # the gap every read-check-then-write has, made wide
        Block.objects.filter(pk=block_id).update(seats_taken=seats.seats_taken + 1)
        claim = Claim.objects.create(
            business_id=business_id,
            block_id=block_id,
            peer_id=peer_id,
            starts_at=seats.starts_at,
            ends_at=seats.ends_at,
            claimed_at=claimed_at,
            idempotency_key=key,
        )
        return claim.pk, seats.starts_at, seats.ends_at

    monkeypatch.setattr(sql, "take_seat_and_claim", read_then_write)
    outcomes = race([lambda p=p: claim_block(p, block.pk).value for p in racers])

    active = Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count()
    assert active > block.capacity, outcomes  # overbooked: the race test would catch this


def test_one_peer_claiming_two_overlapping_blocks_at_once_gets_one(business, program):
    peer = PeerFactory(business=business)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    one = BlockFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))
    two = BlockFactory(
        program=program,
        starts_at=start + timedelta(hours=1),
        ends_at=start + timedelta(hours=4),
    )

    outcomes = race(
        [lambda: claim_block(peer, one.pk).value, lambda: claim_block(peer, two.pk).value]
    )

    assert sum(isinstance(o, Claim) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, errors.OverlapsClaimedBlock) for o in outcomes) == 1
    assert Claim.objects.filter(peer=peer, status=ClaimStatus.ACTIVE).count() == 1


def test_release_promotion_and_a_new_claimer_never_lose_or_duplicate_a_seat(business, program):
    for _round in range(5):
        block = BlockFactory(program=program, capacity=2)
        holders = [PeerFactory(business=business) for _ in range(2)]
        claims = [claim_block(p, block.pk).value for p in holders]
        for _ in range(3):
            join_waitlist(PeerFactory(business=business), block.pk)
        newcomers = [PeerFactory(business=business) for _ in range(3)]

        race(
            [lambda h=h, c=c: release_claim(h, c) for h, c in zip(holders, claims, strict=True)]
            + [lambda p=p, b=block: claim_block(p, b.pk).value for p in newcomers]
        )

        block.refresh_from_db()
        active = Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count()
        assert block.seats_taken == active <= block.capacity
        assert active == 2  # the waitlist took both freed seats: none was lost


def test_the_same_idempotency_key_from_two_threads_makes_one_claim(business, program):
    peer = PeerFactory(business=business)
    block = BlockFactory(program=program, capacity=5)

    outcomes = race([lambda: claim_block(peer, block.pk, idempotency_key="retry-7").value] * 4)

    assert all(isinstance(o, Claim) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    block.refresh_from_db()
    assert block.seats_taken == 1
