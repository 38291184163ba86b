"""People's rights (GDPR) for support: the tickets a person opened (as a peer, or as a visitor
by their address), their threads and files (see `tenancy.privacy` for the interface).

Erasure keeps each ticket's money trail (its category and status, and the reward, payout or
ledger correction it was about) and removes the personal words: the subject becomes "Ticket
#id", the requester's name and address go, every message of the thread loses its text (staff
replies too: they answer the person by name and quote them), the attached files are deleted and
the ticket's link stops working. The self-service export holds the thread as the person saw
it; staff's internal notes are left out of it (they are working notes about a case, which may
name others; staff give them on request after reading them through)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import by_email, rows, words

from .models import Attachment, Message, Ticket, new_token

TABLES = {
    "tickets": _("The questions and problems you brought to the shop's support."),
    "messages": _("The messages of those tickets, yours and the shop's answers."),
    "files": _("The files attached to them (their names; the files are not copied here)."),
}


def tickets_of(business, user, emails):
    peer = peer_of(business, user)
    found = Q(pk__in=by_email(Ticket.objects.filter(business=business), emails, "requester_email"))
    if peer is not None:
        found |= Q(peer=peer)
    return Ticket.objects.filter(business=business).filter(found)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    tickets = tickets_of(business, user, emails)
    return {
        "tickets": rows(
            tickets.order_by("created_at", "pk"),
            [
                ("id", "pk"),
                "category",
                "status",
                "subject",
                "requester_name",
                "requester_email",
                "language",
                "created_at",
                "resolved_at",
            ],
        ),
        "messages": rows(
            Message.objects.filter(business=business, ticket__in=tickets, internal=False).order_by(
                "created_at", "pk"
            ),
            [("ticket", "ticket_id"), "from_staff", "body", "created_at"],
        ),
        "files": rows(
            Attachment.objects.filter(business=business, ticket__in=tickets).order_by("pk"),
            [("ticket", "ticket_id"), "name", "content_type", "size"],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    return {
        name
        for name in tickets_of(business, user, emails).values_list("requester_name", flat=True)
        if name
    }


def erase(business, *, user, emails, now) -> int:
    tickets = list(tickets_of(business, user, emails))
    changed = 0
    removed = words(business, _("[removed at the person's request]"))
    changed += Message.objects.filter(business=business, ticket__in=tickets).update(body=removed)
    if user is not None:  # their posts keep their place in a thread, by nobody
        changed += Message.objects.filter(business=business, author=user).update(author=None)
    files = Attachment.objects.filter(business=business, ticket__in=tickets)
    stored = list(files.values_list("stored", flat=True))
    changed += files.delete()[0]
    transaction.on_commit(lambda: [default_storage.delete(n) for n in stored if n])
    for ticket in tickets:
        ticket.subject = words(business, _("Ticket #%(number)d"), number=ticket.pk)
        ticket.requester_name = ""
        ticket.requester_email = ""
        ticket.token = new_token()  # the e-mailed link stops working
        ticket.save()
        changed += 1
    return changed
