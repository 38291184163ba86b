"""Reading what people really upload: encodings, separators, amounts, dates, yes and no."""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerarmy.customers.importers.readers import (
    BadValue,
    Table,
    UnreadableFile,
    parse_bool,
    parse_datetime,
    parse_email,
    parse_money,
    parse_whole,
)

from .files import csv_bytes, italian_excel

ROME = ZoneInfo("Europe/Rome")


def read(data, **options):
    with Table(data, **options) as table:
        rows = list(table.rows())
        return table, rows


# --- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal_comma", "cents"),
    [
        ("1234.50", False, 123450),
        ("1,234.50", False, 123450),
        ("1234,50", True, 123450),
        ("1.234,50", True, 123450),
        ("1.234,50", False, 123450),  # both separators: the last one is the decimal point
        ("€ 12,00", True, 1200),
        ("12,00 €", True, 1200),
        ("EUR 12.00", False, 1200),
        ("-12,50", True, -1250),
        ("(12.50)", False, -1250),
        ("12,50-", True, -1250),
        ("\u221212.50", False, -1250),
        ("12", False, 1200),
        ("0.5", False, 50),
        ("1 234,50", True, 123450),
        ("1.234.567,89", True, 123456789),
        ("1,234,567.89", False, 123456789),
        # One separator and three digits: the file's convention decides.
        ("1,234", False, 123400),
        ("1.234", True, 123400),
        ("1,234", True, 123),  # 1.234 euros, to the cent
        ("0,500", False, 50),  # a thousands group cannot start with 0: a decimal
    ],
)
def test_amounts_are_read_in_either_convention_to_exact_cents(text, decimal_comma, cents):
    assert parse_money(text, decimal_comma=decimal_comma) == cents


@pytest.mark.parametrize("text", ["abc", "12,34,5", "1.2.3,4.5", "€", "12 apples", "--5"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(BadValue):
        parse_money(text)


def test_currencies_without_cents_keep_whole_units():
    assert parse_money("1.500", decimal_comma=True, exponent=0) == 1500


def _formatted(cents, convention, grouped, symbol):
    units, rest = divmod(abs(cents), 100)
    whole = f"{units:,}" if grouped else str(units)
    if convention == "comma":
        whole = whole.replace(",", ".")
        text = f"{whole},{rest:02d}"
    else:
        text = f"{whole}.{rest:02d}"
    if cents < 0:
        text = "-" + text
    return f"€ {text}" if symbol else text


@given(
    cents=st.integers(min_value=-(10**12), max_value=10**12),
    convention=st.sampled_from(["comma", "point"]),
    grouped=st.booleans(),
    symbol=st.booleans(),
)
def test_a_formatted_amount_reads_back_as_the_same_cents(cents, convention, grouped, symbol):
    text = _formatted(cents, convention, grouped, symbol)
    assert parse_money(text, decimal_comma=convention == "comma") == cents


@given(units=st.integers(min_value=0, max_value=10**9), convention=st.sampled_from([",", "."]))
def test_whole_amounts_with_thousands_separators_read_back(units, convention):
    text = f"{units:,}".replace(",", convention)
    assert parse_money(text, decimal_comma=convention == ".") == units * 100


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/01/2024", datetime(2024, 1, 14, 23, 0, tzinfo=UTC)),  # midnight in Rome
        ("15/01/2024 10:23", datetime(2024, 1, 15, 9, 23, tzinfo=UTC)),
        ("15/07/2024 10.23.45", datetime(2024, 7, 15, 8, 23, 45, tzinfo=UTC)),  # summer time
        ("2024-01-15", datetime(2024, 1, 14, 23, 0, tzinfo=UTC)),
        ("2024-01-15 10:23:45 +0100", datetime(2024, 1, 15, 9, 23, 45, tzinfo=UTC)),  # Shopify
        ("2024-01-15 10:23:45", datetime(2024, 1, 15, 9, 23, 45, tzinfo=UTC)),  # WooCommerce
        ("2024-01-15T10:23:45Z", datetime(2024, 1, 15, 10, 23, 45, tzinfo=UTC)),
        ("2024-01-15T10:23:45.5-05:00", datetime(2024, 1, 15, 15, 23, 45, 500000, tzinfo=UTC)),
        ("15-01-24", datetime(2024, 1, 14, 23, 0, tzinfo=UTC)),
    ],
)
def test_dates_in_every_common_form_become_utc(text, expected):
    value = parse_datetime(text, ROME)
    assert value == expected
    assert value.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2024", "not a real date"),
        ("01/15/2024", "day first"),
        ("yesterday", "not a date"),
        ("15/01/0024", "not a plausible date"),
    ],
)
def test_impossible_and_american_dates_are_refused_with_a_reason(text, reason):
    with pytest.raises(BadValue) as error:
        parse_datetime(text, ROME)
    assert reason in error.value.message


