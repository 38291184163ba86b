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
