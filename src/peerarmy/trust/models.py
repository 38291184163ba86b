"""Ratings (two-way, revealed together), their moderation log, and the stored reliability
scores with the business's trust settings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class TrustSettings(models.Model):
    """A business's rules for ratings and the reliability score (one row, made on first use)."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    rating_window_days = models.PositiveSmallIntegerField(
        _("days to rate"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How long after a completed block or meeting both sides may rate."),
    )
    half_life_days = models.PositiveSmallIntegerField(
        _("half-life of an event (days)"),
        default=180,
        validators=[MinValueValidator(7), MaxValueValidator(3650)],
    )
    # The business's day (in its time zone) of the last nightly recompute: once a night.
    recomputed_on = models.DateField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("trust settings")
        verbose_name_plural = _("trust settings")

    def __str__(self):
        return str(self.business)


class ReliabilityScore(models.Model):
    """A peer's reliability score as last computed, with its components."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.OneToOneField(
        "peers.Peer", on_delete=models.CASCADE, related_name="reliability_score"
    )
    score = models.FloatField(_("score"))
    components = models.JSONField(default=list)
    has_history = models.BooleanField(default=False)
    ratings = models.PositiveIntegerField(default=0)
    stars_avg = models.FloatField(null=True, blank=True)
    completed = models.PositiveIntegerField(default=0)
    taken_on = models.PositiveIntegerField(default=0)
    prior = models.FloatField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("reliability score")
        verbose_name_plural = _("reliability scores")

    def __str__(self):
        return f"{self.peer_id}: {self.score}"

    @property
    def completed_percent(self):
        if not self.taken_on:
            return None
        return round(100 * self.completed / self.taken_on)


class SubjectKind(models.TextChoices):
    CLAIM = "claim", pgettext_lazy("rated thing", "Block")
    MATCH = "match", pgettext_lazy("rated thing", "Meeting")


class RaterRole(models.TextChoices):
    CONSUMER = "consumer", pgettext_lazy("rater", "Visitor")
    PEER = "peer", pgettext_lazy("rater", "Peer")
    STAFF = "staff", pgettext_lazy("rater", "Staff")


class RatedParty(models.TextChoices):
    PEER = "peer", pgettext_lazy("rated party", "Peer")
    CONSUMER = "consumer", pgettext_lazy("rated party", "Visitor")


class Rating(models.Model):
    """One side's rating of one completed block claim or match."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    subject_kind = models.CharField(_("rated"), max_length=8, choices=SubjectKind.choices)
    claim = models.ForeignKey(
        "scheduling.Claim", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    match = models.ForeignKey(
        "matching.Match", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The peer of the claim or match, whichever side is rated (for the peer's lists).
    peer = models.ForeignKey("peers.Peer", on_delete=models.CASCADE, related_name="+")
    rater_role = models.CharField(_("rated by"), max_length=8, choices=RaterRole.choices)
    rated_party = models.CharField(_("who is rated"), max_length=8, choices=RatedParty.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)
    # Both sides are shown together: when the last side rates, or when the window closes.
    closes_at = models.DateTimeField(_("window closes"))
    revealed_at = models.DateTimeField(_("revealed"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("comment hidden"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "rater_role"],
                condition=Q(claim__isnull=False),
                name="rating_once_per_claim_side",
            ),
            models.UniqueConstraint(
                fields=["match", "rater_role"],
                condition=Q(match__isnull=False),
                name="rating_once_per_match_side",
            ),
        ]
        indexes = [models.Index(fields=["business", "peer", "rated_party"], name="rating_peer")]

    def __str__(self):
        return f"{self.get_rater_role_display()} → {self.stars}★"

    def is_revealed(self, now=None) -> bool:
        return self.revealed_at is not None or self.closes_at <= (now or timezone.now())

    @property
    def visible_comment(self) -> str:
        """The comment, unless staff hid it (its stars still count)."""
        return "" if self.hidden_at else self.comment


class ModerationAction(models.TextChoices):
    HIDE = "hide", pgettext_lazy("moderation", "Comment hidden")
    SHOW = "show", pgettext_lazy("moderation", "Comment shown again")


class RatingModeration(models.Model):
    """The moderation log: who hid (or showed again) which comment, when and why."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(_("action"), max_length=8, choices=ModerationAction.choices)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("moderation")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.rating_id}: {self.action}"
