"""The open-data feed of a sharing program: GBFS v3.0, so that journey planners can show the
fleet. One feed per published sharing program, at `/<business>/gbfs/<program>/gbfs.json` and a
file per part beside it; every document is built live from the database on each request.

What the feed says, and why:
- **Vehicles** are the program's approved, not retired assets of a vehicle kind (bike, e-bike,
  cargo bike, car); tools, rooms and other things are not GBFS vehicles and are left out. A
  vehicle in maintenance is listed as disabled.
- **Vehicle types**: one per (kind, propulsion, range, seats). Bikes and e-bikes are
  `bicycle`, cargo bikes `cargo_bicycle`, cars `car`. GBFS requires a range for anything with a
  motor: an asset without one is given its kind's typical range (`TYPICAL_RANGE_KM`), and a
  vehicle's current range is its type's (the shop charges or fills it between rentals).
- **Availability comes from the bookings**: a vehicle out on a rental is, as GBFS v3.0 asks,
  not in `vehicle_status` at all and not counted at its station; one held by a booking now (not
  picked up yet) or whose booking starts within `RESERVED_AHEAD` is reserved, not available.
  `available_until` is the start of its next booking, so a planner knows how long it can be
  kept. A station's free places are its capacity less the vehicles at it.
- **Privacy**: a station's vehicle keeps its public code as its id (everybody sees it at the
  station anyway). A free-floating vehicle shows where it was left, which over time could tell
  where a rider lives: its id is an HMAC (keyed with SECRET_KEY) of its code, the day and the
  last change of the asset (a return with a position is one), so it changes every day and after
  every trip and cannot be traced back to the code; its rental link points to the program's
  page, not to the asset's, for the same reason.
- **Prices**: one plan per distinct (currency, hour price, day price). Each plan encodes
  `pricing.quote` exactly with `per_min_pricing`: every started hour costs the hour price until
  the day price (the daily cap) is reached, then the rest of the day price is charged once,
  and the pattern starts again every 24 hours, for as many days as the longest booking allowed.
  A rate is charged as each interval starts (a booking of exactly 60 minutes pays one hour; an
  interval of 0 charges once), as `pricing.quote` counts started hours; prices include tax. The description says it in words, with the discount for peers of the army.
- **Names** are localized strings in every language of the site, the business's own first,
  falling back to the other language's text where one is missing.

The reads are few and do not grow with the fleet: a feed runs at most five queries after the
business's (the program, the stations, the vehicles, the bookings out and of the hour, the
next bookings), groups in the database what it only counts, and builds the rest in Python.
The web view (`web/views/sharing_gbfs.py`) only answers with what `document` returns.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.money import format_money, minor_digits
from peerarmy.photos import url as photo_url

from . import selectors
from .models import (
    VEHICLES,
    Asset,
    AssetKind,
    AssetState,
    Booking,
    BookingStatus,
    ListingStatus,
    Propulsion,
    Station,
)
from .sql import Epoch

VERSION = "3.0"
# What a feed may be asked for, and how many seconds a reader may keep it.
STATUS_TTL = 60
INFO_TTL = 300
TTL = {
    "gbfs": INFO_TTL,
    "gbfs_versions": INFO_TTL,
    "system_information": INFO_TTL,
    "vehicle_types": INFO_TTL,
    "station_information": INFO_TTL,
    "station_status": STATUS_TTL,
    "vehicle_status": STATUS_TTL,
    "system_pricing_plans": INFO_TTL,
}
FEEDS = tuple(TTL)
RESERVED_AHEAD = timedelta(hours=1)
_CODE = "__code__"
MAX_PLAN_DAYS = 31

FORM_FACTOR = {
    AssetKind.BIKE: "bicycle",
    AssetKind.EBIKE: "bicycle",
    AssetKind.CARGO_BIKE: "cargo_bicycle",
    AssetKind.CAR: "car",
}
DEFAULT_PROPULSION = {
    AssetKind.BIKE: Propulsion.HUMAN,
    AssetKind.EBIKE: Propulsion.ELECTRIC_ASSIST,
    AssetKind.CARGO_BIKE: Propulsion.HUMAN,
    AssetKind.CAR: Propulsion.COMBUSTION,
}
# A cautious range for a motorised vehicle whose owner gave none (GBFS requires one).
TYPICAL_RANGE_KM = {
    AssetKind.BIKE: 40,
    AssetKind.EBIKE: 40,
    AssetKind.CARGO_BIKE: 40,
    AssetKind.CAR: 300,
}
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
BUSINESS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class UnknownFeed(NotFound):
    code = "unknown_feed"


# --- entry points ----------------------------------------------------------------------------


def published_program(business, program_slug):
    """The published sharing program whose feed is asked for; else `NotFound`."""
    return selectors.get_sharing_program(business, program_slug, published=True)


def document(business, program, feed: str, *, now: datetime | None = None) -> dict:
    """The GBFS document `feed` ("gbfs" is the discovery file) of the program, now."""
    if feed not in TTL:
        raise UnknownFeed(_("This feed is not published: see gbfs.json for the list."))
    now = timezone.localtime(now or timezone.now(), business.tzinfo).replace(microsecond=0)
    data = _BUILDERS[feed](_Context(business, program, now))
    return {
        "last_updated": _moment(now),
        "ttl": TTL[feed],
        "version": VERSION,
        "data": data,
    }


# --- helpers ---------------------------------------------------------------------------------


class _Context:
    def __init__(self, business, program, now):
        self.business = business
        self.program = program
        self.now = now
        default = business.default_language
        self.languages = [default] + [c for c, _n in settings.LANGUAGES if c != default]

    def url(self, name, **kwargs):
        kwargs = {"business_slug": self.business.slug} | kwargs
        return settings.SITE_URL + reverse(f"web:{name}", kwargs=kwargs)

    def program_url(self, name, **kwargs):
        """An absolute address of the program's pages; `_CODE` as a code makes a template
        (reverse() for each of thousands of vehicles would be the feed's slowest part)."""
        return self.url(name, program_slug=self.program.slug, **kwargs)

    def texts(self, by_language: dict) -> list[dict]:
        """A GBFS localized string: one entry per language, missing ones from another."""
        fallback = next((by_language.get(c) for c in self.languages if by_language.get(c)), "")
        return [{"text": by_language.get(c) or fallback, "language": c} for c in self.languages]

    def translated(self, make) -> list[dict]:
        """`make()` (which calls gettext) in each language."""
        found = {}
        for code in self.languages:
            with translation.override(code):
                found[code] = str(make())
        return self.texts(found)


def _moment(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat()


def _moment_of(seconds: float, tz) -> str:
    """A moment given in seconds since 1970, in the time zone `tz`."""
    return datetime.fromtimestamp(round(seconds), tz).isoformat()


def _absolute(url: str) -> str:
    return url if urlsplit(url).scheme else settings.SITE_URL + url


def _money_rate(minor: int, currency: str):
    digits = minor_digits(currency)
    return minor / 10**digits if digits else minor


# --- reads -----------------------------------------------------------------------------------
# Each feed asks only for the columns it shows, grouped in the database where it can.

_ASSET_FIELDS = (
    "pk",
    "code",
    "kind",
    "propulsion",
    "range_km",
    "seats",
    "station_id",
    "station__code",
    "station__active",
    "latitude",
    "longitude",
    "currency",
    "hour_minor",
    "day_minor",
    "max_minutes",
    "state",
    "updated",
)
_TYPE_FIELDS = ("kind", "propulsion", "range_km", "seats")
_PLAN_FIELDS = ("currency", "hour_minor", "day_minor")


def _vehicle_rows(ctx):
    """The program's vehicles: approved and not retired."""
    return Asset.objects.filter(
        business=ctx.business,
        program=ctx.program,
        listing=ListingStatus.APPROVED,
        kind__in=VEHICLES,
    ).exclude(state=AssetState.RETIRED)


def _vehicles(ctx, *fields):
    """The vehicles as dicts of `fields` (one query); `updated` is when the vehicle last
    changed, in seconds since 1970."""
    rows = _vehicle_rows(ctx).order_by("code").annotate(updated=Epoch("updated_at"))
    return list(rows.values(*(fields or _ASSET_FIELDS)))


def _vehicle_groups(ctx):
    """The vehicles counted by type, tariff and whether they float (one query)."""
    floating = ExpressionWrapper(Q(station__isnull=True), output_field=BooleanField())
    return list(
        _vehicle_rows(ctx)
        .annotate(floating=floating)
        .values(*_TYPE_FIELDS, *_PLAN_FIELDS, "floating")
        .annotate(n=Count("pk"), longest=Max("max_minutes"))
        .order_by()
    )


def _weekly_hours(ctx) -> list:
    """The distinct weekly hours of the vehicles (one query)."""
    return list(_vehicle_rows(ctx).values_list("weekly_hours", flat=True).distinct().order_by())


def _stations(ctx):
    return list(
        Station.objects.filter(business=ctx.business, program=ctx.program, active=True)
        .order_by("code")
        .values("pk", "code", "name_it", "name_en", "address", "latitude", "longitude", "capacity")
    )


def _bookings_now(ctx, vehicles, *, next_starts=False):
    """(vehicles out on a rental, vehicles reserved now or within the next hour, and with
    `next_starts` each vehicle's next booking's start), in two queries whatever the fleet.
    The second asks, per vehicle, its own bookings through the (asset, business, starts_at)
    index: a few index steps each, where a scan of the program's bookings in a window would
    read tens of thousands of rows. No booking is longer than the longest its asset allows,
    so only bookings starting within that much of now can hold it now. (A booking made before
    its asset's longest booking was shortened may be longer.)"""
    now = ctx.now
    longest = timedelta(minutes=max((v["max_minutes"] for v in vehicles), default=0))
    # No ordering: the model's (starts_at, id) would make SQLite walk a whole index in order
    # instead of looking up the few rows asked for.
    out = set(
        Booking.objects.filter(business=ctx.business, program=ctx.program, status=BookingStatus.OUT)
        .order_by()
        .values_list("asset_id", flat=True)
    )
    own = Booking.objects.filter(asset=OuterRef("pk"), business=ctx.business, held=True).order_by()
    holding = own.filter(
        starts_at__gte=now - longest, starts_at__lt=now + RESERVED_AHEAD, ends_at__gt=now
    )
    rows = _vehicle_rows(ctx).order_by().annotate(reserved=Exists(holding))
    fields = ["pk", "reserved"]
    if next_starts:
        following = own.filter(starts_at__gt=now).order_by("starts_at")
        following = following.annotate(at=Epoch("starts_at")).values("at")[:1]
        rows = rows.annotate(next_start=Subquery(following))
        fields.append("next_start")
    reserved, following = set(), {}
    for row in rows.values(*fields):
        if row["reserved"]:
            reserved.add(row["pk"])
        if next_starts and row["next_start"] is not None:
            following[row["pk"]] = row["next_start"]
    return out, reserved - out, following


# --- vehicle types and plans (pure, on the asset dicts) --------------------------------------


def _propulsion(asset) -> str:
    return asset["propulsion"] or DEFAULT_PROPULSION[asset["kind"]]


def _range_km(asset) -> int | None:
    if _propulsion(asset) == Propulsion.HUMAN:
        return None
    return asset["range_km"] or TYPICAL_RANGE_KM[asset["kind"]]


def _type_key(asset):
    return (asset["kind"], _propulsion(asset), _range_km(asset), asset["seats"])


def _type_id(key) -> str:
    kind, propulsion, range_km, seats = key
    return f"{kind}-{propulsion}-{range_km or 0}km-{seats or 0}s"


def _priced(asset) -> bool:
    return asset["hour_minor"] is not None or asset["day_minor"] is not None


def _plan_key(asset):
    return (asset["currency"], asset["hour_minor"], asset["day_minor"])


def _plan_id(key) -> str:
    currency, hour, day = key
    hour = "x" if hour is None else hour
    day = "x" if day is None else day
    return f"{currency.lower()}-{hour}h-{day}d"


def _type_name(key):
    kind, propulsion, range_km, seats = key
    parts = [AssetKind(kind).label]
    if propulsion != DEFAULT_PROPULSION[kind]:
        parts.append(Propulsion(propulsion).label)
    if range_km:
        parts.append(_("%(km)d km") % {"km": range_km})
    return " · ".join(str(p) for p in parts)


def _per_min_pricing(key, days: int) -> list[dict]:
    """`pricing.quote` as GBFS segments (see the module's docstring)."""
    currency, hour, day = key
    if day is None:
        return [{"start": 0, "rate": _money_rate(hour, currency), "interval": 60}]
    if hour is None:
        return [{"start": 0, "rate": _money_rate(day, currency), "interval": 1440}]
    # hours charged in full before the cap; the rest of the day price once after them
    full = 24 if hour == 0 else min(24, day // hour)
    rest = day - full * hour
    segments = []
    for block in range(days):
        base = block * 1440
        if hour and full:
            segments.append(
                {
                    "start": base,
                    "rate": _money_rate(hour, currency),
                    "interval": 60,
                    "end": base + 60 * full,
                }
            )
        if rest:
            # charged once the booking is longer than those hours (than 23:59 when the cap is
            # never reached by the hour: a whole day costs the day price)
            start = base + min(60 * full, 1439)
            segments.append({"start": start, "rate": _money_rate(rest, currency), "interval": 0})
    return segments


def _plan_words(key, peer_discount: int) -> tuple:
    currency, hour, day = key
    prices = {
        "hour": format_money(hour, currency) if hour is not None else "",
        "day": format_money(day, currency) if day is not None else "",
    }
    if hour is not None and day is not None:
        name = _("%(hour)s an hour, at most %(day)s a day") % prices
        description = (
            _(
                "Every started hour costs %(hour)s, but no 24 hours cost more than %(day)s: "
                "each whole 24 hours cost %(day)s and what is left is priced by the hour "
                "again, up to %(day)s."
            )
            % prices
        )
    elif hour is not None:
        name = _("%(hour)s an hour") % prices
        description = _("Every started hour costs %(hour)s.") % prices
    else:
        name = _("%(day)s a day") % prices
        description = _("Every started 24 hours cost %(day)s.") % prices
    if peer_discount:
        description += " " + _("Peers of the army pay %(percent)d%% less.") % {
            "percent": peer_discount
        }
    return name, description


# --- builders --------------------------------------------------------------------------------


def _discovery(ctx):
    feeds = [
        {"name": name, "url": ctx.program_url("sharing_gbfs_feed", feed=name)}
        for name in FEEDS
        if name != "gbfs"
    ]
    return {"feeds": feeds}


def _versions(ctx):
    return {"versions": [{"version": VERSION, "url": ctx.program_url("sharing_gbfs")}]}


def _osm_hours(days: dict[int, list[tuple[str, str]]]) -> str:
    """Weekly windows (0 = Monday) in OSM opening_hours syntax: "Mo 09:00-13:00,15:00-19:00"."""
    rules = []
    for weekday in range(7):
        windows = _merged(days.get(weekday, []))
        if windows:
            spans = ",".join(f"{a}-{b}" for a, b in windows)
            rules.append(f"{OSM_DAYS[weekday]} {spans}")
    return "; ".join(rules) if rules else "off"


def _merged(windows):
    merged = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _opening_hours(ctx, weekly_hours) -> str:
    """When vehicles can be picked up and returned: the union of their weekly hours (any
    vehicle without hours: always); with no vehicle, the shop's opening hours."""
    if weekly_hours:
        if any(not hours for hours in weekly_hours):
            return "24/7"
        days = defaultdict(list)
        for hours in weekly_hours:
            for weekday, start, end in hours:
                days[int(weekday)].append((start, end))
        return _osm_hours(days)
    hours = ctx.business.opening_hours or {}
    if not hours:
        return "24/7"
    days = {
        i: [(a, b) for a, b in hours.get(name, [])]
        for i, name in enumerate(BUSINESS_DAYS)
        if hours.get(name)
    }
    return _osm_hours(days)


def _logo_day(name, fallback):
    try:
        return timezone.localdate(default_storage.get_modified_time(name))
    except (NotImplementedError, OSError, ValueError):
        return fallback


def _brand_assets(ctx):
    """The current sponsor's logo, else the business's own."""
    business = ctx.business
    for sponsor in selectors.current_sponsors(business, ctx.program):
        if sponsor.logo:
            return {
                "brand_last_modified": _logo_day(
                    sponsor.logo, max(sponsor.starts_on, sponsor.created_at.date())
                ).isoformat(),
                "brand_image_url": _absolute(sponsor.logo_url),
            }
    if business.logo:
        return {
            "brand_last_modified": _logo_day(
                business.logo, timezone.localdate(business.created_at)
            ).isoformat(),
            "brand_image_url": _absolute(photo_url(business.logo)),
            "color": business.brand_color,
        }
    return None


def _system_information(ctx):
    business, program = ctx.business, ctx.program
    contact = business.contact_email or settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(">")
    data = {
        "system_id": f"peerarmy-{business.slug}-{program.slug}",
        "languages": ctx.languages,
        "name": ctx.texts({"it": program.title_it, "en": program.title_en}),
        "operator": ctx.texts({c: business.name for c in ctx.languages}),
        "opening_hours": _opening_hours(ctx, _weekly_hours(ctx)),
        "feed_contact_email": contact.strip(),
        "timezone": business.timezone,
        "url": ctx.program_url("sharing_program"),
    }
    if business.contact_email:
        data["email"] = business.contact_email
    if business.phone and business.phone.startswith("+") and business.phone[1:].isdigit():
        data["phone_number"] = business.phone
    if program.published_at:
        data["start_date"] = timezone.localdate(program.published_at, business.tzinfo).isoformat()
    brand = _brand_assets(ctx)
    if brand:
        data["brand_assets"] = brand
    return data


def _vehicle_types(ctx):
    plans_of = defaultdict(Counter)
    floating = defaultdict(set)
    for group in _vehicle_groups(ctx):
        key = _type_key(group)
        plans = plans_of[key]  # every type is listed, priced or not
        if _priced(group):
            plans[_plan_id(_plan_key(group))] += group["n"]
        floating[key].add(group["floating"])
    types = []
    for key in sorted(plans_of, key=_type_id):
        kind, propulsion, range_km, seats = key
        entry = {
            "vehicle_type_id": _type_id(key),
            "form_factor": FORM_FACTOR[kind],
            "propulsion_type": propulsion,
            "name": ctx.translated(lambda key=key: _type_name(key)),
        }
        if plans_of[key]:
            entry["default_pricing_plan_id"] = plans_of[key].most_common(1)[0][0]
            entry["pricing_plan_ids"] = sorted(plans_of[key])
        if range_km:
            entry["max_range_meters"] = range_km * 1000
        if seats:
            entry["rider_capacity"] = seats
        if floating[key] == {True}:
            entry["return_constraint"] = "free_floating"
        elif floating[key] == {False}:
            entry["return_constraint"] = "roundtrip_station"
        types.append(entry)
    return {"vehicle_types": types}


def _system_pricing_plans(ctx):
    longest = defaultdict(int)
    for group in _vehicle_groups(ctx):
        if _priced(group):
            key = _plan_key(group)
            longest[key] = max(longest[key], group["longest"])
    discount = selectors.sharing_settings(ctx.business, ctx.program).peer_discount_percent
    plans = []
    for key in sorted(longest, key=_plan_id):
        days = min(MAX_PLAN_DAYS, max(1, math.ceil(longest[key] / 1440)))
        plans.append(
            {
                "plan_id": _plan_id(key),
                "name": ctx.translated(lambda key=key: _plan_words(key, discount)[0]),
                "currency": key[0],
                "price": 0,
                "is_taxable": False,
                "description": ctx.translated(lambda key=key: _plan_words(key, discount)[1]),
                "per_min_pricing": _per_min_pricing(key, days),
            }
        )
    return {"plans": plans}


def _station_information(ctx):
    stations = []
    for station in _stations(ctx):
        stations.append(
            {
                "station_id": station["code"],
                "name": ctx.texts({"it": station["name_it"], "en": station["name_en"]}),
                "lat": float(station["latitude"]),
                "lon": float(station["longitude"]),
                "address": station["address"],
                "capacity": station["capacity"],
                "rental_uris": {
                    "web": ctx.program_url("sharing_station", code=station["code"]),
                },
            }
        )
    return {"stations": stations}


def _station_status(ctx):
    stations = _stations(ctx)
    vehicles = _vehicles(ctx, "pk", "station_id", *_TYPE_FIELDS, "state", "max_minutes")
    out, reserved, _none = _bookings_now(ctx, vehicles)
    present = defaultdict(int)
    disabled = defaultdict(int)
    available = defaultdict(Counter)
    for vehicle in vehicles:
        station_id = vehicle["station_id"]
        if station_id is None:
            continue
        type_id = _type_id(_type_key(vehicle))
        available[station_id][type_id] += 0  # every type kept at the station is listed
        if vehicle["pk"] in out:
            continue
        present[station_id] += 1
        if vehicle["state"] == AssetState.MAINTENANCE:
            disabled[station_id] += 1
        elif vehicle["pk"] not in reserved:
            available[station_id][type_id] += 1
    rows = []
    for station in stations:
        pk = station["pk"]
        counts = available[pk]
        rows.append(
            {
                "station_id": station["code"],
                "num_vehicles_available": sum(counts.values()),
                "vehicle_types_available": [
                    {"vehicle_type_id": type_id, "count": counts[type_id]}
                    for type_id in sorted(counts)
                ],
                "num_vehicles_disabled": disabled[pk],
                "num_docks_available": max(0, station["capacity"] - present[pk]),
                "is_installed": True,
                "is_renting": True,
                "is_returning": True,
                "last_reported": _moment(ctx.now),
            }
        )
    return {"stations": rows}


def vehicle_id(business, vehicle, day) -> str:
    """The public id of a vehicle: its code at a station, a rotating HMAC when it floats."""
    if vehicle["station_id"] is not None:
        return vehicle["code"]
    message = f"gbfs|{business.pk}|{vehicle['code']}|{day}|{round(vehicle['updated'])}"
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()[:20]


def _vehicle_status(ctx):
    vehicles = _vehicles(ctx)
    out, reserved, next_starts = _bookings_now(ctx, vehicles, next_starts=True)
    asset_url = ctx.program_url("sharing_asset", code=_CODE).rsplit(_CODE, 1)
    # a floating vehicle's link is the program's page: its code would follow it across days
    floating_url = ctx.program_url("sharing_program")
    today = ctx.now.date().isoformat()
    tz = ctx.business.tzinfo
    moments = {}  # vehicles share moments (bookings start on the hour): each written once

    def moment(seconds):
        key = round(seconds)
        if key not in moments:
            moments[key] = _moment_of(key, tz)
        return moments[key]

    rows = []
    for vehicle in vehicles:
        if vehicle["pk"] in out:
            continue  # GBFS v3.0: a vehicle on an active rental is not published
        at_station = vehicle["station_id"] is not None
        if at_station and not vehicle["station__active"]:
            continue
        if not at_station and vehicle["latitude"] is None:
            continue
        key = _type_key(vehicle)
        row = {
            "vehicle_id": vehicle_id(ctx.business, vehicle, today),
            "is_reserved": vehicle["pk"] in reserved,
            "is_disabled": vehicle["state"] == AssetState.MAINTENANCE,
            "vehicle_type_id": _type_id(key),
            "last_reported": moment(vehicle["updated"]),
        }
        if at_station:
            row["station_id"] = vehicle["station__code"]
            row["rental_uris"] = {"web": quote(vehicle["code"]).join(asset_url)}
        else:
            row["lat"] = float(vehicle["latitude"])
            row["lon"] = float(vehicle["longitude"])
            row["rental_uris"] = {"web": floating_url}
        if _priced(vehicle):
            row["pricing_plan_id"] = _plan_id(_plan_key(vehicle))
        if key[2]:
            row["current_range_meters"] = key[2] * 1000
        if vehicle["pk"] in next_starts:
            row["available_until"] = moment(next_starts[vehicle["pk"]])
        rows.append(row)
    return {"vehicles": rows}


_BUILDERS = {
    "gbfs": _discovery,
    "gbfs_versions": _versions,
    "system_information": _system_information,
    "vehicle_types": _vehicle_types,
    "station_information": _station_information,
    "station_status": _station_status,
    "vehicle_status": _vehicle_status,
    "system_pricing_plans": _system_pricing_plans,
}
