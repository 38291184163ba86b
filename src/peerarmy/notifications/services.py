"""Writing messages to the outbox and delivering them."""

import base64
import hashlib
import logging
import re
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from peerarmy.errors import InvalidTransition
from peerarmy.inputs import Outcome

from . import push, renderers, sms, sql
from .inputs import PushSubscriptionInput
from .models import DeliveryAttempt, OutboxMessage, OutboxStatus, PushSubscription

logger = logging.getLogger(__name__)


def enqueue_email(
    *,
    business,
    to,
    template,
    context,
    language,
    event,
    subject=None,
    attachments=None,
    secret_keys=(),
):
    """Render an e-mail in the recipient's language and write it to the outbox.

    Call it inside the transaction of the change that causes it: if that transaction rolls
    back, the message disappears with it. Delivery starts once the transaction commits.
    `template` names the templates `<template>_subject.txt` and `<template>.txt`.
    `secret_keys` names the context's working secrets (a link that signs in, confirms or
    accepts): they are cut out of the stored message once it is delivered.
    """
    subject, body_text = render_email(
        business=business, template=template, context=context, language=language, subject=subject
    )
    return enqueue_email_rendered(
        business=business,
        to=to,
        subject=subject,
        body_text=body_text,
        language=language,
        event=event,
        attachments=attachments,
        secrets=[str(context[key]) for key in secret_keys if context.get(key)],
    )


def render_email(*, business, template, context, language, subject=None):
    """(subject, text) of the e-mail `template` in `language`."""
    ctx = {"business": business, "site_url": settings.SITE_URL, **context}
    with translation.override(language):
        if subject is None:
            subject = render_to_string(f"{template}_subject.txt", ctx).strip()
        body_text = render_to_string(f"{template}.txt", ctx)
    return " ".join(subject.split())[:255], body_text


def enqueue_deferred(*, business_id, to, language, event, renderer, payload) -> int:
    """Write an e-mail that the renderer called `renderer` fills in when it is delivered
    (see renderers.py); one INSERT, for hot paths. Returns the message id."""
    now = timezone.now()
    message_id = sql.insert_message(
        business_id,
        {
            "channel": OutboxMessage.Channel.EMAIL.value,
            "event": event,
            "recipient": to,
            "subject": "",
            "body_text": "",
            "body_html": "",
            "payload": payload,
            "renderer": renderer,
            "attachments": [],
            "language": language,
            "redact": [],
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "last_error": "",
        },
    )
    _schedule_delivery(message_id)
    return message_id


def enqueue_email_rendered(
    *,
    business,
    to,
    subject,
    body_text,
    language,
    event,
    body_html="",
    attachments=None,
    secrets=(),
):
    """Write an already rendered e-mail to the outbox; delivery starts after commit.
    `secrets` (strings in the text) are cut out of it once it is delivered or given up."""
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
        redact=sorted({secret for secret in secrets if secret}, key=len, reverse=True),
    )
    _schedule_delivery(message.pk)
    return message


def enqueue_sms(*, business, to, text, language, event, redact=()):
    """Write a text message to `to` (an international number) to the outbox; it is sent by
    `settings.SMS_BACKEND` after commit, with the outbox's retries. `redact`: secrets in the
    text (a one-time code) that are cut out of what is kept once it is sent."""
    message = OutboxMessage.objects.create(
        business=business,
        channel=OutboxMessage.Channel.SMS,
        event=event,
        recipient=to,
        subject="",
        body_text=text,
        redact=list(redact),
        language=language,
        next_attempt_at=timezone.now(),
    )
    _schedule_delivery(message.pk)
    return message


def enqueue_push(*, business, subscription, notification: dict, language, event):
    """Write a web push message for the browser of `subscription` to the outbox; delivery
    starts after commit, with the e-mails' retries. `notification` is what the service worker
    shows: {"title", "body", "url"} (a link on this site), in the reader's language."""
    message = OutboxMessage.objects.create(
        business=business,
        channel=OutboxMessage.Channel.WEBPUSH,
        event=event,
        # the endpoint identifies the person's browser: the message names the row instead
        recipient=f"push subscription {subscription.pk}",
        subject=str(notification.get("title", ""))[:255],
        body_text=str(notification.get("body", "")),
        payload={"subscription_id": subscription.pk, "notification": notification},
        language=language,
        next_attempt_at=timezone.now(),
    )
    _schedule_delivery(message.pk)
    return message


def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


def subscribe_push(business, owner: str, data: PushSubscriptionInput) -> Outcome[PushSubscription]:
    """Keep a browser's push subscription for `owner` ("peer:42"); the caller has checked
    that the person acts for `owner`. A browser subscribed before (by anyone of the business)
    is the same row, now `owner`'s: a shared phone notifies whoever enabled it last."""
    if not push.is_configured():
        raise InvalidTransition(
            gettext("Web push is not set up on this installation."),
            code="push_not_configured",
        )
    with transaction.atomic():
        subscription, created = PushSubscription.objects.update_or_create(
            business=business,
            endpoint_hash=_endpoint_hash(data.endpoint),
            defaults={
                "owner": owner,
                "endpoint": data.endpoint,
                "p256dh": data.keys.p256dh,
                "auth": data.keys.auth,
            },
        )
    return Outcome(subscription, created=created)


