"""Dates, times and numbers as an Italian and a British reader write them (`FORMAT_MODULE_PATH`).

Django's Italian formats pad the day and its catalogue capitalises month and day names
("Domenica 06 Dicembre"); its English formats are American (12/06/2026, 3:30 p.m.). Here:
"domenica 6 dicembre 2026, 15:30" and "Sunday 6 December 2026, 15:30", 06/12/2026 in both.
The lower-case Italian names are translations in peerarmy's own catalogue (`names.py`)."""

from django.utils import dateformat
from django.utils.translation import get_language

# A moment in a list or an e-mail, short: "dom 6 dic 2026, 15:30" / "Sun 6 Dec 2026, 15:30".
# Italian abbreviates months in lower case ("b"), English with a capital ("M"); Django's
# "M" would give Italian a capital ("Dic").
SHORT_MOMENT = {
    "it": ("D j b Y, H:i", "D j b, H:i"),
    "en": ("D j M Y, H:i", "D j M, H:i"),
}


def short_moment(value, *, year=True) -> str:
    """`value` (a datetime already in the reader's time zone) the short way."""
    if value in (None, ""):
        return ""
    with_year, without = SHORT_MOMENT.get((get_language() or "en")[:2], SHORT_MOMENT["en"])
    return dateformat.format(value, with_year if year else without)
