"""A peer's statement as a spreadsheet and a PDF: numbers, separators, safety, pages.

The Italian catalogue does not have the statement's own strings yet, so the Italian tests assert
on structure (separators, number and date formats, BOM), not on translated words.
"""

import csv
import dataclasses
import datetime
import io
import re

import pytest

from peerarmy.errors import ValidationFailed
from peerarmy.rewards.statements import (
    Statement,
    StatementLine,
    period_bounds,
    period_label,
    statement_csv,
    statement_pdf,
)

NBSP = "\N{NO-BREAK SPACE}"
BOM = b"\xef\xbb\xbf"
NOV = datetime.date(2026, 11, 1)


def a_line(day=1, description="Turno al banco — Caffè Éclair", amount=2550, **overrides):
    values = {
        "date": NOV.replace(day=day),
        "description": description,
        "reference": f"BLK-{day:04d}",
        "amount_minor": amount,
        "unit": "EUR",
        "balance_minor": 10_000 + amount,
    }
    values.update(overrides)
    return StatementLine(**values)


def a_statement(language="it", lines=None, **overrides):
    start, end = period_bounds(2026, 11)
    values = {
        "business_name": "Pasticceria Dolce Vita",
        "peer_name": "Mario Rössi",
        "period_label": period_label(2026, 11, language),
        "start": start,
        "end": end,
        "currency": "EUR",
        "opening_minor": 10_000,
        "closing_minor": 8_766,
        "lines": [a_line()] if lines is None else lines,
        "totals": {"earned": 2550, "paid": -123_450, "donated": -500},
        "language": language,
    }
    values.update(overrides)
    return Statement(**values)


def csv_rows(data, delimiter):
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


# --- periods ---


def test_a_month_runs_from_its_first_to_its_last_day():
    assert period_bounds(2026, 11) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert period_bounds(2028, 2) == (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29))
    assert period_bounds(2026, None) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def test_a_period_is_named_as_each_language_names_it():
    # Month names come from Django's own catalogue, which has Italian already.
    assert period_label(2026, 11, "it") == "novembre 2026"
    assert period_label(2026, 11, "en") == "November 2026"
    assert period_label(2026, None, "it") == "2026"


@pytest.mark.parametrize(("year", "month", "field"), [(2026, 13, "month"), (0, 1, "year")])
def test_a_period_that_does_not_exist_is_refused(year, month, field):
    with pytest.raises(ValidationFailed) as raised:
        period_bounds(year, month)
    assert raised.value.field == field


# --- CSV ---


def test_italian_csv_opens_in_excel_italy_with_comma_decimals():
    # Given a statement in Italian with an accented description and a payout of €1,234.50
    statement = a_statement(
        "it", lines=[a_line(1), a_line(2, description="Bonifico, novembre", amount=-123_450)]
    )

    # When it is exported as CSV
    data = statement_csv(statement)

    # Then Excel reads it as UTF-8 (BOM), in columns split by ';', with comma decimals
    rows = csv_rows(data, ";")
    assert all(len(row) == 6 for row in rows)
    assert rows[1][0] == "01/11/2026" and rows[1][4:] == ["EUR", "100,00"]  # opening balance
    assert rows[2] == [
        "01/11/2026",
        "Turno al banco — Caffè Éclair",
        "BLK-0001",
        "25,50",
        "EUR",
        "125,50",
    ]
    assert rows[3][1:4] == ["Bonifico, novembre", "BLK-0002", "-1234,50"]
    assert rows[-1][0] == "30/11/2026" and rows[-1][4:] == ["EUR", "87,66"]  # closing balance


def test_english_csv_uses_commas_points_and_iso_dates():
    statement = a_statement(
        "en", lines=[a_line(1), a_line(2, description="Payout, November", amount=-123_450)]
    )

    rows = csv_rows(statement_csv(statement), ",")

    assert rows[0] == ["Date", "Description", "Reference", "Amount", "Currency", "Balance"]
    assert rows[1][0] == "2026-11-01" and rows[1][4:] == ["EUR", "100.00"]
    assert rows[3][1:4] == ["Payout, November", "BLK-0002", "-1234.50"]
    assert rows[-1][0] == "2026-11-30" and rows[-1][-1] == "87.66"


