"""`peerarmy ledger export` writes books that hledger reads and finds balanced, and CSV with one
row per entry; `peerarmy ledger check` passes sound books and names the first violation of
broken ones."""

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from peerarmy.rewards import export, ledger, payouts, services
from peerarmy.rewards.models import Account, BatchKind, Entry, PeerRewardChoice, Voucher
from peerarmy.tenancy.tests.factories import PeerFactory

from .factories import (
    IBANS,
    CauseFactory,
    RuleFactory,
    change_program_rewards,
    change_settings,
    choose_form,
    convert,
    correct,
    give_back,
    occurrence,
    prepare,
    redeem,
    set_bank,
)

pytestmark = pytest.mark.django_db

HLEDGER = shutil.which("hledger")
needs_hledger = pytest.mark.skipif(HLEDGER is None, reason="hledger is not installed")
LEDGER = shutil.which("ledger")
needs_ledger = pytest.mark.skipif(LEDGER is None, reason="ledger-cli is not installed")


@pytest.fixture
def books(business, owner, staff, peer, program):
    """A month of a shop's rewards: cash, points, shop credit and a donation; a voucher partly
    redeemed; points converted; a payout sent, paid, and another returned; a correction."""
    change_settings(
        business,
        owner,
        debtor_name="Bici Gialla srl",
        debtor_iban=IBANS[1],
        payout_minimum_minor=1000,
        points_per_euro=100,
    )
    change_program_rewards(
        business, owner, program, peer_chooses=True, monthly_budget_minor=100_000
    )
    cause = CauseFactory(business=business)
    RuleFactory(program=program, amount=1500)
    RuleFactory(program=program, reward="points", amount=0, from_event=True)
    credit, giver, points = (PeerFactory(business=business) for _ in range(3))
    choose_form(credit, form=PeerRewardChoice.Form.CREDIT)
    choose_form(giver, form=PeerRewardChoice.Form.DONATION, cause=cause)
    choose_form(points, form=PeerRewardChoice.Form.POINTS)
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    for someone in (peer, peer, peer, credit, giver, points):
        services.handle(business, occurrence(someone, program, points=120))

    voucher = Voucher.objects.get(peer=credit)
    redeem(business, staff, voucher.code, 600)
    convert(points, 1500 + 120)
    wrong = services.handle(business, occurrence(peer, program, points=0))[0]
    correct(business, owner, wrong.transaction_id, memo="Block cancelled")

    for kind in (BatchKind.PEERS, BatchKind.DONATIONS):
        batch, _skipped = prepare(business, staff, kind=kind)
        payouts.approve_batch(business, owner, batch.pk)
        payouts.mark_sent(business, staff, batch.pk)
        payouts.mark_paid(business, staff, batch.pk)
    (returned,) = batch.payouts.all()  # the cause's bank sent the donation back
    give_back(business, staff, returned.pk, reason="Account closed")
    return business


def export_to(business, path, fmt):
    call_command(
        "ledger",
        "export",
        "--business",
        business.slug,
        "--format",
        fmt,
        "--output",
        str(path),
        stderr=io.StringIO(),
    )
    return path


