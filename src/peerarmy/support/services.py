"""Every change in support: opening a ticket (a peer, a visitor through the link, the staff),
replying and noting, assigning, moving it through its statuses, the canned replies and the
SLA targets, and the worker's breach warnings.

Each service checks who may do it (`Capability.SUPPORT` for the staff's side), runs in one
transaction, and writes its e-mails to the outbox in the recipient's language: every public
reply tells the other side; an internal note tells nobody."""

import hashlib
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import override as translation_override
from django_scopes import scope

from peerarmy import photos
from peerarmy.errors import DomainError, InvalidTransition
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.matching.models import Match
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers.models import Peer
from peerarmy.rewards.models import Payout, Reward
from peerarmy.scheduling.models import Block
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import selectors, sla
from .inputs import (
    AssignInput,
    CannedReplyInput,
    ConsumerTicketInput,
    DeflectionInput,
    FaqEntryInput,
    ReplyInput,
    SettlementInput,
    SlaTargetInput,
    StaffTicketInput,
    StatusInput,
    TicketInput,
)
from .models import (
    Attachment,
    CannedReply,
    Deflection,
    FaqEntry,
    Message,
    RequesterKind,
    SlaTarget,
    Ticket,
    TicketStatus,
)

# Files on one post, and the size of each as sent.
MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
# A picture kept for reading on a screen: 2,000 pixels on its longer side at most.
ATTACHMENT_SHAPE = photos.Shape(width=2000, height=2000, min_side=1)
PDF_MAGIC = b"%PDF-"


class TicketClosed(DomainError):
    code = "ticket_closed"
    status = 409

    default_message = gettext_lazy("This ticket is closed: open a new one if you need more help.")


@dataclass(frozen=True)
class Upload:
    """A file as sent: its name and its bytes."""

    name: str
    data: bytes


# --- attachments --------------------------------------------------------------------------------


