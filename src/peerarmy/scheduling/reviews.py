"""Which peers go to review, and what a suspension does to their blocks (issue 16).

The case itself (review, suspension, appeal, the audit trail) is the peers app's; it sits below
this one and cannot read no-shows (scheduling's) or programs' thresholds. This module gathers
those facts, asks the pure rule (`peers.review_rules`) and opens the case through
`peers.services.open_review`. It runs from the worker's sweep (`tasks.open_peer_reviews`) and
right after a no-show is marked. A suspension published by the peers app (`peer.suspended`)
releases the peer's claims on blocks not yet started, through the same release that frees a
seat and promotes the waitlist for staff."""

from datetime import datetime, timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from peerarmy.peers import selectors as peer_selectors
from peerarmy.peers import services as peer_services
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.review_rules import Threshold, review_triggers
from peerarmy.programs.models import Program, ProgramStatus

from .models import Claim, ClaimStatus, ReliabilityEvent, ReliabilityEventKind


def _thresholds(business) -> list[Threshold]:
    return [
        Threshold(minimum=p.min_reliability, program_it=p.title_it, program_en=p.title_en)
        for p in Program.objects.filter(
            business=business, status=ProgramStatus.PUBLISHED, min_reliability__gt=0
        ).only("min_reliability", "title_it", "title_en")
    ]


def review_peers(business, *, now=None, peer_ids=None) -> list:
    """Open a review for every active peer of the business (or of `peer_ids`) that the rule
    sends there and who has no case open yet; the outcomes of the reviews opened."""
    now = now or timezone.now()
    settings = peer_selectors.review_settings(business)
    since = now - timedelta(days=settings.no_show_window_days)
    thresholds = _thresholds(business)
    no_shows: dict[int, list] = {}
    events = ReliabilityEvent.objects.filter(
        business=business, kind=ReliabilityEventKind.NO_SHOW, created_at__gte=since
    )
    if peer_ids is not None:
        events = events.filter(peer_id__in=peer_ids)
    for peer_id, at in events.values_list("peer_id", "created_at"):
        no_shows.setdefault(peer_id, []).append(at)
    candidates = {pid for pid, times in no_shows.items() if len(times) >= settings.no_show_limit}
    highest = max((t.minimum for t in thresholds), default=0)
    peers = Peer.objects.filter(business=business, status=PeerStatus.ACTIVE)
    if peer_ids is not None:
        peers = peers.filter(pk__in=peer_ids)
    if highest:
        peers = peers.filter(pk__in=candidates) | peers.filter(reliability__lt=highest)
    else:
        peers = peers.filter(pk__in=candidates)
    already = peer_selectors.peers_under_review(business)
    peers = list(peers.exclude(pk__in=already).order_by("pk"))
    closed = peer_selectors.last_closed_cases(business, [p.pk for p in peers])
    opened = []
    for peer in peers:
        last_closed_at, reliability_at_close = closed.get(peer.pk, (None, None))
        triggers = review_triggers(
            last_closed_at=last_closed_at,
            reliability_at_close=reliability_at_close,
            reliability=peer.reliability,
            thresholds=thresholds,
            no_shows=no_shows.get(peer.pk, ()),
            no_show_limit=settings.no_show_limit,
            window_days=settings.no_show_window_days,
            now=now,
        )
        if triggers:
            outcome = peer_services.open_review(business, peer, triggers=triggers, now=now)
            if outcome.created:
                opened.append(outcome)
    return opened


def review_every_business(now=None) -> int:
    """The worker's sweep: every business's peers; how many reviews were opened."""
    from peerarmy.tenancy.models import Business

    with scopes_disabled():
        return sum(len(review_peers(b, now=now)) for b in Business.objects.order_by("pk"))


def release_claims_of_suspended(business, name, *, key, payload):
    """`peer.suspended`: the peer's claims on blocks not yet started are released (without a
    late-release mark: the business chose this) and each block's waitlist is promoted."""
    from .services import release_for_suspension

    at = payload.get("at")
    now = datetime.fromisoformat(at) if at else timezone.now()
    claims = Claim.objects.filter(
        business=business,
        peer_id=payload["peer_id"],
        status=ClaimStatus.ACTIVE,
        block__starts_at__gt=now,
    ).order_by("block__starts_at", "pk")
    for claim in list(claims):
        release_for_suspension(business, claim, now=now)
