"""A sponsor's monthly report: what the rentals it pays for did in a calendar month (in the
business's time zone), kept as a `SponsorReport`, and sent to the sponsor's contact as a PDF and
as a CSV for a spreadsheet, in the sponsor's language.

The sponsor's scope is its assets, or the whole program when it names none. The figures:
- rentals: the bookings picked up in the month (out or returned, `checked_out_at` in it);
- hours ridden: their actual length (returned, or still out until now), to a tenth of an hour;
- riders: distinct e-mail addresses;
- km: the distances reported at the return, with how many rentals reported one;
- page views: the views of the assets' public pages in the month.
"""

from __future__ import annotations

import base64
import csv
import io
import unicodedata
from datetime import date, datetime, timedelta
from datetime import time as clock
from functools import cache

from django.db import transaction
from django.db.models import Count, DateTimeField, DurationField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peerarmy.excel import safe_text
from peerarmy.inputs import Outcome
from peerarmy.notifications.services import enqueue_email
from peerarmy.rewards.statements import FONT_FAMILY, FONT_FILES, period_label

from .models import EARNED, Asset, AssetState, Booking, ListingStatus, PageViews, SponsorReport

LANGUAGES = ("it", "en")
# Excel set to Italian reads ';' between fields and a decimal comma; set to English, ',' and '.'.
CSV_STYLES = {"it": (";", ","), "en": (",", ".")}
REPORT_EMAIL = "sharing/email/sponsor_report"
REPORT_EVENT = "sharing.sponsor_report"
# The first days of a month on which the worker makes and sends last month's reports (a worker
# stopped on the 1st still sends them when it starts again).
SEND_DAYS = 5


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_range(business, month: date) -> tuple[datetime, datetime]:
    """The month's first and the next month's first instant, in the business's time zone."""
    tz = business.tzinfo
    first = first_of_month(month)
    return (
        datetime.combine(first, clock.min, tzinfo=tz),
        datetime.combine(next_month(first), clock.min, tzinfo=tz),
    )


def _tenths(duration: timedelta | None) -> int:
    """Tenths of an hour, rounded half up."""
    seconds = max(0, round(duration.total_seconds())) if duration else 0
    return (seconds + 180) // 360


def _language(sponsor) -> str:
    language = (sponsor.language or "it")[:2]
    return language if language in LANGUAGES else "it"


# --- the figures -----------------------------------------------------------------------------


def figures(business, sponsor, month: date, *, now=None) -> dict:
    """The month's figures of the sponsor's scope, with one row per asset (a few aggregate
    queries, whatever the number of bookings). JSON-ready: hours as numbers with one decimal."""
    now = now or timezone.now()
    first = first_of_month(month)
    start, end = month_range(business, first)
    asset_ids = list(sponsor.assets.values_list("pk", flat=True))
    in_scope = Q(business=business, program_id=sponsor.program_id)
    if asset_ids:
        in_scope &= Q(pk__in=asset_ids)
    scope_assets = list(
        Asset.objects.filter(in_scope)
        .order_by("name_it", "id")
        .values("pk", "code", "name_it", "name_en", "state", "listing")
    )
    ids = [row["pk"] for row in scope_assets]

    rentals = Booking.objects.filter(
        business=business,
        asset_id__in=ids,
        status__in=EARNED,
        checked_out_at__gte=start,
        checked_out_at__lt=end,
    )
    ridden = Sum(
        Coalesce("returned_at", Value(now, output_field=DateTimeField())) - F("checked_out_at"),
        output_field=DurationField(),
    )
    measures = {
        "rentals": Count("pk"),
        "ridden": ridden,
        "riders": Count(Lower("email"), distinct=True),
        "km": Sum("distance_km"),
        "km_rentals": Count("distance_km"),
    }
    by_asset = {
        row["asset_id"]: row
        for row in rentals.values("asset_id").annotate(**measures).order_by("asset_id")
    }
    total = rentals.aggregate(**measures)
    views = dict(
        PageViews.objects.filter(
            business=business, asset_id__in=ids, day__gte=first, day__lt=next_month(first)
        )
        .values("asset_id")
        .annotate(views=Sum("count"))
        .order_by("asset_id")
        .values_list("asset_id", "views")
    )

    rows = []
    for asset in scope_assets:
        done = by_asset.get(asset["pk"], {})
        seen = views.get(asset["pk"], 0)
        shown = asset["state"] != AssetState.RETIRED and asset["listing"] == ListingStatus.APPROVED
        if not (done or seen or shown):
            continue
        rows.append(
            {
                "id": asset["pk"],
                "code": asset["code"],
                "name_it": asset["name_it"],
                "name_en": asset["name_en"],
                "rentals": done.get("rentals", 0),
                "hours": _tenths(done.get("ridden")) / 10,
                "riders": done.get("riders", 0),
                "km": done.get("km") or 0,
                "km_rentals": done.get("km_rentals", 0),
                "views": seen,
            }
        )
    return {
        "month": first.isoformat(),
        "whole_program": not asset_ids,
        "rentals": total["rentals"],
        "hours": _tenths(total["ridden"]) / 10,
        "riders": total["riders"],
        "km": total["km"] or 0,
        "km_rentals": total["km_rentals"],
        "views": sum(views.values()),
        "assets": rows,
    }


