"""Opening an exported file (encoding, separator, quoting) and reading the values in its cells.

Files come from Shopify and WooCommerce (UTF-8, commas, decimal points, ISO dates) and from
Italian Excel (Windows-1252 or UTF-8 with a BOM, semicolons, decimal commas, dd/mm/yyyy). All
of that is detected here, so nobody is asked to convert a file. The file is streamed: rows are
read one at a time, never the whole file into memory.

Every parser raises `BadValue` with a reason a person understands; the caller adds the line and
the column. Messages use `gettext`, so read a file under `translation.override(language)`.
"""

import codecs
import csv
import io
import itertools
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.errors import DomainError

CHUNK = 1 << 20
SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
QUOTECHAR = '"'
# The longest value a cell may hold. Python's csv refuses a field over 131,072 characters by
# default; a customer's note or a review can be longer, so the reader allows this much (and
# says so, naming the line, when a value is longer still).
FIELD_LIMIT = 16 * 1024 * 1024


class UnreadableFile(DomainError):
    """The file as a whole cannot be imported: nothing in it is read."""

    code = "unreadable_file"
    status = 422
    default_message = gettext_lazy("The file cannot be read.")


class BadValue(ValueError):
    """One cell holds a value that cannot be used; `message` says why."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


# --- opening a file ------------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, so that progress can be reported by how much of the file is done."""

    def __init__(self, raw):
        self._raw = raw
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _binary_stream(source):
    """A seekable binary stream over a path, bytes, an uploaded file or any file object."""
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True  # closed by Table.close
        except OSError as exc:
            raise UnreadableFile(
                _("The file %(name)s cannot be opened: %(reason)s.")
                % {"name": os.fspath(source), "reason": exc.strerror or exc}
            ) from exc
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), True
    stream = source  # a file object, Django's File and UploadedFile included
    seekable = getattr(stream, "seekable", lambda: False)()
    if seekable:
        stream.seek(0)
    if isinstance(stream.read(0), str):  # a text stream, e.g. io.StringIO
        return io.BytesIO(stream.read().encode("utf-8")), True
    if not seekable:
        spooled = tempfile.SpooledTemporaryFile(max_size=16 * CHUNK)
        while chunk := stream.read(CHUNK):
            spooled.write(chunk)
        spooled.seek(0)
        return spooled, True
    return stream, False


def _size(stream):
    position = stream.tell()
    size = stream.seek(0, io.SEEK_END)
    stream.seek(position)
    return size


def _refuse_non_text(head):
    """Give a useful message for the files people upload by mistake instead of a CSV."""
    if not head:
        raise UnreadableFile(_("The file is empty."), code="empty_file")
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            _(
                "This is an Excel or OpenDocument workbook, not a CSV file. In your spreadsheet "
                "choose File → Save as → CSV, then import the CSV file."
            ),
            code="not_csv",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            _(
                "This is an old Excel workbook (.xls), not a CSV file. In Excel choose File → "
                "Save as → CSV, then import the CSV file."
            ),
            code="not_csv",
        )
    if head.startswith(b"%PDF"):
        raise UnreadableFile(_("This is a PDF document, not a CSV file."), code="not_csv")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in head[:8192]:
        raise UnreadableFile(
            _("This is not a text file: export the data as CSV and import that file."),
            code="not_csv",
        )


def _is_utf8(stream):
    """Whether the whole file decodes as UTF-8: one pass over the bytes, no text kept."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    stream.seek(0)
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def detect_encoding(stream):
    """(Python codec, errors) for the file: BOMs first, then strict UTF-8, else Windows-1252."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    _refuse_non_text(head)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "strict"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "strict"  # Excel's "Unicode text"
    if _is_utf8(stream):
        return "utf-8", "strict"
    # Windows-1252 leaves five bytes undefined; a stray one becomes U+FFFD instead of failing.
    return "cp1252", "replace"


