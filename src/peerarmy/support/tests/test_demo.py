"""The demo's support desk: tickets in every status, one past its SLA and warned, a payment
discrepancy settled in the books (which stay sound), an FAQ in both languages that spared
tickets."""

import re

import pytest

from peerarmy.demo import load_demo
from peerarmy.rewards.checks import check_business
from peerarmy.support.models import Deflection, FaqEntry, Ticket
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_the_demo_has_tickets_in_every_status_a_breach_and_a_settlement():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    tickets = Ticket.objects.filter(business=shop)
    assert set(tickets.values_list("status", flat=True)) == {
        "new", "open", "waiting", "resolved", "closed",
    }  # fmt: skip
    assert tickets.filter(first_response_warned_at__isnull=False).exists()
    settled = tickets.get(correction__isnull=False)
    assert re.search(rf"\b{settled.pk}\b", settled.correction.memo)  # "#7", "n. 7"
    assert check_business(shop.pk) == []
    entries = FaqEntry.objects.filter(business=shop)
    assert entries.count() >= 5 and all(e.question_it and e.question_en for e in entries)
    assert Deflection.objects.filter(business=shop).exists()
