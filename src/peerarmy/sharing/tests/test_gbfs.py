"""The open-data feed (GBFS v3.0) of a sharing program, as a journey planner reads it: every
file validates against the official schemas (tests/data/gbfs-v3.0, Apache-2.0), what it says
about the fleet follows the bookings, its links lead to the booking pages, and reading it costs
the same few queries however large the fleet."""

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from jsonschema import Draft7Validator, FormatChecker
from PIL import Image

from peerarmy.programs.models import ProgramStatus
from peerarmy.sharing import gbfs, pricing, services
from peerarmy.sharing.inputs import (
    AssetInput,
    AssetStateInput,
    BookingInput,
    ListingDecisionInput,
    SponsorInput,
)
from peerarmy.sharing.tests.helpers import (
    asset,
    next_saturday,
    pick_up,
    sharing_program,
    station,
)

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "data" / "gbfs-v3.0"
FEEDS = [
    "gbfs",
    "gbfs_versions",
    "system_information",
    "vehicle_types",
    "station_information",
    "station_status",
    "vehicle_status",
    "system_pricing_plans",
]

# jsonschema checks "date-time" and "uri" only with optional packages: check them here, as
# RFC 3339 and as absolute addresses, so that the schemas' formats are really enforced.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value):
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError(f"not RFC 3339: {value}")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri", raises=ValueError)
def _uri(value):
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.scheme == "mailto"):
        raise ValueError(f"not an absolute URI: {value}")
    return True


def _errors(feed, payload):
    schema = json.loads((SCHEMAS / f"{feed}.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema, format_checker=FORMATS)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]


def _url(business, program, feed):
    kwargs = {"business_slug": business.slug, "program_slug": program.slug}
    if feed == "gbfs":
        return reverse("web:sharing_gbfs", kwargs=kwargs)
    return reverse("web:sharing_gbfs_feed", kwargs=kwargs | {"feed": feed})


def _read(client, business, program, feed):
    response = client.get(_url(business, program, feed))
    assert response.status_code == 200, response.content
    return response.json()


def _png():
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (250, 200, 0)).save(out, format="PNG")
    return out.getvalue()


def _booking(business, the_asset, start, *, hours=3):
    """A confirmed booking from `start` (which may be now or just past: it was made earlier)."""
    made_at = start - timedelta(days=1)
    data = BookingInput(
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        name="Anna Rossi",
        email="anna@example.com",
    )
    made = services.book(business, the_asset, data, now=made_at).value
    services.confirm_booking(business, made.token, now=made_at)
    made.booking.refresh_from_db()
    return made.booking


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fleet(business, owner, peer):
    """Bici Gialla's program: e-bikes at the shop, cargo bikes at the market, a free-floating
    bike, a peer's cargo bike, a drill, bookings now and later, and a sponsor with a logo."""
    program = sharing_program(business, owner, peer_discount_percent=20)
    shop = station(business, owner, program, capacity=10)
    market = station(
        business,
        owner,
        program,
        name_it="Mercato",
        name_en="Market",
        address="Via Ugo Bassi 2, Bologna",
        latitude=44.4938,
        longitude=11.3387,
        capacity=4,
    )
    ebike = {"kind": "ebike", "propulsion": "electric_assist", "range_km": 70, "seats": 1}
    held_now = asset(business, owner, program, at=shop, name_en="E-bike 1", **ebike)
    free = asset(business, owner, program, at=shop, name_en="E-bike 2", **ebike)
    broken = asset(business, owner, program, at=shop, name_en="E-bike 3", **ebike)
    services.set_asset_state(business, owner, broken, AssetStateInput(state="maintenance"))
    out = asset(
        business,
        owner,
        program,
        at=shop,
        kind="bike",
        propulsion="human",
        range_km=None,
        seats=1,
        hour_minor=300,
        day_minor=None,
    )
    drill = asset(business, owner, program, at=shop, kind="tool", propulsion=None, range_km=None)
    soon = asset(business, owner, program, at=market)  # cargo bikes, 6 €/h, 30 €/day
    later = asset(business, owner, program, at=market)
    floating = asset(
        business,
        owner,
        program,
        kind="bike",
        propulsion="human",
        range_km=None,
        seats=1,
        latitude=44.5001,
        longitude=11.3502,
        hour_minor=None,
        day_minor=1500,
    )
    peers = services.list_peer_asset(
        peer,
        AssetInput(
            program_id=program.pk,
            kind="cargo_bike",
            name_it="La cargo di Marta",
            station_id=market.pk,
            hour_minor=400,
        ),
    ).value
    services.decide_listing(business, owner, peers, ListingDecisionInput(approve=True))
    pending = services.list_peer_asset(
        peer,
        AssetInput(
            program_id=program.pk,
            kind="bike",
            name_it="Bici in attesa",
            station_id=market.pk,
            hour_minor=200,
        ),
    ).value

    now = timezone.now().replace(second=0, microsecond=0)
    _booking(business, held_now, now - timedelta(minutes=30))
    _booking(business, soon, now + timedelta(minutes=30))
    saturday = next_saturday(9)
    _booking(business, later, saturday)
    ride = _booking(business, out, now - timedelta(hours=1))
    pick_up(business, owner, ride, take_payment=True)

    today = timezone.localdate()
    sponsor = services.save_sponsor(
        business,
        owner,
        SponsorInput(
            program_id=program.pk,
            name="Banca di Bologna",
            contact_email="sponsor@example.com",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=30),
        ),
    ).value
    sponsor = services.set_sponsor_logo(business, owner, sponsor, _png()).value
    return SimpleNamespace(
        program=program,
        shop=shop,
        market=market,
        held_now=held_now,
        free=free,
        broken=broken,
        out=out,
        drill=drill,
        soon=soon,
        later=later,
        saturday=saturday,
        floating=floating,
        peers=peers,
        pending=pending,
        sponsor=sponsor,
    )


