"""When a new-work message is due: quiet hours (wrapping midnight too) and the digest's hour,
on a clock with daylight saving (Europe/Rome, and a zone without any)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.peers.timing import (
    Mode,
    Timing,
    due_at,
    end_of_quiet,
    is_quiet,
    next_digest,
)

ROME = ZoneInfo("Europe/Rome")
ZONES = [ROME, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), UTC]

NIGHT = Timing(mode=Mode.INSTANT, quiet_start=time(22), quiet_end=time(8))


def rome(*args):
    return datetime(*args, tzinfo=ROME)


# --- examples a peer would check by hand ------------------------------------------------------


def test_at_once_outside_quiet_hours_is_now():
    assert due_at(rome(2026, 6, 10, 15, 30), NIGHT, ROME) == rome(2026, 6, 10, 15, 30)


def test_work_found_late_in_the_evening_waits_for_the_morning():
    assert due_at(rome(2026, 6, 10, 23, 10), NIGHT, ROME) == rome(2026, 6, 11, 8, 0)


def test_work_found_after_midnight_waits_for_the_same_morning():
    assert due_at(rome(2026, 6, 11, 3, 0), NIGHT, ROME) == rome(2026, 6, 11, 8, 0)


def test_the_quiet_hours_end_exactly_at_their_end_and_start_exactly_at_their_start():
    assert due_at(rome(2026, 6, 11, 8, 0), NIGHT, ROME) == rome(2026, 6, 11, 8, 0)
    assert due_at(rome(2026, 6, 11, 21, 59), NIGHT, ROME) == rome(2026, 6, 11, 21, 59)
    assert due_at(rome(2026, 6, 11, 22, 0), NIGHT, ROME) == rome(2026, 6, 12, 8, 0)


def test_quiet_hours_within_one_day():
    lunch = Timing(quiet_start=time(13), quiet_end=time(15, 30))
    assert due_at(rome(2026, 6, 10, 14, 0), lunch, ROME) == rome(2026, 6, 10, 15, 30)
    assert due_at(rome(2026, 6, 10, 12, 0), lunch, ROME) == rome(2026, 6, 10, 12, 0)


def test_a_digest_goes_at_its_hour_today_or_tomorrow():
    evening = Timing(mode=Mode.DIGEST, quiet_start=time(22), quiet_end=time(8), digest_hour=18)
    assert due_at(rome(2026, 6, 10, 9, 0), evening, ROME) == rome(2026, 6, 10, 18, 0)
    assert due_at(rome(2026, 6, 10, 18, 0), evening, ROME) == rome(2026, 6, 10, 18, 0)
    assert due_at(rome(2026, 6, 10, 18, 1), evening, ROME) == rome(2026, 6, 11, 18, 0)


def test_a_digest_hour_inside_the_quiet_hours_waits_until_they_end():
    odd = Timing(mode=Mode.DIGEST, quiet_start=time(22), quiet_end=time(8), digest_hour=23)
    assert due_at(rome(2026, 6, 10, 9, 0), odd, ROME) == rome(2026, 6, 11, 8, 0)


def test_off_means_never():
    assert due_at(rome(2026, 6, 10, 9, 0), Timing(mode=Mode.OFF), ROME) is None


def test_no_quiet_hours_when_none_or_equal():
    assert not is_quiet(time(3), Timing())
    assert not is_quiet(time(3), Timing(quiet_start=time(3), quiet_end=time(3)))


def test_an_end_the_clock_skips_is_the_moment_it_jumps():
    # 29 March 2026: Rome's clocks go from 02:00 to 03:00; quiet until 02:30 ends at the jump.
    quiet = Timing(quiet_start=time(1), quiet_end=time(2, 30))
    found = rome(2026, 3, 29, 1, 15)
    assert end_of_quiet(found, quiet, ROME) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_an_hour_the_clock_repeats_ends_the_quiet_at_its_second_passing_if_needed():
    # 25 October 2026: 03:00 summer time becomes 02:00 winter time; quiet until 02:30.
    quiet = Timing(quiet_start=time(1), quiet_end=time(2, 30))
    second_pass = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 winter time
    assert second_pass.astimezone(ROME).time() == time(2, 10)
    assert end_of_quiet(second_pass, quiet, ROME) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_digest_hour_the_clock_skips_goes_when_it_jumps():
    two = Timing(mode=Mode.DIGEST, digest_hour=2)
    assert next_digest(rome(2026, 3, 29, 0, 30), two, ROME) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


# --- properties -----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
clock = st.builds(time, st.integers(0, 23), st.integers(0, 59))
timings = st.builds(
    Timing,
    mode=st.sampled_from([Mode.INSTANT, Mode.DIGEST]),
    quiet_start=st.one_of(st.none(), clock),
    quiet_end=st.one_of(st.none(), clock),
    digest_hour=st.integers(0, 23),
).map(
    # both quiet times or neither, as the input guarantees
    lambda t: t if (t.quiet_start is None) == (t.quiet_end is None) else Timing(mode=t.mode)
)


def _quiet_at(moment, timing, tz):
    return is_quiet(moment.astimezone(tz).time(), timing)


@settings(max_examples=300)
@given(moment=moments, timing=timings, tz=st.sampled_from(ZONES))
def test_a_message_is_never_due_before_its_work_nor_in_the_quiet_hours(moment, timing, tz):
    due = due_at(moment, timing, tz)
    assert due >= moment
    assert not _quiet_at(due, timing, tz)
    # within a day and a night: a digest waits at most a day (and an hour of daylight
    # saving), then at most the quiet hours
    assert due - moment <= timedelta(days=2, hours=1)


@settings(max_examples=300)
@given(moment=moments, timing=timings, tz=st.sampled_from(ZONES))
def test_at_once_means_the_first_minute_outside_the_quiet_hours(moment, timing, tz):
    instant = Timing(Mode.INSTANT, timing.quiet_start, timing.quiet_end, timing.digest_hour)
    due = due_at(moment, instant, tz)
    if not _quiet_at(moment, instant, tz):
        assert due == moment
    else:
        # every minute from the moment up to the message is quiet: it does not wait longer
        step = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        while step < due:
            assert _quiet_at(step, instant, tz), (moment, step, due)
            step += timedelta(minutes=1)


@settings(max_examples=300)
@given(moment=moments, timing=timings, tz=st.sampled_from(ZONES))
def test_a_digest_goes_at_the_first_digest_hour_then_after_the_quiet_hours(moment, timing, tz):
    digest = Timing(Mode.DIGEST, timing.quiet_start, timing.quiet_end, timing.digest_hour)
    hour = next_digest(moment, digest, tz)
    assert moment <= hour <= moment + timedelta(days=1, hours=1)
    wall = hour.astimezone(tz)
    # the digest's hour on the clock, unless the clock skipped it (then the jump's moment)
    skipped = wall.hour != digest.digest_hour
    assert wall.minute == 0 or skipped
    # no earlier digest hour after the moment
    earlier = hour - timedelta(hours=23)
    assert earlier < moment or earlier.astimezone(tz).hour != digest.digest_hour
    assert due_at(moment, digest, tz) == end_of_quiet(hour, digest, tz)


@given(moment=moments, timing=timings, tz=st.sampled_from(ZONES))
def test_the_answer_is_a_fixed_point(moment, timing, tz):
    """Asking again at the moment a message is due gives that same moment (the sweep may
    compute it again when it sends)."""
    instant = Timing(Mode.INSTANT, timing.quiet_start, timing.quiet_end, timing.digest_hour)
    due = due_at(moment, instant, tz)
    assert due_at(due, instant, tz) == due
