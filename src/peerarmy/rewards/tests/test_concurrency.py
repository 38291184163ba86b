"""Races with real threads against a real database: a cause pays once, a monthly budget is never
overspent, a voucher never goes below zero, and postings for many peers of one program neither
deadlock nor lose a cent. On PostgreSQL every race runs on both posting paths: the database
function `rewards_post` and the Python steps. The controls run the budget and voucher races
with the guard taken out of each path (a read, then a write) and see the budget overspent and
the voucher overdrawn, so that the races cannot pass vacuously."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from peerarmy.rewards import checks, ledger, selectors, services
from peerarmy.rewards.ledger import Leg
from peerarmy.rewards.models import (
    Balance,
    BudgetMonth,
    Entry,
    PeerRewardChoice,
    Reward,
    RewardEvent,
    RewardStatus,
    Transaction,
    TransactionKind,
    Voucher,
)
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.tenancy.tests.threads import race, requires_shared_database

from .factories import RuleFactory, change_program_rewards, choose_form, occurrence, redeem

pytestmark = [
    requires_shared_database,
    pytest.mark.django_db(transaction=True),
]

PATHS = ["python"] if connection.vendor == "sqlite" else ["database", "python"]
ON_SQLITE_WRITERS_QUEUE = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite runs every write transaction alone from BEGIN IMMEDIATE, so even a naive "
    "read-then-write cannot race there: the control is shown on PostgreSQL",
)
ONLY_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the function is PostgreSQL's"
)


@pytest.fixture(params=PATHS)
def post_path(request, monkeypatch):
    """Which posting path the race takes: the PostgreSQL function or the Python steps."""
    monkeypatch.setattr(ledger, "POST_ON_DATABASE", request.param == "database")
    return request.param


def payable(business, peer):
    name = ledger.peer_payable(peer.pk, "EUR").name
    return ledger.shown_balances(business.pk, [(name, "EUR")]).get((name, "EUR"), 0)


def books_are_sound(business):
    assert checks.check_business(business.pk) == []
    assert set(checks.totals_by_unit(business.pk).values()) <= {0}


# --- (a) one cause, one payment ---------------------------------------------------------------


def test_a_block_completed_eight_times_at_once_pays_once(business, peer, program, post_path):
    RuleFactory(program=program, amount=1500)
    done = occurrence(peer, program, key="block.completed:42")

    outcomes = race([lambda: services.handle(business, done)] * 8)

    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert len({tuple(r.pk for r in o) for o in outcomes}) == 1  # all see the same reward
    assert RewardEvent.objects.filter(business=business).count() == 1
    assert Reward.objects.filter(business=business).count() == 1
    assert Transaction.objects.filter(business=business).count() == 1
    assert payable(business, peer) == 1500  # counted once
    books_are_sound(business)


def _reward_legs(business, peer, program, cents):
    specs = [ledger.rewards_expense(program.pk, "EUR"), ledger.peer_payable(peer.pk, "EUR")]
    refs = ledger.accounts(business.pk, specs)
    return [Leg(refs[specs[0]], cents), Leg(refs[specs[1]], -cents)]


def test_the_same_posting_from_eight_threads_writes_one_transaction(
    business, peer, program, post_path
):
    legs = _reward_legs(business, peer, program, 700)

    def post():
        return ledger.post(business.pk, key="block.completed:7:rule-1", kind="reward", legs=legs)

    outcomes = race([post] * 8)

    assert sorted(o.created for o in outcomes) == [False] * 7 + [True], outcomes
    assert len({o.transaction_id for o in outcomes}) == 1
    assert Entry.objects.filter(business=business).count() == 2
    assert payable(business, peer) == 700
    books_are_sound(business)


def test_even_when_the_early_look_up_misses_the_others_the_key_posts_once(
    business, peer, program, monkeypatch
):
    """The look-up before the insert only saves work: with it blind, all eight threads reach the
    insert (seven lose on the unique key) and still one transaction is written."""
    monkeypatch.setattr(ledger, "POST_ON_DATABASE", False)
    legs = _reward_legs(business, peer, program, 700)
    looked = threading.local()
    collided = Counter()
    real_existing = ledger._existing

    def blind_first_time(business_id, key):
        if not getattr(looked, "once", False):
            looked.once = True
            time.sleep(0.05)
            return None
        collided["lost the insert"] += 1
        return real_existing(business_id, key)

    monkeypatch.setattr(ledger, "_existing", blind_first_time)

    outcomes = race([lambda: ledger.post(business.pk, key="k", kind="reward", legs=legs)] * 8)

    assert collided["lost the insert"] == 7, outcomes  # the race was real
    assert sum(o.created for o in outcomes) == 1
    assert payable(business, peer) == 700
    books_are_sound(business)


def budget_spent(program):
    return selectors.spent_this_month(program.business, program)


# --- (b) a monthly budget ---------------------------------------------------------------------

N, AMOUNT = 4, 1000


def budget_race(business, owner, program):
    """A budget of N rewards and 3N rewards from 3N threads at once."""
    change_program_rewards(business, owner, program, monthly_budget_minor=N * AMOUNT)
    RuleFactory(program=program, amount=AMOUNT)
    peers = [PeerFactory(business=business) for _ in range(3)]
    when = timezone.now()
    done = [occurrence(peers[i % 3], program, when=when) for i in range(3 * N)]
    return race([lambda o=o: services.handle(business, o) for o in done])


def test_a_monthly_budget_holds_what_concurrent_rewards_would_overspend(
    business, owner, program, post_path
):
    outcomes = budget_race(business, owner, program)

    assert all(isinstance(o, list) and len(o) == 1 for o in outcomes), outcomes
    statuses = Counter(Reward.objects.filter(business=business).values_list("status", flat=True))
    assert statuses == {RewardStatus.POSTED: N, RewardStatus.HELD: 2 * N}
    assert budget_spent(program) == N * AMOUNT
    paid = Entry.objects.filter(business=business, amount__gt=0).aggregate(t=Sum("amount"))
    assert paid["t"] == N * AMOUNT
    books_are_sound(business)


@ON_SQLITE_WRITERS_QUEUE
def test_control_without_the_budget_guard_the_python_path_overspends(
    business, owner, program, monkeypatch
):
    def read_then_write(business_id, budget):
        month, _ = BudgetMonth.objects.get_or_create(
            program_id=budget.program_id,
            month=budget.month,
            slot=0,
            defaults={"business_id": business_id},
        )
        if budget.limit is not None and month.spent_minor + budget.amount > budget.limit:
            return False
        time.sleep(0.05)  # the gap every read-check-then-write has, made wide
        BudgetMonth.objects.filter(pk=month.pk).update(
            spent_minor=month.spent_minor + budget.amount
        )
        return True

    monkeypatch.setattr(ledger, "POST_ON_DATABASE", False)
    monkeypatch.setattr(ledger, "_charge_budget", read_then_write)
    outcomes = budget_race(business, owner, program)

    posted = Reward.objects.filter(business=business, status=RewardStatus.POSTED).count()
    assert posted > N, outcomes  # overspent: the race test would catch this


def _function_source(name="rewards_charge_budget"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_get_functiondef('{name}'::regproc)")
        return cursor.fetchone()[0]


def _with_function(source, run, name="rewards_charge_budget"):
    """Run `run` with the function `name` replaced by `source`, then put the original back."""
    original = _function_source(name)
    with connection.cursor() as cursor:
        cursor.execute(source)
    try:
        return run()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(original)


# read-then-write: the month's total read, checked, and written after the gap every check
# before a write has, made wide
NAIVE_BUDGET = """
CREATE OR REPLACE FUNCTION rewards_charge_budget(
    p_business bigint, p_program bigint, p_month date, p_amount bigint, p_limit bigint
) RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
    v_read bigint;