# --- yes and no, e-mails, scores ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["yes", "Yes", "TRUE", "sì", "Si", "1", "subscribed", "x"])
def test_yes_in_its_many_spellings(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["no", "FALSE", "0", "unsubscribed", "not_subscribed", "pending"])
def test_no_in_its_many_spellings(text):
    assert parse_bool(text) is False


def test_a_word_that_is_neither_yes_nor_no_is_refused():
    with pytest.raises(BadValue):
        parse_bool("maybe")


def test_emails_are_trimmed_and_lower_cased():
    assert parse_email("  Giulia.Rossi@Example.ORG ") == "giulia.rossi@example.org"
    assert parse_email("mailto:anna@example.it") == "anna@example.it"
    assert parse_email("<Elodie@Exämple.fr>") == "elodie@exämple.fr"


@pytest.mark.parametrize("text", ["giulia", "giulia@", "@example.org", "a b@example.org"])
def test_what_is_not_an_email_is_refused(text):
    with pytest.raises(BadValue):
        parse_email(text)


def test_scores_accept_the_ways_spreadsheets_write_them():
    assert parse_whole("9", 0, 10) == 9
    assert parse_whole("9,0", 0, 10) == 9
    assert parse_whole("9/10", 0, 10) == 9
    with pytest.raises(BadValue):
        parse_whole("11", 0, 10)
    with pytest.raises(BadValue):
        parse_whole("8.5", 0, 10)


# --- files -----------------------------------------------------------------------------------


def test_italian_excel_is_windows_1252_with_semicolons_and_decimal_commas():
    data = italian_excel([["E-mail", "Commento"], ["a@example.org", "Però è già così"]])

    table, rows = read(data)

    assert (table.encoding, table.delimiter, table.decimal_comma) == ("cp1252", ";", True)
    assert rows == [(2, ["a@example.org", "Però è già così"])]


def test_utf8_with_a_bom_and_commas():
    data = csv_bytes([["Email", "Città"], ["a@example.org", "Forlì"]], bom=True)

    table, rows = read(data)

    assert (table.encoding, table.delimiter, table.decimal_comma) == ("utf-8-sig", ",", False)
    assert table.header == ["Email", "Città"]
    assert rows == [(2, ["a@example.org", "Forlì"])]


def test_excel_unicode_text_is_utf16_with_tabs():
    data = "\ufeffEmail\tCittà\r\na@example.org\tForlì\r\n".encode("utf-16-le")

    table, rows = read(data)

    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert rows == [(2, ["a@example.org", "Forlì"])]


def test_excels_sep_line_names_the_separator_and_shifts_the_lines():
    table, rows = read(b"sep=;\r\nEmail;Voto\r\na@example.org;9\r\n")

    assert table.delimiter == ";"
    assert table.header == ["Email", "Voto"]
    assert rows == [(3, ["a@example.org", "9"])]


def test_line_numbers_count_records_as_a_spreadsheet_shows_them():
    data = b'Email,Note\r\na@example.org,"two\r\nlines"\r\n\r\n,\r\nb@example.org,x\r\n'

    _table, rows = read(data)

    # The quoted line break stays inside row 2; the blank rows 3 and 4 are skipped.
    assert rows == [(2, ["a@example.org", "two\r\nlines"]), (5, ["b@example.org", "x"])]


def test_a_quote_that_never_closes_stops_the_reading_at_that_line():
    data = b'Email,Note\r\na@example.org,fine\r\nb@example.org,"never closed\r\nc@example.org,x\r\n'

    table, rows = read(data)

    assert rows == [(2, ["a@example.org", "fine"])]
    assert [line for line, _message in table.problems] == [3]
    assert "never closed" in str(table.problems[0][1])


def test_a_row_with_more_values_than_columns_is_a_problem_not_a_shift():
    data = b"Email,Total\r\na@example.org,1,234.50\r\nb@example.org,12.00\r\n"

    table, rows = read(data)

    assert rows == [(3, ["b@example.org", "12.00"])]
    assert [line for line, _message in table.problems] == [2]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a zip", "workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
        (bytes(range(256)) * 8, "not a text file"),
    ],
)
def test_files_that_are_not_csv_are_refused_with_a_reason(data, words):
    with pytest.raises(UnreadableFile) as error:
        read(data)
    assert words in str(error.value.message)


def test_a_path_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(UnreadableFile):
        read(tmp_path / "missing.csv")


class _Pipe(io.RawIOBase):
    """A stream that can only be read forward, like a pipe or a network upload."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        return self._data.readinto(buffer)


def test_a_stream_that_cannot_seek_is_read_all_the_same():
    data = italian_excel([["E-mail", "Città"], ["a@example.org", "Forlì"]])

    table, rows = read(io.BufferedReader(_Pipe(data)))

    assert (table.encoding, rows) == ("cp1252", [(2, ["a@example.org", "Forlì"])])
