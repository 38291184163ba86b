"""Scoring a business's customers (the adapter around the pure core) and its scoring settings.

`score_business` reads each customer's features with one aggregate query per kind of data,
hands them to `scoring.superfan_scores`, and writes every `SuperfanScore` row in one
transaction with a bulk upsert (`sql.write_score_rows`), so the number of queries does not
grow with the number of customers.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Avg, Count, F, Max, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from peerarmy.customers.models import (
    COUNTED_STATUSES,
    Customer,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
)
from peerarmy.inputs import Outcome
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can, check_can_manage

from . import scoring, selectors, sql
from .inputs import SEGMENT_FIELDS, WEIGHT_FIELDS, ScoringSettingsInput
from .models import ScoringSettings


@dataclass(frozen=True)
class ScoreRunResult:
    customers: int
    seconds: float
    superfans: int  # customers at or above the business's threshold
    as_of: datetime
    read_seconds: float
    core_seconds: float
    write_seconds: float

    def as_dict(self):
        return {
            "customers": self.customers,
            "superfans": self.superfans,
            "seconds": round(self.seconds, 3),
            "read_seconds": round(self.read_seconds, 3),
            "core_seconds": round(self.core_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "as_of": self.as_of,
        }


def weights_for(settings: ScoringSettings):
    """{component: weight}, as the scoring core takes them."""
    return {name.removeprefix("weight_"): getattr(settings, name) for name in WEIGHT_FIELDS}


def counted_orders(business):
    """Orders that count towards orders and spend: paid or partially refunded, not cancelled,
    and matched to a customer (docs/superfans.md says why)."""
    return Order.objects.filter(
        business=business,
        customer__isnull=False,
        financial_status__in=COUNTED_STATUSES,
        cancelled_at__isnull=True,
    )


def read_features(business) -> scoring.Features:
    """Every customer's features, with one aggregate query per kind of data."""
    customer_ids = list(
        Customer.objects.filter(business=business).order_by("pk").values_list("pk", flat=True)
    )
    orders = {
        row[0]: row[1:]
        for row in counted_orders(business)
        .order_by()
        .values("customer_id")
        .annotate(
            n=Count("pk"),
            spend=Sum(Greatest(F("total_minor") - F("refunded_minor"), Value(0))),
            last=Max("placed_at"),
        )
        .values_list("customer_id", "n", "spend", "last")
    }
    # The latest answer counts: the rows come oldest first, so later ones overwrite.
    nps = dict(
        NpsResponse.objects.filter(business=business, customer__isnull=False)
        .order_by("answered_at", "pk")
        .values_list("customer_id", "score")
    )
    reviews = {
        row[0]: row[1:]
        for row in Review.objects.filter(business=business, customer__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"), avg=Avg("rating"))
        .values_list("customer_id", "n", "avg")
    }
    # A friend counts once however many times they were referred.
    referrals = dict(
        Referral.objects.filter(business=business, customer__isnull=False, converted=True)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("referred_email", distinct=True))
        .values_list("customer_id", "n")
    )
    mentions = {
        row[0]: row[1:]
        for row in Mention.objects.filter(business=business, customer__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"), engagement=Sum("engagement"))
        .values_list("customer_id", "n", "engagement")
    }

    no_orders = (0, 0, None)
    no_reviews = (0, None)
    no_mentions = (0, 0)
    order_rows = [orders.get(pk, no_orders) for pk in customer_ids]
    review_rows = [reviews.get(pk, no_reviews) for pk in customer_ids]
    mention_rows = [mentions.get(pk, no_mentions) for pk in customer_ids]
    return scoring.Features(
        customer_id=customer_ids,
        last_order_at=[row[2] for row in order_rows],
        orders=[row[0] for row in order_rows],
        spend_minor=[int(row[1] or 0) for row in order_rows],
        nps=[nps.get(pk) for pk in customer_ids],
        reviews_count=[row[0] for row in review_rows],
        reviews_avg=[None if row[1] is None else float(row[1]) for row in review_rows],
        referrals=[referrals.get(pk, 0) for pk in customer_ids],
        mentions_count=[row[0] for row in mention_rows],
        mentions_engagement=[int(row[1] or 0) for row in mention_rows],
    )


def write_scores(business, features: scoring.Features, table: scoring.ScoreTable, *, as_of):
    """Upsert every row of `table` (in the order of `features`) in one transaction, with a
    number of statements that does not grow with the rows; `best_score` keeps the highest
    score ever computed for the customer."""
    if connection.vendor == "postgresql":
        adapt_dt = None  # psycopg takes aware datetimes as they are
    else:
        adapt_dt = connection.ops.adapt_datetimefield_value
    computed_at = adapt_dt(as_of) if adapt_dt else as_of
    business_id = business.pk
    rows = [
        (
            business_id,
            customer_id,
            score,
            score,  # the best score, unless the stored one is higher
            components,
            orders,
            spend,
            last if last is None or adapt_dt is None else adapt_dt(last),
            nps,
            computed_at,
        )
        for customer_id, score, components, orders, spend, last, nps in zip(
            table.customer_id,
            table.score,
            table.components_json(),
            table.values["frequency"],
            table.values["monetary"],
            features.last_order_at,
            table.values["nps"],
            strict=True,
        )
    ]
    sql.write_score_rows(business, rows)


def score_business(business, *, actor=None, as_of=None) -> Outcome[ScoreRunResult]:
    """Compute and store the superfan score of every customer of the business (`actor`, when
    a person asks for it, must run the business)."""
    if actor is not None:
        check_can_manage(actor, business)
    as_of = as_of or timezone.now()
    settings = selectors.scoring_settings(business)
    started = time.perf_counter()
    features = read_features(business)
    read_done = time.perf_counter()
    table = scoring.superfan_scores(features, weights_for(settings), as_of=as_of)
    core_done = time.perf_counter()
    write_scores(business, features, table, as_of=as_of)
    finished = time.perf_counter()
    threshold = settings.superfan_threshold
    return Outcome(
        ScoreRunResult(
            customers=len(table),
            superfans=sum(1 for score in table.score if score >= threshold),
            seconds=finished - started,
            as_of=as_of,
            read_seconds=read_done - started,
            core_seconds=core_done - read_done,
            write_seconds=finished - core_done,
        )
    )


@transaction.atomic
def update_scoring_settings(
    *, business, actor, data: ScoringSettingsInput
) -> Outcome[ScoringSettings]:
    """Set the business's weights and segment settings (the API's PATCH fills what it does
    not send from the stored settings). Scores are recomputed in the background once a change
    of weights is committed."""
    check_can(actor, business, Capability.SETUP)
    # Written on the first change: until then the defaults are read, never stored.
    settings, _created = ScoringSettings.objects.select_for_update().get_or_create(
        business=business
    )
    changed = [
        name
        for name in (*WEIGHT_FIELDS, *SEGMENT_FIELDS)
        if getattr(settings, name) != getattr(data, name)
    ]
    for name in changed:
        setattr(settings, name, getattr(data, name))
    if changed:
        settings.save(update_fields=changed)
        if any(name in WEIGHT_FIELDS for name in changed):
            transaction.on_commit(lambda: _enqueue_scoring(business.pk))
    return Outcome(settings)


def _enqueue_scoring(business_id):
    from .tasks import score_business_task

    score_business_task.enqueue(business_id)
