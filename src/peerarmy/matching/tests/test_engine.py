"""The matching engine's pure core: candidates equal an every-pair check, the flow is optimal
against an independent solver (SciPy's assignment on the expanded problem, or trying every
assignment), greedy choices it must beat, fairness, limits, and why a request got nobody."""

import itertools
import math
import random

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from peerarmy.matching import engine
from peerarmy.matching.engine import PeerIn, RequestIn, Weights

LANGS = ["it", "en", "fr", "de", "es"]
TOPICS = ["art", "food", "cycling", "music", "wine"]
KM_LAT = 1 / 111.195  # degrees of latitude per km
EDGES_ONLY = Weights(fairness=0)


def great_circle_km(lat1, lon1, lat2, lon2):
    la1, lo1, la2, lo2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * engine.EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


def brute_candidates(requests, peers, weights):
    """Every pair checked one by one: {(request index, peer index): earliest meeting start}."""
    limit = math.inf if weights.max_distance_km is None else weights.max_distance_km
    found = {}
    for i, r in enumerate(requests):
        for j, p in enumerate(peers):
            if not set(r.languages) & set(p.languages):
                continue
            if p.capacity <= 0 or p.per_day - p.booked.get(r.day, 0) <= 0 or p.id in r.excluded:
                continue
            if great_circle_km(r.lat, r.lon, p.lat, p.lon) > min(p.radius_km, limit):
                continue
            need = max(r.minutes, 1)
            starts = [
                max(r.start, s) for s, e in p.windows if min(e, r.end) - max(s, r.start) >= need
            ]
            if starts:
                found[(i, j)] = min(starts)
    return found


def half_up(x):
    return math.floor(x + 0.5)


def brute_cost(r, p, weights):
    """One pair's edge cost from the formulas in the Weights docstring, written again."""
    km = great_circle_km(r.lat, r.lon, p.lat, p.lon)
    shared = [p.languages[c] for c in r.languages if c in p.languages]
    missing = len(r.interests - p.interests) / len(r.interests) if r.interests else 0.0
    reliability = 70.0 if p.reliability is None else p.reliability
    rating = 4.0 if p.rating is None else p.rating
    return (
        half_up(weights.distance * km)
        + half_up(weights.interest * missing)
        + half_up(weights.language * (4 - max(shared)) / 3)
        + half_up(weights.reliability * (100 - reliability) / 100)
        + half_up(weights.rating * (5 - rating) / 4)
    )


def random_instance(rng, n, m, *, long_windows=True, limits=True, days=3):
    """Requests and peers around Bologna over a few days: some without a shared language,
    some too far, some busy, some full, some excluded."""
    lengths = [60, 120, 300, 600] + ([2000, 3000] if long_windows else [])
    requests = []
    for i in range(n):
        start = rng.randrange(0, int(days * 1440))
        requests.append(
            RequestIn(
                id=f"r{i}",
                lat=44.45 + rng.random() * 0.15,
                lon=11.25 + rng.random() * 0.2,
                start=start,
                end=start + rng.choice(lengths),
                minutes=rng.choice([30, 60, 120, 240]),
                languages=frozenset(rng.sample(LANGS, rng.randint(0, 2))),
                interests=frozenset(rng.sample(TOPICS, rng.randint(0, 3))),
                day=start // 1440,
                excluded=frozenset(f"p{j}" for j in rng.sample(range(m), min(m, rng.randint(0, 2))))
                if limits
                else frozenset(),
            )
        )
    peers = []
    for j in range(m):
        windows, t = [], rng.randrange(0, 600)
        for _ in range(rng.randint(0, 4)):
            length = rng.choice([30, 90, 180, 400] + ([1500] if long_windows else []))
            windows.append((t, t + length))
            t += length + rng.randrange(1, 1000)
        peers.append(
            PeerIn(
                id=f"p{j}",
                lat=44.45 + rng.random() * 0.15,
                lon=11.25 + rng.random() * 0.2,
                radius_km=rng.uniform(0.5, 15),
                languages={c: rng.randint(1, 4) for c in rng.sample(LANGS, rng.randint(0, 3))},
                windows=tuple(windows),
                capacity=rng.randint(0, 3) if limits else rng.randint(1, 3),
                per_day=rng.randint(0, 2) if limits else 10,
                load=rng.randint(0, 5),
                interests=frozenset(rng.sample(TOPICS, rng.randint(0, 3))),
                reliability=rng.choice([None, 40.0, 85.5, 100.0]),
                rating=rng.choice([None, 1.0, 3.7, 5.0]),
                booked={d: rng.randint(0, 1) for d in rng.sample(range(4), rng.randint(0, 2))}
                if limits
                else {},
            )
        )
    return requests, peers


