"""Every raw statement of the rewards app (`rewards/sql.py`) is filtered by business: run for
business A while business B has rows of its own (the same account names, the same keys, the same
month's budget), it neither reads nor changes B's rows, even when handed one of B's ids."""

from contextlib import contextmanager
from datetime import datetime

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from peerarmy.rewards import checks, ledger, selectors, services, sql
from peerarmy.rewards.ledger import Leg
from peerarmy.rewards.models import (
    Account,
    AccountKind,
    Balance,
    BudgetMonth,
    Entry,
    Reward,
    RewardEvent,
    RewardStatus,
    Transaction,
)
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory

from .factories import RuleFactory, change_program_rewards, change_settings, occurrence

pytestmark = pytest.mark.django_db


class Books:
    """One business's rewards: a peer paid twice by a program with a budget."""

    def __init__(self, business, owner):
        self.business = business
        self.peer = PeerFactory(business=business)
        self.program = ProgramFactory(business=business)
        change_settings(business, owner, points_per_euro=150)
        change_program_rewards(business, owner, self.program, monthly_budget_minor=100_000)
        self.rule = RuleFactory(program=self.program, amount=1500)
        self.when = timezone.now()
        for _ in range(2):
            services.handle(business, occurrence(self.peer, self.program, when=self.when))
        spec = ledger.peer_payable(self.peer.pk, "EUR")
        self.payable = ledger.accounts(business.pk, [spec])[spec]
        bank = ledger.house(AccountKind.BANK, "EUR")
        self.bank = ledger.accounts(business.pk, [bank])[bank]

    def rows(self):
        """Everything of this business the statements could touch."""
        business = self.business
        return (
            sorted(Balance.objects.filter(account__business=business).values_list("pk", "amount")),
            sorted(Entry.objects.filter(business=business).values_list("pk", "amount")),
            sorted(Transaction.objects.filter(business=business).values_list("pk", "key")),
            sorted(
                BudgetMonth.objects.filter(business=business).values_list(
                    "pk", "spent_minor", "quota_minor", "limit_minor"
                )
            ),
            sorted(RewardEvent.objects.filter(business=business).values_list("pk", "key")),
        )


@pytest.fixture
def a(business, owner):
    return Books(business, owner)


@pytest.fixture
def b(other_business, other_staff):
    return Books(other_business, other_staff)  # other_staff owns the other business


def _month(books):
    month = selectors.local_month(books.business, books.when)
    return BudgetMonth._meta.get_field("month").get_db_prep_save(month, connection)


def test_find_accounts(a, b):
    pairs = [("assets:bank", "EUR"), (f"liabilities:peers:{b.peer.pk}:payable", "EUR")]

    found = sql.find_accounts(a.business.pk, pairs)

    assert [row[0] for row in found] == [a.bank.id]


def test_account_balance(a, b):
    before = b.rows()

    assert sql.account_balance(a.business.pk, a.payable.id) == -3000
    assert sql.account_balance(a.business.pk, b.payable.id) == 0  # B's account: not read
    assert b.rows() == before


def test_shown_balances(a, b):
    pairs = [("assets:bank", "EUR"), (f"expenses:rewards:program-{b.program.pk}", "EUR")]
    b_expense = ledger.rewards_expense(b.program.pk, "EUR")
    ledger.accounts(a.business.pk, [ledger.house(AccountKind.BANK, "EUR")])

    shown = sql.shown_balances(a.business.pk, pairs)

    assert shown == [("assets:bank", "EUR", 0)]
    assert sql.shown_balances(b.business.pk, [(b_expense.name, "EUR")]) == [
        (b_expense.name, "EUR", 3000)
    ]


def test_add_to_balances(a, b):
    before = b.rows()

    refused = sql.add_to_balances(a.business.pk, [(b.payable.id, 0, 100, False)])
    done = sql.add_to_balances(a.business.pk, [(a.payable.id, 0, 100, False)])

    assert (refused, done) == (b.payable.id, None)
    assert b.rows() == before
    assert sql.account_balance(a.business.pk, a.payable.id) == -2900