def _checked_files(files, errors: FieldErrors, field="attachments"):
    """Each file as (name, content type, bytes to keep): pictures re-encoded without their
    metadata, PDFs as sent once their first bytes say they are PDFs. Faults go on `field`."""
    files = list(files or [])
    if len(files) > MAX_FILES:
        errors.add(field, _("Attach at most %(n)d files.") % {"n": MAX_FILES})
        return []
    kept = []
    for upload in files:
        name = (upload.name or "file").rsplit("/", 1)[-1][:100]
        if len(upload.data) > MAX_FILE_BYTES:
            errors.add(
                field,
                _("%(name)s is larger than %(mb)d MB: send a smaller file.")
                % {"name": name, "mb": MAX_FILE_BYTES // (1024 * 1024)},
            )
            continue
        if upload.data.startswith(PDF_MAGIC):
            kept.append((name, "application/pdf", upload.data))
            continue
        try:
            data = photos.process(upload.data, ATTACHMENT_SHAPE)
        except photos.PhotoError:
            errors.add(
                field,
                _("%(name)s is neither a picture (JPEG, PNG, WebP) nor a PDF.") % {"name": name},
            )
            continue
        stem = name.rsplit(".", 1)[0] or "picture"
        kept.append((f"{stem}.webp", "image/webp", data))
    return kept


def _store_files(ticket, message, kept):
    for name, content_type, data in kept:
        # Not named by its content and without an extension the media view serves: only
        # `attachment_file` pages, which check who asks, hand it out.
        digest = hashlib.sha256(data).hexdigest()[:16]
        stored = default_storage.save(
            f"support/{ticket.business_id}/{digest}-{secrets.token_hex(8)}", ContentFile(data)
        )
        Attachment.objects.create(
            business_id=ticket.business_id,
            ticket=ticket,
            message=message,
            name=name,
            content_type=content_type,
            size=len(data),
            stored=stored,
        )


def read_attachment(attachment) -> bytes:
    with default_storage.open(attachment.stored, "rb") as handle:
        return handle.read()


# --- links --------------------------------------------------------------------------------------


def _links(business, data, errors: FieldErrors, *, peer=None) -> dict:
    """The block, match, reward and payout the ticket is about: of this business and, for a
    peer, their own (a claim on the block, their match, reward or payout)."""
    found = {}
    checks = (
        ("block_id", Block, lambda q: q.filter(claims__peer=peer)),
        ("match_id", Match, lambda q: q.filter(peer=peer)),
        ("reward_id", Reward, lambda q: q.filter(peer=peer)),
        ("payout_id", Payout, lambda q: q.filter(peer=peer)),
    )
    for field, model, own in checks:
        value = getattr(data, field, None)
        if value is None:
            continue
        query = model.objects.filter(business=business, pk=value)
        if peer is not None:
            query = own(query)
        obj = query.first()
        if obj is None:
            errors.add(field, _("There is nothing of yours with this number."))
        else:
            found[field.removesuffix("_id")] = obj
    return found


# --- SLA ---------------------------------------------------------------------------------------


def _deadlines(ticket, now):
    """Set the ticket's SLA deadlines from its category's targets, counted in the business's
    hours from `now`."""
    first, resolution = selectors.sla_targets(ticket.business)[ticket.category]
    week, closures, zone = selectors.business_calendar(ticket.business)
    try:
        ticket.first_response_due = sla.add_business_minutes(now, first, week, closures, zone)
        ticket.resolution_due = sla.add_business_minutes(now, resolution, week, closures, zone)
    except sla.NoBusinessHours:
        # closed for years: every hour counts, so that a ticket not done always has a
        # deadline (the queue relies on it)
        ticket.first_response_due = sla.add_business_minutes(now, first, {})
        ticket.resolution_due = sla.add_business_minutes(now, resolution, {})
    _update_due(ticket)


def _update_due(ticket):
    if ticket.is_done:
        ticket.due_at = None
    elif ticket.first_response_at is None:
        ticket.due_at = ticket.first_response_due
    else:
        ticket.due_at = ticket.resolution_due


def time_left(ticket, now, calendar=None) -> float | None:
    """Business minutes until the ticket's running deadline (negative once breached).
    `calendar`: the business's (`selectors.business_calendar`), when the caller has it."""
    if ticket.due_at is None:
        return None
    week, closures, zone = calendar or selectors.business_calendar(ticket.business)
    try:
        return sla.business_minutes_between(now, ticket.due_at, week, closures, zone)
    except sla.NoBusinessHours:
        return None


def time_left_many(tickets, now, calendar) -> list[float | None]:
    """`time_left` of each ticket of one business, the hours walked once."""
    week, closures, zone = calendar
    running = [t.due_at for t in tickets if t.due_at is not None]
    try:
        lefts = iter(sla.business_minutes_many(now, running, week, closures, zone))
    except sla.NoBusinessHours:
        lefts = iter([(due - now).total_seconds() / 60 for due in running])
    return [next(lefts) if t.due_at is not None else None for t in tickets]


# --- e-mails ------------------------------------------------------------------------------------


def ticket_url(ticket) -> str:
    """Where the requester reads the ticket: the peer's app, or the visitor's link."""
    if ticket.requester_kind == RequesterKind.PEER:
        return reverse(
            "web:me_support_ticket",
            kwargs={"business_slug": ticket.business.slug, "ticket_id": ticket.pk},
        )
    return reverse(
        "web:support_ticket", kwargs={"business_slug": ticket.business.slug, "token": ticket.token}
    )


def console_url(ticket) -> str:
    return reverse(
        "web:manage_support_ticket",
        kwargs={"business_slug": ticket.business.slug, "ticket_id": ticket.pk},
    )


def _requester_address(ticket):
    """(e-mail, language) of whom a reply goes to, or (None, None) for the staff's own."""
    if ticket.peer_id is not None:
        user = ticket.peer.user
        return user.email, (getattr(user, "language", "") or ticket.language)
    if ticket.requester_email:
        return ticket.requester_email, ticket.language
    return None, None


def _user_language(user, business):
    return (getattr(user, "language", "") or business.default_language)[:2]


def _email(ticket, to, language, template, event, **context):
    business = ticket.business
    consumer_link = ticket.requester_kind != RequesterKind.PEER and "ticket_url" in context
    with timezone.override(business.tzinfo), translation_override(language):
        enqueue_email(
            business=business,
            to=to,
            language=language,
            template=f"support/email/{template}",
            event=event,
            context={"ticket": ticket, **context},
            # a visitor's link is their key to the ticket
            secret_keys=("ticket_url",) if consumer_link else (),
        )


def _tell_requester(ticket, template, event, **context):
    to, language = _requester_address(ticket)
    if to:
        _email(ticket, to, language, template, event, ticket_url=ticket_url(ticket), **context)


def _tell_staff(ticket, template, event, **context):
    """The assignee, or else the owners: someone of the business hears of it."""
    users = (
        [ticket.assignee]
        if ticket.assignee_id
        else [m.user for m in selectors.owner_emails(ticket.business)]
    )
    for user in users:
        _email(
            ticket,
            user.email,
            _user_language(user, ticket.business),
            template,
            event,
            console_url=console_url(ticket),
            **context,
        )


# --- opening a ticket ---------------------------------------------------------------------------


def _open(business, *, data, kind, now, files, peer=None, actor=None, name="", email="",
          language=None, links=None, errors=None):  # fmt: skip
    errors = errors or FieldErrors()
    kept = _checked_files(files, errors)
    errors.raise_if_any()
    language = (language or business.default_language)[:2]
    if language not in ("it", "en"):
        language = business.default_language
    with transaction.atomic():
        ticket = Ticket(
            business=business,
            category=data.category,
            subject=data.subject,
            requester_kind=kind,
            peer=peer,
            requester_name=name,
            requester_email=email or "",
            language=language,
            created_by=actor,
            created_at=now,
            **(links or {}),
        )
        _deadlines(ticket, now)
        ticket.save()
        message = Message.objects.create(
            business=business,
            ticket=ticket,
            author=actor or (peer.user if peer else None),
            from_staff=kind == RequesterKind.STAFF and peer is None and not email,
            body=data.body,
            created_at=now,
        )
        _store_files(ticket, message, kept)
        if kind != RequesterKind.STAFF:
            _tell_requester(ticket, "opened", "support.ticket_opened")
            _tell_staff(ticket, "new_ticket", "support.ticket_new")
        elif peer is not None or email:
            _tell_requester(ticket, "opened", "support.ticket_opened")
    return Outcome(ticket, created=True)


def open_peer_ticket(peer, data: TicketInput, files=(), *, now=None) -> Outcome[Ticket]:
    """A peer asks for help, about something of theirs or not."""
    now = now or timezone.now()
    errors = FieldErrors()
    links = _links(peer.business, data, errors, peer=peer)
    return _open(
        peer.business,
        data=data,
        kind=RequesterKind.PEER,
        now=now,
        files=files,
        peer=peer,
        name=str(peer),
        language=_user_language(peer.user, peer.business),
        links=links,
        errors=errors,
    )


def open_consumer_ticket(
    business, data: ConsumerTicketInput, files=(), *, language, now=None
) -> Outcome[Ticket]:
    """A visitor without an account writes in: the ticket's link is e-mailed to them and is
    their only key to it."""
    now = now or timezone.now()
    return _open(
        business,
        data=data,
        kind=RequesterKind.CONSUMER,
        now=now,
        files=files,
        name=data.name,
        email=data.email,
        language=language,
    )


def open_staff_ticket(business, actor, data: StaffTicketInput, files=(), *, now=None):
    """The staff open a ticket: for a peer, for someone who wrote or phoned, or their own."""
    check_can(actor, business, Capability.SUPPORT)
    now = now or timezone.now()
    errors = FieldErrors()
    peer = None
    if data.peer_id is not None:
        peer = (
            Peer.objects.filter(business=business, pk=data.peer_id).select_related("user").first()
        )
        if peer is None:
            errors.add("peer_id", _("There is no peer with this number."))
    links = _links(business, data, errors)
    language = _user_language(peer.user, business) if peer else business.default_language
    return _open(
        business,
        data=data,
        kind=RequesterKind.PEER if peer else RequesterKind.STAFF,
        now=now,
        files=files,
        peer=peer,
        actor=actor,
        name=str(peer) if peer else data.name,
        email="" if peer else (data.email or ""),
        language=language,
        links=links,
        errors=errors,
    )


# --- the thread ---------------------------------------------------------------------------------


def _locked(ticket):
    return selectors.get_ticket(ticket.business, ticket.pk, for_update=True)


def reply_as_requester(ticket, data: ReplyInput, files=(), *, now=None) -> Outcome[Message]:
    """The peer or the visitor writes again: a ticket waiting on them opens again, a resolved
    one too; a closed one takes no more posts."""
    now = now or timezone.now()
    errors = FieldErrors()
    if data.internal:
        errors.add("internal", _("Only the staff write internal notes."))
    if data.status is not None:
        errors.add("status", _("Only the staff change a ticket's status."))
    kept = _checked_files(files, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.is_closed:
            raise TicketClosed()
        message = Message.objects.create(
            business_id=locked.business_id,
            ticket=locked,
            author=locked.peer.user if locked.peer_id else None,
            body=data.body,
            created_at=now,
        )
        _store_files(locked, message, kept)
        if locked.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
            if locked.status == TicketStatus.RESOLVED:
                locked.resolved_at = None
            locked.status = TicketStatus.OPEN
            _update_due(locked)
        locked.save()
        _tell_staff(locked, "requester_replied", "support.requester_replied", message=message)
    return Outcome(message, created=True)


def reply_as_staff(ticket, actor, data: ReplyInput, files=(), *, now=None) -> Outcome[Message]:
    """A member answers (the requester is told by e-mail) or leaves an internal note (nobody
    is told). The first public answer stops the first-response clock."""
    check_can(actor, ticket.business, Capability.SUPPORT)
    now = now or timezone.now()
    errors = FieldErrors()
    if data.status == TicketStatus.NEW:
        errors.add("status", _("A ticket cannot become new again."))
    kept = _checked_files(files, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.is_closed:
            raise TicketClosed()
        message = Message.objects.create(
            business_id=locked.business_id,
            ticket=locked,
            author=actor,
            from_staff=True,
            internal=data.internal,
            body=data.body,
            created_at=now,
        )
        _store_files(locked, message, kept)
        if not data.internal:
            if locked.first_response_at is None:
                locked.first_response_at = now
            _move(locked, data.status or TicketStatus.WAITING, now)
            _tell_requester(locked, "reply", "support.reply", message=message)
        elif data.status is not None:
            _move(locked, data.status, now)
        if locked.status == TicketStatus.NEW:
            locked.status = TicketStatus.OPEN
        _update_due(locked)
        locked.save()
    return Outcome(message, created=True)


def _move(ticket, status, now):
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = None
    ticket.status = status


def assign_ticket(ticket, actor, data: AssignInput) -> Outcome[Ticket]:
    """Give the ticket to a member of the business (one whose role includes support), or
    to nobody."""
    check_can(actor, ticket.business, Capability.SUPPORT)
    errors = FieldErrors()
    if data.assignee_id is not None and not selectors.is_member_user(
        ticket.business, data.assignee_id
    ):
        errors.add("assignee_id", _("Choose a member of the team."))
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked(ticket)
        locked.assignee_id = data.assignee_id
        if locked.status == TicketStatus.NEW and data.assignee_id is not None:
            locked.status = TicketStatus.OPEN
        locked.save()
        if data.assignee_id is not None and data.assignee_id != actor.pk:
            locked = selectors.get_ticket(ticket.business, ticket.pk)
            _tell_staff(locked, "assigned", "support.assigned")
    return Outcome(locked)


def set_ticket_status(ticket, actor, data: StatusInput, *, now=None) -> Outcome[Ticket]:
    """Move the ticket; a closed one may be reopened by the staff only on purpose."""
    check_can(actor, ticket.business, Capability.SUPPORT)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status == data.status:
            return Outcome(locked, replayed=True)
        if data.status == TicketStatus.NEW:
            raise InvalidTransition(_("A ticket cannot become new again."), field="status")
        was_done = locked.is_done
        _move(locked, data.status, now)
        _update_due(locked)
        locked.save()
        if locked.is_done and not was_done:
            _tell_requester(locked, "status", "support.status")
    return Outcome(locked)


# --- canned replies and SLA targets -------------------------------------------------------------


def save_canned_reply(business, actor, data: CannedReplyInput) -> Outcome[CannedReply]:
    check_can(actor, business, Capability.SUPPORT)
    canned = CannedReply.objects.create(business=business, **data.model_dump())
    return Outcome(canned, created=True)


def delete_canned_reply(business, actor, canned_id) -> Outcome[None]:
    check_can(actor, business, Capability.SUPPORT)
    selectors.get_canned_reply(business, canned_id).delete()
    return Outcome(None)


def set_sla_target(business, actor, data: SlaTargetInput) -> Outcome[SlaTarget]:
    """A category's targets for tickets opened from now on."""
    check_can(actor, business, Capability.SUPPORT)
    errors = FieldErrors()
    if data.resolution_minutes < data.first_response_minutes:
        errors.add(
            "resolution_minutes", _("The resolution target cannot come before the first response.")
        )
    errors.raise_if_any()
    target, created = SlaTarget.objects.update_or_create(
        business=business,
        category=data.category,
        defaults={
            "first_response_minutes": data.first_response_minutes,
            "resolution_minutes": data.resolution_minutes,
        },
    )
    return Outcome(target, created=created)


# --- the worker ---------------------------------------------------------------------------------


def warn_breaches(*, now=None) -> int:
    """Tell the assignee and the owners, once, about each deadline that passed. Returns how
    many warnings were written."""
    now = now or timezone.now()
    told = 0
    for ticket in selectors.breaches_to_warn(now):
        first = ticket.first_response_at is None
        with scope(business=ticket.business), transaction.atomic():
            field = "first_response_warned_at" if first else "resolution_warned_at"
            updated = Ticket.objects.filter(
                business=ticket.business, pk=ticket.pk, **{field: None}
            ).update(**{field: now})
            if not updated:
                continue  # another worker told it
            recipients = {m.user.pk: m.user for m in selectors.owner_emails(ticket.business)}
            if ticket.assignee_id:
                recipients[ticket.assignee.pk] = ticket.assignee
            for user in recipients.values():
                _email(
                    ticket,
                    user.email,
                    _user_language(user, ticket.business),
                    "breach",
                    "support.sla_breach",
                    console_url=console_url(ticket),
                    first_response=first,
                )
            told += 1
    return told


# --- the FAQ ------------------------------------------------------------------------------------


def save_faq_entry(business, actor, data: FaqEntryInput, *, entry_id=None) -> Outcome[FaqEntry]:
    """A new entry, or entry `entry_id` changed."""
    check_can(actor, business, Capability.SUPPORT)
    values = data.model_dump()
    if entry_id is None:
        return Outcome(FaqEntry.objects.create(business=business, **values), created=True)
    entry = selectors.get_faq_entry(business, entry_id)
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save()
    return Outcome(entry)


def delete_faq_entry(business, actor, entry_id) -> Outcome[None]:
    check_can(actor, business, Capability.SUPPORT)
    selectors.get_faq_entry(business, entry_id).delete()
    return Outcome(None)


def record_deflection(business, data: DeflectionInput) -> Outcome[Deflection]:
    """A requester found their answer in an entry: a ticket not opened."""
    entry = selectors.get_faq_entry(business, data.entry_id, published_only=True)
    return Outcome(
        Deflection.objects.create(business=business, entry=entry, query=data.query), created=True
    )


# --- discrepancies settled in the books ---------------------------------------------------------


class NotSettleable(DomainError):
    code = "not_settleable"
    status = 409
    default_message = gettext_lazy(
        "Only a payment discrepancy about a peer's reward or payment can be settled in the books."
    )


def settle_discrepancy(ticket, actor, data: SettlementInput, *, now=None) -> Outcome[Ticket]:
    """Settle a payment-discrepancy ticket with a ledger correction whose note names the
    ticket: the linked reward's transaction reversed, or the peer's balance adjusted. The
    requester is answered with `data.note` and the ticket is resolved. A ticket is settled
    once: again, the same settlement (`replayed`). Money needs the rewards capability, and
    the rewards app lets only the owner post a correction."""
    from peerarmy.rewards import services as rewards
    from peerarmy.rewards.inputs import BalanceAdjustmentInput, TransactionCorrectionInput

    business = ticket.business
    check_can(actor, business, Capability.REWARDS)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.correction_id is not None:
            return Outcome(locked, replayed=True)
        if locked.is_closed:
            raise TicketClosed()
        if (
            locked.category != "payment"
            or locked.peer_id is None
            or not (locked.reward_id or locked.payout_id)
        ):
            raise NotSettleable()
        with translation_override(business.default_language):
            memo = _("Support ticket #%(number)d: %(note)s") % {
                "number": locked.pk,
                "note": data.note,
            }
        memo = memo[:300]
        if data.reverse:
            reward = locked.reward
            if reward is None or reward.transaction_id is None:
                raise InvalidTransition(
                    _("Only a posted reward can be reversed; adjust the balance instead."),
                    field="reverse",
                )
            posted = rewards.correct_transaction(
                business,
                actor,
                reward.transaction_id,
                TransactionCorrectionInput.parse({"memo": memo}),
            )
        else:
            posted = rewards.adjust_peer_balance(
                business,
                actor,
                locked.peer,
                BalanceAdjustmentInput.parse({"amount_minor": data.amount_minor, "memo": memo}),
                key=f"support-ticket:{locked.pk}",
            )
        locked.correction = posted.value
        message = Message.objects.create(
            business=business,
            ticket=locked,
            author=actor,
            from_staff=True,
            body=data.note,
            created_at=now,
        )
        if locked.first_response_at is None:
            locked.first_response_at = now
        _move(locked, TicketStatus.RESOLVED, now)
        _update_due(locked)
        locked.save()
        _tell_requester(locked, "reply", "support.reply", message=message)
    return Outcome(locked)
