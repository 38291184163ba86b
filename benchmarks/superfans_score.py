"""Benchmark: superfan scoring of 150,000 customers.

1. The pure core on generated features, written twice — Polars (the one the app uses,
   `peerarmy.superfans.scoring`) and DuckDB (the same formulas in SQL, kept here only) — with
   both timings printed and their results checked to agree.
2. End to end on a real database: a fresh SQLite file (or PostgreSQL with --database-url)
   with 150,000 customers and about 400,000 orders (plus NPS answers, reviews, referrals and
   mentions) created with bulk_create, then `score_business` timed: feature queries, core,
   write.

    .venv/bin/python benchmarks/superfans_score.py                 # both parts
    .venv/bin/python benchmarks/superfans_score.py --core-only
    .venv/bin/python benchmarks/superfans_score.py --database-url postgres://postgres@127.0.0.1/bench

Target: 150,000 customers scored in at most 5 s.
"""

import argparse
import json
import math
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from peerarmy.superfans import scoring  # noqa: E402

AS_OF = datetime(2025, 6, 1, 12, tzinfo=UTC)
TARGET_SECONDS = 5.0
SEED = 20250601


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- generated data -----------------------------------------------------------------------


def customer_orders(rng):
    """How many orders a customer places: many one-timers, a long tail of regulars."""
    roll = rng.random()
    if roll < 0.15:
        return 0
    if roll < 0.55:
        return 1
    if roll < 0.75:
        return 2
    return min(60, 3 + int(rng.expovariate(1 / 4)))


def generate_features(customers, seed=SEED):
    rng = random.Random(seed)
    rows = []
    for n in range(customers):
        orders = customer_orders(rng)
        reviews = rng.choice((0,) * 12 + (1, 1, 2, 4))
        mentions = rng.choice((0,) * 30 + (1, 2, 6))
        rows.append(
            {
                "customer_id": n + 1,
                "orders": orders,
                "spend_minor": sum(rng.randint(1_500, 40_000) for _ in range(orders)),
                "last_order_at": (
                    AS_OF - timedelta(seconds=rng.randint(0, 3 * 365 * 86_400)) if orders else None
                ),
                "nps": rng.randint(0, 10) if rng.random() < 0.2 else None,
                "reviews_count": reviews,
                "reviews_avg": round(rng.uniform(1, 5), 2) if reviews else None,
                "referrals": rng.choice((0,) * 20 + (1, 1, 2, 5)),
                "mentions_count": mentions,
                "mentions_engagement": mentions * rng.randint(0, 400),
            }
        )
    return scoring.Features.from_rows(rows)


# --- the same formulas in DuckDB (for comparison only) --------------------------------------

DUCKDB_LOAD = """
CREATE OR REPLACE TEMP TABLE f AS
SELECT unnest($customer_id::BIGINT[]) AS customer_id,
       unnest($last_ts::DOUBLE[]) AS last_ts,
       unnest($orders::BIGINT[]) AS orders,
       unnest($spend::BIGINT[]) AS spend_minor,
       unnest($nps::BIGINT[]) AS nps,
       unnest($reviews_count::BIGINT[]) AS reviews_count,
       unnest($reviews_avg::DOUBLE[]) AS reviews_avg,
       unnest($referrals::BIGINT[]) AS referrals,
       unnest($mentions_count::BIGINT[]) AS mentions_count,
       unnest($mentions_engagement::BIGINT[]) AS mentions_engagement,
       unnest(range(len($customer_id::BIGINT[]))) AS row_no
"""

