"""Alliances of businesses: partners in a town (the shops of one street, a bike shop and a B&B)
who show each other's programs to the peers who agree to it. Each business keeps its own army,
approval, rules and books; what crosses from one to another is only what a peer consented to.

- `Alliance`: the partnership itself, with its public page `/a/<slug>/`. It is nobody's row
  alone (its members share it), so it has no `business`.
- `AllianceMember`: one business's place in an alliance (invited, active, declined, withdrawn,
  left), owned by that business.
- `AllianceConsent`: a peer's own choice, at the business they are a peer of, to be shown the
  partners' programs and to bring their verified profile (and, separately, their reliability
  score) when applying to one of them. Off until the peer turns it on.
- `AllianceApplication`: the row of the business that received an application through the
  alliance: where the applicant comes from and the facts they consented to bring.
"""

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from peerarmy.tenancy.models import slug_validator


class Alliance(models.Model):
    slug = models.SlugField(_("address"), max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=120)
    description_it = models.TextField(_("description (Italian)"), max_length=2000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("founded by"),
    )
    created_at = models.DateTimeField(_("founded"))

    class Meta:
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def description(self):
        """The description in the active language, falling back to the other one."""
        lang = (get_language() or "it")[:2]
        first, second = ("en", "it") if lang == "en" else ("it", "en")
        return getattr(self, f"description_{first}") or getattr(self, f"description_{second}")


class MemberStatus(models.TextChoices):
    INVITED = "invited", pgettext_lazy("alliance member", "Invited")
    ACTIVE = "active", pgettext_lazy("alliance member", "Member")
    DECLINED = "declined", pgettext_lazy("alliance member", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("alliance member", "Invitation withdrawn")
    LEFT = "left", pgettext_lazy("alliance member", "Left")


# An invitation waiting for an answer, or a membership: at most one of either per business
# and alliance.
LIVE = (MemberStatus.INVITED, MemberStatus.ACTIVE)


class AllianceMember(models.Model):
    """One business's place in an alliance. A business is an active member of one alliance at
    a time; it may be invited to several (accepting one is refused while it is in another)."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="members", verbose_name=_("alliance")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.INVITED
    )
    # The member that sent the invitation (None for the founder); a business, not a person:
    # the partner's people are not this business's to know.
    invited_by = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited"))
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    # When the invitation was declined or withdrawn.
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("alliance member")
        verbose_name_plural = _("alliance members")
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "business"],
                condition=models.Q(status__in=["invited", "active"]),
                name="alliancemember_live_once",
            ),
            models.UniqueConstraint(
                fields=["business"],
                condition=models.Q(status="active"),
                name="alliancemember_one_alliance",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(joined_at__isnull=False),
                name="alliancemember_active_joined",
            ),
        ]
        indexes = [models.Index(fields=["alliance", "status"], name="alliancemember_status")]

    def __str__(self):
        return f"{self.business_id} · {self.alliance_id} ({self.status})"


class AllianceConsent(models.Model):
    """What a peer lets the partners of their business see, set by the peer alone: with
    `share_profile`, the partners' programs are offered to them, and applying to one brings
    their profile, since when they are active here and what was verified of them; with
    `share_reliability` as well, their reliability score. Nothing is shown to a partner before
    the peer applies there, except how many peers agreed."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.OneToOneField(
        "peers.Peer",
        on_delete=models.CASCADE,
        related_name="alliance_consent",
        verbose_name=_("peer"),
    )
    share_profile = models.BooleanField(_("show me the partners' programs"), default=False)
    share_reliability = models.BooleanField(_("bring my reliability score"), default=False)
    updated_at = models.DateTimeField(_("changed"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("alliance consent")
        verbose_name_plural = _("alliance consents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share_reliability=False) | models.Q(share_profile=True),
                name="allianceconsent_score_with_profile",
            )
        ]

    def __str__(self):
        return f"{self.peer_id}: {self.share_profile}/{self.share_reliability}"


class AllianceApplication(models.Model):
    """An application that came through the alliance, kept by the business that received it
    (`business`, `peer` its new applicant): where the person comes from and what they
    consented to bring. Nothing else of the other business is here: not its customers, orders,
    ledger or ratings."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    peer = models.OneToOneField(
        "peers.Peer",
        on_delete=models.CASCADE,
        related_name="alliance_application",
        verbose_name=_("peer"),
    )
    alliance = models.ForeignKey(
        Alliance,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alliance"),
    )
    from_business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("comes from"),
    )
    # The partner's name when they applied (kept if the partner is later deleted).
    from_name = models.CharField(_("comes from"), max_length=120)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("program"),
    )
    # Facts brought with consent (share_profile): since when they are an active peer there,
    # and what was verified of them as [{"kind": "email"|"phone"|"identity", "on": "date"}],
    # never the number, the document or who checked it.
    active_since = models.DateTimeField(_("active there since"), null=True, blank=True)
    verifications = models.JSONField(_("verified there"), default=list, blank=True)
    # Brought only with share_reliability: their score there when they applied.
    reliability = models.PositiveSmallIntegerField(_("reliability there"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied"))

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("application through an alliance")
        verbose_name_plural = _("applications through an alliance")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["from_business"], name="allianceapp_from")]

    def __str__(self):
        return f"{self.peer_id} ← {self.from_name}"
