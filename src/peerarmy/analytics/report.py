"""The monthly report: the dashboard of one month as a PDF (the same charts and tables) and as
one CSV for a spreadsheet, and the job that e-mails both to the owners on the first day of the
next month, in each owner's language, once.

The PDF is drawn by fpdf2 with the DejaVu fonts shipped in `rewards/fonts` (every accented
letter of Italian), the charts are the dashboard's own SVG."""

import base64
import io
import logging
import re
from datetime import date, timedelta
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_scopes import scopes_disabled

from peerarmy import excel
from peerarmy.notifications.renderers import Rendered, RenderError, register
from peerarmy.notifications.services import enqueue_deferred
from peerarmy.spread.selectors import top_referrers
from peerarmy.superfans.selectors import superfan_count
from peerarmy.tenancy.models import Business, Membership, Role

from . import sections as words
from .figures import add_months, local_day, month_start, refresh_recent
from .models import MonthlyReport
from .selectors import Period, dashboard

logger = logging.getLogger(__name__)
FONTS = Path(__file__).resolve().parent.parent / "rewards" / "fonts"
TABLE_ROWS = 14  # the first rows of a section's table in the PDF (the CSV has them all)


def month_period(month) -> Period:
    first = month_start(month)
    return Period(first, add_months(first, 1) - timedelta(days=1))


def month_title(month) -> str:
    return formats.date_format(month, "F Y")


def report_sections(business, period, program=None, *, referrers=None, money=True):
    board = dashboard(business, period, program)
    with scopes_disabled():
        found = superfan_count(business)
    return (
        board,
        words.key_figures(board, money=money),
        words.sections(board, superfans=found, referrers=referrers, money=money),
    )