DUCKDB_SQL = """
WITH b AS (
    SELECT *, orders > 0 AS buyer, orders > 0 AND last_ts IS NOT NULL AS has_ts FROM f
),
n AS (
    SELECT count(*) FILTER (WHERE buyer)::DOUBLE AS n_buyers,
           count(*) FILTER (WHERE buyer AND last_ts IS NULL)::DOUBLE AS n_no_ts
    FROM b
),
r AS (
    SELECT b.*, n.n_buyers, n.n_no_ts,
        count(*) OVER (PARTITION BY has_ts ORDER BY last_ts
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rk_recency,
        count(*) OVER (PARTITION BY buyer ORDER BY orders
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rk_frequency,
        count(*) OVER (PARTITION BY buyer ORDER BY spend_minor
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rk_monetary
    FROM b, n
),
p AS (
    SELECT customer_id, row_no,
        CASE WHEN has_ts THEN (rk_recency::DOUBLE + n_no_ts) * 100.0 / n_buyers ELSE 0.0 END
            AS pct_recency,
        CASE WHEN buyer THEN rk_frequency::DOUBLE * 100.0 / n_buyers ELSE 0.0 END
            AS pct_frequency,
        CASE WHEN buyer THEN rk_monetary::DOUBLE * 100.0 / n_buyers ELSE 0.0 END
            AS pct_monetary,
        -- (DuckDB's greatest() skips NULLs, so a missing answer is handled first)
        CASE WHEN nps IS NULL THEN 0.0
             ELSE ($nps_factor::DOUBLE[])[least(greatest(nps, 0), 10) + 1] END AS f_nps,
        coalesce(
            CASE WHEN reviews_avg IS NULL THEN 0.0 ELSE
            least(greatest((reviews_avg - $zero_stars) / (5.0 - $zero_stars), 0.0), 1.0)
            * (1.0 - pow(0.5, greatest(reviews_count, 0)::DOUBLE / $reviews_half)) END,
            0.0) AS f_reviews,
        1.0 - pow(0.5, greatest(referrals, 0)::DOUBLE / $referrals_half) AS f_referrals,
        $count_part * least(ln(1.0 + greatest(mentions_count, 0)) / ln(1.0 + $mentions_full), 1.0)
          + (1.0 - $count_part)
            * least(ln(1.0 + greatest(mentions_engagement, 0)) / ln(1.0 + $engagement_full), 1.0)
          AS f_mentions
    FROM r
),
pts AS (
    SELECT customer_id, row_no, pct_recency, pct_frequency, pct_monetary,
        round(pct_recency * ($w_recency * 0.01), 6) AS p_recency,
        round(pct_frequency * ($w_frequency * 0.01), 6) AS p_frequency,
        round(pct_monetary * ($w_monetary * 0.01), 6) AS p_monetary,
        round(f_nps * $w_nps, 6) AS p_nps_raw,
        round(f_reviews * $w_reviews, 6) AS p_reviews,
        round(f_referrals * $w_referrals, 6) AS p_referrals,
        round(f_mentions * $w_mentions, 6) AS p_mentions
    FROM p
),
capped AS (
    SELECT *,
        p_recency + p_frequency + p_monetary + p_reviews + p_referrals + p_mentions AS others
    FROM pts
)
SELECT customer_id,
       least(greatest(others + greatest(p_nps_raw, -others) + 0.0, 0.0), 100.0) AS score,
       p_recency, p_frequency, p_monetary, greatest(p_nps_raw, -others) + 0.0 AS p_nps,
       p_reviews, p_referrals, p_mentions
FROM capped
ORDER BY row_no
"""


