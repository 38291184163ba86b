"""The outbox: every message is written in the same transaction as the change that causes it,
then delivered by a background task with retries; each try is logged."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class OutboxStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("message status", "Pending")
    SENT = "sent", pgettext_lazy("message status", "Sent")
    FAILED = "failed", pgettext_lazy("message status", "Failed")


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")
        WEBPUSH = "webpush", _("Web push")
        SMS = "sms", _("Text message")

    # Null only for messages that belong to no business (a sign-up before any application).
    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox",
        verbose_name=_("business"),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    event = models.CharField(_("event"), max_length=60)
    recipient = models.CharField(_("recipient"), max_length=320)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # A message written before it is rendered: the name of a renderer (see renderers.py) that
    # fills in subject, text and attachments from `payload` when the message is delivered.
    # Hot paths (a claim) save the milliseconds of rendering; the worker renders instead.
    renderer = models.CharField(_("renderer"), max_length=60, blank=True)
    # [{"filename": "block.ics", "mimetype": "text/calendar", "content": "..."}] (text only)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Working secrets in the text (a sign-in, confirmation or invitation link, a request's
    # key): they are needed until the message leaves, and are cut out of subject, text and
    # HTML as soon as it is sent or given up, so no database dump holds a usable link.
    redact = models.JSONField(_("secrets to remove after delivery"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at"]
        indexes = [
            # What the relay asks for: pending messages whose time has come. Sent and failed
            # messages stay out of it, so it stays small however long the history grows.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.get_channel_display()} ({self.get_status_display()})"


class PushSubscription(models.Model):
    """A browser that agreed to show this installation's notifications (the Push API's
    subscription: the push service's `endpoint` and the browser's keys). `owner` says whose
    device it is in the words of the app that asked for it ("peer:42"): the outbox knows no
    app. A push service that answers 404 or 410 has forgotten it, and so is it then."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    owner = models.CharField(_("owner"), max_length=40)
    endpoint = models.URLField(_("endpoint"), max_length=1000)
    # The endpoint's SHA-256: one row per browser (a long URL makes a poor unique key).
    endpoint_hash = models.CharField(max_length=64, editable=False)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("enabled"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("web push subscription")
        verbose_name_plural = _("web push subscriptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "endpoint_hash"], name="pushsubscription_one_per_browser"
            )
        ]
        indexes = [models.Index(fields=["business", "owner"], name="pushsubscription_owner")]

    def __str__(self):
        return f"{self.owner} ({self.pk})"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="log")
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    attempted_at = models.DateTimeField(auto_now_add=True)
    success = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-attempted_at"]

    def __str__(self):
        return f"{self.message_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S} ok={self.success}"
