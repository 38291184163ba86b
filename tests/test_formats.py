"""Dates as the reader writes them: Italian in lower case without a leading zero ("domenica 6
dicembre 2026, 15:30"), English as in Britain (day first, 24-hour clock), in templates, in
e-mails and in Python."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from peerarmy.formats import short_moment

SUNDAY = datetime(2026, 12, 6, 15, 30, tzinfo=ZoneInfo("Europe/Rome"))


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("it", "DATE_FORMAT", "6 dicembre 2026"),
        ("it", "DATETIME_FORMAT", "domenica 6 dicembre 2026, 15:30"),
        ("it", "SHORT_DATE_FORMAT", "06/12/2026"),
        ("it", "SHORT_DATETIME_FORMAT", "06/12/2026 15:30"),
        ("it", "YEAR_MONTH_FORMAT", "dicembre 2026"),
        ("en", "DATE_FORMAT", "6 December 2026"),
        ("en", "DATETIME_FORMAT", "Sunday 6 December 2026, 15:30"),
        ("en", "SHORT_DATE_FORMAT", "06/12/2026"),
        ("en", "SHORT_DATETIME_FORMAT", "06/12/2026 15:30"),
        ("en", "TIME_FORMAT", "15:30"),
    ],
)
def test_the_named_formats(language, name, expected):
    with translation.override(language):
        assert formats.date_format(SUNDAY.replace(tzinfo=None), name) == expected


@pytest.mark.parametrize(
    ("language", "expected", "without_year"),
    [
        ("it", "dom 6 dic 2026, 15:30", "dom 6 dic, 15:30"),
        ("en", "Sun 6 Dec 2026, 15:30", "Sun 6 Dec, 15:30"),
    ],
)
def test_a_short_moment_in_python_and_in_any_template(language, expected, without_year):
    template = Template(
        '{% load tz %}{% timezone "Europe/Rome" %}{{ when|moment }} | {{ when|moment:"no year" }}{% endtimezone %}'
    )
    with translation.override(language):
        assert short_moment(SUNDAY) == expected
        assert template.render(Context({"when": SUNDAY})) == f"{expected} | {without_year}"


def test_every_month_and_day_is_lower_case_in_italian():
    with translation.override("it"):
        for month in range(1, 13):
            when = datetime(2026, month, 1, 9, 0)
            text = formats.date_format(when, "DATETIME_FORMAT")
            assert text == text.lower(), text


def test_phone_numbers_are_grouped_as_people_read_them():
    from peerarmy.formats.templatetags import phone

    assert phone("+390511234567") == "+39 051 123 4567"
    assert phone("+393331234567") == "+39 333 123 4567"
    assert phone("not a number") == "not a number"
    assert phone("") == ""
