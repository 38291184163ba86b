"""People's rights (GDPR) for the outbox: the e-mails and text messages a business sent to a
person's address (see `tenancy.privacy` for the interface; this base layer imports no app, so
the kit's few lines it needs are its own).

Erasure deletes the business's messages to the person, and `forget_mentions` the messages to
others that named them (a new application told to the owner, a visitor's name in a peer's
proposal). `forget_delivered` deletes a message once it has left: the e-mail that tells the
person their data was erased is the last thing the business sends them, and is not kept."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import OutboxMessage, OutboxStatus

TABLES = {
    "messages": _(
        "The e-mails and text messages the business sent you (links already used are cut out)."
    ),
}

# A mention shorter than this would match ordinary words ("Ada" in "Adattatore").
MIN_MENTION = 4


def _to(business, emails):
    if not emails:
        return OutboxMessage.objects.none()
    match = Q()
    for email in sorted(emails):
        match |= Q(recipient__iexact=email)
    return OutboxMessage.objects.filter(business=business).filter(match)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    found = _to(business, emails).order_by("created_at", "pk")
    return {
        "messages": [
            {
                "channel": m["channel"],
                "to": m["recipient"],
                "subject": m["subject"],
                "text": m["body_text"],
                "status": m["status"],
                "created_at": m["created_at"].isoformat(),
                "sent_at": m["sent_at"].isoformat() if m["sent_at"] else None,
            }
            for m in found.values(
                "channel", "recipient", "subject", "body_text", "status", "created_at", "sent_at"
            )
        ]
    }


def erase(business, *, user, emails, now) -> int:
    deleted, _per_model = _to(business, emails).delete()
    return deleted


def forget_mentions(business, texts) -> int:
    """Delete the business's messages to anyone whose subject or text holds one of `texts`
    (addresses and names of an erased person)."""
    match = Q()
    for text in {t.strip() for t in texts if t and len(t.strip()) >= MIN_MENTION}:
        match |= Q(subject__icontains=text) | Q(body_text__icontains=text)
        match |= Q(body_html__icontains=text) | Q(recipient__iexact=text)
    if not match:
        return 0
    deleted, _per_model = OutboxMessage.objects.filter(business=business).filter(match).delete()
    return deleted


def forget_delivered(business, message_ids) -> list[int]:
    """Delete those of the messages that have left (sent, or given up); return the ids of the
    ones still waiting to leave."""
    ids = [i for i in message_ids if i]
    gone = OutboxMessage.objects.filter(business=business, pk__in=ids).exclude(
        status=OutboxStatus.PENDING
    )
    left = set(gone.values_list("pk", flat=True))
    gone.delete()
    existing = set(
        OutboxMessage.objects.filter(business=business, pk__in=ids).values_list("pk", flat=True)
    )
    return sorted(existing - left)
