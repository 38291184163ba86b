"""Scheduling: blocks of work with a capacity, the claims peers make on them, waitlists and
the fairness limits of a program. Times are stored in UTC.

The database itself refuses overbooking (a check constraint keeps `seats_taken` between 0 and
`capacity`) and two active claims of one peer on one block (a partial unique constraint); on
PostgreSQL an exclusion constraint also refuses two overlapping active claims of one peer.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class BlockStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("block status", "Open")
    CANCELLED = "cancelled", pgettext_lazy("block status", "Cancelled")


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("claim status", "Claimed")
    RELEASED = "released", pgettext_lazy("claim status", "Released")
    NO_SHOW = "no_show", pgettext_lazy("claim status", "No-show")
    COMPLETED = "completed", pgettext_lazy("claim status", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("claim status", "Cancelled by the business")


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("waitlist status", "Waiting")
    PROMOTED = "promoted", pgettext_lazy("waitlist status", "Got a seat")
    LEFT = "left", pgettext_lazy("waitlist status", "Left")
    SKIPPED = "skipped", pgettext_lazy("waitlist status", "Skipped (not eligible)")


class ReliabilityEventKind(models.TextChoices):
    LATE_RELEASE = "late_release", pgettext_lazy("reliability event", "Late release")
    NO_SHOW = "no_show", pgettext_lazy("reliability event", "No-show")


def _coordinate(name, limit):
    return models.DecimalField(
        name,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-limit), MaxValueValidator(limit)],
    )


class BlockFields(models.Model):
    """What a block and the template that makes blocks have in common."""

    place_name = models.CharField(_("place"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = _coordinate(_("latitude"), 90)
    longitude = _coordinate(_("longitude"), 180)
    is_remote = models.BooleanField(_("remote"), default=False)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=1, validators=[MinValueValidator(1)]
    )
    reward_minor = models.BigIntegerField(
        _("reward (minor units)"), default=0, validators=[MinValueValidator(0)]
    )
    reward_currency = models.CharField(_("reward currency"), max_length=3, default="EUR")
    reward_points = models.IntegerField(
        _("reward points"), default=0, validators=[MinValueValidator(0)]
    )
    required_languages = models.JSONField(
        _("required languages"),
        default=list,
        blank=True,
        help_text=_("A peer needs at least one of these languages."),
    )
    min_reliability = models.PositiveSmallIntegerField(
        _("minimum reliability"), default=0, validators=[MaxValueValidator(100)]
    )
    max_distance_km = models.PositiveSmallIntegerField(
        _("only peers within (km)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    check_in_radius_m = models.PositiveIntegerField(
        _("check-in only within (metres)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        abstract = True

    @property
    def skill_slugs(self) -> list[str]:
        """The slugs of the skills it asks for, from the skills read with it (a selector's
        prefetch, or the service that set them)."""
        return [skill.slug for skill in self.required_skills.all()]

    @property
    def skill_names(self) -> list[str]:
        """The names of the skills it asks for, read like `skill_slugs`."""
        return [str(skill.name) for skill in self.required_skills.all()]

    def remember_skills(self, skills) -> None:
        """Keep `skills` as the skills it asks for, as a prefetch would: the service that has
        just set them knows them, and nobody needs to read them again."""
        cache = self.__dict__.setdefault("_prefetched_objects_cache", {})
        cache.pop("required_skills", None)
        queryset = self.required_skills.all()
        queryset._result_cache = list(skills)
        queryset._prefetch_done = True
        cache["required_skills"] = queryset


class BlockTemplate(BlockFields):
    """A recurrence (RFC 5545 RRULE) that blocks were created from, in local wall-clock time."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="block_templates",
        verbose_name=_("program"),
    )
    rrule = models.TextField(_("recurrence rule"))
    dtstart_local = models.CharField(
        _("first start (local time)"),
        max_length=19,
        help_text=_("Wall-clock time in the business's time zone, e.g. 2025-03-01T10:00:00."),
    )
    timezone = models.CharField(_("time zone"), max_length=64)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    exdates = models.JSONField(_("exception dates"), default=list, blank=True)
    required_skills = models.ManyToManyField(
        "peers.Skill", blank=True, related_name="+", verbose_name=_("required skills")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("block template")
        verbose_name_plural = _("block templates")

    def __str__(self):
        return f"{self.rrule} @ {self.dtstart_local}"


class Block(BlockFields):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="blocks")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    seats_taken = models.PositiveSmallIntegerField(_("seats taken"), default=0)
    required_skills = models.ManyToManyField(
        "peers.Skill", blank=True, related_name="blocks", verbose_name=_("required skills")
    )
    released_at = models.DateTimeField(
        _("claimable from"), default=timezone.now, help_text=_("Peers cannot claim it before.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BlockStatus.choices, default=BlockStatus.OPEN
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    # RFC 5545 SEQUENCE: raised on every change so that calendars pick the change up.
    sequence = models.PositiveIntegerField(default=0)
    template = models.ForeignKey(
        BlockTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blocks",
        verbose_name=_("template"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="block_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="block_capacity_positive"),
            # The database's own guarantee against overbooking.
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=F("capacity")),
                name="block_seats_within_capacity",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "status", "starts_at"], name="block_open_by_start"),
            models.Index(fields=["program", "starts_at"], name="block_program_start"),
        ]

    def __str__(self):
        return f"{self.program} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def seats_left(self):
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self):
        return self.seats_taken >= self.capacity

    @property
    def duration(self):
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self):
        return int(self.duration.total_seconds() // 60)

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None


class Claim(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    # No index of their own: claim_block_status and claim_peer_status_start begin with them.
    block = models.ForeignKey(
        Block, on_delete=models.CASCADE, related_name="claims", db_index=False
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.CASCADE, related_name="claims", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE
    )
    # Copied from the block so that overlaps of one peer's claims are checked (and, on
    # PostgreSQL, constrained) on this table alone.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_late = models.BooleanField(_("released late"), default=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    # When the reminders went out, so that each is sent once.
    reminded_24h_at = models.DateTimeField(_("reminded a day before"), null=True, blank=True)
    reminded_1h_at = models.DateTimeField(_("reminded an hour before"), null=True, blank=True)
    promoted_from_waitlist = models.BooleanField(default=False)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["block", "peer"],
                condition=Q(status="active"),
                name="claim_one_active_per_block",
            ),
            models.UniqueConstraint(
                fields=["peer", "idempotency_key"], name="claim_unique_idempotency_key"
            ),
        ]
        indexes = [
            models.Index(fields=["peer", "status", "starts_at"], name="claim_peer_status_start"),
            models.Index(fields=["block", "status"], name="claim_block_status"),
        ]

    def __str__(self):
        return f"{self.peer} → {self.block}"


