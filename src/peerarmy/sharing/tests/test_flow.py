"""The whole life of a rental, through the services, with the books checked at each step."""

from datetime import timedelta

import pytest

from peerarmy.rewards import ledger
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import AccountKind
from peerarmy.sharing import services
from peerarmy.sharing.inputs import BookingInput
from peerarmy.sharing.models import BookingStatus
from peerarmy.sharing.tests.helpers import (
    asset,
    book,
    bring_back,
    next_saturday,
    pick_up,
    sharing_program,
)

pytestmark = pytest.mark.django_db


def _balance(business, spec):
    ref = ledger.accounts(business.pk, [spec])[spec]
    return -ledger.balance(business.pk, ref.id)


def test_a_rental_paid_at_the_till_earns_the_shop_and_gives_the_deposit_back(business, owner):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    made = book(business, bike, hours=3)
    booking = made.booking
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.price_minor == 1800 and booking.deposit_minor == 5000
    pick_up(business, owner, booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.OUT
    assert booking.taken_minor == 6800 and booking.held_minor == 5000
    assert check_business(business.pk) == []
    settled = bring_back(business, owner, booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RETURNED
    assert settled.given_back_minor == 5000 and booking.held_minor == 0
    assert _balance(business, ledger.rentals_income(program.pk, "EUR")) == 1800
    assert check_business(business.pk) == []


def test_a_late_return_pays_the_fee_out_of_the_deposit(business, owner):
    program = sharing_program(business, owner, late_fee_percent=150, late_grace_minutes=15)
    bike = asset(business, owner, program)
    booking = book(business, bike, hours=3).booking
    pick_up(business, owner, booking)
    settled = bring_back(business, owner, booking, now=booking.ends_at + timedelta(minutes=70))
    # 70 minutes late: two started hours at 6 €, at 150 %
    assert settled.late_fee_minor == 1800
    assert settled.given_back_minor == 5000 - 1800
    assert _balance(business, ledger.sharing_fees(program.pk, "EUR")) == 1800
    assert check_business(business.pk) == []


def test_the_same_time_cannot_be_booked_twice(business, owner):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    start = next_saturday()
    book(business, bike, start=start, hours=3)
    with pytest.raises(services.AssetUnavailable):
        book(business, bike, start=start + timedelta(hours=2), hours=3)
    # back to back is fine
    book(business, bike, start=start + timedelta(hours=3), hours=1)


def test_the_database_refuses_an_overlap_the_service_did_not_see(business, owner):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    start = next_saturday()
    book(business, bike, start=start, hours=3)
    from peerarmy.sharing import selectors

    original = selectors.is_free
    selectors.is_free = lambda *a, **k: True
    try:
        with pytest.raises(services.AssetUnavailable):
            services.book(
                business,
                bike,
                BookingInput(
                    starts_at=start + timedelta(hours=1),
                    ends_at=start + timedelta(hours=2),
                    name="Bruno",
                    email="bruno@example.com",
                ),
            )
    finally:
        selectors.is_free = original
    assert check_business(business.pk) == []


def test_a_peer_asset_pays_its_peer_less_the_commission(business, owner, peer):
    program = sharing_program(business, owner, commission_percent=20)
    bike = asset(business, owner, program)
    bike.owner_peer = peer
    bike.save()
    booking = book(business, bike, hours=3).booking
    pick_up(business, owner, booking)
    assert _balance(business, ledger.peer_payable(peer.pk, "EUR")) == 1440
    assert _balance(business, ledger.commissions_income(program.pk, "EUR")) == 360
    bring_back(business, owner, booking)
    assert check_business(business.pk) == []
    assert AccountKind.DEPOSITS
