"""The demo's share links at Bici Gialla: Giulia's and Chiara's links opened over months, friends
who signed up and applied through them, and a newsletter customer's first order in this week's export paying
Giulia a referral reward through the ledger; the books sound."""

import pytest

from peerarmy.customers.models import Customer, Order
from peerarmy.demo import load_demo
from peerarmy.peers.models import Peer
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Reward, RewardStatus
from peerarmy.rewards.selectors import wallet
from peerarmy.spread import selectors
from peerarmy.spread.models import Attribution, AttributionKind, LinkDay, TargetKind
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_the_demo_has_share_links_that_brought_sign_ups_and_a_paid_referral_reward():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    giulia = Peer.objects.get(business=shop, user__email="peer@bicigialla.example")

    # links with visits spread over months
    days = LinkDay.objects.filter(business=shop, link__peer=giulia)
    first, last = min(days.values_list("day", flat=True)), max(days.values_list("day", flat=True))
    assert (last - first).days > 90
    kinds = set(giulia.share_links.values_list("kind", flat=True))
    assert {TargetKind.LANDING, TargetKind.PROGRAM, TargetKind.CAMPAIGN} <= kinds

    # sign-ups and applications came through them
    credited = Attribution.objects.filter(business=shop)
    assert credited.filter(kind=AttributionKind.SIGNUP, link__peer=giulia).count() >= 3
    assert credited.filter(kind=AttributionKind.APPLICATION).count() == 3
    assert credited.filter(kind=AttributionKind.SIGNUP, link__peer__isnull=True).count() == 1

    # the newsletter customer's first order, from the week's export, paid Giulia through the
    # referral rule; the shop still has its 300 customers
    (converted,) = credited.filter(kind=AttributionKind.FIRST_ORDER)
    assert converted.customer.email == converted.user.email
    assert converted.link.peer == giulia and converted.order_total_minor == 18900
    assert Customer.objects.filter(business=shop).count() == 300
    assert Order.objects.filter(customer=converted.customer).count() == 1
    reward = Reward.objects.get(business=shop, event="referral.converted")
    assert (reward.peer, reward.amount, reward.status) == (giulia, 1000, RewardStatus.POSTED)
    assert reward.transaction is not None
    assert wallet(giulia).payable >= 1000
    assert check_business(shop.pk) == []

    # the console's top referrers put her first
    top = selectors.top_referrers(shop, None, None)
    assert top[0].peer_id == giulia.pk and top[0].conversions == 1
    assert {row.name for row in top} >= {"Giulia R.", "Chiara M."}

    # a reset gives the same again (the newsletter customer's account, kept, is used again)
    def shape(rows):
        return sorted(
            (kind, page, name or "")
            for kind, page, name in rows.values_list(
                "kind", "link__kind", "link__peer__display_name"
            )
        )

    before = shape(credited)
    load_demo(reset=True)
    shop = Business.objects.get(slug="bicigialla")
    again = Attribution.objects.filter(business=shop)
    assert shape(again) == before
