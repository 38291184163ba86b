"""People's rights (GDPR): the requests to erase a person's data, which staff complete or refuse
within the legal month, and the audit trail of who saw and exported personal data.

Neither table keeps more of the person than it must. A pending request keeps the address it
came from (to reach the person and to find their data); once decided, a completed one keeps
only a keyed hash of it (`person`), so that the business can show it acted on a request without
keeping who made it. An access record names its subject by kind and number ("peer 12") or by
that hash, never by name or address."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class Via(models.TextChoices):
    WEB = "web", pgettext_lazy("privacy via", "Web")
    API = "api", pgettext_lazy("privacy via", "API")
    LINK = "link", pgettext_lazy("privacy via", "E-mailed link")
    CLI = "cli", pgettext_lazy("privacy via", "Command line")
    WORKER = "worker", pgettext_lazy("privacy via", "Background job")


class ErasureStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("erasure request", "Waiting for staff")
    COMPLETED = "completed", pgettext_lazy("erasure request", "Erased")
    REFUSED = "refused", pgettext_lazy("erasure request", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("erasure request", "Withdrawn")


class ErasureRequest(models.Model):
    """A person's request to have their data in this business erased (GDPR art. 17)."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    # who asked: the address while it is needed, and always its keyed hash
    email = models.EmailField(_("e-mail address"), blank=True)
    person = models.CharField(_("person (hash)"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    language = models.CharField(_("language"), max_length=8, default="it")
    close_account = models.BooleanField(
        _("close the account too"),
        default=False,
        help_text=_("Asked for, and done when no other business holds the person."),
    )
    via = models.CharField(_("made through"), max_length=8, choices=Via.choices)
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("answer due by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal_reason = models.TextField(_("why it was refused"), blank=True)
    # what the erasure did: {"rows": 42, "account_closed": true, "kept": [...]} (no personal data)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    reminded_at = models.DateTimeField(_("staff reminded"), null=True, blank=True)
    # the outbox messages that told the person the outcome: deleted once they have left
    outcome_messages = models.JSONField(default=list, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["due_at", "pk"]
        constraints = [
            # one request waits per person: asking again finds the same one
            models.UniqueConstraint(
                fields=["business", "person"],
                condition=models.Q(status="pending"),
                name="privacy_one_pending_erasure",
            )
        ]
        indexes = [
            models.Index(fields=["business", "status", "due_at"], name="privacy_erasure_due")
        ]

    def __str__(self):
        return f"#{self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ErasureStatus.PENDING

    def is_overdue(self, now) -> bool:
        return self.is_pending and self.due_at < now


class AccessAction(models.TextChoices):
    VIEWED = "viewed", pgettext_lazy("access", "Viewed")
    EXPORTED = "exported", pgettext_lazy("access", "Exported")
    ERASED = "erased", pgettext_lazy("access", "Erased")


class AccessRecord(models.Model):
    """One time someone saw, exported or erased personal data: who (a member, or the person
    themselves), what, how, when. Never changed; kept as the business's record of
    accountability (GDPR art. 5(2))."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # the person acting on their own data (no member): their row says so, and who they are
    # is the subject
    by_subject = models.BooleanField(_("by the person themselves"), default=False)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    # what: "peer_detail", "peers_csv", "data_export", "erasure", ... (see `services.WHAT`)
    what = models.CharField(_("what"), max_length=40)
    # whose: "peer 12", "customer 40", "person 1f3a…" (a hash), "list" for a list of many
    subject = models.CharField(_("whose"), max_length=80)
    via = models.CharField(_("through"), max_length=8, choices=Via.choices)
    at = models.DateTimeField(_("when"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["business", "-at"], name="privacy_access_when")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject}"


class DataLink(models.Model):
    """The link e-mailed to a person without an account, to see, download and ask to erase
    their data: its token is signed (`services.link_token`) and carries this row's id and a
    nonce, of which only the hash is kept. It works for `LINK_HOURS`, in this business only,
    and only ever for the address it was sent to."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    email = models.EmailField(_("e-mail address"))
    nonce_hash = models.CharField(max_length=64)
    language = models.CharField(_("language"), max_length=8, default="it")
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("valid until"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("data link")
        verbose_name_plural = _("data links")
        indexes = [
            models.Index(fields=["business", "email", "created_at"], name="privacy_link_sent")
        ]

    def __str__(self):
        return f"#{self.pk} until {self.expires_at:%Y-%m-%d %H:%M}"
