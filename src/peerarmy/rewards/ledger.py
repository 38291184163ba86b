"""The double-entry ledger: accounts by name, balanced postings with an idempotency key, running
balances read in constant time, reversals, and the invariants `peerarmy ledger check` verifies.

A posting is a list of legs (account, signed amount: debit positive, credit negative) that sums
to zero per unit. It writes one transaction, its entries, and adds each leg to its account's
running balance, all in one database transaction. On PostgreSQL that is one call of the
database function `rewards_post` (migration 0002); elsewhere the same steps run from Python.
Either way:

- the same `key` posts once: a second posting of the same cause, even concurrent, returns the
  first transaction (`created` False) and writes nothing;
- a leg that would take a floored account (a peer's balance, a voucher) below zero refuses the
  whole posting with `InsufficientBalance`, and nothing is written;
- a budget check (`Budget`) runs first, as one conditional update: over budget, nothing is
  written and the answer says so.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError, NotFound
from peerarmy.money import POINTS

from . import sql
from .models import (
    BUDGET_SLOTS,
    FLOORED,
    HOUSE_SLOTS,
    NORMAL_SIDE,
    Account,
    AccountKind,
    Balance,
    BudgetMonth,
    Entry,
    Transaction,
    TransactionKind,
)

INSUFFICIENT = "insufficient_balance"
POST_ON_DATABASE = True  # PostgreSQL: post through the `rewards_post` function


class InsufficientBalance(DomainError):
    code = INSUFFICIENT
    status = 409

    def __init__(self, account_id=None, message=None):
        self.account_id = account_id
        super().__init__(message or _("There is not enough left on this balance."))


@dataclass(frozen=True)
class AccountSpec:
    """An account by what it stands for; `name` is its path in the journal."""

    kind: str
    unit: str
    name: str
    peer_id: int | None = None
    program_id: int | None = None
    cause_id: int | None = None


@dataclass(frozen=True)
class AccountRef:
    id: int
    unit: str
    floored: bool
    slots: int


@dataclass(frozen=True)
class Leg:
    account: AccountRef
    amount: int


@dataclass(frozen=True)
class Budget:
    """Charge `amount` to a program's month, refusing the posting if it goes over `limit`."""

    program_id: int
    month: date
    amount: int
    limit: int | None


@dataclass
class Posted:
    transaction_id: int | None
    created: bool
    over_budget: bool = False
    extra: dict = field(default_factory=dict)


# --- accounts --------------------------------------------------------------------------------


def peer_payable(peer_id, currency) -> AccountSpec:
    return AccountSpec(
        AccountKind.PEER_PAYABLE, currency, f"liabilities:peers:{peer_id}:payable", peer_id=peer_id
    )


def peer_points(peer_id) -> AccountSpec:
    return AccountSpec(
        AccountKind.PEER_POINTS, POINTS, f"liabilities:peers:{peer_id}:points", peer_id=peer_id
    )


def rewards_expense(program_id, unit) -> AccountSpec:
    return AccountSpec(
        AccountKind.REWARDS, unit, f"expenses:rewards:program-{program_id}", program_id=program_id
    )


def perks_expense(program_id, currency) -> AccountSpec:
    """What a matching program's perks (a transit ticket, the first drink) cost the business."""
    return AccountSpec(
        AccountKind.PERKS, currency, f"expenses:perks:program-{program_id}", program_id=program_id
    )


def voucher_account(code, currency) -> AccountSpec:
    return AccountSpec(AccountKind.VOUCHER, currency, f"liabilities:vouchers:{code}")


def donations_payable(cause_id, currency) -> AccountSpec:
    return AccountSpec(
        AccountKind.DONATIONS,
        currency,
        f"liabilities:donations:cause-{cause_id}",
        cause_id=cause_id,
    )


