"""Reads of superfan scores and segments that the console, the API and the CLI share."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from peerarmy.customers.models import Customer, Mention, NpsResponse, Order, Referral, Review
from peerarmy.errors import NotFound, ValidationFailed
from peerarmy.peers.models import Peer

from .models import Invitation, InvitationStatus, ScoringSettings, SuperfanScore

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


def scoring_settings(business) -> ScoringSettings:
    """The business's weights and segment settings; the defaults (unsaved) until the owner
    sets them. A read: it writes nothing."""
    found = ScoringSettings.objects.filter(business=business).first()
    return found or ScoringSettings(business=business)


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


def top_scores(business, n: int, *, segment=None, consent_only=False) -> list[SuperfanScore]:
    """The `n` best scored customers, optionally of one segment or only those who accept
    e-mail (`peerarmy superfans top`)."""
    return list(ranked_scores(business, segment=segment, consent_only=consent_only)[:n])


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


def get_score(business, customer_id) -> SuperfanScore:
    """The score of the business's customer `customer_id`; `NotFound` when there is none
    (not scored yet, or another business's customer)."""
    row = score_for_customer(business, customer_id)
    if row is None:
        raise NotFound()
    return row


def has_scores(business) -> bool:
    return _all_scores(business).exists()


def get_customer(business, customer_id) -> Customer:
    """The business's customer `customer_id`; `NotFound` for any other id."""
    customer = Customer.objects.filter(business=business, pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer


def peer_customer_ids(business, customers):
    """Of these customers, the ids of those already in the army: linked to a peer, or with
    the e-mail address of a peer's account."""
    by_email = {c.email.strip().lower(): c.pk for c in customers}
    found = set()
    rows = (
        Peer.objects.filter(business=business)
        .annotate(email_lower=Lower("user__email"))
        .filter(Q(customer_id__in=[c.pk for c in customers]) | Q(email_lower__in=list(by_email)))
    )
    for customer_id, email in rows.values_list("customer_id", "email_lower"):
        if customer_id:
            found.add(customer_id)
        if email in by_email:
            found.add(by_email[email])
    return found


def peer_of_customer(business, customer):
    """The peer the customer became (linked, or by the same e-mail address), or None."""
    return (
        Peer.objects.filter(business=business)
        .filter(Q(customer=customer) | Q(user__email__iexact=customer.email))
        .first()
    )


def customer_history(business, customer, *, limit):
    """Everything imported about the customer, newest first and at most `limit` of each
    kind, including rows with their e-mail that are not linked to them yet: a dict with
    `orders`, `reviews`, `nps`, `referrals` and `mentions`."""

    def newest(model, field):
        rows = model.objects.filter(business=business).filter(
            Q(customer=customer) | Q(customer__isnull=True, email__iexact=customer.email)
        )
        return list(rows.order_by(f"-{field}")[:limit])

    return {
        "orders": newest(Order, "placed_at"),
        "reviews": newest(Review, "reviewed_at"),
        "nps": newest(NpsResponse, "answered_at"),
        "referrals": newest(Referral, "referred_at"),
        "mentions": newest(Mention, "posted_at"),
    }


# --- invitations ------------------------------------------------------------------------


def _status_now(status, now):
    """The filter of the invitations whose status, as people see it (`current_status`), is
    `status`: an open invitation past its date has expired, whether or not the worker's
    sweep has written it down yet."""
    if status == InvitationStatus.SENT:
        return Q(status=InvitationStatus.SENT, expires_at__gt=now)
    if status == InvitationStatus.EXPIRED:
        return Q(status=InvitationStatus.EXPIRED) | Q(
            status=InvitationStatus.SENT, expires_at__lte=now
        )
    return Q(status=status)


def invitations_for_business(business, *, status=None):
    """The business's invitations, newest first, optionally of one status as people see it
    (an open invitation past its date is expired). A read: it writes nothing."""
    qs = Invitation.objects.filter(business=business).select_related(
        "customer", "program", "invited_by", "peer"
    )
    if status:
        qs = qs.filter(_status_now(status, timezone.now()))
    return qs.order_by("-sent_at", "-pk")


def get_invitation(business, invitation_id) -> Invitation:
    """The business's invitation `invitation_id`; `NotFound` for any other id."""
    invitation = invitations_for_business(business).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound()
    return invitation


def invitations_of_customer(business, customer):
    return list(
        Invitation.objects.filter(business=business, customer=customer).select_related(
            "program", "invited_by", "peer"
        )
    )


def latest_invitations(business, customer_ids):
    """{customer id: their latest invitation} for these customers."""
    latest = {}
    for invitation in Invitation.objects.filter(
        business=business, customer_id__in=customer_ids
    ).order_by("customer_id", "-sent_at", "-pk"):
        latest.setdefault(invitation.customer_id, invitation)
    return latest


def open_invitations(business, customer_ids):
    """The invitations to these customers that are open now (sent, not past their date)."""
    return Invitation.objects.filter(business=business, customer_id__in=customer_ids).filter(
        _status_now(InvitationStatus.SENT, timezone.now())
    )


@dataclass(frozen=True)
class NotInvitable:
    """Why a customer cannot be invited: `code` (no_consent, in_army, invited) and `reason`,
    in words."""

    code: str
    reason: str


def not_invitable(business, customers, *, in_army=None) -> dict[int, NotInvitable]:
    """The one rule of who may be invited: {customer id: why not} for those of `customers`
    who cannot be (no consent to e-mails, already in the army or applied, an invitation
    open). Inviting skips them; the console offers no box to tick for them. `in_army`: the
    ids `peer_customer_ids` gave, when the caller has them already."""
    ids = [c.pk for c in customers]
    if in_army is None:
        in_army = peer_customer_ids(business, customers)
    open_until = dict(open_invitations(business, ids).values_list("customer_id", "expires_at"))
    found = {}
    for customer in customers:
        if not customer.accepts_marketing:
            found[customer.pk] = NotInvitable(
                "no_consent",
                gettext_now(
                    "no marketing consent: this customer has not agreed to receive e-mails from you"
                ),
            )
        elif customer.pk in in_army:
            found[customer.pk] = NotInvitable(
                "in_army", gettext_now("already in your army (or has applied)")
            )
        elif customer.pk in open_until:
            until = timezone.localtime(open_until[customer.pk], business.tzinfo)
            found[customer.pk] = NotInvitable(
                "invited",
                gettext_now("already invited: the invitation is open until %(date)s")
                % {"date": date_format(until, "SHORT_DATE_FORMAT")},
            )
    return found


def has_account(email) -> bool:
    """Whether someone has signed up with this e-mail address (any business)."""
    return get_user_model().objects.filter(email__iexact=email).exists()


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


def has_invitations(business) -> bool:
    return Invitation.objects.filter(business=business).exists()


def superfan_count(business) -> int:
    """How many customers are superfans now (by the business's scoring settings)."""
    settings = scoring_settings(business)
    return _all_scores(business).filter(superfans_q(business, settings)).count()