def count_delimiters(line):
    """How often each candidate separator appears outside quotes in one line."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == QUOTECHAR:
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return counts


def detect_delimiter(header_line):
    counts = count_delimiters(header_line)
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


_SEP_HINT = re.compile(r"^\s*\"?sep=(.)\"?\s*$")


class Table:
    """An opened file: its header, how it is written, and its rows one at a time.

    `rows()` yields `(line, cells)` with the line as a spreadsheet shows it (the header is
    line 1); empty rows are skipped. Problems with the file's structure (a quote never closed,
    a row with more values than columns) are collected in `problems` as (line, message).
    """

    def __init__(self, source, *, tab_decimal_comma=False):
        self._stream, self._owned = _binary_stream(source)
        try:
            self.size = _size(self._stream)
            self.encoding, errors = detect_encoding(self._stream)
            self._counter = _CountingReader(self._stream)
            self._text = io.TextIOWrapper(
                io.BufferedReader(self._counter, CHUNK),
                encoding=self.encoding,
                errors=errors,
                newline="",
            )
            self._open(tab_decimal_comma)
        except BaseException:
            self.close()
            raise
        self.problems = []

    def _open(self, tab_decimal_comma):
        try:
            first = self._text.readline()
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_("The file is not valid text.")) from exc
        self.header_line = 1
        hint = _SEP_HINT.match(first)
        if hint and hint.group(1) in DELIMITERS + ("|",):
            # Excel's "sep=;" first line names the separator; the header follows it.
            self.delimiter = hint.group(1)
            first = self._text.readline()
            self.header_line = 2
        else:
            self.delimiter = detect_delimiter(first)
        if not first.strip():
            raise UnreadableFile(
                _("The first line of the file is empty: it must hold the column names."),
                code="no_header",
            )
        if self.delimiter == ";":
            self.decimal_comma = True
        elif self.delimiter == ",":
            self.decimal_comma = False
        else:
            self.decimal_comma = tab_decimal_comma
        csv.field_size_limit(FIELD_LIMIT)  # process-wide: only ever raised from the default
        self._reader = csv.reader(
            itertools.chain([first], self._text),
            delimiter=self.delimiter,
            quotechar=QUOTECHAR,
            doublequote=True,
            strict=True,
        )
        try:
            header = next(self._reader)
        except (csv.Error, StopIteration) as exc:
            raise UnreadableFile(
                _("The first line of the file cannot be read as column names."),
                code="no_header",
            ) from exc
        self.header = [_clean_header(cell) for cell in header]
        while self.header and not self.header[-1]:
            self.header.pop()  # trailing separators
        if not any(self.header):
            raise UnreadableFile(
                _("The first line of the file is empty: it must hold the column names."),
                code="no_header",
            )

    @property
    def bytes_read(self):
        return self._counter.count

    def rows(self, on_progress=None, every=8192):
        """The data rows; `on_progress(bytes_read, size)` is called every `every` lines."""
        line = self.header_line
        width = len(self.header)
        reader = self._reader
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line += 1
                text = str(exc)
                if "field larger" in text:
                    self.problems.append(
                        (
                            line,
                            _(
                                "A value starting on this line is longer than %(n)s characters "
                                "(or a quotation mark opened here is never closed), so the rest "
                                "of the file could not be read."
                            )
                            % {"n": number_format(FIELD_LIMIT, force_grouping=True)},
                        )
                    )
                    return
                if "unexpected end of data" in text:
                    self.problems.append(
                        (
                            line,
                            _(
                                "A quotation mark opened on this line is never closed, so the "
                                "rest of the file could not be read."
                            ),
                        )
                    )
                    return
                self.problems.append(
                    (
                        line,
                        _(
                            "This line is not valid CSV: a value in quotation marks must be "
                            "followed by a separator."
                        ),
                    )
                )
                continue
            except UnicodeDecodeError:
                self.problems.append(
                    (line + 1, _("The file is not valid text from here on; it was not read."))
                )
                return
            line += 1
            if on_progress is not None and not line % every:
                on_progress(self._counter.count, self.size)
            if len(cells) != width:
                if len(cells) < width:
                    if not any(cells):
                        continue
                    cells.extend([""] * (width - len(cells)))
                elif any(cells[width:]):
                    if not any(cells[:width]):
                        continue
                    self.problems.append(
                        (
                            line,
                            _(
                                "This line has %(found)d values but the file has %(expected)d "
                                "columns: a value that contains the separator must be in "
                                "quotation marks."
                            )
                            % {"found": len(cells), "expected": width},
                        )
                    )
                    continue
                else:
                    del cells[width:]
            if not any(cells):
                continue
            yield line, cells

    def close(self):
        if self._owned:
            self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _clean_header(cell):
    return cell.replace("\ufeff", "").strip().strip('"').strip()


def normalise_header(text):
    """'Billing Email', 'billing_email' and 'billing-email' are the same column: keep letters
    and digits only, case-folded ('E-mail' → 'email', 'Città' → 'città')."""
    return "".join(char for char in text.casefold() if char.isalnum())


# --- values --------------------------------------------------------------------------------

_CURRENCY = re.compile(
    r"(?i)€|\$|£|¥|(?<![a-z])(?:eur|euro|usd|gbp|chf|jpy)(?![a-z])|\s|[\u00a0\u202f'’]"
)
_PLAIN_POINT = re.compile(r"(-?)(\d{1,15})(?:\.(\d{1,2}))?")
_PLAIN_COMMA = re.compile(r"(-?)(\d{1,15})(?:,(\d{1,2}))?")
_NUMBER = re.compile(r"[\d.,]+")
MAX_MINOR = 10**15
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF"}
THREE_DECIMAL_CURRENCIES = {"BHD", "KWD", "OMR", "TND", "JOD"}


def currency_exponent(currency):
    code = (currency or "").upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def _is_grouped(digits, sep):
    """'1.234.567' is a thousands grouping with '.'; '12.34' and '0.123' are not."""
    groups = digits.split(sep)
    head = groups[0]
    return (
        1 <= len(head) <= 3
        and head.isdigit()
        and (head != "0" or len(groups) == 1)
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


def _plain_number(body, decimal_comma):
    """'1.234,50' → '1234.50' by the rules in docs/imports.md; None when it is no number."""
    has_dot, has_comma = "." in body, "," in body
    if has_dot and has_comma:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _sep, fraction = body.rpartition(decimal)
        if not _is_grouped(whole, thousands) or thousands in fraction:
            return None
        return whole.replace(thousands, "") + "." + fraction
    if has_dot or has_comma:
        sep = "." if has_dot else ","
        if body.count(sep) > 1:
            return body.replace(sep, "") if _is_grouped(body, sep) else None
        whole, _sep, fraction = body.partition(sep)
        # One separator and three digits after it ("1,234") is ambiguous: the file's decimal
        # convention decides. Anything else after a single separator is a decimal part.
        file_decimal = "," if decimal_comma else "."
        if len(fraction) == 3 and sep != file_decimal and _is_grouped(body, sep):
            return whole + fraction
        if not whole and not fraction:
            return None
        return (whole or "0") + "." + fraction
    return body


def parse_money(text, *, decimal_comma=False, exponent=2):
    """An amount as written in a file → integer minor units (cents), exactly, by Decimal.

    Accepts '1234.50', '1,234.50', '1234,50', '1.234,50', '€ 12,00', '12,00 €', '-5', '(5.00)'
    and '5,00-'. The file's convention (decimal comma for `;`-separated files) decides the one
    ambiguous case, a single separator followed by three digits ('1,234').
    """
    raw = text.strip()
    plain = (_PLAIN_COMMA if decimal_comma else _PLAIN_POINT).fullmatch(raw)
    if plain and exponent == 2:  # the common case, in integer arithmetic
        sign, whole, fraction = plain.groups()
        value = int(whole) * 100 + (
            int(fraction) * (10 if len(fraction) == 1 else 1) if fraction else 0
        )
        return -value if sign else value
    body = _CURRENCY.sub("", raw).replace("\u2212", "-")
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    if body.startswith(("-", "+")):
        negative, body = negative or body[0] == "-", body[1:]
    elif body.endswith("-"):
        negative, body = True, body[:-1]
    if not body or not _NUMBER.fullmatch(body):
        raise BadValue(_("“%(value)s” is not an amount of money.") % {"value": raw})
    number = _plain_number(body, decimal_comma)
    if number is None:
        raise BadValue(_("“%(value)s” is not an amount of money.") % {"value": raw})
    try:
        amount = Decimal(number)
    except InvalidOperation as exc:
        raise BadValue(_("“%(value)s” is not an amount of money.") % {"value": raw}) from exc
    minor = int(amount.scaleb(exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minor >= MAX_MINOR:
        raise BadValue(_("“%(value)s” is too large an amount.") % {"value": raw})
    return -minor if negative else minor


_ISO = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_DAY_FIRST = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[T ,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?"
)
_OFFSETS = {}


def _offset(text):
    tz = _OFFSETS.get(text)
    if tz is None:
        if text in ("Z", "UTC", "GMT"):
            tz = UTC
        else:
            sign = -1 if text[0] == "-" else 1
            digits = text[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        _OFFSETS[text] = tz
    return tz


def parse_datetime(text, tz):
    """A date or date and time → an aware datetime in UTC.

    ISO ('2024-01-15', '2024-01-15T10:23:45+01:00'), Shopify ('2024-01-15 10:23:45 +0100'),
    WooCommerce ('2024-01-15 10:23:45') and Italian ('15/01/2024', '15/01/2024 10:23').
    Slashed dates are always day first. Without an offset the time is in `tz`, the business's
    time zone; a date alone means midnight there.
    """
    raw = text.strip()
    match = _ISO.fullmatch(raw)
    if match:
        year, month, day, hour, minute, second, micro, offset = match.groups()
    else:
        match = _DAY_FIRST.fullmatch(raw)
        if not match:
            raise BadValue(
                _("“%(value)s” is not a date: write it as dd/mm/yyyy or yyyy-mm-dd.")
                % {"value": raw}
            )
        day, month, year, hour, minute, second = match.groups()
        micro = offset = None
        if len(year) == 2:
            year = ("20" if int(year) < 70 else "19") + year
        if int(month) > 12 and int(day) <= 12:
            raise BadValue(
                _("“%(value)s” is month first; write dates day first, as dd/mm/yyyy.")
                % {"value": raw}
            )
    try:
        value = datetime(  # noqa: DTZ001 - the zone is attached just below
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((micro or "0").ljust(6, "0")),
        )
    except ValueError as exc:
        raise BadValue(_("“%(value)s” is not a real date.") % {"value": raw}) from exc
    if not 1900 <= value.year <= 2200:
        raise BadValue(_("“%(value)s” is not a plausible date.") % {"value": raw})
    zone = _offset(offset) if offset else tz
    return value.replace(tzinfo=zone).astimezone(UTC)


_TRUE = {
    "yes", "y", "true", "t", "1", "si", "sì", "s", "x", "vero", "ok",
    "subscribed", "optedin", "confirmed", "iscritto", "accetta",
}  # fmt: skip
_FALSE = {
    "no", "n", "false", "f", "0", "falso", "-",
    "unsubscribed", "notsubscribed", "neversubscribed", "pending", "invalid", "redacted",
    "optedout", "noniscritto", "nonaccetta",
}  # fmt: skip


def parse_bool(text):
    """yes/no, true/false, sì/no, 1/0, and Shopify's consent states (subscribed, …)."""
    key = "".join(char for char in text.casefold() if char.isalnum() or char == "-")
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadValue(_("“%(value)s” is neither yes nor no.") % {"value": text.strip()})