def campaign_account(campaign_id, currency) -> AccountSpec:
    """Pledges received for a chip-in campaign, owed to its beneficiary or back to the
    pledgers until the campaign closes."""
    return AccountSpec(AccountKind.CAMPAIGN, currency, f"liabilities:chipin:campaign-{campaign_id}")


def match_expense(program_id, currency) -> AccountSpec:
    """What a chip-in program's match (the business's share of campaigns) costs."""
    return AccountSpec(
        AccountKind.MATCH,
        currency,
        f"expenses:chipin:match:program-{program_id}",
        program_id=program_id,
    )


def refund_account(key, currency) -> AccountSpec:
    return AccountSpec(AccountKind.REFUND, currency, f"liabilities:refunds:{key}")


def _program_account(kind, currency, path, program_id) -> AccountSpec:
    return AccountSpec(kind, currency, f"{path}:program-{program_id}", program_id=program_id)


def rentals_income(program_id, currency) -> AccountSpec:
    """What a sharing program's own assets earn the business."""
    return _program_account(AccountKind.RENTALS, currency, "income:sharing:rentals", program_id)


def commissions_income(program_id, currency) -> AccountSpec:
    """The business's commission on the rentals of its peers' assets."""
    kind = AccountKind.COMMISSIONS
    return _program_account(kind, currency, "income:sharing:commissions", program_id)


def sharing_fees(program_id, currency) -> AccountSpec:
    """Late fees and damage kept from deposits, on the business's own assets."""
    return _program_account(AccountKind.SHARING_FEES, currency, "income:sharing:fees", program_id)


def sponsorship_income(program_id, currency) -> AccountSpec:
    kind = AccountKind.SPONSORSHIP
    return _program_account(kind, currency, "income:sharing:sponsors", program_id)


def resale_commissions(program_id, currency) -> AccountSpec:
    """The business's commission on its customers' resales."""
    kind = AccountKind.RESALE_COMMISSIONS
    return _program_account(kind, currency, "income:resale:commissions", program_id)


def resale_sales(program_id, currency) -> AccountSpec:
    """What items the business took in trade sold for."""
    return _program_account(AccountKind.RESALE_SALES, currency, "income:resale:sales", program_id)


def trade_ins(program_id, currency) -> AccountSpec:
    """What the shop credit given for items taken in trade cost."""
    return _program_account(
        AccountKind.TRADE_INS, currency, "expenses:resale:trade-ins", program_id
    )


def credit_bonus(program_id, currency) -> AccountSpec:
    """The bonus given to sellers who take their share as shop credit."""
    kind = AccountKind.CREDIT_BONUS
    return _program_account(kind, currency, "expenses:resale:credit-bonus", program_id)


def house(kind, unit) -> AccountSpec:
    names = {
        AccountKind.IN_TRANSIT: "liabilities:payouts:in-transit",
        AccountKind.BANK: "assets:bank",
        AccountKind.REDEEMED: "income:vouchers:redeemed",
        AccountKind.EXPIRED: "income:vouchers:expired",
        AccountKind.POINTS_CONVERTED: "equity:points:converted",
        AccountKind.POINTS_VOUCHERS: "expenses:vouchers:points",
        AccountKind.ADJUSTMENTS: "expenses:adjustments",
        AccountKind.TILL: "assets:till",
        AccountKind.DEPOSITS: "liabilities:sharing:held",
        AccountKind.RESALE_HELD: "liabilities:resale:held",
        AccountKind.RESALE_PAID_AHEAD: "liabilities:resale:paid-ahead",
    }
    return AccountSpec(kind, unit, names[kind])


def _slots(kind) -> int:
    # Accounts of one peer, voucher or cause are touched one posting at a time; the business's
    # own accounts by almost every posting.
    if kind in (AccountKind.PEER_PAYABLE, AccountKind.PEER_POINTS, AccountKind.VOUCHER):
        return 1
    if kind in FLOORED:
        return 1  # floored: one row, so that the floor is checked atomically
    return HOUSE_SLOTS


