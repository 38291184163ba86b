"""The pure rules of claiming (distance, overlap, rest, weekly hours, future blocks): plain
data in, plain data out, shared by the claim service and the claimable list."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (lat1, lon1, lat2, lon2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_to(home_latitude, home_longitude, block) -> float | None:
    """Kilometres from a peer's home area to a block's place; None for a remote block, a block
    without coordinates, or a peer without a home area."""
    if block.is_remote or block.latitude is None or block.longitude is None:
        return None
    if home_latitude is None or home_longitude is None:
        return None
    return haversine_km(home_latitude, home_longitude, block.latitude, block.longitude)


def place_problems(block, distance, travel_radius_km) -> list[str]:
    """What keeps a peer from a block's place (scheduling's own rule, not eligibility):
    `no_home_area` (the block takes peers within a distance, and the peer's home area is not
    known), `beyond_radius` (farther than the peer travels), `beyond_limit` (farther than the
    block allows). `distance` is `distance_to`'s answer."""
    if block.is_remote or block.latitude is None or block.longitude is None:
        return []
    if distance is None:
        return ["no_home_area"] if block.max_distance_km else []
    found = []
    if distance > travel_radius_km:
        found.append("beyond_radius")
    if block.max_distance_km and distance > block.max_distance_km:
        found.append("beyond_limit")
    return found


def has_started(starts_at, now) -> bool:
    """Has a block from `starts_at` started? Then peers can no longer claim it, and staff may
    mark its claims completed or no-shows."""
    return starts_at <= now


def is_over(ends_at, now) -> bool:
    """Is a block that ends at `ends_at` over? Then it can no longer be cancelled."""
    return ends_at <= now


# Check-in and check-out are open from this long before a block starts to this long after it
# ends.
CHECK_IN_MARGIN = timedelta(minutes=30)


def check_in_open(starts_at, ends_at, now) -> bool:
    """Is the check-in (and check-out) window of a block from `starts_at` to `ends_at` open?"""
    return starts_at - CHECK_IN_MARGIN <= now <= ends_at + CHECK_IN_MARGIN


def needs_position(block) -> bool:
    """Does checking in at `block` need the peer's position (a radius around a real place)?"""
    return bool(block.check_in_radius_m and block.has_coordinates and not block.is_remote)


def held_since(now: datetime, tz: tzinfo) -> datetime:
    """Claims that can still matter to a new one: this ISO week's, and any later."""
    return min(iso_week_bounds(now, tz)[0], now - timedelta(days=1))


# Claims read without the business's time zone at hand go back this far, which covers
# `held_since` in every zone (an ISO week, with a daylight-saving hour to spare).
HELD_LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class Limits:
    max_hours_per_week: int = 20
    min_rest_minutes: int = 60
    max_future_blocks: int = 5
    forfeit_cutoff_minutes: int = 60


@dataclass(frozen=True)
class Held:
    """One of the peer's active claims."""

    block_id: int
    starts_at: datetime
    ends_at: datetime


def iso_week_bounds(moment: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to next Monday 00:00 of the ISO week that holds `moment`, in `tz`."""
    local = moment.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).date()
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    nxt = monday + timedelta(days=7)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)


def fairness_problem(
    *, block_id, starts_at, ends_at, held: list[Held], limits: Limits, now, tz
) -> str | None:
    """The code of the first rule a new claim would break, or None. Checked in this order:
    already claimed, overlap, rest, weekly hours, number of future blocks."""
    rest = timedelta(minutes=limits.min_rest_minutes)
    week_start, week_end = iso_week_bounds(starts_at, tz)
    week_seconds = (ends_at - starts_at).total_seconds()
    upcoming = 0
    problem_rest = False
    for h in held:
        if h.block_id == block_id:
            return "already_claimed"
        if h.starts_at < ends_at and h.ends_at > starts_at:
            return "overlaps_claimed_block"
        if h.starts_at < ends_at + rest and h.ends_at > starts_at - rest:
            problem_rest = True
        if week_start <= h.starts_at < week_end:
            week_seconds += (h.ends_at - h.starts_at).total_seconds()
        if h.ends_at > now:
            upcoming += 1
    if problem_rest:
        return "min_rest_violated"
    if week_seconds > limits.max_hours_per_week * 3600:
        return "weekly_hours_exceeded"
    if upcoming >= limits.max_future_blocks:
        return "too_many_future_blocks"
    return None
