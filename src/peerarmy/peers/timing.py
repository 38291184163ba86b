"""When a message to a peer is due: their quiet hours and the hour of their daily digest, on the
business's clock (a pure core: no Django, plain values in and out).

Quiet hours are two wall-clock times, `start` included and `end` excluded, and may wrap
midnight (22:00–08:00). A message that falls due inside them waits until they end: the first
instant at which the clock shows a time outside them. A digest is due at the digest hour
(minute 0) that comes first at or after the moment its first item was found, and then waits
for the quiet hours to end like any other message.

Daylight saving is handled on the wall clock: a digest hour that the clock skips (02:00 on the
last Sunday of March in Rome) is the moment the clock jumps; an end of quiet hours that the
clock skips is that same moment (the first at which the clock shows a later time); an hour the
clock repeats counts from its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Mode(StrEnum):
    OFF = "off"
    INSTANT = "instant"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class Timing:
    """How a peer wants new-work messages: `mode`, the quiet hours (both or neither) and the
    digest's hour (0–23)."""

    mode: Mode = Mode.INSTANT
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest_hour: int = 18

    @property
    def has_quiet_hours(self) -> bool:
        return (
            self.quiet_start is not None
            and self.quiet_end is not None
            and _minute(self.quiet_start) != _minute(self.quiet_end)
        )


def _minute(value: time) -> tuple[int, int]:
    return value.hour, value.minute


def is_quiet(wall: time, timing: Timing) -> bool:
    """Does the wall-clock time `wall` fall in the quiet hours?"""
    if not timing.has_quiet_hours:
        return False
    start, end, now = _minute(timing.quiet_start), _minute(timing.quiet_end), _minute(wall)
    if start < end:
        return start <= now < end
    return now >= start or now < end  # wraps midnight


def _wall(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz)


def _instants(day: date, wall: time, tz: tzinfo) -> list[datetime]:
    """The instants (UTC) at which the clock of `tz` shows `wall` on `day`: one, or two in
    the hour it repeats; for a time the clock skips, the instant it jumps over it."""
    naive = datetime.combine(day, time(wall.hour, wall.minute))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return [first] if second == first else sorted({first, second})
    # Skipped: fold=0 reads it with the offset before the jump, fold=1 with the one after; the
    # jump lies between the two, and is the first instant whose offset is the later one.
    low, high = min(first, second), max(first, second)
    late_offset = naive.replace(tzinfo=tz, fold=1).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == late_offset:
            high = middle
        else:
            low = middle
    return [high.replace(microsecond=0)]


def _first_at_or_after(moment: datetime, day: date, wall: time, tz: tzinfo) -> datetime:
    """The first instant at or after `moment` at which the clock shows `wall`, looking at
    `day` and the days after it."""
    for offset in range(3):
        for instant in _instants(day + timedelta(days=offset), wall, tz):
            if instant >= moment:
                return instant.astimezone(moment.tzinfo)
    raise ValueError("no such time within three days")  # a clock that never shows `wall`


def end_of_quiet(moment: datetime, timing: Timing, tz: tzinfo) -> datetime:
    """`moment` itself when it is outside the quiet hours, else the first instant after it at
    which they are over."""
    wall = _wall(moment, tz)
    if not is_quiet(wall.time(), timing):
        return moment
    return _first_at_or_after(moment, wall.date(), timing.quiet_end, tz)


def next_digest(moment: datetime, timing: Timing, tz: tzinfo) -> datetime:
    """The first digest hour (minute 0, on the clock of `tz`) at or after `moment`."""
    return _first_at_or_after(moment, _wall(moment, tz).date(), time(timing.digest_hour % 24), tz)


def due_at(found_at: datetime, timing: Timing, tz: tzinfo) -> datetime | None:
    """When a message about work found at `found_at` may be sent: at once, or at the next
    digest hour, moved past the quiet hours; None when the peer wants no such messages."""
    if timing.mode == Mode.OFF:
        return None
    moment = found_at if timing.mode == Mode.INSTANT else next_digest(found_at, timing, tz)
    return end_of_quiet(moment, timing, tz)