def test_italian_and_english_csv_differ_only_in_conventions():
    italian = csv_rows(statement_csv(a_statement("it")), ";")
    english = csv_rows(statement_csv(a_statement("en")), ",")
    assert len(italian) == len(english) == 4  # heading, opening, one line, closing
    assert [row[3] for row in italian[1:]] == ["", "25,50", ""]
    assert [row[3] for row in english[1:]] == ["", "25.50", ""]


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_name_that_looks_like_a_formula_stays_text(language):
    # Given descriptions and references a business or peer could have typed
    lines = [
        a_line(1, description='=HYPERLINK("http://evil.example","Click")'),
        a_line(2, description="@SUM(A1:A9)", reference="+39 333 1234567"),
        a_line(3, description="-2+3", reference="\t=1+1", amount=-1_200),
    ]
    delimiter = ";" if language == "it" else ","

    rows = csv_rows(statement_csv(a_statement(language, lines=lines)), delimiter)

    # Then no text cell starts with a character that makes a spreadsheet run it...
    texts = [cell for row in rows for cell in row[1:3]]
    assert not [cell for cell in texts if cell[:1] in ("=", "+", "-", "@", "\t")]
    assert rows[2][1] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[3][2] == "'+39 333 1234567"
    # ...while a negative amount is still a number the sheet can add up
    assert rows[4][3] == ("-12,00" if language == "it" else "-12.00")


def test_points_rows_have_no_decimals():
    statement = a_statement(
        "it",
        lines=[a_line(1), a_line(2, amount=120, unit="PTS", balance_minor=1_200)],
        points_opening=1_080,
        points_closing=1_200,
    )

    rows = csv_rows(statement_csv(statement), ";")

    assert ["PTS", "1080"] == rows[2][4:]  # opening points, after the opening balance
    assert rows[4][3:] == ["120", "PTS", "1200"]
    assert ["PTS", "1200"] == rows[-1][4:]