# Plainly valid addresses, checked quickly; anything else goes through Django's validator.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def parse_email(text):
    """An e-mail address, trimmed and in lower case; refused if it is not one."""
    value = text.strip().strip("<>").strip()
    if value[:7].lower() == "mailto:":
        value = value[7:]
    value = value.lower()
    if len(value) > 254:
        raise BadValue(_("“%(value)s” is not an e-mail address.") % {"value": text.strip()})
    if _PLAIN_EMAIL.fullmatch(value):
        return value
    try:
        validate_email(value)
    except ValidationError as exc:
        raise BadValue(
            _("“%(value)s” is not an e-mail address.") % {"value": text.strip()}
        ) from exc
    return value


_WHOLE = re.compile(r"(\d+)(?:[.,]0+)?(?:\s*/\s*\d+)?")


def parse_whole(text, low, high):
    """A whole number between `low` and `high`; '9', '9,0' and '9/10' are all nine."""
    raw = text.strip()
    match = _WHOLE.fullmatch(raw)
    if not match:
        raise BadValue(_("“%(value)s” is not a whole number.") % {"value": raw})
    value = int(match.group(1))
    if not low <= value <= high:
        raise BadValue(
            _("%(value)s is not between %(low)d and %(high)d.")
            % {"value": raw, "low": low, "high": high}
        )
    return value
