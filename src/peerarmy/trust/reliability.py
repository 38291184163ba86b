"""The reliability score: a pure, columnar core (no Django) from a peer's history to 0-100.

Input is one business's peers (`Peers`: id and nothing else) and their history as one row per
event (`Events`: the peer, what happened, when, and the stars of a rating); output is one row
per peer (`ReliabilityTable`) with the score and, for each component, its value, its quality
(0-1) and its points. docs/trust.md explains the formula; the constants below are its.

Every event counts with a weight that halves every `half_life_days` (a no-show of last week
weighs more than one of last year). The components:

- stars: a Bayesian average of the ratings' stars, starting from the business's prior as if
  it were `prior_weight` ratings, mapped from 1-5 to 0-1;
- completion: completed blocks and meetings over those taken on, again with a prior
  (`PRIOR_COMPLETION` as if it were `COMPLETION_PRIOR_WEIGHT` of them);
- no-shows, late releases, cancellations: each halves its quality every `*_HALF` weighted
  events (one recent no-show leaves half of the no-show points);
- tenure: how long ago the peer first completed something here, saturating (half at
  `TENURE_HALF_DAYS`).

The score is the sum of the points (each component's quality times its weight, the weights
add up to 100), so it is within 0-100, it never falls when a good event (a completion, a
five-star rating) is added nor rises with a bad one (a no-show, a late release, a
cancellation, a one-star rating), and it does not depend on the order of the events. A peer
without history has exactly `prior_score(...)`.

The work is NumPy's `bincount` over the whole event table at once: 5,000,000 events of
100,000 peers take about a second (benchmarks/trust.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Event kinds (the `kind` column).
COMPLETED = 0
NO_SHOW = 1
LATE_RELEASE = 2
CANCELLED = 3
RATING = 4
KINDS = {
    "completed": COMPLETED,
    "no_show": NO_SHOW,
    "late_release": LATE_RELEASE,
    "cancelled": CANCELLED,
    "rating": RATING,
}

COMPONENTS = ("stars", "completion", "no_shows", "late_releases", "cancellations", "tenure")
WEIGHTS = {
    "stars": 35.0,
    "completion": 30.0,
    "no_shows": 15.0,
    "late_releases": 5.0,
    "cancellations": 5.0,
    "tenure": 10.0,
}
DEFAULT_PRIOR_STARS = 4.0
DEFAULT_PRIOR_WEIGHT = 5.0  # the prior counts as this many ratings
# A business's prior: its own peers' average stars, shrunk towards the default as if the
# default were this many ratings (a business with three ratings keeps about the default).
BUSINESS_PRIOR_WEIGHT = 20.0
PRIOR_COMPLETION = 0.9
COMPLETION_PRIOR_WEIGHT = 5.0
NO_SHOW_HALF = 1.0
LATE_RELEASE_HALF = 2.0
CANCELLATION_HALF = 2.0
TENURE_HALF_DAYS = 90.0
DEFAULT_HALF_LIFE_DAYS = 180.0
SECONDS_PER_DAY = 86_400.0
SCORE_DECIMALS = 1
POINTS_DECIMALS = 4


@dataclass(frozen=True)
class Params:
    """The business's prior and the recency half-life."""

    prior_stars: float = DEFAULT_PRIOR_STARS
    prior_weight: float = DEFAULT_PRIOR_WEIGHT
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS

    def __post_init__(self):
        if not (1.0 <= self.prior_stars <= 5.0):
            raise ValueError("prior_stars must be within 1 and 5.")
        if not (self.prior_weight > 0 and math.isfinite(self.prior_weight)):
            raise ValueError("prior_weight must be above zero.")
        if not (self.half_life_days > 0 and math.isfinite(self.half_life_days)):
            raise ValueError("half_life_days must be above zero.")


