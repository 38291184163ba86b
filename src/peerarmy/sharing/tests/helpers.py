"""Set-up shared by sharing's tests (and the web and API tests): a sharing program with its
terms, a station, an asset, and bookings made through their typed inputs, from the start to the
return."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from peerarmy.programs.models import ProgramKind
from peerarmy.sharing import services
from peerarmy.sharing.inputs import (
    AssetInput,
    BookingInput,
    CheckInInput,
    CheckOutInput,
    SharingSettingsInput,
    StationInput,
)
from peerarmy.tenancy.tests.factories import ProgramFactory

_numbers = itertools.count(1)


def sharing_program(business, owner, **terms):
    """A published sharing program with `terms` (SharingSettingsInput's fields)."""
    program = ProgramFactory(business=business, kind=ProgramKind.SHARING)
    services.save_settings(business, owner, program, SharingSettingsInput(**terms))
    return program


def station(business, owner, program, **fields):
    data = {
        "program_id": program.pk,
        "name_it": "Negozio",
        "name_en": "Shop",
        "address": "Via Zamboni 1, Bologna",
        "latitude": 44.4949,
        "longitude": 11.3426,
        "capacity": 10,
    } | fields
    return services.save_station(business, owner, StationInput(**data)).value


def asset(business, owner, program, *, at=None, **fields):
    """An asset at the station `at` (one is made when not given): a cargo bike at 6 € an hour
    and 30 € a day with a 50 € deposit, bookable at any time, unless `fields` say otherwise."""
    if at is None and "latitude" not in fields:
        at = station(business, owner, program)
    data = {
        "program_id": program.pk,
        "kind": "cargo_bike",
        "name_it": f"Cargo-bike {next(_numbers)}",
        "name_en": "Cargo bike",
        "propulsion": "electric_assist",
        "range_km": 60,
        "seats": 2,
        "station_id": at.pk if at is not None else None,
        "hour_minor": 600,
        "day_minor": 3000,
        "deposit_minor": 5000,
        "min_minutes": 60,
        "max_minutes": 7 * 1440,
    } | fields
    return services.save_asset(business, owner, AssetInput(**data)).value


def next_saturday(hour=9, *, weeks=1) -> datetime:
    """A Saturday at `hour`, in Rome, at least a few days from now."""
    today = timezone.localdate()
    days = (5 - today.weekday()) % 7 + 7 * (weeks - 1)
    if days < 2:
        days += 7
    day = today + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def book(business, the_asset, *, start=None, hours=3, confirm=True, user=None, **fields):
    """A booking made (and, unless told otherwise, confirmed by its e-mail link): the
    BookingMade, with the booking read again."""
    start = start or next_saturday()
    data = {
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "name": "Anna Rossi",
        "email": f"rider{next(_numbers)}@example.com",
    } | fields
    made = services.book(business, the_asset, BookingInput(**data), user=user).value
    if confirm and made.booking.status == "unconfirmed":
        services.confirm_booking(business, made.token)
    made.booking.refresh_from_db()
    return made


def pick_up(business, staff, booking, *, now=None, **fields):
    now = now or booking.starts_at
    return services.check_out(business, staff, booking, CheckOutInput(**fields), now=now).value


def bring_back(business, staff, booking, *, now=None, **fields):
    now = now or booking.ends_at
    return services.check_in(business, staff, booking, CheckInInput(**fields), now=now).value
