"""Statements of a peer's wallet: the CSV a spreadsheet opens and the PDF (amounts in words are
`peerarmy.money`'s)."""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peerarmy.errors import ValidationFailed
from peerarmy.money import POINTS, format_money, minor_digits

LANGUAGES = ("it", "en")

# Spreadsheet conventions per language: Excel set to Italian reads ';' as the separator and a
# decimal comma, so an Italian file opens in columns with numbers that add up.
CSV_STYLES = {
    "it": {"delimiter": ";", "decimal": ",", "date": "%d/%m/%Y"},
    "en": {"delimiter": ",", "decimal": ".", "date": "%Y-%m-%d"},
}
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection");
# names and descriptions come from businesses and peers, so such a cell gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

PDF_DATE_FORMATS = {"it": "d/m/Y", "en": "j M Y"}
# Italian writes month names in lower case ("novembre 2026"); Django's catalogue capitalises.
LOWERCASE_MONTH_LANGUAGES = {"it"}
DESCRIPTION_MAX_CHARS = 240
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class StatementLine:
    """One movement: amount signed from the peer's side (+ earned, - paid out or donated)."""

    date: datetime.date
    description: str
    reference: str
    amount_minor: int
    unit: str  # ISO currency ("EUR") or "PTS" for points
    balance_minor: int  # the balance in `unit` after this movement


@dataclass(frozen=True)
class Statement:
    business_name: str
    peer_name: str
    period_label: str
    start: datetime.date
    end: datetime.date
    currency: str
    opening_minor: int
    closing_minor: int
    lines: list[StatementLine]
    totals: dict[
        str, int
    ]  # in `currency` minor units, e.g. {"earned": .., "paid": .., "donated": ..}
    language: str  # "it" or "en"
    points_opening: int = 0
    points_closing: int = 0


# --- amounts and periods -----------------------------------------------------------------------


def period_bounds(year: int, month: int | None) -> tuple[datetime.date, datetime.date]:
    """First and last day (both included) of a month, or of the whole year when month is None."""
    _check_period(year, month)
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last_day)


def period_label(year: int, month: int | None, language: str) -> str:
    """ "novembre 2026" / "November 2026" for a month, "2026" for a whole year."""
    _check_period(year, month)
    _check_language(language)
    if month is None:
        return str(year)
    with translation.override(language):
        label = date_format(datetime.date(year, month, 1), "YEAR_MONTH_FORMAT")
    if language in LOWERCASE_MONTH_LANGUAGES:
        label = label[:1].lower() + label[1:]
    return label


def _money(amount_minor: int, unit: str) -> str:
    """An amount in the active language (the statement's, while it is written)."""
    return format_money(amount_minor, unit)


def _plain_number(amount_minor: int, unit: str, decimal_separator: str) -> str:
    """An amount as a spreadsheet reads a number: "-1234,50", "1234.50", "1200" (points)."""
    decimals = minor_digits(unit)
    sign = "-" if amount_minor < 0 else ""
    units, fraction = divmod(abs(amount_minor), 10**decimals)
    if not decimals:
        return f"{sign}{units}"
    return f"{sign}{units}{decimal_separator}{fraction:0{decimals}d}"


# --- CSV ---------------------------------------------------------------------------------------


