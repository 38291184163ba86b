"""Benchmark: the matching engine on a synthetic city, against the greedy baseline.

A seeded city like Bologna: peers' homes spread around the centre (denser in the middle),
each with a travel radius of 3-15 km, one to three languages (Italian nearly always, English
often, others rarely) with levels, a few free windows in the week (weekday evenings and
lunches, weekend mornings and afternoons, now and then a whole day), a weekly capacity of 1-4,
one match a day, 0-6 matches already this week, and interests from a list of twelve. Requests
come from tourists and layover travellers over one week: in the old town, across the city,
or at the airport, free for 2-8 hours, speaking one or two languages (English most), with 0-3 interests.

With more than 6,000 peers the instance is a region of such cities (Bologna, Modena, Parma,
...), one per 6,000 peers, with the requests shared out in proportion: the same density, so
about 20 candidates per request at every size (one city ten times as dense would be another
problem, with ten times the choice per request).

Prints the sizes, the candidates (count, mean per request), seconds for candidates, solve,
the engine's explanations and the words (explain.py for every assignment and unmatched
request), peak memory (RSS), matched and total cost; the same for the greedy baseline; the
Gini coefficient of matches per peer (among peers with capacity > 0, this run's matches)
with fairness on and off, and the price of fairness: the fair solution's cost without its
fairness component against the cost of the solution without fairness.

    .venv/bin/python benchmarks/matching.py                    # 10,000 requests, 6,000 peers
    .venv/bin/python benchmarks/matching.py --large            # 100,000 / 60,000
    .venv/bin/python benchmarks/matching.py --requests 2000 --peers 1200 --seed 3

Targets: 10k/6k candidates + solve + explain <= 1.0 s and solve <= 0.5 s; 100k/60k <= 15 s
end to end and <= 2 GB peak RSS (2 cores). "End to end" is one `engine.match` (the batch's
arrays, candidates, solve, reasons) plus the words; generating the city is not counted. The
CPU time is printed too: on a shared machine the wall clock also measures the neighbours.
"""

import argparse
import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from peerarmy.matching import engine  # noqa: E402

SEED = 20261207
PEERS_PER_CITY = 6_000
CITIES = [  # (name, centre, airport or None)
    ("Bologna", (44.4949, 11.3426), (44.5354, 11.2887)),
    ("Modena", (44.6471, 10.9252), None),
    ("Parma", (44.8015, 10.3279), (44.8245, 10.2964)),
    ("Reggio Emilia", (44.6983, 10.6312), None),
    ("Ferrara", (44.8381, 11.6198), None),
    ("Ravenna", (44.4184, 12.2035), None),
    ("Rimini", (44.0678, 12.5695), (44.0203, 12.6117)),
    ("Forlì", (44.2227, 12.0407), (44.1948, 12.0701)),
    ("Piacenza", (45.0526, 9.6930), None),
    ("Cesena", (44.1391, 12.2431), None),
]
WEEK_START = 29_419_200  # Monday 2026-12-07 00:00 UTC, in minutes since the epoch
LOCAL_OFFSET = 60  # Central European Time in December: local = UTC + 60 minutes
DAY = 1440
KM_LAT = 1 / 111.195
LANGUAGES = ["it", "en", "fr", "de", "es", "pt", "nl", "ru", "zh", "ja", "ar"]
PEER_SHARE = [0.93, 0.35, 0.1, 0.08, 0.1, 0.03, 0.02, 0.02, 0.015, 0.015, 0.02]
TOURIST_SHARE = [0.12, 0.45, 0.14, 0.14, 0.14, 0.04, 0.04, 0.04, 0.05, 0.05, 0.03]
INTERESTS = [
    "food", "wine", "art", "history", "music", "cycling",
    "architecture", "markets", "football", "nightlife", "nature", "shopping",
]  # fmt: skip
# A request's window: 2 to 8 hours, the shorter the likelier.
HOURS_SHARE = np.array([8, 6, 4, 2, 1.5, 1, 0.5]) / 23
EXPECTED_CANDIDATES = 20


