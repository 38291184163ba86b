"""Which RFC 5545 recurrence rules a series of blocks may use, checked before python-dateutil
expands them: dateutil fails with an IndexError on some out-of-range values, and walks to the
year 9999 (seconds of CPU) for rules that never match."""

import itertools
import re

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _

# The part of RFC 5545 a schedule of blocks needs, with each value in its RFC range: python-
# dateutil fails with an IndexError on some out-of-range values, and walks to the year 9999
# (seconds of CPU) for sub-daily rules that never match.
_DAY = r"(MO|TU|WE|TH|FR|SA|SU)"
_RULE_PARTS = {
    "FREQ": (r"(DAILY|WEEKLY|MONTHLY|YEARLY)", None),
    "COUNT": (r"\d{1,6}", (1, 999_999)),
    "INTERVAL": (r"\d{1,4}", (1, 1000)),
    "UNTIL": (r"\d{8}(T\d{6}Z?)?", None),
    "WKST": (_DAY, None),
    "BYDAY": (rf"[+-]?(\d{{1,2}})?{_DAY}", (1, 53)),
    "BYMONTHDAY": (r"[+-]?\d{1,2}", (1, 31)),
    "BYMONTH": (r"\d{1,2}", (1, 12)),
    "BYSETPOS": (r"[+-]?\d{1,3}", (1, 366)),
}
_LIST_PARTS = {"BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"}
# The Gregorian calendar repeats every 400 years (146,097 days, 20,871 weeks, 4,800 months).
_CALENDAR_CYCLE_YEARS = 400
_PROBE_BEFORE_YEAR = 9600  # leaves at least 400 years before the year 9999 ends the walk


def _rule_value_ok(name, value):
    pattern, bounds = _RULE_PARTS[name]
    match = re.fullmatch(pattern, value)
    if match is None:
        return False
    if bounds is None:
        return True
    digits = re.sub(r"\D", "", value)
    if not digits:  # BYDAY without an ordinal
        return True
    return bounds[0] <= int(digits) <= bounds[1]


def rule_problem(text, start_local) -> str | None:
    """What is wrong with a rule, in words, or None: outside the supported part of RFC 5545,
    or one that never gives a date. Supported: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), COUNT,
    UNTIL, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST."""
    invalid = _("This recurrence rule is not valid.")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    seen = set()
    for part in filter(None, body.split(";")):
        name, _sep, value = part.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if name not in _RULE_PARTS or name in seen:
            return invalid
        seen.add(name)
        values = value.split(",") if name in _LIST_PARTS else [value]
        if not all(_rule_value_ok(name, v) for v in values):
            return invalid
    if "FREQ" not in seen or {"COUNT", "UNTIL"} <= seen:  # RFC 5545: never both
        return invalid
    start = start_local.replace(tzinfo=None, microsecond=0)
    try:
        rule = rrulestr(body, dtstart=start)
        # The same rule 400·n years later, with no end: it gives a date within its first 400
        # years exactly when the rule itself does, and stops at the year 9999 soon after.
        cycles = (_PROBE_BEFORE_YEAR - 1 - start.year) // _CALENDAR_CYCLE_YEARS
        probe_start = start.replace(year=start.year + cycles * _CALENDAR_CYCLE_YEARS)
        probe = rule.replace(dtstart=probe_start, count=None, until=None)
        first = next(iter(probe), None)
    except (ValueError, TypeError, IndexError, OverflowError):
        return invalid
    if first is None:
        return _("This recurrence rule never gives a date.")
    return None


def occurrences(text, start_local, limit):
    """The local wall-clock starts of a valid rule, at most `limit` + 1 of them (one more
    than allowed tells that there are too many)."""
    rule = rrulestr(text.strip(), dtstart=start_local.replace(tzinfo=None, microsecond=0))
    return list(itertools.islice(iter(rule), limit + 1))