BEGIN
    INSERT INTO rewards_budgetmonth (business_id, program_id, month, slot, spent_minor,
        quota_minor, limit_minor) VALUES (p_business, p_program, p_month, 0, 0, 0, NULL)
        ON CONFLICT (program_id, month, slot) DO NOTHING;
    SELECT sum(m.spent_minor) INTO v_read FROM rewards_budgetmonth m
        WHERE m.program_id = p_program AND m.month = p_month;
    PERFORM pg_sleep(0.05);
    IF p_limit IS NOT NULL AND v_read + p_amount > p_limit THEN
        RETURN false;
    END IF;
    UPDATE rewards_budgetmonth SET spent_minor = spent_minor + p_amount
        WHERE program_id = p_program AND month = p_month AND slot = 0;
    RETURN true;
END
$fn$;
"""


@ONLY_POSTGRESQL
def test_control_the_database_function_without_its_budget_guard_overspends(
    business, owner, program, monkeypatch
):
    monkeypatch.setattr(ledger, "POST_ON_DATABASE", True)
    assert "FOR UPDATE" in _function_source()  # the guard this control takes out

    outcomes = _with_function(NAIVE_BUDGET, lambda: budget_race(business, owner, program))

    posted = Reward.objects.filter(business=business, status=RewardStatus.POSTED).count()
    assert posted > N, outcomes  # overspent: the race test would catch this


# --- (c) a voucher redeemed at several tills at once -----------------------------------------

VALUE, SLICE, TILLS = 1000, 300, 8  # 8 × 3 € asked of a 10 € voucher: three fit


def voucher_race(business, owner, staff, peer, program):
    """A 10 € voucher (the peer takes rewards as shop credit), and eight tills taking 3 € off
    it at once."""
    change_program_rewards(business, owner, program, peer_chooses=True)
    choose_form(peer, form=PeerRewardChoice.Form.CREDIT)
    RuleFactory(program=program, amount=VALUE)
    services.handle(business, occurrence(peer, program))
    voucher = Voucher.objects.get(business=business, peer=peer)
    assert services.voucher_remaining(voucher) == VALUE
    outcomes = race([lambda: redeem(business, staff, voucher.code, SLICE)] * TILLS)
    return voucher, outcomes


def test_a_voucher_redeemed_at_eight_tills_at_once_never_goes_below_zero(
    business, owner, staff, peer, program, post_path
):
    voucher, outcomes = voucher_race(business, owner, staff, peer, program)

    redeemed = [o for o in outcomes if isinstance(o, Transaction)]
    refused = [o for o in outcomes if isinstance(o, ledger.InsufficientBalance)]
    assert (len(redeemed), len(refused)) == (VALUE // SLICE, TILLS - VALUE // SLICE), outcomes
    assert services.voucher_remaining(voucher) == VALUE - len(redeemed) * SLICE >= 0
    recorded = Transaction.objects.filter(business=business, kind=TransactionKind.REDEMPTION)
    assert set(recorded.values_list("pk", flat=True)) == {t.pk for t in redeemed}
    books_are_sound(business)


def read_then_write_balances(business_id, legs):
    """`_add_to_balances` with the floor checked on a value read before the write."""
    with connection.cursor() as cursor:
        for leg in legs:
            where = [leg.account.id, ledger._slot(leg.account)]
            cursor.execute(
                "SELECT amount FROM rewards_balance WHERE account_id = %s AND slot = %s", where
            )
            (amount,) = cursor.fetchone()
            if leg.account.floored and amount + leg.amount > 0:
                raise ledger.InsufficientBalance(leg.account.id)
            time.sleep(0.05)  # the gap every read-check-then-write has, made wide
            cursor.execute(
                "UPDATE rewards_balance SET amount = %s WHERE account_id = %s AND slot = %s",
                [amount + leg.amount, *where],
            )


@ON_SQLITE_WRITERS_QUEUE
def test_control_without_the_floor_the_python_path_overdraws_a_voucher(
    business, owner, staff, peer, program, monkeypatch
):
    monkeypatch.setattr(ledger, "POST_ON_DATABASE", False)
    monkeypatch.setattr(ledger, "_add_to_balances", read_then_write_balances)

    _voucher, outcomes = voucher_race(business, owner, staff, peer, program)

    redeemed = [o for o in outcomes if isinstance(o, Transaction)]
    assert len(redeemed) * SLICE > VALUE, outcomes  # overdrawn: the race test would catch this


DECLARE = "    i integer;\nBEGIN"
NAIVE_DECLARE = "    i integer;\n    v_read bigint;\nBEGIN"
FLOOR_LOOP_START = "    FOR i IN 1 .. array_length(p_accounts, 1) LOOP\n"
FLOOR_LOOP_END = "    END LOOP;\n"
NAIVE_FLOOR_LOOP = """    FOR i IN 1 .. array_length(p_accounts, 1) LOOP
        SELECT b.amount INTO v_read FROM rewards_balance b
            WHERE b.account_id = p_accounts[i]
              AND b.slot = CASE WHEN p_slots[i] > 1 THEN pg_backend_pid() % p_slots[i] ELSE 0 END;
        IF p_floored[i] AND v_read + p_amounts[i] > 0 THEN
            RAISE EXCEPTION 'ledger: not enough on account %', p_accounts[i]
                USING ERRCODE = 'PA002', DETAIL = p_accounts[i]::text;
        END IF;
        PERFORM pg_sleep(0.05);
        UPDATE rewards_balance b SET amount = v_read + p_amounts[i]
            WHERE b.account_id = p_accounts[i]
              AND b.slot = CASE WHEN p_slots[i] > 1 THEN pg_backend_pid() % p_slots[i] ELSE 0 END;
    END LOOP;
