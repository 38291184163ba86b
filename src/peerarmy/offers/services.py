"""New work reaching peers, as Amazon Flex's offers do. The worker's sweep (every minute)
looks at each business for work that opened since its last look, offers each item to the
peers who could take it, once, and sends every peer whose offers are due one message: by
e-mail and by web push, at once or in their daily digest, never in their quiet hours.

Work is:
- a block that became claimable: new (one, or fifty from a series), changed, released, its
  program published, or now starting within `AHEAD` (so a series for the year is offered a
  fortnight ahead, not all at once); open, not started, with a seat left;
- a request waiting for a local: confirmed, open (no live proposal, not matched).

Who could take it is decided by the rules the peer meets when claiming or being matched:
`scheduling.claimants.claimable_by` (the claimable list's rules) and
`matching.nearby.peers_near` (the engine's, with the peer free). Peers who turned the
messages off are not asked.

Each (peer, item) is recorded once (`peers.OfferedWork`, unique), with when its message is
due (`peers.timing`). Sending takes a peer's due offers locked (skip locked: two workers split
the peers between them), checks each item again (a block full, cancelled or started, a
request proposed or matched is dropped, never sent), and writes the e-mail and the push
messages to the outbox in the same transaction as it marks them sent. Looking at a business
is leased (`peers.OfferSweep`), so two workers never look at one business at once, and a
worker that dies mid-look leaves the window to the next.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from peerarmy.matching import nearby
from peerarmy.matching.models import MatchRequest, RequestStatus
from peerarmy.matching.selectors import MATCHING_KINDS
from peerarmy.matching.services import LEAD
from peerarmy.notifications import push
from peerarmy.notifications.selectors import push_subscriptions
from peerarmy.notifications.services import enqueue_email_rendered, enqueue_push
from peerarmy.peers import timing
from peerarmy.peers.models import (
    NewWorkMessages,
    NotificationSettings,
    OfferedWork,
    OfferedWorkKind,
    OfferStatus,
    OfferSweep,
    Peer,
    PeerStatus,
)
from peerarmy.peers.selectors import (
    attach_skills_and_languages,
    notification_settings_of,
    push_owner,
)
from peerarmy.peers.services import timing_of
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.scheduling.claimants import claimable_by
from peerarmy.scheduling.models import Block, BlockStatus
from peerarmy.tenancy.models import Business

from . import messages

logger = logging.getLogger(__name__)

# Blocks are offered once they start within this: far enough ahead to plan, near enough that
# a series for the year does not arrive as one message.
AHEAD = timedelta(days=14)
# A look starts this long before the last one ended, so that work written by a transaction
# that committed late is still seen (what was already offered is not offered again).
MARGIN = timedelta(minutes=5)
# How long a worker may look at one business before another may take over.
LEASE = timedelta(minutes=5)
# Messages one sweep writes at most; the rest go in the next sweep, a minute later.
PEERS_PER_SWEEP = 200
# Offers of work that started this long ago are forgotten.
KEEP = timedelta(days=30)
FORGET_BATCH = 1000


def offer_new_work(now=None) -> int:
    """The worker's sweep: look at every business for new work, then send what is due.
    Returns how many messages (one per peer) were written."""
    now = now or timezone.now()
    with scopes_disabled():
        for business in Business.objects.order_by("pk"):
            try:
                look_for_new_work(business, now=now)
            except Exception:  # noqa: BLE001 - one business must not stop the others
                logger.exception("looking for new work of business %s failed", business.pk)
        sent = send_due_offers(now=now)
        forget_old_offers(now=now)
    return sent


# --- looking for new work -------------------------------------------------------------------


def _take_lease(business, now) -> OfferSweep | None:
    OfferSweep.objects.get_or_create(business=business)
    taken = (
        OfferSweep.objects.filter(business=business)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .update(leased_until=now + LEASE)
    )
    return OfferSweep.objects.get(business=business) if taken else None


def new_blocks(business, *, since, now) -> list[tuple[int, object]]:
    """(id, start) of the business's blocks that a peer could claim now and that opened
    after `since` (all of them without one), starting within AHEAD."""
    found = Block.objects.filter(
        business=business,
        status=BlockStatus.OPEN,
        released_at__lte=now,
        starts_at__gt=now,
        starts_at__lte=now + AHEAD,
        seats_taken__lt=F("capacity"),
        program__status=ProgramStatus.PUBLISHED,
    )
    if since is not None:
        found = found.filter(
            Q(created_at__gt=since)
            | Q(updated_at__gt=since)
            | Q(released_at__gt=since)
            | Q(program__published_at__gt=since)
            | Q(starts_at__gt=since + AHEAD)
        )
    return list(found.order_by("starts_at", "pk").values_list("pk", "starts_at"))


def new_requests(business, *, since, now) -> dict[Program, list[MatchRequest]]:
    """The business's requests waiting for a local that were confirmed, changed or whose
    program was published after `since` (all of them without one), by program."""
    found = MatchRequest.objects.filter(
        business=business,
        status=RequestStatus.OPEN,
        ends_at__gt=now + LEAD,
        program__status=ProgramStatus.PUBLISHED,
        program__kind__in=MATCHING_KINDS,
    )
    if since is not None:
        found = found.filter(
            Q(confirmed_at__gt=since) | Q(updated_at__gt=since) | Q(program__published_at__gt=since)
        )
    by_program: dict[Program, list[MatchRequest]] = {}
    for match_request in found.select_related("business", "program__business").order_by("pk"):
        by_program.setdefault(match_request.program, []).append(match_request)
    return by_program


def _listening_peers(business) -> list[Peer]:
    """The business's active peers who did not turn new-work messages off, with their
    skills and languages."""
    peers = list(
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE)
        .exclude(notification_settings__new_work=NewWorkMessages.OFF)
        .select_related("notification_settings")
        .order_by("pk")
    )
    return attach_skills_and_languages(peers)


def _settings(peer) -> NotificationSettings:
    """The peer's settings as read with them (`_listening_peers`), or the defaults: no query."""
    try:
        return peer.notification_settings
    except Peer.notification_settings.RelatedObjectDoesNotExist:
        return NotificationSettings(business_id=peer.business_id, peer=peer)