def as_pairs(cands):
    return {
        (int(r), int(p)): int(s)
        for r, p, s in zip(cands.request, cands.peer, cands.start, strict=True)
    }


# -- candidates ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_candidates_equal_an_every_pair_check(seed):
    rng = random.Random(seed)
    for _ in range(60):
        requests, peers = random_instance(rng, rng.randint(0, 25), rng.randint(0, 25))
        weights = Weights(max_distance_km=rng.choice([None, 4.0, 10.0]))
        cands = engine.candidates(requests, peers, weights)
        assert as_pairs(cands) == brute_candidates(requests, peers, weights)


def test_candidate_costs_follow_the_formulas():
    rng = random.Random(7)
    weights = Weights(distance=7, interest=33, language=29, reliability=31, rating=19)
    requests, peers = random_instance(rng, 60, 60, limits=False)
    cands = engine.candidates(requests, peers, weights)
    assert len(cands) > 50
    for r, p, cost in zip(cands.request, cands.peer, cands.cost, strict=True):
        assert cost == brute_cost(requests[r], peers[p], weights)
    parts = sum(cands.components[name] for name in engine.EDGE_COMPONENTS)
    assert (parts == cands.cost).all()


def test_a_pair_cost_in_figures():
    """2 km, one of two interests shared, conversational English, reliability 90, rating 4.5."""
    request = RequestIn(
        "r", 44.0, 11.0, 0, 600, 60, frozenset({"en", "ja"}), frozenset({"art", "food"})
    )
    peer = PeerIn(
        "p", 44.0 + 2 * KM_LAT, 11.0, 5, {"en": 2, "it": 4}, ((0, 600),), 1,
        interests=frozenset({"art"}), reliability=90.0, rating=4.5,
    )  # fmt: skip
    cands = engine.candidates([request], [peer], Weights())
    assert {k: int(v[0]) for k, v in cands.components.items()} == {
        "distance": 20,  # 10 per km
        "interest": 20,  # 40 x 1/2 not shared
        "language": 20,  # 30 x (4 - 2) / 3
        "reliability": 3,  # 30 x 10 / 100
        "rating": 3,  # 20 x 0.5 / 4 = 2.5, rounded up
    }
    assert int(cands.cost[0]) == 66
    assert cands.distance_km[0] == pytest.approx(2.0, abs=1e-3)


def test_more_than_64_languages_still_pair_correctly():
    """Language sets are bit masks of several words when a batch has many codes."""
    rng = random.Random(3)
    codes = [f"l{i:02d}" for i in range(150)]
    requests, peers = random_instance(rng, 30, 30, long_windows=False, limits=False)
    requests = [
        RequestIn(r.id, r.lat, r.lon, r.start, r.end, r.minutes, frozenset(rng.sample(codes, 3)))
        for r in requests
    ]
    peers = [
        PeerIn(
            p.id, p.lat, p.lon, p.radius_km, {c: 3 for c in rng.sample(codes, 40)},
            p.windows, p.capacity,
        )
        for p in peers
    ]  # fmt: skip
    cands = engine.candidates(requests, peers)
    assert len(cands) > 0
    assert as_pairs(cands) == brute_candidates(requests, peers, Weights())


def test_a_long_free_day_meets_a_late_request():
    """A window much longer than the index's pieces still offers its last hours."""
    peer = PeerIn("p", 44.5, 11.3, 5, {"it": 4}, ((0, 3000),), 1)
    late = RequestIn("r", 44.5, 11.3, 2800, 2950, 120, frozenset({"it"}))
    too_late = RequestIn("q", 44.5, 11.3, 2900, 3100, 120, frozenset({"it"}))
    cands = engine.candidates([late, too_late], [peer])
    assert as_pairs(cands) == {(0, 0): 2800}


# -- optimality ----------------------------------------------------------------------------


