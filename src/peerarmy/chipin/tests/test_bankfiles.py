"""Reading the statements staff upload: CAMT files and online banking's CSV exports."""

import dataclasses
import io
import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.chipin.bankfiles import BankCredit, StatementUnreadable, read_statement
from peerarmy.chipin.references import find_rf, format_rf, rf_reference
from peerarmy.chipin.statement_files import bank_csv, camt053

ACCOUNT = "IT60X0542811101000000123456"
NOT_A_STATEMENT = "This is not a bank statement: upload the CAMT.053 (XML) file"
NS02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def credit(n=1, **fields):
    values = {
        "line": n,
        "bank_ref": f"2025030100{n:04d}",
        "booked_on": date(2025, 3, 1),
        "amount_minor": 2500,
        "currency": "EUR",
        "debtor_name": "Giulia Bianchi",
        "debtor_iban": "IT02A0301503200000003517230",
        "debtor_bic": "BCITITMM",
        "reference": "",
        "remittance": "Quota colletta",
        "end_to_end_id": f"E2E-{n}",
    }
    values.update(fields)
    return BankCredit(**values)


# --- random credits ----------------------------------------------------------------------

# Characters Windows-1252 holds (the Italian CSV), no line breaks.
TEXT = string.ascii_letters + string.digits + "àèéìòùÀÈÉçñ'.,;:&<>\"/()+-*?!"
words = st.text(alphabet=TEXT, min_size=1, max_size=30)
phrases = st.lists(words, min_size=1, max_size=12).map(" ".join)
ibans = st.sampled_from(["", "IT02A0301503200000003517230", "DE89370400440532013000"])
bics = st.sampled_from(["", "BCITITMM", "DEUTDEFFXXX"])


@st.composite
def credits_lists(draw, max_size=12):
    count = draw(st.integers(min_value=0, max_value=max_size))
    days = [date(2025, 3, 1), date(2025, 3, 2)]
    result = []
    for n in range(1, count + 1):
        remittance = draw(st.one_of(st.just(""), phrases))
        reference = ""
        how = draw(st.sampled_from(["none", "structured", "in text"]))
        if how != "none":
            reference = rf_reference(draw(st.text(alphabet=string.digits, min_size=1, max_size=21)))
        if how == "in text":
            remittance = f"{remittance} {format_rf(reference)}".strip()
        if not reference:
            reference = find_rf(remittance) or ""
        result.append(
            BankCredit(
                line=n,
                bank_ref=f"ASR{n}-{draw(st.text(alphabet=string.ascii_uppercase, max_size=8))}",
                booked_on=draw(st.sampled_from(days)),
                amount_minor=draw(st.integers(min_value=1, max_value=10**11)),
                currency=draw(st.sampled_from(["EUR", "EUR", "JPY", "CHF"])),
                debtor_name=draw(st.one_of(st.just(""), phrases.map(lambda s: s[:70].strip()))),
                debtor_iban=draw(ibans),
                debtor_bic=draw(bics),
                reference=reference,
                remittance=remittance,
                end_to_end_id=draw(st.one_of(st.just(""), words.filter(str.isalnum))),
            )
        )
    return result


@settings(max_examples=60, deadline=None)
@given(
    credits_lists(),
    st.sampled_from(["001.02", "001.08"]),
    st.sampled_from([0, 2, 3]),
    st.integers(min_value=0, max_value=3),
)
def test_a_camt053_file_gives_back_its_credits(credits, version, batch_every, debits):
    data = camt053(
        credits,
        account_iban=ACCOUNT,
        statement_id="S-9",
        version=version,
        debits=debits,
        batch_every=batch_every,
    )
    statement = read_statement(data)
    assert statement.format == f"camt.053.{version}"
    assert statement.account_iban == ACCOUNT
    assert statement.statement_id == "S-9"
    assert statement.credits == credits
    assert statement.debits_skipped == debits
    assert statement.problems == []


@settings(max_examples=60, deadline=None)
@given(credits_lists(), st.sampled_from(["it", "en"]))
def test_a_bank_csv_gives_back_its_credits(credits, style):
    statement = read_statement(bank_csv(credits, style=style))
    expected = [
        dataclasses.replace(
            c,
            line=c.line + 1,  # the header is line 1
            debtor_iban=c.debtor_iban if style == "en" else "",
            debtor_bic="",
            end_to_end_id="",
            reference=find_rf(c.remittance) or "",
        )
        for c in credits
    ]
    got = [dataclasses.replace(c, bank_ref="") for c in statement.credits]
    assert got == [dataclasses.replace(c, bank_ref="") for c in expected]
    assert len({c.bank_ref for c in statement.credits}) == len(credits)
    assert statement.format == "csv"
    assert statement.problems == []


