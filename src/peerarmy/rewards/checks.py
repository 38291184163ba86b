"""The invariants of a business's books, verified from the entries up: what `peerarmy ledger
check` runs. Each check is one SQL query; the first violation found is reported in words."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .models import Account, Balance, BudgetMonth, Entry, Reward, Transaction


@dataclass
class Violation:
    code: str
    message: str


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def check_business(business_id) -> list[Violation]:
    """Every violation, in the order of the checks (empty when the books are sound)."""
    e, t, a, b = (m._meta.db_table for m in (Entry, Transaction, Account, Balance))
    bm, r = BudgetMonth._meta.db_table, Reward._meta.db_table
    found: list[Violation] = []
    checks = [
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
            f"FROM {a} a LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM {b} "
            "GROUP BY account_id) bs ON bs.account_id = a.id "
            f"LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM {e} "
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
            f"WHERE transaction_id = t.id UNION ALL SELECT account_id, unit, amount FROM {e} "
            "WHERE transaction_id = t.reverses_id) x GROUP BY account_id, unit "
            "HAVING SUM(amount) <> 0) ORDER BY t.id",
            "transaction {0} does not exactly reverse transaction {1}",
        ),
        (
            "budget_drift",
            f"SELECT m.program_id, m.month, m.spent, COALESCE(s.total, 0) FROM (SELECT "  # noqa: S608
            f"program_id, month, SUM(spent_minor) AS spent FROM {bm} WHERE business_id = %s "
            "GROUP BY program_id, month) m "
            f"LEFT JOIN (SELECT program_id, budget_month, SUM(budget_minor) AS total FROM {r} "
            "WHERE status = 'posted' GROUP BY program_id, budget_month) s "
            "ON s.program_id = m.program_id AND s.budget_month = m.month "
            "WHERE m.spent <> COALESCE(s.total, 0)",
            "program {0}, month {1}: the budget counts {2} spent but its rewards sum to {3}",
        ),
        (
            "reward_without_posting",
            f"SELECT r.id, r.key FROM {r} r WHERE r.business_id = %s AND r.status = 'posted' "  # noqa: S608
            f"AND (r.transaction_id IS NULL OR NOT EXISTS (SELECT 1 FROM {t} t "
            "WHERE t.id = r.transaction_id AND t.key = r.key))",
            "reward {0} ({1}) is marked paid but has no transaction for its cause",
        ),
        (
            "budget_share_overspent",
            f"SELECT program_id, month, slot, spent_minor, quota_minor FROM {bm} "  # noqa: S608
            "WHERE business_id = %s AND limit_minor IS NOT NULL AND spent_minor > quota_minor",
            "program {0}, month {1}: budget share {2} spent {3}, more than its quota {4}",
        ),
    ]
    for code, sql, template in checks:
        params = [business_id] * sql.count("%s")
        for row in _rows(sql, params):
            found.append(Violation(code, template.format(*row)))
    return found


def totals_by_unit(business_id) -> dict[str, int]:
    """The sum over every account, per unit: zero in sound books."""
    e = Entry._meta.db_table
    rows = _rows(
        f"SELECT unit, SUM(amount) FROM {e} WHERE business_id = %s GROUP BY unit",  # noqa: S608
        [business_id],
    )
    return {unit: int(total) for unit, total in rows}
