"""Which link a first order is credited to (the pure rule), against its definition: the last
credited step before the order (a day's slack), within the window; none before or too long
after."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from peerarmy.spread.rules import SLACK, Credit, credited_step

START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(days=365)

minutes = st.integers(min_value=0, max_value=800 * 24 * 60)
steps = st.lists(minutes, min_size=0, max_size=6)


def _credits(offsets):
    return [(Credit(START + timedelta(minutes=m), i), f"step-{i}") for i, m in enumerate(offsets)]


@given(steps, minutes)
def test_the_credit_goes_to_the_last_step_before_the_order_within_the_window(offsets, order):
    placed = START + timedelta(minutes=order)
    credits = _credits(offsets)

    found = credited_step(credits, placed, WINDOW)

    before = [(c, item) for c, item in credits if c.at - SLACK <= placed]
    if not before:
        assert found is None
        return
    last_at = max(c.at for c, _item in before)
    if placed > last_at + WINDOW:
        assert found is None
        return
    chosen = next(c for c, item in credits if item == found)
    assert chosen.at == last_at
    # among steps of the same moment, the one made last
    assert chosen.order == max(c.order for c, _i in before if c.at == last_at)


@given(steps, minutes)
def test_a_later_step_never_takes_the_credit_of_an_earlier_order(offsets, order):
    placed = START + timedelta(minutes=order)
    found = credited_step(_credits(offsets), placed, WINDOW)
    if found is not None:
        index = int(found.split("-")[1])
        assert START + timedelta(minutes=offsets[index]) - SLACK <= placed


def test_an_order_on_the_day_of_the_sign_up_counts_but_not_two_days_before():
    signed_up = START + timedelta(hours=15)
    credits = [(Credit(signed_up, 1), "signup")]

    assert credited_step(credits, START, WINDOW) == "signup"  # that day, at midnight
    assert credited_step(credits, START - timedelta(days=1), WINDOW) is None