def statement_csv(statement: Statement) -> bytes:
    """The statement as CSV for a spreadsheet in the statement's language, UTF-8 with a BOM.

    Columns: date, description, reference, amount, currency, balance. The first rows are the
    opening balances and the last the closing balances; amounts are plain numbers.
    """
    _check_statement(statement)
    style = CSV_STYLES[statement.language]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style["delimiter"], lineterminator="\r\n")

    def write(day, description, reference, amount_minor, unit, balance_minor):
        writer.writerow(
            [
                day.strftime(style["date"]),
                _neutralised(description),
                _neutralised(reference),
                "" if amount_minor is None else _plain_number(amount_minor, unit, style["decimal"]),
                unit,
                _plain_number(balance_minor, unit, style["decimal"]),
            ]
        )

    with translation.override(statement.language):
        writer.writerow(
            _neutralised(heading)
            for heading in (
                _("Date"),
                _("Description"),
                pgettext("statement", "Reference"),
                _("Amount"),
                _("Currency"),
                pgettext("statement", "Balance"),
            )
        )
        show_points = _shows_points(statement)
        opening, closing, points_opening, points_closing = _balance_labels()
        write(statement.start, opening, "", None, statement.currency, statement.opening_minor)
        if show_points:
            write(statement.start, points_opening, "", None, POINTS, statement.points_opening)
        for line in statement.lines:
            write(
                line.date,
                line.description,
                line.reference,
                line.amount_minor,
                line.unit,
                line.balance_minor,
            )
        write(statement.end, closing, "", None, statement.currency, statement.closing_minor)
        if show_points:
            write(statement.end, points_closing, "", None, POINTS, statement.points_closing)
    # The BOM is what makes Excel read the file as UTF-8 (accents, €) instead of the ANSI page.
    return buffer.getvalue().encode("utf-8-sig")


def _neutralised(text) -> str:
    text = str(text or "")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- PDF ---------------------------------------------------------------------------------------


def statement_pdf(statement: Statement, *, compress: bool = True) -> bytes:
    """The statement as an A4 PDF in the statement's language.

    `compress=False` leaves the page contents readable, for tests that look for text in them.
    """
    _check_statement(statement)
    with translation.override(statement.language):
        pdf = _pdf_class()(statement)
        pdf.set_compression(compress)
        pdf.render()
        return bytes(pdf.output())


