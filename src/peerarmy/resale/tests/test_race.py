"""Many buyers reserving the same few listings at the same instant, with real threads, each on
its own database connection: every listing has exactly one holder, every refusal says the item
is taken, and staff marking the winners sold twice at once sell each item once. A control shows
that the naive look-then-write (the service's look without the database's unique index) reserves
one item twice, so that the race cannot pass vacuously.

120 attempts come from 30 threads (four each, all released at once by a barrier) on 4
listings."""

import threading

import pytest
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled

from peerarmy.errors import DomainError
from peerarmy.resale import services
from peerarmy.resale.inputs import ReservationInput, SaleInput
from peerarmy.resale.models import Listing, ListingStatus, Reservation, ReservationStatus
from peerarmy.rewards.checks import check_business
from peerarmy.tenancy.tests.factories import UserFactory
from peerarmy.tenancy.tests.threads import in_threads as race_threads
from peerarmy.tenancy.tests.threads import requires_shared_database

from .helpers import category, public_listing, resale_program

pytestmark = [requires_shared_database, pytest.mark.django_db(transaction=True)]

THREADS = 30
EACH = 4
LISTINGS = 4


def in_threads(work, threads=THREADS):
    return race_threads(work, threads)


def _world(business, owner):
    program = resale_program(business, owner)
    seats = category(business, owner, program)
    seller = UserFactory()
    return [public_listing(business, seller, owner, program, seats) for _ in range(LISTINGS)]


def test_buyers_racing_for_the_same_items_never_reserve_one_twice(business, owner):
    items = _world(business, owner)
    accepted, refused = [], []
    lock = threading.Lock()

    def buyer(i, barrier):
        barrier.wait()
        for n in range(EACH):
            item = items[(i + n) % LISTINGS]
            data = ReservationInput(name=f"Buyer {i}-{n}", email=f"b{i}-{n}@example.com")
            try:
                made = services.reserve(business, item.pk, data).value
            except DomainError as exc:
                with lock:
                    refused.append(exc)
            else:
                with lock:
                    accepted.append(made.reservation)

    assert in_threads(buyer) == []
    assert len(accepted) == LISTINGS
    assert len(refused) == THREADS * EACH - LISTINGS
    assert all(e.code == "listing_not_available" for e in refused)
    with scopes_disabled():
        holders = (
            Reservation.objects.filter(business=business, holding=True)
            .values("listing")
            .annotate(n=Count("pk"))
        )
        assert sorted(h["n"] for h in holders) == [1] * LISTINGS
        assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.RESERVED}

    # two members of staff press "sold" on every reservation at once: each item sells once
    def staff(i, barrier):
        barrier.wait()
        for reservation in accepted:
            services.mark_sold(business, owner, reservation.pk, SaleInput())

    assert in_threads(staff, threads=2) == []
    with scopes_disabled():
        assert Reservation.objects.filter(status=ReservationStatus.SOLD).count() == LISTINGS
    assert check_business(business.pk) == []


def test_control_the_naive_look_then_write_reserves_twice(business, owner):
    """The same race with the service's look and a write the index does not see (a row that
    does not hold its listing): everyone looks before anyone writes, everyone finds the item on
    sale, and several reservations are made for it."""
    item = _world(business, owner)[0]
    made = []
    lock = threading.Lock()

    def naive(i, barrier):
        on_sale = Listing.objects.get(pk=item.pk).status == ListingStatus.PUBLIC
        barrier.wait()
        if on_sale:
            Reservation.objects.create(
                business=business,
                program_id=item.program_id,
                listing_id=item.pk,
                code=f"naive{i:03d}",
                status=ReservationStatus.ACTIVE,
                holding=False,  # unseen by the unique index: the naive version's write
                name="Naive",
                email=f"n{i}@example.com",
                token_hash=f"{i:064d}",
                reference=f"RF{i:02d}NAIVE",
                price_minor=item.price_minor,
                created_at=timezone.now(),
                expires_at=timezone.now(),
            )
            with lock:
                made.append(i)

    assert in_threads(naive, threads=10) == []
    assert len(made) > 1  # the naive look-then-write sold one item to several buyers
