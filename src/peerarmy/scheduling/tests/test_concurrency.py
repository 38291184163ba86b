"""Races with real threads against a real database: no overbooking, no overlapping claims,
no lost or duplicated seat, one claim per idempotency key. On PostgreSQL every race runs on
both claim paths: the database function (the quick path) and the Python rules. The control
tests run the first race with the seat guard taken out of each path (a read-then-write) and
see overbooking, so that the race cannot pass vacuously."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peerarmy.scheduling import errors, services
from peerarmy.scheduling.models import Block, Claim, ClaimStatus
from peerarmy.scheduling.services import claim_block, join_waitlist, release_claim
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.tenancy.tests.threads import race, requires_shared_database

from .factories import BlockFactory

pytestmark = [
    requires_shared_database,
    pytest.mark.django_db(transaction=True),
]


PATHS = ["python"] if connection.vendor == "sqlite" else ["quick", "python"]


@pytest.fixture(params=PATHS)
def claim_path(request, monkeypatch):
    """Which claim path the race takes: the PostgreSQL function or the Python rules."""
    monkeypatch.setattr(services, "QUICK_CLAIM", request.param == "quick")
    return request.param


def last_three_seats(business, program):
    block = BlockFactory(program=program, capacity=5)
    for _ in range(2):
        claim_block(PeerFactory(business=business), block)
    racers = [PeerFactory(business=business) for _ in range(20)]
    return block, racers


def test_twenty_peers_racing_for_the_last_three_seats_get_exactly_three(
    business, program, claim_path
):
    block, racers = last_three_seats(business, program)

    outcomes = race([lambda p=p: claim_block(p, block) for p in racers])

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

    def read_then_write(block_id):
        seats = Block.objects.get(pk=block_id)
        if seats.seats_taken >= seats.capacity:
            return None
        time.sleep(0.05)  # the gap every read-check-then-write has, made wide
        Block.objects.filter(pk=block_id).update(seats_taken=seats.seats_taken + 1)
        return seats.starts_at, seats.ends_at

    monkeypatch.setattr(services, "QUICK_CLAIM", False)
    monkeypatch.setattr(services, "_take_seat", read_then_write)
    outcomes = race([lambda p=p: claim_block(p, block) for p in racers])

    active = Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count()
    assert active > block.capacity, outcomes  # overbooked: the race test would catch this


GUARDED_UPDATE = (
    "UPDATE scheduling_block SET seats_taken = seats_taken + 1\n"
    "     WHERE id = p_block AND seats_taken < capacity AND status = 'open'"
)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the function is PostgreSQL's")
def test_control_the_database_function_without_its_seat_guard_overbooks(business, program):
    block, racers = last_three_seats(business, program)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('scheduling_quick_claim'::regproc)")
        original = cursor.fetchone()[0]
    assert GUARDED_UPDATE in original  # the guard this control takes out
    naive = original.replace(
        GUARDED_UPDATE,
        # read-then-write: the count read earlier (v.seats_taken) plus one, after the gap
        # every check before a write has, made wide
        "PERFORM pg_sleep(0.05);\n"
        "    UPDATE scheduling_block SET seats_taken = v.seats_taken + 1\n"
        "     WHERE id = p_block AND status = 'open'",
    )
    with connection.cursor() as cursor:
        cursor.execute(naive)
    try:
        outcomes = race([lambda p=p: claim_block(p, block) for p in racers])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(original)

    active = Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count()
    assert active > block.capacity, outcomes  # overbooked: the race test would catch this


def test_one_peer_claiming_two_overlapping_blocks_at_once_gets_one(business, program, claim_path):
    peer = PeerFactory(business=business)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    one = BlockFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))
    two = BlockFactory(
        program=program,
        starts_at=start + timedelta(hours=1),
        ends_at=start + timedelta(hours=4),
    )

    outcomes = race([lambda: claim_block(peer, one), lambda: claim_block(peer, two)])

    assert sum(isinstance(o, Claim) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, errors.OverlapsClaimedBlock) for o in outcomes) == 1
    assert Claim.objects.filter(peer=peer, status=ClaimStatus.ACTIVE).count() == 1


def test_release_promotion_and_a_new_claimer_never_lose_or_duplicate_a_seat(
    business, program, claim_path
):
    for _round in range(5):
        block = BlockFactory(program=program, capacity=2)
        holders = [PeerFactory(business=business) for _ in range(2)]
        claims = [claim_block(p, block) for p in holders]
        for _ in range(3):
            join_waitlist(PeerFactory(business=business), block)
        newcomers = [PeerFactory(business=business) for _ in range(3)]

        race(
            [lambda h=h, c=c: release_claim(h, c) for h, c in zip(holders, claims, strict=True)]
            + [lambda p=p, b=block: claim_block(p, b) for p in newcomers]
        )

        block.refresh_from_db()
        active = Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).count()
        assert block.seats_taken == active <= block.capacity
        assert active == 2  # the waitlist took both freed seats: none was lost


def test_the_same_idempotency_key_from_two_threads_makes_one_claim(business, program, claim_path):
    peer = PeerFactory(business=business)
    block = BlockFactory(program=program, capacity=5)

    outcomes = race([lambda: claim_block(peer, block, idempotency_key="retry-7")] * 4)

    assert all(isinstance(o, Claim) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    block.refresh_from_db()
    assert block.seats_taken == 1
