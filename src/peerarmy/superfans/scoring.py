"""The superfan score: a pure, columnar core (no Django) from customer features to 0-100.

Input is one row per customer of one business (`Features`, plain columns), the business's
weights and the moment of scoring; output is one row per customer (`ScoreTable`) with the
score and, for each component, its raw value, percentile (ranked components only), points
and share. The formulas are explained in docs/superfans.md; the constants below are theirs.

The work is done by Polars expressions over the whole table at once (benchmarks/
superfans_score.py measures it against the same formulas written for DuckDB).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Polars is imported where it is used: loading Django must not import it.
    import polars as pl

COMPONENTS = ("recency", "frequency", "monetary", "nps", "reviews", "referrals", "mentions")
RANKED = ("recency", "frequency", "monetary")

DEFAULT_WEIGHTS = {
    "recency": 15,
    "frequency": 20,
    "monetary": 25,
    "nps": 15,
    "reviews": 10,
    "referrals": 10,
    "mentions": 5,
}

# NPS answer (0-10) -> share of the NPS weight. Promoters add, passives add little,
# detractors subtract, the lower the answer the more.
NPS_FACTOR = (-1.0, -6 / 7, -5 / 7, -4 / 7, -3 / 7, -2 / 7, -1 / 7, 0.0, 0.1, 0.75, 1.0)
# Saturation: 1 - 0.5 ** (n / HALF) is half the weight at n = HALF, 3/4 at 2 * HALF, ...
REVIEWS_HALF = 1.0
REFERRALS_HALF = 1.0
# Reviews count by their average stars: 2 stars or less nothing, 5 stars all.
REVIEWS_ZERO_STARS = 2.0
# Mentions: logarithmic, full at MENTIONS_FULL posts and MENTIONS_ENGAGEMENT_FULL
# interactions; the count weighs MENTIONS_COUNT_PART, the engagement the rest.
MENTIONS_FULL = 10
MENTIONS_ENGAGEMENT_FULL = 1000
MENTIONS_COUNT_PART = 0.6
# Points are rounded (so the stored explanation stays short); the score is their sum.
POINTS_DECIMALS = 6
PERCENTILE_DECIMALS = 4
# Shares are rounded too: seven of them still add up to 1 within 4e-10.
SHARE_DECIMALS = 10
SECONDS_PER_DAY = 86_400


@dataclass
class Features:
    """One business's customers, column by column (all columns have the same length).

    `last_order_at` is the last counted order (aware datetime, or None without one); `nps` the
    latest answer (0-10 or None); `reviews_avg` the average stars (None without reviews);
    `referrals` the referred friends who became customers.
    """

    customer_id: Sequence[int]
    last_order_at: Sequence[datetime | None]
    orders: Sequence[int]
    spend_minor: Sequence[int]
    nps: Sequence[int | None]
    reviews_count: Sequence[int]
    reviews_avg: Sequence[float | None]
    referrals: Sequence[int]
    mentions_count: Sequence[int]
    mentions_engagement: Sequence[int]

    def __post_init__(self):
        lengths = {len(getattr(self, f.name)) for f in fields(self)}
        if len(lengths) > 1:
            raise ValueError("Every feature column must have one value per customer.")

    def __len__(self):
        return len(self.customer_id)

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> Features:
        """From one mapping per customer (missing keys are "nothing": 0 or None)."""
        defaults = {
            "last_order_at": None,
            "orders": 0,
            "spend_minor": 0,
            "nps": None,
            "reviews_count": 0,
            "reviews_avg": None,
            "referrals": 0,
            "mentions_count": 0,
            "mentions_engagement": 0,
        }
        columns: dict[str, list[Any]] = {f.name: [] for f in fields(cls)}
        for row in rows:
            columns["customer_id"].append(row["customer_id"])
            for name, default in defaults.items():
                columns[name].append(row.get(name, default))
        return cls(**columns)


@dataclass
class ScoreTable:
    """The scores, in the order of the input rows.

    `values` holds the raw inputs column by column: "recency" (days since the last order),
    "frequency" (orders), "monetary" (spend), "nps", "referrals", and "reviews_count",
    "reviews_avg", "mentions_count", "mentions_engagement"; `value(key, i)` gives one
    component's value as in the explanation ({count, avg} and {count, engagement} for
    reviews and mentions);
    `percentile[key]` (share of buyers at or below, 0 for a customer without orders) and
    `top_percent[key]` (share of buyers at or above, None without orders) exist for the
    ranked components only.
    """

    customer_id: list[int]
    score: list[float]
    values: dict[str, list[Any]]
    percentile: dict[str, list[float]]
    top_percent: dict[str, list[float | None]]
    points: dict[str, list[float]]
    share: dict[str, list[float]]
    _json: list[str] | None = field(default=None, repr=False)

    def __len__(self):
        return len(self.customer_id)

    def value(self, key: str, i: int) -> Any:
        if key == "reviews":
            return {"count": self.values["reviews_count"][i], "avg": self.values["reviews_avg"][i]}
        if key == "mentions":
            return {
                "count": self.values["mentions_count"][i],
                "engagement": self.values["mentions_engagement"][i],
            }
        return self.values[key][i]

    def components(self, i: int) -> list[dict[str, Any]]:
        """Row i's components as stored in `SuperfanScore.components`."""
        return [
            {
                "key": key,
                "value": self.value(key, i),
                "percentile": self.percentile[key][i] if key in RANKED else None,
                "points": self.points[key][i],
                "share": self.share[key][i],
                **({"top_percent": self.top_percent[key][i]} if key in RANKED else {}),
            }
            for key in COMPONENTS
        ]

    def components_json(self) -> list[str]:
        """Every row's components as JSON text (the same as `components(i)`), built in bulk."""
        if self._json is None:
            self._json = [json.dumps(self.components(i)) for i in range(len(self))]
        return self._json

    def index(self) -> dict[int, int]:
        return {customer_id: i for i, customer_id in enumerate(self.customer_id)}


