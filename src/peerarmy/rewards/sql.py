"""Every raw SQL statement of the rewards app, in one place.

The ledger's hot paths (a posting, a balance, a budget share) and the checks of
`peerarmy ledger check` are plain SQL: the ORM's query compilation costs more than these
statements themselves. Each function takes the business first and every statement it runs is
filtered by it (a table without a business column, the running balances, is reached through
its account's business), so that a statement run for one business can neither read nor change
another's rows; `tests/test_sql.py` checks each one with a second business's rows present.

The database keeps the books' invariants itself (migration 0002): on PostgreSQL a posting is
one call of the `rewards_post` function, and triggers refuse changes to entries and
transactions and unbalanced transactions. This module only calls it.
"""

from __future__ import annotations

import json

from django.db import connection

from peerarmy import db

from .models import (
    BUDGET_SLOTS,
    Account,
    Balance,
    BudgetCharge,
    BudgetMonth,
    Entry,
    ProgramRewards,
    Reward,
    RewardEvent,
    RewardKind,
    RewardRule,
    RewardSettings,
    RewardStatus,
    Transaction,
)

ACCOUNT, BALANCE, ENTRY = (m._meta.db_table for m in (Account, Balance, Entry))
TRANSACTION, BUDGET, REWARD = (m._meta.db_table for m in (Transaction, BudgetMonth, Reward))

# A balance row belongs to the business of its account.
_OWN_ACCOUNT = f'account_id IN (SELECT id FROM "{ACCOUNT}" WHERE business_id = %s)'  # noqa: S608


# --- accounts and balances ---------------------------------------------------------------------


def find_accounts(business_id, pairs) -> list[tuple]:
    """(id, name, unit, floored, slots) of the business's accounts named by (name, unit)."""
    if not pairs:
        return []
    named = " OR ".join(["(name = %s AND unit = %s)"] * len(pairs))
    params = [business_id]
    for name, unit in pairs:
        params += [name, unit]
    sql = (
        f'SELECT id, name, unit, floored, slots FROM "{ACCOUNT}" '  # noqa: S608
        f"WHERE business_id = %s AND ({named})"
    )
    with db.hot_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def account_balance(business_id, account_id) -> int:
    """The running balance of one of the business's accounts: a sum over its slots."""
    with db.hot_cursor() as cursor:
        cursor.execute(
            f'SELECT COALESCE(SUM(b.amount), 0) FROM "{BALANCE}" b '  # noqa: S608
            f'JOIN "{ACCOUNT}" a ON a.id = b.account_id '
            "WHERE b.account_id = %s AND a.business_id = %s",
            [account_id, business_id],
        )
        return int(cursor.fetchone()[0])


def shown_balances(business_id, pairs) -> list[tuple]:
    """(name, unit, balance as people read it) of the business's accounts named by pairs."""
    if not pairs:
        return []
    named = " OR ".join(["(a.name = %s AND a.unit = %s)"] * len(pairs))
    params = [business_id]
    for name, unit in pairs:
        params += [name, unit]
    sql = (
        f'SELECT a.name, a.unit, a.normal * COALESCE(SUM(b.amount), 0) FROM "{ACCOUNT}" a '  # noqa: S608
        f'LEFT JOIN "{BALANCE}" b ON b.account_id = a.id WHERE a.business_id = %s AND ({named}) '
        "GROUP BY a.id, a.name, a.unit, a.normal"
    )
    with db.hot_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def add_to_balances(business_id, changes) -> int | None:
    """Add each (account id, slot, amount, floored) to that slot of the account's running
    balance; a floored account may not go above zero (debits minus credits). Returns the first
    account refused, or None when every change was made."""
    with db.hot_cursor() as cursor:
        for account_id, slot, amount, floored in changes:
            sql = (
                f'UPDATE "{BALANCE}" SET amount = amount + %s '  # noqa: S608
                f"WHERE account_id = %s AND slot = %s AND {_OWN_ACCOUNT}"
            )
            params = [amount, account_id, slot, business_id]
            if floored:
                sql += " AND amount + %s <= 0"
                params.append(amount)
            cursor.execute(sql, params)
            if cursor.rowcount != 1:
                return account_id
    return None


