"""The demo's people's rights at Bici Gialla: a customer's request waiting, due in about three
weeks; another completed last month (that customer is a number now); an audit trail naming
nobody; the books sound after the erasure."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.customers.models import Customer
from peerarmy.demo import load_demo
from peerarmy.privacy import selectors
from peerarmy.privacy.models import AccessRecord, ErasureRequest, ErasureStatus
from peerarmy.rewards.checks import check_business
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_request_waiting_one_answered_and_an_audit_trail():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    now = timezone.now()

    (waiting,) = selectors.pending_requests(shop)
    assert waiting.via == "link" and waiting.user is None and waiting.email
    assert now + timedelta(days=18) < waiting.due_at < now + timedelta(days=24)
    assert Customer.objects.filter(business=shop, email=waiting.email).exists()

    done = ErasureRequest.objects.get(business=shop, status=ErasureStatus.COMPLETED)
    assert now - timedelta(days=40) < done.decided_at < now - timedelta(days=30)
    assert done.email == "" and done.outcome["rows"] > 0
    assert Customer.objects.filter(business=shop, email__endswith="@erased.invalid").count() == 1

    trail = AccessRecord.objects.filter(business=shop)
    assert {"viewed", "exported", "erased"} <= set(trail.values_list("action", flat=True))
    assert trail.filter(by_subject=True, what="data_export").exists()
    assert all("@" not in subject for subject in trail.values_list("subject", flat=True))
    assert check_business(shop.pk) == []
