"""Support on the web: the visitor's ticket form and the ticket's own page from its e-mailed
link (the token is the key, as a matching request's), the peer's tickets in their app, and
the console's queue (by SLA time left), ticket page (thread, internal notes, assignment,
status, canned replies), canned replies, SLA targets and FAQ.

Files are served here, never under /media/: each view finds the ticket the way its page does
(the visitor's token, the peer's own ticket, a member with support) before it hands a file
out. Internal notes and their files exist only on the console's side."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.inputs import InvalidInput
from peerarmy.support import selectors, services
from peerarmy.support.inputs import DeflectionInput
from peerarmy.support.models import Category, TicketStatus
from peerarmy.support.services import MAX_FILE_BYTES, Upload
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.support import (
    AssignForm,
    CannedReplyForm,
    ConsumerTicketForm,
    FaqEntryForm,
    ReplyForm,
    SettlementForm,
    SlaTargetForm,
    StaffReplyForm,
    StaffTicketForm,
    StatusForm,
    TicketForm,
)

from .base import business_page, console_page, is_htmx, peer_page
from .matching_public import private_page

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)
FAQ_MIN_CHARS = 3


def _uploads(request) -> list[Upload]:
    # one byte over the limit is enough for the service to refuse the file as too large
    return [
        Upload(f.name, f.read(MAX_FILE_BYTES + 1)) for f in request.FILES.getlist("attachments")
    ]


def _save(form, call):
    """The service's outcome, or None with its refusals shown beside the fields."""
    try:
        return call(form.input)
    except DomainError as exc:
        form.add_domain_error(exc)
    return None