# --- transactions ----------------------------------------------------------------------------


def _own_row(business_id, values) -> dict:
    """A row's values for one business: its `business_id` is the business's, whatever
    `values` say (a row for another business is refused)."""
    given = values.get("business_id", business_id)
    if given != business_id:
        raise ValueError(f"a row of business {given} written for business {business_id}")
    return {**values, "business_id": business_id}


def insert_transaction(business_id, values) -> int:
    """Write one transaction of the business ({field name: value}, every column) and return
    its id; a second one with the business's key fails on the unique key (the caller's
    savepoint answers with the first). SQLite's posting (PostgreSQL's is `rewards_post`)."""
    return db.insert_returning_id(Transaction, _own_row(business_id, values))


def insert_reward(business_id, values) -> int:
    """Write one reward of the business ({field name: value}, every column but the id) and
    return its id: one statement, no signals, on the rules' hot path."""
    return db.insert_returning_id(Reward, _own_row(business_id, values))


def transaction_by_key(business_id, key) -> int | None:
    with db.hot_cursor() as cursor:
        cursor.execute(
            f'SELECT id FROM "{TRANSACTION}" WHERE business_id = %s AND key = %s',  # noqa: S608
            [business_id, key],
        )
        row = cursor.fetchone()
    return row[0] if row else None


_POST = (
    "SELECT code, txn_id, account_id FROM rewards_post("
    "%s::bigint, %s::text, %s::text, %s::text, %s::jsonb, %s::text, %s::bigint, %s::bigint, "
    "%s::bigint, %s::bigint, %s::bigint, %s::timestamptz, %s::timestamptz, "
    "%s::bigint[], %s::text[], %s::bigint[], %s::boolean[], %s::int[], "
    "%s::bigint, %s::date, %s::bigint, %s::bigint)"
)


def post_on_database(business_id, values, legs, budget) -> tuple:
    """One posting through the database function `rewards_post` (PostgreSQL): the function
    writes the business's transaction, entries and balances, or nothing. Returns (code,
    transaction id, account id)."""
    charge = budget is not None and budget.amount != 0
    params = [
        business_id,
        values["key"],
        values["kind"],
        values["reason"],
        json.dumps(values["reason_args"]),
        values["memo"],
        values["peer_id"],
        values["program_id"],
        values["claim_id"],
        values["reverses_id"],
        values["actor_id"],
        values["occurred_at"],
        values["created_at"],
        [leg.account.id for leg in legs],
        [leg.account.unit for leg in legs],
        [leg.amount for leg in legs],
        [leg.account.floored for leg in legs],
        [leg.account.slots for leg in legs],
        budget.program_id if charge else None,
        budget.month if charge else None,
        budget.amount if charge else 0,
        budget.limit if charge else None,
    ]
    with db.hot_cursor() as cursor:
        cursor.execute(_POST, params)
        return cursor.fetchone()


def delete_ledger(business_id) -> None:
    """Delete the business's entries and transactions: only when the business itself goes
    (`ledger.purge_business`). On PostgreSQL the guard lets these deletes through for this
    database transaction only."""
    on_postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if on_postgresql:
            cursor.execute("SET LOCAL peerarmy.ledger_purge = 'on'")
        for table in (ENTRY, TRANSACTION):
            cursor.execute(f'DELETE FROM "{table}" WHERE business_id = %s', [business_id])  # noqa: S608
        if on_postgresql:
            cursor.execute("SET LOCAL peerarmy.ledger_purge = 'off'")


# --- budgets ----------------------------------------------------------------------------------


