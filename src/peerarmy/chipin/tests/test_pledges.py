"""A friend's pledge: what it may be (at least the smallest pledge, at most what is left), its
confirmation by the e-mail's link, its lapse when never confirmed or never paid, what happens
when it is paid after all, and whom it is credited to (the share link it came through, a new
customer or not, a peer's reward)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.chipin import references, selectors, services
from peerarmy.chipin.inputs import CloseReasonInput, PledgeInput
from peerarmy.chipin.models import CreditStatus, PledgeStatus, SharerKind
from peerarmy.inputs import InvalidInput
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Event, Refund, Reward, RewardKind
from peerarmy.rewards.tests.factories import RuleFactory
from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory, UserFactory

from .helpers import (
    chipin_program,
    pay_at_till,
    pay_by_bank,
    pledge,
    sent_mail,
    shop_bank,
    start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(business, owner):
    # no match: the ceiling is the goal, which keeps the arithmetic in sight
    return chipin_program(business, owner, match_percent=0, min_pledge_minor=500, payment_days=5)


@pytest.fixture
def campaign(business, program):
    return start(business, UserFactory(), program, goal=20_000, days=10)


def offer(business, campaign, amount, **fields):
    data = PledgeInput(name="Anna Rossi", email="anna@example.com", amount_minor=amount, **fields)
    return services.make_pledge(business, campaign, data)


def current(business, campaign):
    return selectors.get_campaign(business, campaign)


# --- what a pledge may be ----------------------------------------------------------------------


def test_a_pledge_below_the_smallest_is_refused(business, campaign):
    with pytest.raises(services.PledgeBelowMinimum) as exc:
        offer(business, campaign, 400)
    assert exc.value.code == "pledge_below_minimum"
    assert exc.value.field == "amount_minor"
    assert "5.00" in exc.value.message
    assert not selectors.pledges(business).exists()


def test_a_pledge_beyond_what_is_left_is_refused_naming_it(business, campaign):
    pledge(business, campaign, 15_000)
    with pytest.raises(InvalidInput) as exc:
        offer(business, campaign, 6_000)
    (message,) = exc.value.messages_for("amount_minor")
    assert "50.00" in message
    assert current(business, campaign).pledged_minor == 15_000


def test_the_last_euros_may_be_less_than_the_smallest_then_nothing_more(business, campaign):
    pledge(business, campaign, 19_700)
    with pytest.raises(services.PledgeBelowMinimum):
        offer(business, campaign, 200)
    offer(business, campaign, 300)  # exactly what is left, below the smallest pledge
    with pytest.raises(services.GoalAlreadyReached) as exc:
        offer(business, campaign, 500)
    assert exc.value.code == "goal_already_reached"
    assert current(business, campaign).pledged_minor == 20_000


def test_a_closed_campaign_takes_no_pledge(business, owner, campaign):
    later = campaign.deadline + timedelta(minutes=1)
    with pytest.raises(services.CampaignClosed):
        services.make_pledge(
            business,
            campaign,
            PledgeInput(name="Anna", email="anna@example.com", amount_minor=1_000),
            now=later,
        )
    services.cancel_campaign(business, owner, campaign, CloseReasonInput(reason="Sold out."))
    with pytest.raises(services.CampaignClosed) as exc:
        offer(business, campaign, 1_000)
    assert exc.value.code == "campaign_closed"


# --- confirming ---------------------------------------------------------------------------------


def test_the_emails_link_confirms_once(business, owner, campaign):
    shop_bank(business, owner)
    made = offer(business, campaign, 2_500).value
    assert made.pledge.status == PledgeStatus.UNCONFIRMED
    (asked,) = sent_mail(to="anna@example.com")
    assert services.pledge_url(campaign, made.token, confirm=True) in asked.body

    confirmed = services.confirm_pledge(business, made.token)
    assert not confirmed.replayed
    assert confirmed.value.status == PledgeStatus.AWAITING
    mails = sent_mail(to="anna@example.com")
    assert len(mails) == 2
    assert references.format_rf(made.pledge.reference) in mails[1].body
    assert "25,00" in mails[1].body  # in the pledger's language, Italian by default

    again = services.confirm_pledge(business, made.token)
    assert again.replayed
    assert again.value.confirmed_at == confirmed.value.confirmed_at
    assert len(sent_mail(to="anna@example.com")) == 2


# --- lapsing -----------------------------------------------------------------------------------


def test_the_sweep_frees_unconfirmed_and_unpaid_pledges(business, campaign):
    now = timezone.now()
    unconfirmed = pledge(business, campaign, 3_000, confirm=False).pledge
    unpaid = pledge(business, campaign, 4_000).pledge
    assert current(business, campaign).pledged_minor == 7_000

    assert services.lapse_pledges(now=now + timedelta(hours=23)) == 0
    assert services.lapse_pledges(now=now + timedelta(hours=25)) == 1
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == PledgeStatus.LAPSED
    assert current(business, campaign).pledged_minor == 4_000

    assert services.lapse_pledges(now=now + timedelta(days=4)) == 0
    assert services.lapse_pledges(now=now + timedelta(days=5, hours=1)) == 1
    unpaid.refresh_from_db()
    assert unpaid.status == PledgeStatus.LAPSED
    assert current(business, campaign).pledged_minor == 0
    assert services.lapse_pledges(now=now + timedelta(days=6)) == 0  # never twice


def test_a_lapsed_pledge_paid_later_is_taken_again_when_there_is_room(business, owner, campaign):
    late = pledge(business, campaign, 5_000).pledge
    services.lapse_pledges(now=timezone.now() + timedelta(days=6))
    assert current(business, campaign).pledged_minor == 0

    pay_by_bank(business, owner, late)
    late.refresh_from_db()
    assert late.status == PledgeStatus.RECEIVED
    again = current(business, campaign)
    assert (again.pledged_minor, again.received_minor) == (5_000, 5_000)
    assert check_business(business.pk) == []


def test_a_lapsed_pledge_paid_when_the_room_is_taken_is_given_back(business, owner, campaign):
    late = pledge(business, campaign, 5_000).pledge
    services.lapse_pledges(now=timezone.now() + timedelta(days=6))
    pledge(business, campaign, 20_000, name="Luca Verdi")  # the whole goal, meanwhile

    upload = pay_by_bank(business, owner, late)
    late.refresh_from_db()
    assert late.status == PledgeStatus.LAPSED
    assert late.received_minor == 0
    (paid,) = selectors.credits(business, statement=upload)
    assert (paid.status, paid.returned_minor) == (CreditStatus.REFUNDED, 5_000)
    (refund,) = Refund.objects.filter(business=business)
    assert refund.amount_minor == 5_000
    assert current(business, campaign).pledged_minor == 20_000
    assert check_business(business.pk) == []


# --- who brought it ----------------------------------------------------------------------------


def test_a_pledge_through_a_share_link_is_credited_to_its_sharer(business, owner, campaign):
    CustomerFactory(business=business, email="known@example.com")
    link = selectors.beneficiary_link(campaign)
    new = pledge(business, campaign, 3_000, email="new@example.com", via=link.token).pledge
    known = pledge(business, campaign, 2_000, email="KNOWN@example.com", via=link.token).pledge
    assert new.share_link == link and known.share_link == link
    assert new.new_customer is True
    assert known.new_customer is False

    def brought():
        return {s.name: s for s in selectors.sharers(campaign)}[link.name]

    assert brought().pledges == 0  # promised is not received
    pay_at_till(business, owner, new)
    pay_by_bank(business, owner, known)
    sharer = brought()
    assert (sharer.kind, sharer.pledges, sharer.amount_minor) == (SharerKind.BENEFICIARY, 2, 5_000)
    assert sharer.new_customers == 1


def test_a_peer_who_shared_is_rewarded_when_the_pledge_is_received(
    business, owner, program, campaign
):
    RuleFactory(program=program, event=Event.PLEDGE_RECEIVED, reward=RewardKind.CASH, amount=700)
    peer = PeerFactory(business=business)
    link = services.share_link_for(business, campaign, peer.user)
    assert (link.kind, link.peer) == (SharerKind.PEER, peer)
    at_till = pledge(business, campaign, 3_000, via=link.token).pledge
    by_bank = pledge(business, campaign, 4_000, via=link.token).pledge
    unpaid = pledge(business, campaign, 1_000, via=link.token).pledge
    assert not Reward.objects.filter(peer=peer).exists()

    pay_at_till(business, owner, at_till)
    pay_by_bank(business, owner, by_bank)
    assert unpaid.status == PledgeStatus.AWAITING

    rewards = Reward.objects.filter(business=business, peer=peer, event=Event.PLEDGE_RECEIVED)
    assert sorted(r.amount for r in rewards) == [700, 700]
    assert {s.name: s.pledges for s in selectors.sharers(campaign)}[link.name] == 2
    assert check_business(business.pk) == []


def test_one_address_cannot_fill_a_campaign_with_pledges_it_never_confirms(business, campaign):
    for _ in range(services.MAX_UNCONFIRMED):
        services.make_pledge(
            business,
            campaign,
            PledgeInput(name="Troll", email="troll@example.org", amount_minor=500),
        )
    with pytest.raises(InvalidInput) as refused:
        services.make_pledge(
            business,
            campaign,
            PledgeInput(name="Troll", email="TROLL@example.org", amount_minor=500),
        )
    assert [field for field, _m in refused.value.errors] == ["email"]
    # another address pledges as usual
    services.make_pledge(
        business, campaign, PledgeInput(name="Anna", email="anna@example.org", amount_minor=500)
    )
