"""The matching engine: a pure core (no Django) from requests and peers to the best proposals.

A consumer's request (where, when, for how long, which languages, which interests) may go to a
peer who shares a language, lives within their own radius (and the program's limit), is free
long enough inside the request's window, still has room this week and that day, and has not
declined the request or blocked the consumer (or been blocked). Those are the hard constraints;
every pair that meets them is a *candidate* with an integer cost made of non-negative penalties
(distance, interests not shared, language level, reliability, rating).

The proposals are one min-cost flow (OR-Tools): first as many requests matched as possible,
then the least total cost. A convex fairness cost on each peer's matches (the k-th match of a
peer who already has `load` costs more than the (k-1)-th) spreads the work: the solver gives a
second match to a busy peer only when that saves more than it costs in fairness. A greedy
choice (cheapest pair first) can lose matches and cost more; `greedy` is kept as the baseline
the tests and benchmarks/matching.py measure the engine against.

Candidates are found without looking at every pair: per language, a k-d tree holds the
requests as points (their place on the unit sphere and two time coordinates) and each free
window of each peer asks for the points inside a box holding every request it could serve
(within its reach, overlapping long enough); the exact checks then run vectorised on that
short list. In a city the distance alone rules out few pairs (a radius of 15 km covers most
of it) and the time alone few more over a week; together they leave the candidates and not
many more. Why an unmatched request got nobody comes from the same search (who was free,
who had room) plus, for the rest, a count of speakers and one nearest-neighbour query.

Times are integers, minutes since the Unix epoch (UTC); a window is [start, end).
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
EDGE_COMPONENTS = ("distance", "interest", "language", "reliability", "rating")
COMPONENTS = (*EDGE_COMPONENTS, "fairness")
TOP_LEVEL = 4  # native
UNKNOWN_RELIABILITY = 70.0
UNRATED = 4.0
REASONS = ("no_language", "too_far", "no_time", "no_capacity", "excluded", "taken")
# Windows longer than this (plus the meeting) are cut in overlapping pieces for the index, so
# a whole free Saturday does not widen every box; see _chunks.
CHUNK_MINUTES = 6 * 60
# Threads for the index's queries (-1: one per core) when there are enough of them to pay
# for starting the threads; the rest is NumPy and the solver.
WORKERS = -1
PARALLEL_QUERIES = 2_000
# Windows are indexed in this many groups by the ratio of their reach to their length.
BOX_CLASSES = 3
# Limits of solve_raw: far below where a sum of costs or capacities could overflow int64.
MAX_RAW_COST = 10**12
MAX_RAW_CAPACITY = 10**9


class InputError(ValueError):
    """Malformed input to `solve_raw`; the message names the fault."""


@dataclass(frozen=True, slots=True)
class RequestIn:
    id: Hashable
    lat: float
    lon: float
    start: int  # the consumer's free window [start, end)
    end: int
    minutes: int  # how long the meeting needs; a peer must be free that long inside the window
    languages: frozenset[str]  # ISO 639-1 codes the consumer speaks; a pair needs one shared
    interests: frozenset[str] = frozenset()  # slugs from the program's list
    day: int = 0  # local day number, for the per-day limit (the caller computes it)
    excluded: frozenset = frozenset()  # peer ids that may not take it (declined, blocked)


@dataclass(frozen=True, slots=True)
class PeerIn:
    id: Hashable
    lat: float
    lon: float
    radius_km: float
    languages: Mapping[str, int]  # code -> 1 basic, 2 conversational, 3 fluent, 4 native
    windows: tuple[tuple[int, int], ...]  # free time net of commitments, sorted, disjoint
    capacity: int  # matches still allowed this period (week); 0 = none
    per_day: int = 1  # matches allowed on one day
    load: int = 0  # matches already this period (for the fairness term)
    interests: frozenset[str] = frozenset()
    reliability: float | None = None  # 0..100, None = no track record yet
    rating: float | None = None  # 1..5, None = not rated yet
    # Matches already held on a day (day -> count): that day allows per_day minus these.
    booked: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Weights:
    """Costs are integers; each component is a non-negative penalty."""

    distance: int = 10  # per km
    interest: int = 40  # times the share of the request's interests the peer does NOT share
    language: int = 30  # times (4 - best shared level) / 3
    reliability: int = 30  # times (100 - reliability) / 100; unknown counts as 70
    rating: int = 20  # times (5 - rating) / 4; unrated counts as 4
    fairness: int = 15  # the k-th match of a peer with `load` costs fairness*(2*(load+k)-1)
    max_distance_km: float | None = None  # the program's limit, on top of each peer's radius


@dataclass(frozen=True, slots=True)
class MatchReasons:
    """Why this peer, in data: explain.describe_match puts it in words."""

    languages: tuple[tuple[str, int], ...]  # shared, with the peer's level, best first
    distance_km: float  # one decimal
    interests: tuple[str, ...] = ()  # shared, sorted
    reliability: float | None = None
    rating: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (what a Match stores); `from_dict` reads it back."""
        data = asdict(self)
        data["languages"] = [list(pair) for pair in self.languages]
        data["interests"] = list(self.interests)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchReasons:
        return cls(
            languages=tuple((str(c), int(level)) for c, level in data.get("languages", ())),
            distance_km=float(data.get("distance_km", 0.0)),
            interests=tuple(data.get("interests", ())),
            reliability=data.get("reliability"),
            rating=data.get("rating"),
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    request_id: Hashable
    peer_id: Hashable
    cost: int
    components: dict[str, int]
    reasons: MatchReasons | None = None
    # The earliest minute from which both are free for the meeting's length.
    start: int | None = None


@dataclass(frozen=True, slots=True)
class Unmatched:
    request_id: Hashable
    reason: str  # one of REASONS
    detail: dict[str, Any]


@dataclass(slots=True)
class Result:
    assignments: list[Assignment]
    unmatched: list[Unmatched]
    stats: dict[str, Any]


@dataclass(slots=True)
class Candidates:
    """Every pair meeting every hard constraint, one row per pair, sorted by (request, peer).

    `request` and `peer` index the lists given to `candidates`; `components` holds each edge
    component's integer cost (fairness is not an edge's: it depends on how many matches the
    peer gets) and `cost` their sum; `start` is the earliest minute both are free for the
    meeting's length."""

    request: np.ndarray
    peer: np.ndarray
    distance_km: np.ndarray
    start: np.ndarray
    components: dict[str, np.ndarray]
    cost: np.ndarray

    def __len__(self):
        return len(self.request)


# -- small vector helpers ------------------------------------------------------------------


def _round(values) -> np.ndarray:
    """Round half up to int64 (the same rule for every component)."""
    return np.floor(np.asarray(values, dtype=np.float64) + 0.5).astype(np.int64)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, s + n) for each (s, n), without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    group_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(np.asarray(starts, dtype=np.int64), lengths) + (
        np.arange(total, dtype=np.int64) - group_start
    )


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def _chord(km: np.ndarray) -> np.ndarray:
    """The straight-line distance between two points on the unit sphere `km` apart."""
    angle = (
        np.minimum(np.asarray(km, dtype=np.float64), math.pi * EARTH_RADIUS_KM) / EARTH_RADIUS_KM
    )
    return 2 * np.sin(angle / 2)


