"""Reading a bank's statement of the account: which credits came in, from whom, quoting what.

Staff upload what their online banking gives them: the ISO 20022 CAMT file (camt.053, the
day's statement; banks also send camt.052 reports and camt.054 notifications) or a CSV export
of the account's movements (Italian banks' "Excel" files included). Both are read into the
same plain `BankCredit`s; matching them to pledges is the caller's work.

CAMT is read namespace-agnostic (banks' versions 02 to 13 differ in places, not in what is read
here), with defusedxml's guards (no DTD, no entities: a "billion laughs" file is refused) and
streamed: each entry is read and then dropped, so a year of credits takes little memory.
defusedxml checks the start of the file, where alone a DTD may stand; the standard library's
C parser then reads the entries, four times faster than defusedxml's Python one
(`_message_tags` says why that is as safe).

Only booked credits count: debits, pending entries and reversals are counted in
`debits_skipped`. An entry or a row that cannot be read (a bad amount, a bad date) is reported
in `problems` with its line; the others are still read. Messages use gettext: read under
`translation.override(language)`.
"""

import codecs
import gc
import hashlib
import io
import os
import re
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError, iterparse

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.customers.importers.readers import (
    BadValue,
    Table,
    UnreadableFile,
    currency_exponent,
    normalise_header,
    parse_money,
)
from peerarmy.errors import DomainError

from .references import find_rf

HEAD_BYTES = 4096


@dataclass(frozen=True)
class BankCredit:
    line: int
    bank_ref: str
    booked_on: date
    amount_minor: int
    currency: str
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    reference: str
    remittance: str
    end_to_end_id: str


@dataclass(frozen=True)
class BankStatement:
    format: str
    account_iban: str
    statement_id: str
    credits: list[BankCredit] = field(default_factory=list)
    debits_skipped: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


class StatementUnreadable(DomainError):
    """The file as a whole is not a bank statement this reader understands."""

    code = "statement_unreadable"
    status = 400
    default_message = gettext_lazy(
        "This is not a bank statement: upload the CAMT.053 (XML) file or the CSV export of "
        "your bank's account movements."
    )


def read_statement(source, *, filename=""):
    """The statement in `source` (bytes, a path, or a binary file object).

    What the file is comes from its content, not its name: `filename` (the upload's name) is
    accepted for the callers' convenience and not needed. Raises `StatementUnreadable` when
    the file as a whole is no statement; a credit that cannot be read is in `problems`.
    """
    stream, owned = _open(source)
    try:
        head = stream.read(HEAD_BYTES)
        stream.seek(0)
        _refuse_binary(head)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return _read_camt(stream)
        return _read_csv(stream)
    finally:
        if owned:
            stream.close()


def _open(source):
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True  # noqa: SIM115 - closed by read_statement
        except OSError as exc:
            raise StatementUnreadable(
                _("The file %(name)s cannot be opened: %(reason)s.")
                % {"name": os.fspath(source), "reason": exc.strerror or exc}
            ) from exc
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), True
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
        return source, False
    spooled = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    while chunk := source.read(1 << 20):
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, True


_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _refuse_binary(head):
    if not head.strip():
        raise StatementUnreadable(
            _(
                "The file is empty. Upload the CAMT.053 (XML) file or the CSV export of your "
                "bank's account movements."
            )
        )
    if head.startswith(_WORKBOOKS):
        raise StatementUnreadable(
            _(
                "This is an Excel workbook, not a bank statement file: in Excel choose File → "
                "Save as → CSV and upload that, or download the CAMT.053 (XML) file from your "
                "bank."
            )
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # Excel's "Unicode text" export: a CSV for the table reader
    if b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise StatementUnreadable()


# --- CAMT ----------------------------------------------------------------------------------

_MESSAGES = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_CAMT_NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[234]\.\d{3}\.\d{2})")


def _split(tag):
    """'{namespace}Local' → ('namespace', 'Local')."""
    if tag.startswith("{"):
        namespace, _brace, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


class _Paths(dict):
    """'A/B' → ('{ns}A', '{ns}B'), made once per path: a chain of ElementTree's `find` on
    plain tags runs in C, where a path with slashes goes through its Python path engine."""

    def __init__(self, namespace):
        super().__init__()
        self.prefix = f"{{{namespace}}}" if namespace else ""

    def __missing__(self, path):
        value = tuple(self.prefix + part for part in path.split("/"))
        self[path] = value
        return value


def _find(elem, tags):
    for tag in tags:
        elem = elem.find(tag)
        if elem is None:
            return None
    return elem


def _find_all(elem, tags):
    found = [elem]
    for tag in tags:
        found = [child for parent in found for child in parent.iterfind(tag)]
    return found