"""


@ONLY_POSTGRESQL
def test_control_the_database_function_without_its_floor_overdraws_a_voucher(
    business, owner, staff, peer, program, monkeypatch
):
    monkeypatch.setattr(ledger, "POST_ON_DATABASE", True)
    source = _function_source("rewards_post")
    start, end = source.index(FLOOR_LOOP_START), source.index(FLOOR_LOOP_END)
    assert "b.amount + p_amounts[i] <= 0" in source[start:end]  # the guard this control takes out
    naive = source[:start] + NAIVE_FLOOR_LOOP + source[end + len(FLOOR_LOOP_END) :]
    naive = naive.replace(DECLARE, NAIVE_DECLARE)

    _voucher, outcomes = _with_function(
        naive, lambda: voucher_race(business, owner, staff, peer, program), name="rewards_post"
    )

    redeemed = [o for o in outcomes if isinstance(o, Transaction)]
    assert len(redeemed) * SLICE > VALUE, outcomes  # overdrawn: the race test would catch this


# --- (d) many peers, one program ---------------------------------------------------------------


def test_eight_peers_rewarded_at_once_in_one_program_all_get_paid(
    business, owner, program, post_path
):
    change_program_rewards(business, owner, program, monthly_budget_minor=100_000)
    RuleFactory(program=program, amount=700)
    peers = [PeerFactory(business=business) for _ in range(8)]

    outcomes = race(
        [lambda p=p: services.handle(business, occurrence(p, program)) for p in peers],
        timeout=30,
    )

    assert all(isinstance(o, list) and len(o) == 1 for o in outcomes), outcomes  # no deadlock
    assert all(o[0].status == RewardStatus.POSTED for o in outcomes)
    assert [payable(business, p) for p in peers] == [700] * 8
    expense = ledger.accounts(business.pk, [ledger.rewards_expense(program.pk, "EUR")])
    (expense_id,) = (ref.id for ref in expense.values())
    slots = dict(Balance.objects.filter(account_id=expense_id).values_list("slot", "amount"))
    assert sum(slots.values()) == ledger.balance(business.pk, expense_id) == 8 * 700
    assert Entry.objects.filter(account_id=expense_id).aggregate(t=Sum("amount"))["t"] == 5600
    assert budget_spent(program) == 5600
    if post_path == "database":
        # one connection per thread, each on its own slot of the program's expense account
        assert sum(1 for amount in slots.values() if amount) > 1
    books_are_sound(business)


def test_the_python_path_spreads_the_threads_of_one_process_over_the_slots():
    ref = ledger.AccountRef(id=1, unit="EUR", floored=False, slots=16)
    slots = set()

    def note():
        slots.add(ledger._slot(ref))

    threads = [threading.Thread(target=note) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slots) > 1
