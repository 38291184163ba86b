"""Statements written as banks write them, from `BankCredit`s: for tests, the demo and
measuring the reader.

`camt053` writes an ISO 20022 camt.053 statement in the 001.02 shape most Italian banks still
send, or the 001.08 one (the debtor's name under Pty, BICFI, a status code); `bank_csv` the
export of an online banking's movements, Italian ("it": Windows-1252, semicolons, "1.290,00",
dd/mm/yyyy) or English ("en"). Reading either back with `bankfiles.read_statement` gives the
same credits.
"""

import csv
import io
from xml.etree.ElementTree import Element, SubElement, tostring

from peerarmy.customers.importers.readers import currency_exponent

USTRD_LENGTH = 140
VERSIONS = ("001.02", "001.08")


def _amount(minor, currency, *, point=".", thousands=""):
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    text = f"{whole:,}".replace(",", thousands) if thousands else str(whole)
    if exponent:
        text += point + str(fraction).zfill(exponent)
    return sign + text


def _ustrd_lines(text):
    """The remittance cut into lines of at most 140 characters, at spaces where possible."""
    lines = []
    current = ""
    for word in text.split(" "):
        while len(word) > USTRD_LENGTH:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:USTRD_LENGTH])
            word = word[USTRD_LENGTH:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= USTRD_LENGTH:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _text(parent, tag, text, **attrs):
    elem = SubElement(parent, tag, attrs)
    elem.text = text
    return elem


def _path(parent, path, text=None, **attrs):
    """Make the elements of 'A/B/C' under `parent`; the last gets `text` and `attrs`."""
    names = path.split("/")
    for name in names[:-1]:
        parent = SubElement(parent, name)
    return _text(parent, names[-1], text, **attrs)


def _groups(credits, batch_every):
    """Consecutive credits of one day and currency, at most `batch_every` in a group."""
    size = batch_every if batch_every > 1 else 1
    group = []
    for credit in credits:
        if group and (
            len(group) == size
            or credit.booked_on != group[0].booked_on
            or credit.currency != group[0].currency
        ):
            yield group
            group = []
        group.append(credit)
    if group:
        yield group


def _status(ntry, v08, code="BOOK"):
    if v08:
        _path(ntry, "Sts/Cd", code)
    else:
        _text(ntry, "Sts", code)


def _bank_code(ntry, family, sub_family):
    code = SubElement(ntry, "BkTxCd")
    domain = SubElement(code, "Domn")
    _text(domain, "Cd", "PMNT")
    fmly = SubElement(domain, "Fmly")
    _text(fmly, "Cd", family)
    _text(fmly, "SubFmlyCd", sub_family)
    _path(code, "Prtry/Cd", "48")


def _tx_details(parent, credit, v08):
    tx = SubElement(parent, "TxDtls")
    refs = SubElement(tx, "Refs")
    if credit.bank_ref:
        _text(refs, "AcctSvcrRef", credit.bank_ref)
    _text(refs, "EndToEndId", credit.end_to_end_id or "NOTPROVIDED")
    amount = _amount(credit.amount_minor, credit.currency)
    if v08:
        _text(tx, "Amt", amount, Ccy=credit.currency)
        _text(tx, "CdtDbtInd", "CRDT")
    _path(tx, "AmtDtls/TxAmt/Amt", amount, Ccy=credit.currency)
    if credit.debtor_name or credit.debtor_iban:
        parties = SubElement(tx, "RltdPties")
        if credit.debtor_name:
            _path(parties, "Dbtr/Pty/Nm" if v08 else "Dbtr/Nm", credit.debtor_name)
        if credit.debtor_iban:
            _path(parties, "DbtrAcct/Id/IBAN", credit.debtor_iban)
    if credit.debtor_bic:
        bic = "BICFI" if v08 else "BIC"
        _path(tx, f"RltdAgts/DbtrAgt/FinInstnId/{bic}", credit.debtor_bic)
    if credit.remittance or credit.reference:
        info = SubElement(tx, "RmtInf")
        for line in _ustrd_lines(credit.remittance):
            _text(info, "Ustrd", line)
        if credit.reference:
            creditor_ref = _path(info, "Strd/CdtrRefInf")
            _path(creditor_ref, "Tp/CdOrPrtry/Cd", "SCOR")
            _text(creditor_ref, "Ref", credit.reference)
    return tx


def camt053(
    credits,
    *,
    account_iban,
    statement_id="STMT-1",
    version="001.02",
    debits=0,
    batch_every=0,
):
    """A camt.053 statement of `account_iban` holding `credits` (and `debits` debit entries).

    With `batch_every=N`, up to N credits of the same day and currency come as one batch entry
    with a transaction detail for each. Credits keep their `bank_ref` as the transaction's
    AcctSvcrRef, so reading the file back gives the same `bank_ref`s.
    """
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}")
    v08 = version == "001.08"
    currency = credits[0].currency if credits else "EUR"
    last_day = max((credit.booked_on for credit in credits), default=None)
    day = last_day.isoformat() if last_day else "2024-01-01"
    stamp = f"{day}T18:00:00"

    document = Element("Document", xmlns=f"urn:iso:std:iso:20022:tech:xsd:camt.053.{version}")
    message = SubElement(document, "BkToCstmrStmt")
    header = SubElement(message, "GrpHdr")
    _text(header, "MsgId", f"MSG-{statement_id}")
    _text(header, "CreDtTm", stamp)
    stmt = SubElement(message, "Stmt")
    _text(stmt, "Id", statement_id)
    _text(stmt, "ElctrncSeqNb", "1")
    _text(stmt, "CreDtTm", stamp)
    acct = SubElement(stmt, "Acct")
    _path(acct, "Id/IBAN", account_iban)
    _text(acct, "Ccy", currency)

    debit_minor = 1000
    credit_total = sum(c.amount_minor for c in credits if c.currency == currency)
    closing = credit_total - debit_minor * debits
    for code, value in (("OPBD", 0), ("CLBD", closing)):
        bal = SubElement(stmt, "Bal")
        _path(bal, "Tp/CdOrPrtry/Cd", code)
        _text(bal, "Amt", _amount(abs(value), currency), Ccy=currency)
        _text(bal, "CdtDbtInd", "CRDT" if value >= 0 else "DBIT")
        _path(bal, "Dt/Dt", day)

    number = 0
    debits_left = debits

    def debit_entry():
        nonlocal number
        number += 1
        ntry = SubElement(stmt, "Ntry")
        _text(ntry, "NtryRef", f"{number:06d}")
        _text(ntry, "Amt", _amount(debit_minor, currency), Ccy=currency)
        _text(ntry, "CdtDbtInd", "DBIT")
        _status(ntry, v08)
        _path(ntry, "BookgDt/Dt", day)
        _path(ntry, "ValDt/Dt", day)
        _text(ntry, "AcctSvcrRef", f"{statement_id}-D{number}")
        _bank_code(ntry, "ICDT", "ESCT")
        _path(ntry, "NtryDtls/TxDtls/Refs/EndToEndId", f"PAY-{number}")

    for group in _groups(credits, batch_every):
        number += 1
        ntry = SubElement(stmt, "Ntry")
        _text(ntry, "NtryRef", f"{number:06d}")
        total = sum(credit.amount_minor for credit in group)
        _text(ntry, "Amt", _amount(total, group[0].currency), Ccy=group[0].currency)
        _text(ntry, "CdtDbtInd", "CRDT")
        _status(ntry, v08)
        _path(ntry, "BookgDt/Dt", group[0].booked_on.isoformat())
        _path(ntry, "ValDt/Dt", group[0].booked_on.isoformat())
        if len(group) == 1 and group[0].bank_ref:
            _text(ntry, "AcctSvcrRef", group[0].bank_ref)
        elif len(group) > 1:
            _text(ntry, "AcctSvcrRef", f"{statement_id}-B{number}")
        _bank_code(ntry, "RCDT", "ESCT")
        details = SubElement(ntry, "NtryDtls")
        if len(group) > 1:
            batch = SubElement(details, "Btch")
            _text(batch, "NbOfTxs", str(len(group)))
        for credit in group:
            _tx_details(details, credit, v08)
        if debits_left:
            debits_left -= 1
            debit_entry()
    for _ in range(debits_left):
        debit_entry()
    return tostring(document, encoding="utf-8", xml_declaration=True)


