"""The price of a shared asset on its own: the worked examples a shop owner checks by hand (an
e-bike at 6 € an hour and 30 € a day), the peer discount, a late return with and without grace,
and the split with the owner; then the properties that must hold for any tariff and any
booking: nobody is ever paid to book, a discount never raises a price, a longer booking never
costs less, a day price caps every 24 hours, and the split loses no cent."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from peerarmy.sharing.pricing import Quote, Tariff, commission, late_fee, quote

ROME = ZoneInfo("Europe/Rome")
MONDAY_9 = datetime(2025, 6, 2, 9, 0, tzinfo=ROME)
EBIKE = Tariff(hour_minor=600, day_minor=3000)


def booked(tariff, length, *, peer=False, start=MONDAY_9):
    return quote(tariff, start, start + length, peer=peer)


# --- worked examples -----------------------------------------------------------------------


def test_two_hours_on_the_ebike_cost_12_euro():
    assert booked(EBIKE, timedelta(hours=2)) == Quote(
        minutes=120,
        days=0,
        hours=2,
        hours_minor=1200,
        gross_minor=1200,
        discount_minor=0,
        total_minor=1200,
    )


def test_a_started_hour_is_a_whole_hour():
    assert booked(EBIKE, timedelta(hours=2, minutes=1)).total_minor == 1800
    # a few seconds over the hour count as a minute, and that minute starts a new hour
    short = booked(EBIKE, timedelta(hours=1, seconds=5))
    assert (short.minutes, short.hours, short.total_minor) == (61, 2, 1200)


def test_five_hours_and_ten_minutes_cost_no_more_than_a_day():
    price = booked(EBIKE, timedelta(hours=5, minutes=10))
    assert (price.hours, price.hours_minor, price.total_minor) == (6, 3000, 3000)


def test_a_day_and_three_hours_cost_a_day_plus_three_hours():
    price = booked(EBIKE, timedelta(days=1, hours=3))
    assert (price.days, price.hours, price.total_minor) == (1, 3, 4800)


def test_exactly_one_day_costs_the_day_price():
    price = booked(EBIKE, timedelta(days=1))
    assert (price.days, price.hours, price.total_minor) == (1, 0, 3000)


def test_a_day_less_half_an_hour_is_24_started_hours_capped_at_a_day():
    price = booked(EBIKE, timedelta(hours=23, minutes=30))
    assert (price.days, price.hours, price.hours_minor, price.total_minor) == (0, 24, 3000, 3000)


def test_a_day_only_asset_charges_every_started_day():
    van = Tariff(hour_minor=None, day_minor=5000)
    price = booked(van, timedelta(hours=26))
    assert (price.days, price.hours, price.total_minor) == (2, 0, 10000)
    assert booked(van, timedelta(minutes=10)).total_minor == 5000


def test_an_hour_only_asset_has_no_daily_cap():
    room = Tariff(hour_minor=1500, day_minor=None)
    price = booked(room, timedelta(hours=30))
    assert (price.days, price.hours, price.total_minor) == (0, 30, 45000)


def test_a_night_when_the_clocks_go_forward_is_charged_for_the_time_that_passed():
    # Sunday 30 March 2025 in Rome: 02:00 becomes 03:00, so 22:00 to 04:00 is five hours
    evening = datetime(2025, 3, 29, 22, 0, tzinfo=ROME)
    price = quote(EBIKE, evening, datetime(2025, 3, 30, 4, 0, tzinfo=ROME))
    assert (price.minutes, price.hours) == (300, 5)


def test_a_peer_pays_the_discounted_price():
    bike = Tariff(hour_minor=600, day_minor=3000, peer_discount_percent=10)
    price = booked(bike, timedelta(days=1, hours=3), peer=True)
    assert (price.gross_minor, price.discount_minor, price.total_minor) == (4800, 480, 4320)
    # the same booking for a customer who is not a peer
    assert booked(bike, timedelta(days=1, hours=3)).total_minor == 4800


def test_the_peer_discount_is_rounded_half_up_to_the_cent():
    drill = Tariff(hour_minor=250, day_minor=None, peer_discount_percent=15)
    # 15 % of 2.50 € is 37.5 cents: the peer saves 38 cents and pays 2.12 €
    price = booked(drill, timedelta(minutes=30), peer=True)
    assert (price.discount_minor, price.total_minor) == (38, 212)


def test_a_free_asset_is_free_for_everyone():
    ladder = Tariff(hour_minor=0, day_minor=0, peer_discount_percent=50)
    assert booked(ladder, timedelta(days=3), peer=True).total_minor == 0


@pytest.mark.parametrize(
    "tariff",
    [
        Tariff(hour_minor=None, day_minor=None),
    ],
)
def test_a_tariff_without_prices_cannot_be_quoted(tariff):
    with pytest.raises(ValueError):
        booked(tariff, timedelta(hours=1))


@pytest.mark.parametrize(
    "fields",
    [
        {"hour_minor": -1, "day_minor": 3000},
        {"hour_minor": 600, "day_minor": -1},
        {"hour_minor": 600, "day_minor": 3000, "peer_discount_percent": 101},
        {"hour_minor": 600, "day_minor": 3000, "peer_discount_percent": -5},
        {"hour_minor": 600, "day_minor": 3000, "late_fee_percent": -1},
        {"hour_minor": 600, "day_minor": 3000, "late_grace_minutes": -1},
    ],
)
def test_a_tariff_refuses_negative_prices_and_impossible_percentages(fields):
    with pytest.raises(ValueError):
        Tariff(**fields)


def test_a_booking_must_end_after_it_starts():
    with pytest.raises(ValueError):
        booked(EBIKE, timedelta(0))
    with pytest.raises(ValueError):
        booked(EBIKE, timedelta(hours=-1))


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        quote(EBIKE, datetime(2025, 6, 2, 9, 0), datetime(2025, 6, 2, 11, 0))


def test_a_late_return_within_the_grace_is_free():
    bike = Tariff(hour_minor=600, day_minor=3000, late_grace_minutes=15)
    assert late_fee(bike, MONDAY_9, MONDAY_9 + timedelta(minutes=15)) == 0
    assert late_fee(bike, MONDAY_9, MONDAY_9 - timedelta(hours=1)) == 0  # early


def test_past_the_grace_the_whole_delay_is_charged():
    bike = Tariff(hour_minor=600, day_minor=3000, late_grace_minutes=15)
    # 16 minutes late: one started hour, grace not deducted
    assert late_fee(bike, MONDAY_9, MONDAY_9 + timedelta(minutes=16)) == 600
    # 1 h 20 late at 150 %: two hours, 12 €, and half again
    harsh = Tariff(hour_minor=600, day_minor=3000, late_fee_percent=150)
    assert late_fee(harsh, MONDAY_9, MONDAY_9 + timedelta(hours=1, minutes=20)) == 1800
    # a day late is capped like a booking, then the percentage applies
    assert late_fee(harsh, MONDAY_9, MONDAY_9 + timedelta(hours=20)) == 4500


def test_the_late_fee_ignores_the_peer_discount_and_rounds_half_up():
    bike = Tariff(hour_minor=333, day_minor=None, peer_discount_percent=50, late_fee_percent=50)
    # half of 3.33 € is 1.665 €: 1.67 €
    assert late_fee(bike, MONDAY_9, MONDAY_9 + timedelta(minutes=5)) == 167


def test_the_business_and_the_owner_share_the_takings_to_the_cent():
    assert commission(4800, 20) == (960, 3840)
    # 15 % of 2.50 € is 37.5 cents: the business keeps 38, the owner gets 2.12 €
    assert commission(250, 15) == (38, 212)
    assert commission(4800, 0) == (0, 4800)
    assert commission(4800, 100) == (4800, 0)


@pytest.mark.parametrize("percent", [-1, 101])
def test_a_commission_is_a_percentage(percent):
    with pytest.raises(ValueError):
        commission(1000, percent)


# --- properties ----------------------------------------------------------------------------

prices = st.integers(min_value=0, max_value=500_00)
percents = st.integers(min_value=0, max_value=100)


@st.composite
def tariffs(draw):
    hour = draw(st.none() | prices)
    day = draw(prices if hour is None else st.none() | prices)
    return Tariff(
        hour_minor=hour,
        day_minor=day,
        peer_discount_percent=draw(percents),
        late_fee_percent=draw(st.integers(min_value=0, max_value=300)),
        late_grace_minutes=draw(st.integers(min_value=0, max_value=120)),
    )


# Moments as the services hold them: in UTC (a wall-clock time in Rome plus a length can fall
# before it across the autumn change, which no booking does), drawn from Rome's calendar.
starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(ROME)
).map(lambda moment: moment.astimezone(UTC))
lengths = st.integers(min_value=1, max_value=60 * 24 * 3600).map(lambda s: timedelta(seconds=s))
extras = st.integers(min_value=0, max_value=10 * 24 * 3600).map(lambda s: timedelta(seconds=s))


@given(tariff=tariffs(), start=starts, length=lengths, peer=st.booleans())
def test_nobody_is_paid_to_book_and_a_discount_never_raises_the_price(tariff, start, length, peer):
    price = quote(tariff, start, start + length, peer=peer)
    assert price.total_minor >= 0
    assert price.total_minor <= price.gross_minor
    assert price.gross_minor == price.days * (tariff.day_minor or 0) + price.hours_minor
    assert price.total_minor == price.gross_minor - price.discount_minor
    if not peer:
        assert price.discount_minor == 0
    if tariff.day_minor is not None and tariff.hour_minor is not None:
        assert 0 <= price.hours <= 24
        assert price.hours_minor <= tariff.day_minor


@given(tariff=tariffs(), start=starts, length=lengths, more=extras, peer=st.booleans())
def test_a_longer_booking_never_costs_less(tariff, start, length, more, peer):
    shorter = quote(tariff, start, start + length, peer=peer)
    longer = quote(tariff, start, start + length + more, peer=peer)
    assert longer.minutes >= shorter.minutes
    assert longer.total_minor >= shorter.total_minor


@given(tariff=tariffs(), start=starts, length=lengths)
def test_a_day_price_caps_every_started_day(tariff, start, length):
    assume(tariff.day_minor is not None)
    price = quote(tariff, start, start + length)
    started_days = -(-price.minutes // 1440)
    assert price.gross_minor <= started_days * tariff.day_minor


@given(total=st.integers(min_value=0, max_value=10_000_000_00), percent=percents)
def test_the_commission_split_loses_no_cent(total, percent):
    business, owner = commission(total, percent)
    assert business + owner == total
    assert 0 <= business <= total
    assert 0 <= owner <= total
    # the business's part is its percentage, at most half a cent off
    assert abs(business * 100 - total * percent) <= 50


@given(tariff=tariffs(), due=starts, late=extras, more=extras)
def test_the_late_fee_is_free_within_the_grace_and_grows_with_lateness(tariff, due, late, more):
    fee = late_fee(tariff, due, due + late)
    assert fee >= 0
    if late <= timedelta(minutes=tariff.late_grace_minutes):
        assert fee == 0
    assert late_fee(tariff, due, due + late + more) >= fee