class _Vocabulary:
    """Codes (languages, interests) as bits of uint64 words, so set tests are vectorised."""

    def __init__(self, codes):
        self.codes = sorted(codes)
        self.index = {code: i for i, code in enumerate(self.codes)}
        self.words = max(1, -(-len(self.codes) // 64))

    def masks(self, sets) -> np.ndarray:
        """(len(sets), words) uint64; codes outside the vocabulary are ignored."""
        index = self.index
        return self.as_words([sum(1 << index[c] for c in s if c in index) for s in sets])

    def levels(self, spoken: Sequence[Mapping[str, int]]) -> np.ndarray:
        """(TOP_LEVEL, len(spoken), words): [L - 1] holds the codes spoken at level L or
        better (a level below 1 counts as 1, above TOP_LEVEL as TOP_LEVEL)."""
        index = self.index
        ints = [[0] * len(spoken) for _ in range(TOP_LEVEL)]
        for j, languages in enumerate(spoken):
            for code, level in languages.items():
                if code in index:
                    bit = 1 << index[code]
                    for at_least in range(max(1, min(level, TOP_LEVEL))):
                        ints[at_least][j] |= bit
        return np.stack([self.as_words(row) for row in ints])

    def as_words(self, ints: list[int]) -> np.ndarray:
        out = np.zeros((len(ints), self.words), dtype=np.uint64)
        for w in range(self.words):
            shift, full = 64 * w, (1 << 64) - 1
            out[:, w] = np.fromiter(((v >> shift) & full for v in ints), np.uint64, len(ints))
        return out

    def below(self, i: int) -> np.ndarray:
        """The mask of every code before code number i."""
        bits = (1 << i) - 1
        return np.array(
            [(bits >> (64 * w)) & ((1 << 64) - 1) for w in range(self.words)], np.uint64
        )


def _any(masks: np.ndarray) -> np.ndarray:
    return (masks != 0).any(axis=1)


def _popcount(masks: np.ndarray) -> np.ndarray:
    return np.bitwise_count(masks).sum(axis=1, dtype=np.int64)


# -- the batch as arrays -------------------------------------------------------------------


class _Batch:
    """The requests and peers as NumPy columns, built once per call."""

    def __init__(self, requests: Sequence[RequestIn], peers: Sequence[PeerIn], weights: Weights):
        self.requests, self.peers, self.weights = requests, peers, weights
        n, m = len(requests), len(peers)
        f8, i8 = np.float64, np.int64
        self.r_lat = np.fromiter((r.lat for r in requests), f8, n)
        self.r_lon = np.fromiter((r.lon for r in requests), f8, n)
        self.r_start = np.fromiter((r.start for r in requests), i8, n)
        self.r_end = np.fromiter((r.end for r in requests), i8, n)
        # A meeting takes at least a minute (so "free long enough" is never vacuous).
        self.r_minutes = np.fromiter((max(r.minutes, 1) for r in requests), i8, n)
        self.r_day = np.fromiter((r.day for r in requests), i8, n)
        self.p_lat = np.fromiter((p.lat for p in peers), f8, m)
        self.p_lon = np.fromiter((p.lon for p in peers), f8, m)
        limit = math.inf if weights.max_distance_km is None else weights.max_distance_km
        self.p_reach = np.minimum(np.fromiter((p.radius_km for p in peers), f8, m), limit)
        self.p_capacity = np.fromiter((p.capacity for p in peers), i8, m)
        self.p_per_day = np.fromiter((p.per_day for p in peers), i8, m)
        self.p_load = np.fromiter((max(p.load, 0) for p in peers), i8, m)

        # Only the requests' languages matter: a peer's other languages never make a pair.
        self.lang = _Vocabulary(set().union(*(r.languages for r in requests)) if n else ())
        self.r_lang = self.lang.masks([r.languages for r in requests])
        # p_level[L - 1]: the peer's languages spoken at level L or better.
        self.p_level = self.lang.levels([p.languages for p in peers])
        self.p_lang = self.p_level[0]
        self.topic = _Vocabulary(set().union(*(r.interests for r in requests)) if n else ())
        self.r_topic = self.topic.masks([r.interests for r in requests])
        self.p_topic = self.topic.masks([p.interests for p in peers])

        # Each peer's windows, flattened in peer order (offsets into the flat arrays).
        counts = np.fromiter((len(p.windows) for p in peers), i8, m)
        self.w_offset = np.concatenate(([0], np.cumsum(counts))).astype(i8)
        flat = list(itertools.chain.from_iterable(p.windows for p in peers))
        pairs = np.array(flat, dtype=i8).reshape(-1, 2)
        self.w_peer = np.repeat(np.arange(m, dtype=i8), counts)
        self.w_start, self.w_end = pairs[:, 0], pairs[:, 1]

        self.peer_index = {p.id: j for j, p in enumerate(peers)}
        booked = [(j, d, c) for j, p in enumerate(peers) for d, c in p.booked.items() if c]
        self.booked = np.array(booked, dtype=i8).reshape(-1, 3)

    def per_peer_cost(self) -> tuple[np.ndarray, np.ndarray]:
        """The reliability and rating components of every peer (they do not depend on the
        request)."""
        w = self.weights
        rel = np.array(
            [UNKNOWN_RELIABILITY if p.reliability is None else p.reliability for p in self.peers],
            dtype=np.float64,
        )
        rat = np.array([UNRATED if p.rating is None else p.rating for p in self.peers], np.float64)
        rel = np.clip(rel, 0.0, 100.0)
        rat = np.clip(rat, 1.0, 5.0)
        return _round(w.reliability * (100.0 - rel) / 100.0), _round(w.rating * (5.0 - rat) / 4.0)

    def day_room(self, peer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Matches each (peer, day) still allows: per_day minus those already booked that day."""
        room = self.p_per_day[peer].copy()
        if len(self.booked) and len(peer):
            b = self.booked
            base = min(int(b[:, 1].min()), int(day.min()))
            span = max(int(b[:, 1].max()), int(day.max())) - base + 1
            keys = b[:, 0] * span + (b[:, 1] - base)
            order = np.argsort(keys)
            keys, counts = keys[order], b[order, 2]
            wanted = peer.astype(np.int64) * span + (day - base)
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            hit = keys[at] == wanted
            room[hit] -= counts[at[hit]]
        return room

    def excluded_keys(self) -> np.ndarray:
        """request * peers + peer for every excluded pair whose peer is in the batch."""
        m = len(self.peers)
        keys = [
            i * m + self.peer_index[pid]
            for i, r in enumerate(self.requests)
            for pid in r.excluded
            if pid in self.peer_index
        ]
        return np.array(sorted(keys), dtype=np.int64)


def _chunks(start, end, extend, chunk=CHUNK_MINUTES):
    """Cut windows [start, end) into pieces [start + k*chunk, start + (k+1)*chunk + extend),
    clipped to the window, k = 0 .. (length - extend) // chunk. Any stretch of at most
    `extend` minutes inside a window lies inside one of its pieces, so a pair overlapping
    long enough overlaps long enough in some pair of pieces. Returns (owner, start, end)."""
    length = end - start
    pieces = np.maximum(1, (length - extend) // chunk + 1)
    owner = np.repeat(np.arange(len(start)), pieces)
    k = _ranges(np.zeros(len(start), dtype=np.int64), pieces)
    s = start[owner] + k * chunk
    e = np.minimum(end[owner], s + chunk + extend[owner])
    return owner, s, e


# -- candidates ----------------------------------------------------------------------------


def candidates(
    requests: Sequence[RequestIn], peers: Sequence[PeerIn], weights: Weights = Weights()
) -> Candidates:
    """Every (request, peer) pair meeting every hard constraint, with its costs."""
    return _search(_Batch(requests, peers, weights))[0]


def _empty_candidates() -> Candidates:
    z = np.zeros(0, dtype=np.int64)
    return Candidates(z, z, np.zeros(0), z, {name: z for name in EDGE_COMPONENTS}, z)


@dataclass(slots=True)
class _Reach:
    """Per request: peers who share a language, live within reach and are free long enough
    (`free`), and of those the ones with room that week and day (`room`); what tells an
    unmatched request's reason without another search."""

    free: np.ndarray
    room: np.ndarray


def _search(b: _Batch) -> tuple[Candidates, _Reach]:
    n = len(b.requests)
    ri, pi, dist, start = _reachable(b)
    room = (b.p_capacity[pi] > 0) & (b.p_per_day[pi] > 0)
    room[room] = b.day_room(pi[room], b.r_day[ri[room]]) > 0
    reach = _Reach(np.bincount(ri, minlength=n), np.bincount(ri[room], minlength=n))
    ok = room
    excluded = b.excluded_keys()
    if len(excluded):
        ok &= ~np.isin(ri * len(b.peers) + pi, excluded)
    if not ok.any():
        return _empty_candidates(), reach
    return _priced(b, ri[ok], pi[ok], dist[ok], start[ok]), reach


def _reachable(b: _Batch):
    """Pairs sharing a language, within the peer's reach, free together long enough
    (capacity and exclusions aside): (request, peer, km, earliest meeting start), one row
    per pair, sorted by (request, peer)."""
    empty = np.zeros(0, dtype=np.int64)
    nothing = (empty, empty, np.zeros(0), empty)
    n, m = len(b.requests), len(b.peers)
    if not n or not m or not len(b.w_start):
        return nothing
    # Requests: pieces of their window at least `minutes` long.
    r_idx = np.flatnonzero((b.r_end - b.r_start >= b.r_minutes) & _any(b.r_lang))
    if not len(r_idx):
        return nothing
    owner, rs, re = _chunks(b.r_start[r_idx], b.r_end[r_idx], b.r_minutes[r_idx])
    q_req = r_idx[owner]
    q_a = re - b.r_minutes[q_req]  # the latest start of the meeting inside the piece
    q_b = rs + b.r_minutes[q_req]  # the earliest end
    # Windows long enough for the shortest meeting.
    shortest, longest = int(b.r_minutes[r_idx].min()), int(b.r_minutes[r_idx].max())
    w_idx = np.flatnonzero((b.w_end - b.w_start >= shortest) & _any(b.p_lang)[b.w_peer])
    if not len(w_idx):
        return nothing
    owner, ws, we = _chunks(
        b.w_start[w_idx], b.w_end[w_idx], np.full(len(w_idx), longest, dtype=np.int64)
    )
    k_win = w_idx[owner]
    k_peer = b.w_peer[k_win]

    origin = int(min(q_b.min(), ws.min()))
    r_xyz, p_xyz = _facing(_unit_vectors(b.r_lat, b.r_lon), _unit_vectors(b.p_lat, b.p_lon))
    found_r, found_p, found_w = [], [], []
    for code in range(len(b.lang.codes)):
        word, bit = divmod(code, 64)
        bit = np.uint64(1 << bit)
        qs = np.flatnonzero(b.r_lang[q_req, word] & bit)
        ks = np.flatnonzero(b.p_lang[k_peer, word] & bit)
        if not len(qs) or not len(ks):
            continue
        # The pieces of this language, in local arrays (the gathers below stay in cache).
        req, need = q_req[qs], b.r_minutes[q_req[qs]]
        a, bb = q_a[qs] - origin, q_b[qs] - origin
        peer, w_lo, w_hi = k_peer[ks], ws[ks] - origin, we[ks] - origin
        for qi, ki in _boxes(r_xyz[req], a, bb, p_xyz[peer], w_lo, w_hi, b.p_reach[peer]):
            # Exact checks on the short list: the pieces overlap long enough ...
            ok = (a[qi] >= w_lo[ki]) & (bb[qi] <= w_hi[ki]) & (w_hi[ki] - w_lo[ki] >= need[qi])
            ri, pi, kw = req[qi[ok]], peer[ki[ok]], ks[ki[ok]]
            # ... and this is the first language they share (a pair is found once per window).
            if code:
                first = ~_any(b.r_lang[ri] & b.p_lang[pi] & b.lang.below(code))
                ri, pi, kw = ri[first], pi[first], kw[first]
            found_r.append(ri)
            found_p.append(pi)
            found_w.append(k_win[kw])
    if not found_r:
        return nothing
    ri, pi, wi = np.concatenate(found_r), np.concatenate(found_p), np.concatenate(found_w)
    # ... within reach (the boxes are wider than the circles) ...
    columns = zip(np.ascontiguousarray(r_xyz.T), np.ascontiguousarray(p_xyz.T), strict=True)
    chord = np.sqrt(sum((r[ri] - p[pi]) ** 2 for r, p in columns))
    near = chord <= _chord(b.p_reach[pi])
    ri, pi, wi, chord = ri[near], pi[near], wi[near], chord[near]
    # ... one row per pair (a peer may have several windows, a window several pieces),
    # with the earliest meeting start over its windows.
    key = ri * m + pi
    start = np.maximum(b.r_start[ri], b.w_start[wi])
    order = np.lexsort((start, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    rows = order[first]
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord[rows] / 2, 1.0))
    return ri[rows], pi[rows], km, start[rows]


def _boxes(r_xyz, a, bb, p_xyz, w_lo, w_hi, reach_km, classes=BOX_CLASSES):
    """The (request piece, window piece) index pairs whose points and boxes meet, where a
    request piece is the point (place, a, b) with a = its end less the meeting (the latest
    start) and b = its start plus the meeting (the earliest end), and a window piece
    [lo, hi) of a peer with reach r is the box of every point it could serve: within r in
    each coordinate of place, lo <= a <= hi + K and lo - K <= b <= hi, K the largest a - b
    (for a point, a - b <= K, so b <= hi gives a <= hi + K and a >= lo gives b >= lo - K).

    The boxes are cubes of a k-d tree (L-infinity balls): time is scaled so that the time
    side of a box matches its place side, and since one scale cannot fit windows of every
    length and reach, the windows are split in `classes` by that ratio, one tree each."""
    spread = int((a - bb).max())
    half = (w_hi - w_lo + spread) / 2.0
    reach = _chord(reach_km)
    ratio = reach / np.maximum(half, 1.0)
    cuts = np.quantile(ratio, np.linspace(0, 1, classes + 1)[1:-1]) if len(ratio) > 1 else []
    group = np.searchsorted(cuts, ratio)
    for c in range(classes):
        sel = np.flatnonzero(group == c)
        if not len(sel):
            continue
        scale = float(np.median(ratio[sel])) or 1.0 / max(float(np.median(half[sel])), 1.0)
        tree = cKDTree(np.column_stack((r_xyz, a * scale, bb * scale)))
        middle = w_lo[sel] + w_hi[sel]
        centre = np.column_stack(
            (p_xyz[sel], (middle + spread) / 2.0 * scale, (middle - spread) / 2.0 * scale)
        )
        radius = np.maximum(reach[sel], half[sel] * scale) * (1 + 1e-9) + 1e-12
        workers = WORKERS if len(sel) >= PARALLEL_QUERIES else 1
        hits = tree.query_ball_point(centre, radius, p=np.inf, return_sorted=False, workers=workers)
        lengths = np.fromiter(map(len, hits), np.int64, len(hits))
        qi = np.fromiter(itertools.chain.from_iterable(hits), np.int64, int(lengths.sum()))
        yield qi, np.repeat(sel, lengths)


def _facing(*points: np.ndarray) -> tuple[np.ndarray, ...]:
    """The unit vectors rotated so that their mean direction is the z axis: the area of a
    batch then lies across x and y, where the index's boxes fit it best."""
    mean = np.concatenate(points).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm < 1e-6:
        return points
    z = mean / norm
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    rotation = np.stack((x, np.cross(z, x), z))
    return tuple(p @ rotation.T for p in points)


def _priced(b: _Batch, ri, pi, dist, start) -> Candidates:
    w = b.weights
    shared_topics = _popcount(b.r_topic[ri] & b.p_topic[pi])
    asked = _popcount(b.r_topic[ri])
    missing = np.where(asked > 0, (asked - shared_topics) / np.maximum(asked, 1), 0.0)
    best = np.zeros(len(ri), dtype=np.int64)
    r_lang = b.r_lang[ri]
    for level in range(TOP_LEVEL):
        best += _any(r_lang & b.p_level[level][pi])
    reliability, rating = b.per_peer_cost()
    components = {
        "distance": _round(w.distance * dist),
        "interest": _round(w.interest * missing),
        "language": _round(w.language * (TOP_LEVEL - best) / (TOP_LEVEL - 1)),
        "reliability": reliability[pi],
        "rating": rating[pi],
    }
    cost = sum(components.values())
    return Candidates(
        request=ri.astype(np.int64),
        peer=pi.astype(np.int64),
        distance_km=dist,
        start=start.astype(np.int64),
        components=components,
        cost=np.asarray(cost, dtype=np.int64),
    )


# -- the flow ------------------------------------------------------------------------------


def fairness_marginal(weight: int, load: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The cost of a peer's k-th match (k from 1) when they already have `load`: convex, so
    the total for n matches is weight * ((load + n)^2 - load^2)."""
    return weight * (2 * (load + k) - 1)


def solve(
    cands: Candidates,
    requests: Sequence[RequestIn],
    peers: Sequence[PeerIn],
    weights: Weights = Weights(),
    *,
    fairness: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The optimal choice of candidate rows: as many requests matched as possible, then the
    least total cost (edge costs plus, with `fairness`, each peer's convex fairness cost).
    Returns (chosen row numbers sorted by request, the fairness cost of each).

    The network: source -> request (capacity 1) -> (peer, day) (the edge's cost) -> peer
    (that day's room) -> sink through one arc per unit of the peer's weekly capacity, the
    k-th costing the k-th match's fairness. A (peer, day) node whose room is at least what
    could reach it is left out (the request goes straight to the peer)."""
    b = _Batch(requests, peers, weights) if len(cands) else None
    return _solve(cands, b, fairness)


def _solve(cands: Candidates, b: _Batch | None, fairness: bool):
    empty = np.zeros(0, dtype=np.int64)
    if not len(cands):
        return empty, empty
    n = len(b.requests)
    req, peer = cands.request, cands.peer
    day = b.r_day[req]
    # Nodes: 0 source, 1..n requests, then (peer, day) nodes, peer nodes, the sink.
    peers_used, peer_of_edge = np.unique(peer, return_inverse=True)
    pd_key = peer.astype(np.int64) * (int(day.max() - day.min()) + 1) + (day - day.min())
    pd_keys, first_edge, pd_of_edge, pd_edges = np.unique(
        pd_key, return_index=True, return_inverse=True, return_counts=True
    )
    pd_peer = peer[first_edge]
    pd_room = b.day_room(pd_peer, day[first_edge])
    capacity = b.p_capacity[peers_used]
    deg = np.bincount(peer_of_edge, minlength=len(peers_used))
    units = np.minimum(capacity, deg)
    needed = (pd_room < pd_edges) & (pd_room < units[np.searchsorted(peers_used, pd_peer)])
    pd_node_of = np.full(len(pd_keys), -1, dtype=np.int64)
    pd_node_of[needed] = n + 1 + np.arange(int(needed.sum()))
    peer_base = n + 1 + int(needed.sum())
    peer_node = peer_base + np.arange(len(peers_used))
    sink = peer_base + len(peers_used)

    tails, heads, caps, costs = [], [], [], []

    def arcs(t, h, c, u):
        tails.append(np.asarray(t, dtype=np.int64))
        heads.append(np.asarray(h, dtype=np.int64))
        caps.append(np.asarray(c, dtype=np.int64))
        costs.append(np.asarray(u, dtype=np.int64))

    asking = np.unique(req)
    arcs(np.zeros(len(asking)), 1 + asking, np.ones(len(asking)), np.zeros(len(asking)))
    via_pd = pd_node_of[pd_of_edge]
    edge_head = np.where(via_pd >= 0, via_pd, peer_node[peer_of_edge])
    arcs(1 + req, edge_head, np.ones(len(req)), cands.cost)
    edge_arcs = slice(len(asking), len(asking) + len(req))
    arcs(
        pd_node_of[needed],
        peer_node[np.searchsorted(peers_used, pd_peer[needed])],
        pd_room[needed],
        np.zeros(int(needed.sum())),
    )
    if fairness and b.weights.fairness:
        unit_peer = np.repeat(np.arange(len(peers_used)), units)
        k = _ranges(np.ones(len(units), dtype=np.int64), units)
        marginal = fairness_marginal(b.weights.fairness, b.p_load[peers_used][unit_peer], k)
        arcs(peer_node[unit_peer], np.full(len(k), sink), np.ones(len(k)), marginal)
    else:
        arcs(peer_node, np.full(len(peers_used), sink), units, np.zeros(len(peers_used)))

    flows = max_flow_min_cost(
        np.concatenate(tails),
        np.concatenate(heads),
        np.concatenate(caps),
        np.concatenate(costs),
        source=0,
        sink=sink,
    )
    chosen = np.flatnonzero(flows[edge_arcs] > 0)
    return chosen, _fairness_shares(cands, b, chosen, fairness)


def max_flow_min_cost(tails, heads, capacities, costs, *, source, sink) -> np.ndarray:
    """The flow on each arc of a maximum flow from `source` to `sink` of least cost."""
    flow = min_cost_flow.SimpleMinCostFlow()
    handles = flow.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, dtype=np.int64),
        np.asarray(heads, dtype=np.int64),
        np.asarray(capacities, dtype=np.int64),
        np.asarray(costs, dtype=np.int64),
    )
    out = int(np.asarray(capacities)[np.asarray(tails) == source].sum())
    flow.set_nodes_supplies(np.array([source, sink]), np.array([out, -out]))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return flow.flows(handles)


def _fairness_shares(cands: Candidates, b: _Batch, chosen: np.ndarray, fairness: bool):
    """Each chosen row's share of its peer's fairness cost: the peer's k-th cheapest match
    carries the k-th marginal (they add up to the peer's total)."""
    if not fairness or not b.weights.fairness or not len(chosen):
        return np.zeros(len(chosen), dtype=np.int64)
    peer = cands.peer[chosen]
    order = np.lexsort((cands.request[chosen], cands.cost[chosen], peer))
    sorted_peer = peer[order]
    group_start = np.flatnonzero(np.r_[True, sorted_peer[1:] != sorted_peer[:-1]])
    sizes = np.diff(np.r_[group_start, len(order)])
    k = _ranges(np.ones(len(sizes), dtype=np.int64), sizes)
    shares = np.empty(len(chosen), dtype=np.int64)
    shares[order] = fairness_marginal(b.weights.fairness, b.p_load[sorted_peer], k)
    return shares


# -- the result ----------------------------------------------------------------------------


def match(
    requests: Sequence[RequestIn],
    peers: Sequence[PeerIn],
    weights: Weights = Weights(),
    *,
    fairness: bool = True,
    explain: bool = True,
) -> Result:
    """The optimal proposals for a batch: each request gets at most one peer, no peer more
    than their weekly capacity or per-day limit, as many requests as possible, then the least
    total cost. Every unmatched request says why; with `explain`, every assignment too."""
    t0 = time.perf_counter()
    b = _Batch(requests, peers, weights)
    cands, reach = _search(b)
    t1 = time.perf_counter()
    chosen, shares = _solve(cands, b, fairness)
    t2 = time.perf_counter()
    result = _result(b, cands, reach, chosen, shares, explain=explain)
    t3 = time.perf_counter()
    result.stats["seconds"] = {"candidates": t1 - t0, "solve": t2 - t1, "explain": t3 - t2}
    return result


def greedy(
    requests: Sequence[RequestIn],
    peers: Sequence[PeerIn],
    weights: Weights = Weights(),
    *,
    fairness: bool = True,
) -> Result:
    """The baseline: take the cheapest remaining pair (with fairness, its cost plus the
    peer's next fairness marginal) while the request is free and the peer has room. Only the
    benchmark and the tests use it."""
    t0 = time.perf_counter()
    b = _Batch(requests, peers, weights)
    cands, reach = _search(b)
    t1 = time.perf_counter()
    fair_weight = b.weights.fairness if fairness else 0
    taken = np.zeros(len(requests), dtype=bool)
    count = [0] * len(peers)
    day_count: dict[tuple[int, int], int] = {}
    room = b.day_room(cands.peer, b.r_day[cands.request]).tolist()
    req, peer, cost = cands.request.tolist(), cands.peer.tolist(), cands.cost.tolist()
    load, capacity, day = b.p_load.tolist(), b.p_capacity.tolist(), b.r_day.tolist()
    heap = [(cost[e] + fair_weight * (2 * load[peer[e]] + 1), e, 0) for e in range(len(req))]
    heapq.heapify(heap)
    chosen = []
    while heap:
        _, e, seen = heapq.heappop(heap)
        r, p = req[e], peer[e]
        if taken[r] or count[p] >= capacity[p] or day_count.get((p, day[r]), 0) >= room[e]:
            continue
        if seen != count[p]:  # the peer got a match since: its next one costs more
            marginal = fair_weight * (2 * (load[p] + count[p]) + 1)
            heapq.heappush(heap, (cost[e] + marginal, e, count[p]))
            continue
        taken[r] = True
        count[p] += 1
        day_count[(p, day[r])] = day_count.get((p, day[r]), 0) + 1
        chosen.append(e)
    chosen = np.array(sorted(chosen), dtype=np.int64)
    shares = _fairness_shares(cands, b, chosen, fairness)
    t2 = time.perf_counter()
    result = _result(b, cands, reach, chosen, shares, explain=False)
    result.stats["seconds"] = {"candidates": t1 - t0, "solve": t2 - t1, "explain": 0.0}
    return result


def _result(b: _Batch, cands: Candidates, reach: _Reach, chosen, shares, *, explain) -> Result:
    requests, peers = b.requests, b.peers
    order = np.argsort(cands.request[chosen], kind="stable")
    chosen, shares = chosen[order], shares[order]
    columns = [cands.components[name][chosen].tolist() for name in EDGE_COMPONENTS]
    columns.append(shares.tolist())
    total = (cands.cost[chosen] + shares).tolist()
    rows_req, rows_peer = cands.request[chosen].tolist(), cands.peer[chosen].tolist()
    dist, start = np.round(cands.distance_km[chosen], 1).tolist(), cands.start[chosen].tolist()
    assignments = [
        Assignment(
            request_id=requests[r].id,
            peer_id=peers[p].id,
            cost=total[i],
            components=dict(zip(COMPONENTS, parts, strict=True)),
            reasons=_reasons(requests[r], peers[p], dist[i]) if explain else None,
            start=start[i],
        )
        for i, (r, p, parts) in enumerate(
            zip(rows_req, rows_peer, zip(*columns, strict=True), strict=True)
        )
    ]
    matched = np.zeros(len(requests), dtype=bool)
    matched[rows_req] = True
    counts = np.bincount(np.asarray(rows_peer, dtype=np.int64), minlength=len(peers))
    stats = {
        "requests": len(requests),
        "peers": len(peers),
        "candidates": len(cands),
        "matched": len(assignments),
        "total_cost": int(sum(total)),
        "gini": gini(counts[b.p_capacity > 0]),
    }
    unmatched = _unmatched(b, cands, reach, np.flatnonzero(~matched))
    return Result(assignments=assignments, unmatched=unmatched, stats=stats)


def _reasons(request: RequestIn, peer: PeerIn, distance_km: float) -> MatchReasons:
    shared = [(c, peer.languages[c]) for c in request.languages if c in peer.languages]
    shared.sort(key=lambda pair: (-pair[1], pair[0]))
    return MatchReasons(
        languages=tuple(shared),
        distance_km=distance_km,
        interests=tuple(sorted(request.interests & peer.interests)),
        reliability=peer.reliability,
        rating=peer.rating,
    )


def _unmatched(b: _Batch, cands: Candidates, reach: _Reach, rows: np.ndarray) -> list:
    """Why each request of `rows` got nobody: the first hard constraint nobody passes, in the
    order of REASONS, with the counts the words need. Candidates who were all needed for
    other requests make `taken`; those with room but excluded `excluded`; free ones without
    room `no_capacity`; then, among the rest, whether anybody speaks the language at all
    and whether a speaker lives within reach tell `no_language`, `too_far` and `no_time`."""
    n_cands = np.bincount(cands.request, minlength=len(b.requests))[rows]
    free, room = reach.free[rows], reach.room[rows]
    reason = np.select(
        [n_cands > 0, room > 0, free > 0],
        ["taken", "excluded", "no_capacity"],
        default="",
    ).astype(object)
    count = np.select([n_cands > 0, room > 0, free > 0], [n_cands, room, free], 0)
    undecided = reason == ""
    speakers = _speakers(b, rows[undecided])
    near = _spread(speakers > 0, _speaker_within_reach(b, rows[undecided][speakers > 0]))
    reason[undecided] = np.where(speakers == 0, "no_language", np.where(near, "no_time", "too_far"))
    count[undecided] = speakers
    keys = {
        "taken": "candidates",
        "excluded": "excluded",
        "no_capacity": "free",
        "too_far": "speakers",
    }
    out = []
    for r, why, n in zip(rows.tolist(), reason.tolist(), count.tolist(), strict=True):
        request = b.requests[r]
        detail = {"languages": sorted(request.languages)}
        if why in keys:
            detail[keys[why]] = n
        out.append(Unmatched(request.id, why, detail))
    return out


def _spread(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(mask), dtype=bool)
    out[mask] = values
    return out


def _speakers(b: _Batch, rows: np.ndarray) -> np.ndarray:
    """How many peers of the batch speak one of each request's languages."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    masks, inverse = np.unique(b.r_lang[rows], axis=0, return_inverse=True)
    counts = np.array([int(_any(b.p_lang & mask).sum()) for mask in masks], dtype=np.int64)
    return counts[inverse.reshape(-1)]


def _speaker_within_reach(b: _Batch, rows: np.ndarray) -> np.ndarray:
    """Whether some peer speaking one of the request's languages lives within their reach
    of it. Per language, a nearest-neighbour query answers it for all rows at once: a peer
    at p with reach r (as chords on the unit sphere) becomes (p, sqrt(C - r^2)) and the
    request (q, 0), so |q' - p'|^2 = |q - p|^2 - r^2 + C, at most C for some peer exactly
    when one is within reach."""
    near = np.zeros(len(rows), dtype=bool)
    if not len(rows):
        return near
    r_xyz = _unit_vectors(b.r_lat[rows], b.r_lon[rows])
    p_xyz = _unit_vectors(b.p_lat, b.p_lon)
    chord = _chord(np.maximum(b.p_reach, 0.0))
    for code in range(len(b.lang.codes)):
        word, bit = divmod(code, 64)
        bit = np.uint64(1 << bit)
        asking = np.flatnonzero((b.r_lang[rows, word] & bit) != 0)
        speaking = np.flatnonzero((b.p_lang[:, word] & bit) != 0)
        if not len(asking) or not len(speaking):
            continue
        r2 = chord[speaking] ** 2
        top = float(r2.max())
        tree = cKDTree(np.column_stack((p_xyz[speaking], np.sqrt(top - r2))))
        gap, _ = tree.query(np.column_stack((r_xyz[asking], np.zeros(len(asking)))))
        near[asking] |= gap**2 <= top * (1 + 1e-9) + 1e-15
    return near


def gini(values) -> float:
    """The Gini coefficient of non-negative values: 0 when all are equal, towards 1 when one
    holds everything; 0 for no values or all zero."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), float(x.sum()) if len(x) else 0.0
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum()) / (n * total) - (n + 1) / n)


