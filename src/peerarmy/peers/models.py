"""Peers: the people enrolled in a business's army, with their skills, languages and area."""

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

# ISO 639-1 codes a peer can declare; names go through gettext so they read in either language.
LANGUAGE_NAMES = {
    "it": _("Italian"),
    "en": _("English"),
    "fr": _("French"),
    "de": _("German"),
    "es": _("Spanish"),
    "pt": _("Portuguese"),
    "nl": _("Dutch"),
    "ru": _("Russian"),
    "zh": _("Chinese"),
    "ja": _("Japanese"),
    "ar": _("Arabic"),
}
LANGUAGE_CHOICES = list(LANGUAGE_NAMES.items())


class LanguageLevel(models.TextChoices):
    BASIC = "basic", pgettext_lazy("language level", "Basic")
    CONVERSATIONAL = "conversational", pgettext_lazy("language level", "Conversational")
    FLUENT = "fluent", pgettext_lazy("language level", "Fluent")
    NATIVE = "native", pgettext_lazy("language level", "Native")


class Skill(models.Model):
    """A skill a business asks for (bike repair, guiding, driving, ...), named in both languages."""

    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        related_name="skills",
        verbose_name=_("business"),
    )
    slug = models.SlugField(_("code"), max_length=50)
    name_it = models.CharField(_("name (Italian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["business", "slug"], name="skill_unique_slug")
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        lang = (get_language() or "it")[:2]
        return (self.name_en if lang == "en" else self.name_it) or self.name_it or self.slug


class PeerStatus(models.TextChoices):
    APPLICANT = "applicant", pgettext_lazy("peer status", "Applicant")
    ACTIVE = "active", pgettext_lazy("peer status", "Active")
    REJECTED = "rejected", pgettext_lazy("peer status", "Rejected")
    SUSPENDED = "suspended", pgettext_lazy("peer status", "Suspended")


class Peer(models.Model):
    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        related_name="peers",
        verbose_name=_("business"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="peer_profiles",
        verbose_name=_("user"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="peers",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PeerStatus.choices,
        default=PeerStatus.APPLICANT,
        db_index=True,
    )
    display_name = models.CharField(_("name shown to others"), max_length=80)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="peers", verbose_name=_("skills")
    )
    home_address = models.CharField(_("home area"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Where the position came from when the peer gave only an address: the municipality it
    # names ("Bologna (BO)"); empty when they gave the position themselves, or none was found.
    located_at = models.CharField(_("placed at"), max_length=120, blank=True)
    travel_radius_km = models.PositiveSmallIntegerField(
        _("travel radius (km)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    showcase_links = models.JSONField(_("showcase links"), default=list, blank=True)
    reliability = models.PositiveSmallIntegerField(
        _("reliability"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("0 to 100; empty until the peer has a track record."),
    )
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("peer")
        verbose_name_plural = _("peers")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="peer_unique_user")
        ]
        indexes = [
            # The peers list's order (`selectors.peers_for_business`): a page is read from
            # the index, not sorted out of every peer of the business.
            models.Index(fields=["business", "status", "display_name", "id"], name="peer_list")
        ]

    def __str__(self):
        return self.display_name

    # The peer's skills and languages as the selectors prefetched them (`skills`,
    # `languages`): pages and the API read these and run no query of their own.

    @property
    def skill_list(self) -> list:
        # What a selector attached (selectors.PeerPage), or the prefetched relation.
        attached = self.__dict__.get("attached_skills")
        return list(attached) if attached is not None else list(self.skills.all())

    @property
    def skill_slugs(self) -> list[str]:
        return [skill.slug for skill in self.skill_list]

    @property
    def language_list(self) -> list:
        attached = self.__dict__.get("attached_languages")
        return list(attached) if attached is not None else list(self.languages.all())

    @property
    def language_codes(self):
        return {pl.language for pl in self.language_list}


class PeerLanguage(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    level = models.CharField(
        _("level"), max_length=16, choices=LanguageLevel.choices, default=LanguageLevel.FLUENT
    )

    class Meta:
        verbose_name = _("language spoken")
        verbose_name_plural = _("languages spoken")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "language"], name="peerlanguage_unique")
        ]

    def __str__(self):
        return f"{self.get_language_display()} ({self.get_level_display()})"

    def get_language_display(self):
        # Django's own builds a dict of every language on each call; a list page calls it
        # for every language of every peer.
        return LANGUAGE_NAMES.get(self.language, self.language)


# --- new work reaching the peer: their settings and what they were offered -----------------------


class NewWorkMessages(models.TextChoices):
    """How a peer hears of new work (the values of `timing.Mode`)."""

    OFF = "off", pgettext_lazy("new work messages", "Off")
    INSTANT = "instant", pgettext_lazy("new work messages", "At once")
    DIGEST = "digest", pgettext_lazy("new work messages", "Once a day")


# What a peer who never opened the settings page gets. At once: work is first come, first
# served (a block is claimed within hours), so a daily digest would mostly list taken work; by
# e-mail, and by web push once they enable it on a device (enabling it is their own act); never
# between 22:00 and 08:00, since a phone that buzzes at night for a delivery block is a reason
# to switch everything off; a digest, if chosen, in the early evening, when the next days are
# planned.
DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(8, 0)
DEFAULT_DIGEST_HOUR = 18


class NotificationSettings(models.Model):
    """How a peer wants to hear of new work: off, at once or a daily digest; by e-mail and web
    push; quiet hours and the digest's hour on the business's clock. One row per peer, saved by
    their first change (until then the defaults above apply, unsaved)."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.OneToOneField(
        Peer,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("peer"),
    )
    new_work = models.CharField(
        _("messages about new work"),
        max_length=10,
        choices=NewWorkMessages.choices,
        default=NewWorkMessages.INSTANT,
    )
    by_email = models.BooleanField(_("by e-mail"), default=True)
    by_push = models.BooleanField(_("by web push"), default=True)
    quiet_start = models.TimeField(
        _("quiet from"), null=True, blank=True, default=DEFAULT_QUIET_START
    )
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True, default=DEFAULT_QUIET_END)
    digest_hour = models.PositiveSmallIntegerField(
        _("hour of the daily message"),
        default=DEFAULT_DIGEST_HOUR,
        validators=[MaxValueValidator(23)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23), name="notification_digest_hour_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | models.Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="notification_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self):
        return f"{self.peer_id}: {self.new_work}"


class OfferedWorkKind(models.TextChoices):
    BLOCK = "block", pgettext_lazy("offered work", "Block")
    REQUEST = "request", pgettext_lazy("offered work", "Request for a local")


class OfferStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("offer status", "Waiting to be sent")
    SENT = "sent", pgettext_lazy("offer status", "Sent")
    DROPPED = "dropped", pgettext_lazy("offer status", "Not sent (taken, started or turned off)")


class OfferedWork(models.Model):
    """A piece of new work (a block, or a request waiting for a local) offered to one peer:
    once per peer and item, which the unique constraint guarantees however many workers sweep.
    `due_at` is when its message may leave (`timing.due_at`); the message lists every item of
    the peer that is due, and each is `sent` or, if taken or started meanwhile, `dropped`.
    The item is named by kind and id (scheduling and matching sit above this app)."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="offered_work", verbose_name=_("peer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OfferedWorkKind.choices)
    item_id = models.BigIntegerField(_("item"))
    starts_at = models.DateTimeField(_("work starts"))
    found_at = models.DateTimeField(_("found"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("offered work")
        verbose_name_plural = _("offered work")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "peer", "kind", "item_id"], name="offeredwork_once_per_peer"
            ),
        ]
        indexes = [
            # What the sweep sends: pending offers whose time has come (sent and dropped ones
            # stay out, so it stays small).
            models.Index(
                fields=["due_at"], name="offeredwork_due", condition=models.Q(status="pending")
            ),
            # What the sweep forgets: offers of work long past.
            models.Index(fields=["starts_at"], name="offeredwork_starts"),
        ]

    def __str__(self):
        return f"{self.kind} {self.item_id} → {self.peer_id} ({self.status})"


class OfferSweep(models.Model):
    """How far the worker has looked for new work of a business: work that opened up to
    `looked_until` has been offered. A worker takes the business's next look by setting
    `leased_until` (a conditional UPDATE), so two workers never look at once; a worker that
    dies lets the lease run out and the next one looks again."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    looked_until = models.DateTimeField(_("looked until"), null=True, blank=True)
    leased_until = models.DateTimeField(_("being looked at until"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("new work sweep")
        verbose_name_plural = _("new work sweeps")

    def __str__(self):
        return f"{self.business_id}: {self.looked_until}"


# --- reviews, suspensions and appeals ------------------------------------------------------------


class ReviewStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("peer review", "Under review")
    CLEARED = "cleared", pgettext_lazy("peer review", "Cleared")
    SUSPENDED = "suspended", pgettext_lazy("peer review", "Suspended")
    LIFTED = "lifted", pgettext_lazy("peer review", "Suspension lifted")


# A case is open while it is under review or the peer is suspended: at most one such per peer.
OPEN_CASE = (ReviewStatus.OPEN, ReviewStatus.SUSPENDED)


class ReviewTrigger(models.TextChoices):
    RELIABILITY = "reliability", pgettext_lazy("review trigger", "Reliability under a threshold")
    NO_SHOWS = "no_shows", pgettext_lazy("review trigger", "Repeated no-shows")
    STAFF = "staff", pgettext_lazy("review trigger", "Raised by staff")


class PeerReview(models.Model):
    """One case about a peer's conduct: opened for review (by the worker, on a reliability
    under a program's threshold or too many no-shows, or by staff suspending directly),
    then cleared, or turned into a suspension that the peer may appeal once and that is
    lifted with a reason. What triggered it is kept as facts (`triggers`), put into words
    when read, in the reader's language; every step is a `ReviewStep`."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("peer")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    # [{"kind": "no_shows", "count": 3, "days": 60}, {"kind": "reliability", "score": 41,
    #   "minimum": 60, "program": "Consegne"}]: see `reviews.trigger_words`.
    triggers = models.JSONField(_("what triggered it"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    appeal_message = models.TextField(_("appeal"), blank=True)
    appealed_at = models.DateTimeField(_("appealed"), null=True, blank=True)
    appeal_granted = models.BooleanField(_("appeal granted"), null=True, blank=True)
    appeal_decided_at = models.DateTimeField(_("appeal decided"), null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appeal decided by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The peer's reliability when the case closed: the worker opens a new case on their
    # reliability only if it falls below this (a cleared review is not reopened a minute
    # later on the same score), and counts only the no-shows after `closed_at`.
    reliability_at_close = models.PositiveSmallIntegerField(
        _("reliability when closed"), null=True, blank=True
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("peer review")
        verbose_name_plural = _("peer reviews")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "peer"],
                condition=models.Q(status__in=["open", "suspended"]),
                name="peerreview_one_open_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="suspended") | models.Q(suspended_at__isnull=False),
                name="peerreview_suspension_dated",
            ),
        ]
        indexes = [models.Index(fields=["business", "status"], name="peerreview_status")]

    def __str__(self):
        return f"{self.peer_id}: {self.status}"

    @property
    def reasons(self) -> list[str]:
        """What opened the case, in the reader's language (read when shown or rendered)."""
        return trigger_words(self.triggers)

    @property
    def is_open(self):
        return self.status in OPEN_CASE

    @property
    def appeal_pending(self):
        return self.appealed_at is not None and self.appeal_decided_at is None


def trigger_words(triggers) -> list[str]:
    """What sent a peer to review, in the reader's language."""
    words = []
    for fact in triggers or ():
        kind = fact.get("kind")
        if kind == "reliability":
            words.append(
                gettext(
                    "Reliability %(score)d, under the minimum of %(minimum)d that "
                    "“%(program)s” asks for."
                )
                % {
                    "score": fact.get("score", 0),
                    "minimum": fact.get("minimum", 0),
                    "program": fact.get(
                        "program_en" if (get_language() or "it")[:2] == "en" else "program_it", ""
                    ),
                }
            )
        elif kind == "no_shows":
            count, days = fact.get("count", 0), fact.get("days", 0)
            words.append(
                ngettext(
                    "%(count)d no-show in the last %(days)d days.",
                    "%(count)d no-shows in the last %(days)d days.",
                    count,
                )
                % {"count": count, "days": days}
            )
        else:
            words.append(gettext("Raised by staff."))
    return words


class ReviewStepKind(models.TextChoices):
    OPENED = "opened", pgettext_lazy("review step", "Put under review")
    CLEARED = "cleared", pgettext_lazy("review step", "Review cleared")
    SUSPENDED = "suspended", pgettext_lazy("review step", "Suspended")
    APPEALED = "appealed", pgettext_lazy("review step", "Appealed")
    APPEAL_GRANTED = "appeal_granted", pgettext_lazy("review step", "Appeal granted")
    APPEAL_REFUSED = "appeal_refused", pgettext_lazy("review step", "Appeal refused")
    LIFTED = "lifted", pgettext_lazy("review step", "Suspension lifted")


class ReviewStep(models.Model):
    """One step of a case, never changed: the audit trail the peer reads in their app and
    staff read on the peer's console page. `actor` is empty for the worker's own steps;
    `decided_alone` marks an appeal decided by the member who suspended, because the business
    had no other member who could."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    review = models.ForeignKey(
        PeerReview, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case")
    )
    kind = models.CharField(_("step"), max_length=16, choices=ReviewStepKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    text = models.TextField(_("reason or message"), blank=True)
    decided_alone = models.BooleanField(_("decided by the only member"), default=False)
    created_at = models.DateTimeField(_("when"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.review_id}: {self.kind}"


# N no-shows within a window send a peer to review. Three in sixty days: one no-show is an
# accident, two can be bad luck, three in two months is a pattern worth a look.
DEFAULT_NO_SHOW_LIMIT = 3
DEFAULT_NO_SHOW_WINDOW_DAYS = 60


class ReviewSettings(models.Model):
    """When the worker sends a peer to review for no-shows; one row per business, saved by
    its first change (until then the defaults above apply, unsaved)."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that lead to a review"),
        default=DEFAULT_NO_SHOW_LIMIT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    no_show_window_days = models.PositiveSmallIntegerField(
        _("within (days)"),
        default=DEFAULT_NO_SHOW_WINDOW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self):
        return f"{self.business_id}: {self.no_show_limit} in {self.no_show_window_days} days"


# --- verification records --------------------------------------------------------------------------


class VerificationKind(models.TextChoices):
    PHONE = "phone", pgettext_lazy("verification", "Phone")
    IDENTITY = "identity", pgettext_lazy("verification", "Identity")


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")


class Verification(models.Model):
    """What the business has verified of a peer, one row per kind, kept up to date: a phone
    number confirmed with a one-time code, or an identity checked in person by a member (who,
    when, which kind of document; never the document's number or image). The e-mail address
    needs no row: sign-up confirms it (allauth)."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="verifications", verbose_name=_("peer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VerificationKind.choices)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    document_type = models.CharField(
        _("document"), max_length=20, choices=DocumentType.choices, blank=True
    )
    verified_at = models.DateTimeField(_("verified"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "kind"], name="verification_once_per_kind")
        ]

    def __str__(self):
        return f"{self.peer_id}: {self.kind}"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to confirm a phone number: kept hashed (HMAC with the
    installation's secret), valid for minutes, with a few attempts."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(_("phone"), max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        indexes = [models.Index(fields=["peer", "created_at"], name="phonecode_recent")]

    def __str__(self):
        return f"{self.peer_id}: {self.created_at:%Y-%m-%d %H:%M}"