def _post(books, key):
    return ledger.post(
        books.business.pk,
        key=key,
        kind="adjustment",
        legs=[Leg(books.bank, 700), Leg(books.payable, -700)],
    )


def test_transaction_by_key(a, b):
    theirs = _post(b, "the-same-cause")
    before = b.rows()

    assert sql.transaction_by_key(a.business.pk, "the-same-cause") is None
    ours = _post(a, "the-same-cause")  # B's posting of this cause is not A's

    assert ours.created and ours.transaction_id != theirs.transaction_id
    assert sql.transaction_by_key(a.business.pk, "the-same-cause") == ours.transaction_id
    assert b.rows() == before


def _transaction_values(key):
    now = timezone.now()
    return {
        "key": key,
        "kind": "adjustment",
        "reason": "",
        "reason_args": {},
        "memo": "",
        "peer_id": None,
        "program_id": None,
        "claim_id": None,
        "reverses_id": None,
        "actor_id": None,
        "occurred_at": now,
        "created_at": now,
    }


def test_insert_transaction(a, b):
    _post(b, "the-same-cause")
    before = b.rows()

    # (the test's transaction never commits: PostgreSQL's check of the entries waits for it)
    txn_id = sql.insert_transaction(a.business.pk, _transaction_values("the-same-cause"))

    written = Transaction.objects.get(pk=txn_id)
    assert (written.business_id, written.key) == (a.business.pk, "the-same-cause")
    with pytest.raises(ValueError):  # a row said to be B's is not written for A
        sql.insert_transaction(
            a.business.pk, {**_transaction_values("x"), "business_id": b.business.pk}
        )
    assert b.rows() == before


def _reward_values(books, key):
    reward = Reward.objects.filter(business=books.business).first()
    fields = [f for f in Reward._meta.concrete_fields if not f.primary_key]
    values = {f.attname: getattr(reward, f.attname) for f in fields}
    return {**values, "key": key, "transaction_id": None, "status": RewardStatus.HELD}


def test_insert_reward(a, b):
    theirs = Reward.objects.filter(business=b.business).first()
    b_rewards = sorted(Reward.objects.filter(business=b.business).values_list("pk", "key"))
    before = b.rows()

    reward_id = sql.insert_reward(a.business.pk, _reward_values(a, theirs.key))

    written = Reward.objects.get(pk=reward_id)
    assert (written.business_id, written.key) == (a.business.pk, theirs.key)
    with pytest.raises(ValueError):  # one of B's rewards cannot be written as A's
        sql.insert_reward(a.business.pk, _reward_values(b, "x"))
    assert sorted(Reward.objects.filter(business=b.business).values_list("pk", "key")) == (
        b_rewards
    )
    assert b.rows() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL posts in a function")
def test_post_on_database(a, b):
    _post(b, "cause")
    before = b.rows()
    values = {
        "key": "cause",
        "kind": "adjustment",
        "reason": "",
        "reason_args": {},
        "memo": "",
        "peer_id": None,
        "program_id": None,
        "claim_id": None,
        "reverses_id": None,
        "actor_id": None,
        "occurred_at": timezone.now(),
        "created_at": timezone.now(),
    }

    code, txn_id, _account = sql.post_on_database(
        a.business.pk, values, [Leg(a.bank, 700), Leg(a.payable, -700)], None
    )

    assert code == "posted"
    assert Transaction.objects.get(pk=txn_id).business_id == a.business.pk
    assert b.rows() == before


def test_charge_budget(a, b):
    before = b.rows()
    month = _month(a)

    assert sql.charge_budget(a.business.pk, a.program.pk, month, 0, 500, 100_000)
    # handed B's program, it finds no share of A's (so none to spend from) and changes none
    # of B's
    sql.charge_budget(a.business.pk, b.program.pk, _month(b), 0, 500, 100_000)

    assert b.rows() == before
    assert selectors.spent_this_month(a.business, a.program, now=a.when) == 3500


