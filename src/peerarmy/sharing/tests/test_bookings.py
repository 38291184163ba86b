"""A booking's rules as a rider and the shop meet them: lengths, hours, blocked days, the
e-mail confirmation and its lapse, cancelling free or too late, paying ahead and getting it
back, damage beyond the deposit, a peer's listing."""

from datetime import timedelta

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerarmy.errors import DomainError, IdempotencyKeyReused, PermissionDenied
from peerarmy.notifications.services import deliver_due
from peerarmy.peers.models import PeerStatus
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Refund
from peerarmy.sharing import services
from peerarmy.sharing.inputs import (
    AssetInput,
    BookingInput,
    CancelInput,
    CheckInInput,
    ListingDecisionInput,
)
from peerarmy.sharing.models import BookingStatus, ListingStatus

from .helpers import asset, book, bring_back, next_saturday, pick_up, sharing_program

pytestmark = pytest.mark.django_db


def _data(start, hours, **fields):
    return BookingInput(
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        name=fields.pop("name", "Bruno Bianchi"),
        email=fields.pop("email", "bruno@example.com"),
        **fields,
    )


@pytest.fixture
def world(business, owner):
    program = sharing_program(business, owner, free_cancel_hours=24, confirm_minutes=30)
    bike = asset(
        business,
        owner,
        program,
        min_minutes=120,
        max_minutes=2 * 1440,
        weekly_hours=[{"weekday": d, "opens": "09:00", "closes": "19:00"} for d in range(6)],
    )
    return program, bike


def test_lengths_and_hours_are_refused_with_their_codes(business, world):
    _program, bike = world
    saturday = next_saturday(hour=10)
    with pytest.raises(services.BookingTooShort) as short:
        services.book(business, bike, _data(saturday, 1))
    assert short.value.code == "booking_too_short" and "2 hours" in short.value.message
    with pytest.raises(services.BookingTooLong) as long_:
        services.book(business, bike, _data(saturday, 72))
    assert long_.value.code == "booking_too_long"
    with pytest.raises(services.OutsideOpeningHours) as closed:
        services.book(business, bike, _data(saturday.replace(hour=18), 3))  # back at 21:00
    assert closed.value.code == "outside_opening_hours"
    sunday = saturday + timedelta(days=1)
    with pytest.raises(services.OutsideOpeningHours):
        services.book(business, bike, _data(sunday, 3))


def test_a_blocked_day_cannot_be_booked(business, owner, world):
    program, bike = world
    saturday = next_saturday(hour=10)
    blocked = asset(business, owner, program, blocked_dates=[saturday.date()])
    with pytest.raises(services.AssetUnavailable):
        services.book(business, blocked, _data(saturday, 3))
    services.book(business, bike, _data(saturday, 3))


def test_a_visitor_confirms_by_the_link_and_an_unconfirmed_booking_lapses(business, world):
    _program, bike = world
    saturday = next_saturday(hour=10)
    made = services.book(business, bike, _data(saturday, 3)).value
    assert made.booking.status == BookingStatus.UNCONFIRMED
    deliver_due()
    assert made.token in mail.outbox[-1].body
    # meanwhile the asset is held for them
    with pytest.raises(services.AssetUnavailable):
        services.book(business, bike, _data(saturday, 3, email="carla@example.com"))
    later = made.booking.created_at + timedelta(minutes=31)
    assert services.lapse_bookings(now=later) == 1
    made.booking.refresh_from_db()
    assert made.booking.status == BookingStatus.LAPSED and not made.booking.held
    other = services.book(business, bike, _data(saturday, 3, email="carla@example.com")).value
    assert other.booking.status == BookingStatus.UNCONFIRMED
    with pytest.raises(services.AssetUnavailable):
        services.confirm_booking(business, made.token)


def test_the_same_idempotency_key_makes_one_booking(business, world):
    _program, bike = world
    data = _data(next_saturday(hour=10), 3)
    first = services.book(business, bike, data, idempotency_key="k-1")
    again = services.book(business, bike, data, idempotency_key="k-1")
    assert again.replayed and again.value.booking.pk == first.value.booking.pk
    with pytest.raises(IdempotencyKeyReused):
        services.book(business, bike, _data(next_saturday(hour=14), 3), idempotency_key="k-1")


def test_cancelling_is_free_until_the_window_then_only_the_shop_can(business, owner, world):
    _program, bike = world
    saturday = next_saturday(hour=10)
    made = book(business, bike, start=saturday, hours=3)
    near = saturday - timedelta(hours=2)
    with pytest.raises(services.CancellationTooLate) as late:
        services.cancel_by_rider(business, made.token, CancelInput(), now=near)
    assert late.value.code == "cancellation_too_late"
    early = saturday - timedelta(days=2)
    done = services.cancel_by_rider(business, made.token, CancelInput(), now=early).value
    assert done.status == BookingStatus.CANCELLED and not done.held
    again = book(business, bike, start=saturday, hours=3)
    with pytest.raises(DomainError):
        services.cancel_by_staff(business, owner, again.booking, CancelInput(), now=near)
    services.cancel_by_staff(business, owner, again.booking, CancelInput(reason="Flat tyre"))
    again.booking.refresh_from_db()
    assert again.booking.status == BookingStatus.CANCELLED


def test_paid_ahead_and_cancelled_by_the_shop_is_owed_back_in_full(business, owner, world):
    _program, bike = world
    made = book(business, bike, start=next_saturday(hour=10), hours=3, payment_method="transfer")
    services.record_transfer(business, owner, made.booking)
    made.booking.refresh_from_db()
    assert made.booking.held_minor == made.booking.price_minor + made.booking.deposit_minor
    services.cancel_by_staff(business, owner, made.booking, CancelInput(reason="Broken chain"))
    refund = Refund.objects.get(business=business, key=f"sharing:{made.booking.code}:cancelled")
    assert refund.amount_minor == 1800 + 5000
    made.booking.refresh_from_db()
    assert made.booking.held_minor == 0 and made.booking.taken_minor == 0
    assert check_business(business.pk) == []


