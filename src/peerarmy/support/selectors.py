"""Reads of support that the pages, the API and the worker share; each is scoped by business."""

from django.db.models import Count, F, Q
from django_scopes import scopes_disabled

from peerarmy.errors import NotFound
from peerarmy.peers.models import Peer
from peerarmy.tenancy.models import Closure, Membership

from . import sla, sql
from .models import (
    Attachment,
    CannedReply,
    Category,
    FaqEntry,
    Message,
    SlaTarget,
    Ticket,
    TicketStatus,
)

QUEUE_FILTERS = ("status", "category", "assignee", "q")


def queue(business, *, status="", category="", assignee="", q="", user=None):
    """The console's queue: tickets by time left on their next SLA deadline (running ones
    first, the most urgent on top), then the newest. `status` "" shows what is not done,
    "all" everything; `assignee` "me", "none" or a user id."""
    found = Ticket.objects.filter(business=business)
    # A ticket not done always has a running deadline (`services._update_due`): the default
    # view walks the index on (business, due_at) from the most urgent.
    running = status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED, "all")
    if status in TicketStatus.values:
        found = found.filter(status=status)
    if running:
        found = found.filter(due_at__isnull=False)
    if category in Category.values:
        found = found.filter(category=category)
    if assignee == "me" and user is not None:
        found = found.filter(assignee=user)
    elif assignee == "none":
        found = found.filter(assignee__isnull=True)
    elif str(assignee).isdigit():
        found = found.filter(assignee_id=int(assignee))
    if q:
        found = found.filter(
            Q(subject__icontains=q)
            | Q(requester_name__icontains=q)
            | Q(requester_email__icontains=q)
        )
    order = "due_at" if running else F("due_at").asc(nulls_last=True)
    return found.select_related("assignee", "peer").order_by(order, "-created_at", "-pk")


QUEUE_PAGE = 50


def queue_page(business, *, limit=QUEUE_PAGE, **filters):
    """The first `limit` tickets of the queue (`queue`), as a list."""
    return list(queue(business, **filters)[:limit])


def _one(queryset):
    found = queryset.first()
    if found is None:
        raise NotFound()
    return found


def _ticket_query(business):
    return Ticket.objects.filter(business=business).select_related(
        "business", "assignee", "peer__user", "block", "match", "reward", "payout", "correction"
    )


def get_ticket(business, ticket_id, *, for_update=False) -> Ticket:
    query = _ticket_query(business).filter(pk=ticket_id)
    if for_update:
        query = Ticket.objects.select_for_update().filter(business=business, pk=ticket_id)
    return _one(query)


def get_ticket_by_token(business, token) -> Ticket:
    """The visitor's ticket whose link holds `token`, under its own business only."""
    return _one(_ticket_query(business).filter(token=str(token)[:40]))


def get_peer_ticket(peer, ticket_id) -> Ticket:
    """One of `peer`'s own tickets; anyone else's answers as never made."""
    return _one(_ticket_query(peer.business).filter(pk=ticket_id, peer=peer))


def peer_tickets(peer):
    return Ticket.objects.filter(business=peer.business, peer=peer).order_by("-created_at", "-pk")


def support_peer(business, user):
    """The user's peer in this business (any status but rejected), or None."""
    if not user.is_authenticated:
        return None
    return (
        Peer.objects.filter(business=business, user=user)
        .exclude(status="rejected")
        .select_related("user", "business")
        .first()
    )


def thread(ticket, *, staff: bool):
    """The ticket's posts in order, each as (post, its files); internal notes only for
    `staff`."""
    found = Message.objects.filter(business_id=ticket.business_id, ticket=ticket)
    if not staff:
        found = found.filter(internal=False)
    posts = found.select_related("author").prefetch_related("attachments")
    return [(post, list(post.attachments.all())) for post in posts]


def get_attachment(ticket, attachment_id, *, staff: bool) -> Attachment:
    """A file of the ticket; one on an internal note only for `staff`."""
    found = Attachment.objects.filter(
        business_id=ticket.business_id, ticket=ticket, pk=attachment_id
    )
    if not staff:
        found = found.filter(message__internal=False)
    return _one(found)


def canned_replies(business):
    return list(CannedReply.objects.filter(business=business))


def get_canned_reply(business, canned_id) -> CannedReply:
    return _one(CannedReply.objects.filter(business=business, pk=canned_id))


def sla_targets(business) -> dict:
    """{category: (first response, resolution)} in business minutes: the business's own,
    else the defaults."""
    targets = dict(sla.DEFAULT_TARGETS)
    for row in SlaTarget.objects.filter(business=business):
        targets[row.category] = (row.first_response_minutes, row.resolution_minutes)
    return targets


def business_calendar(business):
    """What the SLA clock needs: the weekly hours, the closures and the time zone."""
    closures = list(Closure.objects.filter(business=business).values_list("first", "last"))
    return business.opening_hours or {}, closures, business.tzinfo