@cache
def _pdf_class():
    """The statement's PDF document class; fpdf2 is imported when a PDF is made, not when the
    app starts."""
    from fpdf import FPDF, FontFace
    from fpdf.enums import TableBordersLayout, TableCellFillMode

    class _StatementPDF(FPDF):
        MARGIN = 15
        TEXT_COLOR = (20, 20, 20)
        MUTED_COLOR = (100, 100, 100)
        RULE_COLOR = (190, 190, 190)
        HEADING_FILL = (232, 236, 240)
        STRIPE_FILL = (246, 247, 249)

        def __init__(self, statement: Statement):
            super().__init__(orientation="portrait", unit="mm", format="A4")
            self.statement = statement
            for style, path in FONT_FILES.items():
                self.add_font(FONT_FAMILY, style, path)
            self.glyphs = _font_glyphs()
            self.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
            self.set_auto_page_break(auto=True, margin=self.MARGIN + 8)
            self.set_title(self.clean(self.title_text()))
            self.set_author(self.clean(statement.business_name))
            self.set_creator("peerarmy")
            self.set_lang(statement.language)
            self.set_draw_color(*self.RULE_COLOR)
            self.set_text_color(*self.TEXT_COLOR)

        # --- page furniture (fpdf2 calls these on every page) ---

        def header(self):
            if self.page_no() == 1:
                return
            # Continuation pages say whose statement they belong to; the table repeats its headings.
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*self.MUTED_COLOR)
            running = " · ".join(
                (
                    self.statement.business_name,
                    self.statement.peer_name,
                    self.statement.period_label,
                )
            )
            self.cell(0, 5, self.clean(running, limit=150), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*self.TEXT_COLOR)
            self.ln(2)

        def footer(self):
            self.set_y(-self.MARGIN)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*self.MUTED_COLOR)
            page = _("Page %(n)s of %(total)s") % {"n": self.page_no(), "total": "{nb}"}
            self.cell(0, 5, page, align="C")
            self.set_text_color(*self.TEXT_COLOR)

        # --- content ---

        def render(self):
            self.add_page()
            self.title_block()
            self.summary()
            self.ln(6)
            self.movements()

        def title_text(self):
            s = self.statement
            return f"{pgettext('wallet', 'Statement')}: {s.peer_name} · {s.period_label}"

        def title_block(self):
            s = self.statement
            self.set_font(FONT_FAMILY, "B", 16)
            self.multi_cell(0, 8, self.clean(s.business_name, limit=120), new_x="LMARGIN")
            self.set_font(FONT_FAMILY, "", 12)
            self.cell(0, 7, pgettext("wallet", "Statement"), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
            dates = f"{self.day(s.start)} – {self.day(s.end)}"
            for label, value in (
                (pgettext("statement", "Peer"), s.peer_name),
                (pgettext("statement", "Period"), f"{s.period_label} ({dates})"),
            ):
                self.set_font(FONT_FAMILY, "B", 10)
                self.cell(28, 6, label)
                self.set_font(FONT_FAMILY, "", 10)
                self.multi_cell(0, 6, self.clean(value, limit=150), new_x="LMARGIN")
            self.ln(4)

        def summary(self):
            s = self.statement
            opening, closing, points_opening, points_closing = _balance_labels()
            rows = [(opening, _money(s.opening_minor, s.currency), False)]
            rows += [
                (_total_label(key), _money(value, s.currency), False)
                for key, value in s.totals.items()
            ]
            rows.append((closing, _money(s.closing_minor, s.currency), True))
            if _shows_points(s):
                rows.append((points_opening, _money(s.points_opening, POINTS), False))
                rows.append((points_closing, _money(s.points_closing, POINTS), True))
            self.set_font(FONT_FAMILY, "", 10)
            with self.table(
                width=110,
                align="LEFT",
                col_widths=(65, 45),
                text_align=("LEFT", "RIGHT"),
                first_row_as_headings=False,
                borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                line_height=6,
                padding=(0.5, 1.5),
            ) as table:
                for label, value, strong in rows:
                    style = FontFace(emphasis="BOLD") if strong else None
                    table.row([self.clean(label), value], style=style)

        def movements(self):
            s = self.statement
            opening, closing, points_opening, points_closing = _balance_labels()
            self.set_font(FONT_FAMILY, "", 9)
            with self.table(
                col_widths=(24, 70, 32, 27, 27),
                text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
                v_align="TOP",
                borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                headings_style=FontFace(emphasis="BOLD", fill_color=self.HEADING_FILL),
                cell_fill_color=self.STRIPE_FILL,
                cell_fill_mode=TableCellFillMode.EVEN_ROWS,
                line_height=5,
                padding=(1, 1.5),
                repeat_headings=1,
            ) as table:
                table.row(
                    [
                        _("Date"),
                        _("Description"),
                        pgettext("statement", "Reference"),
                        _("Amount"),
                        pgettext("statement", "Balance"),
                    ]
                )
                strong = FontFace(emphasis="BOLD")
                table.row(
                    [self.day(s.start), opening, "", "", _money(s.opening_minor, s.currency)],
                    style=strong,
                )
                if _shows_points(s):
                    table.row(
                        [
                            self.day(s.start),
                            points_opening,
                            "",
                            "",
                            _money(s.points_opening, POINTS),
                        ],
                        style=strong,
                    )
                if not s.lines:
                    row = table.row()
                    row.cell(self.day(s.start))
                    row.cell(_("No movements in this period."), colspan=4)
                for line in s.lines:
                    table.row(
                        [
                            self.day(line.date),
                            self.clean(line.description),
                            self.clean(line.reference, limit=60),
                            _signed_money(line.amount_minor, line.unit),
                            _money(line.balance_minor, line.unit),
                        ]
                    )
                table.row(
                    [self.day(s.end), closing, "", "", _money(s.closing_minor, s.currency)],
                    style=strong,
                )
                if _shows_points(s):
                    table.row(
                        [self.day(s.end), points_closing, "", "", _money(s.points_closing, POINTS)],
                        style=strong,
                    )

        # --- helpers ---

        def day(self, value: datetime.date) -> str:
            return date_format(value, PDF_DATE_FORMATS[self.statement.language])

        def clean(self, text, limit: int = DESCRIPTION_MAX_CHARS) -> str:
            """Text a business or peer wrote, made safe to draw: one line of printable characters
            the font has ("?" for the others, e.g. CJK), cut with an ellipsis past `limit`."""
            text = unicodedata.normalize("NFC", str(text or ""))
            # Line breaks, tabs and odd spaces become plain spaces; invisible format characters
            # (soft hyphens, bidi overrides that could disguise a name) are dropped.
            text = "".join(
                "" if unicodedata.category(char) == "Cf" else " " if _is_space(char) else char
                for char in text
            )
            text = " ".join(text.split())
            text = "".join(char if ord(char) in self.glyphs else "?" for char in text)
            if len(text) > limit:
                text = text[: limit - 1].rstrip() + "…"
            return text

    return _StatementPDF


@cache
def _font_glyphs() -> frozenset[int]:
    """Code points that both the regular and the bold font can draw."""
    from fontTools.ttLib import TTFont

    glyph_sets = []
    for path in FONT_FILES.values():
        with TTFont(path, lazy=True) as font:
            glyph_sets.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*glyph_sets))