def look_for_new_work(business, *, now=None) -> int:
    """Offer the business's work that opened since the last look to the peers who could take
    it; returns how many offers were recorded. Nothing, if another worker is looking."""
    now = now or timezone.now()
    sweep = _take_lease(business, now)
    if sweep is None:
        return 0
    try:
        since = sweep.looked_until - MARGIN if sweep.looked_until else None
        recorded = _record_offers(business, since, now)
    except BaseException:
        OfferSweep.objects.filter(pk=sweep.pk).update(leased_until=None)
        raise
    OfferSweep.objects.filter(pk=sweep.pk).update(looked_until=now, leased_until=None)
    return recorded


def _record_offers(business, since, now) -> int:
    blocks = dict(new_blocks(business, since=since, now=now))
    requests = new_requests(business, since=since, now=now)
    if not blocks and not requests:
        return 0
    peers = _listening_peers(business)
    if not peers:
        return 0
    pairs = []  # (peer id, kind, item id, starts_at)
    if blocks:
        for block_id, peer_ids in claimable_by(business, blocks, peers, now=now).items():
            pairs += [(p, OfferedWorkKind.BLOCK, block_id, blocks[block_id]) for p in peer_ids]
    listening = {peer.pk for peer in peers}
    for program, waiting in requests.items():
        starts = {r.pk: r.starts_at for r in waiting}
        for request_id, peer_ids in nearby.peers_near(program, waiting, now=now).items():
            pairs += [
                (p, OfferedWorkKind.REQUEST, request_id, starts[request_id])
                for p in sorted(peer_ids & listening)
            ]
    if not pairs:
        return 0
    tz = business.tzinfo
    due = {peer.pk: timing.due_at(now, timing_of(_settings(peer)), tz) for peer in peers}
    known = set(
        OfferedWork.objects.filter(
            business=business,
            item_id__in={item_id for _p, _k, item_id, _s in pairs},
            peer_id__in={peer_id for peer_id, _k, _i, _s in pairs},
        ).values_list("peer_id", "kind", "item_id")
    )
    offers = [
        OfferedWork(
            business=business,
            peer_id=peer_id,
            kind=kind,
            item_id=item_id,
            starts_at=starts_at,
            found_at=now,
            due_at=due[peer_id],
        )
        for peer_id, kind, item_id, starts_at in pairs
        if (peer_id, kind, item_id) not in known and due[peer_id] is not None
    ]
    with transaction.atomic():
        # Another worker's look at the same window (after a lease ran out) records nothing
        # twice: the unique constraint keeps the first.
        OfferedWork.objects.bulk_create(offers, batch_size=1000, ignore_conflicts=True)
    return len(offers)


# --- sending ---------------------------------------------------------------------------------


