"""A payment discrepancy is settled in the books: a correction whose note names the ticket,
the requester answered, the ticket resolved, and the books still sound."""

import re

import pytest
from django.urls import reverse

from peerarmy.errors import PermissionDenied
from peerarmy.rewards import selectors as rewards_selectors
from peerarmy.rewards import services as rewards
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Transaction
from peerarmy.rewards.tests.factories import RuleFactory, occurrence
from peerarmy.support import services
from peerarmy.support.inputs import SettlementInput
from peerarmy.support.models import TicketStatus
from peerarmy.support.services import NotSettleable
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory

from .factories import peer_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def reward(business, peer, program):
    RuleFactory(program=program, amount=1500)
    (granted,) = rewards.handle(business, occurrence(peer, program))
    return granted


def _settle(ticket, actor, **values):
    return services.settle_discrepancy(ticket, actor, SettlementInput.parse(values))


def test_an_owner_adjusts_the_balance_and_the_memo_names_the_ticket(business, owner, peer, reward):
    ticket = peer_ticket(peer, category="payment", reward_id=reward.pk)
    before = rewards_selectors.wallet(peer).payable
    outcome = _settle(ticket, owner, amount_minor=500, note="You worked 20 minutes more.")
    settled = outcome.value
    assert settled.status == TicketStatus.RESOLVED
    assert re.search(rf"\b{ticket.pk}\b", settled.correction.memo)  # "#1", "n. 1"
    assert rewards_selectors.wallet(peer).payable == before + 500
    assert check_business(business.pk) == []
    # once only
    again = _settle(ticket, owner, amount_minor=500, note="again")
    assert again.replayed
    assert Transaction.objects.filter(business=business, kind="adjustment").count() == 1


def test_an_owner_reverses_a_wrong_reward(business, owner, peer, reward):
    ticket = peer_ticket(peer, category="payment", reward_id=reward.pk)
    settled = _settle(ticket, owner, reverse=True, note="That block was cancelled.").value
    assert settled.correction.reverses_id == reward.transaction_id
    assert check_business(business.pk) == []


def test_a_community_manager_cannot_touch_money(business, peer, reward):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    ticket = peer_ticket(peer, category="payment", reward_id=reward.pk)
    with pytest.raises(PermissionDenied):
        _settle(ticket, manager, amount_minor=500, note="x")


def test_only_a_payment_ticket_about_a_reward_or_payment_is_settled(business, owner, peer):
    ticket = peer_ticket(peer, category="question")
    with pytest.raises(NotSettleable):
        _settle(ticket, owner, amount_minor=500, note="x")


def test_the_settlement_form_names_the_amount_when_missing(client, business, owner, peer, reward):
    ticket = peer_ticket(peer, category="payment", reward_id=reward.pk)
    client.force_login(owner)
    url = reverse(
        "web:manage_support_settle", kwargs={"business_slug": business.slug, "ticket_id": ticket.pk}
    )
    page = client.post(url, {"note": "more hours", "amount": ""})
    assert page.status_code == 400
    assert "amount" in page.content.decode().lower()
    ok = client.post(url, {"note": "more hours", "amount": "5,00"})
    assert ok.status_code == 302
    ticket.refresh_from_db()
    assert ticket.correction is not None