def make_report(business, sponsor, month: date, *, now=None) -> SponsorReport:
    """The sponsor's report of the month, made or made again with today's figures."""
    first = first_of_month(month)
    report, _created = SponsorReport.objects.update_or_create(
        business=business,
        sponsor=sponsor,
        month=first,
        defaults={"figures": figures(business, sponsor, first, now=now)},
    )
    return report


# --- what the report says, in the sponsor's language -----------------------------------------


def _asset_name(row: dict, language: str) -> str:
    return row.get(f"name_{language}") or row.get("name_it") or row.get("name_en") or ""


def _headings() -> list[str]:
    return [
        pgettext("sponsor report", "Asset"),
        pgettext("sponsor report", "Rentals"),
        pgettext("sponsor report", "Hours ridden"),
        pgettext("sponsor report", "Riders"),
        pgettext("sponsor report", "Km"),
        pgettext("sponsor report", "Rentals with km"),
        pgettext("sponsor report", "Page views"),
    ]


def _lines(report: SponsorReport, language: str) -> list[tuple]:
    """(label, rentals, hours, riders, km, km rentals, views) per asset, then the total."""
    f = report.figures
    lines = [
        (
            _asset_name(row, language),
            row["rentals"],
            row["hours"],
            row["riders"],
            row["km"],
            row["km_rentals"],
            row["views"],
        )
        for row in f.get("assets", [])
    ]
    lines.append(
        (
            _("Total"),
            f["rentals"],
            f["hours"],
            f["riders"],
            f["km"],
            f["km_rentals"],
            f["views"],
        )
    )
    return lines


def _hours_text(hours: float, decimal_separator: str) -> str:
    tenths = round(hours * 10)
    return f"{tenths // 10}{decimal_separator}{tenths % 10}"


def report_csv(report: SponsorReport) -> str:
    """The report for a spreadsheet in the sponsor's language: a BOM (Excel then reads UTF-8),
    a heading row, a row per asset and the total; Italian: `;` and decimal commas."""
    language = _language(report.sponsor)
    delimiter, decimal = CSV_STYLES[language]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    with translation.override(language):
        writer.writerow([safe_text(heading) for heading in _headings()])
        for label, rentals, hours, riders, km, km_rentals, views in _lines(report, language):
            writer.writerow(
                [
                    safe_text(label),
                    rentals,
                    _hours_text(hours, decimal),
                    riders,
                    km,
                    km_rentals,
                    views,
                ]
            )
    return out.getvalue()


def report_filename(report: SponsorReport, extension: str) -> str:
    name = slugify(report.sponsor.name) or "sponsor"
    return f"{name}-{report.month:%Y-%m}.{extension}"


def report_pdf(report: SponsorReport, *, compress: bool = True) -> bytes:
    """The report as an A4 PDF in the sponsor's language (the fonts of the wallet statements,
    so accents and € show). `compress=False` leaves the text readable, for tests."""
    language = _language(report.sponsor)
    with translation.override(language):
        pdf = _pdf_class()(report, language)
        pdf.set_compression(compress)
        pdf.render()
        return bytes(pdf.output())


