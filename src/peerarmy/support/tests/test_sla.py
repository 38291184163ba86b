"""The SLA clock counts the shop's business hours: lunch breaks and closures stop it, a day
when the clocks change counts the hours it really has, and with no hours every hour counts."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.support.sla import (
    NoBusinessHours,
    add_business_minutes,
    business_minutes_between,
    business_minutes_many,
)

ROME = ZoneInfo("Europe/Rome")
SPLIT = {d: [["09:00", "13:00"], ["15:30", "19:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def rome(*args):
    return datetime(*args, tzinfo=ROME)


def test_the_lunch_break_stops_the_clock():
    due = add_business_minutes(rome(2026, 3, 2, 12, 30), 60, SPLIT, (), ROME)
    assert due == rome(2026, 3, 2, 16, 0).astimezone(UTC)


def test_a_question_on_friday_evening_is_due_on_monday_morning():
    due = add_business_minutes(rome(2026, 3, 6, 19, 0), 60, SPLIT, (), ROME)
    assert due == rome(2026, 3, 9, 9, 30).astimezone(UTC)


def test_a_closure_skips_whole_days():
    closures = [(date(2026, 3, 9), date(2026, 3, 10))]
    due = add_business_minutes(rome(2026, 3, 6, 19, 0), 60, SPLIT, closures, ROME)
    assert due == rome(2026, 3, 11, 9, 30).astimezone(UTC)


def test_the_spring_change_day_has_23_hours():
    # 29 March 2026: clocks go from 02:00 to 03:00 in Rome.
    start = rome(2026, 3, 29, 0, 0)
    assert add_business_minutes(start, 23 * 60, ALL_DAY, (), ROME) == rome(2026, 3, 30, 0, 0)
    assert business_minutes_between(start, rome(2026, 3, 30), ALL_DAY, (), ROME) == 23 * 60


def test_the_autumn_change_day_has_25_hours():
    start = rome(2026, 10, 25, 0, 0)
    assert business_minutes_between(start, rome(2026, 10, 26), ALL_DAY, (), ROME) == 25 * 60


def test_an_hour_the_spring_change_skips_counts_nothing():
    night = {"sun": [["02:00", "03:00"]]}
    start = rome(2026, 3, 29, 0, 0)
    assert business_minutes_between(start, rome(2026, 3, 30), night, (), ROME) == 0


def test_without_opening_hours_every_hour_counts():
    start = rome(2026, 3, 7, 22, 0)
    assert add_business_minutes(start, 90, {}, (), ROME) == start + timedelta(minutes=90)


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
weeks = st.sampled_from([SPLIT, ALL_DAY, {"sat": [["10:00", "12:00"]]}, {}])
minutes = st.integers(min_value=0, max_value=5000)


@settings(max_examples=150, deadline=None)
@given(moments, minutes, weeks)
def test_the_deadline_is_never_before_the_start_and_counts_exactly(start, n, week):
    due = add_business_minutes(start, n, week, (), ROME)
    assert due >= start
    assert abs(business_minutes_between(start, due, week, (), ROME) - n) < 1e-6


@settings(max_examples=150, deadline=None)
@given(moments, minutes, minutes, weeks)
def test_adding_in_two_steps_is_adding_once(start, a, b, week):
    once = add_business_minutes(start, a + b, week, (), ROME)
    twice = add_business_minutes(add_business_minutes(start, a, week, (), ROME), b, week, (), ROME)
    assert once == twice


@settings(max_examples=100, deadline=None)
@given(moments, minutes, minutes, weeks)
def test_more_minutes_never_come_sooner(start, a, b, week):
    low, high = sorted((a, b))
    assert add_business_minutes(start, low, week, (), ROME) <= add_business_minutes(
        start, high, week, (), ROME
    )


@settings(max_examples=100, deadline=None)
@given(moments, st.lists(moments, max_size=8), weeks)
def test_many_at_once_agree_with_one_at_a_time(start, ends, week):
    closures = [(date(2026, 8, 10), date(2026, 8, 21))]
    many = business_minutes_many(start, ends, week, closures, ROME)
    one = [business_minutes_between(start, end, week, closures, ROME) for end in ends]
    assert many == pytest.approx(one, abs=1e-6)


def test_a_shop_closed_for_years_has_no_business_hours():
    closures = [(date(2026, 1, 1), date(2030, 12, 31))]
    with pytest.raises(NoBusinessHours):
        add_business_minutes(rome(2026, 3, 2, 10, 0), 60, SPLIT, closures, ROME)
