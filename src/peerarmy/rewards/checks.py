"""The invariants of a business's books, verified from the entries up: what `peerarmy ledger
check` runs. Each check is one SQL query (`sql.CHECKS`); every violation found is reported in
words."""

from __future__ import annotations

from dataclasses import dataclass

from . import sql


@dataclass
class Violation:
    code: str
    message: str


def check_business(business_id) -> list[Violation]:
    """Every violation, in the order of the checks (empty when the books are sound)."""
    return [
        Violation(code, template.format(*row))
        for code, statement, template in sql.CHECKS
        for row in sql.check_rows(business_id, statement)
    ]


def totals_by_unit(business_id) -> dict[str, int]:
    """The sum over every account, per unit: zero in sound books."""
    return {unit: int(total) for unit, total in sql.totals_by_unit(business_id)}
