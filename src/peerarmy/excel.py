"""CSV as Italian Excel opens it by a double click: UTF-8 with a BOM, `;` between fields,
CRLF lines, decimal commas, dates as dd/mm/yyyy; and no cell that a spreadsheet would run as
a formula (a text starting with =, +, -, @, a tab or a carriage return gets a leading quote,
as OWASP advises against CSV injection)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """`value` as text no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value):
    """A value as Italian Excel reads it: numbers with a decimal comma, dates dd/mm/yyyy,
    booleans as sì/no left to the caller, everything else as safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return safe_text(value)


def write(header, rows) -> str:
    """The whole file: `header` (already translated) and `rows` of values."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