def expanded_optimum(requests, peers, cands, weights, fairness):
    """(matched, total cost) by SciPy's assignment: every peer becomes `capacity` columns
    (the k-th carrying the k-th match's fairness cost); a real edge costs its cost minus BIG,
    so that one more match always beats any saving; a forbidden pair costs 0 (= unmatched)."""
    columns = [(j, k) for j, p in enumerate(peers) for k in range(1, p.capacity + 1)]
    if not requests or not columns:
        return 0, 0
    cost_of = {
        (int(r), int(p)): int(c)
        for r, p, c in zip(cands.request, cands.peer, cands.cost, strict=True)
    }
    big = 10 * (sum(cost_of.values()) + 1) + 10 * weights.fairness * (len(requests) + 10) ** 2
    matrix = np.zeros((len(requests), len(columns)), dtype=np.float64)
    real = np.zeros_like(matrix, dtype=bool)
    for col, (j, k) in enumerate(columns):
        marginal = weights.fairness * (2 * (peers[j].load + k) - 1) if fairness else 0
        for i in range(len(requests)):
            if (i, j) in cost_of:
                matrix[i, col] = cost_of[(i, j)] + marginal - big
                real[i, col] = True
    rows, cols = linear_sum_assignment(matrix)
    used = real[rows, cols]
    return int(used.sum()), int(round(matrix[rows, cols][used].sum() + big * used.sum()))


@pytest.mark.parametrize("seed", range(5))
def test_as_many_matched_and_as_cheap_as_an_independent_solver(seed):
    rng = random.Random(100 + seed)
    for _ in range(40):
        requests, peers = random_instance(rng, rng.randint(1, 14), rng.randint(1, 8), limits=False)
        result = engine.match(requests, peers, EDGES_ONLY, fairness=False, explain=False)
        cands = engine.candidates(requests, peers, EDGES_ONLY)
        expected = expanded_optimum(requests, peers, cands, EDGES_ONLY, fairness=False)
        assert (result.stats["matched"], result.stats["total_cost"]) == expected


@pytest.mark.parametrize("seed", range(5))
def test_with_fairness_it_solves_the_problem_with_convex_columns(seed):
    rng = random.Random(200 + seed)
    weights = Weights(fairness=25)
    for _ in range(40):
        requests, peers = random_instance(rng, rng.randint(1, 14), rng.randint(1, 6), limits=False)
        result = engine.match(requests, peers, weights, fairness=True, explain=False)
        cands = engine.candidates(requests, peers, weights)
        expected = expanded_optimum(requests, peers, cands, weights, fairness=True)
        assert (result.stats["matched"], result.stats["total_cost"]) == expected
        assert result.stats["total_cost"] == sum(a.cost for a in result.assignments)
        assert all(a.cost == sum(a.components.values()) for a in result.assignments)


def exhaustive_optimum(requests, peers, cands, weights):
    """(matched, total cost) by trying every choice of at most one candidate per request,
    counting weekly capacity, the per-day limit (less what is booked) and fairness."""
    options = [[None] for _ in requests]
    for r, p, c in zip(cands.request, cands.peer, cands.cost, strict=True):
        options[int(r)].append((int(p), int(c)))
    best = (0, 0)
    for choice in itertools.product(*options):
        weekly, daily, cost = {}, {}, 0
        for r, pick in enumerate(choice):
            if pick is None:
                continue
            p, c = pick
            weekly[p] = weekly.get(p, 0) + 1
            key = (p, requests[r].day)
            daily[key] = daily.get(key, 0) + 1
            cost += c
        if any(n > peers[p].capacity for p, n in weekly.items()):
            continue
        if any(n > peers[p].per_day - peers[p].booked.get(d, 0) for (p, d), n in daily.items()):
            continue
        load = {p: peers[p].load for p in weekly}
        cost += sum(
            weights.fairness * ((load[p] + n) ** 2 - load[p] ** 2) for p, n in weekly.items()
        )
        matched = sum(pick is not None for pick in choice)
        if (matched, -cost) > (best[0], -best[1]):
            best = (matched, cost)
    return best


@pytest.mark.parametrize("seed", range(3))
def test_per_day_limits_and_bookings_against_every_assignment(seed):
    rng = random.Random(300 + seed)
    weights = Weights(fairness=10)
    checked = 0
    while checked < 40:
        # Over a day and a half, so that the per-day limits often bind.
        requests, peers = random_instance(rng, rng.randint(1, 6), rng.randint(1, 4), days=1.5)
        cands = engine.candidates(requests, peers, weights)
        if math.prod(1 + int((cands.request == i).sum()) for i in range(len(requests))) > 5000:
            continue
        result = engine.match(requests, peers, weights, explain=False)
        expected = exhaustive_optimum(requests, peers, cands, weights)
        assert (result.stats["matched"], result.stats["total_cost"]) == expected
        checked += 1


