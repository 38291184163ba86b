"""Reconciling the bank's statement with the pledges, as staff upload it: credits matched by
their RF reference (structured, or mangled in the free text), suggested by amount and name,
paid twice or too much (the extra owed back to the payer's IBAN), for nothing, in another
currency; the same file twice and two statements that overlap change nothing the second time;
a CSV export reconciles like the CAMT file. The books stay sound throughout."""

import pytest

from peerarmy.chipin import reconcile, selectors
from peerarmy.chipin.inputs import CreditDecisionInput
from peerarmy.chipin.models import CreditStatus, PledgeStatus
from peerarmy.chipin.statement_files import bank_csv
from peerarmy.errors import InvalidTransition
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Refund, Transaction
from peerarmy.tenancy.tests.factories import UserFactory

from .helpers import (
    OTHER_IBAN,
    PAYER_IBAN,
    chipin_program,
    credit,
    pledge,
    start,
    statement,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(business, owner):
    program = chipin_program(business, owner, match_percent=0, min_pledge_minor=500)
    return start(business, UserFactory(), program, goal=100_000)


def status_of(business, the_pledge):
    the_pledge.refresh_from_db()
    return the_pledge.status, the_pledge.received_minor


def mangled(reference):
    """The reference as a payer types it into the free text: lower case, cut by dashes."""
    body = reference.lower()
    return "regalo per giulia, causale:" + "-".join(body[i : i + 4] for i in range(0, len(body), 4))


def ledger_rows(business):
    return Transaction.objects.filter(business=business).count()


def test_a_statement_of_every_kind_of_credit(business, owner, campaign):
    anna = pledge(business, campaign, 10_000, name="Anna Rossi").pledge
    marco = pledge(business, campaign, 12_000, name="Marco Bianchi").pledge
    lucia = pledge(business, campaign, 7_500, name="Lucia Ferrari").pledge
    paolo = pledge(business, campaign, 5_000, name="Paolo Conti").pledge
    elena = pledge(business, campaign, 6_000, name="Elena Galli").pledge
    sofia = pledge(business, campaign, 8_000, name="Sofia Moretti").pledge
    credits = [
        credit(10_000, reference=anna.reference, name="ROSSI ANNA"),
        credit(12_000, remittance=mangled(marco.reference), name="BIANCHI MARCO"),
        credit(7_500, name="FERRARI LUCIA MARIA", iban=OTHER_IBAN),  # no reference at all
        credit(5_000, reference=paolo.reference, name="CONTI PAOLO"),
        credit(5_000, reference=paolo.reference, name="CONTI PAOLO"),  # paid twice
        credit(6_500, reference=elena.reference, name="GALLI ELENA"),  # 5 € too much
        credit(4_321, name="NESSUNO SA", remittance="rata affitto"),  # for nothing
        credit(1_234, name="ALTRO", remittance="bonifico"),  # for nothing
        credit(8_000, reference=sofia.reference, name="MORETTI SOFIA", currency="USD"),
    ]
    data = statement(*credits)
    first = upload(business, owner, data)
    assert first.created
    done = first.value
    assert reconcile.summary(done).as_dict() == {
        "entries": 9,
        "matched": 3,
        "suggested": 1,
        "unmatched": 3,
        "duplicates": 2,
    }
    rows = list(selectors.credits(business, statement=done))
    by_line = {row.line: row for row in rows}
    assert [row.status for row in rows] == [
        CreditStatus.MATCHED,
        CreditStatus.MATCHED,
        CreditStatus.SUGGESTED,
        CreditStatus.MATCHED,
        CreditStatus.DUPLICATE,
        CreditStatus.DUPLICATE,
        CreditStatus.UNMATCHED,
        CreditStatus.UNMATCHED,
        CreditStatus.UNMATCHED,
    ]
    assert status_of(business, anna) == (PledgeStatus.RECEIVED, 10_000)
    assert anna.payer_iban == PAYER_IBAN
    assert status_of(business, marco) == (PledgeStatus.RECEIVED, 12_000)
    assert status_of(business, paolo) == (PledgeStatus.RECEIVED, 5_000)
    assert status_of(business, elena) == (PledgeStatus.RECEIVED, 6_000)
    assert status_of(business, sofia) == (PledgeStatus.AWAITING, 0)  # dollars: not taken
    assert status_of(business, lucia) == (PledgeStatus.AWAITING, 0)  # suggested only
    campaign.refresh_from_db()
    assert campaign.received_minor == 33_000
    assert campaign.pledge_count == 4

    refunds = {r.key: r for r in Refund.objects.filter(business=business)}
    twice = refunds[f"chipin-credit-{rows[4].pk}"]
    assert (twice.amount_minor, twice.iban, twice.email) == (5_000, PAYER_IBAN, paolo.email)
    extra = refunds[f"chipin-credit-{rows[5].pk}"]
    assert (extra.amount_minor, rows[5].applied_minor) == (500, 6_000)
    assert len(refunds) == 2
    assert check_business(business.pk) == []

    # the same file again: answered with the first upload, nothing new anywhere
    rows_before, ledger_before = len(selectors.credits(business)), ledger_rows(business)
    again = upload(business, owner, data, filename="the-same-again.xml")
    assert again.replayed and again.value.pk == done.pk
    assert len(selectors.credits(business)) == rows_before
    assert ledger_rows(business) == ledger_before
    campaign.refresh_from_db()
    assert campaign.received_minor == 33_000

    # staff decide what the statement could not
    suggested = by_line[3]
    assert suggested.suggested_pledge_id == lucia.pk
    accepted = reconcile.decide_credit(
        business, owner, suggested, CreditDecisionInput(action="accept")
    ).value
    assert (accepted.status, accepted.pledge_id, accepted.applied_minor) == (
        CreditStatus.MATCHED,
        lucia.pk,
        7_500,
    )
    assert status_of(business, lucia) == (PledgeStatus.RECEIVED, 7_500)
    assert lucia.payer_iban == OTHER_IBAN

    given_back = reconcile.decide_credit(
        business, owner, by_line[7], CreditDecisionInput(action="refund")
    ).value
    assert (given_back.status, given_back.returned_minor) == (CreditStatus.REFUNDED, 4_321)
    owed = Refund.objects.get(business=business, key=f"chipin-credit-{given_back.pk}")
    assert (owed.amount_minor, owed.iban, owed.holder) == (4_321, PAYER_IBAN, "NESSUNO SA")

    ignored = reconcile.decide_credit(
        business, owner, by_line[8], CreditDecisionInput(action="ignore")
    ).value
    assert ignored.status == CreditStatus.IGNORED
    assert ignored.decided_by == owner
    with pytest.raises(InvalidTransition):
        reconcile.decide_credit(business, owner, by_line[8], CreditDecisionInput(action="refund"))
    assert selectors.open_credits_count(business) == 1  # the dollars wait for a person

    campaign.refresh_from_db()
    assert campaign.received_minor == 40_500
    assert check_business(business.pk) == []


def test_two_statements_that_overlap_take_the_shared_credit_once(business, owner, campaign):
    anna = pledge(business, campaign, 10_000, name="Anna Rossi").pledge
    luca = pledge(business, campaign, 4_000, name="Luca Verdi").pledge
    sara = pledge(business, campaign, 3_000, name="Sara Neri").pledge
    shared = credit(10_000, reference=anna.reference, bank_ref="2024-SHARED-0001")
    week = statement(shared, credit(4_000, reference=luca.reference), statement_id="WEEK")
    month = statement(shared, credit(3_000, reference=sara.reference), statement_id="MONTH")
    assert week != month

    upload(business, owner, week)
    second = upload(business, owner, month).value
    assert second.already_seen == 1
    assert second.entries == 2 and second.matched == 1
    assert status_of(business, anna) == (PledgeStatus.RECEIVED, 10_000)
    assert status_of(business, sara) == (PledgeStatus.RECEIVED, 3_000)
    assert selectors.credits(business).filter(bank_ref="2024-SHARED-0001").count() == 1
    campaign.refresh_from_db()
    assert campaign.received_minor == 17_000
    assert not Refund.objects.filter(business=business).exists()
    assert check_business(business.pk) == []


@pytest.mark.parametrize("style", ["it", "en"])
def test_a_csv_export_reconciles_the_same(business, owner, campaign, style):
    anna = pledge(business, campaign, 10_000, name="Anna Rossi").pledge
    marco = pledge(business, campaign, 2_550, name="Marco Bianchi").pledge
    credits = [
        credit(10_000, remittance=f"Colletta {anna.reference} grazie", name="ROSSI ANNA"),
        credit(2_550, remittance=mangled(marco.reference), name="BIANCHI MARCO"),
        credit(900, remittance="commissioni", name="BANCA"),
    ]
    data = bank_csv(credits, style=style)
    done = upload(business, owner, data, filename=f"movimenti-{style}.csv").value
    assert done.format == "csv"
    assert reconcile.summary(done).as_dict() == {
        "entries": 3,
        "matched": 2,
        "suggested": 0,
        "unmatched": 1,
        "duplicates": 0,
    }
    assert status_of(business, anna) == (PledgeStatus.RECEIVED, 10_000)
    assert status_of(business, marco) == (PledgeStatus.RECEIVED, 2_550)
    assert (anna.payer_iban == PAYER_IBAN) == (style == "en")  # the Italian export has none
    assert upload(business, owner, data, filename="again.csv").replayed
    campaign.refresh_from_db()
    assert campaign.received_minor == 12_550
    assert check_business(business.pk) == []
