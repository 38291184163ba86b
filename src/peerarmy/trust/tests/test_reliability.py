"""The reliability core's promises: within 0-100, a new peer at the prior, never lower after a
good event nor higher after a bad one, and blind to the order of the events."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.trust import reliability as r

NOW = 1_800_000_000.0
YEAR = 365 * 86_400.0

event = st.tuples(
    st.integers(1, 4),  # peer
    st.sampled_from(list(r.KINDS)),
    st.floats(NOW - 3 * YEAR, NOW),
    st.integers(1, 5),
)
histories = st.lists(event, max_size=40)
params = st.builds(
    r.Params,
    prior_stars=st.floats(1, 5),
    prior_weight=st.floats(0.5, 50),
    half_life_days=st.floats(7, 1000),
)
PEERS = [1, 2, 3, 4]


def _events(rows):
    return r.Events.from_rows(
        [(p, k, t, s if k == "rating" else None) for p, k, t, s in rows] or []
    )


def _score(rows, p=None, peer=1):
    table = r.compute(PEERS, _events(rows), NOW, p)
    return float(table.exact[PEERS.index(peer)])


@settings(max_examples=200, deadline=None)
@given(histories, params)
def test_every_score_is_within_0_and_100(rows, p):
    table = r.compute(PEERS, _events(rows), NOW, p)
    assert ((table.score >= 0) & (table.score <= 100)).all()
    for i in range(len(PEERS)):
        assert sum(c["points"] for c in table.components(i)) == pytest.approx(
            table.exact[i], abs=1e-3
        )


@settings(max_examples=100, deadline=None)
@given(histories, params)
def test_a_peer_without_history_sits_at_the_prior(rows, p):
    rows = [row for row in rows if row[0] != 4]
    table = r.compute(PEERS, _events(rows), NOW, p)
    assert table.score[3] == r.prior_score(p)
    assert not table.has_history[3]


GOOD = [("completed", None), ("rating", 5)]
BAD = [("no_show", None), ("late_release", None), ("cancelled", None), ("rating", 1)]


@settings(max_examples=200, deadline=None)
@given(histories, params, st.sampled_from(GOOD), st.floats(NOW - 3 * YEAR, NOW + YEAR))
def test_a_good_event_never_lowers_the_score(rows, p, good, at):
    before = _score(rows, p)
    after = _score([*rows, (1, good[0], at, good[1] or 1)], p)
    assert after >= before - 1e-9


@settings(max_examples=200, deadline=None)
@given(histories, params, st.sampled_from(BAD), st.floats(NOW - 3 * YEAR, NOW + YEAR))
def test_a_bad_event_never_raises_the_score(rows, p, bad, at):
    before = _score(rows, p)
    after = _score([*rows, (1, bad[0], at, bad[1] or 1)], p)
    assert after <= before + 1e-9


@settings(max_examples=100, deadline=None)
@given(histories, st.randoms(use_true_random=False))
def test_the_order_of_events_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = r.compute(PEERS, _events(rows), NOW)
    b = r.compute(list(reversed(PEERS)), _events(shuffled), NOW)
    for i, peer in enumerate(PEERS):
        j = len(PEERS) - 1 - i
        assert b.peer_id[j] == peer
        assert a.exact[i] == pytest.approx(b.exact[j], abs=1e-9)
        assert [c["points"] for c in a.components(i)] == pytest.approx(
            [c["points"] for c in b.components(j)], abs=1e-3
        )


def test_a_recent_no_show_weighs_more_than_an_old_one():
    done = [(1, "completed", NOW - 10 * 86_400 * k, None) for k in range(1, 6)]
    recent = _score([*done, (1, "no_show", NOW - 86_400, None)])
    old = _score([*done, (1, "no_show", NOW - 2 * YEAR, None)])
    assert recent < old


def test_stars_are_a_bayesian_average_with_the_prior():
    one_star = r.compute([1], _events([(1, "rating", NOW, 1)]), NOW, r.Params(4.0, 5.0))
    stars = one_star.components(0)[0]
    assert stars["value"] == pytest.approx((4.0 * 5 + 1) / 6, abs=0.01)
    assert one_star.counts(0) == {"ratings": 1, "stars_avg": 1.0, "completed": 0, "taken_on": 0}


def test_a_steady_peer_beats_the_prior_and_a_flaky_one_falls_below():
    steady = [(1, "completed", NOW - 86_400 * k, None) for k in range(1, 200, 5)]
    steady += [(1, "rating", NOW - 86_400 * k, 5) for k in range(1, 100, 10)]
    flaky = [(2, "no_show", NOW - 86_400 * k, None) for k in range(1, 6)]
    flaky += [(2, "rating", NOW - 86_400, 2)]
    table = r.compute([1, 2], _events(steady + flaky), NOW)
    assert table.score[0] > r.prior_score() > table.score[1]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        r.Events(np.array([1]), np.array([9]), np.array([NOW]), np.array([np.nan]))
    with pytest.raises(ValueError):
        r.Events(np.array([1]), np.array([r.RATING]), np.array([NOW]), np.array([6.0]))
    with pytest.raises(ValueError):
        r.compute([1, 1], _events([]), NOW)
    with pytest.raises(ValueError):
        r.Params(prior_stars=0)


def test_the_business_prior_shrinks_towards_the_default():
    assert r.business_prior(0, 0) == r.DEFAULT_PRIOR_STARS
    assert r.business_prior(5 * 3, 3) == pytest.approx((20 * 4 + 15) / 23)
    assert 4.9 < r.business_prior(5 * 10_000, 10_000) <= 5