def charge_budget(business_id, program_id, month, slot, amount, limit) -> bool:
    """Spend `amount` from the program's month within `limit` (None: no limit), from this
    connection's share `slot`: the same shares as the database function
    `rewards_charge_budget` (see `ledger._charge_budget`). False when over the limit, having
    spent nothing. `month` is ready for the database."""
    where = "WHERE business_id = %s AND program_id = %s AND month = %s"
    key = [business_id, program_id, month]
    with db.hot_cursor() as cursor:
        limit_same = "limit_minor IS NULL" if limit is None else "limit_minor = %s"
        params = [amount, *key, slot]
        quick = (
            f'UPDATE "{BUDGET}" SET spent_minor = spent_minor + %s '  # noqa: S608
            f"{where} AND slot = %s AND {limit_same}"
        )
        if limit is not None:
            params += [limit, amount]
            quick += " AND spent_minor + %s <= quota_minor"
        cursor.execute(quick, params)
        if cursor.rowcount == 1:
            return True
        cursor.execute(
            f'INSERT INTO "{BUDGET}" (business_id, program_id, month, slot, spent_minor, '  # noqa: S608
            "quota_minor, limit_minor) VALUES "
            + ", ".join(["(%s, %s, %s, %s, 0, 0, NULL)"] * BUDGET_SLOTS)
            + " ON CONFLICT (program_id, month, slot) DO NOTHING",
            [v for s in range(BUDGET_SLOTS) for v in (*key, s)],
        )
        lock = " ORDER BY slot FOR UPDATE" if connection.vendor == "postgresql" else ""
        cursor.execute(f'SELECT spent_minor FROM "{BUDGET}" {where}{lock}', key)  # noqa: S608
        spent = sum(row[0] for row in cursor.fetchall())
        if limit is not None and spent + amount > limit:
            cursor.execute(
                f'UPDATE "{BUDGET}" SET quota_minor = spent_minor, limit_minor = %s {where}',  # noqa: S608
                [limit, *key],
            )
            return False
        cursor.execute(
            f'UPDATE "{BUDGET}" SET spent_minor = spent_minor + %s {where} AND slot = %s',  # noqa: S608
            [amount, *key, slot],
        )
        free = 0 if limit is None else limit - spent - amount
        share, extra = divmod(free, BUDGET_SLOTS)
        cursor.execute(
            f'UPDATE "{BUDGET}" SET quota_minor = spent_minor + %s '  # noqa: S608
            f"+ CASE WHEN slot < %s THEN 1 ELSE 0 END, limit_minor = %s {where}",
            [share, extra, limit, *key],
        )
        return True


# --- the events that pay, and the rules --------------------------------------------------------

_EVENT = (
    f'INSERT INTO "{RewardEvent._meta.db_table}" (business_id, key, event, peer_id, '  # noqa: S608
    "program_id, occurred_at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (business_id, key) DO NOTHING RETURNING id"
)


def record_event(business_id, key, event, peer_id, program_id, occurred_at, payload) -> bool:
    """Record an event the rewards consume; False if the business recorded it before (one
    statement, no savepoint). `occurred_at` and `payload` are ready for the database."""
    with db.hot_cursor() as cursor:
        cursor.execute(_EVENT, [business_id, key, event, peer_id, program_id, occurred_at, payload])
        return cursor.fetchone() is not None


RULE_FIELDS = (
    "id",
    "business_id",
    "program_id",
    "event",
    "condition",
    "threshold",
    "reward",
    "amount",
    "from_event",
    "badge_id",
    "cause_id",
    "active",
)
PROGRAM_FIELDS = ("id", "business_id", "program_id", "monthly_budget_minor", "peer_chooses")
SETTINGS_FIELDS = (
    "id",
    "business_id",
    "points_per_euro",
    "voucher_validity_days",
    "yearly_ceiling_minor",
    "ceiling_warning_percent",
    "payout_minimum_minor",
)