def _is_space(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cc" or category.startswith("Z")


def _signed_money(amount_minor: int, unit: str) -> str:
    return ("+" if amount_minor > 0 else "") + _money(amount_minor, unit)


def _balance_labels():
    return (
        pgettext("statement", "Opening balance"),
        pgettext("statement", "Closing balance"),
        pgettext("statement", "Opening points"),
        pgettext("statement", "Closing points"),
    )


def _total_label(key: str) -> str:
    labels = {
        "earned": pgettext("statement total", "Earned"),
        "paid": pgettext("statement total", "Paid out"),
        "donated": pgettext("statement total", "Donated"),
    }
    return labels.get(key, key.replace("_", " ").capitalize())


def _shows_points(statement: Statement) -> bool:
    return bool(
        statement.points_opening
        or statement.points_closing
        or any(line.unit == POINTS for line in statement.lines)
    )


# --- checks ------------------------------------------------------------------------------------


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed(
            _("The language %(language)s is not available: choose it or en.")
            % {"language": language},
            field="language",
        )


def _check_unit(unit: str, *, field: str) -> None:
    is_currency = isinstance(unit, str) and len(unit) == 3 and unit.isascii() and unit.isupper()
    if not is_currency:  # "PTS" passes too: three upper-case letters
        raise ValidationFailed(
            _("%(unit)s is neither a currency code (such as EUR) nor PTS for points.")
            % {"unit": unit},
            field=field,
        )


def _check_amount(amount, *, field: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(
            _("The amount must be a whole number of cents (or points)."), field=field
        )


def _check_period(year: int, month: int | None) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise ValidationFailed(_("The year must be between 1 and 9999."), field="year")
    if month is not None and (
        isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12
    ):
        raise ValidationFailed(_("The month must be between 1 and 12."), field="month")


def _check_statement(statement: Statement) -> None:
    _check_language(statement.language)
    _check_unit(statement.currency, field="currency")
    if statement.currency == POINTS:
        raise ValidationFailed(
            _("A statement's currency must be a currency such as EUR, not points."),
            field="currency",
        )
    if statement.end < statement.start:
        raise ValidationFailed(_("The period ends before it starts."), field="end")
    for field, amount in (
        ("opening_minor", statement.opening_minor),
        ("closing_minor", statement.closing_minor),
        ("points_opening", statement.points_opening),
        ("points_closing", statement.points_closing),
        *((f"totals.{key}", value) for key, value in statement.totals.items()),
    ):
        _check_amount(amount, field=field)
    for number, line in enumerate(statement.lines, start=1):
        try:
            _check_unit(line.unit, field=f"lines.{number}.unit")
            _check_amount(line.amount_minor, field=f"lines.{number}.amount_minor")
            _check_amount(line.balance_minor, field=f"lines.{number}.balance_minor")
        except ValidationFailed as error:
            raise ValidationFailed(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": error.message},
                field=error.field,
            ) from error