def test_record_event(a, b):
    key = next(iter(RewardEvent.objects.filter(business=b.business).values_list("key", flat=True)))
    before = b.rows()

    recorded = sql.record_event(
        a.business.pk, key, "block.completed", a.peer.pk, a.program.pk, timezone.now(), "{}"
    )

    assert recorded  # B's event of the same cause is not A's
    assert RewardEvent.objects.filter(key=key).count() == 2
    assert b.rows() == before


def test_rules_and_settings(a, b):
    rows = sql.rules_and_settings(a.business.pk, a.program.pk, "block.completed")
    theirs = sql.rules_and_settings(a.business.pk, b.program.pk, "block.completed")

    assert [row[0] for row in rows] == [a.rule.pk]
    assert theirs == []
    settings_at = len(sql.RULE_FIELDS) + len(sql.PROGRAM_FIELDS)
    assert rows[0][settings_at + 1] == a.business.pk  # the business's own settings


def test_year_earned(a, b):
    field = Reward._meta.get_field("created_at")
    year = timezone.localtime(a.when).year
    start, end = (
        field.get_db_prep_value(datetime(y, 1, 1, tzinfo=a.business.tzinfo), connection)
        for y in (year - 1, year + 2)
    )

    assert sql.year_earned(a.business.pk, a.peer.pk, start, end) == 3000
    assert sql.year_earned(a.business.pk, b.peer.pk, start, end) == 0


def test_delete_ledger(a, b):
    before = b.rows()

    with transaction.atomic(), ledger.purging():
        Reward.objects.filter(business=a.business)._raw_delete(Reward.objects.db)
        sql.delete_ledger(a.business.pk)

    assert not Transaction.objects.filter(business=a.business).exists()
    assert not Entry.objects.filter(business=a.business).exists()
    assert b.rows() == before


@contextmanager
def broken(books):
    """Every violation the checks look for, in `books` (rows the guards let through: inserts,
    and the tables that are not the journal), taken back afterwards (PostgreSQL would refuse
    the unbalanced entries when the test ends)."""
    with transaction.atomic():
        _break(books)
        yield
        transaction.set_rollback(True)


def _break(books):
    business = books.business
    txn = Transaction.objects.filter(business=business).order_by("pk").first()
    account = Account.objects.get(pk=books.payable.id)
    now = timezone.now()

    def entry(transaction_, amount, unit="EUR"):
        return Entry(
            business=business,
            transaction=transaction_,
            account=account,
            unit=unit,
            amount=amount,
            created_at=now,
        )

    lonely = Transaction.objects.create(
        business=business, key="lonely", kind="adjustment", occurred_at=now
    )
    wrong = Transaction.objects.create(
        business=business, key="wrong", kind="reversal", occurred_at=now, reverses=txn
    )
    Entry.objects.bulk_create(
        [entry(txn, 5), entry(lonely, 1), entry(wrong, 3), entry(wrong, -3), entry(txn, 1, "PTS")]
    )
    Balance.objects.filter(account_id=books.payable.id).update(amount=F("amount") + 10_000)
    BudgetMonth.objects.filter(business=business, slot=0).update(spent_minor=F("quota_minor") + 1)
    Reward.objects.filter(business=business).update(transaction=None)
    assert Reward.objects.filter(business=business, status=RewardStatus.POSTED).exists()


@pytest.mark.parametrize("code", [code for code, _sql, _words in sql.CHECKS])
def test_check_rows(a, b, code):
    (statement,) = [s for c, s, _w in sql.CHECKS if c == code]
    with broken(b):
        before = b.rows()

        assert sql.check_rows(b.business.pk, statement), code  # B's books are broken
        assert sql.check_rows(a.business.pk, statement) == []
        assert b.rows() == before


def test_totals_by_unit(a, b):
    with broken(b):
        assert set(checks.totals_by_unit(a.business.pk).values()) == {0}
        assert set(checks.totals_by_unit(b.business.pk).values()) != {0}
        assert checks.check_business(a.business.pk) == []
