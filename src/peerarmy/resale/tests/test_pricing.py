"""The resale prices, checked on their own: what the shop suggests, what it offers at the till
for a trade-in, and how a sale splits between the shop and the seller."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerarmy.resale import pricing
from peerarmy.resale.pricing import GRADES, Rule

prices = st.integers(min_value=0, max_value=10_000_000)
percents = st.integers(min_value=0, max_value=100)
months = st.integers(min_value=0, max_value=600)


@st.composite
def rules(draw):
    keep = sorted(draw(st.lists(percents, min_size=5, max_size=5)), reverse=True)
    return Rule(tuple(keep), draw(percents), draw(percents))


def test_a_child_seat_bought_two_years_ago_in_excellent_condition():
    # 89 € two years ago, excellent (65 %), 10 % a year: 89 × 0.65 × 0.80 = 46.28 → 46 €
    found = pricing.suggest(8900, "excellent", 26, Rule())
    assert found.price_minor == 4600
    assert (found.keep_percent, found.years, found.age_percent) == (65, 2, 80)


def test_an_old_item_keeps_the_floor():
    found = pricing.suggest(10_000, "good", 12 * 30, Rule(floor_percent=40))
    assert found.age_percent == 40 and found.price_minor == 2000


def test_below_a_euro_the_price_is_kept_to_the_cent():
    assert pricing.suggest(150, "for_parts", 0, Rule()).price_minor == 15


@given(prices, st.sampled_from(GRADES), months, rules())
def test_a_suggestion_is_never_negative_nor_above_the_original(original, grade, age, rule):
    price = pricing.suggest(original, grade, age, rule).price_minor
    assert 0 <= price <= original


@given(prices, months, rules(), st.integers(0, 3))
def test_a_better_grade_never_suggests_less(original, age, rule, worse):
    better = GRADES[worse]
    prices_ = [pricing.suggest(original, g, age, rule).price_minor for g in (better, GRADES[4])]
    assert prices_[0] >= prices_[1]


@given(prices, st.sampled_from(GRADES), months, months, rules())
def test_an_older_item_never_suggests_more(original, grade, a, b, rule):
    younger, older = sorted([a, b])
    assert (
        pricing.suggest(original, grade, older, rule).price_minor
        <= pricing.suggest(original, grade, younger, rule).price_minor
    )


@given(prices, percents)
def test_a_trade_in_offer_never_exceeds_its_share_of_the_suggestion(suggested, rate):
    offer = pricing.trade_in_offer(suggested, rate)
    assert 0 <= offer <= suggested * rate / 100
    if offer >= pricing.UNIT:
        assert offer % pricing.UNIT == 0


def test_worn_wear_pays_half_rounded_down_to_the_euro():
    assert pricing.trade_in_offer(4600, 50) == 2300
    assert pricing.trade_in_offer(4700, 45) == 2100  # 21.15 € → 21 €


@given(prices, percents, st.integers(min_value=0, max_value=100_000))
def test_commission_and_share_add_up_to_the_price(price, percent, minimum):
    kept, share = pricing.commission(price, percent, minimum)
    assert kept + share == price
    assert 0 <= kept <= price
    assert kept >= min(minimum, price)


def test_the_minimum_commission_applies_to_cheap_items():
    assert pricing.commission(1000, 20, 300) == (300, 700)
    assert pricing.commission(200, 20, 300) == (200, 0)
    assert pricing.commission(4650, 20, 300) == (930, 3720)


@given(prices, st.integers(min_value=0, max_value=200))
def test_credit_is_never_less_than_the_money(share, bonus):
    credit = pricing.credit_with_bonus(share, bonus)
    assert credit >= share
    assert credit - share == pricing.percent_half_up(share, bonus)


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError):
        Rule((50, 60, 40, 30, 10))
    with pytest.raises(ValueError):
        Rule(floor_percent=120)
    with pytest.raises(ValueError):
        pricing.commission(100, 120)