def test_reading_the_same_file_twice_gives_the_same_bank_refs():
    credits = [credit(n, bank_ref="") for n in (1, 2)]  # twins: same day, amount, payer, text
    for data in (camt053(credits, account_iban=ACCOUNT), bank_csv(credits)):
        first, again = read_statement(data), read_statement(io.BytesIO(data))
        refs = [c.bank_ref for c in first.credits]
        assert refs == [c.bank_ref for c in again.credits]
        assert len(set(refs)) == 2


def test_a_statement_is_read_from_a_path(tmp_path):
    path = tmp_path / "estratto.xml"
    path.write_bytes(camt053([credit()], account_iban=ACCOUNT))
    assert read_statement(path).credits == [credit()]
    assert read_statement(str(path)).credits == [credit()]


# --- CAMT as banks write it -----------------------------------------------------------------


def camt(entries, ns=NS02):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-03-02T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>2025-03-01</Id><Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def entry(amount="25.00", sign="CRDT", status="<Sts>BOOK</Sts>", extra="", details=""):
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>{extra}{status}'
        "<BookgDt><Dt>2025-03-01</Dt></BookgDt><ValDt><Dt>2025-03-01</Dt></ValDt>"
        f"<AcctSvcrRef>B-{amount}</AcctSvcrRef><NtryDtls>{details}</NtryDtls></Ntry>"
    )


def tx(amount=None, ustrd="", name="", ref=""):
    amt = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    party = f"<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr></RltdPties>" if name else ""
    strd = (
        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        f"<Ref>{ref}</Ref></CdtrRefInf></Strd>"
        if ref
        else ""
    )
    return (
        f"<TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>{amt}{party}"
        f"<RmtInf><Ustrd>{ustrd}</Ustrd>{strd}</RmtInf></TxDtls>"
    )


def test_only_booked_credits_count():
    data = camt(
        entry("10.00", details=tx(ustrd="Quota Anna"))
        + entry("99.00", sign="DBIT", details=tx(ustrd="Bolletta"))
        + entry("11.00", extra="<RvslInd>true</RvslInd>", details=tx(ustrd="Storno"))
        + entry("12.00", status="<Sts>PDNG</Sts>", details=tx(ustrd="In arrivo"))
        + entry("13.00", status="", details=tx(ustrd="Senza stato"))
    )
    statement = read_statement(data)
    assert [(c.amount_minor, c.remittance) for c in statement.credits] == [
        (1000, "Quota Anna"),
        (1300, "Senza stato"),
    ]
    assert [c.line for c in statement.credits] == [1, 2]
    assert statement.debits_skipped == 3
    assert statement.format == "camt.053.001.02"
    assert statement.statement_id == "2025-03-01"
    assert statement.credits[0].end_to_end_id == ""


def test_version_08_status_code_and_party():
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    details = (
        '<TxDtls><Amt Ccy="EUR">5.00</Amt><RltdPties><Dbtr><Pty><Nm>Luca Verdi</Nm></Pty>'
        "</Dbtr></RltdPties><RltdAgts><DbtrAgt><FinInstnId><BICFI>BCITITMM</BICFI>"
        "</FinInstnId></DbtrAgt></RltdAgts></TxDtls>"
    )
    data = camt(
        entry("5.00", status="<Sts><Cd>BOOK</Cd></Sts>", details=details)
        + entry("6.00", status="<Sts><Cd>PDNG</Cd></Sts>", details=details),
        ns=ns,
    )
    statement = read_statement(data)
    assert statement.format == "camt.053.001.08"
    (only,) = statement.credits
    assert (only.debtor_name, only.debtor_bic, only.amount_minor) == ("Luca Verdi", "BCITITMM", 500)
    assert statement.debits_skipped == 1


