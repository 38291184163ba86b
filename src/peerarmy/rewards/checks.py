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


# Checks of the apps that book through the ledger (chip-in's campaigns): each takes a
# business id and returns its violations. Registered by the app's AppConfig.ready, so that
# this app imports none of them.
_EXTRA = []


def register(check) -> None:
    if check not in _EXTRA:
        _EXTRA.append(check)


def check_business(business_id) -> list[Violation]:
    """Every violation, in the order of the checks (empty when the books are sound)."""
    found = [
        Violation(code, template.format(*row))
        for code, statement, template in sql.CHECKS
        for row in sql.check_rows(business_id, statement)
    ]
    for check in _EXTRA:
        found.extend(check(business_id))
    return found


def totals_by_unit(business_id) -> dict[str, int]:
    """The sum over every account, per unit: zero in sound books."""
    return {unit: int(total) for unit, total in sql.totals_by_unit(business_id)}
