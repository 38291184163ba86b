"""Sharing: the business's and its peers' own things, booked by the hour or the day.

An **asset** (an e-bike, a cargo bike, a car, a tool, a room) belongs to a sharing program and
is owned by the business or by a peer who lists it through the shop (staff approve the
listing). It lives at a **station** (a place with capacity where it is picked up and returned)
or floats free at its last position. A **booking** holds an asset for a time range; staff (or
the owning peer) check it out and in; a **sponsor** may pay to have its brand on a program or a
set of assets, and receives a monthly report.

What the database keeps (invariants, not rules):
- an asset is never held twice at once: on PostgreSQL an exclusion constraint on (asset, time
  range) over the bookings that hold it (`held`), on SQLite a trigger that refuses the same
  (SQLite takes one writer at a time, so the trigger's check and the write are one step);
- a booking ends after it starts; money fields are never negative;
- a booking's code and a station's and an asset's public codes are unique per business.

The money is in the ledger (`rewards.ledger`): the rental paid, the deposit held until the
asset is back, late fees, what a peer's asset earned its peer, a sponsor's fee.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from peerarmy.photos import url as photo_url


def _localized(obj, field):
    lang = (get_language() or "it")[:2]
    other = "it" if lang == "en" else "en"
    return getattr(obj, f"{field}_{lang}") or getattr(obj, f"{field}_{other}")


class SharingSettings(models.Model):
    """How a sharing program works. A booking copies what it needs (its price, the deposit,
    the cancellation rule) when it is made, so a later change never alters a booking."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="sharing_settings"
    )
    peer_discount_percent = models.PositiveSmallIntegerField(
        _("discount for peers of the army (%)"), default=20, validators=[MaxValueValidator(100)]
    )
    commission_percent = models.PositiveSmallIntegerField(
        _("the shop's commission on a peer's asset (%)"),
        default=20,
        validators=[MaxValueValidator(100)],
    )
    free_cancel_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"),
        default=24,
        validators=[MaxValueValidator(720)],
    )
    late_fee_percent = models.PositiveSmallIntegerField(
        _("late return costs (% of the normal price)"),
        default=150,
        validators=[MaxValueValidator(1000)],
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("minutes of grace before a return is late"),
        default=15,
        validators=[MaxValueValidator(240)],
    )
    confirm_minutes = models.PositiveSmallIntegerField(
        _("minutes to confirm a booking by e-mail"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("reminder before pick-up (hours)"), default=24, validators=[MaxValueValidator(168)]
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("sharing settings")
        verbose_name_plural = _("sharing settings")

    def __str__(self):
        return str(self.program_id)


class Station(models.Model):
    """A place where assets are picked up and returned."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="sharing_stations"
    )
    code = models.CharField(max_length=12)  # public: the GBFS station_id
    name_it = models.CharField(_("name (Italian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    capacity = models.PositiveSmallIntegerField(
        _("places"), default=10, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["name_it", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="sharing_station_code"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")


class AssetKind(models.TextChoices):
    BIKE = "bike", pgettext_lazy("asset kind", "Bike")
    EBIKE = "ebike", pgettext_lazy("asset kind", "E-bike")
    CARGO_BIKE = "cargo_bike", pgettext_lazy("asset kind", "Cargo bike")
    CAR = "car", pgettext_lazy("asset kind", "Car")
    TOOL = "tool", pgettext_lazy("asset kind", "Tool")
    ROOM = "room", pgettext_lazy("asset kind", "Room")
    OTHER = "other", pgettext_lazy("asset kind", "Other")


VEHICLES = (AssetKind.BIKE, AssetKind.EBIKE, AssetKind.CARGO_BIKE, AssetKind.CAR)


class Propulsion(models.TextChoices):
    """GBFS's propulsion types that a small fleet has."""

    HUMAN = "human", pgettext_lazy("propulsion", "Pedals only")
    ELECTRIC_ASSIST = "electric_assist", pgettext_lazy("propulsion", "Pedal assist")
    ELECTRIC = "electric", pgettext_lazy("propulsion", "Electric")
    COMBUSTION = "combustion", pgettext_lazy("propulsion", "Petrol or diesel")
    HYBRID = "hybrid", pgettext_lazy("propulsion", "Hybrid")


class ListingStatus(models.TextChoices):
    """A peer's listing waits for the staff; the business's own assets are approved."""

    PENDING = "pending", pgettext_lazy("listing", "Waiting for the shop")
    APPROVED = "approved", pgettext_lazy("listing", "Approved")
    REFUSED = "refused", pgettext_lazy("listing", "Refused")


class AssetState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("asset", "Available")
    MAINTENANCE = "maintenance", pgettext_lazy("asset", "In maintenance")
    RETIRED = "retired", pgettext_lazy("asset", "Retired")


class Asset(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="sharing_assets"
    )
    code = models.CharField(max_length=12)  # public: the page's address and the GBFS id
    # None: the business's own; else the peer who lists it (and is paid for its rentals).
    owner_peer = models.ForeignKey(
        "peers.Peer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sharing_assets",
    )
    listing = models.CharField(
        max_length=10, choices=ListingStatus.choices, default=ListingStatus.APPROVED
    )
    listing_note = models.CharField(_("reason"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AssetKind.choices)
    name_it = models.CharField(_("name (Italian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_it = models.TextField(_("description (Italian)"), max_length=4000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=4000, blank=True)
    # Vehicles: what GBFS's vehicle types say.
    propulsion = models.CharField(
        _("propulsion"), max_length=16, choices=Propulsion.choices, blank=True
    )
    range_km = models.PositiveIntegerField(_("range (km)"), null=True, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    # Free-floating: its last known position (also where a station's asset was returned).
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    position_note = models.CharField(_("where to find it"), max_length=200, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    hour_minor = models.BigIntegerField(_("price per hour"), null=True, blank=True)
    day_minor = models.BigIntegerField(_("price per day"), null=True, blank=True)
    deposit_minor = models.BigIntegerField(_("deposit"), default=0)
    min_minutes = models.PositiveIntegerField(_("shortest booking (minutes)"), default=60)
    max_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=7 * 1440)
    # When it can be picked up and returned: [[weekday 0-6, "HH:MM", "HH:MM"], ...] in the
    # business's time zone; empty: at any time.
    weekly_hours = models.JSONField(default=list, blank=True)
    blocked_dates = models.JSONField(default=list, blank=True)  # ["YYYY-MM-DD", ...]
    condition_notes = models.TextField(_("condition"), max_length=2000, blank=True)
    state = models.CharField(max_length=12, choices=AssetState.choices, default=AssetState.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["name_it", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="sharing_asset_code"),
            models.CheckConstraint(
                condition=Q(deposit_minor__gte=0)
                & (Q(hour_minor__isnull=True) | Q(hour_minor__gte=0))
                & (Q(day_minor__isnull=True) | Q(day_minor__gte=0)),
                name="sharing_asset_prices_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "kind", "state"], name="sharing_asset_search"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def description(self):
        return _localized(self, "description")

    @property
    def bookable(self) -> bool:
        return self.state == AssetState.ACTIVE and self.listing == ListingStatus.APPROVED


class AssetPhoto(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(max_length=200)  # in the photo store (resized, no EXIF)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def url(self):
        return photo_url(self.name)


class BookingStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", pgettext_lazy("booking", "Waiting for the e-mail confirmation")
    CONFIRMED = "confirmed", pgettext_lazy("booking", "Confirmed")
    OUT = "out", pgettext_lazy("booking", "Picked up")
    RETURNED = "returned", pgettext_lazy("booking", "Returned")
    CANCELLED = "cancelled", pgettext_lazy("booking", "Cancelled")
    LAPSED = "lapsed", pgettext_lazy("booking", "Not confirmed in time")


# Bookings that hold their asset for their time range (`held` is True exactly for these).
HOLDING = (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED, BookingStatus.OUT)


# Bookings whose rental the business has earned: the asset was picked up.
EARNED = (BookingStatus.OUT, BookingStatus.RETURNED)


class PaymentMethod(models.TextChoices):
    TILL = "till", pgettext_lazy("payment", "At the shop when picking up")
    TRANSFER = "transfer", pgettext_lazy("payment", "By bank transfer before picking up")


class Booking(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    # no index of its own: the (asset, business, starts_at, ends_at) index below starts with
    # it, and with both PostgreSQL chose the single-column one to look for an overlap, reading
    # every booking of the asset instead of the few in the range (the search 63 -> 27 ms)
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    code = models.CharField(max_length=12)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    held = models.BooleanField(default=True)  # see HOLDING; what the overlap guard reads
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.UNCONFIRMED
    )
    # Who rides: a consumer by name and e-mail, or a signed-in user (a peer of the army).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(max_length=8, default="it")
    payment_method = models.CharField(
        _("payment"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.TILL
    )
    reference = models.CharField(max_length=25)  # ISO 11649 RF, quoted on a transfer
    token_hash = models.CharField(max_length=64)  # of the e-mailed link that shows it
    idempotency_key = models.CharField(max_length=100, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)  # unconfirmed: lapses after it
    # What was agreed when booking (copied, so later price changes never touch it).
    currency = models.CharField(max_length=3, default="EUR")
    gross_minor = models.BigIntegerField(default=0)
    discount_minor = models.BigIntegerField(default=0)
    price_minor = models.BigIntegerField(_("price"), default=0)
    deposit_minor = models.BigIntegerField(_("deposit"), default=0)
    commission_percent = models.PositiveSmallIntegerField(default=0)  # peer-owned assets
    free_cancel_until = models.DateTimeField(null=True, blank=True)
    late_fee_percent = models.PositiveSmallIntegerField(default=100)
    late_grace_minutes = models.PositiveSmallIntegerField(default=0)
    # What happened.
    # Money: `taken` is what came in for the booking, net of what went back; `held` is what
    # the shop holds for it and has not earned (a rental paid ahead, the deposit). The rental
    # is earned when the asset is picked up; fees come out of the deposit, and what it does
    # not cover is `collected` at the till.
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by_transfer = models.BooleanField(default=False)
    taken_minor = models.BigIntegerField(default=0)
    held_minor = models.BigIntegerField(default=0)
    late_fee_minor = models.BigIntegerField(default=0)
    damage_kept_minor = models.BigIntegerField(default=0)
    collected_minor = models.BigIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checkout_notes = models.TextField(_("condition at pick-up"), max_length=2000, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checkin_notes = models.TextField(_("condition at return"), max_length=2000, blank=True)
    distance_km = models.PositiveIntegerField(_("distance (km)"), null=True, blank=True)
    damage_ticket = models.ForeignKey(
        "support.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="sharing_booking_code"),
            models.UniqueConstraint(
                fields=["business", "reference"], name="sharing_booking_reference"
            ),
            models.UniqueConstraint(
                fields=["business", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="sharing_booking_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="sharing_booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(price_minor__gte=0)
                & Q(deposit_minor__gte=0)
                & Q(taken_minor__gte=0)
                & Q(held_minor__gte=0)
                & Q(late_fee_minor__gte=0)
                & Q(damage_kept_minor__gte=0),
                name="sharing_booking_money_not_negative",
            ),
        ]
        indexes = [
            # The overlap search: an asset's bookings by time. The business is in it (every
            # scoped query names it) so that, without statistics, SQLite's planner prefers it
            # to the calendar's (business, starts_at) for the search's correlated subquery.
            models.Index(
                fields=["asset", "business", "starts_at", "ends_at"], name="sharing_booking_asset"
            ),
            models.Index(fields=["business", "starts_at"], name="sharing_booking_calendar"),
            # the open-data feed: a program's bookings now, and those out on a rental
            models.Index(
                fields=["program", "business", "starts_at"], name="sharing_booking_program"
            ),
            models.Index(fields=["program", "business", "status"], name="sharing_booking_status"),
            models.Index(fields=["status", "hold_until"], name="sharing_booking_hold"),
            models.Index(fields=["token_hash"], name="sharing_booking_token"),
        ]

    def __str__(self):
        return self.code

    @property
    def is_late(self) -> bool:
        return self.status == BookingStatus.OUT and timezone.now() > self.ends_at


class Sponsor(models.Model):
    """Pays to have its brand on a program (or some of its assets) for a period."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="sharing_sponsors"
    )
    name = models.CharField(_("name"), max_length=120)
    logo = models.CharField(_("logo"), max_length=200, blank=True)
    url = models.URLField(_("web address"), blank=True)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact's e-mail"))
    language = models.CharField(_("language of the reports"), max_length=8, default="it")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    amount_minor = models.BigIntegerField(_("fee"), default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="EUR")
    fee_received_at = models.DateTimeField(null=True, blank=True)
    # Empty: the whole program.
    assets = models.ManyToManyField(Asset, blank=True, related_name="sponsors")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="sharing_sponsor_period"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def logo_url(self):
        return photo_url(self.logo) if self.logo else ""


class SponsorReport(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="reports")
    month = models.DateField()  # the first day of the month reported
    figures = models.JSONField(default=dict)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "month"], name="sharing_report_once"),
        ]

    def __str__(self):
        return f"{self.sponsor_id} {self.month:%Y-%m}"


class PageViews(models.Model):
    """How many times an asset's public page was opened on a day (for sponsors' reports)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "day"], name="sharing_views_once"),
        ]

    def __str__(self):
        return f"{self.asset_id} {self.day}"
