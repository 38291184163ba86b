"""Peers: the people enrolled in a business's army, with their skills, languages and area."""

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
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