# -- the raw solver (the CLI's) ------------------------------------------------------------


def _raw_id(value, where):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"{where}: id must be a string or an integer, got {_json_repr(value)}")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate ("\ud800") is valid JSON, but no text can hold it.
            raise InputError(
                f"{where}: id must be valid Unicode text, got {_json_repr(value)}"
            ) from None
    return value


def _raw_count(value, where, name, limit):
    """A non-negative integer (an integral float such as 2.0 counts; booleans do not)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if ok and isinstance(value, float):
        ok = math.isfinite(value) and value.is_integer()
    if not ok or value < 0:
        raise InputError(f"{where}: {name} must be a non-negative integer, got {_json_repr(value)}")
    if value > limit:
        raise InputError(f"{where}: {name} must be at most {limit}, got {_json_repr(value)}")
    return int(value)


def _json_repr(value) -> str:
    """A value as it would look in the JSON input (for error messages)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _raw_list(data, key):
    if key not in data:
        raise InputError(f"missing key {key!r}")
    value = data[key]
    if not isinstance(value, list):
        raise InputError(f"{key!r} must be a list")
    return value


def _raw_object(item, where, keys):
    if not isinstance(item, dict):
        raise InputError(f"{where}: must be an object")
    for key in keys:
        if key not in item:
            raise InputError(f"{where}: missing key {key!r}")