def test_damage_beyond_the_deposit_is_taken_at_the_till_and_opens_a_ticket(business, owner, world):
    _program, bike = world
    booking = book(business, bike, start=next_saturday(hour=10), hours=3).booking
    pick_up(business, owner, booking)
    settled = bring_back(
        business, owner, booking, damage="Bent front wheel", damage_minor=8000, notes="wheel"
    )
    assert settled.from_deposit_minor == 5000 and settled.collect_minor == 3000
    assert settled.given_back_minor == 0
    booking.refresh_from_db()
    assert booking.damage_ticket is not None
    assert booking.damage_ticket.category == "damage"
    assert check_business(business.pk) == []


def test_a_peer_lists_their_asset_and_staff_decide(business, owner, peer):
    program = sharing_program(business, owner)
    peer.status = PeerStatus.ACTIVE
    peer.save()
    data = AssetInput(
        program_id=program.pk,
        kind="other",
        name_it="Tandem",
        latitude=44.5,
        longitude=11.34,
        position_note="Cortile di via Mascarella 3",
        day_minor=2500,
    )
    listed = services.list_peer_asset(peer, data).value
    assert listed.listing == ListingStatus.PENDING and not listed.bookable
    with pytest.raises(services.AssetUnavailable):
        services.book(business, listed, _data(next_saturday(hour=10), 24))
    services.decide_listing(business, owner, listed, ListingDecisionInput(approve=True))
    listed.refresh_from_db()
    assert listed.bookable
    with pytest.raises(PermissionDenied):
        other = type(peer).objects.get(pk=peer.pk)
        other.pk = None
        services.list_peer_asset(peer, data, asset=asset(business, owner, program))


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["till", "transfer"]),
        st.integers(0, 3),  # 0 cancel before, 1 pick up and return on time, 2 late, 3 damage
        st.integers(0, 240),  # minutes late
        st.integers(0, 9000),  # damage kept
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=OPERATIONS)
def test_any_sequence_of_rentals_keeps_the_books_sound(business, owner, plan):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    start = next_saturday(hour=8, weeks=3)
    for n, (method, ending, late, damage) in enumerate(plan):
        begins = start + timedelta(days=n)
        booking = book(business, bike, start=begins, hours=3, payment_method=method).booking
        if method == "transfer":
            services.record_transfer(business, owner, booking, now=begins - timedelta(days=1))
        if ending == 0:
            services.cancel_by_staff(business, owner, booking, CancelInput(reason="Rain"))
            continue
        pick_up(business, owner, booking)
        back = booking.ends_at + timedelta(minutes=late if ending == 2 else 0)
        services.check_in(
            business,
            owner,
            booking,
            CheckInInput(
                damage="Scratch" if ending == 3 else "", damage_minor=damage if ending == 3 else 0
            ),
            now=back,
        )
    assert check_business(business.pk) == []


def test_money_at_the_till_needs_the_money_capability(business, owner, world):
    from peerarmy.tenancy.models import Role
    from peerarmy.tenancy.tests.factories import MembershipFactory

    _program, bike = world
    community = MembershipFactory(business=business, role=Role.COMMUNITY).user
    booking = book(business, bike, start=next_saturday(hour=10), hours=3).booking
    with pytest.raises(PermissionDenied):
        pick_up(business, community, booking)  # it would take the payment
    with pytest.raises(PermissionDenied):
        services.record_transfer(business, community, booking)
    services.record_transfer(business, owner, booking)
    pick_up(business, community, booking)  # paid ahead: a plain hand-over
    with pytest.raises(PermissionDenied):
        bring_back(business, community, booking)  # the deposit goes back


def test_the_owning_peer_hands_over_a_paid_booking_and_the_deposit_waits_at_the_till(
    business, owner, peer
):
    program = sharing_program(business, owner)
    peer.status = PeerStatus.ACTIVE
    peer.save()
    tandem = asset(business, owner, program)
    tandem.owner_peer = peer
    tandem.save()
    booking = book(business, tandem, start=next_saturday(hour=10), hours=3).booking
    with pytest.raises(DomainError) as unpaid:
        pick_up(business, peer.user, booking)
    assert "still to pay" in unpaid.value.message
    pick_up(business, owner, booking)  # the rider paid at the shop's till
    # the peer takes it back at home, the rider's deposit waits at the till
    bring_back(business, peer.user, booking)
    from peerarmy.sharing import selectors

    refund = selectors.till_refund(business, booking)
    assert refund is not None and refund.amount_minor == 5000
    assert check_business(business.pk) == []
    services.give_back_at_till(business, owner, booking)
    assert selectors.till_refund(business, booking) is None
    assert check_business(business.pk) == []


def test_a_return_typed_in_the_minute_of_the_pick_up_is_taken(business, owner, world):
    _program, bike = world
    booking = book(business, bike, start=next_saturday(hour=10), hours=3).booking
    picked = booking.starts_at + timedelta(seconds=40)
    pick_up(business, owner, booking, now=picked)
    typed = picked.replace(second=0)  # a form's time has no seconds
    bring_back(business, owner, booking, now=picked + timedelta(seconds=5), returned_at=typed)
    booking.refresh_from_db()
    assert booking.returned_at == picked
    with pytest.raises(DomainError):
        other = book(business, bike, start=next_saturday(hour=10, weeks=2), hours=3).booking
        pick_up(business, owner, other, now=other.starts_at)
        bring_back(business, owner, other, returned_at=other.starts_at - timedelta(minutes=1))