def test_a_batch_entry_gives_one_credit_per_payment():
    data = camt(
        entry("35.00", details=tx("10.00", "Anna", "Anna Neri") + tx("25.00", "Bruno", "Bruno Blu"))
        + entry("7.00", details=tx(ustrd="Carla"))
    )
    statement = read_statement(data)
    assert [(c.line, c.amount_minor, c.debtor_name, c.bank_ref) for c in statement.credits] == [
        (1, 1000, "Anna Neri", "B-35.00/1"),
        (2, 2500, "Bruno Blu", "B-35.00/2"),
        (3, 700, "", "B-7.00"),
    ]


def test_a_payment_of_a_batch_without_its_own_amount_is_a_problem():
    data = camt(entry("35.00", details=tx(ustrd="A") + tx("25.00", ustrd="B")))
    statement = read_statement(data)
    assert [c.remittance for c in statement.credits] == ["B"]
    assert statement.problems == [(1, "This payment in a batch entry has no amount of its own.")]


def test_a_mangled_reference_in_the_free_text_is_found():
    data = camt(
        entry("10.00", details=tx(ustrd="BONIFICO RIF:rf18-5390-0754 7034/QUOTA"))
        + entry("11.00", details=tx(ustrd="quota RF17 5390 0754 7034"))
        + entry("12.00", details=tx(ustrd="RF18 5390 0754 7034", ref="rf99 abc"))
    )
    refs = [c.reference for c in read_statement(data).credits]
    # The structured field wins when there is one, as the bank sent it.
    assert refs == ["RF18539007547034", "", "RF99ABC"]


def test_amounts_are_exact_in_minor_units():
    data = camt(
        entry("1290.5", details=tx(ustrd="A"))
        + entry("0.01", details=tx(ustrd="B"))
        + entry("10.001", details=tx(ustrd="C"))
        + entry("dieci", details=tx(ustrd="D"))
        + entry("3.00", details=tx(ustrd="E")).replace(
            "2025-03-01</Dt></BookgDt>", "2025-02-30</Dt></BookgDt>"
        )
        + '<Ntry><Amt Ccy="JPY">1500</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<BookgDt><Dt>2025-03-01</Dt></BookgDt></Ntry>"
    )
    statement = read_statement(data)
    assert [(c.line, c.amount_minor, c.currency) for c in statement.credits] == [
        (1, 129050, "EUR"),
        (2, 1, "EUR"),
        (6, 1500, "JPY"),
    ]
    assert [line for line, _message in statement.problems] == [3, 4, 5]


def test_camt_052_and_054_are_read_too():
    report = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrAcctRpt>'
        f"<Rpt><Id>R1</Id>{entry('4.00', details=tx(ustrd='X'))}</Rpt></BkToCstmrAcctRpt></Document>"
    )
    notice = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.13">'
        f"<BkToCstmrDbtCdtNtfctn><Ntfctn><Id>N1</Id>{entry('4.00', details=tx(ustrd='X'))}"
        "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    )
    for data, fmt, ident in ((report, "camt.052.001.02", "R1"), (notice, "camt.054.001.13", "N1")):
        statement = read_statement(data.encode())
        assert (statement.format, statement.statement_id) == (fmt, ident)
        assert [c.amount_minor for c in statement.credits] == [400]


# --- what is not a statement ---------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<Stmt><Id>&lol4;</Id></Stmt></BkToCstmrStmt></Document>"""


def test_a_billion_laughs_file_is_refused():
    with pytest.raises(StatementUnreadable) as caught:
        read_statement(BILLION_LAUGHS)
    assert caught.value.code == "statement_unreadable"
    assert caught.value.status == 400


def test_a_payment_order_is_not_a_statement():
    pain = (
        b'<?xml version="1.0" encoding="UTF-8"?><Document '
        b'xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>'
        b"<GrpHdr><MsgId>P1</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>"
    )
    with pytest.raises(StatementUnreadable) as caught:
        read_statement(pain)
    assert str(caught.value.message).startswith(NOT_A_STATEMENT)
    assert "CSV export" in str(caught.value.message)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        b"%PDF-1.7\n",
        b"",
        b"  \n",
    ],
    ids=["png", "jpeg", "pdf", "empty", "blank"],
)
def test_an_image_or_nothing_is_refused_in_words(data):
    with pytest.raises(StatementUnreadable) as caught:
        read_statement(data)
    assert "CAMT.053 (XML) file or the CSV export" in str(caught.value.message)