class _Camt:
    """The state of one pass over a CAMT file."""

    def __init__(self, format_name, namespace):
        self.format = format_name
        self.p = _Paths(namespace)
        self.account_iban = ""
        self.statement_id = ""
        self.credits = []
        self.problems = []
        self.skipped = 0
        self.number = 0  # credits met so far, read or not: the `line` of the next one
        self.seen = Counter()

    def text(self, elem, path):
        found = _find(elem, self.p[path])
        return (found.text or "").strip() if found is not None else ""

    def statement(self, elem):
        if not self.statement_id:
            self.statement_id = self.text(elem, "Id")
        if not self.account_iban:
            self.account_iban = _compact(self.text(elem, "Acct/Id/IBAN"))

    def entry(self, ntry):
        text, p = self.text, self.p
        if text(ntry, "CdtDbtInd") != "CRDT":
            self.skipped += 1
            return
        sts = _find(ntry, p["Sts"])
        if sts is not None and (text(sts, "Cd") or (sts.text or "").strip()) != "BOOK":
            self.skipped += 1
            return
        if text(ntry, "RvslInd").lower() in ("true", "1"):
            self.skipped += 1
            return
        details = _find_all(ntry, p["NtryDtls/TxDtls"])
        if not details:
            self._credit(ntry, ntry, 0, 1)
            return
        for index, tx in enumerate(details, 1):
            if (text(tx, "CdtDbtInd") or "CRDT") != "CRDT":
                self.skipped += 1
                continue
            self._credit(ntry, tx, index, len(details))

    def _credit(self, ntry, tx, index, count):
        """One credit: `tx` is the transaction's details, or the entry itself without them."""
        text, p = self.text, self.p
        self.number += 1
        line = self.number
        try:
            booked_on = self._date(ntry)
            amount, currency = self._amount(ntry, tx, count)
        except BadValue as exc:
            self.problems.append((line, exc.message))
            return
        name = text(tx, "RltdPties/Dbtr/Nm") or text(tx, "RltdPties/Dbtr/Pty/Nm")
        iban = _compact(text(tx, "RltdPties/DbtrAcct/Id/IBAN"))
        bic = _compact(
            text(tx, "RltdAgts/DbtrAgt/FinInstnId/BIC")
            or text(tx, "RltdAgts/DbtrAgt/FinInstnId/BICFI")
        )
        remittance = " ".join(
            line
            for line in ((elem.text or "").strip() for elem in _find_all(tx, p["RmtInf/Ustrd"]))
            if line
        ) or (text(tx, "AddtlTxInf") or text(ntry, "AddtlNtryInf"))
        reference = ""
        for ref in _find_all(tx, p["RmtInf/Strd/CdtrRefInf/Ref"]):
            reference = _compact(ref.text)
            if reference:
                break
        if not reference:
            reference = find_rf(remittance) or ""
        end_to_end = text(tx, "Refs/EndToEndId")
        if end_to_end.upper() == "NOTPROVIDED":
            end_to_end = ""
        suffix = f"/{index}" if count > 1 else ""
        bank_ref = (
            text(tx, "Refs/AcctSvcrRef")
            or _suffixed(text(ntry, "AcctSvcrRef"), suffix)
            or _suffixed(text(ntry, "NtryRef"), suffix)
            or end_to_end
        )
        if not bank_ref:
            key = (booked_on.isoformat(), str(amount), currency, iban, remittance)
            self.seen[key] += 1
            bank_ref = _digest(*key, str(self.seen[key]))
        self.credits.append(
            BankCredit(
                line=line,
                bank_ref=bank_ref,
                booked_on=booked_on,
                amount_minor=amount,
                currency=currency,
                debtor_name=name,
                debtor_iban=iban,
                debtor_bic=bic,
                reference=reference,
                remittance=remittance,
                end_to_end_id=end_to_end,
            )
        )

    def _date(self, ntry):
        text = self.text
        value = (
            text(ntry, "BookgDt/Dt")
            or text(ntry, "BookgDt/DtTm")
            or text(ntry, "ValDt/Dt")
            or text(ntry, "ValDt/DtTm")
        )
        if not value:
            raise BadValue(_("The entry has no booking date."))
        match = _ISO_DATE.match(value)
        try:
            if not match:
                raise ValueError(value)
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError as exc:
            raise BadValue(
                _("The booking date “%(value)s” is not a date.") % {"value": value}
            ) from exc

    def _amount(self, ntry, tx, count):
        p = self.p
        amt = _find(tx, p["Amt"])
        if amt is None:
            amt = _find(tx, p["AmtDtls/TxAmt/Amt"])
        if amt is None and count <= 1:
            amt = _find(ntry, p["Amt"])
        if amt is None:
            raise BadValue(_("This payment in a batch entry has no amount of its own."))
        currency = (amt.get("Ccy") or "").strip().upper() or "EUR"
        return _minor(amt.text or "", currency), currency


