"""The spread of work: properties any fair-work figure must keep, whatever the numbers."""

from hypothesis import given
from hypothesis import strategies as st

from peerarmy.analytics import charts, stats

work = st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=200)


@given(work)
def test_gini_stays_between_nothing_and_everything(values):
    result = stats.gini(values)
    if sum(values) == 0:
        assert result is None
    else:
        assert 0 <= result <= 1


@given(st.integers(min_value=1, max_value=1000), st.integers(min_value=1, max_value=500))
def test_everyone_doing_the_same_is_perfectly_even(value, peers):
    assert stats.gini([value] * peers) == 0


@given(work, st.randoms())
def test_the_order_of_the_peers_does_not_matter(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert stats.gini(shuffled) == stats.gini(values)


@given(st.integers(min_value=2, max_value=300), st.integers(min_value=1, max_value=10_000))
def test_one_peer_doing_everything_is_as_uneven_as_n_peers_can_be(peers, value):
    assert abs(stats.gini([value] + [0] * (peers - 1)) - (peers - 1) / peers) < 1e-9
    assert stats.top_share([value] + [0] * (peers - 1)) == 1


@given(work)
def test_the_busiest_tenth_carries_at_least_its_own_share(values):
    share = stats.top_share(values)
    if sum(values) == 0:
        assert share is None
    else:
        assert 0.1 * 0.999 <= share <= 1 or len(values) < 10


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**5))
def test_cost_per_task_is_rounded_to_the_nearest_cent(cost, tasks):
    per = stats.per_task(cost, tasks)
    assert abs(per * tasks - cost) <= tasks / 2
    assert stats.per_task(cost, 0) is None


@given(st.floats(min_value=0.001, max_value=1e12, allow_nan=False))
def test_a_charts_axis_ends_on_a_round_number_above_the_peak(value):
    top = charts.nice_ceiling(value)
    assert top >= value
    assert top < value * 2.6


def test_a_chart_names_itself_and_escapes_its_words():
    chart = charts.Chart(
        "Rider & <friends>", ["gen 26"], [charts.Series("Attivi <3", [4])], kind="lines"
    )
    svg = charts.svg(chart, chart_id="army")
    assert 'role="img"' in svg and 'aria-labelledby="army-t"' in svg
    assert "Rider &amp; &lt;friends&gt;" in svg and "Attivi &lt;3" in svg
