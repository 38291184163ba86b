"""What a used item is worth, on plain integers (cents): the price the shop suggests for an item
it sold, the trade-in offer, the commission a sale leaves the shop, and the seller's share as
money or as shop credit with a bonus. No Django: the services, the pages and the tests ask
these, and hypothesis checks them on their own.

A suggested price starts from what the item cost when the shop sold it and takes two cuts that
the owner tunes per category (the rule):

- the condition: a share of the original price kept for each grade (new with tags, excellent,
  good, worn, for parts), e.g. 80 %, 65 %, 50 %, 30 %, 10 %;
- the age: a share lost for each whole year since the purchase (e.g. 10 %), never below the
  rule's floor (e.g. 40 % of the condition's price is always kept).

The result is rounded half up to a whole unit (a euro) when it is at least one, and is never
more than the original price. A better grade never suggests less; an older item never more.

Trade-in: the shop pays the suggested price times the program's trade-in rate (e.g. 50 %, as
Worn Wear does), rounded down to a whole unit: the shop takes the risk of reselling, so it
never rounds in its own disfavour.

Commission: the category's percentage of the sale price, rounded half up to the cent, but at
least the category's minimum, and never more than the price; the seller gets the rest, so the
two always add up to the price to the cent. A seller who takes shop credit instead of money
gets their share plus the program's bonus percentage of it, rounded half up.
"""

from __future__ import annotations

from dataclasses import dataclass

GRADES = ("new_with_tags", "excellent", "good", "worn", "for_parts")
UNIT = 100  # minor units in a whole unit (a euro); prices are suggested in whole units


@dataclass(frozen=True)
class Rule:
    """How a category's used items are priced. `keep_percent` gives, per grade in GRADES'
    order, the share of the original price kept; the better grade keeps at least as much."""

    keep_percent: tuple[int, int, int, int, int] = (80, 65, 50, 30, 10)
    yearly_loss_percent: int = 10
    floor_percent: int = 40

    def __post_init__(self) -> None:
        if len(self.keep_percent) != len(GRADES):
            raise ValueError("a rule keeps a share for each of the five grades")
        if any(not 0 <= p <= 100 for p in self.keep_percent):
            raise ValueError("a share kept is a percentage from 0 to 100")
        if list(self.keep_percent) != sorted(self.keep_percent, reverse=True):
            raise ValueError("a better grade keeps at least as much as a worse one")
        if not 0 <= self.yearly_loss_percent <= 100:
            raise ValueError("the yearly loss is a percentage from 0 to 100")
        if not 0 <= self.floor_percent <= 100:
            raise ValueError("the floor is a percentage from 0 to 100")


@dataclass(frozen=True)
class Suggestion:
    """A suggested price and the numbers that explain it (the pages put them in words)."""

    original_minor: int
    grade: str
    keep_percent: int  # kept for the grade
    years: int  # whole years since the purchase
    age_percent: int  # kept for the age (100 for a new purchase), never below the floor
    price_minor: int


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def percent_half_up(amount: int, percent: int) -> int:
    """`percent` % of `amount`, rounded half up to the unit it is in."""
    return _half_up(amount * percent, 100)


def whole_years(months: int) -> int:
    return max(months, 0) // 12


def suggest(original_minor: int, grade: str, age_months: int, rule: Rule) -> Suggestion:
    """The price the shop suggests for an item it sold at `original_minor`, now in `grade`,
    bought `age_months` months ago."""
    if original_minor < 0:
        raise ValueError("an original price cannot be negative")
    keep = rule.keep_percent[GRADES.index(grade)]
    years = whole_years(age_months)
    age = max(100 - years * rule.yearly_loss_percent, rule.floor_percent)
    exact = original_minor * keep * age  # in 1/10,000 of a minor unit
    price = _half_up(exact, 10_000)
    if price >= UNIT:
        price = _half_up(exact, 10_000 * UNIT) * UNIT
    price = min(price, original_minor)
    return Suggestion(original_minor, grade, keep, years, age, price)


def trade_in_offer(suggested_minor: int, rate_percent: int) -> int:
    """What the shop pays at once for an item it would suggest selling at `suggested_minor`:
    the trade-in rate of it, rounded down to a whole unit (to the cent below one unit)."""
    if not 0 <= rate_percent <= 100:
        raise ValueError("the trade-in rate is a percentage from 0 to 100")
    offer = suggested_minor * rate_percent // 100
    return offer - offer % UNIT if offer >= UNIT else offer


def commission(price_minor: int, percent: int, minimum_minor: int = 0) -> tuple[int, int]:
    """(the shop's commission, the seller's share) of a sale at `price_minor`."""
    if price_minor < 0 or minimum_minor < 0:
        raise ValueError("a price and a minimum cannot be negative")
    if not 0 <= percent <= 100:
        raise ValueError("a commission is a percentage from 0 to 100")
    kept = min(max(percent_half_up(price_minor, percent), minimum_minor), price_minor)
    return kept, price_minor - kept


def credit_with_bonus(share_minor: int, bonus_percent: int) -> int:
    """The shop credit a seller gets for `share_minor` with the program's bonus on top."""
    if bonus_percent < 0:
        raise ValueError("a bonus cannot be negative")
    return share_minor + percent_half_up(share_minor, bonus_percent)