def pdf(business, period, program=None, *, referrers=None, money=True) -> bytes:
    board, figures, parts = report_sections(
        business, period, program, referrers=referrers, money=money
    )
    from fpdf import FPDF  # only when a report is drawn: the web process starts without it

    doc = FPDF(orientation="portrait", unit="mm", format="A4")
    doc.set_auto_page_break(auto=True, margin=15)
    doc.add_font("dejavu sans", "", str(FONTS / "DejaVuSans.ttf"))
    doc.add_font("dejavu sans", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    doc.set_title(_("%(business)s: the army in %(period)s") % _names(business, period))
    doc.set_creator("peerarmy")
    doc.add_page()
    doc.set_font("dejavu sans", "B", 18)
    doc.multi_cell(0, 9, business.name, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("dejavu sans", "", 12)
    scope = program.title if program is not None else _("All programs")
    doc.multi_cell(0, 7, f"{_period_words(period)} · {scope}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    _figures(doc, figures)
    for part in parts:
        _section(doc, part)
    return bytes(doc.output())


def _names(business, period):
    return {"business": business.name, "period": _period_words(period)}


def _period_words(period) -> str:
    if period.first.day == 1 and period.last == month_period(period.first).last:
        return month_title(period.first)
    first = formats.date_format(period.first, "SHORT_DATE_FORMAT")
    last = formats.date_format(period.last, "SHORT_DATE_FORMAT")
    return f"{first} – {last}"


def _figures(doc, figures):
    width = (doc.w - doc.l_margin - doc.r_margin) / 3
    for i, figure in enumerate(figures):
        if i % 3 == 0:
            doc.ln(1)
            top = doc.get_y()
        x = doc.l_margin + width * (i % 3)
        doc.set_xy(x, top)
        doc.set_font("dejavu sans", "B", 15)
        doc.cell(width - 2, 8, figure.value)
        doc.set_xy(x, top + 8)
        doc.set_font("dejavu sans", "", 9)
        doc.multi_cell(width - 4, 4.5, figure.label)
        if i % 3 == 2 or i == len(figures) - 1:
            doc.set_xy(doc.l_margin, top + 20)


def _section(doc, part):
    width = doc.w - doc.l_margin - doc.r_margin
    if doc.get_y() > doc.h - 110:
        doc.add_page()
    doc.ln(4)
    doc.set_x(doc.l_margin)
    doc.set_font("dejavu sans", "B", 13)
    doc.multi_cell(0, 7, part.title, new_x="LMARGIN", new_y="NEXT")
    if part.note:
        doc.set_font("dejavu sans", "", 9)
        doc.multi_cell(0, 4.5, part.note, new_x="LMARGIN", new_y="NEXT")
    if part.svg:
        svg = re.sub(r"<title[^>]*>.*?</title>", "", part.svg)
        box = doc.image(io.BytesIO(svg.encode()), x=doc.l_margin, y=doc.get_y() + 1, w=width)
        doc.set_xy(doc.l_margin, doc.get_y() + box.rendered_height + 3)
    rows = part.shown[-TABLE_ROWS:] if len(part.shown) > TABLE_ROWS else part.shown
    if not rows:
        return
    doc.set_font("dejavu sans", "", 8)
    with doc.table(
        col_widths=[3] + [2] * (len(part.headers) - 1),
        text_align=["LEFT"] + ["RIGHT"] * (len(part.headers) - 1),
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        table.row([str(h) for h in part.headers])
        for row in rows:
            table.row([str(v) for v in row])


def csv(business, period, program=None, *, referrers=None, money=True) -> str:
    """Every section's table in one sheet: section, then the section's own columns."""
    _board, figures, parts = report_sections(
        business, period, program, referrers=referrers, money=money
    )
    rows = [[_("Key figures"), figure.label, figure.value] for figure in figures]
    for part in parts:
        rows.append([part.title, *part.headers])
        rows.extend([part.title, *row] for row in part.rows)
    return excel.write(
        [pgettext("dashboard", "Section"), pgettext("dashboard", "Values"), ""], rows
    )


def section_csv(part) -> str:
    return excel.write(part.headers, part.rows)


# --- the monthly e-mail ----------------------------------------------------------------------


def due_month(business, now):
    """The month whose report is due: last month, once today is the first day or later."""
    today = local_day(now, business.tzinfo)
    return add_months(month_start(today), -1)


def send_monthly_reports(*, now=None) -> int:
    """Each business's report of last month to its owners, once; returns how many went out."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():
        businesses = list(Business.objects.all().order_by("pk"))
    for business in businesses:
        month = due_month(business, now)
        with scopes_disabled():
            if MonthlyReport.objects.filter(business=business, month=month).exists():
                continue
            if not _had_anything(business, month):
                continue
        try:
            sent += send_report(business, month, now=now)
        except IntegrityError:  # another worker sent it in the meantime
            continue
    return sent


def _had_anything(business, month) -> bool:
    from .models import DailyFigure

    period = month_period(month)
    return DailyFigure.objects.filter(
        business=business, day__gte=period.first, day__lte=period.last
    ).exists()


def send_report(business, month, *, now=None) -> int:
    """Record the month's report as sent and write one e-mail per owner to the outbox; the
    PDF and CSV are drawn when each e-mail is delivered (`render_report`), in its language."""
    now = now or timezone.now()
    period = month_period(month)
    with scopes_disabled():
        refresh_recent(business, now=now)
        owners = list(
            Membership.objects.filter(business=business, role=Role.OWNER).select_related("user")
        )
        with transaction.atomic():
            MonthlyReport.objects.create(
                business=business, month=period.first, sent_at=now, recipients=len(owners)
            )
            for membership in owners:
                user = membership.user
                enqueue_deferred(
                    business_id=business.pk,
                    to=user.email,
                    language=(getattr(user, "language", "") or "it")[:2],
                    event="analytics.monthly_report",
                    renderer=RENDERER,
                    payload={"month": period.first.isoformat()},
                )
    logger.info("monthly report of business %s for %s queued", business.pk, f"{month:%Y-%m}")
    return len(owners)


RENDERER = "analytics.monthly_report"


def referrers(business, period):
    """The period's top referrers (share links), for the dashboard's and report's last section."""
    return top_referrers(business, period.first, period.last)


@register(RENDERER)
def render_report(message) -> Rendered:
    with scopes_disabled():
        business = Business.objects.filter(pk=message.business_id).first()
    if business is None:
        raise RenderError("the business is gone")
    period = month_period(date.fromisoformat(message.payload["month"]))
    with translation.override(message.language or "it"):
        found = referrers(business, period)
        name = f"peerarmy-{business.slug}-{period.first:%Y-%m}"
        return Rendered(
            subject=_("%(business)s: the army in %(period)s") % _names(business, period),
            body_text=_(
                "Hello,\n\nhere is how your army did in %(period)s: the report is attached as a "
                "PDF, with a CSV of the same figures for a spreadsheet.\nThe console's home shows "
                "the same figures for any period and program.\n"
            )
            % {"period": _period_words(period)},
            attachments=[
                {
                    "filename": f"{name}.pdf",
                    "content": base64.b64encode(pdf(business, period, referrers=found)).decode(),
                    "mimetype": "application/pdf",
                    "encoding": "base64",
                },
                {
                    "filename": f"{name}.csv",
                    "content": csv(business, period, referrers=found),
                    "mimetype": "text/csv",
                },
            ],
        )
