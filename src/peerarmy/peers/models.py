"""Peers: the people enrolled in a business's army, with their skills, languages and area."""

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