def duckdb_load(features):
    """A DuckDB connection holding the features as table `f` (data in: Python lists)."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        DUCKDB_LOAD,
        {
            "customer_id": list(features.customer_id),
            "last_ts": [None if v is None else v.timestamp() for v in features.last_order_at],
            "orders": list(features.orders),
            "spend": list(features.spend_minor),
            "nps": list(features.nps),
            "reviews_count": list(features.reviews_count),
            "reviews_avg": list(features.reviews_avg),
            "referrals": list(features.referrals),
            "mentions_count": list(features.mentions_count),
            "mentions_engagement": list(features.mentions_engagement),
        },
    )
    return con


def duckdb_query(con, weights):
    """Scores and points per component, in input order, computed by DuckDB from table `f`."""
    w = scoring.normalised_weights(weights)
    params = {
        "nps_factor": list(scoring.NPS_FACTOR),
        "zero_stars": scoring.REVIEWS_ZERO_STARS,
        "reviews_half": scoring.REVIEWS_HALF,
        "referrals_half": scoring.REFERRALS_HALF,
        "count_part": scoring.MENTIONS_COUNT_PART,
        "mentions_full": float(scoring.MENTIONS_FULL),
        "engagement_full": float(scoring.MENTIONS_ENGAGEMENT_FULL),
        **{f"w_{key}": value for key, value in w.items()},
    }
    rows = con.execute(DUCKDB_SQL, params).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(9)]
    return {
        "customer_id": list(columns[0]),
        "score": list(columns[1]),
        "points": {key: list(columns[2 + n]) for n, key in enumerate(scoring.COMPONENTS)},
    }


def duckdb_scores(features, weights):
    """The whole DuckDB path: load the features, compute, fetch. (Recency ranks the moment
    of the last order, so `as_of` only matters for the displayed days, not needed here.)"""
    con = duckdb_load(features)
    try:
        return duckdb_query(con, weights)
    finally:
        con.close()


def time_it(function, repeat=3):
    best, result = math.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_core(customers):
    started = time.perf_counter()
    features = generate_features(customers)
    generated = time.perf_counter() - started
    weights = scoring.DEFAULT_WEIGHTS

    polars_seconds, table = time_it(lambda: scoring.superfan_scores(features, weights, as_of=AS_OF))
    duckdb_seconds, duck = time_it(lambda: duckdb_scores(features, weights))
    # The engines alone, data already loaded (Polars: the score columns, without building
    # the stored JSON; DuckDB: the query and fetching its rows).
    frame = scoring.features_frame(features)
    polars_engine_seconds, _ = time_it(lambda: scoring.score_frame(frame, weights, AS_OF))
    con = duckdb_load(features)
    duckdb_engine_seconds, _ = time_it(lambda: duckdb_query(con, weights))
    con.close()

    # Both engines agree, customer by customer and component by component.
    assert duck["customer_id"] == table.customer_id
    worst = 0.0
    for key in scoring.COMPONENTS:
        for a, b in zip(table.points[key], duck["points"][key], strict=True):
            worst = max(worst, abs(a - b))
    for a, b in zip(table.score, duck["score"], strict=True):
        worst = max(worst, abs(a - b))
    # Points are rounded to 6 decimals; the engines may round a last-digit tie differently.
    assert worst <= 2e-6, f"Polars and DuckDB disagree by {worst}"

    buyers = sum(1 for n in features.orders if n)
    return {
        "customers": customers,
        "buyers": buyers,
        "orders_in_features": sum(features.orders),
        "generate_seconds": round(generated, 3),
        "polars_core_seconds": round(polars_seconds, 3),
        "duckdb_core_seconds": round(duckdb_seconds, 3),
        "polars_engine_seconds": round(polars_engine_seconds, 3),
        "duckdb_engine_seconds": round(duckdb_engine_seconds, 3),
        "engines_max_difference": worst,
        "mean_score": round(sum(table.score) / max(1, len(table)), 2),
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }


# --- end to end on a database -------------------------------------------------------------


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("PEERARMY_TESTING", "1")  # quick password hashing, no e-mail
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    import django

    django.setup()


def populate(customers, seed=SEED):
    """A business with `customers` customers and their orders, answers, reviews, ..."""
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from peerarmy.customers.models import (
        Customer,
        FinancialStatus,
        Mention,
        NpsResponse,
        Order,
        Referral,
        Review,
        Source,
    )
    from peerarmy.tenancy.models import Business

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    statuses = (
        [FinancialStatus.PAID] * 88
        + [FinancialStatus.PARTIALLY_REFUNDED] * 4
        + [FinancialStatus.REFUNDED] * 3
        + [FinancialStatus.PENDING] * 2
        + [FinancialStatus.VOIDED] * 1
        + [FinancialStatus.AUTHORIZED] * 2
    )
    counts = {}
    with scopes_disabled():
        Business.objects.filter(slug="bench").delete()
        business = Business.objects.create(slug="bench", name="Bench", city="Bologna")
        Customer.objects.bulk_create(
            (
                Customer(business=business, email=f"c{n}@example.org", first_name=f"C{n}")
                for n in range(customers)
            ),
            batch_size=5_000,
        )
        ids = list(
            Customer.objects.filter(business=business).order_by("pk").values_list("pk", flat=True)
        )
        counts["customers"] = len(ids)

        def chunks(iterable, size=10_000):
            batch = []
            for item in iterable:
                batch.append(item)
                if len(batch) == size:
                    yield batch
                    batch = []
            if batch:
                yield batch

        def orders():
            n = 0
            for pk in ids:
                for _ in range(customer_orders(rng)):
                    n += 1
                    total = rng.randint(1_500, 40_000)
                    status = rng.choice(statuses)
                    refunded = (
                        rng.randint(100, total)
                        if status == FinancialStatus.PARTIALLY_REFUNDED
                        else total
                        if status == FinancialStatus.REFUNDED
                        else 0
                    )
                    yield Order(
                        business=business,
                        customer_id=pk,
                        source=Source.SHOPIFY,
                        external_id=f"#{n}",
                        placed_at=AS_OF - timedelta(seconds=rng.randint(0, 3 * 365 * 86_400)),
                        total_minor=total,
                        refunded_minor=refunded,
                        financial_status=status,
                        cancelled_at=AS_OF if rng.random() < 0.02 else None,
                        line_count=rng.randint(1, 5),
                    )

        def sample(share):
            return [pk for pk in ids if rng.random() < share]

        def stamp():
            return AS_OF - timedelta(seconds=rng.randint(0, 2 * 365 * 86_400))

        creators = {
            "orders": (Order, orders()),
            "nps": (
                NpsResponse,
                (
                    NpsResponse(
                        business=business,
                        customer_id=pk,
                        source=Source.GENERIC,
                        external_id=f"n{pk}",
                        score=rng.randint(0, 10),
                        answered_at=stamp(),
                    )
                    for pk in sample(0.2)
                ),
            ),
            "reviews": (
                Review,
                (
                    Review(
                        business=business,
                        customer_id=pk,
                        source=Source.GENERIC,
                        external_id=f"r{pk}-{k}",
                        rating=rng.randint(1, 5),
                        reviewed_at=stamp(),
                    )
                    for pk in sample(0.12)
                    for k in range(rng.randint(1, 3))
                ),
            ),
            "referrals": (
                Referral,
                (
                    Referral(
                        business=business,
                        customer_id=pk,
                        source=Source.GENERIC,
                        external_id=f"f{pk}-{k}",
                        referred_email=f"f{pk}-{k}@example.org",
                        referred_at=stamp(),
                        converted=rng.random() < 0.6,
                    )
                    for pk in sample(0.07)
                    for k in range(rng.randint(1, 3))
                ),
            ),
            "mentions": (
                Mention,
                (
                    Mention(
                        business=business,
                        customer_id=pk,
                        source=Source.GENERIC,
                        external_id=f"m{pk}-{k}",
                        platform="instagram",
                        engagement=rng.randint(0, 800),
                        posted_at=stamp(),
                    )
                    for pk in sample(0.04)
                    for k in range(rng.randint(1, 4))
                ),
            ),
        }
        for name, (model, rows) in creators.items():
            counts[name] = 0
            for batch in chunks(rows):
                model.objects.bulk_create(batch)
                counts[name] += len(batch)
        connection.close()
    return business, counts


def run_database(customers, database_url):
    from django.db import connection, reset_queries
    from django_scopes import scope

    from peerarmy.superfans.services import score_business

    setup_started = time.perf_counter()
    business, counts = populate(customers)
    setup_seconds = time.perf_counter() - setup_started

    runs = []
    with scope(business=business):
        for _ in range(2):  # the first run inserts every score, the second updates them
            reset_queries()
            started = time.perf_counter()
            result = score_business(business, as_of=AS_OF).value
            runs.append((time.perf_counter() - started, result))
    connection.close()
    first, second = runs
    return {
        "database": connection.vendor,
        "input": counts,
        "setup_seconds": round(setup_seconds, 1),
        "first_run": _run_figures(*first),
        "second_run": _run_figures(*second),
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }


def _run_figures(seconds, result):
    return {
        "end_to_end_seconds": round(seconds, 3),
        "read_seconds": round(result.read_seconds, 3),
        "core_seconds": round(result.core_seconds, 3),
        "write_seconds": round(result.write_seconds, 3),
        "customers": result.customers,
        "superfans": result.superfans,
    }


def run(customers=150_000, *, database_url=None, core_only=False, database_only=False):
    """Run the benchmark; returns the figures (and prints nothing)."""
    figures = {} if database_only else {"core": run_core(customers)}
    if not core_only:
        with tempfile.TemporaryDirectory() as tmp:
            url = database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            setup_django(url)
            figures["database"] = run_database(customers, url)
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--core-only", action="store_true")
    parser.add_argument(
        "--database-only",
        action="store_true",
        help="only the database run (its peak memory is then its own)",
    )
    parser.add_argument(
        "--database-url",
        help="a throw-away database to fill (default: a temporary SQLite file)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(
        args.customers,
        database_url=args.database_url,
        core_only=args.core_only,
        database_only=args.database_only,
    )
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    core = figures.get("core")
    if core:
        print(
            f"input: {core['customers']:,} customers ({core['buyers']:,} with orders, "
            f"{core['orders_in_features']:,} orders) of generated features"
        )
        print(
            f"core, Polars (used):  {core['polars_core_seconds']:.3f} s from Python lists to scores "
            f"and stored JSON; engine alone {core['polars_engine_seconds']:.3f} s"
        )
        print(
            f"core, DuckDB:         {core['duckdb_core_seconds']:.3f} s from Python lists to scores; "
            f"engine alone (query and fetch) {core['duckdb_engine_seconds']:.3f} s"
        )
        print(f"the engines agree: largest difference {core['engines_max_difference']:.1e}")
    if "database" in figures:
        db = figures["database"]
        sizes = ", ".join(f"{v:,} {k}" for k, v in db["input"].items())
        print(f"database ({db['database']}): {sizes}; filled in {db['setup_seconds']} s")
        for name in ("first_run", "second_run"):
            run_ = db[name]
            verdict = "OK" if run_["end_to_end_seconds"] <= TARGET_SECONDS else "OVER TARGET"
            print(
                f"score_business, {name.replace('_', ' ')}: {run_['end_to_end_seconds']:.3f} s "
                f"end to end [{verdict} <= {TARGET_SECONDS} s] = read "
                f"{run_['read_seconds']:.3f} s + core {run_['core_seconds']:.3f} s + write "
                f"{run_['write_seconds']:.3f} s; {run_['superfans']:,} superfans"
            )
        print(f"peak memory (whole process): {db['peak_memory_mb']:.0f} MB")
    elif core:
        print(f"peak memory (whole process): {core['peak_memory_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