def solve_raw(data: Any) -> dict:
    """The bare assignment problem of the CLI: requests, peers with a capacity, and the
    allowed pairs with their integer costs. Each request gets at most one peer, each peer at
    most `capacity` requests, only listed pairs; as many requests matched as possible, then
    the least total cost. Items are numbered from 1 in error messages; duplicate edges are
    refused (there is no sensible choice between two costs of one pair)."""
    if not isinstance(data, dict):
        raise InputError("input must be a JSON object")
    raw_requests = _raw_list(data, "requests")
    raw_peers = _raw_list(data, "peers")
    raw_edges = _raw_list(data, "edges")
    request_at: dict = {}
    for n, item in enumerate(raw_requests, 1):
        _raw_object(item, f"request {n}", ("id",))
        rid = _raw_id(item["id"], f"request {n}")
        if rid in request_at:
            raise InputError(f"request {n}: duplicate id {_json_repr(rid)}")
        request_at[rid] = len(request_at)
    peer_at: dict = {}
    capacities = []
    for n, item in enumerate(raw_peers, 1):
        _raw_object(item, f"peer {n}", ("id", "capacity"))
        pid = _raw_id(item["id"], f"peer {n}")
        if pid in peer_at:
            raise InputError(f"peer {n}: duplicate id {_json_repr(pid)}")
        capacities.append(_raw_count(item["capacity"], f"peer {n}", "capacity", MAX_RAW_CAPACITY))
        peer_at[pid] = len(peer_at)
    tails, heads, costs, seen = [], [], [], set()
    for n, item in enumerate(raw_edges, 1):
        where = f"edge {n}"
        _raw_object(item, where, ("request", "peer", "cost"))
        rid, pid = _raw_id(item["request"], where), _raw_id(item["peer"], where)
        if rid not in request_at:
            raise InputError(f"{where}: unknown request {_json_repr(rid)}")
        if pid not in peer_at:
            raise InputError(f"{where}: unknown peer {_json_repr(pid)}")
        if (rid, pid) in seen:
            raise InputError(f"{where}: duplicate edge {rid}-{pid}")
        seen.add((rid, pid))
        costs.append(_raw_count(item["cost"], where, "cost", MAX_RAW_COST))
        tails.append(request_at[rid])
        heads.append(peer_at[pid])
    request_ids, peer_ids = list(request_at), list(peer_at)
    if not tails:
        return {"matched": 0, "total_cost": 0, "assignments": []}
    n, m = len(request_ids), len(peer_ids)
    tails, heads = np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64)
    costs, capacities = np.array(costs, dtype=np.int64), np.array(capacities, dtype=np.int64)
    # Nodes: 0 source, 1..n requests, n+1..n+m peers, n+m+1 sink.
    sink = n + m + 1
    flows = max_flow_min_cost(
        np.concatenate((np.zeros(n, dtype=np.int64), 1 + tails, 1 + n + np.arange(m))),
        np.concatenate((np.arange(1, n + 1), 1 + n + heads, np.full(m, sink))),
        np.concatenate((np.ones(n + len(tails), dtype=np.int64), capacities)),
        np.concatenate((np.zeros(n, dtype=np.int64), costs, np.zeros(m, dtype=np.int64))),
        source=0,
        sink=sink,
    )
    used = np.flatnonzero(flows[n : n + len(tails)] > 0)
    used = used[np.argsort(tails[used], kind="stable")]
    return {
        "matched": len(used),
        "total_cost": int(costs[used].sum()),
        "assignments": [
            {"request": request_ids[tails[e]], "peer": peer_ids[heads[e]]} for e in used.tolist()
        ],
    }
