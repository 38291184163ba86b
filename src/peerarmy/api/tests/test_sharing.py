"""Sharing through the API: a program's terms, stations and assets (photos, state, a peer's
listing), the availability search with its prices, bookings from the one made by phone (safe to
retry with an Idempotency-Key) to the pick-up and the return with its settlement, sponsors and
their monthly reports; the problems a client reads (asset_unavailable, outside_opening_hours,
booking_too_short, booking_too_long), the books sound after every step, and nothing of another
business."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peerarmy.accounts.services import create_token
from peerarmy.notifications.models import OutboxMessage
from peerarmy.rewards.checks import check_business
from peerarmy.sharing import reports, selectors, services
from peerarmy.sharing.inputs import AssetInput, BookingInput, SponsorInput
from peerarmy.sharing.models import Booking, BookingStatus
from peerarmy.sharing.tests.helpers import (
    asset,
    book,
    next_saturday,
    pick_up,
    sharing_program,
    station,
)
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sharing"


def _put(api, url, body):
    return api._send("put", url, body, {})


def _upload(api, url, content, name="bike.jpg"):
    return api.client.post(url, {"file": SimpleUploadedFile(name, content)}, **api._headers({}))


def _jpeg(size=(640, 480)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", size, (250, 200, 0))
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _booking_body(bike, start, hours=3, **fields):
    return {
        "asset_id": bike.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        "name": "Anna Rossi",
        "email": "anna@example.com",
    } | fields


@pytest.fixture
def fleet(business, owner):
    """Bici Gialla's sharing program with a station at the shop and a cargo bike there."""
    program = sharing_program(business, owner)
    shop = station(business, owner, program)
    return {"program": program, "shop": shop, "bike": asset(business, owner, program, at=shop)}


# --- a program's terms, stations and assets -----------------------------------------------------


def test_a_programs_terms_round_trip(api, fleet):
    url = f"{BASE}/programs/{fleet['program'].pk}/settings"
    assert api.get(url).json()["peer_discount_percent"] == 20

    changed = _put(api, url, {"peer_discount_percent": 10, "free_cancel_hours": 48})
    assert changed.status_code == 200, changed.content
    assert changed.json()["peer_discount_percent"] == 10
    assert changed.json()["commission_percent"] == 20  # left out: the default
    assert api.get(url).json()["free_cancel_hours"] == 48

    refused = _put(api, url, {"late_fee_percent": 5000})
    assert refused.status_code == 422 and problem_fields(refused) == ["late_fee_percent"]


