"""The typed inputs of every change in sharing (see `peerarmy.inputs`): a program's terms, a
station, an asset (by staff, or listed by a peer), a booking, its cancellation, the pick-up and
the return, a sponsor.

Amounts are integer cents; times are moments (typed in the business's time zone, stored in
UTC). Whether an asset is free, within its hours and of a bookable length are the services'
rules: they need the business's data."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from django.utils.translation import gettext as _
from pydantic import field_validator, model_validator

from peerarmy.inputs import (
    ID,
    Day,
    Email,
    Input,
    Latitude,
    Longitude,
    Moment,
    Phone,
    rule_errors,
    text,
    whole,
)

from .models import AssetKind, PaymentMethod, Propulsion

MAX_AMOUNT = 1_000_000_00  # a million euros: beyond any rental
MAX_MINUTES = 366 * 1440
_HOURS = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")

KindCode = Literal[tuple(AssetKind.values)]
PropulsionCode = Literal[tuple(Propulsion.values)]
PaymentCode = Literal[tuple(PaymentMethod.values)]


class SharingSettingsInput(Input):
    peer_discount_percent: whole(0, 100) = 20
    commission_percent: whole(0, 100) = 20
    free_cancel_hours: whole(0, 720) = 24
    late_fee_percent: whole(0, 1000) = 150
    late_grace_minutes: whole(0, 240) = 15
    confirm_minutes: whole(5, 1440) = 60
    reminder_hours: whole(0, 168) = 24


class StationInput(Input):
    program_id: ID
    name_it: text(120, min_length=1)
    name_en: text(120) = ""
    address: text(200, min_length=1)
    latitude: Latitude
    longitude: Longitude
    capacity: whole(1, 1000) = 10
    active: bool = True


class OpenWindow(Input):
    """When an asset can be picked up and returned on a weekday (0 Monday … 6 Sunday)."""

    weekday: whole(0, 6)
    opens: text(5)
    closes: text(5)

    @model_validator(mode="after")
    def _order(self):
        errors = []
        for name in ("opens", "closes"):
            if not _HOURS.match(getattr(self, name)):
                errors.append((name, _("Write the time as HH:MM, for example 09:30.")))
        if not errors and self.closes <= self.opens:
            errors.append(("closes", _("The closing time comes after the opening time.")))
        rule_errors(errors, type(self).__name__)
        return self


class AssetInput(Input):
    """An asset as staff describe it, or a peer lists theirs (then staff approve it)."""

    program_id: ID
    kind: KindCode
    name_it: text(120, min_length=1)
    name_en: text(120) = ""
    description_it: text(4000) = ""
    description_en: text(4000) = ""
    propulsion: PropulsionCode | None = None
    range_km: whole(1, 5000) | None = None
    seats: whole(1, 60) | None = None
    station_id: ID | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    position_note: text(200) = ""
    hour_minor: whole(0, MAX_AMOUNT) | None = None
    day_minor: whole(0, MAX_AMOUNT) | None = None
    deposit_minor: whole(0, MAX_AMOUNT) = 0
    min_minutes: whole(15, MAX_MINUTES) = 60
    max_minutes: whole(15, MAX_MINUTES) = 7 * 1440
    weekly_hours: list[OpenWindow] = []
    blocked_dates: list[Day] = []
    condition_notes: text(2000) = ""

    @field_validator("blocked_dates")
    @classmethod
    def _sorted_dates(cls, value: list[date]) -> list[date]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _rules(self):
        errors = []
        if self.hour_minor is None and self.day_minor is None:
            errors.append(("hour_minor", _("Give a price per hour, per day, or both.")))
        if self.max_minutes < self.min_minutes:
            errors.append(
                ("max_minutes", _("The longest booking cannot be shorter than the shortest."))
            )
        if self.station_id is None and (self.latitude is None or self.longitude is None):
            errors.append(
                ("station_id", _("Choose the station it lives at, or give where it can be found."))
            )
        if (self.latitude is None) != (self.longitude is None):
            errors.append(("longitude", _("Give both the latitude and the longitude.")))
        rule_errors(errors, type(self).__name__)
        return self


class ListingDecisionInput(Input):
    approve: bool
    reason: text(300) = ""

    @model_validator(mode="after")
    def _reason(self):
        if not self.approve and not self.reason:
            rule_errors([("reason", _("Say why, for the peer who listed it."))], "Input")
        return self


class AssetStateInput(Input):
    state: Literal["active", "maintenance", "retired"]


class SearchInput(Input):
    """What a visitor looks for: a time range, a kind, near a place."""

    starts_at: Moment
    ends_at: Moment
    kind: KindCode | None = None
    station_id: ID | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _order(self):
        if self.ends_at <= self.starts_at:
            rule_errors([("ends_at", _("The end comes after the start."))], "SearchInput")
        return self


class BookingInput(Input):
    asset_id: ID | None = None  # the API names the asset in the body; pages in the address
    starts_at: Moment
    ends_at: Moment
    name: text(120, min_length=1)
    email: Email
    phone: Phone = ""
    payment_method: PaymentCode = "till"

    @model_validator(mode="after")
    def _order(self):
        if self.ends_at <= self.starts_at:
            rule_errors([("ends_at", _("The end comes after the start."))], "BookingInput")
        return self


class CancelInput(Input):
    reason: text(300) = ""


class CheckOutInput(Input):
    """The asset leaves: its condition as seen, and the payment taken at the till (the rental
    and the deposit) when it was not paid ahead."""

    notes: text(2000) = ""
    take_payment: bool = True


class CheckInInput(Input):
    """The asset is back: its condition, the distance ridden where known, any damage and what
    of the deposit it keeps."""

    notes: text(2000) = ""
    distance_km: whole(0, 100_000) | None = None
    damage: text(2000) = ""
    damage_minor: whole(0, MAX_AMOUNT) = 0
    returned_at: Moment | None = None  # when it actually came back; now by default
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _damage(self):
        if self.damage_minor and not self.damage:
            rule_errors([("damage", _("Describe the damage the deposit pays for."))], "Input")
        return self


class SponsorInput(Input):
    program_id: ID
    name: text(120, min_length=1)
    url: text(500) = ""
    contact_name: text(120) = ""
    contact_email: Email
    language: Literal["it", "en"] = "it"
    starts_on: Day
    ends_on: Day
    amount_minor: whole(0, MAX_AMOUNT) = 0
    asset_ids: list[ID] = []

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            value = "https://" + value
        return value

    @model_validator(mode="after")
    def _period(self):
        if self.ends_on < self.starts_on:
            rule_errors([("ends_on", _("The end comes after the start."))], "SponsorInput")
        return self
