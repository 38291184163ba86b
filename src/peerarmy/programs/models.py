"""Programs: what a business asks its army to do, with texts in both languages and eligibility."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from peerarmy.peers.models import LANGUAGE_CHOICES


class ProgramKind(models.TextChoices):
    GUIDES = "guides", pgettext_lazy("program kind", "Local guides")
    LAYOVER = "layover", pgettext_lazy("program kind", "Layover with a local")
    DELIVERY = "delivery", pgettext_lazy("program kind", "Delivery blocks")
    CHIP_IN = "chip_in", pgettext_lazy("program kind", "Chip in")
    RESALE = "resale", pgettext_lazy("program kind", "Resale")
    SHARING = "sharing", pgettext_lazy("program kind", "Sharing")
    CUSTOM = "custom", pgettext_lazy("program kind", "Custom")


KIND_DESCRIPTIONS = {
    ProgramKind.GUIDES: _("Customers volunteer as local guides for visitors."),
    ProgramKind.LAYOVER: _("Travellers on a stop-over meet a local; the brand pays the perks."),
    ProgramKind.DELIVERY: _("Peers reserve blocks of delivery work and get paid."),
    ProgramKind.CHIP_IN: _("Friends and family fund a purchase; the brand adds its share."),
    ProgramKind.RESALE: _("Customers sell what they no longer need, endorsed by the brand."),
    ProgramKind.SHARING: _("Shared assets that peers and customers can book."),
    ProgramKind.CUSTOM: _("Content, ambassadors, events: anything else."),
}


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("program status", "Draft")
    PUBLISHED = "published", pgettext_lazy("program status", "Published")
    CLOSED = "closed", pgettext_lazy("program status", "Closed")


class Program(models.Model):
    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        related_name="programs",
        verbose_name=_("business"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ProgramKind.choices)
    slug = models.SlugField(_("address"), max_length=60)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProgramStatus.choices,
        default=ProgramStatus.DRAFT,
        db_index=True,
    )
    title_it = models.CharField(_("title (Italian)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    summary_it = models.CharField(_("summary (Italian)"), max_length=280, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=280, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    required_skills = models.ManyToManyField(
        "peers.Skill",
        blank=True,
        related_name="programs",
        verbose_name=_("required skills"),
        help_text=_("A peer needs every one of these skills."),
    )
    required_languages = models.JSONField(
        _("required languages"),
        default=list,
        blank=True,
        help_text=_("A peer needs at least one of these languages."),
    )
    min_reliability = models.PositiveSmallIntegerField(
        _("minimum reliability"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("0 to 100; 0 lets new peers without a track record join."),
    )
    # what the business must have verified of a peer: "phone", "identity" (peers.Verification)
    required_verifications = models.JSONField(
        _("required verifications"),
        default=list,
        blank=True,
        help_text=_("A peer needs every one of these verified."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["kind", "title_it"]
        constraints = [
            models.UniqueConstraint(fields=["business", "slug"], name="program_unique_slug")
        ]

    def __str__(self):
        return self.title

    def _localized(self, field):
        lang = (get_language() or self.business.default_language)[:2]
        other = "it" if lang == "en" else "en"
        return getattr(self, f"{field}_{lang}") or getattr(self, f"{field}_{other}")

    @property
    def title(self):
        return self._localized("title")

    @property
    def summary(self):
        return self._localized("summary")

    @property
    def description(self):
        return self._localized("description")

    @property
    def kind_description(self):
        return KIND_DESCRIPTIONS[ProgramKind(self.kind)]

    @property
    def is_published(self):
        return self.status == ProgramStatus.PUBLISHED

    # The skills as the selectors and services prefetched them (`required_skills`): pages and
    # the API read these and run no query of their own.

    @property
    def required_skill_list(self) -> list:
        return list(self.required_skills.all())

    @property
    def required_skill_slugs(self) -> list[str]:
        return [skill.slug for skill in self.required_skills.all()]


PROGRAM_LANGUAGE_CHOICES = LANGUAGE_CHOICES