class WaitlistEntry(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="waitlist")
    peer = models.ForeignKey("peers.Peer", on_delete=models.CASCADE, related_name="waitlist")
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]  # first come, first served
        constraints = [
            models.UniqueConstraint(
                fields=["block", "peer"],
                condition=Q(status="waiting"),
                name="waitlist_one_waiting_per_block",
            )
        ]

    def __str__(self):
        return f"{self.peer} ⏳ {self.block}"


class FairnessLimits(models.Model):
    """The protection a program owes its peers, so that a few fast clickers cannot take all."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="fairness_limits"
    )
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("maximum hours per peer per week"), default=20, validators=[MinValueValidator(1)]
    )
    min_rest_minutes = models.PositiveIntegerField(
        _("minimum rest between blocks (minutes)"), default=60
    )
    max_future_blocks = models.PositiveSmallIntegerField(
        _("maximum future blocks one peer may hold"), default=5, validators=[MinValueValidator(1)]
    )
    forfeit_cutoff_minutes = models.PositiveIntegerField(
        _("peers may release up to (minutes before start)"), default=60
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("fairness limits")
        verbose_name_plural = _("fairness limits")

    def __str__(self):
        return str(self.program)


class ReliabilityEvent(models.Model):
    """A late release or a no-show, for the trust capability's reliability score."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.CASCADE, related_name="reliability_events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReliabilityEventKind.choices)
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("reliability event")
        verbose_name_plural = _("reliability events")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.peer}: {self.get_kind_display()}"


class ScheduleEvent(models.Model):
    """An event other capabilities consume (`block.completed` → rewards), written in the same
    transaction as the change that causes it."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    kind = models.CharField(max_length=40, db_index=True)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    consumed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.kind} #{self.claim_id}"


class CalendarFeed(models.Model):
    """A peer's private iCalendar feed: a secret URL (only its hash is stored) they can revoke
    and replace."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(
        "peers.Peer",
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("peer"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["peer"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_peer",
            )
        ]

    def __str__(self):
        return f"{self.peer} ({'revoked' if self.revoked_at else 'active'})"


class SwapStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("swap status", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("swap status", "Accepted")
    DECLINED = "declined", pgettext_lazy("swap status", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("swap status", "Withdrawn")
    EXPIRED = "expired", pgettext_lazy("swap status", "Expired")


class SwapOffer(models.Model):
    """A peer offers their claim to a named peer; the claim moves only when that peer accepts.
    It expires at the block's forfeit cutoff."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="swap_offers")
    from_peer = models.ForeignKey(
        "peers.Peer",
        on_delete=models.CASCADE,
        related_name="swap_offers_made",
        verbose_name=_("offered by"),
    )
    to_peer = models.ForeignKey(
        "peers.Peer",
        on_delete=models.CASCADE,
        related_name="swap_offers_received",
        verbose_name=_("offered to"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING
    )
    created_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    new_claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("swap offer")
        verbose_name_plural = _("swap offers")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "to_peer"],
                condition=Q(status="pending"),
                name="swapoffer_one_pending_per_claim_and_peer",
            )
        ]
        indexes = [
            models.Index(fields=["to_peer", "status"], name="swapoffer_to_status"),
            models.Index(fields=["from_peer", "status"], name="swapoffer_from_status"),
        ]

    def __str__(self):
        return f"{self.from_peer} ⇄ {self.to_peer} ({self.status})"

    def status_at(self, now) -> str:
        """The offer's status at `now`: a pending offer whose time has passed is expired,
        whether or not that was written down yet (`status_is` is the same rule as a query)."""
        if self.status == SwapStatus.PENDING and self.expires_at <= now:
            return SwapStatus.EXPIRED
        return self.status

    @staticmethod
    def status_is(status, now) -> Q:
        """The offers whose `status_at(now)` is `status`."""
        if status == SwapStatus.EXPIRED:
            return Q(status=SwapStatus.EXPIRED) | Q(status=SwapStatus.PENDING, expires_at__lte=now)
        if status == SwapStatus.PENDING:
            return Q(status=SwapStatus.PENDING, expires_at__gt=now)
        return Q(status=status)