# Accounts are never renamed and never deleted while their business lives, so a process keeps
# the ones it has seen committed: most postings then need no lookup.
_known: dict[tuple, AccountRef] = {}
_KNOWN_MAX = 100_000


def forget_accounts():
    _known.clear()


def _remember(business_id, found):
    if len(_known) > _KNOWN_MAX:
        _known.clear()
    for (name, unit), ref in found.items():
        _known[(business_id, name, unit)] = ref


def accounts(business_id, specs) -> dict[AccountSpec, AccountRef]:
    """The accounts for `specs`, created on first use (concurrent creators agree on one)."""
    specs = list(dict.fromkeys(specs))
    cached = [_known.get((business_id, s.name, s.unit)) for s in specs]
    if all(cached):
        return dict(zip(specs, cached, strict=True))
    found = _find_accounts(business_id, specs)
    missing = [s for s in specs if (s.name, s.unit) not in found]
    if missing:
        now = timezone.now()
        with transaction.atomic():
            Account.objects.bulk_create(
                [
                    Account(
                        business_id=business_id,
                        kind=s.kind,
                        unit=s.unit,
                        name=s.name,
                        normal=NORMAL_SIDE[AccountKind(s.kind)],
                        floored=AccountKind(s.kind) in FLOORED,
                        slots=_slots(AccountKind(s.kind)),
                        peer_id=s.peer_id,
                        program_id=s.program_id,
                        cause_id=s.cause_id,
                        created_at=now,
                    )
                    for s in missing
                ],
                ignore_conflicts=True,
            )
            found = _find_accounts(business_id, specs)
            Balance.objects.bulk_create(
                [
                    Balance(account_id=ref.id, slot=slot, amount=0)
                    for s in missing
                    for ref in [found[(s.name, s.unit)]]
                    for slot in range(ref.slots)
                ],
                ignore_conflicts=True,
            )
    # Remembered once the rows are surely there: after the transaction that saw them commits.
    transaction.on_commit(lambda: _remember(business_id, found))
    return {s: found[(s.name, s.unit)] for s in specs}


def _find_accounts(business_id, specs):
    rows = sql.find_accounts(business_id, [(s.name, s.unit) for s in specs])
    return {(n, u): AccountRef(i, u, bool(f), s) for i, n, u, f, s in rows}


def balance(business_id, account_id) -> int:
    """The running balance (debits minus credits) of one of the business's accounts: a sum
    over at most HOUSE_SLOTS rows, whatever the number of entries."""
    return sql.account_balance(business_id, account_id)


def shown_balances(business_id, names_units) -> dict:
    """{(name, unit): balance as people read it (liabilities positive)} for existing accounts."""
    return {(n, u): int(v) for n, u, v in sql.shown_balances(business_id, list(names_units))}


# --- posting ---------------------------------------------------------------------------------


def check_balanced(legs) -> None:
    if len(legs) < 2:
        raise ValueError("a transaction needs two or more entries")
    totals: dict[str, int] = {}
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise ValueError(f"an entry's amount must be a non-zero integer, not {leg.amount!r}")
        totals[leg.account.unit] = totals.get(leg.account.unit, 0) + leg.amount
    unbalanced = {u: t for u, t in totals.items() if t}
    if unbalanced:
        raise ValueError(f"entries do not sum to zero: {unbalanced}")