def _suffixed(text, suffix):
    return text + suffix if text else ""


def _compact(text):
    return "".join((text or "").split()).upper()


def _digest(*parts):
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _minor(text, currency):
    raw = text.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise BadValue(_("The amount “%(value)s” is not a number.") % {"value": raw}) from exc
    if not value.is_finite() or value <= 0:
        raise BadValue(_("The amount “%(value)s” is not a positive number.") % {"value": raw})
    minor = value.scaleb(currency_exponent(currency))
    if minor != minor.to_integral_value():
        raise BadValue(
            _("The amount %(value)s has more decimals than %(currency)s has.")
            % {"value": raw, "currency": currency}
        )
    return int(minor)


class _Found(Exception):
    """Stops the check of the file's start once its second element is known."""


class _FirstTwo:
    """A parser target that keeps the tags of the first two elements, then stops."""

    def __init__(self):
        self.tags = []

    def start(self, tag, attrib):
        self.tags.append(tag)
        if len(self.tags) == 2:
            raise _Found

    def end(self, tag):
        return None

    def data(self, data):
        return None

    def close(self):
        return None


def _message_tags(stream):
    """The tags of the root and of the message in it, read by defusedxml.

    A DTD (and so any entity) can only stand before the root element: defusedxml reads the
    file up to the message's element and refuses a DTD, an entity or an external reference
    there. The body is then read by the standard library's C parser, which is several times
    faster than defusedxml's and, with no DTD, refuses any entity but the five of XML itself.
    """
    from defusedxml.ElementTree import DefusedXMLParser

    target = _FirstTwo()
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        while chunk := stream.read(HEAD_BYTES):
            parser.feed(chunk)
        parser.close()
    except _Found:
        return target.tags
    finally:
        stream.seek(0)
    return target.tags


