"""Spread by sharing: a peer's personal share links, what they brought, and who gets credit.

A **share link** is a short public address (`/<business>/s/<code>/`) of one peer for one page
of the business: its landing page, a program, a chip-in campaign, a rental or a resale listing.
The shop has links of its own (no peer): the counter poster's. Opening a link counts a **visit**
(once per browser a day, no address stored: one counter row per link and day) and leaves a
signed first-party cookie for 30 days (the last link opened wins).

An **attribution** credits a link with what a person did after coming through it: a sign-up,
an application to the army, and later the person's first order, found in an import by the
e-mail address. A first order is recorded once per person (the database refuses a second),
and `referral.converted` lets the reward rules pay the referrer.

A **touch** remembers, for a signed-in account, the last link it came through (30 days): an
application made later, when no request is at hand, is credited from it.

What the database keeps (invariants, not rules):
- a code is unique in its business; a peer has one link per page;
- one visit counter per link and day; one attribution of each kind per person and business,
  and one first order per customer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class TargetKind(models.TextChoices):
    LANDING = "landing", pgettext_lazy("share link target", "The shop's page")
    PROGRAM = "program", pgettext_lazy("share link target", "A program")
    CAMPAIGN = "campaign", pgettext_lazy("share link target", "A chip-in campaign")
    RENTAL = "rental", pgettext_lazy("share link target", "A rental")
    LISTING = "listing", pgettext_lazy("share link target", "An item on sale")


class ShareLink(models.Model):
    """One peer's (or the shop's own, without a peer) short link to one page."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    kind = models.CharField(_("page"), max_length=10, choices=TargetKind.choices)
    # The program's, campaign's, asset's or listing's id; 0 for the landing page.
    target_id = models.PositiveBigIntegerField(default=0)
    code = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="spread_link_code"),
            models.UniqueConstraint(
                fields=["business", "peer", "kind", "target_id"],
                condition=Q(peer__isnull=False),
                name="spread_link_per_peer_page",
            ),
            models.UniqueConstraint(
                fields=["business", "kind", "target_id"],
                condition=Q(peer__isnull=True),
                name="spread_link_shop_page",
            ),
        ]

    def __str__(self):
        return self.code


class LinkDay(models.Model):
    """How many browsers opened a link on a day (the business's day). No address, no cookie
    value, nothing about who: a number."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    visits = models.PositiveIntegerField(default=0)

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "day"], name="spread_link_day_once"),
        ]
        indexes = [models.Index(fields=["business", "day"], name="spread_day_business")]

    def __str__(self):
        return f"{self.link_id} {self.day}"


class Touch(models.Model):
    """The last share link a signed-in account came through, in one business."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="spread_touch_once"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.link_id}"


class AttributionKind(models.TextChoices):
    SIGNUP = "signup", pgettext_lazy("attribution", "Sign-up")
    APPLICATION = "application", pgettext_lazy("attribution", "Application")
    FIRST_ORDER = "first_order", pgettext_lazy("attribution", "First order")


class Attribution(models.Model):
    """What a person did after coming through a link, credited to it. Erasing the person
    (privacy) drops who it was about and keeps the count."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="attributions")
    kind = models.CharField(max_length=12, choices=AttributionKind.choices)
    # Who it is about: the account, the applicant's peer profile, the customer of a first order.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the lower-case e-mail address: finds the rows about a person for privacy
    # requests once the account is gone.
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # A first order: the sign-up or application it came through, and the order's total.
    source = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order_total_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    first_order_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "kind", "user"],
                condition=Q(user__isnull=False),
                name="spread_attribution_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["business", "customer"],
                condition=Q(kind="first_order", customer__isnull=False),
                name="spread_first_order_once",
            ),
        ]
        indexes = [models.Index(fields=["business", "kind", "at"], name="spread_attr_when")]

    def __str__(self):
        return f"{self.kind} {self.link_id}"
