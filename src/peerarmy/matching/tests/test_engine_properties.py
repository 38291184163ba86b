"""Properties of the matching engine on small random batches (hypothesis): limits hold,
every proposal meets every hard constraint (checked again here, pair by pair), more peers
never match fewer requests, every request is either matched once or told why, and the reason
given is true."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.matching import engine
from peerarmy.matching.engine import PeerIn, RequestIn, Weights

from .test_engine import brute_candidates, great_circle_km

LANGS = ["it", "en", "fr"]
TOPICS = ["art", "food", "wine"]
DAY = 1440
KM = 1 / 111.195


def place(dx, dy):
    """A point dx km east and dy km north of Bologna's centre."""
    return 44.4949 + dy * KM, 11.3426 + dx * KM / math.cos(math.radians(44.4949))


@st.composite
def requests_st(draw, n, m):
    out = []
    for i in range(n):
        start = draw(st.integers(0, DAY + DAY // 2))  # two days: per-day limits bind
        lat, lon = place(draw(st.integers(-12, 12)), draw(st.integers(-12, 12)))
        out.append(
            RequestIn(
                id=f"r{i}",
                lat=lat,
                lon=lon,
                start=start,
                end=start + draw(st.sampled_from([30, 120, 300, 900, 2000])),
                minutes=draw(st.sampled_from([30, 60, 120, 180])),
                languages=frozenset(draw(st.sets(st.sampled_from(LANGS), max_size=2))),
                interests=frozenset(draw(st.sets(st.sampled_from(TOPICS), max_size=2))),
                day=start // DAY,
                excluded=frozenset(
                    f"p{j}" for j in draw(st.sets(st.integers(0, max(m - 1, 0)), max_size=1))
                ),
            )
        )
    return out


@st.composite
def peer_st(draw, j):
    windows, t = [], draw(st.integers(0, DAY))
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.sampled_from([45, 120, 240, 700]))
        windows.append((t, t + length))
        t += length + draw(st.integers(1, DAY))
    lat, lon = place(draw(st.integers(-12, 12)), draw(st.integers(-12, 12)))
    return PeerIn(
        id=f"p{j}",
        lat=lat,
        lon=lon,
        radius_km=draw(st.sampled_from([1.0, 3.0, 8.0, 15.0])),
        languages=draw(st.dictionaries(st.sampled_from(LANGS), st.integers(1, 4), max_size=2)),
        windows=tuple(windows),
        capacity=draw(st.integers(0, 3)),
        per_day=draw(st.integers(0, 2)),
        load=draw(st.integers(0, 4)),
        interests=frozenset(draw(st.sets(st.sampled_from(TOPICS), max_size=2))),
        reliability=draw(st.one_of(st.none(), st.floats(0, 100))),
        rating=draw(st.one_of(st.none(), st.floats(1, 5))),
        booked=draw(st.dictionaries(st.integers(0, 3), st.integers(0, 1), max_size=2)),
    )


@st.composite
def batches(draw):
    m = draw(st.integers(0, 6))
    peers = [draw(peer_st(j)) for j in range(m)]
    requests = draw(requests_st(draw(st.integers(0, 8)), m))
    weights = Weights(
        fairness=draw(st.sampled_from([0, 15])),
        max_distance_km=draw(st.sampled_from([None, 6.0])),
    )
    return requests, peers, weights


def within_limits(result, requests, peers):
    by_id = {p.id: p for p in peers}
    day_of = {r.id: r.day for r in requests}
    weekly, daily = {}, {}
    for a in result.assignments:
        weekly[a.peer_id] = weekly.get(a.peer_id, 0) + 1
        key = (a.peer_id, day_of[a.request_id])
        daily[key] = daily.get(key, 0) + 1
    assert all(n <= by_id[p].capacity for p, n in weekly.items())
    assert all(n <= by_id[p].per_day - by_id[p].booked.get(d, 0) for (p, d), n in daily.items())


@settings(max_examples=100)
@given(batches())
def test_limits_hold_and_every_proposal_is_allowed(batch):
    requests, peers, weights = batch
    result = engine.match(requests, peers, weights)
    within_limits(result, requests, peers)
    allowed = brute_candidates(requests, peers, weights)
    index_r = {r.id: i for i, r in enumerate(requests)}
    index_p = {p.id: j for j, p in enumerate(peers)}
    for a in result.assignments:
        i, j = index_r[a.request_id], index_p[a.peer_id]
        assert (i, j) in allowed
        r, p = requests[i], peers[j]
        # The meeting fits: both free for `minutes` from its start.
        assert r.start <= a.start and a.start + r.minutes <= r.end
        assert any(s <= a.start and a.start + r.minutes <= e for s, e in p.windows)
        assert a.cost == sum(a.components.values())
        assert set(a.reasons.languages) <= set(p.languages.items())
        assert {c for c, _ in a.reasons.languages} == set(r.languages) & set(p.languages)
    assert result.stats["total_cost"] == sum(a.cost for a in result.assignments)


@settings(max_examples=100)
@given(batches())
def test_every_request_is_matched_once_or_told_why(batch):
    requests, peers, weights = batch
    result = engine.match(requests, peers, weights)
    matched = [a.request_id for a in result.assignments]
    unmatched = [u.request_id for u in result.unmatched]
    assert len(matched) == len(set(matched))
    assert sorted(matched + unmatched) == sorted(r.id for r in requests)
    assert result.stats["matched"] == len(matched)


@settings(max_examples=100)
@given(batches(), peer_st(99))
def test_one_more_peer_never_matches_fewer(batch, extra):
    requests, peers, weights = batch
    before = engine.match(requests, peers, weights, explain=False).stats["matched"]
    after = engine.match(requests, [*peers, extra], weights, explain=False).stats["matched"]
    assert after >= before


@settings(max_examples=100)
@given(batches())
def test_the_reason_given_is_true(batch):
    """Each reason checked from scratch, in the engine's order: nobody speaks a language;
    speakers, none within reach; within reach, none free long enough; free, none with room
    that week and day; with room, all excluded; or candidates who went to other requests."""
    requests, peers, weights = batch
    result = engine.match(requests, peers, weights)
    allowed = brute_candidates(requests, peers, weights)
    limit = math.inf if weights.max_distance_km is None else weights.max_distance_km
    for u in result.unmatched:
        i = next(k for k, r in enumerate(requests) if r.id == u.request_id)
        r = requests[i]
        speakers = [p for p in peers if set(p.languages) & r.languages]
        near = [
            p
            for p in speakers
            if great_circle_km(r.lat, r.lon, p.lat, p.lon) <= min(p.radius_km, limit)
        ]
        need = max(r.minutes, 1)
        free = [
            p for p in near if any(min(e, r.end) - max(s, r.start) >= need for s, e in p.windows)
        ]
        room = [p for p in free if p.capacity > 0 and p.per_day - p.booked.get(r.day, 0) > 0]
        has_candidates = any(key[0] == i for key in allowed)
        expected = (
            "taken"
            if has_candidates
            else "excluded"
            if room
            else "no_capacity"
            if free
            else "no_time"
            if near
            else "too_far"
            if speakers
            else "no_language"
        )
        assert u.reason == expected
        assert u.detail["languages"] == sorted(r.languages)
        if u.reason == "excluded":
            assert all(p.id in r.excluded for p in room)
            assert u.detail["excluded"] == len(room)
        if u.reason == "no_capacity":
            assert u.detail["free"] == len(free)
        if u.reason == "too_far":
            assert u.detail["speakers"] == len(speakers)


@settings(max_examples=100)
@given(batches())
def test_candidates_are_exactly_the_allowed_pairs(batch):
    requests, peers, weights = batch
    cands = engine.candidates(requests, peers, weights)
    found = {
        (int(r), int(p)): int(s)
        for r, p, s in zip(cands.request, cands.peer, cands.start, strict=True)
    }
    assert found == brute_candidates(requests, peers, weights)


@settings(max_examples=100)
@given(batches())
def test_greedy_never_beats_the_engine(batch):
    requests, peers, weights = batch
    best = engine.match(requests, peers, weights, explain=False).stats
    base = engine.greedy(requests, peers, weights)
    within_limits(base, requests, peers)
    assert (best["matched"], -best["total_cost"]) >= (
        base.stats["matched"],
        -base.stats["total_cost"],
    )


@st.composite
def crowds(draw):
    """Everyone in one square speaking Italian, free on the same two days: the weekly and
    daily limits decide who goes where."""
    peers = [
        PeerIn(
            id=f"p{j}",
            lat=44.4949,
            lon=11.3426,
            radius_km=5,
            languages={"it": draw(st.integers(1, 4))},
            windows=((0, 2 * DAY),),
            capacity=draw(st.integers(0, 4)),
            per_day=draw(st.integers(0, 2)),
            load=draw(st.integers(0, 3)),
            booked=draw(st.dictionaries(st.integers(0, 1), st.integers(0, 1), max_size=1)),
        )
        for j in range(draw(st.integers(1, 4)))
    ]
    requests = []
    for i in range(draw(st.integers(1, 9))):
        day = draw(st.integers(0, 1))
        requests.append(
            RequestIn(f"r{i}", 44.4949, 11.3426, day * DAY + 600, day * DAY + 900, 60,
                      frozenset({"it"}), day=day)
        )  # fmt: skip
    return requests, peers


@settings(max_examples=100)
@given(crowds())
def test_limits_hold_in_a_crowd(batch):
    requests, peers = batch
    result = engine.match(requests, peers)
    within_limits(result, requests, peers)
    # Nobody over their limits, and nobody under them while someone waits that day.
    by_day = {0: 0, 1: 0}
    for a in result.assignments:
        by_day[next(r.day for r in requests if r.id == a.request_id)] += 1
    for day in (0, 1):
        waiting = sum(r.day == day for r in requests) - by_day[day]
        if waiting:
            for p in peers:
                taken = [a for a in result.assignments if a.peer_id == p.id]
                that_day = [a for a in taken if requests[int(a.request_id[1:])].day == day]
                full_week = len(taken) >= p.capacity
                full_day = len(that_day) >= p.per_day - p.booked.get(day, 0)
                assert full_week or full_day, (p.id, day)