@cache
def _glyphs() -> frozenset[int]:
    """Code points that both the regular and the bold font can draw."""
    from fontTools.ttLib import TTFont

    sets = []
    for path in FONT_FILES.values():
        with TTFont(path, lazy=True) as font:
            sets.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*sets))


def _clean(text, limit: int = 120) -> str:
    """Text a business wrote, safe to draw: one line of characters the font has."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = " ".join(text.split())
    glyphs = _glyphs()
    text = "".join(char if ord(char) in glyphs else "?" for char in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@cache
def _pdf_class():
    """fpdf2 is imported when a PDF is made, not when the app starts."""
    from fpdf import FPDF, FontFace
    from fpdf.enums import TableBordersLayout, TableCellFillMode

    class _ReportPDF(FPDF):
        MARGIN = 15
        MUTED = (100, 100, 100)
        RULE = (190, 190, 190)
        HEADING_FILL = (232, 236, 240)
        STRIPE_FILL = (246, 247, 249)

        def __init__(self, report: SponsorReport, language: str):
            super().__init__(orientation="portrait", unit="mm", format="A4")
            self.report = report
            self.language = language
            self.month_label = period_label(report.month.year, report.month.month, language)
            for style, path in FONT_FILES.items():
                self.add_font(FONT_FAMILY, style, path)
            self.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
            self.set_auto_page_break(auto=True, margin=self.MARGIN + 8)
            self.set_title(_clean(self.title_text()))
            self.set_author(_clean(report.business.name))
            self.set_creator("peerarmy")
            self.set_lang(language)
            self.set_draw_color(*self.RULE)

        def footer(self):
            self.set_y(-self.MARGIN)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*self.MUTED)
            page = _("Page %(n)s of %(total)s") % {"n": self.page_no(), "total": "{nb}"}
            self.cell(0, 5, page, align="C")
            self.set_text_color(0, 0, 0)

        def title_text(self) -> str:
            return _("%(sponsor)s: sponsor report, %(month)s") % {
                "sponsor": self.report.sponsor.name,
                "month": self.month_label,
            }

        def number(self, value, decimals=0) -> str:
            return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)

        def render(self):
            report, f = self.report, self.report.figures
            self.add_page()
            self.set_font(FONT_FAMILY, "B", 16)
            self.multi_cell(0, 8, _clean(self.title_text(), 200), new_x="LMARGIN")
            self.set_font(FONT_FAMILY, "", 11)
            self.set_text_color(*self.MUTED)
            scope = (
                _("The whole fleet of %(business)s")
                if f.get("whole_program")
                else _("The assets of %(business)s that you sponsor")
            )
            self.multi_cell(
                0, 6, _clean(scope % {"business": report.business.name}, 200), new_x="LMARGIN"
            )
            self.set_text_color(0, 0, 0)
            self.ln(4)
            self.summary(f)
            self.ln(6)
            self.per_asset()
            if f["km_rentals"] < f["rentals"]:
                self.ln(3)
                self.set_font(FONT_FAMILY, "", 8)
                self.set_text_color(*self.MUTED)
                self.multi_cell(
                    0,
                    4,
                    _(
                        "Kilometres are those the riders reported at the return: "
                        "%(known)s rentals of %(all)s."
                    )
                    % {"known": f["km_rentals"], "all": f["rentals"]},
                    new_x="LMARGIN",
                )

        def summary(self, f):
            rows = [
                (pgettext("sponsor report", "Rentals"), self.number(f["rentals"])),
                (pgettext("sponsor report", "Hours ridden"), self.number(f["hours"], 1)),
                (pgettext("sponsor report", "Riders"), self.number(f["riders"])),
                (pgettext("sponsor report", "Km"), self.number(f["km"])),
                (pgettext("sponsor report", "Page views"), self.number(f["views"])),
            ]
            self.set_font(FONT_FAMILY, "", 11)
            with self.table(
                width=110,
                align="LEFT",
                col_widths=(70, 40),
                text_align=("LEFT", "RIGHT"),
                first_row_as_headings=False,
                borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                line_height=7,
                padding=(0.5, 1.5),
            ) as table:
                for label, value in rows:
                    table.row([label, value])

        def per_asset(self):
            lines = _lines(self.report, self.language)
            self.set_font(FONT_FAMILY, "", 9)
            with self.table(
                col_widths=(58, 20, 24, 20, 18, 22, 20),
                text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                v_align="TOP",
                borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                headings_style=FontFace(emphasis="BOLD", fill_color=self.HEADING_FILL),
                cell_fill_color=self.STRIPE_FILL,
                cell_fill_mode=TableCellFillMode.EVEN_ROWS,
                line_height=5,
                padding=(1, 1.5),
                repeat_headings=1,
            ) as table:
                table.row(_headings())
                for position, line in enumerate(lines, start=1):
                    label, rentals, hours, riders, km, km_rentals, views = line
                    strong = FontFace(emphasis="BOLD") if position == len(lines) else None
                    table.row(
                        [
                            _clean(label),
                            self.number(rentals),
                            self.number(hours, 1),
                            self.number(riders),
                            self.number(km),
                            self.number(km_rentals),
                            self.number(views),
                        ],
                        style=strong,
                    )

    return _ReportPDF


# --- sending ---------------------------------------------------------------------------------


def send_report(business, report, *, force=False, now=None) -> Outcome[SponsorReport]:
    """E-mail the report to the sponsor's contact, with the PDF and the CSV; once per report
    (`force` sends it again)."""
    now = now or timezone.now()
    with transaction.atomic():
        report = (
            SponsorReport.objects.select_for_update(of=("self",))
            .select_related("sponsor")
            .get(business=business, pk=report.pk)
        )
        if report.sent_at is not None and not force:
            return Outcome(report, replayed=True)
        sponsor = report.sponsor
        report.business = business
        language = _language(sponsor)
        pdf = report_pdf(report)
        enqueue_email(
            business=business,
            to=sponsor.contact_email,
            template=REPORT_EMAIL,
            context={
                "sponsor": sponsor,
                "report": report,
                "figures": report.figures,
                "month": period_label(report.month.year, report.month.month, language),
                "whole_program": report.figures.get("whole_program", False),
            },
            language=language,
            event=REPORT_EVENT,
            attachments=[
                {
                    "filename": report_filename(report, "pdf"),
                    "mimetype": "application/pdf",
                    "content": base64.b64encode(pdf).decode("ascii"),
                    "encoding": "base64",
                },
                {
                    "filename": report_filename(report, "csv"),
                    "mimetype": "text/csv",
                    "content": report_csv(report),
                },
            ],
        )
        report.sent_at = now
        report.save(update_fields=["sent_at"])
    return Outcome(report)


def send_monthly_reports(*, now=None) -> int:
    """The worker's sweep: on the first days of a month (in each business's time zone), make
    and send last month's report of every sponsor whose period overlaps that month; a report
    already sent is not sent again. How many were sent."""
    from django_scopes import scope, scopes_disabled

    from .models import Sponsor

    now = now or timezone.now()
    earliest = previous_month(now.date() - timedelta(days=SEND_DAYS + 1))
    with scopes_disabled():
        candidates = list(
            Sponsor.objects.filter(starts_on__lt=now.date() + timedelta(days=1))
            .filter(ends_on__gte=earliest)
            .select_related("business")
            .order_by("business_id", "id")
        )
        sent = set(
            SponsorReport.objects.filter(
                sponsor__in=[sponsor.pk for sponsor in candidates],
                month__gte=earliest,
                sent_at__isnull=False,
            ).values_list("sponsor_id", "month")
        )
    count = 0
    for sponsor in candidates:
        business = sponsor.business
        today = timezone.localdate(now, timezone=business.tzinfo)
        if today.day > SEND_DAYS:
            continue
        month = previous_month(today)
        last = next_month(month) - timedelta(days=1)
        if sponsor.starts_on > last or sponsor.ends_on < month or (sponsor.pk, month) in sent:
            continue
        with scope(business=business):
            report = make_report(business, sponsor, month, now=now)
            if send_report(business, report, now=now).replayed:
                continue
        count += 1
    return count