_IT_HEADER = ["Data contabile", "Data valuta", "Importo", "Divisa", "Descrizione", "Ordinante"]
_EN_HEADER = ["Date", "Amount", "Currency", "Description", "Name", "IBAN"]


def bank_csv(credits, *, style="it"):
    """The credits as an online banking's CSV export of the account's movements."""
    text = io.StringIO()
    if style == "it":
        writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow(_IT_HEADER)
        for credit in credits:
            day = credit.booked_on.strftime("%d/%m/%Y")
            writer.writerow(
                [
                    day,
                    day,
                    _amount(credit.amount_minor, credit.currency, point=",", thousands="."),
                    credit.currency,
                    credit.remittance,
                    credit.debtor_name,
                ]
            )
        return text.getvalue().encode("cp1252", errors="replace")
    if style == "en":
        writer = csv.writer(text, delimiter=",", lineterminator="\n")
        writer.writerow(_EN_HEADER)
        for credit in credits:
            writer.writerow(
                [
                    credit.booked_on.isoformat(),
                    _amount(credit.amount_minor, credit.currency),
                    credit.currency,
                    credit.remittance,
                    credit.debtor_name,
                    credit.debtor_iban,
                ]
            )
        return text.getvalue().encode("utf-8")
    raise ValueError("style must be 'it' or 'en'")