def test_stations_round_trip(api, fleet):
    program = fleet["program"]
    created = api.post(
        f"{BASE}/stations",
        {"program_id": program.pk, "name_it": "Stazione", "name_en": "Station",
         "address": "Piazza Maggiore 1, Bologna", "latitude": 44.4938, "longitude": 11.3426,
         "capacity": 6},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    found = created.json()
    assert found["code"] and found["capacity"] == 6 and found["latitude"] == 44.4938

    listed = api.get(f"{BASE}/stations", {"program_id": program.pk}).json()
    assert {s["id"] for s in listed["results"]} == {found["id"], fleet["shop"].pk}

    changed = api.patch(f"{BASE}/stations/{found['id']}", {"capacity": 8, "active": False})
    assert changed.status_code == 200, changed.content
    assert changed.json()["capacity"] == 8 and changed.json()["name_it"] == "Stazione"
    assert api.get(f"{BASE}/stations/{found['id']}").json()["active"] is False

    refused = api.patch(f"{BASE}/stations/{found['id']}", {"capacity": 0, "latitude": 91})
    assert refused.status_code == 422
    assert sorted(problem_fields(refused)) == ["capacity", "latitude"]


def test_assets_round_trip(api, fleet):
    program, shop = fleet["program"], fleet["shop"]
    created = api.post(
        f"{BASE}/assets",
        {"program_id": program.pk, "kind": "ebike", "name_it": "E-bike gialla",
         "propulsion": "electric_assist", "range_km": 70, "station_id": shop.pk,
         "hour_minor": 500, "day_minor": 2500, "deposit_minor": 3000,
         "weekly_hours": [{"weekday": 5, "opens": "09:00", "closes": "19:00"}]},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    ebike = created.json()
    assert ebike["listing"] == "approved" and ebike["state"] == "active"
    assert ebike["owner_peer_id"] is None and ebike["photos"] == []
    assert ebike["weekly_hours"] == [{"weekday": 5, "opens": "09:00", "closes": "19:00"}]

    kinds = api.get(f"{BASE}/assets", {"program_id": program.pk, "kind": "ebike"}).json()
    assert [a["id"] for a in kinds["results"]] == [ebike["id"]]
    assert api.get(f"{BASE}/assets").json()["count"] == 2

    changed = api.patch(
        f"{BASE}/assets/{ebike['id']}", {"day_minor": 2000, "blocked_dates": ["2031-08-15"]}
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["day_minor"] == 2000 and body["hour_minor"] == 500  # what was not sent stays
    assert body["blocked_dates"] == ["2031-08-15"] and body["weekly_hours"] == ebike["weekly_hours"]
    assert api.get(f"{BASE}/assets/{ebike['id']}").json()["day_minor"] == 2000

    state = api.post(f"{BASE}/assets/{ebike['id']}/state", {"state": "maintenance"})
    assert state.status_code == 200 and state.json()["state"] == "maintenance"
    in_maintenance = api.get(f"{BASE}/assets", {"state": "maintenance"}).json()
    assert [a["id"] for a in in_maintenance["results"]] == [ebike["id"]]
    bad_state = api.post(f"{BASE}/assets/{ebike['id']}/state", {"state": "stolen"})
    assert bad_state.status_code == 422 and problem_fields(bad_state) == ["state"]


def test_an_asset_without_a_price_or_a_place_is_refused_naming_the_fields(api, fleet):
    refused = api.post(
        f"{BASE}/assets", {"program_id": fleet["program"].pk, "kind": "tool", "name_it": "Trapano"}
    )
    assert refused.status_code == 422
    assert sorted(problem_fields(refused)) == ["hour_minor", "station_id"]
    unknown = api.patch(f"{BASE}/assets/{fleet['bike'].pk}", {"kind": "spaceship"})
    assert unknown.status_code == 422 and problem_fields(unknown) == ["kind"]
    hours = api.patch(
        f"{BASE}/assets/{fleet['bike'].pk}",
        {"weekly_hours": [{"weekday": 1, "opens": "18:00", "closes": "09:00"}]},
    )
    assert hours.status_code == 422, hours.content


def test_an_assets_photos_lose_their_metadata_and_can_be_removed(api, fleet):
    bike = fleet["bike"]
    added = _upload(api, f"{BASE}/assets/{bike.pk}/photos", _jpeg())
    assert added.status_code == 201, added.content
    photo = added.json()
    assert photo["url"].endswith(".webp")
    assert [p["id"] for p in api.get(f"{BASE}/assets/{bike.pk}").json()["photos"]] == [photo["id"]]

    refused = _upload(api, f"{BASE}/assets/{bike.pk}/photos", b"not a picture", "notes.txt")
    assert refused.status_code == 422 and refused.json()["code"] == "photo_rejected"
    nothing = api.post(f"{BASE}/assets/{bike.pk}/photos")
    assert nothing.status_code == 422 and problem_fields(nothing) == ["file"]

    assert api.delete(f"{BASE}/assets/{bike.pk}/photos/{photo['id']}").status_code == 204
    assert api.get(f"{BASE}/assets/{bike.pk}").json()["photos"] == []
    assert api.delete(f"{BASE}/assets/{bike.pk}/photos/{photo['id']}").status_code == 404


def test_staff_approve_or_refuse_a_peers_listing(api, business, fleet, peer):
    data = AssetInput(
        program_id=fleet["program"].pk, kind="cargo_bike", name_it="Tandem di Marco",
        station_id=fleet["shop"].pk, day_minor=2000,
    )  # fmt: skip
    tandem = services.list_peer_asset(peer, data).value
    pending = api.get(f"{BASE}/assets", {"listing": "pending"}).json()
    assert [a["id"] for a in pending["results"]] == [tandem.pk]
    assert pending["results"][0]["owner_peer_id"] == peer.pk

    no_reason = api.post(f"{BASE}/assets/{tandem.pk}/listing", {"approve": False})
    assert no_reason.status_code == 422 and problem_fields(no_reason) == ["reason"]
    refused = api.post(
        f"{BASE}/assets/{tandem.pk}/listing", {"approve": False, "reason": "Photos, please"}
    )
    assert refused.status_code == 200 and refused.json()["listing"] == "refused"
    assert refused.json()["listing_note"] == "Photos, please"
    approved = api.post(f"{BASE}/assets/{tandem.pk}/listing", {"approve": True})
    assert approved.json()["listing"] == "approved"

    own = api.post(f"{BASE}/assets/{fleet['bike'].pk}/listing", {"approve": True})
    assert own.status_code == 409 and own.json()["code"] == "invalid_transition"


# --- availability -------------------------------------------------------------------------------


def test_the_search_leaves_out_booked_assets_and_prices_the_rest(api, business, owner, fleet):
    program = fleet["program"]
    far = station(business, owner, program, name_it="Lontano", latitude=44.52, longitude=11.40)
    other = asset(business, owner, program, at=far, name_it="Cargo lontana")
    taken = asset(business, owner, program, at=fleet["shop"], name_it="Cargo prenotata")
    start = next_saturday()
    book(business, taken, start=start, hours=3)

    url = f"{BASE}/programs/{program.pk}/availability"
    params = {
        "starts_at": (start + timedelta(hours=1)).isoformat(),
        "ends_at": (start + timedelta(hours=6)).isoformat(),
        "kind": "cargo_bike",
        "latitude": 44.4949,
        "longitude": 11.3426,
    }
    found = api.get(url, params)
    assert found.status_code == 200, found.content
    results = found.json()
    assert [r["asset"]["id"] for r in results] == [fleet["bike"].pk, other.pk]  # nearest first
    assert results[0]["distance_km"] == 0.0 and results[1]["distance_km"] > 3
    # 5 hours at 6 € are 30 €, the day price: the cap
    assert results[0]["quote"] == {
        "minutes": 300, "days": 0, "hours": 5, "gross_minor": 3000, "discount_minor": 0,
        "total_minor": 3000, "deposit_minor": 5000, "currency": "EUR",
    }  # fmt: skip
    as_peer = api.get(url, params | {"peer": "true"}).json()
    assert as_peer[0]["quote"]["discount_minor"] == 600
    assert as_peer[0]["quote"]["total_minor"] == 2400

    later = api.get(url, params | {"starts_at": (start + timedelta(hours=3)).isoformat()}).json()
    assert taken.pk in [r["asset"]["id"] for r in later]  # back to back is free


def test_a_search_without_its_range_or_half_a_place_names_the_field(api, fleet):
    url = f"{BASE}/programs/{fleet['program'].pk}/availability"
    start = next_saturday()
    missing = api.get(url, {"ends_at": start.isoformat()})
    assert missing.status_code == 422 and problem_fields(missing) == ["starts_at"]
    backwards = api.get(
        url, {"starts_at": start.isoformat(), "ends_at": (start - timedelta(hours=1)).isoformat()}
    )
    assert backwards.status_code == 422 and problem_fields(backwards) == ["ends_at"]
    half = api.get(
        url,
        {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
         "latitude": 44.5},
    )  # fmt: skip
    assert half.status_code == 422 and problem_fields(half) == ["longitude"]
    garbled = api.get(url, {"starts_at": "saturday", "ends_at": "sunday"})
    assert garbled.status_code == 422
    assert sorted(problem_fields(garbled)) == ["ends_at", "starts_at"]


# --- bookings -----------------------------------------------------------------------------------


def test_a_booking_by_phone_is_made_once_whatever_the_retries(api, business, fleet):
    bike = fleet["bike"]
    start = next_saturday()
    body = _booking_body(bike, start)
    first = api.post(
        f"{BASE}/bookings", body, HTTP_IDEMPOTENCY_KEY="call-42", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert first.status_code == 201, first.content
    booking = first.json()
    assert booking["status"] == "unconfirmed" and booking["hold_until"]
    assert booking["price_minor"] == 1800 and booking["deposit_minor"] == 5000
    assert booking["asset_name"] == "Cargo bike" and booking["language"] == "en"
    assert OutboxMessage.objects.filter(recipient="anna@example.com").count() == 1

    again = api.post(f"{BASE}/bookings", body, HTTP_IDEMPOTENCY_KEY="call-42")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == booking["id"]
    assert Booking.objects.filter(business=business).count() == 1
    assert OutboxMessage.objects.filter(recipient="anna@example.com").count() == 1

    other = _booking_body(bike, start + timedelta(days=1))
    reused = api.post(f"{BASE}/bookings", other, HTTP_IDEMPOTENCY_KEY="call-42")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    too_long_key = api.post(f"{BASE}/bookings", other, HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long_key.status_code == 422
    assert Booking.objects.filter(business=business).count() == 1

    assert api.get(f"{BASE}/bookings/{booking['id']}").json()["code"] == booking["code"]
    assert check_business(business.pk) == []


def test_a_booking_names_its_asset_in_the_body(api, other_business, other_staff, fleet):
    start = next_saturday()
    body = _booking_body(fleet["bike"], start)
    del body["asset_id"]
    missing = api.post(f"{BASE}/bookings", body)
    assert missing.status_code == 422 and problem_fields(missing) == ["asset_id"]
    theirs = asset(other_business, other_staff, sharing_program(other_business, other_staff))
    foreign = api.post(f"{BASE}/bookings", body | {"asset_id": theirs.pk})
    assert foreign.status_code == 422 and problem_fields(foreign) == ["asset_id"]
    garbled = api.post(f"{BASE}/bookings", body | {"asset_id": "one", "email": "nope"})
    assert garbled.status_code == 422
    assert sorted(problem_fields(garbled)) == ["asset_id", "email"]
    assert not Booking.objects.exists()


def test_each_refusal_of_a_booking_has_its_code(api, business, owner, fleet):
    program, shop = fleet["program"], fleet["shop"]
    start = next_saturday(9)
    bike = fleet["bike"]
    book(business, bike, start=start, hours=3)
    taken = api.post(f"{BASE}/bookings", _booking_body(bike, start + timedelta(hours=1)))
    assert taken.status_code == 409 and taken.json()["code"] == "asset_unavailable"

    mornings = asset(
        business, owner, program, at=shop, min_minutes=60, max_minutes=240,
        weekly_hours=[{"weekday": 5, "opens": "09:00", "closes": "13:00"}],
    )  # fmt: skip
    cases = [
        (_booking_body(mornings, start, hours=5), 422, "booking_too_long", "ends_at"),
        (_booking_body(mornings, start, hours=0.5), 422, "booking_too_short", "ends_at"),
        (_booking_body(mornings, start + timedelta(hours=2), hours=3), 422,
         "outside_opening_hours", "starts_at"),
    ]  # fmt: skip
    for body, status, code, field in cases:
        response = api.post(f"{BASE}/bookings", body)
        assert response.status_code == status, (code, response.content)
        assert response.json()["code"] == code
        assert problem_fields(response) == [field]
        assert response.json()["detail"]

    api.post(f"{BASE}/assets/{mornings.pk}/state", {"state": "maintenance"})
    resting = api.post(f"{BASE}/bookings", _booking_body(mornings, start, hours=2))
    assert resting.status_code == 409 and resting.json()["code"] == "asset_unavailable"
    past = api.post(
        f"{BASE}/bookings", _booking_body(bike, timezone.now() - timedelta(days=1), hours=2)
    )
    assert past.status_code == 422 and problem_fields(past) == ["starts_at"]
    assert Booking.objects.filter(business=business).count() == 1


def test_bookings_are_listed_by_asset_status_and_time(api, business, owner, fleet):
    start = next_saturday()
    first = book(business, fleet["bike"], start=start, hours=2).booking
    other = asset(business, owner, fleet["program"], at=fleet["shop"])
    later = book(business, other, start=start + timedelta(days=7), hours=2).booking

    everything = api.get(f"{BASE}/bookings").json()
    assert [b["id"] for b in everything["results"]] == [first.pk, later.pk]
    by_asset = api.get(f"{BASE}/bookings", {"asset_id": other.pk}).json()
    assert [b["id"] for b in by_asset["results"]] == [later.pk]
    window = {"from": start.isoformat(), "until": (start + timedelta(days=1)).isoformat()}
    assert [b["id"] for b in api.get(f"{BASE}/bookings", window).json()["results"]] == [first.pk]
    none_out = api.get(f"{BASE}/bookings", {"status": "out"}).json()
    assert none_out["count"] == 0
    assert api.get(f"{BASE}/bookings", {"status": "lost"}).status_code == 422


def test_a_rental_from_the_pick_up_to_the_return_through_the_api(api, business, fleet):
    booking = book(business, fleet["bike"], hours=3).booking
    url = f"{BASE}/bookings/{booking.pk}"

    refused = api.post(f"{url}/check-out", {"take_payment": False})
    assert refused.status_code == 422 and problem_fields(refused) == ["take_payment"]
    out = api.post(f"{url}/check-out", {"notes": "Scratch on the left side"})
    assert out.status_code == 200, out.content
    assert out.json()["status"] == "out" and out.json()["taken_minor"] == 6800
    assert out.json()["checkout_notes"] == "Scratch on the left side"
    assert check_business(business.pk) == []
    assert api.post(f"{url}/check-out", {}).json()["status"] == "out"  # again: the same
    out_already = api.post(f"{url}/cancel", {"reason": "No"})
    assert out_already.status_code == 409 and out_already.json()["code"] == "invalid_transition"

    back = api.post(f"{url}/check-in", {"notes": "All fine", "distance_km": 12})
    assert back.status_code == 200, back.content
    settled = back.json()
    assert settled["late_fee_minor"] == 0 and settled["collect_minor"] == 0
    assert settled["given_back_minor"] == 5000
    assert settled["booking"]["status"] == "returned"
    assert settled["booking"]["distance_km"] == 12 and settled["booking"]["held_minor"] == 0
    assert check_business(business.pk) == []


def test_a_late_damaged_return_takes_the_deposit_and_says_what_to_collect(
    api, business, owner, fleet
):
    program = sharing_program(business, owner, late_fee_percent=150, late_grace_minutes=15)
    bike = asset(business, owner, program, at=station(business, owner, program))
    booking = _past_booking(business, bike, hours=3)
    pick_up(business, owner, booking)
    returned_at = booking.ends_at + timedelta(minutes=70)
    back = api.post(
        f"{BASE}/bookings/{booking.pk}/check-in",
        {"returned_at": returned_at.isoformat(), "damage": "Bent wheel", "damage_minor": 4000},
    )
    assert back.status_code == 200, back.content
    settled = back.json()
    # 70 minutes late: two started hours at 6 €, at 150 %; and 40 € of damage
    assert settled["late_fee_minor"] == 1800 and settled["damage_minor"] == 4000
    assert settled["from_deposit_minor"] == 5000
    assert settled["collect_minor"] == 800
    assert settled["given_back_minor"] == 0
    assert settled["booking"]["damage_ticket_id"] is not None
    assert settled["booking"]["collected_minor"] == 800
    assert check_business(business.pk) == []

    half = api.post(f"{BASE}/bookings/{booking.pk}/check-in", {"latitude": 44.5})
    assert half.status_code == 422 and problem_fields(half) == ["longitude"]
    no_words = api.post(f"{BASE}/bookings/{booking.pk}/check-in", {"damage_minor": 100})
    assert no_words.status_code == 422 and problem_fields(no_words) == ["damage"]


def _past_booking(business, bike, *, hours):
    """A booking made and confirmed days ago, for a rental that is due back already."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    data = BookingInput(
        starts_at=start, ends_at=start + timedelta(hours=hours), name="Bruno Neri",
        email="bruno@example.com",
    )  # fmt: skip
    made = services.book(business, bike, data, now=start - timedelta(days=1)).value
    services.confirm_booking(business, made.token, now=start - timedelta(hours=23))
    made.booking.refresh_from_db()
    return made.booking


def test_staff_cancel_or_record_a_transfer(api, business, fleet):
    start = next_saturday()
    paid = book(business, fleet["bike"], start=start, hours=2, payment_method="transfer").booking
    answer = api.post(f"{BASE}/bookings/{paid.pk}/paid")
    assert answer.status_code == 200, answer.content
    assert answer.json()["paid_by_transfer"] is True
    assert answer.json()["held_minor"] == paid.price_minor + paid.deposit_minor
    assert (
        api.post(f"{BASE}/bookings/{paid.pk}/paid").json()["held_minor"]
        == answer.json()["held_minor"]
    )
    assert check_business(business.pk) == []

    no_reason = api.post(f"{BASE}/bookings/{paid.pk}/cancel", {})
    assert no_reason.status_code == 422 and problem_fields(no_reason) == ["reason"]
    cancelled = api.post(f"{BASE}/bookings/{paid.pk}/cancel", {"reason": "The bike broke"})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["held_minor"] == 0
    assert cancelled.json()["cancel_reason"] == "The bike broke"
    assert check_business(business.pk) == []

    # the time is free again
    again = api.post(f"{BASE}/bookings", _booking_body(fleet["bike"], start, hours=2))
    assert again.status_code == 201, again.content
    unconfirmed = again.json()
    cannot_leave = api.post(f"{BASE}/bookings/{unconfirmed['id']}/check-out", {})
    assert cannot_leave.status_code == 409
    assert cannot_leave.json()["code"] == "invalid_transition"


# --- sponsors and their reports -----------------------------------------------------------------


def test_sponsors_round_trip_and_their_reports_download(api, business, owner, fleet):
    program, bike = fleet["program"], fleet["bike"]
    today = timezone.localdate()
    created = api.post(
        f"{BASE}/sponsors",
        {"program_id": program.pk, "name": "Banca di Bologna", "url": "bancabologna.example",
         "contact_email": "marketing@bancabologna.example", "language": "en",
         "starts_on": (today - timedelta(days=60)).isoformat(),
         "ends_on": (today + timedelta(days=300)).isoformat(), "amount_minor": 120_000,
         "asset_ids": [bike.pk]},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    sponsor = created.json()
    assert sponsor["url"] == "https://bancabologna.example"
    assert sponsor["asset_ids"] == [bike.pk] and sponsor["logo_url"] == ""
    assert [s["id"] for s in api.get(f"{BASE}/sponsors").json()["results"]] == [sponsor["id"]]

    changed = api.patch(f"{BASE}/sponsors/{sponsor['id']}", {"asset_ids": []})
    assert changed.status_code == 200 and changed.json()["asset_ids"] == []
    assert changed.json()["amount_minor"] == 120_000
    backwards = api.patch(
        f"{BASE}/sponsors/{sponsor['id']}", {"ends_on": (today - timedelta(days=90)).isoformat()}
    )
    assert backwards.status_code == 422 and problem_fields(backwards) == ["ends_on"]
    logo = _upload(api, f"{BASE}/sponsors/{sponsor['id']}/logo", _jpeg((300, 120)), "logo.jpg")
    assert logo.status_code == 200, logo.content
    assert logo.json()["logo_url"]

    # the monthly sweep makes the reports; here, one at once
    stored = reports.make_report(business, selectors.get_sponsor(business, sponsor["id"]), today)
    listed = api.get(f"{BASE}/sponsors/{sponsor['id']}/reports").json()
    assert [r["id"] for r in listed["results"]] == [stored.pk]
    report_url = f"{BASE}/sponsors/{sponsor['id']}/reports/{stored.pk}"
    figures = api.get(report_url).json()["figures"]
    assert {"rentals", "hours", "riders", "km", "views"} <= set(figures)

    pdf = api.get(f"{report_url}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    csv = api.get(f"{report_url}/csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Rentals" in csv.content.decode("utf-8-sig")


# --- roles and other businesses -----------------------------------------------------------------


def test_a_community_manager_hands_assets_over_but_does_not_change_the_fleet(
    client, business, fleet
):
    community = MembershipFactory(business=business, role=Role.COMMUNITY).user
    _token, raw = create_token(business=business, actor=community).value
    manager = ApiClient(client, raw, language="en")
    assert manager.get(f"{BASE}/assets").status_code == 200
    assert manager.get(f"{BASE}/stations/{fleet['shop'].pk}").status_code == 200
    assert manager.get(f"{BASE}/bookings").status_code == 200
    for method, url in [
        ("post", f"{BASE}/assets"),
        ("patch", f"{BASE}/assets/{fleet['bike'].pk}"),
        ("post", f"{BASE}/assets/{fleet['bike'].pk}/state"),
        ("post", f"{BASE}/stations"),
        ("get", f"{BASE}/sponsors"),
        ("get", f"{BASE}/programs/{fleet['program'].pk}/settings"),
    ]:
        # refused before the body is read: an empty body is not a 422
        response = (
            getattr(manager, method)(url) if method == "get" else getattr(manager, method)(url, {})
        )
        assert response.status_code == 403, (method, url)
        assert "role" in response.json()["detail"]


@pytest.fixture
def theirs(other_business, other_staff):
    """Lecce B&B's sharing: a program, a station, an asset with a photo, a booking, a sponsor
    with a report."""
    program = sharing_program(other_business, other_staff)
    their_station = station(other_business, other_staff, program)
    their_asset = asset(other_business, other_staff, program, at=their_station)
    photo = services.add_asset_photo(other_business, other_staff, their_asset, _jpeg()).value
    booking = book(other_business, their_asset, hours=2).booking
    today = timezone.localdate()
    sponsor = services.save_sponsor(
        other_business,
        other_staff,
        SponsorInput(
            program_id=program.pk,
            name="Banca del Salento",
            contact_email="b@example.com",
            starts_on=today,
            ends_on=today + timedelta(days=30),
        ),  # fmt: skip
    ).value
    report = reports.make_report(other_business, sponsor, today)
    return {
        "program_id": program.pk,
        "station_id": their_station.pk,
        "asset_id": their_asset.pk,
        "photo_id": photo.pk,
        "booking_id": booking.pk,
        "sponsor_id": sponsor.pk,
        "report_id": report.pk,
    }


def test_another_businesss_ids_answer_exactly_like_missing_ones(api, business, fleet, theirs):
    from peerarmy.api.api import endpoints

    start = next_saturday()
    walked = 0
    for endpoint in endpoints():
        path = endpoint.path
        if "/sharing/" not in path or "{" not in path:
            continue
        method = endpoint.method.lower()
        missing = path
        for name, value in theirs.items():
            path = path.replace("{" + name + "}", str(value))
            missing = missing.replace("{" + name + "}", str(10**9))
        assert "{" not in path, path
        params = (
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}
            if path.endswith("/availability")
            else {}
        )
        if method == "get":
            their_answer, missing_answer = api.get(path, params), api.get(missing, params)
        elif method == "delete":
            their_answer, missing_answer = api.delete(path), api.delete(missing)
        else:
            # an empty body: the required fields are asked for only once the object is found
            their_answer = api._send(method, path, "{}", {})
            missing_answer = api._send(method, missing, "{}", {})
        assert their_answer.status_code == 404, (method, path, their_answer.content)
        assert their_answer.json() == missing_answer.json(), (method, path)
        walked += 1
    assert walked >= 20
    # and a file sent to another business's asset or sponsor is not read
    photo = _upload(api, f"{BASE}/assets/{theirs['asset_id']}/photos", b"junk")
    assert photo.status_code == 404
    logo = _upload(api, f"{BASE}/sponsors/{theirs['sponsor_id']}/logo", b"junk")
    assert logo.status_code == 404
    booking = Booking.objects.get(pk=theirs["booking_id"])
    assert booking.status == BookingStatus.CONFIRMED and booking.checked_out_at is None


def test_no_list_or_search_shows_another_businesss_fleet(api, fleet, theirs):
    own = {"stations": [fleet["shop"].pk], "assets": [fleet["bike"].pk], "bookings": [],
           "sponsors": []}  # fmt: skip
    for kind, params in [
        ("stations", {}),
        ("stations", {"program_id": theirs["program_id"]}),
        ("assets", {}),
        ("assets", {"program_id": theirs["program_id"]}),
        ("bookings", {}),
        ("bookings", {"asset_id": theirs["asset_id"]}),
        ("sponsors", {}),
        ("sponsors", {"program_id": theirs["program_id"]}),
    ]:
        body = api.get(f"{BASE}/{kind}", params).json()
        expected = [] if params else own[kind]
        assert [row["id"] for row in body["results"]] == expected, (kind, params)
        assert "Salento" not in json.dumps(body)
