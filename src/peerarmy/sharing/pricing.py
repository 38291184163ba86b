"""What a booking of a shared asset costs, on plain integers (cents): the price of a stretch of
time under a tariff, the peer discount, the fee for bringing the asset back late, and how the
takings split between the business and the asset's owner. No Django: the services, the pages
and the tests ask these, and hypothesis checks them on their own.

A tariff has a price per started hour, a price per 24 hours, or both. A booking is measured in
real elapsed time (an hour lost or gained when the clocks change is not charged or given away)
and rounded up to the whole minute. Then:

- With both prices, every whole 24 hours costs the day price, and what is left over costs the
  hour price for each hour it starts, but never more than one day: the day price is a cap, so
  no 24 hours of a booking ever cost more than a day. 5 hours 10 minutes at 6 € an hour and
  30 € a day is 6 started hours, 36 €, capped at 30 €; a day and 3 hours is 30 € + 18 €.
- With an hour price only, every started hour costs the hour price, however many there are
  (a 30-hour booking is 30 hours; nothing caps it).
- With a day price only, every started 24 hours costs the day price: 26 hours are two days.

A peer of the army pays the tariff's peer discount less: that percentage of the price, rounded
half up to the cent. A longer booking never costs less than a shorter one from the same start.

Late return: within the tariff's grace minutes it is free. Past them, the whole delay from the
moment the asset was due (the grace is not deducted) is priced like a booking of that length,
without any discount, and charged at the tariff's late-fee percentage of that price, rounded
half up: at 100 % being late costs what booking the extra time would have cost, at 150 % half
as much again.

Commission: the business keeps its percentage of what a booking took, rounded half up to the
cent, and the owner gets the rest, so the two always add up to the takings to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Tariff:
    """How an asset is priced. A tariff with neither price cannot be quoted."""

    hour_minor: int | None  # price per started hour; None: not rentable by the hour
    day_minor: int | None  # price per 24 hours; also the daily cap when there is an hour price
    peer_discount_percent: int = 0  # 0..100, for peers of the army
    late_fee_percent: int = 100  # late time costs this % of its normal price
    late_grace_minutes: int = 0

    def __post_init__(self) -> None:
        if self.hour_minor is not None and self.hour_minor < 0:
            raise ValueError("the hour price cannot be negative")
        if self.day_minor is not None and self.day_minor < 0:
            raise ValueError("the day price cannot be negative")
        if not 0 <= self.peer_discount_percent <= 100:
            raise ValueError("the peer discount is a percentage from 0 to 100")
        if self.late_fee_percent < 0:
            raise ValueError("the late fee percentage cannot be negative")
        if self.late_grace_minutes < 0:
            raise ValueError("the grace period cannot be negative")


@dataclass(frozen=True)
class Quote:
    """The price of one booking, line by line as a receipt shows it."""

    minutes: int  # length of the booking in whole minutes (rounded up)
    days: int  # whole 24-hour periods charged at the day price
    hours: int  # started hours after the days: 0..24 with a day price (23h30 left is 24 started
    # hours, capped at a day), any number with an hour price only
    hours_minor: int  # what those hours cost after the daily cap: min(hours*hour, day)
    gross_minor: int  # days*day_minor + hours_minor
    discount_minor: int  # the peer discount (0 when not a peer)
    total_minor: int  # gross - discount


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _percent_half_up(amount: int, percent: int) -> int:
    """`percent`% of a non-negative `amount`, rounded half up to the cent."""
    return (amount * percent + 50) // 100


def _elapsed(starts_at: datetime, ends_at: datetime) -> timedelta:
    """Real time between two aware datetimes. Subtracting two datetimes that share a tzinfo
    gives wall-clock time, which is an hour off across a change of the clocks; through UTC
    it is the time that really passed."""
    for moment in (starts_at, ends_at):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("times must be timezone-aware")
    return ends_at.astimezone(UTC) - starts_at.astimezone(UTC)


def _whole_minutes(length: timedelta) -> int:
    """A positive length in minutes, any part of a minute counting as a whole one."""
    return _ceil_div(length // timedelta(microseconds=1), _MINUTE // timedelta(microseconds=1))


def _price_minutes(tariff: Tariff, minutes: int) -> tuple[int, int, int]:
    """(days, hours, hours_minor) for `minutes` > 0 under the tariff, as the module says."""
    hour, day = tariff.hour_minor, tariff.day_minor
    if hour is not None and day is not None:
        days, rest = divmod(minutes, MINUTES_PER_DAY)
        hours = _ceil_div(rest, MINUTES_PER_HOUR)
        return days, hours, min(hours * hour, day)
    if hour is not None:
        hours = _ceil_div(minutes, MINUTES_PER_HOUR)
        return 0, hours, hours * hour
    if day is not None:
        return _ceil_div(minutes, MINUTES_PER_DAY), 0, 0
    raise ValueError("the tariff has neither an hour nor a day price")


def quote(tariff: Tariff, starts_at: datetime, ends_at: datetime, *, peer: bool = False) -> Quote:
    """The price of booking the asset from `starts_at` to `ends_at`; `peer` for a peer of the
    army, who gets the tariff's peer discount. The end must come after the start."""
    length = _elapsed(starts_at, ends_at)
    if length <= timedelta(0):
        raise ValueError("a booking must end after it starts")
    minutes = _whole_minutes(length)
    days, hours, hours_minor = _price_minutes(tariff, minutes)
    gross = days * (tariff.day_minor or 0) + hours_minor
    discount = min(gross, _percent_half_up(gross, tariff.peer_discount_percent)) if peer else 0
    return Quote(
        minutes=minutes,
        days=days,
        hours=hours,
        hours_minor=hours_minor,
        gross_minor=gross,
        discount_minor=discount,
        total_minor=gross - discount,
    )


def late_fee(tariff: Tariff, due_at: datetime, returned_at: datetime) -> int:
    """What bringing the asset back at `returned_at` instead of `due_at` costs: nothing within
    the grace minutes (or when early), else the late-fee percentage of what booking the whole
    delay would cost, rounded half up."""
    late = _elapsed(due_at, returned_at)
    if late <= timedelta(minutes=tariff.late_grace_minutes) or late <= timedelta(0):
        return 0
    price = quote(tariff, due_at, returned_at).gross_minor
    return _percent_half_up(price, tariff.late_fee_percent)


def commission(total_minor: int, percent: int) -> tuple[int, int]:
    """(the business's commission, the owner's share) of what a booking took: `percent`% for
    the business rounded half up to the cent, the rest for the owner; they sum to the total."""
    if not 0 <= percent <= 100:
        raise ValueError("the commission is a percentage from 0 to 100")
    if total_minor < 0:
        raise ValueError("the takings cannot be negative")
    business = _percent_half_up(total_minor, percent)
    return business, total_minor - business