def _around(rng, centre, n, sigmas, shares):
    """n points around centre: a mixture of round normal clouds (sigma in km)."""
    which = rng.choice(len(sigmas), size=n, p=shares)
    sigma = np.asarray(sigmas)[which]
    lat = centre[0] + rng.normal(0, 1, n) * sigma * KM_LAT
    lon = centre[1] + rng.normal(0, 1, n) * sigma * KM_LAT / math.cos(math.radians(centre[0]))
    return lat, lon


def _languages(rng, n, shares, most):
    """n sets of 1..most languages: each language by its share, one drawn by the shares if
    none was, at most `most` of them (a random few)."""
    shares = np.asarray(shares)
    spoken = rng.random((n, len(LANGUAGES))) < shares
    none = ~spoken.any(axis=1)
    spoken[none, rng.choice(len(LANGUAGES), size=int(none.sum()), p=shares / shares.sum())] = True
    keys = np.where(spoken, rng.random(spoken.shape), np.inf)
    order = np.argsort(keys, axis=1)[:, :most]
    count = np.minimum(spoken.sum(axis=1), most)
    return [
        [LANGUAGES[k] for k in row[:c]]
        for row, c in zip(order.tolist(), count.tolist(), strict=True)
    ]


def _interests(rng, n, most):
    """n sets of 0..most interests."""
    order = np.argsort(rng.random((n, len(INTERESTS))), axis=1)[:, :most].tolist()
    count = rng.integers(0, most + 1, n).tolist()
    return [frozenset(INTERESTS[k] for k in row[:c]) for row, c in zip(order, count, strict=True)]


# The kinds of free window: (share, first day, last day + 1, start, end), local time.
WINDOW_KINDS = [
    (0.2, 0, 5, 18 * 60, 21 * 60),  # a weekday evening
    (0.1, 0, 5, 18 * 60, 22 * 60),  # a longer weekday evening
    (0.1, 0, 5, 12 * 60, 14 * 60),  # a weekday lunch
    (0.2, 5, 7, 10 * 60, 13 * 60),  # a weekend morning
    (0.2, 5, 7, 15 * 60, 18 * 60),  # a weekend afternoon
    (0.1, 0, 7, 9 * 60, 19 * 60),  # a whole free day
    (0.1, 0, 5, 8 * 60, 13 * 60),  # a shift worker's free weekday morning
]


def _peer_windows(rng, n):
    """n peers' free windows in the week (2-4 each), as sorted disjoint UTC minute ranges."""
    count = rng.choice([2, 3, 4], size=n, p=[0.4, 0.4, 0.2])
    kinds = np.array(WINDOW_KINDS)
    kind = rng.choice(len(kinds), size=int(count.sum()), p=kinds[:, 0])
    first, last, start, end = kinds[kind, 1:].T.astype(np.int64)
    day = first + (rng.random(len(kind)) * (last - first)).astype(np.int64)
    base = WEEK_START + day * DAY - LOCAL_OFFSET
    starts, ends = (base + start).tolist(), (base + end).tolist()
    out, at = [], 0
    for c in count.tolist():
        merged = []
        for s, e in sorted(zip(starts[at : at + c], ends[at : at + c], strict=True)):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        out.append(tuple(merged))
        at += c
    return out


def _peers(rng, city, n, first_id):
    _, centre, _ = city
    lat, lon = _around(rng, centre, n, sigmas=[6.0, 14.0, 24.0], shares=[0.35, 0.4, 0.25])
    # Most peers go a few km, some much further: 3-15 km, under 5 km on average.
    radius = 3 + 12 * rng.beta(1.0, 6.0, n)
    spoken = _languages(rng, n, PEER_SHARE, 3)
    italian = np.where(rng.random(n) < 0.85, 4, 3).tolist()  # mostly native
    other = rng.integers(1, 4, (n, 3)).tolist()  # basic to fluent
    columns = zip(
        lat.tolist(),
        lon.tolist(),
        radius.tolist(),
        spoken,
        _peer_windows(rng, n),
        rng.integers(1, 5, n).tolist(),
        rng.integers(0, 7, n).tolist(),
        _interests(rng, n, 4),
        np.where(rng.random(n) < 0.3, np.nan, rng.uniform(60, 100, n)).tolist(),
        np.where(rng.random(n) < 0.4, np.nan, np.round(rng.uniform(3.5, 5, n), 1)).tolist(),
        strict=True,
    )
    peers = []
    for i, (la, lo, r, langs, windows, cap, load, topics, rel, rat) in enumerate(columns):
        levels = {c: italian[i] if c == "it" else other[i][k] for k, c in enumerate(langs)}
        peers.append(
            engine.PeerIn(
                id=first_id + i,
                lat=la,
                lon=lo,
                radius_km=r,
                languages=levels,
                windows=windows,
                capacity=cap,
                per_day=1,
                load=load,
                interests=topics,
                reliability=None if math.isnan(rel) else rel,
                rating=None if math.isnan(rat) else rat,
            )
        )
    return peers