def post(
    business_id: int,
    *,
    key: str,
    kind: str,
    legs: list[Leg],
    occurred_at: datetime | None = None,
    reason: str = "",
    reason_args: dict | None = None,
    memo: str = "",
    peer_id: int | None = None,
    program_id: int | None = None,
    claim_id: int | None = None,
    reverses_id: int | None = None,
    actor_id: int | None = None,
    budget: Budget | None = None,
) -> Posted:
    """Post one balanced transaction for the cause `key`, once. See the module's docstring."""
    check_balanced(legs)
    # One order for every posting (by account), so two postings never wait on each other's
    # rows in opposite orders.
    legs = sorted(legs, key=lambda leg: leg.account.id)
    now = timezone.now()
    values = {
        "business_id": business_id,
        "key": key,
        "kind": TransactionKind(kind).value,
        "reason": reason,
        "reason_args": reason_args or {},
        "memo": memo[:300],
        "peer_id": peer_id,
        "program_id": program_id,
        "claim_id": claim_id,
        "reverses_id": reverses_id,
        "actor_id": actor_id,
        "occurred_at": occurred_at or now,
        "created_at": now,
    }
    if connection.vendor == "postgresql" and POST_ON_DATABASE:
        return _post_on_database(values, legs, budget)
    with transaction.atomic():
        return _post_in_python(values, legs, budget)


def _slot(ref: AccountRef) -> int:
    if ref.slots == 1:
        return 0
    # get_ident() is an address, aligned the same way in every thread: the native id spreads.
    return (os.getpid() * 7919 + threading.get_native_id()) % ref.slots


def _existing(business_id, key) -> int | None:
    return sql.transaction_by_key(business_id, key)


def _charge_budget(business_id, budget: Budget) -> bool:
    """Spend from the program's month within its limit: the same shares as the database
    function `rewards_charge_budget` (SQLite has one writer at a time, so the share is simply
    this process's)."""
    if budget is None or budget.amount == 0:
        return True
    month = BudgetMonth._meta.get_field("month").get_db_prep_save(budget.month, connection)
    return sql.charge_budget(
        business_id, budget.program_id, month, _budget_slot(), budget.amount, budget.limit
    )


def _budget_slot() -> int:
    return (os.getpid() * 7919 + threading.get_native_id()) % BUDGET_SLOTS


def budget_spent(business_id, program_id, month) -> int:
    """What a program has spent in a month, over its shares."""
    return budget_spent_by_program(business_id, month, program_id=program_id).get(program_id, 0)


def budget_spent_by_program(business_id, month, *, program_id=None) -> dict[int, int]:
    from django.db.models import Sum

    rows = BudgetMonth.objects.filter(business_id=business_id, month=month)
    if program_id is not None:
        rows = rows.filter(program_id=program_id)
    rows = rows.values("program_id").annotate(t=Sum("spent_minor"))
    return {r["program_id"]: int(r["t"]) for r in rows}


class _OverBudget(Exception):
    """Over budget: raised inside the posting's savepoint so that it takes nothing back."""


def _post_in_python(values, legs, budget) -> Posted:
    existing = _existing(values["business_id"], values["key"])
    if existing:
        return Posted(existing, created=False)
    try:
        with transaction.atomic():
            txn_id = sql.insert_transaction(values["business_id"], values)
            if not _charge_budget(values["business_id"], budget):
                raise _OverBudget
            Entry.objects.bulk_create(
                [
                    Entry(
                        business_id=values["business_id"],
                        transaction_id=txn_id,
                        account_id=leg.account.id,
                        unit=leg.account.unit,
                        amount=leg.amount,
                        created_at=values["occurred_at"],
                    )
                    for leg in legs
                ]
            )
            _add_to_balances(values["business_id"], legs)
    except _OverBudget:
        return Posted(None, created=False, over_budget=True)
    except IntegrityError:
        # A concurrent posting of the same cause committed first.
        existing = _existing(values["business_id"], values["key"])
        if existing is None:
            raise
        return Posted(existing, created=False)
    return Posted(txn_id, created=True)


def _add_to_balances(business_id, legs):
    refused = sql.add_to_balances(
        business_id,
        [(leg.account.id, _slot(leg.account), leg.amount, leg.account.floored) for leg in legs],
    )
    if refused is not None:
        raise InsufficientBalance(refused)


NOT_ENOUGH = "PA002"