def send_due_offers(*, now=None, limit=PEERS_PER_SWEEP) -> int:
    """Send every peer (at most `limit`) whose offers are due their one message; returns how
    many peers were written to."""
    now = now or timezone.now()
    due = (
        OfferedWork.objects.filter(status=OfferStatus.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("peer_id", flat=True)[: limit * 20]
    )
    sent = 0
    for peer_id in list(dict.fromkeys(due))[:limit]:
        try:
            sent += send_offers_to(peer_id, now=now)
        except Exception:  # noqa: BLE001 - one peer's failure must not stop the others
            logger.exception("sending new work to peer %s failed", peer_id)
    return sent


def _mark(offers, status, now=None):
    OfferedWork.objects.filter(pk__in=[o.pk for o in offers]).update(status=status, sent_at=now)


@transaction.atomic
def send_offers_to(peer_id, *, now=None) -> bool:
    """One message to the peer about their offers that are due and still open; whether one
    was written. Offers another worker is sending are left to it."""
    now = now or timezone.now()
    offers = list(
        OfferedWork.objects.select_for_update(skip_locked=True)
        .filter(peer_id=peer_id, status=OfferStatus.PENDING, due_at__lte=now)
        .order_by("starts_at", "pk")
    )
    if not offers:
        return False
    peer = Peer.objects.select_related("user", "business").get(pk=peer_id)
    business = peer.business
    found = notification_settings_of(peer)
    how = timing_of(found)
    if peer.status != PeerStatus.ACTIVE or how.mode == timing.Mode.OFF:
        _mark(offers, OfferStatus.DROPPED)
        return False
    ready = timing.end_of_quiet(now, how, business.tzinfo)
    if ready > now:  # quiet now (their hours changed since): wait until they end
        OfferedWork.objects.filter(pk__in=[o.pk for o in offers]).update(due_at=ready)
        return False

    blocks, requests = _still_open(business, peer, offers, now)
    kept = {(OfferedWorkKind.BLOCK, b.pk) for b in blocks}
    kept |= {(OfferedWorkKind.REQUEST, r.pk) for r in requests}
    gone = [o for o in offers if (o.kind, o.item_id) not in kept]
    still = [o for o in offers if (o.kind, o.item_id) in kept]
    _mark(gone, OfferStatus.DROPPED)
    if not still:
        return False
    browsers = (
        push_subscriptions(business, push_owner(peer))
        if found.by_push and push.is_configured()
        else []
    )
    if not found.by_email and not browsers:
        _mark(still, OfferStatus.DROPPED)  # push only, and no browser to push to
        return False
    language = peer.user.language or business.default_language
    message = messages.new_work_message(
        peer,
        business,
        blocks,
        requests,
        language=language,
        digest=how.mode == timing.Mode.DIGEST,
    )
    if found.by_email:
        enqueue_email_rendered(
            business=business,
            to=peer.user.email,
            subject=message.subject,
            body_text=message.body_text,
            language=language,
            event="offers.new_work",
        )
    for browser in browsers:
        enqueue_push(
            business=business,
            subscription=browser,
            notification=message.push,
            language=language,
            event="offers.new_work",
        )
    _mark(still, OfferStatus.SENT, now)
    return True


def _still_open(business, peer, offers, now):
    """The blocks the peer could still claim and the requests still waiting, of `offers`."""
    block_ids = [o.item_id for o in offers if o.kind == OfferedWorkKind.BLOCK]
    request_ids = [o.item_id for o in offers if o.kind == OfferedWorkKind.REQUEST]
    blocks = []
    if block_ids:
        attach_skills_and_languages([peer])
        claimable = claimable_by(business, block_ids, [peer], now=now)
        blocks = list(
            Block.objects.filter(business=business, pk__in=list(claimable))
            .select_related("program")
            .order_by("starts_at", "pk")
        )
        for block in blocks:  # a peer may have a hundred: not the business's row each time
            block.business = business
    requests = []
    if request_ids:
        requests = list(
            MatchRequest.objects.filter(
                business=business,
                pk__in=request_ids,
                status=RequestStatus.OPEN,
                ends_at__gt=now + LEAD,
                program__status=ProgramStatus.PUBLISHED,
            )
            .select_related("program", "business")
            .order_by("starts_at", "pk")
        )
    return blocks, requests


def forget_old_offers(*, now=None) -> int:
    """Forget offers of work that started more than KEEP ago (a batch per sweep)."""
    now = now or timezone.now()
    old = list(
        OfferedWork.objects.filter(starts_at__lt=now - KEEP).values_list("pk", flat=True)[
            :FORGET_BATCH
        ]
    )
    if not old:
        return 0
    deleted, _by_model = OfferedWork.objects.filter(pk__in=old).delete()
    return deleted