# --- PDF ---


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages of an uncompressed fpdf2 PDF, one line per text object.

    fpdf2 draws TrueType text as glyph ids; each font's ToUnicode map turns them back into text.
    """
    objects = {
        int(number): body
        for number, body in re.findall(rb"(?m)^(\d+) 0 obj\n(.*?)\nendobj", data, re.S)
    }
    to_unicode = {}
    for name, number in set(re.findall(rb"/(F\d+) (\d+) 0 R", data)):
        cmap_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(number)])
        pairs = re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", objects[int(cmap_ref.group(1))])
        to_unicode[name] = {
            int(cid, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for cid, text in pairs
        }
    lines, current, font = [], [], None
    for content in re.findall(rb"/Contents (\d+) 0 R", data):
        stream = objects[int(content)]
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)|\bET\b", stream, re.S):
            if token.group(1):
                font = token.group(1)
            elif token.group(0) == b"ET":
                if current:
                    lines.append("".join(current))
                current = []
            else:
                raw = _unescaped(token.group(2))
                cids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                current.append("".join(to_unicode[font].get(cid, "") for cid in cids))
    # A no-break space may come back as the space glyph it shares; compare with plain spaces.
    return "\n".join(lines).replace(NBSP, " ")


def _unescaped(raw: bytes) -> bytes:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    return re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: (
            bytes([int(m.group(1), 8)])
            if m.group(1)[:1].isdigit()
            else escapes.get(m.group(1), m.group(1))
        ),
        raw,
        flags=re.S,
    )


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def test_pdf_shows_whose_statement_it_is_with_euros():
    # Given a statement in English
    statement = a_statement("en", lines=[a_line(1), a_line(2, amount=-123_450)])

    # When it is rendered
    data = statement_pdf(statement, compress=False)

    # Then it is a PDF naming the business, the peer and the period, with amounts in euros
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("Pasticceria Dolce Vita", "Mario Rössi", "November 2026", "Caffè Éclair"):
        assert expected in text
    assert "€100.00" in text  # opening balance
    assert "-€1,234.50" in text  # the payout
    assert "€87.66" in text  # closing balance
    assert "€2,550.00" not in text and "€25.50" in text
    assert "Page 1 of 1" in text


def test_pdf_is_compressed_by_default():
    data = statement_pdf(a_statement("en"))
    assert data.startswith(b"%PDF") and b"/FlateDecode" in data
    assert page_count(data) == 1


def test_italian_and_english_pdfs_write_numbers_and_dates_their_own_way():
    lines = [a_line(1, amount=-123_450)]
    italian = pdf_text(statement_pdf(a_statement("it", lines=lines), compress=False))
    english = pdf_text(statement_pdf(a_statement("en", lines=lines), compress=False))

    assert "-1.234,50 €" in italian and "-€1,234.50" in english
    assert "01/11/2026" in italian and "1 Nov 2026" in english
    assert "novembre 2026" in italian
    # The page footer is already in the Italian catalogue.
    assert "Pagina 1 di 1" in italian and "Page 1 of 1" in english


def test_five_hundred_lines_run_over_pages_with_the_headings_on_each():
    # Given a busy year: 500 movements
    lines = [
        a_line(day % 30 + 1, description=f"Turno numero {n}", amount=100 + n, reference=f"R{n}")
        for n, day in enumerate(range(500))
    ]
    statement = a_statement("en", lines=lines, period_label="2026")

    # When it is rendered
    data = statement_pdf(statement, compress=False)

    # Then it takes several pages, each numbered out of the total and starting with the headings
    pages = page_count(data)
    assert pages > 1
    text = pdf_text(data)
    assert f"Page {pages} of {pages}" in text
    assert text.count("Description") == pages
    assert "Turno numero 0" in text and "Turno numero 499" in text


def test_a_long_description_is_cut_and_a_strange_one_is_cleaned():
    # Given a very long description, a name in a script the font lacks and a line break
    long = "Turno al banco " * 40 + "FINE"
    statement = a_statement(
        "en",
        peer_name="Mario 漢字 Rossi",
        lines=[a_line(1, description=long), a_line(2, description="Riga uno\nRiga\u202edue")],
    )

    text = pdf_text(statement_pdf(statement, compress=False))

    # Then the long one ends with an ellipsis, the name keeps its readable part, nothing breaks
    assert "FINE" not in text and "…" in text
    assert "Mario ?? Rossi" in text
    assert "Riga uno Riga" in text.replace("\n", " ")


def test_a_statement_without_movements_still_shows_its_balances():
    data = statement_pdf(a_statement("en", lines=[], closing_minor=10_000), compress=False)

    text = pdf_text(data)
    assert "No movements in this period." in text
    assert text.count("€100.00") >= 3  # summary opening and closing, table opening and closing
    assert page_count(data) == 1


def test_points_balances_appear_when_the_peer_has_points():
    statement = a_statement(
        "en",
        lines=[a_line(1, amount=120, unit="PTS", balance_minor=1_200)],
        points_opening=1_080,
        points_closing=1_200,
    )

    text = pdf_text(statement_pdf(statement, compress=False))

    assert "1,080 points" in text and "+120 points" in text and "1,200 points" in text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"language": "de"}, "language"),
        ({"currency": "PTS"}, "currency"),
        ({"end": datetime.date(2026, 10, 1)}, "end"),
        ({"lines": [a_line(1), a_line(2, unit="euro")]}, "lines.2.unit"),
        ({"totals": {"earned": 1.5}}, "totals.earned"),
    ],
)
def test_a_statement_that_does_not_add_up_to_a_document_is_refused(overrides, field):
    statement = dataclasses.replace(a_statement("en"), **overrides)
    for render in (statement_csv, statement_pdf):
        with pytest.raises(ValidationFailed) as raised:
            render(statement)
        assert raised.value.field == field


def test_a_bad_line_is_named_by_its_number():
    statement = a_statement("en", lines=[a_line(1), a_line(2, amount_minor=None)])
    with pytest.raises(ValidationFailed) as raised:
        statement_csv(statement)
    assert "Line 2" in str(raised.value.message)
