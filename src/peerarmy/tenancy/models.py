"""Businesses (the tenants) and the memberships that give a person a role in one."""

import zoneinfo

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# Slugs share the URL space with the site's own top-level paths.
RESERVED_SLUGS = {
    "admin",
    "api",
    "accounts",
    "static",
    "media",
    "i18n",
    "me",
    "manage",
    "www",
    "home",
    "privacy",
    "a",  # /a/<alliance>/: the public page of an alliance of businesses
}

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1 to 50 lower-case letters, digits and hyphens, not at either end."),
)


def timezone_choices():
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Business(models.Model):
    slug = models.SlugField(_("address"), max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=120, blank=True)
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="it"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    tagline_it = models.CharField(_("tagline (Italian)"), max_length=200, blank=True)
    tagline_en = models.CharField(_("tagline (English)"), max_length=200, blank=True)
    about_it = models.TextField(_("about (Italian)"), blank=True)
    about_en = models.TextField(_("about (English)"), blank=True)
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f6feb."))],
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)  # E.164
    address = models.CharField(_("street address"), max_length=200, blank=True)
    # pictures, as names in the default storage (`peerarmy.photos`): WebP, no metadata
    logo = models.CharField(_("logo"), max_length=200, blank=True)
    cover = models.CharField(_("cover photo"), max_length=200, blank=True)
    # {"mon": [["09:00", "13:00"], ["15:30", "19:30"]], ...}; a day left out is closed
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("This address is reserved.")})
        if self.timezone not in zoneinfo.available_timezones():
            raise ValidationError({"timezone": _("Unknown time zone.")})

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def localized(self, field):
        """The business-written text in the active language, falling back to the other one."""
        lang = (get_language() or self.default_language)[:2]
        primary = getattr(self, f"{field}_{lang}", "")
        if primary:
            return primary
        for code, _name in settings.LANGUAGES:
            value = getattr(self, f"{field}_{code}", "")
            if value:
                return value
        return ""

    @property
    def logo_url(self):
        from peerarmy.photos import url

        return url(self.logo)

    @property
    def cover_url(self):
        from peerarmy.photos import url

        return url(self.cover)

    @property
    def tagline(self):
        return self.localized("tagline")

    @property
    def about(self):
        return self.localized("about")


class Closure(models.Model):
    """Days the shop is closed beyond its weekly hours: holidays, a stocktaking, August."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="closures", verbose_name=_("business")
    )
    first = models.DateField(_("from"))
    last = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["first", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last__gte=models.F("first")), name="closure_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["business", "last"], name="closure_business_last")]

    def __str__(self):
        return f"{self.business} · {self.first}–{self.last}"


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("role", "Owner")
    STAFF = "staff", pgettext_lazy("role", "Staff")
    COMMUNITY = "community", pgettext_lazy("role", "Community manager")


class Membership(models.Model):
    """A member of a business: its owner, one of its staff, or a community manager; what
    each role may do is `tenancy.roles`."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("business")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="membership_unique_user")
        ]

    def __str__(self):
        return f"{self.user} · {self.business} · {self.get_role_display()}"

    @property
    def is_owner(self):
        return self.role == Role.OWNER

    def can(self, capability) -> bool:
        """Whether this member's role includes `capability` (see `tenancy.roles`)."""
        from .roles import can

        return can(self.role, capability)

    @property
    def capabilities(self) -> dict:
        """{capability: True} for the role, for templates (`can.rewards`)."""
        from .roles import capabilities

        return {str(c): True for c in capabilities(self.role)}


class StaffInvitation(models.Model):
    """An owner's invitation to run the business with them: sent by e-mail to `email`, with a
    personal link whose secret is kept only as a hash. It is accepted once, by the account
    with that address, and expires after `STAFF_INVITATION_DAYS`."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    nonce_hash = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        indexes = [models.Index(fields=["business", "email"], name="staff_invitation_email")]

    def __str__(self):
        return f"{self.email} · {self.business}"

    def is_pending(self, now) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > now
