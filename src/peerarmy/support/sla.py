"""Service-level deadlines counted in business hours: a pure core (no Django).

A shop open "09:00–13:00, 15:30–19:30" that gets a question at 12:30 with a 60-minute target
owes its answer at 16:00, not at 13:30; on a holiday (a closure) the clock stops for the whole
day. Hours are the shop's wall-clock hours in its time zone and each interval is turned into
real moments day by day, so a day when clocks change counts the hours it really has (an
interval that the spring change skips counts nothing). With no opening hours at all, every
hour counts.

`week` maps "mon".."sun" to the stored intervals ([["09:00", "13:00"], ...]); `closures` are
(first, last) dates. Moments are aware datetimes; results are in UTC.
"""

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A shop closed for this many days in a row has no business hours to count.
MAX_DAYS = 3 * 366

# Default targets per category, in business minutes: (first response, resolution).
DEFAULT_TARGETS = {
    "safety": (30, 8 * 60),
    "no_show": (2 * 60, 2 * 8 * 60),
    "payment": (4 * 60, 3 * 8 * 60),
    "complaint": (4 * 60, 3 * 8 * 60),
    "damage": (4 * 60, 3 * 8 * 60),
    "question": (8 * 60, 5 * 8 * 60),
    "other": (8 * 60, 5 * 8 * 60),
}


class NoBusinessHours(ValueError):
    """The shop is closed for MAX_DAYS days in a row from the moment given."""


def _intervals(stored) -> list[tuple[int, int]]:
    result = []
    for opens, closes in stored or []:
        oh, om = opens.split(":")
        ch, cm = closes.split(":")
        result.append((int(oh) * 60 + int(om), int(ch) * 60 + int(cm)))
    return sorted(result)


def _has_hours(week) -> bool:
    return any(week.get(day) for day in WEEKDAYS)


def _parsed(week) -> tuple:
    """The seven days' intervals in minutes, Monday first, parsed once per call."""
    return tuple(_intervals(week.get(day)) for day in WEEKDAYS)


def _closed(day: date, closures) -> bool:
    return any(first <= day <= last for first, last in closures)


def _moment(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The real moment of `minute` after midnight of `day` on the shop's wall clock."""
    if minute >= 24 * 60:
        day, minute = day + timedelta(days=1), minute - 24 * 60
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def open_spans(start: datetime, week: dict, closures, zone: ZoneInfo):
    """The shop's open spans (from, to) in UTC from `start` on, in order, clipped to it."""
    start = start.astimezone(UTC)
    days = _parsed(week)
    day = start.astimezone(zone).date() - timedelta(days=1)  # a span may cross midnight
    idle = 0  # days in a row without an open hour
    while idle < MAX_DAYS:
        idle += 1
        if days[day.weekday()] and not _closed(day, closures):
            for opens, closes in days[day.weekday()]:
                begin, end = _moment(day, opens, zone), _moment(day, closes, zone)
                begin = max(begin, start)
                if end > begin:
                    idle = 0
                    yield begin, end
        day += timedelta(days=1)
    raise NoBusinessHours()


def add_business_minutes(
    start: datetime, minutes: int, week: dict, closures=(), zone: ZoneInfo | None = None
) -> datetime:
    """The moment `minutes` of business time after `start` (UTC)."""
    start = start.astimezone(UTC)
    if minutes <= 0:
        return start
    if not _has_hours(week):
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    for begin, end in open_spans(start, week, closures, zone or ZoneInfo("UTC")):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise NoBusinessHours()  # pragma: no cover - open_spans raises first


def business_minutes_between(
    start: datetime, end: datetime, week: dict, closures=(), zone: ZoneInfo | None = None
) -> float:
    """Business minutes from `start` to `end`; negative when `end` comes first."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -business_minutes_between(end, start, week, closures, zone)
    if not _has_hours(week):
        return (end - start).total_seconds() / 60
    total = timedelta()
    for begin, stop in open_spans(start, week, closures, zone or ZoneInfo("UTC")):
        if begin >= end:
            break
        total += min(stop, end) - begin
    return total.total_seconds() / 60


def business_minutes_many(
    start: datetime, ends, week: dict, closures=(), zone: ZoneInfo | None = None
) -> list[float]:
    """`business_minutes_between(start, end)` for each of `ends`, walking the shop's hours
    once (a queue of fifty tickets asks for fifty of them at every page)."""
    ends = [end.astimezone(UTC) for end in ends]
    start = start.astimezone(UTC)
    if not ends:
        return []
    if not _has_hours(week):
        return [(end - start).total_seconds() / 60 for end in ends]
    low, high = min(start, *ends), max(start, *ends)
    begins, stops, before = [], [], []  # each span, and the business time before it
    total = timedelta()
    for begin, stop in open_spans(low, week, closures, zone or ZoneInfo("UTC")):
        if begin >= high:
            break
        begins.append(begin)
        stops.append(stop)
        before.append(total)
        total += stop - begin

    def position(moment):
        i = bisect_right(begins, moment) - 1
        if i < 0:
            return timedelta()
        return before[i] + (min(moment, stops[i]) - begins[i])

    origin = position(start)
    return [(position(end) - origin).total_seconds() / 60 for end in ends]
