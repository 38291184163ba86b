"""The SEPA bank file a business uploads to pay its peers: valid for the bank, or refused
before it gets there, naming the transfer at fault."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.errors import ValidationFailed
from peerarmy.rewards.sepa import (
    CreditTransfer,
    Debtor,
    credit_transfer_file,
    sepa_text,
    summary,
    validate_pain001,
)

PAY_ON = date(2026, 12, 1)
SHOP = Debtor(name="Bottega Rossi S.r.l.", iban="IT60 X054 2811 1010 0000 0123 456")
IBANS = [
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "ES9121000418450200051332",
    "NL91ABNA0417164300",
    "IT60X0542811101000000123456",
]


def transfer(n=1, **changes):
    fields = {
        "end_to_end_id": f"PA-2026-11-{n:04d}",
        "name": f"Peer {n}",
        "iban": IBANS[n % len(IBANS)],
        "bic": "",
        "amount_minor": 1000 * n,
        "currency": "EUR",
        "remittance": "Premio peerarmy novembre 2026",
    }
    return CreditTransfer(**(fields | changes))


def bank_file(transfers, **kwargs):
    kwargs.setdefault("message_id", "PA-2026-11-25-001")
    kwargs.setdefault("execution_date", PAY_ON)
    return credit_transfer_file(SHOP, transfers, **kwargs)


def refusal(transfers, **kwargs):
    with pytest.raises(ValidationFailed) as caught:
        bank_file(transfers, **kwargs)
    return caught.value


def test_a_file_of_three_transfers_is_valid_and_holds_exactly_those_transfers():
    # given three peers to pay
    transfers = [
        transfer(1, amount_minor=2_500),
        transfer(2, amount_minor=1),
        transfer(3, amount_minor=123_456_78, bic="COBADEFFXXX"),
    ]

    # when
    xml = bank_file(transfers)

    # then the bank's schema accepts it, and it asks for those three payments and nothing else
    validate_pain001(xml)
    held = summary(xml)
    assert held["message_id"] == "PA-2026-11-25-001"
    assert held["nb_of_txs"] == 3
    assert held["ctrl_sum_minor"] == 2_500 + 1 + 123_456_78
    assert held["transfers"] == [(t.end_to_end_id, t.iban, t.amount_minor) for t in transfers]
    # paid from the shop's account, on the day asked, as a SEPA transfer in euros
    assert b"<IBAN>IT60X0542811101000000123456</IBAN>" in xml
    assert b"<ReqdExctnDt>2026-12-01</ReqdExctnDt>" in xml
    assert b"<Cd>SEPA</Cd>" in xml
    assert b'<InstdAmt Ccy="EUR">123456.78</InstdAmt>' in xml
    assert b'<InstdAmt Ccy="EUR">0.01</InstdAmt>' in xml
    assert b"<BIC>COBADEFFXXX</BIC>" in xml


def test_without_batch_booking_every_transfer_is_its_own_payment():
    xml = bank_file([transfer(1), transfer(2)], batch=False)

    assert xml.count(b"<PmtInf>") == 2
    assert b"<BtchBookg>false</BtchBookg>" in xml
    held = summary(xml)
    assert held["nb_of_txs"] == 2
    assert held["ctrl_sum_minor"] == 3000


def test_with_batch_booking_the_transfers_are_one_payment_on_the_statement():
    xml = bank_file([transfer(1), transfer(2)])

    assert xml.count(b"<PmtInf>") == 1
    assert b"<BtchBookg>true</BtchBookg>" in xml


def test_names_and_reasons_are_transliterated_to_the_sepa_characters():
    # given a peer with an Italian name and a reason with typographic characters
    peer = transfer(name="Niccolò Bàrberi", remittance="Premio “ottobre” – grazie! 🎉")
    shop = replace(SHOP, name="Caffè Müller & Figli")

    # when
    xml = credit_transfer_file(shop, [peer], message_id="M1", execution_date=PAY_ON)

    # then
    assert b"<Nm>Niccolo Barberi</Nm>" in xml
    assert b'<Ustrd>Premio "ottobre" - grazie</Ustrd>' not in xml  # quotes are not SEPA
    assert b"<Ustrd>Premio ottobre - grazie</Ustrd>" in xml
    assert b"<Nm>Caffe Muller + Figli</Nm>" in xml
    validate_pain001(xml)


def test_sepa_text_keeps_only_the_sepa_characters_and_the_length():
    assert sepa_text("  D’Angelo   & Ørsted\tßtraße ", 70) == "D'Angelo + Orsted sstrasse"
    assert sepa_text("x" * 100, 70) == "x" * 70
    assert sepa_text("😀😀", 70) == ""


def test_a_transfer_in_another_currency_is_refused_naming_it():
    # given a reward recorded in Swiss francs among euro ones
    francs = transfer(2, name="Heidi Meier", currency="CHF")

    # when
    error = refusal([transfer(1), francs])

    # then
    assert "PA-2026-11-0002" in str(error.message)
    assert "Heidi Meier" in str(error.message)
    assert "CHF" in str(error.message)
    assert error.field == "currency"


def test_a_file_with_no_transfers_is_refused():
    error = refusal([])

    assert error.field == "transfers"


def test_a_transfer_to_a_mistyped_iban_is_refused_naming_the_transfer_and_why():
    typo = transfer(3, name="Giulia Bianchi", iban="IT60X0542811101000000123457")

    error = refusal([transfer(1), typo])

    assert "PA-2026-11-0003" in str(error.message)
    assert "Giulia Bianchi" in str(error.message)
    assert "check digits are wrong" in str(error.message)
    assert error.field == "iban"


def test_a_transfer_to_an_account_outside_sepa_is_refused():
    error = refusal([transfer(iban="BR1800360305000010009795493C1")])

    assert "BR" in str(error.message)


def test_a_wrong_debtor_account_is_refused_on_the_debtor_field():
    shop = replace(SHOP, iban="IT60X0542811101000000123457")

    with pytest.raises(ValidationFailed) as caught:
        credit_transfer_file(shop, [transfer()], message_id="M1", execution_date=PAY_ON)

    assert caught.value.field == "debtor_iban"


@pytest.mark.parametrize("amount", [0, -100, 100_000_000_000])
def test_an_amount_outside_what_sepa_allows_is_refused(amount):
    error = refusal([transfer(amount_minor=amount)])

    assert error.field == "amount_minor"


def test_an_amount_that_is_not_whole_cents_is_a_programming_error():
    with pytest.raises(TypeError):
        bank_file([transfer(amount_minor=10.5)])


def test_the_largest_sepa_amount_is_accepted():
    xml = bank_file([transfer(amount_minor=99_999_999_999)])

    assert summary(xml)["ctrl_sum_minor"] == 99_999_999_999


@pytest.mark.parametrize(
    "bad_id", ["", "x" * 36, "PA_2026", "/PA-1", "PA-1/", "PA//1", "PA-1 €", "PÀ-1"]
)
def test_identifiers_must_be_1_to_35_sepa_characters(bad_id):
    assert refusal([transfer(end_to_end_id=bad_id)]).field == "end_to_end_id"
    assert refusal([transfer()], message_id=bad_id).field == "message_id"


def test_the_longest_identifiers_are_accepted():
    xml = bank_file([transfer(end_to_end_id="E" * 35)], message_id="M" * 35)

    held = summary(xml)
    assert held["message_id"] == "M" * 35
    assert held["transfers"][0][0] == "E" * 35


def test_two_transfers_with_the_same_end_to_end_id_are_refused():
    error = refusal([transfer(1), transfer(2, end_to_end_id="PA-2026-11-0001")])

    assert "PA-2026-11-0001" in str(error.message)
    assert error.field == "end_to_end_id"


def test_a_name_or_reason_with_nothing_left_for_the_bank_is_refused():
    assert refusal([transfer(name="🎉")]).field == "name"
    assert refusal([transfer(remittance="  ")]).field == "remittance"


def test_a_wrong_bic_is_refused_and_a_missing_one_is_fine():
    assert refusal([transfer(bic="COBADEFF1")]).field == "bic"
    validate_pain001(bank_file([transfer(bic="")]))


def test_a_datetime_is_not_an_execution_date():
    from datetime import datetime

    with pytest.raises(TypeError):
        bank_file([transfer()], execution_date=datetime(2026, 12, 1, 9, 0))


def test_a_file_changed_after_generation_no_longer_validates():
    xml = bank_file([transfer()])
    tampered = xml.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>one</NbOfTxs>", 1)

    with pytest.raises(ValueError, match="NbOfTxs"):
        validate_pain001(tampered)
    with pytest.raises(ValueError):
        summary(tampered)


@pytest.mark.parametrize(
    "not_a_file",
    [
        b"",
        b"not xml at all",
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>',
        # entity expansion ("billion laughs") is refused before anything is expanded
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]><Document>&a;</Document>',
    ],
)
def test_anything_but_a_pain001_document_is_refused(not_a_file):
    with pytest.raises(ValueError):
        validate_pain001(not_a_file)


names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ àèéìòùÀÈÉÌÒÙçñßøåäöüæœ'-.,&",
    min_size=1,
    max_size=90,
).filter(lambda name: any(c.isalpha() for c in name))


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(names, st.sampled_from(IBANS), st.integers(1, 10**9)),
        min_size=1,
        max_size=50,
    ),
    st.booleans(),
)
def test_any_list_of_transfers_makes_a_valid_file_whose_total_is_their_sum(rows, batch):
    # given
    transfers = [
        CreditTransfer(
            end_to_end_id=f"PA-{i}",
            name=name,
            iban=iban,
            bic="",
            amount_minor=amount,
            currency="EUR",
            remittance=f"Premio {name}",
        )
        for i, (name, iban, amount) in enumerate(rows)
    ]

    # when
    xml = bank_file(transfers, batch=batch)

    # then
    validate_pain001(xml)
    held = summary(xml)
    assert held["nb_of_txs"] == len(transfers)
    assert held["ctrl_sum_minor"] == sum(t.amount_minor for t in transfers)
    assert held["transfers"] == [(t.end_to_end_id, t.iban, t.amount_minor) for t in transfers]
