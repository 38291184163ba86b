"""Opening hours as a shop writes them: one line per weekday, such as "9:00-13:00, 15:30-19:30"
(split hours are the rule in Italy), or empty for a day the shop is closed.

A pure core (no Django): `parse_day` reads what a person typed, in the forms people type it
("9-13", "09.00–13.00", "9:00 - 13:00 / 15:30 - 19:30"), and `format_day` writes it back
in one canonical way; the two agree (`parse_day(format_day(x)) == x`). `is_open` answers
for a moment of the shop's local time.
"""

import re
from datetime import date, datetime

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS = 4

# "9", "9:30", "09.30", "9h30", "24:00" (the end of the day)
_TIME = r"(\d{1,2})(?:[:.h](\d{2}))?"
_INTERVAL = re.compile(rf"^\s*{_TIME}\s*(?:-|–|—|to|a|alle)\s*{_TIME}\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:,|;|/|\band\b|\be\b)\s*", re.IGNORECASE)
_CLOSED_WORDS = {"", "closed", "chiuso", "-", "–", "—"}


class HoursError(ValueError):
    """What is wrong with a day's hours, in a form the caller turns into words: `code` and
    the offending `part` as typed."""

    def __init__(self, code, part=""):
        super().__init__(code, part)
        self.code = code
        self.part = part


def _minute(hours, minutes) -> int:
    h, m = int(hours), int(minutes or 0)
    if m > 59 or h > 24 or (h == 24 and m):
        raise HoursError("time")
    return h * 60 + m


def parse_day(text: str) -> list[tuple[int, int]]:
    """The intervals of one day as (opens, closes) minutes after midnight, in order; [] for
    a closed day. Raises HoursError for a part that is not a time range, a range that ends
    before it starts, ranges that overlap, or more than MAX_INTERVALS ranges."""
    text = (text or "").strip()
    if text.lower() in _CLOSED_WORDS:
        return []
    intervals = []
    for part in _SEPARATORS.split(text):
        if not part:
            continue
        found = _INTERVAL.match(part)
        if found is None:
            raise HoursError("format", part)
        try:
            opens = _minute(found.group(1), found.group(2))
            closes = _minute(found.group(3), found.group(4))
        except HoursError as exc:
            raise HoursError(exc.code, part) from None
        if closes <= opens:
            raise HoursError("order", part)
        intervals.append((opens, closes))
    intervals.sort()
    if len(intervals) > MAX_INTERVALS:
        raise HoursError("many")
    for (_o1, c1), (o2, _c2) in zip(intervals, intervals[1:], strict=False):
        if o2 < c1:
            raise HoursError("overlap")
    return intervals


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_day(intervals) -> str:
    """ "09:00–13:00, 15:30–19:30"; "" for a closed day."""
    return ", ".join(f"{_clock(o)}–{_clock(c)}" for o, c in intervals)


def as_stored(intervals) -> list[list[str]]:
    """The JSON a business keeps: [["09:00", "13:00"], ...]."""
    return [[_clock(o), _clock(c)] for o, c in intervals]


def from_stored(stored) -> list[tuple[int, int]]:
    result = []
    for opens, closes in stored or []:
        oh, om = opens.split(":")
        ch, cm = closes.split(":")
        result.append((int(oh) * 60 + int(om), int(ch) * 60 + int(cm)))
    return result


def is_closed_on(day: date, closures) -> bool:
    """Whether `day` falls in one of the closures, given as (first, last) dates."""
    return any(first <= day <= last for first, last in closures)


def is_open(week: dict, closures, moment: datetime) -> bool:
    """Whether the shop is open at `moment` (its local time): `week` maps a WEEKDAYS key to
    its stored intervals; `closures` are (first, last) dates of holidays."""
    if is_closed_on(moment.date(), closures):
        return False
    minute = moment.hour * 60 + moment.minute
    intervals = from_stored(week.get(WEEKDAYS[moment.weekday()], []))
    return any(opens <= minute < closes for opens, closes in intervals)


def has_hours(week: dict) -> bool:
    return any(week.get(day) for day in WEEKDAYS)