def _requests(rng, city, n, first_id):
    _, centre, airport = city
    lat, lon = _around(rng, centre, n, sigmas=[2.0, 5.0, 12.0], shares=[0.4, 0.4, 0.2])
    # Weekends are busier; the window starts between 8:00 and 18:00 local time.
    day = rng.choice(7, size=n, p=[0.11, 0.11, 0.11, 0.12, 0.15, 0.2, 0.2])
    length = rng.choice(np.arange(2, 9), size=n, p=HOURS_SHARE) * 60
    start = WEEK_START + day * DAY - LOCAL_OFFSET + rng.integers(8 * 4, 18 * 4, n) * 15
    minutes = rng.choice([60, 90, 120, 180], size=n, p=[0.1, 0.2, 0.4, 0.3])
    if airport:  # a tenth are layovers: at the airport, a longer window, a two-hour meeting
        layover = rng.random(n) < 0.1
        lat[layover], lon[layover] = airport
        length[layover] = rng.integers(6, 11, int(layover.sum())) * 60
        minutes[layover] = 120
    columns = zip(
        lat.tolist(),
        lon.tolist(),
        start.tolist(),
        length.tolist(),
        minutes.tolist(),
        _languages(rng, n, TOURIST_SHARE, 2),
        _interests(rng, n, 3),
        strict=True,
    )
    return [
        engine.RequestIn(
            id=first_id + i,
            lat=la,
            lon=lo,
            start=s,
            end=s + length,
            minutes=min(m, length),
            languages=frozenset(langs),
            interests=topics,
            day=(s + LOCAL_OFFSET) // DAY,
        )
        for i, (la, lo, s, length, m, langs, topics) in enumerate(columns)
    ]


def region(n_requests, n_peers, seed=SEED):
    """The requests and peers of one city, or of a region of cities (one per 6,000 peers)."""
    rng = np.random.default_rng(seed)
    cities = CITIES[: max(1, min(len(CITIES), round(n_peers / PEERS_PER_CITY)))]
    requests, peers = [], []
    for k, city in enumerate(cities):
        share_r = n_requests // len(cities) + (k < n_requests % len(cities))
        share_p = n_peers // len(cities) + (k < n_peers % len(cities))
        peers += _peers(rng, city, share_p, len(peers))
        requests += _requests(rng, city, share_r, len(requests))
    return requests, peers, [c[0] for c in cities]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def words(result):
    """Every assignment and unmatched request in words, as the pages show them."""
    from peerarmy.matching import explain
    from peerarmy.peers.models import LANGUAGE_NAMES

    names = {code: str(name) for code, name in LANGUAGE_NAMES.items()}
    topics = {slug: slug for slug in INTERESTS}
    texts = [
        explain.describe_match(a.reasons, topics, language_names=names) for a in result.assignments
    ]
    texts += [
        explain.describe_unmatched(u, when="that afternoon", language_names=names)
        for u in result.unmatched
    ]
    return texts