# -- greedy loses --------------------------------------------------------------------------

ONLY_EDGES = Weights(distance=0, interest=40, language=30, reliability=0, rating=0, fairness=0)


def here(id, languages, interests=(), **kwargs):
    return RequestIn(
        id, 44.5, 11.3, 600, 900, 60, frozenset(languages), frozenset(interests), **kwargs
    )


def local(id, languages, interests=(), capacity=1, **kwargs):
    return PeerIn(
        id, 44.5, 11.3, 5, languages, ((540, 1080),), capacity, interests=frozenset(interests),
        **kwargs,
    )  # fmt: skip


def pairs(result):
    return {(a.request_id, a.peer_id) for a in result.assignments}


def test_greedy_loses_a_match_the_engine_keeps():
    """Anna speaks Italian and English, Bruno only Italian; the Italian peer is the cheaper
    for Anna, so greedy gives her to Anna and Bruno gets nobody."""
    requests = [here("anna", {"it", "en"}), here("bruno", {"it"})]
    peers = [local("giulia", {"it": 4}), local("kate", {"en": 3})]
    greedy = engine.greedy(requests, peers, ONLY_EDGES, fairness=False)
    best = engine.match(requests, peers, ONLY_EDGES, fairness=False)
    assert pairs(greedy) == {("anna", "giulia")}
    assert [u.reason for u in greedy.unmatched] == ["taken"]
    assert pairs(best) == {("anna", "kate"), ("bruno", "giulia")}
    assert best.unmatched == []


def test_greedy_pays_more_for_the_same_matches():
    """Costs: anna-giulia 0, anna-marco 10, bruno-giulia 20, bruno-marco 50. Greedy takes
    the 0 first and pays 50 for Bruno (total 50); the engine pays 10 + 20 = 30."""
    requests = [here("anna", {"it"}), here("bruno", {"it"}, {"art", "food"})]
    peers = [local("giulia", {"it": 4}, {"art"}), local("marco", {"it": 3})]
    greedy = engine.greedy(requests, peers, ONLY_EDGES, fairness=False)
    best = engine.match(requests, peers, ONLY_EDGES, fairness=False)
    assert (greedy.stats["matched"], greedy.stats["total_cost"]) == (2, 50)
    assert (best.stats["matched"], best.stats["total_cost"]) == (2, 30)
    assert pairs(best) == {("anna", "marco"), ("bruno", "giulia")}


def test_fairness_spreads_matches_to_a_peer_with_fewer():
    """Giulia is a little cheaper (native Italian, 0 against Marco's 10) and could take both;
    with fairness her second match would cost 45 against Marco's first 15 plus his 10."""
    requests = [here("anna", {"it"}, day=1), here("bruno", {"it"}, day=2)]
    peers = [
        local("giulia", {"it": 4}, capacity=2, per_day=1, load=0),
        local("marco", {"it": 3}, capacity=2, per_day=1, load=0),
    ]
    unfair = engine.match(requests, peers, Weights(), fairness=False)
    fair = engine.match(requests, peers, Weights(), fairness=True)
    assert {p for _, p in pairs(unfair)} == {"giulia"}
    assert {p for _, p in pairs(fair)} == {"giulia", "marco"}
    assert unfair.stats["gini"] > fair.stats["gini"] == 0.0
    shares = sorted(a.components["fairness"] for a in fair.assignments)
    assert shares == [15, 15]  # each one's first match of the week
    # + 9 (unknown reliability) + 5 (not rated) each
    assert fair.stats["total_cost"] == 10 + 15 + 15 + 2 * (9 + 5)


def test_fairness_counts_the_matches_already_held():
    """Equal peers, but Giulia already has three matches this week: the request goes to
    Marco, and its fairness share is his first match's."""
    peers = [
        local("giulia", {"it": 4}, capacity=2, load=3),
        local("marco", {"it": 4}, capacity=2, load=0),
    ]
    (assignment,) = engine.match([here("anna", {"it"})], peers).assignments
    assert assignment.peer_id == "marco"
    assert assignment.components["fairness"] == 15


