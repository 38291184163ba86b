"""Many people booking the same few assets at the same instant, with real threads, each on its
own database connection: no asset is ever held twice at once, every refusal says the asset is
taken, and exactly the accepted bookings exist. A control shows that the naive look-then-write
(the service's look without the database's guard) double-books, so that the race cannot pass
vacuously.

200 attempts come from 40 threads (five each, all released at once by a barrier) on 4 assets,
for ranges that overlap in many ways."""

import threading
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from peerarmy.errors import DomainError
from peerarmy.sharing import selectors, services, sql
from peerarmy.sharing.inputs import BookingInput
from peerarmy.sharing.models import Booking
from peerarmy.tenancy.tests.threads import in_threads as race_threads
from peerarmy.tenancy.tests.threads import requires_shared_database

from .helpers import asset, next_saturday, sharing_program, station

pytestmark = [requires_shared_database, pytest.mark.django_db(transaction=True)]

THREADS = 40
EACH = 5
ASSETS = 4


def in_threads(work, threads=THREADS):
    return race_threads(work, threads)


def _world(business, owner):
    program = sharing_program(business, owner, free_cancel_hours=0)
    at = station(business, owner, program)
    fleet = [asset(business, owner, program, at=at) for _ in range(ASSETS)]
    return program, fleet


def _attempt(i, n, start):
    """A range of 1 to 4 hours starting on one of the day's first eight hours."""
    offset = (i * 7 + n * 3) % 8
    length = 1 + (i + n) % 4
    begins = start + timedelta(hours=offset)
    return begins, begins + timedelta(hours=length)


def test_bookings_racing_for_the_same_assets_never_double_book(business, owner):
    _program, fleet = _world(business, owner)
    start = next_saturday(hour=8)
    accepted, refused = [], []
    lock = threading.Lock()

    def rider(i, barrier):
        barrier.wait()
        for n in range(EACH):
            bike = fleet[(i + n) % ASSETS]
            begins, ends = _attempt(i, n, start)
            data = BookingInput(
                starts_at=begins, ends_at=ends, name=f"Rider {i}-{n}", email=f"r{i}-{n}@example.com"
            )
            try:
                made = services.book(business, bike.pk, data).value
            except DomainError as exc:
                with lock:
                    refused.append(exc)
            else:
                with lock:
                    accepted.append(made.booking)

    assert in_threads(rider) == []
    assert len(accepted) + len(refused) == THREADS * EACH
    assert accepted and refused
    assert all(isinstance(e, services.AssetUnavailable) for e in refused)
    assert sql.overlapping_bookings(business.pk) == []
    with scopes_disabled():
        stored = set(Booking.objects.filter(business=business).values_list("pk", flat=True))
    assert stored == {b.pk for b in accepted}


def test_control_the_naive_look_then_write_double_books(business, owner):
    """The same race with the service's look and a write the guard does not see (a row that
    does not hold its asset, so neither the exclusion constraint nor the trigger applies):
    everyone looks before anyone writes, everyone finds the asset free, and bookings overlap.
    The overlaps are counted in Python over the rows the naive path wrote."""
    _program, fleet = _world(business, owner)
    start = next_saturday(hour=8)
    bike = fleet[0]
    made = []
    lock = threading.Lock()

    def naive(i, barrier):
        begins, ends = _attempt(i, 0, start)
        free = selectors.is_free(bike, begins, ends)
        barrier.wait()
        if free:
            with lock:
                made.append((begins, ends))
            Booking.objects.create(
                business=business,
                program_id=bike.program_id,
                asset=bike,
                code=f"naive{i}",
                starts_at=begins,
                ends_at=ends,
                held=False,
                name=f"Rider {i}",
                email=f"n{i}@example.com",
                reference=f"RF00NAIVE{i}",
                token_hash=f"naive{i}",
            )

    assert in_threads(naive, threads=12) == []
    overlaps = sum(
        1
        for a in range(len(made))
        for b in range(a + 1, len(made))
        if made[a][0] < made[b][1] and made[b][0] < made[a][1]
    )
    assert overlaps > 0
