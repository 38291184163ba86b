"""Benchmark: the reliability score of 100,000 peers from 5,000,000 events.

1. The pure core (`peerarmy.trust.reliability.compute`) on generated NumPy arrays: 100,000
   peers, 5,000,000 events (completions, no-shows, late releases, cancellations, ratings over
   three years), timed, with the peak memory of the computation (tracemalloc, which NumPy
   reports to) and of the whole process.
2. End to end on a real database, at a smaller size: a fresh SQLite file (or PostgreSQL with
   --database-url) with a business, its peers, completed claims, no-shows and late releases,
   completed and cancelled matches and ratings, made with bulk_create; then
   `trust.services.recompute_business` timed: read, core, write (twice: the second run
   writes over the first one's rows).

    .venv/bin/python benchmarks/trust.py                    # both parts
    .venv/bin/python benchmarks/trust.py --core-only
    .venv/bin/python benchmarks/trust.py --db-peers 5000 --db-events 100000

Target (issue 16): 100,000 peers with 5,000,000 events recomputed in at most 10 s and 1.5 GB.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from peerarmy.trust import reliability  # noqa: E402

AS_OF = datetime(2026, 12, 1, 3, tzinfo=UTC)
TARGET_SECONDS = 10.0
TARGET_MB = 1536
SEED = 20261201
YEARS = 3
# The mix of events: mostly completions and ratings, a few bad ones.
KIND_SHARES = {
    reliability.COMPLETED: 0.55,
    reliability.NO_SHOW: 0.03,
    reliability.LATE_RELEASE: 0.04,
    reliability.CANCELLED: 0.03,
    reliability.RATING: 0.35,
}
STAR_SHARES = (0.02, 0.03, 0.10, 0.30, 0.55)  # 1 to 5 stars


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(peers, events, seed=SEED):
    """Peer ids and an event table; busy peers have many more events than occasional ones."""
    rng = np.random.default_rng(seed)
    peer_ids = np.arange(1, peers + 1, dtype=np.int64) * 7
    activity = rng.pareto(1.5, peers) + 0.1
    owner = rng.choice(peers, size=events, p=activity / activity.sum())
    kinds = np.array(list(KIND_SHARES), dtype=np.int8)
    kind = rng.choice(kinds, size=events, p=list(KIND_SHARES.values()))
    at = AS_OF.timestamp() - rng.uniform(0, YEARS * 365 * 86_400, events)
    stars = rng.choice(np.arange(1, 6, dtype=np.float32), size=events, p=STAR_SHARES)
    return peer_ids, reliability.Events(peer_ids[owner], kind, at, stars)


def run_core(peers, events):
    start = time.perf_counter()
    peer_ids, table_events = generate(peers, events)
    generated = time.perf_counter() - start
    params = reliability.Params(prior_stars=4.2)
    tracemalloc.start()
    start = time.perf_counter()
    table = reliability.compute(peer_ids, table_events, AS_OF.timestamp(), params)
    seconds = time.perf_counter() - start
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    input_mb = (
        sum(
            a.nbytes
            for a in (table_events.peer, table_events.kind, table_events.at, table_events.stars)
        )
        / 2**20
    )
    return {
        "peers": peers,
        "events": events,
        "input_mb": round(input_mb, 1),
        "generate_seconds": round(generated, 3),
        "core_seconds": round(seconds, 3),
        "core_peak_mb": round(traced_peak / 2**20, 1),
        "process_peak_mb": round(peak_memory_mb(), 1),
        "mean_score": round(float(table.score.mean()), 2),
        "prior": table.prior,
        "with_history": int(table.has_history.sum()),
    }


# --- the database path ---------------------------------------------------------------------


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("PEERARMY_TESTING", "1")  # quick password hashing, no e-mail
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    import django

    django.setup()


def populate(peers, events, seed=SEED):
    """A business with `peers` peers and about `events` events spread over its tables."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
    from peerarmy.peers.models import Peer, PeerStatus
    from peerarmy.programs.models import Program
    from peerarmy.scheduling.models import Block, Claim, ClaimStatus, ReliabilityEvent
    from peerarmy.tenancy.models import Business
    from peerarmy.trust.models import Rating

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with scopes_disabled():
        business = Business.objects.create(slug="bench-trust", name="Bench Trust")
        users = get_user_model().objects.bulk_create(
            [get_user_model()(email=f"peer{i}@bench.example") for i in range(peers)],
            batch_size=2000,
        )
        peer_rows = Peer.objects.bulk_create(
            [
                Peer(business=business, user=u, status=PeerStatus.ACTIVE, display_name=f"P{i}")
                for i, u in enumerate(users)
            ],
            batch_size=2000,
        )
        program = Program.objects.create(
            business=business, slug="deliveries", title_en="Deliveries", title_it="Consegne"
        )
        guides = Program.objects.create(
            business=business, slug="guides", kind="guides", title_en="Guides", title_it="Guide"
        )
        n_blocks = max(1, events // 20)
        day = timedelta(days=1)
        starts = [AS_OF - day * int(d) for d in rng.integers(1, YEARS * 365, n_blocks)]
        blocks = Block.objects.bulk_create(
            [
                Block(
                    business=business,
                    program=program,
                    starts_at=start,
                    ends_at=start + timedelta(hours=3),
                    released_at=start - day * 30,
                    place_name="Shop",
                    address="Via Roma 1",
                    latitude="44.494900",
                    longitude="11.342600",
                    capacity=40,
                )
                for start in starts
            ],
            batch_size=2000,
        )
        # Claims: 60% of the events, most completed; each no-show and late release also
        # records a ReliabilityEvent.
        n_claims = int(events * 0.6)
        owners = rng.integers(0, peers, n_claims)
        which = rng.integers(0, n_blocks, n_claims)
        roll = rng.random(n_claims)
        claims = []
        for i in range(n_claims):
            block = blocks[which[i]]
            status = (
                ClaimStatus.NO_SHOW
                if roll[i] < 0.04
                else ClaimStatus.RELEASED
                if roll[i] < 0.09
                else ClaimStatus.COMPLETED
            )
            claims.append(
                Claim(
                    business=business,
                    block=block,
                    peer=peer_rows[owners[i]],
                    status=status,
                    starts_at=block.starts_at,
                    ends_at=block.ends_at,
                    released_late=status == ClaimStatus.RELEASED,
                )
            )
        claims = Claim.objects.bulk_create(claims, batch_size=2000)
        ReliabilityEvent.objects.bulk_create(
            [
                ReliabilityEvent(
                    business=business,
                    peer_id=c.peer_id,
                    kind="no_show" if c.status == ClaimStatus.NO_SHOW else "late_release",
                    block_id=c.block_id,
                    claim=c,
                    created_at=c.starts_at,
                )
                for c in claims
                if c.status in (ClaimStatus.NO_SHOW, ClaimStatus.RELEASED)
            ],
            batch_size=2000,
        )
        # Matches: 15% of the events, a few cancelled by the peer.
        n_matches = int(events * 0.15)
        owners = rng.integers(0, peers, n_matches)
        ages = rng.integers(1, YEARS * 365, n_matches)
        requests = MatchRequest.objects.bulk_create(
            [
                MatchRequest(
                    business=business,
                    program=guides,
                    status=RequestStatus.COMPLETED,
                    name="Visitor",
                    email=f"v{i}@bench.example",
                    starts_at=AS_OF - day * int(ages[i]),
                    ends_at=AS_OF - day * int(ages[i]) + timedelta(hours=4),
                    latitude="44.494900",
                    longitude="11.342600",
                    languages=["en"],
                )
                for i in range(n_matches)
            ],
            batch_size=2000,
        )
        matches = Match.objects.bulk_create(
            [
                Match(
                    business=business,
                    program=guides,
                    request=r,
                    peer=peer_rows[owners[i]],
                    status=MatchStatus.CANCELLED if i % 25 == 0 else MatchStatus.COMPLETED,
                    cancelled_by="peer" if i % 25 == 0 else "",
                    meets_at=r.starts_at,
                    ends_at=r.starts_at + timedelta(hours=2),
                    respond_by=r.starts_at - day,
                    completed_at=None if i % 25 == 0 else r.starts_at + timedelta(hours=2),
                )
                for i, r in enumerate(requests)
            ],
            batch_size=2000,
        )
        # Ratings: staff rate completed claims, visitors completed matches (the rest).
        stars = rng.choice(np.arange(1, 6), size=len(claims) + len(matches), p=STAR_SHARES)
        budget = max(0, events - len(claims) - len(matches))
        ratings = []
        for c in claims:
            if len(ratings) >= budget // 2:
                break
            if c.status == ClaimStatus.COMPLETED:
                ratings.append(
                    Rating(
                        business=business,
                        subject_kind="claim",
                        claim=c,
                        peer_id=c.peer_id,
                        rater_role="staff",
                        rated_party="peer",
                        stars=int(stars[len(ratings)]),
                        created_at=c.ends_at,
                        closes_at=c.ends_at + timedelta(days=14),
                        revealed_at=c.ends_at,
                    )
                )
        for m in matches:
            if len(ratings) >= budget:
                break
            if m.status == MatchStatus.COMPLETED:
                ratings.append(
                    Rating(
                        business=business,
                        subject_kind="match",
                        match=m,
                        peer_id=m.peer_id,
                        rater_role="consumer",
                        rated_party="peer",
                        stars=int(stars[len(ratings)]),
                        created_at=m.ends_at,
                        closes_at=m.ends_at + timedelta(days=14),
                    )
                )
        Rating.objects.bulk_create(ratings, batch_size=2000)
    sizes = {
        "peers": peers,
        "claims": len(claims),
        "matches": len(matches),
        "ratings": len(ratings),
    }
    return business, sizes, time.perf_counter() - start


def run_database(peers, events, database_url):
    setup_django(database_url)
    from django.db import connection
    from django_scopes import scope

    from peerarmy.trust import services

    business, sizes, setup_seconds = populate(peers, events)
    runs = {}
    with scope(business=business):
        for name in ("first_run", "second_run"):
            result = services.recompute_business(business, now=AS_OF).value
            runs[name] = {
                "events_read": result.events,
                "with_history": result.with_history,
                "end_to_end_seconds": round(result.seconds, 3),
                "read_seconds": round(result.read_seconds, 3),
                "core_seconds": round(result.core_seconds, 3),
                "write_seconds": round(result.write_seconds, 3),
            }
    return {
        "database": connection.vendor,
        "input": sizes,
        "setup_seconds": round(setup_seconds, 1),
        **runs,
        "process_peak_mb": round(peak_memory_mb(), 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--db-peers", type=int, default=5_000)
    parser.add_argument("--db-events", type=int, default=100_000)
    parser.add_argument("--core-only", action="store_true")
    parser.add_argument("--database-only", action="store_true")
    parser.add_argument("--database-url", help="a throw-away database to fill (default: SQLite)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = {}
    if not args.database_only:
        figures["core"] = run_core(args.peers, args.events)
    if not args.core_only:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{folder}/bench-trust.sqlite3"
            figures["database"] = run_database(args.db_peers, args.db_events, url)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    core = figures.get("core")
    if core:
        verdict = (
            "OK"
            if core["core_seconds"] <= TARGET_SECONDS and core["process_peak_mb"] <= TARGET_MB
            else "OVER TARGET"
        )
        print(
            f"input: {core['peers']:,} peers, {core['events']:,} events "
            f"({core['input_mb']} MB of arrays), generated in {core['generate_seconds']} s"
        )
        print(
            f"core: {core['core_seconds']:.3f} s, peak {core['core_peak_mb']:.0f} MB in the "
            f"computation, {core['process_peak_mb']:.0f} MB for the whole process "
            f"[{verdict} <= {TARGET_SECONDS:.0f} s, {TARGET_MB} MB]; mean score "
            f"{core['mean_score']}, a new peer at {core['prior']}"
        )
    db = figures.get("database")
    if db:
        sizes = ", ".join(f"{v:,} {k}" for k, v in db["input"].items())
        print(f"database ({db['database']}): {sizes}; filled in {db['setup_seconds']} s")
        for name in ("first_run", "second_run"):
            r = db[name]
            print(
                f"recompute_business, {name.replace('_', ' ')}: {r['end_to_end_seconds']:.3f} s "
                f"end to end = read {r['read_seconds']:.3f} s + core {r['core_seconds']:.3f} s "
                f"+ write {r['write_seconds']:.3f} s ({r['events_read']:,} events, "
                f"{r['with_history']:,} peers with history)"
            )
        print(f"peak memory (whole process): {db['process_peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
