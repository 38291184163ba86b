"""Opening hours as shops write them: read in the forms people type, written back one way,
and "open now" answered right, also across holidays."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerarmy.tenancy import hours


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("9-13, 15:30-19:30", "09:00–13:00, 15:30–19:30"),
        ("09.00–13.00 / 15.30–19.30", "09:00–13:00, 15:30–19:30"),
        ("15:30 - 19:30 e 9:00 - 13:00", "09:00–13:00, 15:30–19:30"),
        ("9h30 to 18", "09:30–18:00"),
        ("10 alle 24", "10:00–24:00"),
        ("", ""),
        ("chiuso", ""),
        ("Closed", ""),
    ],
)
def test_the_ways_people_write_hours(typed, canonical):
    assert hours.format_day(hours.parse_day(typed)) == canonical


@pytest.mark.parametrize(
    ("typed", "code", "part"),
    [
        ("9 to lunch", "format", "9 to lunch"),
        ("13-9", "order", "13-9"),
        ("9-13, 12-15", "overlap", ""),
        ("9:75-13", "time", "9:75-13"),
        ("25-26", "time", "25-26"),
        ("8-9, 10-11, 12-13, 14-15, 16-17", "many", ""),
    ],
)
def test_what_is_not_hours_is_named(typed, code, part):
    with pytest.raises(hours.HoursError) as refused:
        hours.parse_day(typed)
    assert (refused.value.code, refused.value.part) == (code, part)


@st.composite
def days(draw):
    """A valid day: up to four ordered, non-overlapping ranges on the minute."""
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 60), max_size=8)))
    cuts = cuts[: len(cuts) // 2 * 2]
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2) if cuts[i] < cuts[i + 1]]


@given(days())
def test_written_hours_read_back_the_same(day):
    assert hours.parse_day(hours.format_day(day)) == day
    assert hours.from_stored(hours.as_stored(day)) == day


@given(days(), st.integers(0, 24 * 60 - 1))
def test_open_exactly_inside_a_range(day, minute):
    week = {"mon": hours.as_stored(day)}
    moment = datetime(2026, 12, 7, minute // 60, minute % 60)  # a Monday
    assert hours.is_open(week, [], moment) == any(o <= minute < c for o, c in day)
    # a holiday over that day closes it whatever the hours say
    assert not hours.is_open(week, [(date(2026, 12, 6), date(2026, 12, 8))], moment)
