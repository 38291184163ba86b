"""The ledger's core: balanced, once per cause, never below zero where it must not, and guarded
by the database itself against raw SQL."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from peerarmy.rewards import ledger
from peerarmy.rewards.ledger import Budget, Leg
from peerarmy.rewards.models import AccountKind, Entry, Transaction


def _accounts(business, peer, program):
    refs = ledger.accounts(
        business.pk,
        [ledger.rewards_expense(program.pk, "EUR"), ledger.peer_payable(peer.pk, "EUR")],
    )
    return refs[ledger.rewards_expense(program.pk, "EUR")], refs[
        ledger.peer_payable(peer.pk, "EUR")
    ]


def _reward(business, peer, program, key, cents, budget=None):
    expense, payable = _accounts(business, peer, program)
    return ledger.post(
        business.pk,
        key=key,
        kind="reward",
        legs=[Leg(expense, cents), Leg(payable, -cents)],
        peer_id=peer.pk,
        program_id=program.pk,
        budget=budget,
    )


def test_a_reward_moves_money_from_the_program_to_the_peer(business, peer, program):
    posted = _reward(business, peer, program, "block.completed:1", 1500)

    assert posted.created
    expense, payable = _accounts(business, peer, program)
    assert ledger.balance(business.pk, expense.id) == 1500
    assert (
        ledger.balance(business.pk, payable.id) == -1500
    )  # a liability: the business owes the peer 15 €
    shown = ledger.shown_balances(business.pk, [(f"liabilities:peers:{peer.pk}:payable", "EUR")])
    assert shown == {(f"liabilities:peers:{peer.pk}:payable", "EUR"): 1500}
    assert (
        sum(
            Entry.objects.filter(transaction_id=posted.transaction_id).values_list(
                "amount", flat=True
            )
        )
        == 0
    )


def test_the_same_cause_posts_once(business, peer, program):
    first = _reward(business, peer, program, "block.completed:7", 1500)
    again = _reward(business, peer, program, "block.completed:7", 1500)

    assert not again.created and again.transaction_id == first.transaction_id
    _, payable = _accounts(business, peer, program)
    assert ledger.balance(business.pk, payable.id) == -1500


def test_unbalanced_legs_are_refused_before_anything_is_written(business, peer, program):
    expense, payable = _accounts(business, peer, program)
    with pytest.raises(ValueError, match="sum to zero"):
        ledger.post(business.pk, key="k", kind="reward", legs=[Leg(expense, 10), Leg(payable, -9)])
    assert not Transaction.objects.filter(key="k").exists()


def test_a_peer_balance_never_goes_below_zero(business, peer, program):
    _reward(business, peer, program, "r1", 1000)
    expense, payable = _accounts(business, peer, program)
    with pytest.raises(ledger.InsufficientBalance):
        ledger.post(
            business.pk,
            key="too-much",
            kind="adjustment",
            legs=[Leg(payable, 1001), Leg(expense, -1001)],
        )
    assert ledger.balance(business.pk, payable.id) == -1000
    assert not Transaction.objects.filter(key="too-much").exists()


def test_over_budget_writes_nothing(business, peer, program):
    from datetime import date

    month = date(2026, 11, 1)
    assert _reward(business, peer, program, "a", 600, Budget(program.pk, month, 600, 1000)).created
    over = _reward(business, peer, program, "b", 500, Budget(program.pk, month, 500, 1000))

    assert over.over_budget and over.transaction_id is None
    assert not Transaction.objects.filter(key="b").exists()
    _, payable = _accounts(business, peer, program)
    assert ledger.balance(business.pk, payable.id) == -600


def test_a_reversal_restores_the_balance_and_points_at_the_original(business, peer, program):
    posted = _reward(business, peer, program, "r", 700)
    reversal = ledger.reverse(business.pk, posted.transaction_id, key="reverse:r")
    again = ledger.reverse(business.pk, posted.transaction_id, key="reverse:r:again")

    _, payable = _accounts(business, peer, program)
    assert ledger.balance(business.pk, payable.id) == 0
    assert Transaction.objects.get(pk=reversal.transaction_id).reverses_id == posted.transaction_id
    assert again.transaction_id == reversal.transaction_id


@pytest.mark.django_db(transaction=True)
def test_raw_sql_cannot_change_or_delete_an_entry(business, peer, program):
    _reward(business, peer, program, "r", 700)
    table = Entry._meta.db_table
    for sql in (f"UPDATE {table} SET amount = amount + 1", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="ledger"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert sorted(Entry.objects.values_list("amount", flat=True)) == [-700, 700]


@pytest.mark.django_db(transaction=True)
def test_raw_sql_cannot_commit_an_unbalanced_transaction(business, peer, program):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no deferred triggers: the service layer checks the balance")
    expense, _payable = _accounts(business, peer, program)
    with pytest.raises((IntegrityError, DatabaseError), match="does not balance|needs two"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rewards_transaction (business_id, key, kind, reason, reason_args, "
                "memo, occurred_at, created_at) VALUES (%s, 'raw', 'reward', '', '{}', '', "
                "now(), now()) RETURNING id",
                [business.pk],
            )
            (txn_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO rewards_entry (business_id, transaction_id, account_id, unit, amount,"
                " created_at) VALUES (%s, %s, %s, 'EUR', 500, now())",
                [business.pk, txn_id, expense.id],
            )
    assert not Transaction.objects.filter(key="raw").exists()


def test_house_accounts_spread_over_slots_and_peers_have_one(business, peer, program):
    expense, payable = _accounts(business, peer, program)
    assert expense.slots == 16 and payable.slots == 1 and payable.floored
    assert AccountKind.PEER_PAYABLE in ledger.FLOORED if hasattr(ledger, "FLOORED") else True