# --- every file validates ----------------------------------------------------------------


@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_of_a_busy_program_validates_against_the_official_schema(
    client, business, fleet, feed
):
    response = client.get(_url(business, fleet.program, feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    payload = response.json()
    assert f"max-age={payload['ttl']}" in response["Cache-Control"]
    assert payload["version"] == "3.0"
    assert _errors(feed, payload) == []


@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_of_an_empty_program_validates(client, business, owner, feed):
    program = sharing_program(business, owner)
    payload = _read(client, business, program, feed)
    assert _errors(feed, payload) == []


def test_the_schemas_catch_a_broken_document():
    """The validation above would notice a missing field or a wrong time format."""
    broken = {"last_updated": "yesterday", "ttl": 60, "version": "3.0", "data": {}}
    found = _errors("vehicle_status", broken)
    assert any("vehicles" in e for e in found)
    assert any("yesterday" in e for e in found)


# --- what a journey planner reads ---------------------------------------------------------


def _vehicles(client, business, fleet):
    return _read(client, business, fleet.program, "vehicle_status")["data"]["vehicles"]


def _by_id(vehicles):
    return {v["vehicle_id"]: v for v in vehicles}


def test_the_discovery_file_lists_every_feed_at_its_address(client, business, fleet):
    feeds = _read(client, business, fleet.program, "gbfs")["data"]["feeds"]
    names = {f["name"] for f in feeds}
    assert names == set(FEEDS) - {"gbfs"}
    for entry in feeds:
        response = client.get(urlsplit(entry["url"]).path)
        assert response.status_code == 200
        assert entry["url"].startswith(settings.SITE_URL)


def test_a_bike_booked_now_or_within_the_hour_is_reserved_not_available(client, business, fleet):
    vehicles = _by_id(_vehicles(client, business, fleet))
    assert vehicles[fleet.held_now.code]["is_reserved"] is True
    assert vehicles[fleet.soon.code]["is_reserved"] is True
    assert vehicles[fleet.free.code]["is_reserved"] is False
    later = vehicles[fleet.later.code]
    assert later["is_reserved"] is False
    # it may be taken until its booking starts
    assert datetime.fromisoformat(later["available_until"]) == fleet.saturday


def test_a_bike_out_on_a_rental_is_not_published(client, business, fleet):
    vehicles = _by_id(_vehicles(client, business, fleet))
    assert fleet.out.code not in vehicles


def test_a_bike_in_maintenance_is_disabled(client, business, fleet):
    vehicles = _by_id(_vehicles(client, business, fleet))
    assert vehicles[fleet.broken.code]["is_disabled"] is True
    assert vehicles[fleet.free.code]["is_disabled"] is False


def test_only_approved_vehicles_are_published(client, business, fleet):
    vehicles = _vehicles(client, business, fleet)
    ids = {v["vehicle_id"] for v in vehicles}
    assert fleet.peers.code in ids  # a peer's approved cargo bike
    assert fleet.pending.code not in ids  # waiting for the shop
    assert fleet.drill.code not in ids  # a tool is not a GBFS vehicle
    assert len(vehicles) == 7  # 3 e-bikes, 2 cargo bikes, the peer's, the floating bike


def test_station_counts_add_up(client, business, fleet):
    stations = {
        s["station_id"]: s
        for s in _read(client, business, fleet.program, "station_status")["data"]["stations"]
    }
    shop, market = stations[fleet.shop.code], stations[fleet.market.code]
    # the shop: e-bike 1 held now, e-bike 2 free, e-bike 3 broken; the bike is out
    assert shop["num_vehicles_available"] == 1
    assert shop["num_vehicles_disabled"] == 1
    assert shop["num_docks_available"] == 10 - 3
    # the market: one cargo bike reserved within the hour, one free until Saturday, the peer's
    assert market["num_vehicles_available"] == 2
    assert market["num_docks_available"] == 4 - 3
    for status in stations.values():
        by_type = sum(t["count"] for t in status["vehicle_types_available"])
        assert by_type == status["num_vehicles_available"]
        assert status["is_renting"] and status["is_returning"] and status["is_installed"]
    vehicles = _vehicles(client, business, fleet)
    published = [
        v
        for v in vehicles
        if v.get("station_id") == fleet.shop.code and not v["is_reserved"] and not v["is_disabled"]
    ]
    assert len(published) == shop["num_vehicles_available"]


def test_a_free_floating_bike_shows_its_place_under_a_rotating_id(client, business, fleet):
    vehicles = _vehicles(client, business, fleet)
    floating = [v for v in vehicles if "lat" in v]
    assert len(floating) == 1
    bike = floating[0]
    assert bike["vehicle_id"] != fleet.floating.code
    assert "station_id" not in bike
    assert (bike["lat"], bike["lon"]) == (44.5001, 11.3502)
    # the link does not give the bike's permanent code away
    assert fleet.floating.code not in bike["rental_uris"]["web"]
    # the id changes the next day
    row = {
        "code": fleet.floating.code,
        "station_id": None,
        "updated": fleet.floating.updated_at.timestamp(),
    }
    today = gbfs.vehicle_id(business, row, "2026-05-01")
    assert gbfs.vehicle_id(business, row, "2026-05-02") != today


def test_rental_links_lead_to_the_asset_and_station_pages(client, business, fleet):
    codes = {fleet.held_now.code, fleet.free.code, fleet.broken.code}
    codes |= {fleet.soon.code, fleet.later.code, fleet.peers.code}
    for vehicle in _vehicles(client, business, fleet):
        match = resolve(urlsplit(vehicle["rental_uris"]["web"]).path)
        assert match.kwargs["business_slug"] == business.slug
        assert match.kwargs["program_slug"] == fleet.program.slug
        if "station_id" in vehicle:
            assert match.url_name == "sharing_asset"
            assert match.kwargs["code"] == vehicle["vehicle_id"]
            assert match.kwargs["code"] in codes
        else:
            assert match.url_name == "sharing_program"
    info = _read(client, business, fleet.program, "station_information")["data"]["stations"]
    assert {s["station_id"] for s in info} == {fleet.shop.code, fleet.market.code}
    for entry in info:
        match = resolve(urlsplit(entry["rental_uris"]["web"]).path)
        assert match.url_name == "sharing_station"
        assert match.kwargs["code"] == entry["station_id"]
    shop = next(s for s in info if s["station_id"] == fleet.shop.code)
    assert {n["language"]: n["text"] for n in shop["name"]} == {"it": "Negozio", "en": "Shop"}
    assert shop["capacity"] == 10


def test_vehicle_types_say_what_each_vehicle_is(client, business, fleet):
    types = {
        t["vehicle_type_id"]: t
        for t in _read(client, business, fleet.program, "vehicle_types")["data"]["vehicle_types"]
    }
    vehicles = _vehicles(client, business, fleet)
    assert {v["vehicle_type_id"] for v in vehicles} <= set(types)
    by_vehicle = {v["vehicle_id"]: types[v["vehicle_type_id"]] for v in vehicles}
    ebike = by_vehicle[fleet.free.code]
    assert ebike["form_factor"] == "bicycle"
    assert ebike["propulsion_type"] == "electric_assist"
    assert ebike["max_range_meters"] == 70_000
    assert ebike["rider_capacity"] == 1
    cargo = by_vehicle[fleet.later.code]
    assert cargo["form_factor"] == "cargo_bicycle"
    assert cargo["rider_capacity"] == 2
    assert by_vehicle[fleet.broken.code] is ebike  # same kind, propulsion, range and seats
    free = next(v for v in vehicles if v["vehicle_id"] == fleet.free.code)
    assert free["current_range_meters"] == 70_000
    assert ebike["default_pricing_plan_id"] == free["pricing_plan_id"]


def _gbfs_price(plan, minutes):
    """What a GBFS consumer computes for a rental of `minutes`: each rate is charged as its
    interval starts (an interval of 0: once), segment by segment."""
    total = plan["price"]
    for segment in plan.get("per_min_pricing", []):
        end = min(minutes, segment.get("end", minutes))
        at = segment["start"]
        while at < end:
            total += segment["rate"]
            if segment["interval"] == 0:
                break
            at += segment["interval"]
    return round(total, 2)


def test_each_pricing_plan_prices_a_rental_as_the_booking_does(client, business, fleet):
    plans = {
        p["plan_id"]: p
        for p in _read(client, business, fleet.program, "system_pricing_plans")["data"]["plans"]
    }
    tariffs = {
        "eur-600h-3000d": pricing.Tariff(600, 3000),  # the cargo bikes: capped by the day
        "eur-400h-xd": pricing.Tariff(400, None),  # the peer's: by the hour only
        "eur-xh-1500d": pricing.Tariff(None, 1500),  # the floating bike: by the day only
        "eur-300h-xd": pricing.Tariff(300, None),
    }
    assert tariffs.keys() <= plans.keys()
    start = timezone.now()
    lengths = [1, 59, 60, 61, 299, 300, 301, 1439, 1440, 1441, 1500, 2000, 2880, 2881, 9000]
    for plan_id, tariff in tariffs.items():
        for minutes in lengths:
            expected = pricing.quote(tariff, start, start + timedelta(minutes=minutes))
            assert _gbfs_price(plans[plan_id], minutes) == expected.gross_minor / 100, (
                plan_id,
                minutes,
            )
    capped = plans["eur-600h-3000d"]
    assert capped["currency"] == "EUR" and capped["is_taxable"] is False
    words = {d["language"]: d["text"] for d in capped["description"]}
    assert "20%" in words["en"]  # the discount for peers of the army


def test_system_information_carries_the_sponsors_brand(client, business, fleet):
    data = _read(client, business, fleet.program, "system_information")["data"]
    assert data["languages"] == ["it", "en"]
    assert data["timezone"] == business.timezone
    brand = data["brand_assets"]
    assert brand["brand_image_url"] == settings.SITE_URL + fleet.sponsor.logo_url
    assert brand["brand_last_modified"] == timezone.localdate().isoformat()
    names = {n["language"]: n["text"] for n in data["name"]}
    assert names == {"it": fleet.program.title_it, "en": fleet.program.title_en}
    assert resolve(urlsplit(data["url"]).path).url_name == "sharing_program"


def test_without_a_sponsor_the_business_logo_is_the_brand(client, business, owner):
    program = sharing_program(business, owner)
    assert "brand_assets" not in _read(client, business, program, "system_information")["data"]
    business.logo = "logos/bici-gialla.webp"
    business.save()
    data = _read(client, business, program, "system_information")["data"]
    assert data["brand_assets"]["brand_image_url"].endswith("/media/logos/bici-gialla.webp")
    assert data["brand_assets"]["color"] == business.brand_color


def _open(weekday, opens, closes):
    return {"weekday": weekday, "opens": opens, "closes": closes}


def test_opening_hours_are_those_of_the_vehicles(business, owner):
    program = sharing_program(business, owner)
    asset(
        business,
        owner,
        program,
        weekly_hours=[_open(0, "09:00", "13:00"), _open(0, "15:00", "19:00")],
    )
    asset(
        business,
        owner,
        program,
        weekly_hours=[_open(0, "12:00", "14:00"), _open(5, "09:00", "12:00")],
    )
    data = gbfs.document(business, program, "system_information")["data"]
    assert data["opening_hours"] == "Mo 09:00-14:00,15:00-19:00; Sa 09:00-12:00"
    asset(business, owner, program)  # bookable at any time
    data = gbfs.document(business, program, "system_information")["data"]
    assert data["opening_hours"] == "24/7"


# --- what is not there ---------------------------------------------------------------------


def _not_found(response):
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_an_unknown_feed_answers_404_in_json(client, business, fleet):
    kwargs = {"business_slug": business.slug, "program_slug": fleet.program.slug}
    url = reverse("web:sharing_gbfs_feed", kwargs=kwargs | {"feed": "free_bike_status"})
    assert _not_found(client.get(url))["error"] == "unknown_feed"


def test_an_unpublished_program_has_no_feed(client, business, owner):
    program = sharing_program(business, owner)
    program.status = ProgramStatus.DRAFT
    program.save()
    for feed in ("gbfs", "vehicle_status"):
        assert _not_found(client.get(_url(business, program, feed)))["error"] == "not_found"


def test_another_business_program_slug_answers_404(client, business, other_business, fleet):
    for feed in ("gbfs", "station_status", "vehicle_status"):
        url = _url(other_business, fleet.program, feed)
        _not_found(client.get(url))


# --- cost ------------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("feed", FEEDS)
def test_reading_a_feed_costs_the_same_queries_for_3_or_30_vehicles(
    client, business, owner, django_assert_max_num_queries, feed
):
    program = sharing_program(business, owner)
    shop = station(business, owner, program, capacity=40)
    start = next_saturday(9)

    def add(n):
        for _i in range(n):
            bike = asset(business, owner, program, at=shop)
            _booking(business, bike, start)
        asset(business, owner, program, latitude=44.5, longitude=11.35)

    add(3)
    url = _url(business, program, feed)
    few = _queries(client, url)
    assert few <= 6
    add(27)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
