"""Which link gets the credit of a first order: a pure rule (no Django), tested on its own.

A person may have come through several links (a sign-up through one, an application through
another). Their first order is credited to the **last** of them that happened before it (a
day's slack for exports that give only the order's day), and only within `window` of it: an
order from before every one of them, or long after, is not a link's doing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

SLACK = timedelta(days=1)


@dataclass(frozen=True)
class Credit:
    """One credited step of a person (a sign-up, an application): when, and its id to break
    ties in the order they were made."""

    at: datetime
    order: int


def credited_step(
    credits: list[tuple[Credit, T]], first_order_at: datetime, window: timedelta
) -> T | None:
    """The item of the credit a first order placed at `first_order_at` is credited to, or None."""
    before = [(c, item) for c, item in credits if c.at - SLACK <= first_order_at]
    if not before:
        return None
    last, item = max(before, key=lambda pair: (pair[0].at, pair[0].order))
    if first_order_at > last.at + window:
        return None
    return item
