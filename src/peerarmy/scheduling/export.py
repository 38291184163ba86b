"""The schedule as a CSV file that Italian Excel opens as it is: one implementation for the
console's download and the API's `GET /blocks/export.csv`."""

import csv
import io
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.excel import safe_text

from . import selectors

MAX_EXPORT_DAYS = 400
DEFAULT_EXPORT_DAYS = 28
# Days far outside any schedule would overflow when turned into UTC times; they are clamped.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)
# Excel runs a cell that starts with one of these as a formula; peers choose their own names,
# so a name must not be able to plant one in the file the staff opens.


def export_range(business, start=None, end=None, *, today=None):
    """The local days to export, both included: from `start` (default: this week's Monday)
    to `end` (default: four weeks on), in order, at most `MAX_EXPORT_DAYS` apart."""
    today = today or timezone.localtime(timezone.now(), business.tzinfo).date()
    start = start or today - timedelta(days=today.weekday())
    end = end or start + timedelta(days=DEFAULT_EXPORT_DAYS - 1)
    start, end = (min(max(day, FIRST_DAY), LAST_DAY) for day in (start, end))
    if end < start:
        start, end = end, start
    return start, min(end, start + timedelta(days=MAX_EXPORT_DAYS))


def place_text(block):
    if block.is_remote:
        return _("Remote")
    return block.place_name or block.address


_text = safe_text


def _reward(block):
    return f"{block.reward_minor / 100:.2f}".replace(".", ",") if block.reward_minor else ""


def schedule_csv(business, start, end) -> str:
    """The blocks starting on the local days from `start` to `end` (both included): UTF-8
    with a BOM, `;`-separated, local times, decimal comma; headers in the active language."""
    tz = business.tzinfo
    blocks = selectors.schedule_between(business, start, end + timedelta(days=1))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Date"),
            _("Start"),
            _("End"),
            _("Program"),
            _("Place"),
            _("Status"),
            _("Capacity"),
            _("Seats taken"),
            _("Waitlist"),
            _("Claimed by"),
            _("Reward"),
            _("Points"),
        ]
    )
    for block in blocks:
        starts = block.starts_at.astimezone(tz)
        ends = block.ends_at.astimezone(tz)
        writer.writerow(
            [
                starts.date().isoformat(),
                starts.strftime("%H:%M"),
                ends.strftime("%H:%M"),
                _text(block.program.title),
                _text(place_text(block)),
                block.get_status_display(),
                block.capacity,
                block.seats_taken,
                len(block.waiting),
                _text(
                    ", ".join(
                        f"{c.peer.display_name} ({c.get_status_display()})" for c in block.holders
                    )
                ),
                _reward(block),
                block.reward_points or "",
            ]
        )
    return out.getvalue()


def export_filename(business, start, end) -> str:
    return f"{business.slug}-schedule-{start.isoformat()}-{end.isoformat()}.csv"
