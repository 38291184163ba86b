"""Reads of superfan scores and segments that the console, the API and the CLI share."""

import math
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerarmy.customers.models import Mention, NpsResponse, Order, Referral, Review
from peerarmy.errors import ValidationFailed
from peerarmy.peers.models import Peer

from .models import ScoringSettings, SuperfanScore

SUPERFANS = "superfans"
PROMOTERS = "promoters"
LAPSED = "lapsed"

SEGMENTS = [
    (SUPERFANS, _("Superfans")),
    (PROMOTERS, _("Promoters not yet in the army")),
    (LAPSED, _("Lapsed superfans")),
]
SEGMENT_KEYS = [key for key, _label in SEGMENTS]

PROMOTER_MIN_NPS = 9


def scoring_settings(business):
    """The business's weights and segment settings, created with the defaults on first use."""
    settings, _created = ScoringSettings.objects.get_or_create(business=business)
    return settings


def _all_scores(business):
    return SuperfanScore.objects.filter(business=business)


def top_cutoff(business, top_percent, *, base=None):
    """The lowest score still in the top `top_percent`% of the business's scored customers.

    Ties at the cut-off are all in (callers add `score > 0`: a score of 0 is never "top").
    None when the business has no scores.
    """
    base = _all_scores(business) if base is None else base
    total = base.count()
    if not total or not top_percent:
        return None
    k = max(1, math.ceil(total * top_percent / 100))
    row = base.order_by("-score", "customer_id").values_list("score", flat=True)[k - 1 : k]
    return next(iter(row), None)


def superfans_q(business, settings):
    condition = Q(score__gte=settings.superfan_threshold)
    cutoff = top_cutoff(business, settings.top_percent)
    if cutoff is not None:
        condition |= Q(score__gte=cutoff, score__gt=0)
    return condition


def _peer_exists(business):
    """Whether the score's customer is already a peer of the business (linked or same e-mail)."""
    return Exists(
        Peer.objects.filter(business=business).filter(
            Q(customer_id=OuterRef("customer_id"))
            | Q(user__email__iexact=OuterRef("customer__email"))
        )
    )


def promoters_q(business):
    return Q(nps__gte=PROMOTER_MIN_NPS) & ~Q(_peer_exists(business))


def lapsed_q(business, settings, *, now=None):
    now = now or timezone.now()
    since = now - timedelta(days=settings.lapsed_after_days)
    return Q(best_score__gte=settings.superfan_threshold) & (
        Q(last_order_at__lt=since) | Q(last_order_at__isnull=True)
    )


def segment_q(business, segment, *, settings=None, now=None):
    """The filter selecting one segment's scores; raises ValidationFailed for an unknown key."""
    settings = settings or scoring_settings(business)
    if segment == SUPERFANS:
        return superfans_q(business, settings)
    if segment == PROMOTERS:
        return promoters_q(business)
    if segment == LAPSED:
        return lapsed_q(business, settings, now=now)
    raise ValidationFailed(
        _("Choose one of: %(choices)s.") % {"choices": ", ".join(SEGMENT_KEYS)},
        field="segment",
    )


def ranked_scores(business, *, segment=None, min_score=None, q=None, consent_only=False):
    """The business's scored customers, best first, optionally narrowed to a segment."""
    qs = _all_scores(business).select_related("customer")
    if segment:
        qs = qs.filter(segment_q(business, segment))
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    if q:
        q = q.strip()
        if q:
            qs = qs.filter(
                Q(customer__email__icontains=q)
                | Q(customer__first_name__icontains=q)
                | Q(customer__last_name__icontains=q)
            )
    if consent_only:
        qs = qs.filter(customer__accepts_marketing=True)
    return qs.order_by("-score", "customer_id")


def segment_counts(business):
    """[(key, label, count)] for every segment."""
    settings = scoring_settings(business)
    base = _all_scores(business)
    return [
        (key, label, base.filter(segment_q(business, key, settings=settings)).count())
        for key, label in SEGMENTS
    ]


def score_for_customer(business, customer_id):
    """The customer's score in this business, or None (not scored yet, or not its customer)."""
    return _all_scores(business).filter(customer_id=customer_id).select_related("customer").first()


def customer_timeline(business, customer_id, *, limit=50):
    """What the customer did, newest first and at most `limit` of each kind: a dict with
    `orders`, `reviews`, `nps`, `referrals` (friends they referred) and `mentions`."""

    def newest(model, field):
        return list(
            model.objects.filter(business=business, customer_id=customer_id).order_by(
                f"-{field}", "-pk"
            )[:limit]
        )

    return {
        "orders": newest(Order, "placed_at"),
        "reviews": newest(Review, "reviewed_at"),
        "nps": newest(NpsResponse, "answered_at"),
        "referrals": newest(Referral, "referred_at"),
        "mentions": newest(Mention, "posted_at"),
    }
