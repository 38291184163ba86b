"""Matching: consumers ask for a local (a guide, a layover companion), the engine proposes the
best available peer, the peer accepts or declines before a deadline.

- `MatchingSettings` of a `guides` or `layover` program: its interests, the meeting length or
  the layover's minimum free time, the deadline to answer, the perks and the cost weights.
- A peer offers a `MatchingProfile` (weekly limit, interests), `WeeklyAvailability` slots in
  local wall-clock time and `DayOff` exceptions; their languages and home area are on the peer.
- A `MatchRequest` is public (no account): its `token` is the link the consumer receives; it
  counts only once its e-mail address is confirmed.
- A `Match` is one proposal to one peer and what became of it; a request has at most one live
  match (proposed or accepted, enforced by the database) and any number of past ones.
- A `MatchRun` is one solve of a program's open requests, with its results kept for staff.
Times are stored in UTC.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


def new_token():
    return secrets.token_urlsafe(24)


def _coordinate(name, limit, **kwargs):
    return models.DecimalField(
        name,
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-limit), MaxValueValidator(limit)],
        **kwargs,
    )


class MatchingSettings(models.Model):
    """How a guides or layover program matches; one row per program, saved by its first change
    or run (until then a read gets the defaults, unsaved: `selectors.settings_of`)."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.OneToOneField(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="matching",
        verbose_name=_("program"),
    )
    interests = models.JSONField(
        _("interests"),
        default=list,
        blank=True,
        help_text=_('A list of {"slug", "name_it", "name_en"} consumers and peers choose from.'),
    )
    airports = models.JSONField(
        _("airports"),
        default=list,
        blank=True,
        help_text=_(
            'Layover programs: a list of {"code", "name", "lat", "lon"} travellers arrive at.'
        ),
    )
    latitude = _coordinate(_("default meeting point: latitude"), 90, null=True, blank=True)
    longitude = _coordinate(_("default meeting point: longitude"), 180, null=True, blank=True)
    meeting_minutes = models.PositiveSmallIntegerField(
        _("meeting length (minutes)"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)],
        help_text=_("How long a peer must be free inside the consumer's window."),
    )
    min_free_minutes = models.PositiveSmallIntegerField(
        _("minimum free time of a layover (minutes)"),
        default=360,
        validators=[MinValueValidator(60), MaxValueValidator(48 * 60)],
        help_text=_("A layover shorter than this between arrival and departure is refused."),
    )
    max_group_size = models.PositiveSmallIntegerField(
        _("largest group"), default=6, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    max_distance_km = models.PositiveSmallIntegerField(
        _("only peers within (km)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    answer_within_hours = models.PositiveSmallIntegerField(
        _("hours a peer has to answer"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    per_day = models.PositiveSmallIntegerField(
        _("matches a peer can have on one day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    perks = models.JSONField(
        _("perks paid by the business"),
        default=list,
        blank=True,
        help_text=_(
            'A list of {"name_it", "name_en", "amount_minor"}, paid to the peer when the match is completed.'
        ),
    )
    weight_distance = models.PositiveSmallIntegerField(_("weight: distance, per km"), default=10)
    weight_interest = models.PositiveSmallIntegerField(
        _("weight: interests not shared"), default=40
    )
    weight_language = models.PositiveSmallIntegerField(_("weight: language level"), default=30)
    weight_reliability = models.PositiveSmallIntegerField(_("weight: reliability"), default=30)
    weight_rating = models.PositiveSmallIntegerField(_("weight: rating"), default=20)
    weight_fairness = models.PositiveSmallIntegerField(_("weight: fairness"), default=15)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")

    def __str__(self):
        return str(self.program)

    def interest_names(self, language=None) -> dict[str, str]:
        lang = (language or get_language() or "it")[:2]
        names = {}
        for item in self.interests:
            name = item.get(f"name_{lang}") or item.get("name_it") or item.get("name_en")
            names[item["slug"]] = name or item["slug"]
        return names

    def perk_names(self, perks=None, language=None) -> list[str]:
        lang = (language or get_language() or "it")[:2]
        return [
            p.get(f"name_{lang}") or p.get("name_it") or p.get("name_en") or ""
            for p in (self.perks if perks is None else perks)
        ]


class MatchingProfile(models.Model):
    """What a peer offers to matching programs besides their languages and home area."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.OneToOneField(
        "peers.Peer", on_delete=models.CASCADE, related_name="matching", verbose_name=_("peer")
    )
    accepting = models.BooleanField(
        _("I accept requests"),
        default=True,
        help_text=_("Untick to pause: no new proposals until you tick it again."),
    )
    max_per_week = models.PositiveSmallIntegerField(
        _("most matches a week"),
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(21)],
    )
    interests = models.JSONField(_("interests"), default=list, blank=True)
    # Given to the visitors the peer accepts (a call or a WhatsApp message), never before.
    phone = models.CharField(_("phone to share"), max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("matching profile")
        verbose_name_plural = _("matching profiles")

    def __str__(self):
        return str(self.peer)


class WeeklyAvailability(models.Model):
    """A recurring slot, every week on `weekday` (0 Monday) from `starts` to `ends`, local time."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(
        "peers.Peer",
        on_delete=models.CASCADE,
        related_name="weekly_availability",
        verbose_name=_("peer"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"), validators=[MaxValueValidator(6)]
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__lt=models.F("ends")), name="weekly_starts_before_ends"
            ),
        ]

    def __str__(self):
        return f"{self.weekday} {self.starts}-{self.ends}"


class DayOff(models.Model):
    """Days a peer is away, from `first` to `last` included, whatever their weekly slots say."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.CASCADE, related_name="days_off", verbose_name=_("peer")
    )
    first = models.DateField(_("from"))
    last = models.DateField(_("to (included)"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        ordering = ["first"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first__lte=models.F("last")), name="dayoff_first_before_last"
            ),
        ]

    def __str__(self):
        return f"{self.first}–{self.last}"


class RequestStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", pgettext_lazy("request status", "E-mail not confirmed yet")
    OPEN = "open", pgettext_lazy("request status", "Looking for a local")
    PROPOSED = "proposed", pgettext_lazy("request status", "Waiting for a local's answer")
    MATCHED = "matched", pgettext_lazy("request status", "Matched")
    COMPLETED = "completed", pgettext_lazy("request status", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("request status", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("request status", "Nobody found in time")


LIVE_REQUEST = (RequestStatus.OPEN, RequestStatus.PROPOSED)
# Over: nobody changes or cancels it any more.
CLOSED_REQUEST = (RequestStatus.COMPLETED, RequestStatus.CANCELLED, RequestStatus.EXPIRED)


class MatchRequest(models.Model):
    """A consumer's request for a local. Public: the consumer manages it from `token`'s link."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="match_requests",
        verbose_name=_("program"),
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RequestStatus.choices,
        default=RequestStatus.UNCONFIRMED,
        db_index=True,
    )
    name = models.CharField(_("your name"), max_length=80)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=8, default="it")
    starts_at = models.DateTimeField(_("free from"))
    ends_at = models.DateTimeField(_("free until"))
    airport = models.CharField(_("airport"), max_length=8, blank=True)
    meeting_address = models.CharField(_("where to meet"), max_length=200, blank=True)
    latitude = _coordinate(_("latitude"), 90)
    longitude = _coordinate(_("longitude"), 180)
    meeting_minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"), default=120)
    group_size = models.PositiveSmallIntegerField(
        _("people in the group"), default=1, validators=[MinValueValidator(1)]
    )
    languages = models.JSONField(_("languages you speak"), default=list)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    accessibility = models.CharField(_("accessibility needs"), max_length=300, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    # Given to the local once they accept, if the consumer wants to be called or messaged.
    phone = models.CharField(_("phone to share"), max_length=32, blank=True)
    unmatched_reason = models.CharField(max_length=20, blank=True)
    unmatched_detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["program", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="request_starts_before_ends"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_live(self):
        return self.status in LIVE_REQUEST

    @property
    def is_closed(self):
        """Completed, cancelled or expired: the consumer (or staff) can no longer change or
        cancel it."""
        return self.status in CLOSED_REQUEST

    @property
    def awaits_confirmation(self):
        """The consumer has not followed the link yet: the request counts only then."""
        return self.status == RequestStatus.UNCONFIRMED


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("match status", "Proposed")
    ACCEPTED = "accepted", pgettext_lazy("match status", "Accepted")
    DECLINED = "declined", pgettext_lazy("match status", "Declined")
    EXPIRED = "expired", pgettext_lazy("match status", "Not answered in time")
    CANCELLED = "cancelled", pgettext_lazy("match status", "Cancelled")
    COMPLETED = "completed", pgettext_lazy("match status", "Completed")


LIVE_MATCH = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED)
HELD_MATCH = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.COMPLETED)
# A match shows its peer who asked (name, e-mail, note) only once they accepted it.
CONTACT_MATCH = (MatchStatus.ACCEPTED, MatchStatus.COMPLETED)
# Past matches a peer sees: meetings that happened or were called off (a proposal they declined
# or let expire was never a meeting).
PAST_MATCH = (MatchStatus.COMPLETED, MatchStatus.CANCELLED)


class CancelledBy(models.TextChoices):
    """Who called a match off."""

    PEER = "peer", pgettext_lazy("cancelled by", "the peer")
    CONSUMER = "consumer", pgettext_lazy("cancelled by", "the consumer")
    STAFF = "staff", pgettext_lazy("cancelled by", "staff")


@dataclass(frozen=True, slots=True)
class ConsumerContact:
    """Who asked for a match, as its peer sees them once they accepted."""

    name: str
    email: str
    note: str
    phone: str = ""

    @property
    def whatsapp_url(self) -> str:
        return whatsapp_url(self.phone)


def whatsapp_url(phone: str) -> str:
    """The WhatsApp link of an international number ("+39333…" → "https://wa.me/39333…")."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"https://wa.me/{digits}" if digits else ""


class MatchRun(models.Model):
    """One solve of a program's open requests: what went in and what came out."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", pgettext_lazy("run trigger", "Every few minutes")
        STAFF = "staff", pgettext_lazy("run trigger", "Started by staff")
        REQUEST = "request", pgettext_lazy("run trigger", "A request arrived")
        REMATCH = "rematch", pgettext_lazy("run trigger", "A proposal was declined or expired")

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="match_runs",
        verbose_name=_("program"),
    )
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    peers = models.PositiveIntegerField(_("peers available"), default=0)
    candidates = models.PositiveIntegerField(_("possible pairs"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    total_cost = models.BigIntegerField(_("total cost"), default=0)
    gini = models.FloatField(_("fairness spread (Gini)"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    weights = models.JSONField(_("weights"), default=dict)
    loads = models.JSONField(
        _("matches per peer"),
        default=list,
        help_text=_("Each peer's matches this week before and after the run."),
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.program} {self.created_at:%Y-%m-%d %H:%M}"


class RunResult(models.Model):
    """One request's outcome in a run: the peer proposed with the cost's components, or why
    nobody was."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="results")
    request = models.ForeignKey(MatchRequest, on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cost = models.BigIntegerField(default=0)
    components = models.JSONField(default=dict)
    reasons = models.JSONField(default=dict)
    unmatched_reason = models.CharField(max_length=20, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.run_id}: {self.request_id} → {self.peer_id or '-'}"


class Match(models.Model):
    """A proposal of one peer for one request, and what became of it."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="+", verbose_name=_("program")
    )
    request = models.ForeignKey(
        MatchRequest, on_delete=models.CASCADE, related_name="matches", verbose_name=_("request")
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.CASCADE, related_name="matches", verbose_name=_("peer")
    )
    run = models.ForeignKey(
        MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MatchStatus.choices,
        default=MatchStatus.PROPOSED,
        db_index=True,
    )
    meets_at = models.DateTimeField(_("meets at"))
    ends_at = models.DateTimeField(_("until"))
    respond_by = models.DateTimeField(_("answer by"))
    cost = models.BigIntegerField(_("cost"), default=0)
    components = models.JSONField(default=dict)
    reasons = models.JSONField(default=dict)
    perks = models.JSONField(_("perks"), default=list, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    cancelled_by = models.CharField(max_length=10, blank=True, choices=CancelledBy.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["peer", "status", "meets_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["proposed", "accepted"]),
                name="match_one_live_per_request",
            ),
        ]

    def __str__(self):
        return f"{self.request} → {self.peer}"

    @property
    def is_live(self):
        return self.status in LIVE_MATCH

    @property
    def consumer_contact(self) -> ConsumerContact | None:
        """Who asked (name, e-mail, note), or None while the peer has not accepted: the one
        rule of what a match reveals to its peer, on every page and the API. Reads the
        request (select it with the match)."""
        if self.status not in CONTACT_MATCH:
            return None
        request = self.request
        return ConsumerContact(
            name=request.name, email=request.email, note=request.note, phone=request.phone
        )

    def has_ended(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    @property
    def awaits_completion(self) -> bool:
        """Accepted and over: its peer (or staff) may mark it completed."""
        return self.status == MatchStatus.ACCEPTED and self.has_ended()


class PairBlock(models.Model):
    """A peer and a consumer (by e-mail) who must not be matched again, at either's wish."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey("peers.Peer", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"))
    by_peer = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "email"], name="pairblock_unique"),
        ]

    def __str__(self):
        return f"{self.peer_id} × {self.email}"