def normalised_weights(weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """The weights scaled to add up to 100 (only their ratios matter)."""
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"Unknown components: {', '.join(sorted(unknown))}")
    values = {key: float(weights.get(key, 0) or 0) for key in COMPONENTS}
    if any(v < 0 or not math.isfinite(v) for v in values.values()):
        raise ValueError("Weights cannot be negative.")
    total = sum(values.values())
    if total <= 0:
        raise ValueError("At least one weight must be above zero.")
    return {key: value * 100.0 / total for key, value in values.items()}


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("last_order_at must be timezone-aware.")
    return value.timestamp()


def features_frame(features: Features) -> pl.DataFrame:
    """The features as a Polars frame with fixed types (shared with the benchmark)."""
    import polars as pl

    return pl.DataFrame(
        {
            "customer_id": pl.Series(features.customer_id, dtype=pl.Int64),
            "last_ts": pl.Series([_timestamp(v) for v in features.last_order_at], dtype=pl.Float64),
            "orders": pl.Series(features.orders, dtype=pl.Int64),
            "spend_minor": pl.Series(features.spend_minor, dtype=pl.Int64),
            "nps": pl.Series(features.nps, dtype=pl.Int64),
            "reviews_count": pl.Series(features.reviews_count, dtype=pl.Int64),
            "reviews_avg": pl.Series(features.reviews_avg, dtype=pl.Float64),
            "referrals": pl.Series(features.referrals, dtype=pl.Int64),
            "mentions_count": pl.Series(features.mentions_count, dtype=pl.Int64),
            "mentions_engagement": pl.Series(features.mentions_engagement, dtype=pl.Int64),
        }
    )


def _saturating(column: pl.Expr, half: float) -> pl.Expr:
    import polars as pl

    return 1.0 - pl.lit(0.5).pow(column.clip(lower_bound=0).cast(pl.Float64) / half)


def _log_share(column: pl.Expr, full: float) -> pl.Expr:
    import polars as pl

    return (column.clip(lower_bound=0).cast(pl.Float64).log1p() / math.log1p(full)).clip(
        upper_bound=1.0
    )


