"""A campaign's life as its beneficiary, the staff and the owner see it: starting one (for
oneself or, by staff, for a customer), changing and closing it early, cancelling it (every euro
goes back as each friend chose), and the owner's decision when the match would pass the
program's budget."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from peerarmy.chipin import selectors, services
from peerarmy.chipin.inputs import (
    CampaignChange,
    CampaignInput,
    CloseReasonInput,
    ProductInput,
    StaffCampaignInput,
)
from peerarmy.chipin.models import CampaignStatus, PledgeStatus
from peerarmy.errors import InvalidTransition, PermissionDenied
from peerarmy.inputs import InvalidInput
from peerarmy.programs.models import ProgramKind, ProgramStatus
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Refund, Voucher
from peerarmy.rewards.tests.factories import change_program_rewards
from peerarmy.tenancy.tests.factories import CustomerFactory, ProgramFactory, UserFactory

from .helpers import PAYER_IBAN, chipin_program, pay_at_till, pay_by_bank, pledge, sent_mail, start

pytestmark = pytest.mark.django_db


def fields_of(exc_info):
    return dict(exc_info.value.errors)


@pytest.fixture
def program(business, owner):
    return chipin_program(business, owner, match_percent=10, match_cap_minor=10_000, max_days=30)


@pytest.fixture
def giulia():
    return UserFactory(first_name="Giulia", last_name="Bianchi")


# --- starting ----------------------------------------------------------------------------------


def test_a_deadline_beyond_the_programs_longest_campaign_is_refused(business, program, giulia):
    with pytest.raises(InvalidInput) as exc:
        start(business, giulia, program, days=31)
    assert "30 days" in fields_of(exc)["deadline"]
    with pytest.raises(InvalidInput) as exc:
        services.start_campaign(
            business,
            giulia,
            CampaignInput(
                program_id=program.pk,
                goal_minor=10_000,
                title="Too soon",
                deadline=timezone.now() + timedelta(minutes=30),
            ),
        )
    assert "deadline" in fields_of(exc)
    assert not selectors.campaigns(business).exists()


def test_a_draft_program_takes_no_campaign(business, owner, giulia):
    draft = ProgramFactory(business=business, kind=ProgramKind.CHIP_IN, status=ProgramStatus.DRAFT)
    with pytest.raises(InvalidInput) as exc:
        start(business, giulia, draft)
    assert "publish" in fields_of(exc)["program_id"]
    other_kind = ProgramFactory(business=business)
    with pytest.raises(InvalidInput) as exc:
        start(business, giulia, other_kind)
    assert "program_id" in fields_of(exc)


def test_a_products_price_becomes_the_goal(business, owner, program, giulia):
    bike = services.create_product(
        business, owner, ProductInput(name_it="Bici elettrica", price_minor=129_000)
    ).value
    campaign = start(business, giulia, program, goal=None, product_id=bike.pk)
    assert campaign.goal_minor == 129_000
    assert campaign.product == bike
    assert campaign.pledge_ceiling_minor == 119_000  # the match is capped at 100 €
    assert campaign.beneficiary == giulia
    assert campaign.beneficiary_name == "Giulia Bianchi"
    assert selectors.beneficiary_link(campaign).user == giulia


def test_a_gift_amount_and_a_product_together_are_refused(business, owner, program):
    bike = services.create_product(
        business, owner, ProductInput(name_it="Bici", price_minor=50_000)
    ).value
    with pytest.raises(InvalidInput) as exc:
        CampaignInput.parse(
            {
                "program_id": program.pk,
                "product_id": bike.pk,
                "goal_minor": 40_000,
                "title": "Both",
                "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
            }
        )
    assert "price" in fields_of(exc)["goal_minor"]


def test_staff_start_a_campaign_for_a_customer_who_gets_the_link(business, owner, program):
    customer = CustomerFactory(business=business, email="marta@example.com")
    campaign = services.start_campaign_for(
        business,
        owner,
        StaffCampaignInput(
            program_id=program.pk,
            goal_minor=60_000,
            title="A cargo bike for Marta",
            deadline=timezone.now() + timedelta(days=20),
            beneficiary_name="Marta",
            beneficiary_email="Marta@Example.com",
        ),
    ).value
    marta = get_user_model().objects.get(email__iexact="marta@example.com")
    assert campaign.beneficiary == marta
    assert campaign.customer == customer
    assert campaign.started_by == owner
    (message,) = sent_mail(to=marta.email)
    link = selectors.beneficiary_link(campaign)
    assert services.public_url(campaign, link) in message.body
    assert f"?da={link.token}" in message.body


def test_a_stranger_cannot_start_a_campaign_for_someone(business, program):
    with pytest.raises(PermissionDenied):
        services.start_campaign_for(
            business,
            UserFactory(),
            StaffCampaignInput(
                program_id=program.pk,
                goal_minor=60_000,
                title="Not mine",
                deadline=timezone.now() + timedelta(days=20),
                beneficiary_name="Marta",
                beneficiary_email="marta@example.com",
            ),
        )


# --- changing and closing early -----------------------------------------------------------------


def test_the_beneficiary_changes_the_words_a_stranger_cannot(business, program, giulia):
    campaign = start(business, giulia, program)
    change = CampaignChange(message="Thank you all!", public=False)
    services.update_campaign(business, giulia, campaign, change)
    campaign.refresh_from_db()
    assert (campaign.message, campaign.public) == ("Thank you all!", False)
    with pytest.raises(PermissionDenied):
        services.update_campaign(business, UserFactory(), campaign, CampaignChange(message="x"))


def test_closing_early_needs_the_goal_and_the_right_person(business, owner, program, giulia):
    campaign = start(business, giulia, program, goal=20_000)
    made = pledge(business, campaign, 10_000)
    pay_at_till(business, owner, made.pledge)
    with pytest.raises(InvalidTransition):
        services.close_early(business, giulia, campaign)
    rest = pledge(
        business, campaign, selectors.still_needed(selectors.get_campaign(business, campaign))
    )
    pay_at_till(business, owner, rest.pledge)
    with pytest.raises(PermissionDenied):
        services.close_early(business, UserFactory(), campaign)
    closed = services.close_early(business, giulia, campaign).value
    assert closed.status == CampaignStatus.SUCCEEDED
    assert closed.voucher.value_minor >= 20_000
    with pytest.raises(services.CampaignClosed):
        services.update_campaign(business, giulia, campaign, CampaignChange(message="late"))
    assert check_business(business.pk) == []


# --- cancelling ----------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_and_gives_every_euro_back(business, owner, program, giulia):
    campaign = start(business, giulia, program)
    by_bank = pledge(business, campaign, 20_000, name="Anna Rossi")
    pay_by_bank(business, owner, by_bank.pledge)
    as_gift = pledge(
        business,
        campaign,
        5_000,
        name="Luca Verdi",
        email="luca@example.com",
        refund_choice="voucher",
    )
    pay_at_till(business, owner, as_gift.pledge)
    half = pledge(business, campaign, 8_000, name="Sara Neri")
    pay_at_till(business, owner, half.pledge, 3_000)
    unpaid = pledge(business, campaign, 6_000, name="Piero Blu")

    with pytest.raises(InvalidInput) as exc:
        services.cancel_campaign(business, owner, campaign, CloseReasonInput(reason=""))
    assert "reason" in fields_of(exc)
    with pytest.raises(PermissionDenied):
        services.cancel_campaign(business, giulia, campaign, CloseReasonInput(reason="Mine"))

    cancelled = services.cancel_campaign(
        business, owner, campaign, CloseReasonInput(reason="The shop no longer sells it.")
    ).value
    assert cancelled.status == CampaignStatus.CANCELLED
    assert cancelled.close_reason == "The shop no longer sells it."

    refunds = {r.key: r for r in Refund.objects.filter(business=business)}
    to_anna = refunds[f"chipin-pledge-{by_bank.pledge.pk}"]
    assert (to_anna.amount_minor, to_anna.iban) == (20_000, PAYER_IBAN)
    to_sara = refunds[f"chipin-pledge-{half.pledge.pk}"]
    assert (to_sara.amount_minor, to_sara.iban) == (3_000, "")  # paid at the till
    assert f"chipin-pledge-{as_gift.pledge.pk}" not in refunds
    gift = Voucher.objects.get(business=business, cause_key=f"chipin.gift:{as_gift.pledge.pk}")
    assert gift.value_minor == 5_000

    states = {p.pk: p.status for p in selectors.pledges(business, campaign=campaign)}
    assert states[by_bank.pledge.pk] == PledgeStatus.REFUNDED
    assert states[half.pledge.pk] == PledgeStatus.REFUNDED
    assert states[as_gift.pledge.pk] == PledgeStatus.CONVERTED
    assert states[unpaid.pledge.pk] == PledgeStatus.LAPSED
    owed = {row.refund.key: row.owed_minor for row in selectors.refunds(business)}
    assert owed[to_anna.key] == 20_000
    assert any(gift.code in m.body for m in sent_mail(to="luca@example.com"))
    assert any("The shop no longer sells it." in m.body for m in sent_mail(to=by_bank.pledge.email))
    assert check_business(business.pk) == []
    with pytest.raises(services.CampaignClosed):
        services.cancel_campaign(business, owner, campaign, CloseReasonInput(reason="Again"))


# --- the match over the budget -----------------------------------------------------------------


def over_budget(business, owner, *, allow_overfunding=False):
    program = chipin_program(
        business,
        owner,
        match_percent=10,
        match_cap_minor=10_000,
        allow_overfunding=allow_overfunding,
    )
    change_program_rewards(business, owner, program, monthly_budget_minor=100)
    return program


def funded_and_waiting(business, owner, program, giulia, amount):
    campaign = start(business, giulia, program, goal=100_000, days=5)
    made = pledge(business, campaign, amount)
    pay_at_till(business, owner, made.pledge)
    services.close_due_campaigns(now=timezone.now() + timedelta(days=6))
    campaign.refresh_from_db()
    return campaign


def test_a_match_over_budget_waits_and_the_owner_approves_it(business, owner, staff, giulia):
    program = over_budget(business, owner)
    campaign = funded_and_waiting(business, owner, program, giulia, 90_910)
    assert campaign.status == CampaignStatus.WAITING
    assert campaign.voucher is None
    assert any(campaign.title in m.body for m in sent_mail(to=owner.email))
    with pytest.raises(PermissionDenied):
        services.approve_match(business, staff, campaign)
    with pytest.raises(PermissionDenied):
        services.decline_match(business, staff, campaign)
    approved = services.approve_match(business, owner, campaign).value
    assert approved.status == CampaignStatus.SUCCEEDED
    assert approved.match_minor == 9_091
    assert approved.voucher.value_minor == 100_001
    assert approved.voucher.user == giulia
    with pytest.raises(InvalidTransition):
        services.approve_match(business, owner, campaign)
    assert check_business(business.pk) == []


def test_declined_the_friends_alone_may_still_fund_it(business, owner, giulia):
    program = over_budget(business, owner, allow_overfunding=True)
    campaign = funded_and_waiting(business, owner, program, giulia, 100_000)
    assert campaign.status == CampaignStatus.WAITING
    declined = services.decline_match(business, owner, campaign).value
    assert declined.status == CampaignStatus.SUCCEEDED
    assert declined.match_minor == 0
    assert declined.voucher.value_minor == 100_000
    assert check_business(business.pk) == []


def test_declined_without_enough_from_friends_it_is_not_funded(business, owner, giulia):
    program = over_budget(business, owner)
    campaign = funded_and_waiting(business, owner, program, giulia, 90_910)
    declined = services.decline_match(business, owner, campaign).value
    assert declined.status == CampaignStatus.FAILED
    assert declined.voucher is None
    (refund,) = Refund.objects.filter(business=business)
    assert refund.amount_minor == 90_910
    assert check_business(business.pk) == []
