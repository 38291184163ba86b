"""Resale: customers sell, through the shop, what they bought there and no longer use.

A **listing** is one used item offered by a seller (a customer or peer with an account) or by
the shop itself (an item it took in trade). Staff review it before it is public; an item the
seller picked from their own order history is **bought here**: the shop vouches for it and
suggests a price by the category's **rule** (condition and age). A buyer **reserves** a
listing for a time to pay and collect it; the sale splits the price between the shop's
commission and the seller, paid out as money or as shop credit with a bonus. A **trade-in**
pays the seller at once with a voucher and makes the item the shop's.

What the database keeps (invariants, not rules):
- a listing is never reserved twice at once: a unique index on the listing over the
  reservations that hold it (`holding`), on PostgreSQL and SQLite alike;
- prices and money are never negative; a listing's code is unique per business.

The money is in the ledger (`rewards.ledger`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from peerarmy.photos import url as photo_url

from .pricing import GRADES, Rule


def _localized(obj, field):
    lang = (get_language() or "it")[:2]
    other = "it" if lang == "en" else "en"
    return getattr(obj, f"{field}_{lang}") or getattr(obj, f"{field}_{other}")


class Grade(models.TextChoices):
    NEW_WITH_TAGS = "new_with_tags", pgettext_lazy("condition", "New with tags")
    EXCELLENT = "excellent", pgettext_lazy("condition", "Excellent")
    GOOD = "good", pgettext_lazy("condition", "Good")
    WORN = "worn", pgettext_lazy("condition", "Worn")
    FOR_PARTS = "for_parts", pgettext_lazy("condition", "For parts")


assert tuple(Grade.values) == GRADES  # noqa: S101 - the pricing core's order is the models'

GRADE_DEFINITIONS = {
    Grade.NEW_WITH_TAGS: _("Never used, with its labels or in its box."),
    Grade.EXCELLENT: _("Used a little, no marks you notice, works like new."),
    Grade.GOOD: _("Used, with small marks or scratches; everything works."),
    Grade.WORN: _("Clearly used: visible wear, maybe a part to replace; it works."),
    Grade.FOR_PARTS: _("Does not work or is incomplete: for its parts or to repair."),
}


class ResaleSettings(models.Model):
    """How a resale program works. A reservation and a sale copy what they need when they
    are made, so a later change never alters them."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="resale_settings"
    )
    reservation_hours = models.PositiveSmallIntegerField(
        _("hours a reservation holds an item"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
    )
    confirm_minutes = models.PositiveSmallIntegerField(
        _("minutes to confirm a reservation by e-mail"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    return_days = models.PositiveSmallIntegerField(
        _("days a buyer may bring an item back"), default=14, validators=[MaxValueValidator(90)]
    )
    trade_in_percent = models.PositiveSmallIntegerField(
        _("trade-in pays (% of the suggested price)"),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    credit_bonus_percent = models.PositiveSmallIntegerField(
        _("bonus for taking shop credit (%)"), default=20, validators=[MaxValueValidator(100)]
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("resale settings")
        verbose_name_plural = _("resale settings")

    def __str__(self):
        return str(self.program)


class Category(models.Model):
    """A kind of item (child seats, racks, clothing) with its pricing rule and commission."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="resale_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    name_it = models.CharField(_("name (Italian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    keep_new_percent = models.PositiveSmallIntegerField(
        _("new with tags keeps (%)"), default=80, validators=[MaxValueValidator(100)]
    )
    keep_excellent_percent = models.PositiveSmallIntegerField(
        _("excellent keeps (%)"), default=65, validators=[MaxValueValidator(100)]
    )
    keep_good_percent = models.PositiveSmallIntegerField(
        _("good keeps (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    keep_worn_percent = models.PositiveSmallIntegerField(
        _("worn keeps (%)"), default=30, validators=[MaxValueValidator(100)]
    )
    keep_parts_percent = models.PositiveSmallIntegerField(
        _("for parts keeps (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    yearly_loss_percent = models.PositiveSmallIntegerField(
        _("value lost each year (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    floor_percent = models.PositiveSmallIntegerField(
        _("always kept, however old (%)"), default=40, validators=[MaxValueValidator(100)]
    )
    commission_percent = models.PositiveSmallIntegerField(
        _("the shop's commission (%)"), default=20, validators=[MaxValueValidator(100)]
    )
    commission_min_minor = models.PositiveIntegerField(_("smallest commission (cents)"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("resale category")
        verbose_name_plural = _("resale categories")
        ordering = ["name_it"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="resale_category_code"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def rule(self) -> Rule:
        return Rule(
            (
                self.keep_new_percent,
                self.keep_excellent_percent,
                self.keep_good_percent,
                self.keep_worn_percent,
                self.keep_parts_percent,
            ),
            self.yearly_loss_percent,
            self.floor_percent,
        )


class ListingStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("listing", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("listing", "Waiting for review")
    CHANGES = "changes", pgettext_lazy("listing", "Changes asked")
    REFUSED = "refused", pgettext_lazy("listing", "Refused")
    PUBLIC = "public", pgettext_lazy("listing", "For sale")
    RESERVED = "reserved", pgettext_lazy("listing", "Reserved")
    SOLD = "sold", pgettext_lazy("listing", "Sold")
    WITHDRAWN = "withdrawn", pgettext_lazy("listing", "Withdrawn")


class Delivery(models.TextChoices):
    PICKUP = "pickup", _("Pick up at the shop")
    SHIPPING = "shipping", _("Pick up at the shop or shipped")


class Payout(models.TextChoices):
    MONEY = "money", _("Money, by bank transfer")
    CREDIT = "credit", _("Shop credit, with the bonus")


class Listing(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="resale_listings"
    )
    code = models.CharField(max_length=12)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_shop = models.BooleanField(default=False)  # traded in: the shop sells it
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    grade = models.CharField(_("condition"), max_length=16, choices=Grade.choices)
    size = models.CharField(_("size or dimensions"), max_length=80, blank=True)
    price_minor = models.PositiveIntegerField(_("price (cents)"))
    currency = models.CharField(max_length=3, default="EUR")
    delivery = models.CharField(
        _("how the buyer gets it"), max_length=10, choices=Delivery.choices, default=Delivery.PICKUP
    )
    payout = models.CharField(
        _("the seller is paid in"), max_length=8, choices=Payout.choices, default=Payout.MONEY
    )
    payout_holder = models.CharField(_("account holder"), max_length=70, blank=True)
    payout_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    status = models.CharField(
        max_length=12, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    review_note = models.TextField(blank=True)  # why changes were asked or it was refused
    # bought here: the line of the seller's order the item came from, as imported
    bought_order = models.CharField(max_length=64, blank=True)
    bought_line = models.PositiveSmallIntegerField(null=True, blank=True)  # its place, from 0
    bought_on = models.DateField(null=True, blank=True)
    bought_name = models.CharField(max_length=200, blank=True)
    original_minor = models.PositiveIntegerField(null=True, blank=True)
    suggested_minor = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    sold_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="resale_listing_code"),
        ]
        indexes = [
            # The public search walks this newest first and stops at a page: the filters'
            # columns are in it so that each listing is tested in the index, its row read only
            # when it matches (SQLite defers the read; PostgreSQL makes them index conditions,
            # on UPPER(size) as `iexact` compares). Migration 0002 adds PostgreSQL's trigram
            # indexes for the words.
            models.Index(
                "program",
                "business",
                "status",
                "published_at",
                "category",
                "grade",
                "price_minor",
                "size",
                Upper("size"),
                name="resale_public",
            ),
            models.Index(fields=["business", "status", "submitted_at"], name="resale_queue"),
            models.Index(fields=["business", "seller"], name="resale_seller"),
        ]

    def __str__(self):
        return self.title

    @property
    def bought_here(self) -> bool:
        return bool(self.bought_order)


class ListingPhoto(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def url(self):
        return photo_url(self.name)


class ReservationStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", pgettext_lazy("reservation", "Waiting for the e-mail")
    ACTIVE = "active", pgettext_lazy("reservation", "Reserved")
    EXPIRED = "expired", pgettext_lazy("reservation", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("reservation", "Cancelled")
    SOLD = "sold", pgettext_lazy("reservation", "Sold")
    RETURNED = "returned", pgettext_lazy("reservation", "Brought back")


class Reservation(models.Model):
    """A buyer's hold on a listing until `expires_at`, then the sale. `holding` is true while
    it keeps others off the listing (waiting for the e-mail, reserved, sold)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reservations")
    code = models.CharField(max_length=12)
    status = models.CharField(max_length=12, choices=ReservationStatus.choices)
    holding = models.BooleanField(default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(max_length=2, default="it")
    token_hash = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=25)  # ISO 11649 RF, quoted on a transfer
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    # the sale: how it was paid, what the shop kept, and the seller's share, held in the
    # ledger until the return window closes (`release_after`), then paid out (`released_at`)
    paid_by = models.CharField(max_length=8, blank=True)
    # paid ahead by transfer (found in the bank's statement): held until the sale, or owed
    # back to the payer's account if the reservation ends without one
    paid_ahead_at = models.DateTimeField(null=True, blank=True)
    paid_ahead_minor = models.PositiveIntegerField(default=0)
    payer_name = models.CharField(max_length=140, blank=True)
    payer_iban = models.CharField(max_length=34, blank=True)
    payer_bic = models.CharField(max_length=11, blank=True)
    commission_minor = models.PositiveIntegerField(default=0)
    share_minor = models.PositiveIntegerField(default=0)
    credit_bonus_percent = models.PositiveSmallIntegerField(default=0)  # the terms of the sale
    sold_at = models.DateTimeField(null=True, blank=True)
    sale_transaction_id = models.BigIntegerField(null=True, blank=True)  # reversed on return
    release_after = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()  # unconfirmed: the confirmation's end; then the hold's
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing"], condition=Q(holding=True), name="resale_one_holder"
            ),
            models.UniqueConstraint(fields=["business", "code"], name="resale_reservation_code"),
            models.UniqueConstraint(
                fields=["business", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="resale_reservation_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="resale_reservation_expiry"),
            models.Index(fields=["token_hash"], name="resale_reservation_token"),
            models.Index(fields=["business", "status", "expires_at"], name="resale_to_collect"),
            models.Index(fields=["status", "release_after"], name="resale_to_release"),
        ]

    def __str__(self):
        return self.code


class TradeInStatus(models.TextChoices):
    OFFERED = "offered", pgettext_lazy("trade-in", "Offered")
    ACCEPTED = "accepted", pgettext_lazy("trade-in", "Accepted")
    DECLINED = "declined", pgettext_lazy("trade-in", "Declined")
    EXPIRED = "expired", pgettext_lazy("trade-in", "Expired")


class TradeIn(models.Model):
    """The shop's offer to buy an item at once for shop credit; accepted, the seller gets a
    voucher and the item becomes a listing of the shop's."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=12)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seller_email = models.EmailField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=4000, blank=True)
    grade = models.CharField(max_length=16, choices=Grade.choices)
    size = models.CharField(max_length=80, blank=True)
    bought_order = models.CharField(max_length=64, blank=True)
    bought_on = models.DateField(null=True, blank=True)
    bought_name = models.CharField(max_length=200, blank=True)
    original_minor = models.PositiveIntegerField()
    suggested_minor = models.PositiveIntegerField()
    offer_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(
        max_length=10, choices=TradeInStatus.choices, default=TradeInStatus.OFFERED
    )
    at_till = models.BooleanField(default=False)  # made by staff with the seller in the shop
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    voucher = models.ForeignKey(
        "rewards.Voucher", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    listing = models.OneToOneField(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="trade_in"
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("trade-in")
        verbose_name_plural = _("trade-ins")
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="resale_trade_in_code"),
        ]

    def __str__(self):
        return self.code
