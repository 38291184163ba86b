"""Factories for the data superfans are scored from: orders, NPS answers, reviews, referrals,
mentions. Each takes a `customer`; its business and e-mail follow from it."""

from datetime import timedelta

import factory
from django.utils import timezone

from peerarmy.customers.models import (
    FinancialStatus,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
    Source,
)
from peerarmy.tenancy.tests.factories import CustomerFactory


class _ImportedRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    customer = factory.SubFactory(CustomerFactory)
    business = factory.LazyAttribute(lambda row: row.customer.business)
    email = factory.LazyAttribute(lambda row: row.customer.email if row.customer else "")
    source = Source.MANUAL
    external_id = factory.Sequence(lambda n: f"ext-{n}")


class OrderFactory(_ImportedRowFactory):
    """A paid order of €50.00 placed ten days ago."""

    class Meta:
        model = Order

    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    currency = "EUR"
    total_minor = 5000
    refunded_minor = 0
    financial_status = FinancialStatus.PAID
    cancelled_at = None
    line_count = 1


class NpsResponseFactory(_ImportedRowFactory):
    class Meta:
        model = NpsResponse

    score = 10
    answered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))


class ReviewFactory(_ImportedRowFactory):
    class Meta:
        model = Review

    rating = 5
    title = "Great shop"
    reviewed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))


class ReferralFactory(_ImportedRowFactory):
    """A friend referred by `customer` who became a customer."""

    class Meta:
        model = Referral

    referred_email = factory.Sequence(lambda n: f"friend{n}@example.org")
    referred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    converted = True
    converted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=20))


class MentionFactory(_ImportedRowFactory):
    class Meta:
        model = Mention

    platform = "instagram"
    url = factory.Sequence(lambda n: f"https://instagram.com/p/{n}")
    engagement = 120
    posted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))


def invite(business, actor, customers, *, program=None, **options):
    """`invite_customers` for these customer objects (and a program object): what it did."""
    from peerarmy.superfans.inputs import InviteInput
    from peerarmy.superfans.invitations import invite_customers

    data = InviteInput.parse(
        {
            "customer_ids": [c.pk for c in customers],
            "program_id": program.pk if program is not None else None,
            **options,
        }
    )
    return invite_customers(business=business, actor=actor, data=data).value


def change_settings(business, actor, changes):
    """`update_scoring_settings` with the stored settings overlaid with `changes`, as the
    API's PATCH does: the settings saved."""
    from peerarmy.inputs import apply_patch
    from peerarmy.superfans.inputs import ScoringSettingsInput
    from peerarmy.superfans.selectors import scoring_settings
    from peerarmy.superfans.services import update_scoring_settings

    current = ScoringSettingsInput.of(scoring_settings(business)).model_dump()
    data = apply_patch(ScoringSettingsInput, current, changes)
    return update_scoring_settings(business=business, actor=actor, data=data).value