def test_broken_xml_is_refused_with_its_line():
    with pytest.raises(StatementUnreadable) as caught:
        read_statement(camt(entry())[:-40] + b"\n<Ntry>")
    assert "damaged at line" in str(caught.value.message)


def test_an_excel_workbook_is_refused_with_what_to_do():
    with pytest.raises(StatementUnreadable) as caught:
        read_statement(b"PK\x03\x04" + b"\x00" * 40)
    assert "Save as → CSV" in str(caught.value.message)


def test_a_csv_without_date_or_amount_names_the_columns():
    with pytest.raises(StatementUnreadable) as caught:
        read_statement(b"Nome;Cognome;Email\nAnna;Neri;a@example.com\n")
    message = str(caught.value.message)
    assert "“Nome”, “Cognome”, “Email”" in message
    assert "Data contabile" in message and "Importo" in message


# --- CSV as banks export it ----------------------------------------------------------------

ITALIAN = (
    "Data contabile;Data valuta;Importo;Divisa;Descrizione;Ordinante\r\n"
    "01/03/2025;01/03/2025;1.290,00;EUR;BONIFICO SEPA QUOTA RF18 5390 0754 7034;Niccolò Città\r\n"
    "02/03/2025;02/03/2025;-50,00;EUR;Bolletta luce;\r\n"
    "03/03/2025;03/03/2025;dieci euro;EUR;Errore;Mario\r\n"
    "04/03/2025;04/03/2025;25,00;EUR;Quota cena;Anna Neri\r\n"
    "31/02/2025;04/03/2025;25,00;EUR;Data sbagliata;Anna Neri\r\n"
)


def test_an_italian_excel_csv():
    statement = read_statement(ITALIAN.encode("cp1252"))
    assert [(c.line, c.amount_minor, c.debtor_name, c.reference) for c in statement.credits] == [
        (2, 129000, "Niccolò Città", "RF18539007547034"),
        (5, 2500, "Anna Neri", ""),
    ]
    assert statement.credits[0].booked_on == date(2025, 3, 1)
    assert statement.credits[0].remittance == "BONIFICO SEPA QUOTA RF18 5390 0754 7034"
    assert statement.debits_skipped == 1
    assert [line for line, _message in statement.problems] == [4, 6]
    assert "dieci euro" in statement.problems[0][1]
    assert (statement.format, statement.account_iban, statement.statement_id) == ("csv", "", "")


def test_a_csv_with_credit_and_debit_columns():
    data = (
        b"Data operazione;Data valuta;Dare;Avere;Causale;Descrizione;Nome ordinante;IBAN ordinante\n"
        b"01.03.2025;01.03.2025;;30,00;Bonifico;Quota RF18539007547034;Anna;IT02 A030 1503 2000 0000 3517 230\n"
        b"02.03.2025;02.03.2025;12,00;;Addebito;Bolletta;;\n"
    )
    statement = read_statement(data)
    (only,) = statement.credits
    assert only.amount_minor == 3000
    assert only.remittance == "Bonifico Quota RF18539007547034"
    assert only.reference == "RF18539007547034"
    assert only.debtor_iban == "IT02A0301503200000003517230"
    assert only.booked_on == date(2025, 3, 1)
    assert statement.debits_skipped == 1


def test_an_english_csv_with_a_currency_and_iso_dates():
    data = (
        b"Booking date,Value date,Amount,Currency,Reference,Counterparty,Counterparty IBAN\n"
        b'2025-03-01,2025-03-02,"1,290.00",EUR,RF18 5390 0754 7034,Anna,DE89370400440532013000\n'
        b"2025-03-01,2025-03-02,1500,JPY,Gift,Ken,\n"
    )
    statement = read_statement(data)
    assert [(c.amount_minor, c.currency) for c in statement.credits] == [
        (129000, "EUR"),
        (1500, "JPY"),
    ]
    assert statement.credits[0].debtor_iban == "DE89370400440532013000"


def test_many_credits_in_batches_and_not():
    """Not timed (the engineer measured 20,000 credits by hand): every credit comes back."""
    credits = [
        credit(n, amount_minor=100 + n, reference=rf_reference(n), bank_ref=f"R{n}")
        for n in range(1, 2001)
    ]
    for batch_every in (0, 5):
        data = camt053(credits, account_iban=ACCOUNT, batch_every=batch_every, debits=10)
        statement = read_statement(data)
        assert statement.credits == credits
        assert statement.debits_skipped == 10