def hledger(*args):
    done = subprocess.run(  # noqa: S603 - a fixed program and arguments
        [HLEDGER, *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_hledger
def test_hledger_reads_the_journal_and_every_unit_totals_zero(books, tmp_path):
    journal = str(export_to(books, tmp_path / "books.journal", "ledger"))

    # every transaction balances and every account is declared
    hledger("-f", journal, "check", "accounts")
    rows = list(csv.reader(io.StringIO(hledger("-f", journal, "balance", "-O", "csv"))))
    assert rows[-1][0] == "total"
    assert rows[-1][1] == "0", rows  # EUR and points alike

    # hledger's balance of each account is the ledger's (an account name may hold two units)
    ours = {}
    for account in Account.objects.filter(business=books).order_by("unit"):
        if cents := ledger.balance(account.business_id, account.pk):
            ours.setdefault(account.name, []).append(export._amount(cents, account.unit))
    theirs = {
        row[0]: row[1]
        for row in csv.reader(io.StringIO(hledger("-f", journal, "balance", "-N", "-O", "csv")))
        if row[0] != "account"
    }
    assert theirs == {name: ", ".join(amounts) for name, amounts in ours.items()}
    assert len(theirs) > 8  # peers, vouchers, the cause, the bank...


@needs_hledger
def test_the_journal_holds_every_transaction_with_its_cause(books, tmp_path):
    journal = str(export_to(books, tmp_path / "books.journal", "ledger"))

    register = hledger("-f", journal, "print", "-O", "csv")

    entries = [r for r in csv.DictReader(io.StringIO(register))]
    assert len(entries) == Entry.objects.filter(business=books).count()
    assert any("Block cancelled" in r["description"] for r in entries)


def test_a_budget_is_a_periodic_transaction_that_ledger_cli_reads_too(books, program, tmp_path):
    """ledger-cli reads everything after `~` as the period ("Unexpected date period token
    'budget'"): the budget's program is named in a comment line, and the period stands alone."""
    lines = export_to(books, tmp_path / "books.journal", "ledger").read_text().splitlines()

    at = lines.index(f"; budget of program {program.pk}")
    assert lines[at + 1 : at + 4] == [
        "~ monthly",
        f"    expenses:rewards:program-{program.pk}  1000.00 EUR",
        "    assets:bank",
    ]
    assert not [line for line in lines if line.startswith("~") and line != "~ monthly"]


@needs_ledger
def test_ledger_cli_reads_the_journal_with_its_budget_and_finds_it_balanced(
    books, program, tmp_path
):
    """The docs promise both tools: ledger-cli reads the same journal (budget included) with
    no error, and every unit's accounts total zero."""
    journal = str(export_to(books, tmp_path / "books.journal", "ledger"))

    def ledger_cli(*args):
        done = subprocess.run(  # noqa: S603 - a fixed program and arguments
            [LEDGER, "-f", journal, *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0 and not done.stderr, done.stderr
        return done.stdout

    # every transaction balances, so the books total zero (the last line of the balance)
    assert ledger_cli("balance").splitlines()[-1].strip() == "0"
    assert len(ledger_cli("print").split("\n\n")) >= 8
    # the budget is read as ledger-cli's periodic transaction: spent minus the month's budget
    account = f"expenses:rewards:program-{program.pk}"
    euros = ["-l", "commodity == 'EUR'"]
    spent = ledger_cli("balance", account, *euros).split()[0]
    left = ledger_cli("--budget", "--monthly", "balance", account, *euros).split()[0]
    assert Decimal(left) == Decimal(spent) - 1000


@needs_hledger
def test_hledger_reads_the_budget(books, program, tmp_path):
    journal = str(export_to(books, tmp_path / "books.journal", "ledger"))

    budget = hledger("-f", journal, "balance", "--budget", "-M", "-N", "expenses:rewards")

    assert f"expenses:rewards:program-{program.pk}" in budget
    assert "1000.00 EUR" in budget


def test_the_csv_has_a_header_and_one_row_per_entry(books, tmp_path):
    path = export_to(books, tmp_path / "books.csv", "csv")

    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))

    assert rows[0] == export.CSV_HEADER
    assert len(rows) - 1 == Entry.objects.filter(business=books).count()
    totals = {}
    for row in rows[1:]:
        record = dict(zip(rows[0], row, strict=True))
        totals[record["unit"]] = totals.get(record["unit"], 0) + int(record["amount_minor"])
    assert totals == {"EUR": 0, "PTS": 0}
    assert any(r[rows[0].index("memo")] == "Block cancelled" for r in rows[1:])


def test_ledger_check_passes_sound_books(books):
    out = io.StringIO()

    call_command("ledger", "check", "--business", books.slug, stdout=out)

    assert "passed" in out.getvalue()


def test_ledger_check_fails_naming_the_first_violation(books, peer):
    # a running balance changed behind the ledger's back: the one table raw SQL can change
    account = Account.objects.get(business=books, name=ledger.peer_payable(peer.pk, "EUR").name)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rewards_balance SET amount = amount - 100 WHERE account_id = %s",
            [account.pk],
        )
    err = io.StringIO()

    with pytest.raises(SystemExit) as failed:
        call_command("ledger", "check", "--business", books.slug, stderr=err)

    assert failed.value.code == 1
    assert account.name in err.getvalue()
    assert "differs from its entries' sum" in err.getvalue()


def test_ledger_check_of_an_unknown_business_says_so(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no-such-shop"):
        call_command("ledger", "check", "--business", "no-such-shop")
