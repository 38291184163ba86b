"""Support: questions and problems brought to a business by its peers (in their app), by
consumers without an account (through a ticket's link) and by its staff.

- A `Ticket` has a category, a status, an optional assignee and optional links to the block,
  match, reward or payout it is about; its `token` is the consumer's key to it (the link
  e-mailed to them, as a matching request's). Its SLA deadlines are in business hours
  (`sla.py`); `due_at` is the next one still running, so that the queue sorts by time left.
- A `Message` is one post in its thread; an internal one is a note only staff see.
- An `Attachment` is an image (re-encoded, without metadata) or a PDF, stored in the default
  storage under a name the public media view never serves.
- `CannedReply`: a ready answer in both languages; `SlaTarget`: a business's own targets for
  a category (the defaults are `sla.DEFAULT_TARGETS`).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


def new_token():
    return secrets.token_urlsafe(24)


class Category(models.TextChoices):
    QUESTION = "question", pgettext_lazy("ticket category", "Question")
    PAYMENT = "payment", pgettext_lazy("ticket category", "Payment discrepancy")
    NO_SHOW = "no_show", pgettext_lazy("ticket category", "No-show")
    SAFETY = "safety", pgettext_lazy("ticket category", "Safety")
    COMPLAINT = "complaint", pgettext_lazy("ticket category", "Complaint")
    DAMAGE = "damage", pgettext_lazy("ticket category", "Damage to a rented asset")
    OTHER = "other", pgettext_lazy("ticket category", "Other")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    WAITING = "waiting", pgettext_lazy("ticket status", "Waiting on requester")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class RequesterKind(models.TextChoices):
    PEER = "peer", pgettext_lazy("requester", "Peer")
    CONSUMER = "consumer", pgettext_lazy("requester", "Visitor")
    STAFF = "staff", pgettext_lazy("requester", "Staff")


class Ticket(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    subject = models.CharField(_("subject"), max_length=160)
    requester_kind = models.CharField(max_length=10, choices=RequesterKind.choices)
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    requester_name = models.CharField(_("name"), max_length=80, blank=True)
    requester_email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="it")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    block = models.ForeignKey(
        "scheduling.Block", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    match = models.ForeignKey(
        "matching.Match", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payout = models.ForeignKey(
        "rewards.Payout", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # the ledger correction that settled a payment discrepancy (its memo names the ticket)
    correction = models.ForeignKey(
        "rewards.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # SLA, in business hours from when the ticket was opened (see sla.py)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    # the next deadline still running (first response, then resolution); None once done
    due_at = models.DateTimeField(null=True, blank=True)
    # a breach is told once: when each warning left
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["business", "due_at"], name="ticket_business_due"),
            models.Index(fields=["business", "status", "due_at"], name="ticket_business_status"),
            models.Index(fields=["business", "peer"], name="ticket_business_peer"),
            models.Index(
                fields=["due_at"],
                name="ticket_due_running",
                condition=Q(due_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def is_closed(self):
        return self.status == TicketStatus.CLOSED

    @property
    def is_done(self):
        return self.status in DONE_STATUSES


class Message(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    internal = models.BooleanField(_("internal note"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self):
        return f"{self.ticket_id}: {self.body[:40]}"


class Attachment(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    stored = models.CharField(max_length=200)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class CannedReply(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=80)
    body_it = models.TextField(_("text (Italian)"))
    body_en = models.TextField(_("text (English)"))

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title

    def body_in(self, language):
        language = (language or get_language() or "it")[:2]
        return (self.body_en if language == "en" else self.body_it) or self.body_it or self.body_en


class SlaTarget(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "category"], name="sla_target_unique")
        ]

    def __str__(self):
        return self.category


class FaqEntry(models.Model):
    """A question the business answers once for everyone, in both languages. Searched with
    the database's full-text search (`sql.py`) as a requester types a ticket."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    question_it = models.CharField(_("question (Italian)"), max_length=200)
    answer_it = models.TextField(_("answer (Italian)"))
    question_en = models.CharField(_("question (English)"), max_length=200)
    answer_en = models.TextField(_("answer (English)"))
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["question_it", "pk"]

    def __str__(self):
        return self.question_it

    def question(self, language=None):
        language = (language or get_language() or "it")[:2]
        return (self.question_en if language == "en" else self.question_it) or self.question_it

    def answer(self, language=None):
        language = (language or get_language() or "it")[:2]
        return (self.answer_en if language == "en" else self.answer_it) or self.answer_it


class Deflection(models.Model):
    """A requester read an entry and said it answered them: a ticket not opened."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="deflections")
    query = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    def __str__(self):
        return f"{self.entry_id}: {self.query}"