def week_spread(requests, peers, weights, fair, unfair):
    """What the fairness term is for: each peer's matches this week (the load they came with
    plus this run's), among the peers who could have taken a request, with and without it."""
    cands = engine.candidates(requests, peers, weights)
    could = np.zeros(len(peers), dtype=bool)
    could[np.unique(cands.peer)] = True
    index = {p.id: i for i, p in enumerate(peers)}
    load = np.array([p.load for p in peers], dtype=np.int64)
    out = {}
    for name, result in (("fair", fair), ("unfair", unfair)):
        got = np.zeros(len(peers), dtype=np.int64)
        for a in result.assignments:
            got[index[a.peer_id]] += 1
        out[name] = engine.gini((load + got)[could])
        out[f"busy_{name}"] = got[load >= 3].sum() / max(1, got.sum())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--peers", type=int, default=6_000)
    parser.add_argument("--large", action="store_true", help="100,000 requests, 60,000 peers")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-greedy", action="store_true", help="skip the greedy baseline")
    args = parser.parse_args()
    if args.large:
        args.requests, args.peers = 100_000, 60_000

    os.environ.setdefault("PEERARMY_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    import django

    django.setup()
    from django.utils import translation

    translation.activate("en")

    t0 = time.perf_counter()
    requests, peers, cities = region(args.requests, args.peers, args.seed)
    print(
        f"{len(requests):,} requests, {len(peers):,} peers in {', '.join(cities)} "
        f"(generated in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    weights = engine.Weights()

    t0, cpu0 = time.perf_counter(), time.process_time()
    fair = engine.match(requests, peers, weights, fairness=True, explain=True)
    t1 = time.perf_counter()
    texts = words(fair)
    t2, cpu = time.perf_counter(), time.process_time() - cpu0
    s, sec = fair.stats, fair.stats["seconds"]
    print(
        f"candidates: {s['candidates']:,} ({s['candidates'] / max(1, len(requests)):.1f} per "
        f"request; target about {EXPECTED_CANDIDATES})"
    )
    print(
        f"seconds: candidates {sec['candidates']:.3f}  solve {sec['solve']:.3f}  "
        f"explain {sec['explain']:.3f}  words {t2 - t1:.3f} ({len(texts):,} texts)  "
        f"total {t2 - t0:.3f} (CPU {cpu:.3f})"
    )
    reasons = {}
    for u in fair.unmatched:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    print(
        f"engine: matched {s['matched']:,} of {len(requests):,}, total cost {s['total_cost']:,}; "
        f"unmatched by reason {dict(sorted(reasons.items()))}"
    )
    n_matched = len(fair.assignments)
    examples = [texts[i] for i in (0, n_matched) if i < len(texts)]
    print("examples:", " / ".join(repr(t) for t in examples) or "-")

    unfair = engine.match(requests, peers, weights, fairness=False, explain=False)
    fair_edges = s["total_cost"] - sum(a.components["fairness"] for a in fair.assignments)
    print(
        f"fairness: Gini of matches per peer (peers with capacity > 0, this run) "
        f"{s['gini']:.3f} with, {unfair.stats['gini']:.3f} without; price: edge cost "
        f"{fair_edges:,} against {unfair.stats['total_cost']:,} "
        f"(+{100 * (fair_edges / max(1, unfair.stats['total_cost']) - 1):.1f}%), "
        f"matched {s['matched']:,} against {unfair.stats['matched']:,}"
    )
    week = week_spread(requests, peers, weights, fair, unfair)
    print(
        f"fairness over the week (load before the run + this run's matches, peers who could "
        f"take a request): Gini {week['fair']:.3f} with, {week['unfair']:.3f} without; share "
        f"of this run's matches given to peers who already had 3 or more: "
        f"{week['busy_fair']:.1%} with, {week['busy_unfair']:.1%} without"
    )
    if not args.no_greedy:
        base = engine.greedy(requests, peers, weights, fairness=True)
        g = base.stats
        print(
            f"greedy (fairness on): matched {g['matched']:,} (engine {s['matched']:,}), "
            f"total cost {g['total_cost']:,} (engine {s['total_cost']:,}); "
            f"{g['seconds']['solve']:.2f} s"
        )
    rss = peak_rss_mb()
    print(f"peak RSS: {rss:,.0f} MB")
    total = t2 - t0
    size = (args.requests, args.peers)
    checks = []
    if size == (100_000, 60_000):
        checks = [("end to end <= 15 s", total <= 15), ("peak RSS <= 2 GB", rss <= 2048)]
    elif size == (10_000, 6_000):
        checks = [("end to end <= 1.0 s", total <= 1.0), ("solve <= 0.5 s", sec["solve"] <= 0.5)]
    if checks:
        print("targets:", "; ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checks))


if __name__ == "__main__":
    main()