def _ranked_percentile(value: pl.Expr, buyer: pl.Expr, n_buyers: pl.Expr) -> pl.Expr:
    import polars as pl

    # rank("max") of v = how many values are <= v; nulls (non-buyers) are left out.
    ranked = pl.when(buyer).then(value).rank("max").cast(pl.Float64)
    return pl.when(buyer).then(ranked * 100.0 / n_buyers).otherwise(0.0).fill_null(0.0)


def _ranked_top(value: pl.Expr, buyer: pl.Expr, n_buyers: pl.Expr) -> pl.Expr:
    import polars as pl

    # rank("min") of v = 1 + how many values are < v, so n - rank + 1 are >= v.
    ranked = pl.when(buyer).then(value).rank("min").cast(pl.Float64)
    return pl.when(buyer).then((n_buyers - ranked + 1.0) * 100.0 / n_buyers)


def score_frame(frame: pl.DataFrame, weights: Mapping[str, float], as_of: datetime) -> pl.DataFrame:
    """The whole computation on a features frame; returns one column per output field."""
    import polars as pl

    w = normalised_weights(weights)
    now = _timestamp(as_of)
    buyer = pl.col("orders") > 0
    n_buyers = buyer.sum().cast(pl.Float64)
    has_ts = buyer & pl.col("last_ts").is_not_null()
    # Recency ranks the last order's moment: a buyer without one counts as the oldest.
    n_buyers_no_ts = (buyer & pl.col("last_ts").is_null()).sum().cast(pl.Float64)
    recency_rank = pl.when(has_ts).then(pl.col("last_ts")).rank("max").cast(pl.Float64)
    pct_recency = (
        pl.when(has_ts).then((recency_rank + n_buyers_no_ts) * 100.0 / n_buyers).otherwise(0.0)
    )
    pct_frequency = _ranked_percentile(pl.col("orders"), buyer, n_buyers)
    pct_monetary = _ranked_percentile(pl.col("spend_minor"), buyer, n_buyers)
    # "Top N%": the share of buyers at or above; buyers without a date are the oldest.
    recency_rank_min = pl.when(has_ts).then(pl.col("last_ts")).rank("min").cast(pl.Float64)
    top_recency = pl.when(has_ts).then(
        (n_buyers - n_buyers_no_ts - recency_rank_min + 1.0) * 100.0 / n_buyers
    )

    nps_factor = (
        pl.col("nps")
        .clip(0, 10)
        .replace_strict(list(range(11)), list(NPS_FACTOR), return_dtype=pl.Float64)
        .fill_null(0.0)
    )
    stars = ((pl.col("reviews_avg") - REVIEWS_ZERO_STARS) / (5.0 - REVIEWS_ZERO_STARS)).clip(0, 1)
    reviews_factor = (stars * _saturating(pl.col("reviews_count"), REVIEWS_HALF)).fill_null(0.0)
    referrals_factor = _saturating(pl.col("referrals"), REFERRALS_HALF)
    mentions_factor = MENTIONS_COUNT_PART * _log_share(pl.col("mentions_count"), MENTIONS_FULL) + (
        1 - MENTIONS_COUNT_PART
    ) * _log_share(pl.col("mentions_engagement"), MENTIONS_ENGAGEMENT_FULL)

    def points(expr: pl.Expr, key: str, scale: float = 1.0) -> pl.Expr:
        return (expr * (w[key] * scale)).round(POINTS_DECIMALS).alias(f"points_{key}")

    out = frame.with_columns(
        pct_recency.alias("pct_recency"),
        pct_frequency.alias("pct_frequency"),
        pct_monetary.alias("pct_monetary"),
        top_recency.round(PERCENTILE_DECIMALS).alias("top_recency"),
        _ranked_top(pl.col("orders"), buyer, n_buyers)
        .round(PERCENTILE_DECIMALS)
        .alias("top_frequency"),
        _ranked_top(pl.col("spend_minor"), buyer, n_buyers)
        .round(PERCENTILE_DECIMALS)
        .alias("top_monetary"),
    ).with_columns(
        points(pl.col("pct_recency"), "recency", 0.01),
        points(pl.col("pct_frequency"), "frequency", 0.01),
        points(pl.col("pct_monetary"), "monetary", 0.01),
        points(nps_factor, "nps"),
        points(reviews_factor, "reviews"),
        points(referrals_factor, "referrals"),
        points(mentions_factor, "mentions"),
    )
    # A detractor's answer can take the score down to 0, not below: its points are capped
    # by what the other components earned, so the points always add up to the score (and
    # others + (-others) is exactly 0, never a rounding error away from it).
    others = pl.sum_horizontal([f"points_{key}" for key in COMPONENTS if key != "nps"])
    capped = pl.max_horizontal(pl.col("points_nps"), -pl.col("_others"))
    out = out.with_columns(others.alias("_others")).with_columns(
        # (a capped answer is -0.0; store it as 0.0)
        pl.when(capped == 0).then(0.0).otherwise(capped).alias("points_nps")
    )
    total = pl.col("_others") + pl.col("points_nps")
    out = out.with_columns(total.clip(0.0, 100.0).alias("score")).drop("_others")
    out = out.with_columns(
        pl.when(pl.col("score") > 0)
        .then((pl.col(f"points_{key}") / pl.col("score")).round(SHARE_DECIMALS))
        .otherwise(0.0)
        .alias(f"share_{key}")
        for key in COMPONENTS
    )
    days = ((now - pl.col("last_ts")) / SECONDS_PER_DAY).floor().clip(lower_bound=0).cast(pl.Int64)
    return out.with_columns(
        days.alias("value_recency"),
        *(pl.col(f"pct_{key}").round(PERCENTILE_DECIMALS) for key in RANKED),
    )