@contextmanager
def _collector_paused():
    """Python's cycle collector paused while a file is read: ElementTree makes some forty
    objects per entry, none of them in a cycle, and the collector's passes over them took a
    third of the time of a 20,000-credit file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_camt(stream):
    from defusedxml import DefusedXmlException

    try:
        tags = _message_tags(stream)
        if len(tags) < 2 or _split(tags[0])[1] != "Document" or _split(tags[1])[1] not in _MESSAGES:
            raise StatementUnreadable()
        namespace, message = _split(tags[1])
        match = _CAMT_NS.fullmatch(namespace)
        state = _Camt(match[1] if match else _MESSAGES[message][0], namespace)
        (entry_tag,) = state.p["Ntry"]
        (statement_tag,) = state.p[_MESSAGES[message][1]]
        with _collector_paused():
            for _event, elem in iterparse(stream, events=("end",)):  # noqa: S314 - see above
                tag = elem.tag
                if tag == entry_tag:
                    state.entry(elem)
                    elem.clear()
                elif tag == statement_tag:
                    state.statement(elem)
                    elem.clear()
    except ParseError as exc:
        raise StatementUnreadable(
            _(
                "The file looks like XML but is damaged at line %(line)s, so it cannot be "
                "read. Upload the CAMT.053 (XML) file exactly as your bank gives it, or the CSV "
                "export of your account movements."
            )
            % {"line": exc.position[0] if getattr(exc, "position", None) else "?"}
        ) from exc
    except DefusedXmlException as exc:
        raise StatementUnreadable(
            _(
                "The file holds XML declarations that a bank statement never has, so it was "
                "not read. Upload the CAMT.053 (XML) file exactly as your bank gives it."
            )
        ) from exc
    return BankStatement(
        format=state.format,
        account_iban=state.account_iban,
        statement_id=state.statement_id,
        credits=state.credits,
        debits_skipped=state.skipped,
        problems=state.problems,
    )


# --- CSV -----------------------------------------------------------------------------------


def _names(*names):
    return tuple(normalise_header(name) for name in names)


DATE_COLUMNS = _names("Data contabile", "Data operazione", "Data", "Booking date", "Date")
AMOUNT_COLUMNS = _names("Importo", "Amount", "Importo EUR", "Amount EUR")
CREDIT_COLUMNS = _names("Entrate", "Avere", "Accrediti", "Credit", "Credits")
DEBIT_COLUMNS = _names("Uscite", "Dare", "Addebiti", "Debit", "Debits")
CURRENCY_COLUMNS = _names("Divisa", "Currency", "Valuta")
DESCRIPTION_COLUMNS = _names(
    "Descrizione",
    "Descrizione operazione",
    "Causale",
    "Description",
    "Reference",
    "Remittance",
)
PAYER_COLUMNS = _names("Ordinante", "Nome ordinante", "Payer", "Name", "Counterparty")
IBAN_COLUMNS = _names("IBAN ordinante", "IBAN", "Counterparty IBAN")
BIC_COLUMNS = _names("BIC ordinante", "BIC", "Counterparty BIC")

_DATE_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")


def _first(header, names):
    """The index of the first column named like one of `names`, by the order of `names`."""
    for name in names:
        if name in header:
            return header.index(name)
    return None


def parse_bank_date(text):
    """dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy or yyyy-mm-dd (a time after it is ignored)."""
    raw = text.strip()
    match = _DATE_ISO.fullmatch(raw)
    if match:
        year, month, day = match.groups()
    else:
        match = _DATE_DAY_FIRST.fullmatch(raw.split(" ")[0])
        if not match:
            raise BadValue(
                _("“%(value)s” is not a date: write it as dd/mm/yyyy or yyyy-mm-dd.")
                % {"value": raw}
            )
        day, month, year = match.groups()
        if len(year) == 2:
            year = "20" + year
    try:
        return date(int(year), int(month), int(day))
    except ValueError as exc:
        raise BadValue(_("“%(value)s” is not a real date.") % {"value": raw}) from exc


def _read_csv(stream):
    try:
        table = Table(stream)
    except UnreadableFile as exc:
        raise StatementUnreadable(exc.message) from exc
    with table:
        header = [normalise_header(name) for name in table.header]
        date_col = _first(header, DATE_COLUMNS)
        amount_col = _first(header, AMOUNT_COLUMNS)
        credit_col = _first(header, CREDIT_COLUMNS)
        debit_col = _first(header, DEBIT_COLUMNS)
        if date_col is None or (amount_col is None and credit_col is None):
            raise StatementUnreadable(
                _(
                    "This file has no column for the date or for the amount, so it is not a "
                    "bank statement. Columns found: %(found)s. Expected a date (Data contabile, "
                    "Data operazione, Data, Booking date or Date) and an amount (Importo or "
                    "Amount, or Entrate and Uscite, Avere and Dare, Credit and Debit)."
                )
                % {"found": ", ".join(f"“{name}”" for name in table.header if name) or "-"}
            )
        currency_col = _first(header, CURRENCY_COLUMNS)
        descriptions = [i for i, name in enumerate(header) if name in DESCRIPTION_COLUMNS]
        payer_col = _first(header, PAYER_COLUMNS)
        iban_col = _first(header, IBAN_COLUMNS)
        bic_col = _first(header, BIC_COLUMNS)

        credits, problems = [], []
        skipped = 0
        seen = Counter()
        for line, cells in table.rows():
            currency = "EUR"
            if currency_col is not None:
                code = cells[currency_col].strip()
                if _CURRENCY_CODE.fullmatch(code):
                    currency = code.upper()
            exponent = currency_exponent(currency)
            try:
                booked_on = parse_bank_date(cells[date_col])
                if amount_col is not None:
                    amount = _csv_amount(cells[amount_col], table, exponent)
                else:
                    amount = _csv_amount(cells[credit_col], table, exponent, blank=0)
                    if not amount and debit_col is not None:
                        amount = -abs(_csv_amount(cells[debit_col], table, exponent, blank=0))
                    if not amount:
                        raise BadValue(_("This line has no amount."))
            except BadValue as exc:
                problems.append((line, exc.message))
                continue
            if amount <= 0:
                skipped += 1
                continue
            description = " ".join(
                text for text in (cells[i].strip() for i in descriptions) if text
            )
            key = tuple(cell.strip() for cell in cells)
            seen[key] += 1
            credits.append(
                BankCredit(
                    line=line,
                    bank_ref=_digest(*key, str(seen[key])),
                    booked_on=booked_on,
                    amount_minor=amount,
                    currency=currency,
                    debtor_name=cells[payer_col].strip() if payer_col is not None else "",
                    debtor_iban=_compact(cells[iban_col]) if iban_col is not None else "",
                    debtor_bic=_compact(cells[bic_col]) if bic_col is not None else "",
                    reference=find_rf(description) or "",
                    remittance=description,
                    end_to_end_id="",
                )
            )
        problems.extend(table.problems)
    problems.sort(key=lambda problem: problem[0])
    return BankStatement(
        format="csv",
        account_iban="",
        statement_id="",
        credits=credits,
        debits_skipped=skipped,
        problems=problems,
    )


def _csv_amount(text, table, exponent, blank=None):
    if not text.strip():
        if blank is not None:
            return blank
        raise BadValue(_("This line has no amount."))
    return parse_money(text, decimal_comma=table.decimal_comma, exponent=exponent)
