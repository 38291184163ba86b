"""Reminders 24 hours and 1 hour before a block, sent by the worker's periodic sweep.

Each reminder is sent once: the claim row is locked, its timestamp re-checked and set in the
same short transaction that writes the e-mail to the outbox, so two workers sweeping at the
same time never send the same reminder twice.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from peerarmy.notifications.services import enqueue_email

from .models import BlockStatus, Claim, ClaimStatus


@dataclass(frozen=True)
class Reminder:
    field: str  # the claim's timestamp that says it was sent
    lead: timedelta  # sent once the block starts within this
    until: timedelta  # ...and no later than this before the start (the next reminder's turn)
    kind: str


DAY_BEFORE = Reminder("reminded_24h_at", timedelta(hours=24), timedelta(hours=1), "24h")
HOUR_BEFORE = Reminder("reminded_1h_at", timedelta(hours=1), timedelta(0), "1h")
REMINDERS = (DAY_BEFORE, HOUR_BEFORE)


def _due(reminder, now):
    """Active claims on open blocks starting in (now + until, now + lead], not yet reminded."""
    return Claim.objects.filter(
        status=ClaimStatus.ACTIVE,
        block__status=BlockStatus.OPEN,
        starts_at__gt=now + reminder.until,
        starts_at__lte=now + reminder.lead,
        **{f"{reminder.field}__isnull": True},
    )


def send_due_reminders(now=None) -> int:
    """Send every reminder that is due, for every business; return how many were sent."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():
        for reminder in REMINDERS:
            ids = list(_due(reminder, now).order_by("starts_at", "pk").values_list("pk", flat=True))
            for claim_id in ids:
                sent += _send(reminder, claim_id, now)
    return sent


@transaction.atomic
def _send(reminder, claim_id, now) -> int:
    # Lock the row and check again: another worker may have sent it since the read above.
    claim = (
        _due(reminder, now)
        .select_for_update(of=("self",))
        .select_related("block__business", "block__program", "peer__user")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        return 0
    setattr(claim, reminder.field, now)
    claim.save(update_fields=[reminder.field])
    block, peer = claim.block, claim.peer
    business = block.business
    with timezone.override(business.tzinfo):
        enqueue_email(
            business=business,
            to=peer.user.email,
            language=peer.user.language or business.default_language,
            template="scheduling/email/reminder",
            event=f"block.reminder_{reminder.kind}",
            context={
                "peer": peer,
                "block": block,
                "program": block.program,
                "starts_local": timezone.localtime(block.starts_at, business.tzinfo),
                "ends_local": timezone.localtime(block.ends_at, business.tzinfo),
                "hour_before": reminder is HOUR_BEFORE,
                "schedule_url": f"{settings.SITE_URL}/{business.slug}/me/blocks/",
            },
        )
    return 1
