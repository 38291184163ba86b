"""The arithmetic of a campaign on its own: the ceiling of what friends may promise is the least
total that funds the campaign, the match keeps to its percentage and its cap, the bar's
percentage says 100 exactly when the goal is reached, and a payment's split loses no cent."""

from hypothesis import given
from hypothesis import strategies as st

from peerarmy.chipin import funding

goals = st.integers(min_value=1, max_value=10_000_000_00)
percents = st.integers(min_value=0, max_value=100)
caps = st.integers(min_value=0, max_value=1_000_000_00)
amounts = st.integers(min_value=0, max_value=10_000_000_00)


@given(goal=goals, pct=percents, cap=caps)
def test_the_ceiling_is_the_least_total_that_funds_the_campaign(goal, pct, cap):
    ceiling = funding.pledge_ceiling(goal, pct, cap)
    assert 0 < ceiling <= goal
    assert funding.total(ceiling, pct, cap) >= goal
    assert funding.total(ceiling - 1, pct, cap) < goal
    assert funding.is_funded(ceiling, goal, pct, cap)
    assert not funding.is_funded(ceiling - 1, goal, pct, cap)


def test_the_ceiling_of_a_known_campaign():
    # 1,000 € with 10 % up to 100 €: 909.10 € of friends and 90.91 € of the shop.
    assert funding.pledge_ceiling(100_000, 10, 10_000) == 90_910
    # the cap binds: 5,000 € with 10 % up to 100 € needs 4,900 € of friends
    assert funding.pledge_ceiling(500_000, 10, 10_000) == 490_000
    assert funding.pledge_ceiling(100_000, 0, 10_000) == 100_000


@given(given_=amounts, pct=percents, cap=caps)
def test_the_match_never_passes_its_cap_nor_its_percentage(given_, pct, cap):
    share = funding.match(given_, pct, cap)
    assert 0 <= share <= cap
    assert share * 100 <= given_ * pct
    # rounded down to the cent, never more than one cent short of the percentage
    assert share == cap or (share + 1) * 100 > given_ * pct
    assert funding.total(given_, pct, cap) == given_ + share


@given(given_=amounts, more=st.integers(min_value=0, max_value=10_000_00), pct=percents, cap=caps)
def test_more_from_friends_never_means_less_in_all(given_, more, pct, cap):
    assert funding.total(given_ + more, pct, cap) >= funding.total(given_, pct, cap)


@given(goal=goals, received=amounts, pledged=amounts, pct=percents, cap=caps)
def test_the_bar_shows_100_exactly_when_the_goal_is_reached(goal, received, pledged, pct, cap):
    shown = funding.progress(goal, received, pledged, pct, cap)
    assert 0 <= shown.percent <= 100
    assert (shown.percent == 100) == shown.reached
    assert shown.reached == funding.is_funded(received, goal, pct, cap)
    assert shown.total == received + shown.match
    assert shown.left == (0 if shown.reached else goal - shown.total)


@given(amount=amounts, left=amounts)
def test_a_payment_splits_into_what_the_campaign_takes_and_what_goes_back(amount, left):
    applied, returned = funding.split_payment(amount, left)
    assert applied + returned == amount
    assert 0 <= applied <= left
    assert returned >= 0
    assert applied == min(amount, left)


@given(pledged=amounts, ceiling=amounts)
def test_what_is_still_needed_never_goes_below_zero(pledged, ceiling):
    left = funding.still_needed(pledged, ceiling)
    assert left >= 0
    assert pledged + left >= ceiling