def unsubscribe_push(business, owner: str, endpoint: str | None = None) -> int:
    """Forget `owner`'s browser with this endpoint, or all of their browsers without one;
    returns how many were forgotten (0 for another owner's)."""
    found = PushSubscription.objects.filter(business=business, owner=owner)
    if endpoint is not None:
        found = found.filter(endpoint_hash=_endpoint_hash(endpoint))
    deleted, _by_model = found.delete()
    return deleted


def _schedule_delivery(message_id, run_after=None):
    """Make sure the message gets delivered once the current transaction commits.

    With the database task queue (production) nothing more is written: the outbox table is
    itself the queue, and the worker's outbox relay (`peerarmy worker`) delivers due messages
    within a second, retries included. The change that causes a message pays for one INSERT.
    With any other task backend (the test settings' immediate one, which runs a task at once)
    the delivery task is enqueued after commit, so a rolled-back change sends nothing.
    """
    from .tasks import deliver_message

    task = deliver_message
    backend = task.get_backend()
    if _relay_delivers(backend):
        return
    if run_after is not None:
        if not backend.supports_defer:
            return  # the worker's relay picks it up when it is due
        task = task.using(run_after=run_after)
    transaction.on_commit(lambda: task.enqueue(message_id))


def _relay_delivers(backend):
    from django_tasks_db import DatabaseBackend

    return isinstance(backend, DatabaseBackend)


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
            if message.renderer and not message.body_text:
                _render(message)
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
                _redact(message)
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
                    _redact(message)
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
                    "subject",
                    "body_text",
                    "body_html",
                    "redact",
                ]
            )
        return message.status


def _redact(message):
    """Cut the message's working secrets out of what is kept of it: each link holding one
    becomes a note, in the message's language, that it was removed after sending."""
    if not message.redact:
        return
    with translation.override(message.language or settings.LANGUAGE_CODE):
        note = str(_("[link removed after sending]"))
    for secret in message.redact:
        # The whole link around the secret goes, up to a space, a quote or a tag's edge.
        link = re.compile(r"[^\s\"'<>]*" + re.escape(secret) + r"[^\s\"'<>]*")
        message.subject = link.sub(note, message.subject)[:255]
        message.body_text = link.sub(note, message.body_text)
        message.body_html = link.sub(note, message.body_html)
    message.redact = []


def _render(message):
    """Fill in a deferred message (see renderers.py) and keep the result, so a retry sends
    the same e-mail. A message whose subject is gone fails at once: retrying cannot help."""
    try:
        rendered = renderers.render(message)
    except renderers.RenderError:
        message.attempts = settings.OUTBOX_MAX_ATTEMPTS - 1  # the failure below is final
        raise
    message.subject = rendered.subject
    message.body_text = rendered.body_text
    message.body_html = rendered.body_html
    message.attachments = rendered.attachments
    with scopes_disabled():
        OutboxMessage.objects.filter(pk=message.pk).update(
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            attachments=message.attachments,
        )


def _send(message):
    if message.channel == OutboxMessage.Channel.WEBPUSH:
        _send_push(message)
        return
    if message.channel == OutboxMessage.Channel.SMS:
        sms.backend().send(message.recipient, message.body_text)
        return
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
        content = attachment["content"]
        if attachment.get("encoding") == "base64":  # a binary file (a PDF) kept as JSON text
            content = base64.b64decode(content)
        email.attach(attachment["filename"], content, attachment["mimetype"])
    email.send(fail_silently=False)


def _send_push(message):
    """One push message; a subscription that is gone (removed by its owner, or forgotten by
    its push service: then removed here) fails the message at once, with no retry."""
    with scopes_disabled():
        subscription = PushSubscription.objects.filter(
            pk=message.payload.get("subscription_id"), business_id=message.business_id
        ).first()
    if subscription is None:
        message.attempts = settings.OUTBOX_MAX_ATTEMPTS - 1  # the failure below is final
        raise push.PushGone("the browser's subscription was removed")
    try:
        push.send(subscription, message.payload.get("notification") or {})
    except push.PushGone:
        with scopes_disabled():
            PushSubscription.objects.filter(pk=subscription.pk).delete()
        message.attempts = settings.OUTBOX_MAX_ATTEMPTS - 1
        raise
    with scopes_disabled():
        PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())


def deliver_due(limit=500) -> int:
    """Deliver every pending message whose time has come (at most `limit`): the worker's
    outbox relay calls it in a loop. Several workers may run it at once: `deliver` leases
    each message, so none is sent twice."""
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