def _component_struct(key: str) -> pl.Expr:
    import polars as pl

    if key == "reviews":
        value = pl.struct(
            pl.col("reviews_count").alias("count"), pl.col("reviews_avg").alias("avg")
        )
    elif key == "mentions":
        value = pl.struct(
            pl.col("mentions_count").alias("count"),
            pl.col("mentions_engagement").alias("engagement"),
        )
    else:
        source = {
            "recency": "value_recency",
            "frequency": "orders",
            "monetary": "spend_minor",
            "nps": "nps",
            "referrals": "referrals",
        }[key]
        value = pl.col(source)
    percentile = pl.col(f"pct_{key}") if key in RANKED else pl.lit(None, dtype=pl.Float64)
    # top_percent only where it means something: the stored JSON is shorter without nulls.
    top = [pl.col(f"top_{key}").alias("top_percent")] if key in RANKED else []
    return pl.struct(
        pl.lit(key).alias("key"),
        value.alias("value"),
        percentile.alias("percentile"),
        pl.col(f"points_{key}").alias("points"),
        pl.col(f"share_{key}").alias("share"),
        *top,
    ).struct.json_encode()


def superfan_scores(
    features: Features,
    weights: Mapping[str, float] | None = None,
    *,
    as_of: datetime,
) -> ScoreTable:
    """Score every customer in `features` (one business) with these weights at `as_of`."""
    import polars as pl

    frame = score_frame(features_frame(features), weights or DEFAULT_WEIGHTS, as_of)
    parts: list[pl.Expr] = [pl.lit("[")]
    for n, key in enumerate(COMPONENTS):
        if n:
            parts.append(pl.lit(","))
        parts.append(_component_struct(key))
    parts.append(pl.lit("]"))
    frame = frame.with_columns(pl.concat_str(parts).alias("components_json"))

    def column(name: str) -> list[Any]:
        return frame.get_column(name).to_list()

    values = {
        "recency": column("value_recency"),
        "frequency": column("orders"),
        "monetary": column("spend_minor"),
        "nps": column("nps"),
        "referrals": column("referrals"),
        **{
            name: column(name)
            for name in ("reviews_count", "reviews_avg", "mentions_count", "mentions_engagement")
        },
    }
    return ScoreTable(
        customer_id=column("customer_id"),
        score=column("score"),
        values=values,
        percentile={key: column(f"pct_{key}") for key in RANKED},
        top_percent={key: column(f"top_{key}") for key in RANKED},
        points={key: column(f"points_{key}") for key in COMPONENTS},
        share={key: column(f"share_{key}") for key in COMPONENTS},
        _json=column("components_json"),
    )