def _rules_sql():
    r, pr, rs = (m._meta.db_table for m in (RewardRule, ProgramRewards, RewardSettings))
    cols = [f"r.{c}" for c in RULE_FIELDS]
    cols += [f"pr.{c}" for c in PROGRAM_FIELDS] + [f"rs.{c}" for c in SETTINGS_FIELDS]
    return (
        f"SELECT {', '.join(cols)} FROM {r} r "  # noqa: S608
        f"LEFT JOIN {pr} pr ON pr.program_id = r.program_id AND pr.business_id = r.business_id "
        f"LEFT JOIN {rs} rs ON rs.business_id = r.business_id "
        "WHERE r.business_id = %s AND r.program_id = %s AND r.event = %s AND r.active "
        "ORDER BY r.id"
    )


_RULES = _rules_sql()


def rules_and_settings(business_id, program_id, event) -> list[tuple]:
    """The program's active rules for the event, each row followed by the program's and the
    business's reward settings (NULLs where there are none): RULE_FIELDS, PROGRAM_FIELDS,
    SETTINGS_FIELDS."""
    with db.hot_cursor() as cursor:
        cursor.execute(_RULES, [business_id, program_id, event])
        return cursor.fetchall()


_YEAR = (
    f'SELECT COALESCE(SUM(amount), 0) FROM "{REWARD}" '  # noqa: S608
    "WHERE peer_id = %s AND created_at >= %s AND created_at < %s AND business_id = %s "
    f"AND status = '{RewardStatus.POSTED.value}' "
    f"AND kind IN ('{RewardKind.CASH.value}', '{RewardKind.VOUCHER.value}')"
)


def year_earned(business_id, peer_id, start, end) -> int:
    """What the peer earned in money (cash and shop credit) between two moments ready for the
    database, in minor units."""
    with db.hot_cursor() as cursor:
        cursor.execute(_YEAR, [peer_id, start, end, business_id])
        return int(cursor.fetchone()[0])


# --- the checks of `peerarmy ledger check` -------------------------------------------------------