def _file_response(ticket, attachment):
    data = services.read_attachment(attachment)
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        attachment.content_type == "application/pdf", attachment.name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def left_text(minutes):
    """Business time left on a deadline, in words: "2 h 15 min left", "overdue by 40 min"."""
    if minutes is None:
        return ""
    whole = int(abs(minutes))
    hours, mins = divmod(whole, 60)
    span = (
        _("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
        if hours
        else _("%(m)d min") % {"m": mins}
    )
    if minutes < 0:
        return _("overdue by %(span)s") % {"span": span}
    return _("%(span)s left") % {"span": span}


def _thread_context(ticket, *, staff, file_url, now=None):
    """The ticket, its posts each with its files' addresses, and its SLA time left."""
    now = now or timezone.now()
    posts = [
        {"post": post, "files": [(a, file_url(a)) for a in files]}
        for post, files in selectors.thread(ticket, staff=staff)
    ]
    return {
        "ticket": ticket,
        "posts": posts,
        "minutes_left": (left := services.time_left(ticket, now)),
        "left_text": left_text(left),
    }


# --- the FAQ, as the requester types --------------------------------------------------------


@business_page()
def faq_search(request, business):
    """The FAQ entries that may answer what the requester has typed so far (htmx)."""
    text = (request.GET.get("subject", "") + " " + request.GET.get("body", "")).strip()
    text = text or request.GET.get("q", "")
    entries = (
        selectors.search_faq(business, get_language(), text[:300])
        if len(text) >= FAQ_MIN_CHARS
        else []
    )
    return render(
        request,
        "web/support/_faq_hits.html",
        {"entries": entries, "query": text[:200], "language": get_language()},
    )


@business_page(POST)
def faq_helped(request, business, faq_id):
    """ "This answered my question": a deflection, and no ticket."""
    try:
        services.record_deflection(
            business,
            DeflectionInput.parse(
                {"entry_id": faq_id, "query": request.POST.get("query", "")[:200]}
            ),
        )
    except InvalidInput as exc:
        raise Http404 from exc
    if is_htmx(request):
        return render(request, "web/support/_faq_thanks.html", {})
    messages.success(request, _("Glad it helped. If you need anything else, write to us."))
    return redirect("web:landing", business_slug=business.slug)


# --- the visitor, without an account ----------------------------------------------------------


@business_page(GET_POST)
def consumer_new(request, business):
    form = ConsumerTicketForm(request.POST or None, request.FILES or None, business=business)
    if request.method == "POST":
        if form.is_bot:
            return redirect("web:support_sent", business_slug=business.slug)
        if form.is_valid():
            opened = _save(
                form,
                lambda data: services.open_consumer_ticket(
                    business, data, _uploads(request), language=get_language()
                ),
            )
            if opened is not None:
                return redirect("web:support_sent", business_slug=business.slug)
    return render(request, "web/support/consumer_new.html", {"form": form})


@business_page()
def consumer_sent(request, business):
    return render(request, "web/support/consumer_sent.html", {})


@private_page
@business_page(GET_POST)
def consumer_ticket(request, business, token):
    ticket = selectors.get_ticket_by_token(business, token)
    form = ReplyForm(request.POST or None, request.FILES or None, business=business)
    if request.method == "POST" and form.is_valid():
        replied = _save(
            form, lambda data: services.reply_as_requester(ticket, data, _uploads(request))
        )
        if replied is not None:
            messages.success(request, _("Your message is sent."))
            return redirect("web:support_ticket", business_slug=business.slug, token=token)
    file_url = lambda a: reverse(  # noqa: E731
        "web:support_ticket_file",
        kwargs={"business_slug": business.slug, "token": token, "attachment_id": a.pk},
    )
    context = _thread_context(ticket, staff=False, file_url=file_url) | {
        "form": form,
        "reply_url": request.path,
    }
    return render(request, "web/support/consumer_ticket.html", context)


@private_page
@business_page()
def consumer_file(request, business, token, attachment_id):
    ticket = selectors.get_ticket_by_token(business, token)
    return _file_response(ticket, selectors.get_attachment(ticket, attachment_id, staff=False))


# --- the peer's app -----------------------------------------------------------------------------


def _peer_or_404(request, business):
    peer = selectors.support_peer(business, request.user)
    if peer is None:
        raise Http404()
    return peer


@peer_page(GET_POST)
def peer_tickets(request, business):
    peer = _peer_or_404(request, business)
    links = selectors.peer_link_choices(peer)
    initial = {
        k: request.GET[k] for k in ("category", "reward_id", "payout_id") if k in request.GET
    }
    form = TicketForm(
        request.POST or None, request.FILES or None, business=business, links=links,
        initial=initial,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        opened = _save(form, lambda data: services.open_peer_ticket(peer, data, _uploads(request)))
        if opened is not None:
            messages.success(request, _("Your request is sent: we answer you here."))
            return redirect(
                "web:me_support_ticket", business_slug=business.slug, ticket_id=opened.value.pk
            )
    return render(
        request,
        "web/me/support/list.html",
        {"peer": peer, "tickets": selectors.peer_tickets(peer), "form": form},
    )


@peer_page(GET_POST)
def peer_ticket(request, business, ticket_id):
    peer = _peer_or_404(request, business)
    ticket = selectors.get_peer_ticket(peer, ticket_id)
    form = ReplyForm(request.POST or None, request.FILES or None, business=business)
    if request.method == "POST" and form.is_valid():
        replied = _save(
            form, lambda data: services.reply_as_requester(ticket, data, _uploads(request))
        )
        if replied is not None:
            messages.success(request, _("Your message is sent."))
            return redirect(
                "web:me_support_ticket", business_slug=business.slug, ticket_id=ticket.pk
            )
    file_url = lambda a: reverse(  # noqa: E731
        "web:me_support_file",
        kwargs={"business_slug": business.slug, "ticket_id": ticket.pk, "attachment_id": a.pk},
    )
    context = _thread_context(ticket, staff=False, file_url=file_url) | {
        "peer": peer,
        "form": form,
        "reply_url": request.path,
    }
    return render(request, "web/me/support/ticket.html", context)


@peer_page()
def peer_file(request, business, ticket_id, attachment_id):
    peer = _peer_or_404(request, business)
    ticket = selectors.get_peer_ticket(peer, ticket_id)
    return _file_response(ticket, selectors.get_attachment(ticket, attachment_id, staff=False))


# --- the console --------------------------------------------------------------------------------


def _member_choices(business):
    return [(m.user_id, m.user.email) for m in selectors.support_members(business)]


@console_page(needs=Capability.SUPPORT)
def queue(request, business):
    filters = {name: request.GET.get(name, "")[:100] for name in selectors.QUEUE_FILTERS}
    now = timezone.now()
    tickets = selectors.queue_page(business, user=request.user, **filters)
    counts = selectors.counts_by_status(business)
    calendar = selectors.business_calendar(business)
    base = reverse("web:manage_support", kwargs={"business_slug": business.slug})
    categories, statuses = dict(Category.choices), dict(TicketStatus.choices)
    rows = []
    lefts = services.time_left_many(tickets, now, calendar)
    for ticket, minutes in zip(tickets, lefts, strict=True):
        # plain values: the template of a long list resolves nothing itself
        rows.append(
            {
                "url": f"{base}{ticket.pk}/",
                "title": f"#{ticket.pk} {ticket.subject}",
                "category": categories.get(ticket.category, ticket.category),
                "status": ticket.status,
                "status_label": statuses.get(ticket.status, ticket.status),
                "who": ticket.requester_name or ticket.get_requester_kind_display(),
                "assignee": (ticket.assignee.get_full_name() or ticket.assignee.email)
                if ticket.assignee_id
                else "—",
                "overdue": minutes is not None and minutes < 0,
                "left": left_text(minutes) or "—",
            }
        )
    return render(
        request,
        "web/manage/support/queue.html",
        {
            "rows": rows,
            "filters": filters,
            "statuses": TicketStatus.choices,
            "categories": Category.choices,
            "members": _member_choices(business),
            "counts": [
                (label, counts[value]) for value, label in TicketStatus.choices if value in counts
            ],
        },
    )


@console_page(GET_POST, needs=Capability.SUPPORT)
def staff_new(request, business):
    form = StaffTicketForm(
        request.POST or None, request.FILES or None, business=business,
        peers=selectors.peer_choices(business),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        opened = _save(
            form,
            lambda data: services.open_staff_ticket(
                business, request.user, data, _uploads(request)
            ),
        )
        if opened is not None:
            return redirect(
                "web:manage_support_ticket", business_slug=business.slug, ticket_id=opened.value.pk
            )
    return render(request, "web/manage/support/new.html", {"form": form})


def _settleable(ticket):
    return (
        ticket.category == "payment"
        and ticket.peer_id is not None
        and bool(ticket.reward_id or ticket.payout_id)
        and ticket.correction_id is None
        and not ticket.is_closed
    )


def _ticket_page(
    request, business, ticket, *, reply=None, assign=None, status=None, settle=None, code=200
):
    canned = selectors.canned_replies(business)
    initial = {}
    chosen = request.GET.get("canned", "")
    for item in canned:
        if chosen == str(item.pk):
            initial["body"] = item.body_in(ticket.language)
    file_url = lambda a: reverse(  # noqa: E731
        "web:manage_support_file",
        kwargs={"business_slug": business.slug, "ticket_id": ticket.pk, "attachment_id": a.pk},
    )
    context = _thread_context(ticket, staff=True, file_url=file_url) | {
        "form": reply or StaffReplyForm(initial=initial, business=business),
        "assign_form": assign
        or AssignForm(
            initial={"assignee_id": ticket.assignee_id or ""},
            business=business,
            members=_member_choices(business),
        ),
        "status_form": status or StatusForm(initial={"status": ticket.status}, business=business),
        "canned": canned,
        "settle_form": settle or SettlementForm(business=business)
        # the rewards app's corrections are the owner's (ADR 8): only they see the form
        if _settleable(ticket) and request.membership.is_owner
        else None,
        "reply_url": reverse(
            "web:manage_support_ticket",
            kwargs={"business_slug": business.slug, "ticket_id": ticket.pk},
        ),
    }
    return render(request, "web/manage/support/ticket.html", context, status=code)


@console_page(GET_POST, needs=Capability.SUPPORT)
def ticket_detail(request, business, ticket_id):
    ticket = selectors.get_ticket(business, ticket_id)
    if request.method == "POST":
        form = StaffReplyForm(request.POST, request.FILES, business=business)
        if form.is_valid():
            done = _save(
                form,
                lambda data: services.reply_as_staff(ticket, request.user, data, _uploads(request)),
            )
            if done is not None:
                messages.success(
                    request,
                    _("The note is saved.") if done.value.internal else _("The answer is sent."),
                )
                return redirect(
                    "web:manage_support_ticket", business_slug=business.slug, ticket_id=ticket.pk
                )
        return _ticket_page(request, business, ticket, reply=form, code=400)
    return _ticket_page(request, business, ticket)


@console_page(POST, needs=Capability.SUPPORT)
def ticket_assign(request, business, ticket_id):
    ticket = selectors.get_ticket(business, ticket_id)
    form = AssignForm(request.POST, business=business, members=_member_choices(business))
    if form.is_valid() and _save(form, lambda d: services.assign_ticket(ticket, request.user, d)):
        messages.success(request, _("The ticket is assigned."))
        return redirect(
            "web:manage_support_ticket", business_slug=business.slug, ticket_id=ticket.pk
        )
    return _ticket_page(request, business, ticket, assign=form, code=400)


@console_page(POST, needs=Capability.SUPPORT)
def ticket_status(request, business, ticket_id):
    ticket = selectors.get_ticket(business, ticket_id)
    form = StatusForm(request.POST, business=business)
    if form.is_valid() and _save(
        form, lambda d: services.set_ticket_status(ticket, request.user, d)
    ):
        messages.success(request, _("The status is changed."))
        return redirect(
            "web:manage_support_ticket", business_slug=business.slug, ticket_id=ticket.pk
        )
    return _ticket_page(request, business, ticket, status=form, code=400)


@console_page(POST, needs=Capability.REWARDS)
def ticket_settle(request, business, ticket_id):
    """Settle a payment discrepancy with a ledger correction that names the ticket."""
    ticket = selectors.get_ticket(business, ticket_id)
    form = SettlementForm(request.POST, business=business)
    if form.is_valid() and _save(
        form, lambda d: services.settle_discrepancy(ticket, request.user, d)
    ):
        messages.success(request, _("The correction is in the books and the ticket is resolved."))
        return redirect(
            "web:manage_support_ticket", business_slug=business.slug, ticket_id=ticket.pk
        )
    return _ticket_page(request, business, ticket, settle=form, code=400)


@console_page(needs=Capability.SUPPORT)
def ticket_file(request, business, ticket_id, attachment_id):
    ticket = selectors.get_ticket(business, ticket_id)
    return _file_response(ticket, selectors.get_attachment(ticket, attachment_id, staff=True))


@console_page(GET_POST, needs=Capability.SUPPORT)
def canned(request, business):
    form = CannedReplyForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        if _save(form, lambda d: services.save_canned_reply(business, request.user, d)):
            messages.success(request, _("The canned reply is saved."))
            return redirect("web:manage_support_canned", business_slug=business.slug)
    return render(
        request,
        "web/manage/support/canned.html",
        {"form": form, "canned": selectors.canned_replies(business)},
        status=400 if form.errors else 200,
    )


@console_page(POST, needs=Capability.SUPPORT)
def canned_delete(request, business, canned_id):
    services.delete_canned_reply(business, request.user, canned_id)
    messages.success(request, _("The canned reply is deleted."))
    return redirect("web:manage_support_canned", business_slug=business.slug)


@console_page(GET_POST, needs=Capability.SUPPORT)
def sla_targets(request, business):
    form = SlaTargetForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        if _save(form, lambda d: services.set_sla_target(business, request.user, d)):
            messages.success(request, _("The targets are saved; they apply to new tickets."))
            return redirect("web:manage_support_sla", business_slug=business.slug)
    targets = selectors.sla_targets(business)
    rows = [(label, *targets[value]) for value, label in Category.choices]
    return render(
        request,
        "web/manage/support/sla.html",
        {"form": form, "rows": rows, "has_hours": bool(business.opening_hours)},
        status=400 if form.errors else 200,
    )


@console_page(GET_POST, needs=Capability.SUPPORT)
def faq(request, business):
    form = FaqEntryForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        if _save(form, lambda d: services.save_faq_entry(business, request.user, d)):
            messages.success(request, _("The FAQ entry is saved."))
            return redirect("web:manage_support_faq", business_slug=business.slug)
    return render(
        request,
        "web/manage/support/faq.html",
        {"form": form, "entries": selectors.faq_entries(business)},
        status=400 if form.errors else 200,
    )


@console_page(POST, needs=Capability.SUPPORT)
def faq_delete(request, business, faq_id):
    services.delete_faq_entry(business, request.user, faq_id)
    messages.success(request, _("The FAQ entry is deleted."))
    return redirect("web:manage_support_faq", business_slug=business.slug)