def test_per_day_limit_and_what_is_booked():
    requests = [
        here("anna", {"it"}, day=5),
        here("bruno", {"it"}, day=5),
        here("carla", {"it"}, day=6),
    ]
    busy = local("giulia", {"it": 4}, capacity=3, per_day=1, booked={6: 1})
    result = engine.match(requests, [busy], Weights())
    assert result.stats["matched"] == 1
    reasons = {u.request_id: u.reason for u in result.unmatched}
    assert reasons.pop("carla") == "no_capacity"  # Giulia's day 6 is full already
    assert list(reasons.values()) == ["taken"]  # one a day: Anna or Bruno, not both


# -- the result ----------------------------------------------------------------------------


def test_assignment_reasons_and_meeting_start():
    request = here("anna", {"it", "en", "fr"}, {"food", "art", "music"})
    peer = PeerIn(
        "giulia", 44.5 + 1.5 * KM_LAT, 11.3, 5, {"it": 4, "en": 2, "de": 4}, ((700, 800),), 1,
        interests=frozenset({"art", "food"}), reliability=93.0, rating=4.6,
    )  # fmt: skip
    (assignment,) = engine.match([request], [peer]).assignments
    assert assignment.reasons == engine.MatchReasons(
        languages=(("it", 4), ("en", 2)),
        distance_km=1.5,
        interests=("art", "food"),
        reliability=93.0,
        rating=4.6,
    )
    assert assignment.start == 700  # the peer is free from 700, the request from 600
    assert engine.MatchReasons.from_dict(assignment.reasons.as_dict()) == assignment.reasons


@pytest.mark.parametrize(
    ("peer", "reason", "detail"),
    [
        (local("x", {"ja": 4}), "no_language", {"languages": ["en", "it"]}),
        (
            PeerIn("x", 45.5, 11.3, 5, {"it": 4}, ((540, 1080),), 1),
            "too_far",
            {"languages": ["en", "it"], "speakers": 1},
        ),
        (
            PeerIn("x", 44.5, 11.3, 5, {"en": 4}, ((540, 630),), 1),
            "no_time",
            {"languages": ["en", "it"]},
        ),
        (local("x", {"it": 4}, capacity=0), "no_capacity", {"languages": ["en", "it"], "free": 1}),
        (local("blocked", {"it": 4}), "excluded", {"languages": ["en", "it"], "excluded": 1}),
    ],
)
def test_why_nobody(peer, reason, detail):
    request = here("anna", {"it", "en"}, excluded=frozenset({"blocked"}))
    result = engine.match([request], [peer])
    assert result.assignments == []
    assert result.unmatched == [engine.Unmatched("anna", reason, detail)]


def test_the_program_limit_counts_as_too_far():
    request = here("anna", {"it"})
    peer = PeerIn("x", 44.5 + 6 * KM_LAT, 11.3, 10, {"it": 4}, ((540, 1080),), 1)
    assert engine.match([request], [peer]).stats["matched"] == 1
    limited = engine.match([request], [peer], Weights(max_distance_km=5))
    assert [u.reason for u in limited.unmatched] == ["too_far"]


def test_taken_when_the_only_peer_went_elsewhere():
    requests = [here("anna", {"it"}), here("bruno", {"it"})]
    result = engine.match(requests, [local("giulia", {"it": 4})])
    assert result.stats["matched"] == 1
    (unmatched,) = result.unmatched
    assert (unmatched.reason, unmatched.detail["candidates"]) == ("taken", 1)


def test_empty_batches():
    assert engine.match([], []).stats["matched"] == 0
    result = engine.match([here("anna", {"it"})], [])
    assert [u.reason for u in result.unmatched] == ["no_language"]
    assert engine.match([], [local("giulia", {"it": 4})]).assignments == []


def test_stats():
    requests = [here("anna", {"it"}), here("bruno", {"it"})]
    peers = [
        local("giulia", {"it": 4}),
        local("marco", {"it": 4}),
        local("zero", {"it": 4}, capacity=0),
    ]
    stats = engine.match(requests, peers).stats
    assert (stats["requests"], stats["peers"], stats["candidates"], stats["matched"]) == (
        2,
        3,
        4,
        2,
    )
    assert stats["gini"] == 0.0  # one each; the peer with no capacity is not counted
    assert set(stats["seconds"]) == {"candidates", "solve", "explain"}


def test_gini():
    assert engine.gini([]) == 0.0
    assert engine.gini([0, 0]) == 0.0
    assert engine.gini([3, 3, 3]) == 0.0
    assert engine.gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert engine.gini([1, 2, 3, 4]) == pytest.approx(0.25)