e, t, a, b, bm, r = ENTRY, TRANSACTION, ACCOUNT, BALANCE, BUDGET, REWARD
bc = BudgetCharge._meta.db_table
# (code, statement, the violation in words): each statement takes the business's id for every
# %s and reads only the business's rows.
CHECKS = [
    (
        "unbalanced",
        f"SELECT transaction_id, unit, SUM(amount) FROM {e} WHERE business_id = %s "  # noqa: S608
        "GROUP BY transaction_id, unit HAVING SUM(amount) <> 0 ORDER BY transaction_id",
        "transaction {0} does not balance in {1}: the entries sum to {2}",
    ),
    (
        "too_few_entries",
        f"SELECT t.id, COUNT(e.id) FROM {t} t LEFT JOIN {e} e ON e.transaction_id = t.id "  # noqa: S608
        "WHERE t.business_id = %s GROUP BY t.id HAVING COUNT(e.id) < 2 ORDER BY t.id",
        "transaction {0} has {1} entries; it needs two or more",
    ),
    (
        # An entry that mixes businesses belongs to this business on at least one side.
        "foreign_entry",
        f"SELECT e.id, e.transaction_id FROM {e} e JOIN {a} a ON a.id = e.account_id "  # noqa: S608
        f"JOIN {t} t ON t.id = e.transaction_id WHERE (e.business_id = %s OR "
        "a.business_id = %s OR t.business_id = %s) AND (a.unit <> e.unit OR "
        "a.business_id <> e.business_id OR t.business_id <> e.business_id) ORDER BY e.id",
        "entry {0} of transaction {1} does not match its account's unit or business",
    ),
    (
        "balance_drift",
        f"SELECT a.id, a.name, a.unit, COALESCE(bs.total, 0), COALESCE(es.total, 0) "  # noqa: S608
        f"FROM {a} a LEFT JOIN (SELECT b.account_id, SUM(b.amount) AS total FROM {b} b "
        f"JOIN {a} ba ON ba.id = b.account_id WHERE ba.business_id = %s "
        "GROUP BY b.account_id) bs ON bs.account_id = a.id "
        f"LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM {e} WHERE business_id = %s "
        "GROUP BY account_id) es ON es.account_id = a.id "
        "WHERE a.business_id = %s AND COALESCE(bs.total, 0) <> COALESCE(es.total, 0) "
        "ORDER BY a.id",
        "account {1} ({2}): the stored balance {3} differs from its entries' sum {4}",
    ),
    (
        "below_zero",
        f"SELECT a.id, a.name, a.unit, -SUM(b.amount) FROM {a} a JOIN {b} b "  # noqa: S608
        "ON b.account_id = a.id WHERE a.business_id = %s AND a.floored "
        "GROUP BY a.id, a.name, a.unit HAVING SUM(b.amount) > 0 ORDER BY a.id",
        "account {1} ({2}) is below zero: {3}",
    ),
    (
        "bad_reversal",
        f"SELECT t.id, t.reverses_id FROM {t} t WHERE t.business_id = %s "  # noqa: S608
        "AND t.reverses_id IS NOT NULL AND EXISTS ("
        f"SELECT account_id, unit, SUM(amount) FROM (SELECT account_id, unit, amount FROM {e} "
        f"WHERE transaction_id = t.id AND business_id = t.business_id UNION ALL "
        f"SELECT account_id, unit, amount FROM {e} WHERE transaction_id = t.reverses_id "
        "AND business_id = t.business_id) x GROUP BY account_id, unit "
        "HAVING SUM(amount) <> 0) ORDER BY t.id",
        "transaction {0} does not exactly reverse transaction {1}",
    ),
    (
        "budget_drift",
        f"SELECT m.program_id, m.month, m.spent, COALESCE(s.total, 0) FROM (SELECT "  # noqa: S608
        f"program_id, month, SUM(spent_minor) AS spent FROM {bm} WHERE business_id = %s "
        "GROUP BY program_id, month) m "
        "LEFT JOIN (SELECT program_id, budget_month, SUM(charged) AS total FROM ("
        f"SELECT program_id, budget_month, budget_minor AS charged FROM {r} "
        f"WHERE business_id = %s AND status = '{RewardStatus.POSTED.value}' UNION ALL "
        f"SELECT program_id, month, amount_minor FROM {bc} WHERE business_id = %s) c "
        "GROUP BY program_id, budget_month) s "
        "ON s.program_id = m.program_id AND s.budget_month = m.month "
        "WHERE m.spent <> COALESCE(s.total, 0) ORDER BY m.program_id, m.month",
        "program {0}, month {1}: the budget counts {2} spent but its rewards sum to {3}",
    ),
    (
        "reward_without_posting",
        f"SELECT r.id, r.key FROM {r} r WHERE r.business_id = %s "  # noqa: S608
        f"AND r.status = '{RewardStatus.POSTED.value}' "
        f"AND (r.transaction_id IS NULL OR NOT EXISTS (SELECT 1 FROM {t} t "
        "WHERE t.id = r.transaction_id AND t.key = r.key AND t.business_id = r.business_id)) "
        "ORDER BY r.id",
        "reward {0} ({1}) is marked paid but has no transaction for its cause",
    ),
    (
        "budget_share_overspent",
        f"SELECT program_id, month, slot, spent_minor, quota_minor FROM {bm} "  # noqa: S608
        "WHERE business_id = %s AND limit_minor IS NOT NULL AND spent_minor > quota_minor "
        "ORDER BY program_id, month, slot",
        "program {0}, month {1}: budget share {2} spent {3}, more than its quota {4}",
    ),
]
del e, t, a, b, bm, r, bc


def check_rows(business_id, statement) -> list[tuple]:
    """The rows one of CHECKS finds in the business's books (each a violation)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, [business_id] * statement.count("%s"))
        return cursor.fetchall()


def totals_by_unit(business_id) -> list[tuple]:
    """(unit, the sum of the business's entries in it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit, SUM(amount) FROM {ENTRY} WHERE business_id = %s GROUP BY unit",  # noqa: S608
            [business_id],
        )
        return cursor.fetchall()
