"""Past-due invitations are marked expired by the worker's sweep, in every business."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.superfans.models import Invitation, InvitationStatus
from peerarmy.superfans.tasks import expire_invitations
from peerarmy.superfans.tests.factories import invite
from peerarmy.tenancy.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_sweep_expires_past_due_invitations_and_leaves_open_ones(
    business, owner, other_business, other_staff
):
    old, fresh = (CustomerFactory(business=business, accepts_marketing=True) for _ in range(2))
    elsewhere = CustomerFactory(business=other_business, accepts_marketing=True)
    invite(business, owner, [old, fresh])
    invite(other_business, other_staff, [elsewhere])
    Invitation.objects.filter(customer__in=[old, elsewhere]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert expire_invitations.call() == 2

    statuses = dict(Invitation.objects.values_list("customer_id", "status"))
    assert statuses == {
        old.pk: InvitationStatus.EXPIRED,
        fresh.pk: InvitationStatus.SENT,
        elsewhere.pk: InvitationStatus.EXPIRED,
    }
