"""Writing messages to the outbox and delivering them."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from .models import DeliveryAttempt, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


def enqueue_email(
    *, business, to, template, context, language, event, subject=None, attachments=None
):
    """Render an e-mail in the recipient's language and write it to the outbox.

    Call it inside the transaction of the change that causes it: if that transaction rolls
    back, the message disappears with it. Delivery starts once the transaction commits.
    `template` names the templates `<template>_subject.txt` and `<template>.txt`.
    """
    ctx = {"business": business, "site_url": settings.SITE_URL, **context}
    with translation.override(language):
        if subject is None:
            subject = render_to_string(f"{template}_subject.txt", ctx).strip()
        body_text = render_to_string(f"{template}.txt", ctx)
    return enqueue_email_rendered(
        business=business,
        to=to,
        subject=subject,
        body_text=body_text,
        language=language,
        event=event,
        attachments=attachments,
    )


def enqueue_email_rendered(
    *, business, to, subject, body_text, language, event, body_html="", attachments=None
):
    """Write an already rendered e-mail to the outbox; delivery starts after commit."""
    message = OutboxMessage.objects.create(
        business=business,
        channel=OutboxMessage.Channel.EMAIL,
        event=event,
        recipient=to,
        subject=" ".join(subject.split())[:255],
        body_text=body_text,
        body_html=body_html,
        language=language,
        next_attempt_at=timezone.now(),
        attachments=attachments or [],
    )
    _schedule_delivery(message.pk)
    return message


def _schedule_delivery(message_id, run_after=None):
    from .tasks import deliver_message

    def enqueue():
        task = deliver_message
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return  # the worker's periodic sweep (deliver_due) picks it up
            task = task.using(run_after=run_after)
        task.enqueue(message_id)

    transaction.on_commit(enqueue)


def backoff(attempts: int) -> timedelta:
    """Exponential: 30 s, 1 min, 2 min, 4 min, ... capped at 6 hours."""
    seconds = settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, 6 * 3600))


# While one worker sends a message, others leave it alone for this long.
CLAIM_LEASE = timedelta(minutes=5)


def deliver(message_id) -> str:
    """Try to deliver one message; on failure schedule the next try. Returns the new status.

    The row is claimed in a short transaction and the send happens outside it, so a slow mail
    server never holds a database lock; two workers never send the same message twice.
    """
    with scopes_disabled():
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
            if message is None:
                return "missing"
            if message.status != OutboxStatus.PENDING or message.next_attempt_at > timezone.now():
                return message.status
            message.next_attempt_at = timezone.now() + CLAIM_LEASE
            message.save(update_fields=["next_attempt_at"])
        started = time.monotonic()
        error = ""
        try:
            _send(message)
        except Exception as exc:  # noqa: BLE001 - any transport error is retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
        with transaction.atomic():
            message.attempts += 1
            DeliveryAttempt.objects.create(
                message=message,
                business=message.business,
                success=not error,
                error=error,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
            if not error:
                message.status = OutboxStatus.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
            else:
                message.last_error = error
                # The address is personal data: log the message id and event only.
                logger.warning(
                    "outbox message %s (%s) failed attempt %s",
                    message.pk,
                    message.event,
                    message.attempts,
                )
                if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                else:
                    message.next_attempt_at = timezone.now() + backoff(message.attempts)
                    _schedule_delivery(message.pk, run_after=message.next_attempt_at)
            message.save(
                update_fields=[
                    "attempts",
                    "status",
                    "sent_at",
                    "last_error",
                    "next_attempt_at",
                ]
            )
        return message.status


def _send(message):
    if message.channel != OutboxMessage.Channel.EMAIL:
        raise ValueError(f"unsupported channel {message.channel}")
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments or []:
        email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    email.send(fail_silently=False)


def deliver_due(limit=500) -> int:
    """Deliver every pending message whose time has come: the worker's safety net for
    messages whose task was lost (a crash between commit and enqueue)."""
    with scopes_disabled():
        ids = list(
            OutboxMessage.objects.filter(
                status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
    for message_id in ids:
        deliver(message_id)
    return len(ids)