@dataclass
class Events:
    """One row per event: `peer` (a peer id), `kind` (COMPLETED, NO_SHOW, ...), `at` (POSIX
    seconds) and `stars` (1-5 for a RATING, ignored otherwise)."""

    peer: np.ndarray
    kind: np.ndarray
    at: np.ndarray
    stars: np.ndarray

    def __post_init__(self):
        self.peer = np.asarray(self.peer, dtype=np.int64)
        self.kind = np.asarray(self.kind, dtype=np.int8)
        self.at = np.asarray(self.at, dtype=np.float64)
        self.stars = np.asarray(self.stars, dtype=np.float32)
        if not (len(self.peer) == len(self.kind) == len(self.at) == len(self.stars)):
            raise ValueError("Every event column must have one value per event.")
        if len(self.kind) and (self.kind.min() < COMPLETED or self.kind.max() > RATING):
            raise ValueError("Unknown event kind.")
        rated = self.kind == RATING
        if rated.any():
            stars = self.stars[rated]
            if not (np.isfinite(stars).all() and stars.min() >= 1 and stars.max() <= 5):
                raise ValueError("A rating's stars must be within 1 and 5.")

    def __len__(self):
        return len(self.peer)

    @classmethod
    def from_rows(cls, rows) -> Events:
        """From (peer, kind name or number, at seconds, stars or None) tuples."""
        peer, kind, at, stars = [], [], [], []
        for p, k, t, s in rows:
            peer.append(p)
            kind.append(KINDS[k] if isinstance(k, str) else k)
            at.append(t)
            stars.append(np.nan if s is None else s)
        return cls(np.array(peer), np.array(kind), np.array(at), np.array(stars))


@dataclass
class ReliabilityTable:
    """The scores, in the order of the input peers. `values[key]` is each component's value
    as the explanation says it (stars: the Bayesian average; completion: the rate; no-shows,
    late releases, cancellations, ratings, completed, taken on: counts; tenure: days)."""

    peer_id: np.ndarray
    score: np.ndarray
    quality: dict[str, np.ndarray]
    points: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    prior: float
    exact: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the score unrounded
    has_history: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __len__(self):
        return len(self.peer_id)

    def components(self, i: int) -> list[dict[str, Any]]:
        """Row i's components as stored in `ReliabilityScore.components`."""
        return [
            {
                "key": key,
                "value": _plain(self.values[key][i]),
                "quality": round(float(self.quality[key][i]), POINTS_DECIMALS),
                "points": round(float(self.points[key][i]), POINTS_DECIMALS),
                "max": WEIGHTS[key],
            }
            for key in COMPONENTS
        ]

    def counts(self, i: int) -> dict[str, Any]:
        """The plain counts of row i (ratings, average stars as given, completed, taken on)."""
        return {
            key: _plain(self.values[key][i])
            for key in ("ratings", "stars_avg", "completed", "taken_on")
        }

    def index(self) -> dict[int, int]:
        return {int(peer_id): i for i, peer_id in enumerate(self.peer_id)}


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, 4)
    return value


def business_prior(stars_sum: float, ratings: int, default: float = DEFAULT_PRIOR_STARS) -> float:
    """A business's prior stars: its ratings' average shrunk towards the default."""
    total = BUSINESS_PRIOR_WEIGHT * default + float(stars_sum)
    return min(5.0, max(1.0, total / (BUSINESS_PRIOR_WEIGHT + max(0, ratings))))


def _quality(params: Params, w: dict[str, np.ndarray], tenure_days: np.ndarray):
    """Each component's quality (0-1) from the weighted sums per peer."""
    stars = (params.prior_weight * params.prior_stars + w["stars_sum"]) / (
        params.prior_weight + w["ratings"]
    )
    completion = (COMPLETION_PRIOR_WEIGHT * PRIOR_COMPLETION + w["completed"]) / (
        COMPLETION_PRIOR_WEIGHT + w["completed"] + w["no_shows"] + w["cancellations"]
    )
    return (
        {
            "stars": np.clip((stars - 1.0) / 4.0, 0.0, 1.0),
            "completion": np.clip(completion, 0.0, 1.0),
            "no_shows": np.power(0.5, w["no_shows"] / NO_SHOW_HALF),
            "late_releases": np.power(0.5, w["late_releases"] / LATE_RELEASE_HALF),
            "cancellations": np.power(0.5, w["cancellations"] / CANCELLATION_HALF),
            "tenure": 1.0 - np.power(0.5, np.maximum(tenure_days, 0.0) / TENURE_HALF_DAYS),
        },
        stars,
        completion,
    )