def _post_on_database(values, legs, budget) -> Posted:
    # Only a debit of a floored account can be refused midway (a reward only credits them):
    # then a savepoint, so that the refusal leaves the caller's transaction usable. Otherwise
    # a refusal (over budget, a repeated cause) is an answer that has written nothing.
    can_fail = any(leg.account.floored and leg.amount > 0 for leg in legs)
    try:
        with transaction.atomic() if can_fail else nullcontext():
            code, txn_id, _account = sql.post_on_database(
                values["business_id"], values, legs, budget
            )
    except DatabaseError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == NOT_ENOUGH:
            raise InsufficientBalance(int(cause.diag.message_detail)) from exc
        raise
    if code == "over_budget":
        return Posted(None, created=False, over_budget=True)
    return Posted(txn_id, created=(code == "posted"))


def reverse(
    business_id,
    transaction_id,
    *,
    key,
    kind=TransactionKind.REVERSAL,
    reason="",
    memo="",
    actor_id=None,
    reason_args=None,
) -> Posted:
    """Post the exact opposite of a transaction, pointing at it. A transaction is reversed at
    most once (the second attempt returns the first reversal)."""
    original = Transaction.objects.filter(business_id=business_id, pk=transaction_id).first()
    if original is None:
        raise NotFound(_("No such transaction."))
    existing = Transaction.objects.filter(business_id=business_id, reverses_id=original.pk).first()
    if existing is not None:
        return Posted(existing.pk, created=False)
    refs = {
        a.id: AccountRef(a.id, a.unit, a.floored, a.slots)
        for a in Account.objects.filter(entries__transaction=original).distinct()
    }
    legs = [Leg(refs[e.account_id], -e.amount) for e in original.entries.all()]
    try:
        return post(
            business_id,
            key=key,
            kind=kind,
            legs=legs,
            reason=reason or "reversal",
            reason_args={"of": original.pk, **(reason_args or {})},
            memo=memo,
            peer_id=original.peer_id,
            program_id=original.program_id,
            claim_id=original.claim_id,
            reverses_id=original.pk,
            actor_id=actor_id,
        )
    except IntegrityError:
        # two reversals raced on `reverses` (one-to-one): the first stands
        with transaction.atomic():
            existing = Transaction.objects.get(business_id=business_id, reverses_id=original.pk)
        return Posted(existing.pk, created=False)


# --- SQLite's guard -----------------------------------------------------------------------

_purge = threading.local()


@contextmanager
def purging():
    """Let this thread DELETE ledger rows on SQLite: only the test suite's flush between tests
    does it (PostgreSQL's flush truncates, which the triggers do not cover)."""
    before = getattr(_purge, "on", False)
    _purge.on = True
    try:
        yield
    finally:
        _purge.on = before


def _purge_allowed():
    return 1 if getattr(_purge, "on", False) else 0


def purge_business(business_id) -> None:
    """Delete a business's whole ledger and rewards, when the business itself is deleted (the
    demo's reset; closing an account). Nothing else may delete ledger rows. The apps that
    book through the ledger (chip-in) purge their own rows first."""
    from .models import (
        BudgetCharge,
        Payout,
        PayoutBatch,
        PeerBadge,
        PeerRewardChoice,
        Refund,
        Reward,
        RewardEvent,
        Voucher,
    )

    forget_accounts()
    with transaction.atomic(), purging():
        for model in (
            Payout,
            PayoutBatch,
            PeerBadge,
            Reward,
            RewardEvent,
            PeerRewardChoice,
            Refund,
            BudgetCharge,
        ):
            model.objects.filter(business_id=business_id)._raw_delete(model.objects.db)
        Voucher.objects.filter(business_id=business_id)._raw_delete(Voucher.objects.db)
        sql.delete_ledger(business_id)
        Balance.objects.filter(account__business_id=business_id).delete()
        Account.objects.filter(business_id=business_id)._raw_delete(Account.objects.db)


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "peerarmy_ledger_purge", 0, _purge_allowed, deterministic=False
        )