def support_members(business):
    """The members who may handle tickets (every role has support), by name."""
    return list(
        Membership.objects.filter(business=business).select_related("user").order_by("user__email")
    )


def is_member_user(business, user_id) -> bool:
    return Membership.objects.filter(business=business, user_id=user_id).exists()


def owner_emails(business):
    return list(Membership.objects.filter(business=business, role="owner").select_related("user"))


COUNT_CAP = 1000


def counts_by_status(business) -> dict:
    """How many tickets are new, open and waiting, each counted up to COUNT_CAP (more reads
    "1000+": a queue that long needs no exact figure, and counting it would cost more than
    the page). The done ones are not counted: there are ever more of them."""
    counts = {}
    for status in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING):
        found = (
            Ticket.objects.filter(business=business, status=status).order_by()[:COUNT_CAP].count()
        )
        counts[str(status)] = f"{COUNT_CAP}+" if found >= COUNT_CAP else found
    return counts


def breaches_to_warn(now):
    """Tickets whose running deadline has passed and whose breach was not told yet, across
    businesses (the worker's job; every write after it is scoped by the ticket's business)."""
    with scopes_disabled():
        return list(
            Ticket.objects.filter(due_at__lte=now)
            .filter(
                Q(first_response_at__isnull=True, first_response_warned_at__isnull=True)
                | Q(first_response_at__isnull=False, resolution_warned_at__isnull=True)
            )
            .exclude(status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED))
            .select_related("business", "assignee")
            .order_by("due_at")[:500]
        )


# --- the FAQ ----------------------------------------------------------------------------------


def faq_entries(business):
    """Every entry, with how many tickets it spared (deflections), most useful first."""
    return list(
        FaqEntry.objects.filter(business=business)
        .annotate(deflected=Count("deflections"))
        .order_by("-deflected", "question_it", "pk")
    )


def get_faq_entry(business, entry_id, *, published_only=False) -> FaqEntry:
    found = FaqEntry.objects.filter(business=business, pk=entry_id)
    if published_only:
        found = found.filter(published=True)
    return _one(found)


def search_faq(business, language, text, *, limit=sql.LIMIT):
    """The published entries that best answer `text`, in `language`, best first."""
    ids = sql.search_faq(business.pk, language, text or "", limit)
    if not ids:
        return []
    found = {e.pk: e for e in FaqEntry.objects.filter(business=business, pk__in=ids)}
    return [found[i] for i in ids if i in found]


# --- what a peer may link a ticket to -----------------------------------------------------------

LINK_CHOICES = 15


def peer_link_choices(peer) -> dict:
    """The peer's own recent blocks (claimed), matches, rewards and payouts, as (id, label)
    pairs for the ticket form, newest first."""
    from django.utils import formats, timezone

    from peerarmy.matching.models import Match
    from peerarmy.money import format_money
    from peerarmy.rewards.models import Payout, Reward
    from peerarmy.scheduling.models import Block

    business = peer.business

    def when(moment):
        return formats.date_format(timezone.localtime(moment, business.tzinfo), "SHORT_DATE_FORMAT")

    blocks = (
        Block.objects.filter(business=business, claims__peer=peer)
        .select_related("program")
        .distinct()
        .order_by("-starts_at")[:LINK_CHOICES]
    )
    matches = (
        Match.objects.filter(business=business, peer=peer)
        .select_related("program")
        .order_by("-meets_at")[:LINK_CHOICES]
    )
    rewards = (
        Reward.objects.filter(business=business, peer=peer)
        .select_related("program")
        .order_by("-created_at")[:LINK_CHOICES]
    )
    payouts = (
        Payout.objects.filter(business=business, peer=peer)
        .select_related("batch")
        .order_by("-pk")[:LINK_CHOICES]
    )
    return {
        "block_id": [(b.pk, f"{b.program.title} · {when(b.starts_at)}") for b in blocks],
        "match_id": [(m.pk, f"{m.program.title} · {when(m.meets_at)}") for m in matches],
        "reward_id": [
            (r.pk, f"{r.program.title} · {when(r.created_at)} · {_amount(r, format_money)}")
            for r in rewards
        ],
        "payout_id": [
            (
                p.pk,
                f"{when(p.batch.created_at)} · {format_money(p.amount_minor, business.currency)}",
            )
            for p in payouts
        ],
    }


def _amount(reward, format_money):
    if reward.amount:
        return format_money(reward.amount, reward.unit)
    return str(reward.get_kind_display())


def peer_choices(business):
    """The business's peers for the staff's ticket form, by name."""
    return [
        (p.pk, str(p))
        for p in Peer.objects.filter(business=business)
        .exclude(status="rejected")
        .select_related("user")
        .order_by("display_name", "pk")[:500]
    ]
