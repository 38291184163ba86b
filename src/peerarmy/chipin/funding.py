"""The arithmetic of a chip-in campaign, on plain integers (minor units): the business's match,
what friends still need to give, whether a campaign is funded. No Django: the services, the
pages and the tests ask these, and hypothesis checks them on their own.

The match is a percentage of what friends gave, rounded down to the cent, up to a cap per
campaign. A campaign is funded when what friends gave plus the match on it reaches the goal.
"""

from __future__ import annotations

from dataclasses import dataclass


def match(given: int, percent: int, cap: int) -> int:
    """The business's share of `given`: `percent`% of it, rounded down, at most `cap`."""
    if given <= 0 or percent <= 0 or cap <= 0:
        return 0
    return min(cap, given * percent // 100)


def total(given: int, percent: int, cap: int) -> int:
    """What the beneficiary gets for `given`: the pledges and the match."""
    return given + match(given, percent, cap)


def is_funded(given: int, goal: int, percent: int, cap: int) -> bool:
    return total(given, percent, cap) >= goal


def pledge_ceiling(goal: int, percent: int, cap: int) -> int:
    """The least that friends must give, in all, for the campaign to be funded: the smallest
    `g` with `total(g) >= goal`. A campaign that does not take over-funding accepts pledges up
    to it and no further. `total` never decreases as `g` grows, so a bisection finds it."""
    if goal <= 0:
        return 0
    low, high = 0, goal  # total(goal) >= goal always
    while low < high:
        middle = (low + high) // 2
        if total(middle, percent, cap) >= goal:
            high = middle
        else:
            low = middle + 1
    return low


def still_needed(pledged: int, ceiling: int) -> int:
    """What friends may still promise when `pledged` is already promised."""
    return max(0, ceiling - pledged)


@dataclass(frozen=True)
class Progress:
    """A campaign as its page shows it."""

    goal: int
    received: int  # paid by friends
    pledged: int  # promised, paid or not
    match: int  # the business's share of what was received
    total: int  # received + match
    percent: int  # of the goal, 0..100 (capped for the bar)
    left: int  # what is still missing, after the match

    @property
    def reached(self) -> bool:
        return self.total >= self.goal


def progress(goal: int, received: int, pledged: int, percent: int, cap: int) -> Progress:
    share = match(received, percent, cap)
    got = received + share
    shown = 100 if got >= goal else (got * 100 // goal if goal > 0 else 0)
    return Progress(
        goal=goal,
        received=received,
        pledged=pledged,
        match=share,
        total=got,
        percent=shown,
        left=max(0, goal - got),
    )


def split_payment(amount: int, pledge_left: int) -> tuple[int, int]:
    """A payment for a pledge: (what goes to the campaign, what goes back to the payer)."""
    applied = max(0, min(amount, pledge_left))
    return applied, amount - applied
