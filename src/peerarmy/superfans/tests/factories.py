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
