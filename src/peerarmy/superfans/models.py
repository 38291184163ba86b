"""Superfan scores with their explanation, per-business weights, and invitations."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class WholeJSONField(models.JSONField):
    """JSON that is written in bulk and read whole, never queried inside: PostgreSQL stores it
    as `json` (checked text) rather than `jsonb`, which costs seconds to parse and index when
    a whole business is re-scored."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is not None and not isinstance(value, str):
            return value  # psycopg already decoded a `json` column
        return super().from_db_value(value, expression, connection)


class ScoringSettings(models.Model):
    """A business's weights (they are normalised, so only their ratios matter) and segments."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="scoring_settings"
    )
    weight_recency = models.PositiveSmallIntegerField(_("recency"), default=15)
    weight_frequency = models.PositiveSmallIntegerField(_("frequency"), default=20)
    weight_monetary = models.PositiveSmallIntegerField(_("spend"), default=25)
    weight_nps = models.PositiveSmallIntegerField(_("NPS"), default=15)
    weight_reviews = models.PositiveSmallIntegerField(_("reviews"), default=10)
    weight_referrals = models.PositiveSmallIntegerField(_("referrals"), default=10)
    weight_mentions = models.PositiveSmallIntegerField(_("social mentions"), default=5)
    superfan_threshold = models.PositiveSmallIntegerField(
        _("superfan from score"), default=60, validators=[MaxValueValidator(100)]
    )
    top_percent = models.PositiveSmallIntegerField(
        _("or in the top %"), default=10, validators=[MaxValueValidator(100)]
    )
    lapsed_after_days = models.PositiveSmallIntegerField(_("lapsed after (days)"), default=365)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")

    def __str__(self):
        return str(self.business)


class SuperfanScore(models.Model):
    # No index of its own: the (business, -score) index below serves every lookup by business.
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="superfan_score"
    )
    score = models.FloatField(_("score"))
    best_score = models.FloatField(_("best score so far"), default=0)
    components = WholeJSONField(_("components"), default=list)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    spend_minor = models.BigIntegerField(_("spend (minor units)"), default=0)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("latest NPS"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("superfan score")
        verbose_name_plural = _("superfan scores")
        ordering = ["-score"]
        indexes = [models.Index(fields=["business", "-score"])]

    def __str__(self):
        return f"{self.customer}: {self.score:.0f}"


class InvitationStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("invitation", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
    EXPIRED = "expired", pgettext_lazy("invitation", "Expired")
    REVOKED = "revoked", pgettext_lazy("invitation", "Revoked")


class Invitation(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="invitations"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("customer"),
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("program"),
    )
    # The signed link carries a random nonce; only its hash is stored.
    nonce_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SENT,
        db_index=True,
    )
    language = models.CharField(_("language"), max_length=8, default="it")
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    peer = models.ForeignKey(
        "peers.Peer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("peer"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.customer} ({self.get_status_display()})"

    @property
    def current_status(self) -> str:
        """The status as people see it: an open invitation past its date has expired, even
        before the worker's sweep writes it down."""
        if self.status == InvitationStatus.SENT and self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return self.status