def prior_score(params: Params | None = None) -> float:
    """The score of a peer without any history (every new peer's)."""
    params = params or Params()
    zero = np.zeros(1)
    w = {
        k: zero
        for k in ("stars_sum", "ratings", "completed", "no_shows", "cancellations", "late_releases")
    }
    quality, _stars, _completion = _quality(params, w, zero)
    total = sum(quality[key] * WEIGHTS[key] for key in COMPONENTS)
    return round(float(total[0]), SCORE_DECIMALS)


def compute(peer_ids, events: Events, as_of: float, params: Params | None = None):
    """Score every peer of `peer_ids` (distinct ids) at moment `as_of` (POSIX seconds) from
    `events` (events of other peers are ignored; events after `as_of` count as of now)."""
    params = params or Params()
    peer_ids = np.asarray(peer_ids, dtype=np.int64)
    n = len(peer_ids)
    order = np.argsort(peer_ids, kind="stable")
    sorted_ids = peer_ids[order]
    if n and np.any(sorted_ids[1:] == sorted_ids[:-1]):
        raise ValueError("Peer ids must be distinct.")

    # Each event's row in `peer_ids` (events of unknown peers are dropped).
    pos = np.searchsorted(sorted_ids, events.peer)
    pos_c = np.minimum(pos, max(n - 1, 0))
    known = (pos < n) & (sorted_ids[pos_c] == events.peer) if n else np.zeros(len(events), bool)
    row = order[pos_c[known]] if n else np.zeros(0, np.int64)
    kind = events.kind[known]
    at = events.at[known]
    age_days = np.maximum(as_of - at, 0.0) / SECONDS_PER_DAY
    weight = np.exp2(-age_days / params.half_life_days)
    del age_days

    def weighted(mask, values=None):
        v = weight[mask] if values is None else weight[mask] * values
        return np.bincount(row[mask], weights=v, minlength=n).astype(np.float64)

    def counted(mask):
        return np.bincount(row[mask], minlength=n).astype(np.int64)

    done = kind == COMPLETED
    rated = kind == RATING
    stars = events.stars[known].astype(np.float64)
    w = {
        "completed": weighted(done),
        "no_shows": weighted(kind == NO_SHOW),
        "late_releases": weighted(kind == LATE_RELEASE),
        "cancellations": weighted(kind == CANCELLED),
        "ratings": weighted(rated),
        "stars_sum": weighted(rated, stars[rated]),
    }
    # Tenure: days since the first completion (none: 0).
    first = np.full(n, np.inf)
    np.minimum.at(first, row[done], at[done])
    tenure_days = np.where(np.isfinite(first), np.maximum(as_of - first, 0.0), 0.0)
    tenure_days = tenure_days / SECONDS_PER_DAY

    quality, bayes_stars, completion = _quality(params, w, tenure_days)
    points = {key: np.round(quality[key] * WEIGHTS[key], POINTS_DECIMALS) for key in COMPONENTS}
    score = np.zeros(n)
    for key in COMPONENTS:
        score += quality[key] * WEIGHTS[key]
    exact = np.clip(score, 0.0, 100.0)
    score = np.round(exact, SCORE_DECIMALS)

    n_completed = counted(done)
    n_no_shows = counted(kind == NO_SHOW)
    n_cancelled = counted(kind == CANCELLED)
    n_ratings = counted(rated)
    raw_sum = np.bincount(row[rated], weights=stars[rated], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        stars_avg = np.where(n_ratings > 0, raw_sum / np.maximum(n_ratings, 1), np.nan)
    values = {
        "stars": np.round(bayes_stars, 2),
        "completion": np.round(completion, 4),
        "no_shows": n_no_shows,
        "late_releases": counted(kind == LATE_RELEASE),
        "cancellations": n_cancelled,
        "tenure": np.floor(tenure_days).astype(np.int64),
        "ratings": n_ratings,
        "stars_avg": np.round(stars_avg, 2),
        "completed": n_completed,
        "taken_on": n_completed + n_no_shows + n_cancelled,
    }
    has_history = np.bincount(row, minlength=n) > 0
    return ReliabilityTable(
        peer_id=peer_ids,
        score=score,
        quality=quality,
        points=points,
        values=values,
        prior=prior_score(params),
        exact=exact,
        has_history=has_history,
    )
