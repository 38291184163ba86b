from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.chipin import services
from peerarmy.chipin.inputs import CampaignInput, PledgeInput, TillPaymentInput
from peerarmy.chipin.models import CampaignStatus, PledgeStatus
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards.checks import check_business
from peerarmy.tenancy.tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_smoke(business, owner):
    program = ProgramFactory(business=business, kind=ProgramKind.CHIP_IN)
    giulia = UserFactory()
    campaign = services.start_campaign(
        business,
        giulia,
        CampaignInput(
            program_id=program.pk,
            goal_minor=100_000,
            title="E-bike",
            deadline=timezone.now() + timedelta(days=10),
        ),
    ).value
    assert campaign.pledge_ceiling_minor == 90_910
    made = services.make_pledge(
        business, campaign, PledgeInput(name="Anna", email="anna@example.com", amount_minor=90_910)
    ).value
    services.confirm_pledge(business, made.token)
    services.record_till_payment(
        business, owner, made.pledge, TillPaymentInput(amount_minor=90_910)
    )
    made.pledge.refresh_from_db()
    assert made.pledge.status == PledgeStatus.RECEIVED
    services.close_due_campaigns(now=timezone.now() + timedelta(days=11))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SUCCEEDED, campaign.status
    assert campaign.voucher.value_minor == 100_001
    assert check_business(business.pk) == []
