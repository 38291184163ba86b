"""All or nothing at the deadline: a funded campaign becomes the beneficiary's voucher (what
friends gave plus the match), redeemable at the till; one not funded gives every euro back, by
a refunds payout run (a SEPA file to each payer's IBAN) or at the till for money paid there.
The books are sound at every step and the campaign's account is empty once it closed."""

from datetime import timedelta

import pytest

from peerarmy.chipin import selectors, services
from peerarmy.chipin.models import CampaignStatus, PledgeStatus
from peerarmy.rewards import payouts, sepa
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.inputs import PayoutBatchInput, VoucherRedemptionInput
from peerarmy.rewards.models import Refund
from peerarmy.rewards.money_in import refund_at_till, refund_owed
from peerarmy.rewards.services import redeem_voucher
from peerarmy.tenancy.tests.factories import UserFactory

from .helpers import (
    PAYER_IBAN,
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
def giulia():
    return UserFactory(first_name="Giulia", last_name="Bianchi", email="giulia@example.com")


@pytest.fixture
def campaign(business, owner, giulia):
    program = chipin_program(business, owner, match_percent=10, match_cap_minor=10_000)
    return start(business, giulia, program, goal=100_000, days=10)


def after_deadline(campaign):
    return campaign.deadline + timedelta(minutes=1)


def books_sound(business):
    assert check_business(business.pk) == []


def test_funded_at_the_deadline_the_beneficiary_gets_a_voucher(business, owner, giulia, campaign):
    anna = pledge(business, campaign, 50_000, name="Anna Rossi").pledge
    luca = pledge(business, campaign, 40_910, name="Luca Verdi").pledge
    pay_by_bank(business, owner, anna)
    pay_at_till(business, owner, luca)
    books_sound(business)

    assert services.close_due_campaigns(now=campaign.deadline - timedelta(minutes=1)) == 0
    assert services.close_due_campaigns(now=after_deadline(campaign)) == 1
    assert services.close_due_campaigns(now=after_deadline(campaign)) == 0  # once
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SUCCEEDED
    assert campaign.match_minor == 9_091
    voucher = campaign.voucher
    assert voucher.value_minor == 100_001  # 909.10 € from friends, 90.91 € from the shop
    assert voucher.user == giulia
    books_sound(business)

    (told,) = sent_mail(to=giulia.email)
    assert voucher.code in told.body
    assert len(sent_mail(to=anna.email)) >= 1 and len(sent_mail(to=luca.email)) >= 1
    assert any(campaign.title in m.body for m in sent_mail(to=anna.email)[-1:])

    redeemed = redeem_voucher(
        business, owner, VoucherRedemptionInput(code=voucher.code, amount_minor=100_001)
    )
    assert redeemed.created
    books_sound(business)


def test_not_funded_every_euro_goes_back_by_transfer_or_at_the_till(
    business, owner, giulia, campaign
):
    shop_bank(business, owner)
    anna = pledge(business, campaign, 20_000, name="Anna Rossi").pledge
    luca = pledge(business, campaign, 10_000, name="Luca Verdi").pledge
    late = pledge(business, campaign, 5_000, name="Piero Blu").pledge
    pay_by_bank(business, owner, anna)
    pay_at_till(business, owner, luca)

    services.close_due_campaigns(now=after_deadline(campaign))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FAILED
    assert campaign.voucher is None
    late.refresh_from_db()
    assert late.status == PledgeStatus.LAPSED
    books_sound(business)

    by_transfer = Refund.objects.get(business=business, key=f"chipin-pledge-{anna.pk}")
    at_till = Refund.objects.get(business=business, key=f"chipin-pledge-{luca.pk}")
    assert (by_transfer.amount_minor, by_transfer.iban) == (20_000, PAYER_IBAN)
    assert (at_till.amount_minor, at_till.iban) == (10_000, "")
    assert Refund.objects.filter(business=business).count() == 2
    assert any("200,00" in m.body for m in sent_mail(to=anna.email))

    prepared = payouts.prepare_batch(business, owner, PayoutBatchInput(kind="refunds")).value
    (line,) = prepared.batch.lines
    assert (line.refund_id, line.iban, line.amount_minor) == (by_transfer.pk, PAYER_IBAN, 20_000)
    assert [s.peer_name for s in prepared.skipped] == [at_till.holder]  # give it back there
    books_sound(business)

    batch = payouts.approve_batch(business, owner, prepared.batch, confirmed=True).value
    xml = payouts.sepa_file(business, owner, batch)
    sepa.validate_pain001(xml)
    transfers = sepa.summary(xml)["transfers"]
    assert [(iban, amount) for _e2e, iban, amount in transfers] == [(PAYER_IBAN, 20_000)]
    assert anna.reference.encode() in xml  # the payer reads which pledge came back
    books_sound(business)

    payouts.mark_sent(business, owner, batch)
    books_sound(business)
    payouts.mark_paid(business, owner, batch)
    books_sound(business)
    by_transfer.refresh_from_db()
    assert by_transfer.settled_at is not None
    assert refund_owed(by_transfer) == 0

    refund_at_till(business, owner, at_till)
    at_till.refresh_from_db()
    assert at_till.at_till and refund_owed(at_till) == 0
    assert all(row.owed_minor == 0 for row in selectors.refunds(business))
    books_sound(business)  # the campaign's account among them: empty once closed
