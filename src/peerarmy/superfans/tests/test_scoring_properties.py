"""Properties of the pure scoring core, for any business's data (hypothesis)."""

import json
import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from peerarmy.superfans.scoring import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    RANKED,
    Features,
    superfan_scores,
)

AS_OF = datetime(2025, 6, 1, 12, tzinfo=UTC)


@st.composite
def customer(draw):
    orders = draw(st.integers(0, 60))
    return {
        "orders": orders,
        # Mostly consistent data, but the core must also cope with odd rows.
        "last_order_at": (
            AS_OF - timedelta(seconds=draw(st.integers(0, 4 * 365 * 86_400)))
            if orders and draw(st.integers(0, 9))
            else None
        ),
        "spend_minor": draw(st.integers(0, 10_000_000)),
        "nps": draw(st.none() | st.integers(0, 10)),
        "reviews_count": (reviews := draw(st.integers(0, 20))),
        "reviews_avg": draw(st.floats(1, 5)) if reviews else None,
        "referrals": draw(st.integers(0, 30)),
        "mentions_count": draw(st.integers(0, 50)),
        "mentions_engagement": draw(st.integers(0, 100_000)),
    }


weights = st.fixed_dictionaries({key: st.integers(0, 100) for key in COMPONENTS}).filter(
    lambda w: sum(w.values()) > 0
)


@st.composite
def business(draw, min_size=1):
    rows = draw(st.lists(customer(), min_size=min_size, max_size=25))
    for n, row in enumerate(rows, start=1):
        row["customer_id"] = n * 7  # ids need not be dense
    return rows, draw(st.one_of(st.just(DEFAULT_WEIGHTS), weights))


def scores(rows, w):
    table = superfan_scores(Features.from_rows(rows), w, as_of=AS_OF)
    return table, dict(zip(table.customer_id, table.score, strict=True))


def _score_of(rows, w, i):
    return scores(rows, w)[1][rows[i]["customer_id"]]


@given(business())
def test_every_score_is_between_0_and_100(data):
    rows, w = data
    table, _ = scores(rows, w)
    assert all(0.0 <= s <= 100.0 for s in table.score)


@given(business(), st.data())
def test_points_add_up_to_the_score_and_shares_to_one(data, draw):
    rows, w = data
    table, _ = scores(rows, w)
    for i, score in enumerate(table.score):
        components = table.components(i)
        assert [c["key"] for c in components] == list(COMPONENTS)
        assert math.isclose(sum(c["points"] for c in components), score, abs_tol=1e-9)
        shares = sum(c["share"] for c in components)
        if score > 0:
            assert abs(shares - 1) <= 1e-9
        else:
            assert all(c["share"] == 0 for c in components)
        for c in components:
            if c["key"] in RANKED:
                assert 0 <= c["percentile"] <= 100
            else:
                assert c["percentile"] is None
        # The stored JSON is exactly these components.
        assert json.loads(table.components_json()[i]) == components


def _bump(field, amount):
    @given(business(), st.data(), amount)
    @settings(max_examples=150)
    def check(data, draw, more):
        rows, w = data
        i = draw.draw(st.integers(0, len(rows) - 1), label="customer")
        if field == "nps" and rows[i]["nps"] is None:
            rows[i]["nps"] = 0
        before = _score_of(rows, w, i)
        rows[i][field] = rows[i][field] + more
        if field == "nps":
            rows[i]["nps"] = min(rows[i]["nps"], 10)
        after = _score_of(rows, w, i)
        assert after >= before

    return check


test_more_spend_never_lowers_a_score = _bump("spend_minor", st.integers(1, 1_000_000))
test_more_orders_never_lower_a_score = _bump("orders", st.integers(1, 20))
test_a_higher_nps_never_lowers_a_score = _bump("nps", st.integers(1, 10))
test_more_referrals_never_lower_a_score = _bump("referrals", st.integers(1, 10))


@given(business())
def test_rescoring_unchanged_data_gives_identical_scores(data):
    rows, w = data
    first, _ = scores(rows, w)
    second, _ = scores([dict(row) for row in rows], w)
    assert first.score == second.score
    assert first.components_json() == second.components_json()


@given(business(min_size=2), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_changes_nothing(data, random):
    rows, w = data
    _, by_customer = scores(rows, w)
    shuffled = list(rows)
    random.shuffle(shuffled)
    table, by_customer_shuffled = scores(shuffled, w)
    assert by_customer_shuffled == by_customer
    assert table.customer_id == [row["customer_id"] for row in shuffled]


def test_no_customers_no_scores():
    table = superfan_scores(Features.from_rows([]), as_of=AS_OF)
    assert len(table) == 0


def test_a_detractor_with_nothing_else_scores_zero_with_no_shares():
    rows = [{"customer_id": 1, "nps": 0}, {"customer_id": 2, "orders": 1, "spend_minor": 100}]
    table, by_customer = scores(rows, DEFAULT_WEIGHTS)
    assert by_customer[1] == 0
    assert all(c["points"] == 0 and c["share"] == 0 for c in table.components(0))
    assert "-0.0" not in table.components_json()[0]
