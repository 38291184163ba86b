"""Resale through the API: a program's terms and categories; a seller listing from their own
order history with the shop's suggested price, photos and review; the shop's search as buyers
see it; a reservation by phone (safe to retry with an Idempotency-Key), the sale and the return
with the books sound; trade-ins at the till and from the app; the price the shop suggests, in
numbers and in words; the problems a client reads (listing_not_available, not_bought_here,
photo_rejected, validation naming the field); the roles; and nothing of another business or
of another seller."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.notifications.models import OutboxMessage
from peerarmy.programs.models import ProgramKind
from peerarmy.resale import services
from peerarmy.resale.inputs import TradeInInput
from peerarmy.resale.models import Listing, ListingStatus, Reservation, TradeIn
from peerarmy.resale.tests.helpers import (
    category,
    jpeg,
    listing,
    order_of,
    public_listing,
    resale_program,
    reserve,
)
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Voucher
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory, ProgramFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

BASE = "/api/v1/resale"
MINE = "/api/v1/me/resale"


def _put(api, url, body):
    return api._send("put", url, body, {})


def _upload(api, url, content, name="seat.jpg"):
    return api.client.post(url, {"file": SimpleUploadedFile(name, content)}, **api._headers({}))


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (640, 480), (250, 200, 0))
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def program(business, owner):
    return resale_program(business, owner, return_days=14)


@pytest.fixture
def seats(business, owner, program):
    """Child seats: 65 % kept in excellent condition, 10 % a year, a 20 % commission."""
    return category(business, owner, program)


@pytest.fixture
def api(client, raw_token):
    """The staff's token, reading English unless a request asks otherwise."""
    return ApiClient(client, raw_token, language="en")


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    return ApiClient(client, raw, language="en")


@pytest.fixture
def community_api(client, business):
    community = MembershipFactory(business=business, role=Role.COMMUNITY).user
    _token, raw = create_token(business=business, actor=community).value
    return ApiClient(client, raw, language="en")


def _listing_body(cat, **fields):
    return {
        "category_id": cat.pk,
        "title": "Seggiolino Hamax",
        "grade": "excellent",
        "price_minor": 4500,
        "payout": "credit",
    } | fields


# --- a program's terms and its categories -------------------------------------------------------


def test_a_programs_terms_round_trip(api, business, program):
    url = f"{BASE}/programs/{program.pk}/settings"
    assert api.get(url).json()["return_days"] == 14

    changed = _put(api, url, {"reservation_hours": 72, "trade_in_percent": 40})
    assert changed.status_code == 200, changed.content
    assert changed.json()["reservation_hours"] == 72
    assert changed.json()["return_days"] == 14  # left out: the default
    assert api.get(url).json()["trade_in_percent"] == 40

    refused = _put(api, url, {"reservation_hours": 0, "return_days": 91})
    assert refused.status_code == 422
    assert sorted(problem_fields(refused)) == ["reservation_hours", "return_days"]
    not_resale = ProgramFactory(business=business, kind=ProgramKind.SHARING)
    assert api.get(f"{BASE}/programs/{not_resale.pk}/settings").status_code == 404


def test_categories_round_trip_with_their_pricing_rule(api, program, seats):
    created = api.post(
        f"{BASE}/categories",
        {"program_id": program.pk, "name_it": "Portapacchi", "name_en": "Racks",
         "keep_excellent_percent": 70, "commission_percent": 15},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    racks = created.json()
    assert racks["code"] == "racks" and racks["name"] == "Racks"
    assert racks["keep_excellent_percent"] == 70 and racks["keep_good_percent"] == 50

    listed = api.get(f"{BASE}/categories", {"program_id": program.pk}).json()
    assert {c["id"] for c in listed["results"]} == {seats.pk, racks["id"]}

    assert api.get(f"{BASE}/categories/{racks['id']}").json()["name_it"] == "Portapacchi"
    changed = api.patch(f"{BASE}/categories/{racks['id']}", {"active": False})
    assert changed.status_code == 200, changed.content
    assert changed.json()["active"] is False and changed.json()["commission_percent"] == 15
    in_use = api.get(f"{BASE}/categories", {"active": True}).json()
    assert [c["id"] for c in in_use["results"]] == [seats.pk]

    # a worse condition cannot keep more than a better one: the field is named
    worse = api.patch(f"{BASE}/categories/{racks['id']}", {"keep_worn_percent": 90})
    assert worse.status_code == 422 and problem_fields(worse) == ["keep_worn_percent"]
    too_much = api.post(
        f"{BASE}/categories", {"program_id": program.pk, "name_it": "X", "floor_percent": 101}
    )
    assert too_much.status_code == 422 and problem_fields(too_much) == ["floor_percent"]


# --- the seller's listings ----------------------------------------------------------------------


def test_a_seller_lists_an_item_they_bought_here_with_the_suggested_price(
    peer_api, business, peer, program, seats
):
    order = order_of(business, peer.user, items=[("Rack", 3500), ("Child seat Hamax", 8900)])
    bought = peer_api.get(f"{MINE}/bought").json()
    assert [(b["order"], b["line"], b["name"]) for b in bought["results"]] == [
        (order.external_id, 0, "Rack"),
        (order.external_id, 1, "Child seat Hamax"),
    ]
    assert bought["results"][1]["unit_price_minor"] == 8900

    created = peer_api.post(
        f"{MINE}/listings",
        _listing_body(seats, bought_order=order.external_id, bought_line=1),
    )
    assert created.status_code == 201, created.content
    item = created.json()
    # 89 € two years ago in excellent condition: 89 × 65 % × 80 % = 46.28 → 46 €
    assert item["bought_here"] is True and item["bought_name"] == "Child seat Hamax"
    assert (item["original_minor"], item["suggested_minor"]) == (8900, 4600)
    assert item["status"] == "draft" and item["status_label"] == "Draft"
    assert item["grade_label"] == "Excellent" and item["category_name"] == "Child seats"
    assert item["code"] and item["photos"] == []

    refused = peer_api.post(f"{MINE}/listings/{item['id']}/submit")
    assert refused.status_code == 409 and problem_fields(refused) == ["photo"]
    photo = _upload(peer_api, f"{MINE}/listings/{item['id']}/photos", _jpeg_with_exif())
    assert photo.status_code == 201, photo.content
    assert photo.json()["url"].endswith(".webp")
    sent = peer_api.post(f"{MINE}/listings/{item['id']}/submit")
    assert sent.status_code == 200 and sent.json()["status"] == "submitted"
    assert peer_api.post(f"{MINE}/listings/{item['id']}/submit").json()["status"] == "submitted"

    mine = peer_api.get(f"{MINE}/listings").json()
    assert [row["id"] for row in mine["results"]] == [item["id"]]
    assert [p["id"] for p in mine["results"][0]["photos"]] == [photo.json()["id"]]


def test_someone_elses_order_is_not_bought_here(peer_api, business, program, seats):
    stranger = PeerFactory(business=business).user
    order = order_of(business, stranger, items=[("Child seat", 8900)])
    refused = peer_api.post(
        f"{MINE}/listings", _listing_body(seats, bought_order=order.external_id, bought_line=0)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "not_bought_here"
    assert problem_fields(refused) == ["bought_order"]
    no_line = peer_api.post(f"{MINE}/listings", _listing_body(seats, bought_order="#1"))
    assert no_line.status_code == 422 and problem_fields(no_line) == ["bought_line"]
    assert not Listing.objects.exists()


def test_bad_input_is_refused_naming_the_field_never_a_server_error(
    peer_api, business, peer, program, seats
):
    cases = [
        ({"grade": "mint"}, ["grade"]),
        ({"price_minor": -1}, ["price_minor"]),
        ({"price_minor": 10**12}, ["price_minor"]),
        ({"category_id": 10**30}, ["category_id"]),
        ({"category_id": 10**9}, ["category_id"]),  # not a category of the shop
        ({"title": "ab", "delivery": "drone"}, ["title", "delivery"]),
        ({"payout": "money"}, ["payout_iban", "payout_holder"]),
        ({"payout": "money", "payout_holder": "Me", "payout_iban": "IT00 nope"}, ["payout_iban"]),
    ]
    for fields, blamed in cases:
        response = peer_api.post(f"{MINE}/listings", _listing_body(seats, **fields))
        assert response.status_code == 422, (fields, response.content)
        assert sorted(problem_fields(response)) == sorted(blamed), fields
    assert not Listing.objects.exists()

    item = listing(business, peer.user, program, seats)
    url = f"{MINE}/listings/{item.pk}"
    not_a_picture = _upload(peer_api, f"{url}/photos", b"%PDF-1.4 a receipt", "receipt.pdf")
    assert not_a_picture.status_code == 422
    assert not_a_picture.json()["code"] == "photo_rejected"
    assert problem_fields(not_a_picture) == ["photo"]
    nothing = peer_api.post(f"{url}/photos")
    assert nothing.status_code == 422 and problem_fields(nothing) == ["file"]
    huge = peer_api.get(f"{MINE}/listings/{10**30}")
    assert huge.status_code == 422 and problem_fields(huge) == ["listing_id"]
    moved = peer_api.patch(url, {"program_id": ProgramFactory(business=business).pk})
    assert moved.status_code == 422 and problem_fields(moved) == ["program_id"]
    null = peer_api.patch(url, {"title": None})
    assert null.status_code == 422 and problem_fields(null) == ["title"]


def test_a_seller_changes_withdraws_and_removes_photos_of_their_own_only(
    peer_api, business, peer, program, seats
):
    order = order_of(business, peer.user, items=[("Child seat Hamax", 8900)])
    item = listing(
        business, peer.user, program, seats, bought_order=order.external_id, bought_line=0
    )
    photo = services.add_photo(business, peer.user, item, jpeg()).value
    url = f"{MINE}/listings/{item.pk}"

    changed = peer_api.patch(url, {"price_minor": 3900, "grade": "good"})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["price_minor"] == 3900 and body["title"] == item.title  # the rest stays
    # still bought here, now priced for good condition: 89 × 50 % × 80 % = 35.60 → 36 €
    assert body["bought_here"] is True and body["suggested_minor"] == 3600

    assert peer_api.delete(f"{url}/photos/{photo.pk}").status_code == 204
    assert peer_api.get(url).json()["photos"] == []
    assert peer_api.delete(f"{url}/photos/{photo.pk}").status_code == 404
    withdrawn = peer_api.post(f"{url}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"

    someone = PeerFactory(business=business).user
    theirs = listing(business, someone, program, seats)
    their_photo = services.add_photo(business, someone, theirs, jpeg()).value
    other = f"{MINE}/listings/{theirs.pk}"
    for method, path, body in [
        ("get", other, None),
        ("patch", other, {"price_minor": 1}),
        ("post", f"{other}/submit", {}),
        ("post", f"{other}/withdraw", {}),
        ("delete", f"{other}/photos/{their_photo.pk}", None),
    ]:
        args = () if body is None else (body,)
        response = getattr(peer_api, method)(path, *args)
        assert response.status_code == 404, (method, path)
    assert _upload(peer_api, f"{other}/photos", b"junk").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ListingStatus.DRAFT and theirs.price_minor == 4000
    assert [row["id"] for row in peer_api.get(f"{MINE}/listings").json()["results"]] == [item.pk]


# --- review and the search ----------------------------------------------------------------------


def test_staff_review_the_queue_and_the_seller_hears_why(
    api, peer_api, business, peer, program, seats
):
    from peerarmy.chipin.tests.helpers import sent_mail

    item = listing(business, peer.user, program, seats)
    services.add_photo(business, peer.user, item, jpeg())
    services.submit_listing(business, peer.user, item)
    draft = listing(business, peer.user, program, seats)

    queue = api.get(f"{BASE}/listings", {"status": "submitted"}).json()
    assert [row["id"] for row in queue["results"]] == [item.pk]
    assert queue["results"][0]["seller_email"] == peer.user.email
    assert queue["results"][0]["status_label"] == "Waiting for review"
    assert api.get(f"{BASE}/listings").json()["count"] == 2
    assert api.get(f"{BASE}/listings", {"q": item.code}).json()["results"][0]["id"] == item.pk
    assert api.get(f"{BASE}/listings", {"status": "lost"}).status_code == 422

    url = f"{BASE}/listings/{item.pk}/review"
    no_note = api.post(url, {"decision": "changes"})
    assert no_note.status_code == 422 and problem_fields(no_note) == ["note"]
    unknown = api.post(url, {"decision": "maybe"})
    assert unknown.status_code == 422 and problem_fields(unknown) == ["decision"]
    asked = api.post(url, {"decision": "changes", "note": "A photo of the back, please."})
    assert asked.status_code == 200, asked.content
    assert asked.json()["status"] == "changes"
    assert "A photo of the back" in sent_mail(peer.user.email)[-1].body
    assert peer_api.get(f"{MINE}/listings/{item.pk}").json()["review_note"] == (
        "A photo of the back, please."
    )

    peer_api.post(f"{MINE}/listings/{item.pk}/submit")
    approved = api.post(url, {"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["status"] == "public"
    assert approved.json()["published_at"]
    again = api.post(url, {"decision": "approve"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    not_sent = api.post(f"{BASE}/listings/{draft.pk}/review", {"decision": "approve"})
    assert not_sent.status_code == 409


def test_the_search_shows_the_items_on_sale_as_buyers_see_them(
    api, business, owner, peer, program, seats
):
    order = order_of(business, peer.user, items=[("Child seat Hamax", 8900)])
    bought = public_listing(
        business, peer.user, owner, program, seats, title="Seggiolino Hamax", price_minor=4500,
        bought_order=order.external_id, bought_line=0,
    )  # fmt: skip
    worn = public_listing(
        business, peer.user, owner, program, seats, title="Seggiolino vecchio", grade="worn",
        price_minor=1500,
    )  # fmt: skip
    listing(business, peer.user, program, seats, title="Seggiolino in bozza")  # not on sale

    url = f"{BASE}/programs/{program.pk}/listings"
    everything = api.get(url).json()
    assert [row["id"] for row in everything["results"]] == [worn.pk, bought.pk]
    assert everything["next"] is None and everything["previous"] is None
    found = everything["results"][1]
    assert found["bought_here"] is True and found["suggested_minor"] == 4600
    assert found["grade_definition"].startswith("Used a little")
    assert len(found["photos"]) == 1 and found["photos"][0]["url"]
    assert not {"seller_email", "payout_iban", "review_note", "status"} & set(found)

    assert [r["id"] for r in api.get(url, {"bought_here": "true"}).json()["results"]] == [bought.pk]
    assert [r["id"] for r in api.get(url, {"grade": "worn"}).json()["results"]] == [worn.pk]
    cheap = api.get(url, {"max_price_minor": 2000}).json()
    assert [r["id"] for r in cheap["results"]] == [worn.pk]
    assert [r["id"] for r in api.get(url, {"q": "hamax"}).json()["results"]] == [bought.pk]
    first = api.get(url, {"limit": 1}).json()
    assert [r["id"] for r in first["results"]] == [worn.pk]
    assert first["next"].endswith("limit=1&offset=1")
    second = api.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [bought.pk] and second["next"] is None

    assert api.get(url, {"grade": "mint"}).status_code == 422
    assert problem_fields(api.get(url, {"min_price_minor": -1})) == ["min_price_minor"]
    assert problem_fields(api.get(url, {"limit": 61})) == ["limit"]
    draft_program = ProgramFactory(business=business, kind=ProgramKind.RESALE, status="draft")
    assert api.get(f"{BASE}/programs/{draft_program.pk}/listings").status_code == 404


# --- reservations, the sale and the return ------------------------------------------------------


def test_a_reservation_by_phone_is_made_once_whatever_the_retries(
    api, business, owner, peer, program, seats
):
    item = public_listing(business, peer.user, owner, program, seats)
    other = public_listing(business, peer.user, owner, program, seats)
    body = {"listing_id": item.pk, "name": "Marco Bianchi", "email": "marco@example.org"}
    first = api.post(
        f"{BASE}/reservations", body, HTTP_IDEMPOTENCY_KEY="call-7", HTTP_ACCEPT_LANGUAGE="it"
    )
    assert first.status_code == 201, first.content
    made = first.json()
    assert made["status"] == "unconfirmed" and made["listing_code"] == item.code
    assert made["price_minor"] == 4000 and made["language"] == "it"
    assert made["reference"].startswith("RF")
    assert "token" not in first.content.decode()
    assert OutboxMessage.objects.filter(recipient="marco@example.org").count() == 1

    again = api.post(f"{BASE}/reservations", body, HTTP_IDEMPOTENCY_KEY="call-7")
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    assert Reservation.objects.filter(business=business).count() == 1
    assert OutboxMessage.objects.filter(recipient="marco@example.org").count() == 1
    reused = api.post(
        f"{BASE}/reservations", body | {"listing_id": other.pk}, HTTP_IDEMPOTENCY_KEY="call-7"
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    long_key = api.post(f"{BASE}/reservations", body, HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert long_key.status_code == 422

    taken = api.post(f"{BASE}/reservations", body | {"email": "second@example.org"})
    assert taken.status_code == 409 and taken.json()["code"] == "listing_not_available"
    no_item = api.post(f"{BASE}/reservations", {"name": "Anna", "email": "anna@example.org"})
    assert no_item.status_code == 422 and problem_fields(no_item) == ["listing_id"]
    garbled = api.post(f"{BASE}/reservations", {"listing_id": "one", "email": "nope"})
    assert sorted(problem_fields(garbled)) == ["email", "listing_id", "name"]
    assert Reservation.objects.filter(business=business).count() == 1

    listed = api.get(f"{BASE}/reservations", {"status": "unconfirmed"}).json()
    assert [r["id"] for r in listed["results"]] == [made["id"]]
    one = api.get(f"{BASE}/reservations/{made['id']}").json()
    assert one["email"] == "marco@example.org" and one["expires_at"] == made["expires_at"]
    cancelled = api.post(f"{BASE}/reservations/{made['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    item.refresh_from_db()
    assert item.status == ListingStatus.PUBLIC


def test_a_sale_keeps_the_commission_and_a_return_reverses_it(
    api, peer_api, business, owner, peer, program, seats
):
    item = public_listing(business, peer.user, owner, program, seats)
    made = reserve(business, item).reservation
    url = f"{BASE}/reservations/{made.pk}"

    wrong = api.post(f"{url}/sold", {"paid_by": "cash"})
    assert wrong.status_code == 422 and problem_fields(wrong) == ["paid_by"]
    sold = api.post(f"{url}/sold", {"paid_by": "till"})
    assert sold.status_code == 200, sold.content
    sale = sold.json()
    # 40 € at 20 %: 8 € for the shop, 32 € for the seller once the 14 days are over
    assert sale["status"] == "sold" and sale["paid_by"] == "till"
    assert (sale["commission_minor"], sale["share_minor"]) == (800, 3200)
    assert sale["release_after"] and sale["released_at"] is None
    assert api.get(f"{BASE}/listings/{item.pk}").json()["status"] == "sold"
    assert api.post(f"{url}/sold", {}).json()["status"] == "sold"  # again: the same
    assert check_business(business.pk) == []

    mine = peer_api.get(f"{MINE}/sales").json()["results"]
    assert [(s["listing_id"], s["share_minor"], s["status"]) for s in mine] == [
        (item.pk, 3200, "sold")
    ]
    assert "email" not in mine[0] and mine[0]["payout"] == "credit"

    back = api.post(f"{url}/return", {"reason": "Wrong size"})
    assert back.status_code == 200, back.content
    assert back.json()["status"] == "returned" and back.json()["returned_at"]
    assert api.get(f"{BASE}/listings/{item.pk}").json()["status"] == "public"
    assert check_business(business.pk) == []
    assert peer_api.get(f"{MINE}/sales").json()["results"][0]["status"] == "returned"
    not_sold = api.post(f"{url}/cancel")
    assert not_sold.status_code == 409 and not_sold.json()["code"] == "invalid_transition"


def test_an_expired_reservation_cannot_be_sold(api, business, owner, peer, program, seats):
    item = public_listing(business, peer.user, owner, program, seats)
    made = reserve(business, item).reservation
    services.expire_reservations(now=timezone.now() + timedelta(hours=2))
    gone = api.post(f"{BASE}/reservations/{made.pk}/sold", {})
    assert gone.status_code == 410 and gone.json()["code"] == "reservation_expired"


# --- trade-ins and the suggested price ----------------------------------------------------------


def test_a_trade_in_at_the_till_gives_a_voucher_and_the_shop_sells_the_item(
    api, business, owner, peer, program, seats
):
    order = order_of(business, peer.user, items=[("Rack", 3500)], months_ago=14)
    offered = api.post(
        f"{BASE}/trade-ins",
        {"seller_email": peer.user.email, "category_id": seats.pk, "title": "Portapacchi",
         "grade": "good", "bought_order": order.external_id, "bought_line": 0},
    )  # fmt: skip
    assert offered.status_code == 201, offered.content
    offer = offered.json()
    # 35 € × 50 % (good) × 90 % (one year) = 15.75 → 16 €; the shop pays half, 8 €
    assert (offer["suggested_minor"], offer["offer_minor"]) == (1600, 800)
    assert offer["status"] == "offered" and offer["at_till"] is True
    assert offer["bought_here"] is True and offer["voucher_code"] == ""

    accepted = api.post(f"{BASE}/trade-ins/{offer['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    taken = accepted.json()
    assert taken["status"] == "accepted" and taken["voucher_code"]
    voucher = Voucher.objects.get(business=business, code=taken["voucher_code"])
    assert voucher.value_minor == 800 and voucher.user_id == peer.user.pk
    assert api.post(f"{BASE}/trade-ins/{offer['id']}/decline").status_code == 409
    assert check_business(business.pk) == []

    shop_item = api.get(f"{BASE}/listings/{taken['listing_id']}").json()
    assert shop_item["by_shop"] is True and shop_item["status"] == "draft"
    assert shop_item["seller_email"] == "" and shop_item["price_minor"] == 1600
    photo = _upload(api, f"{BASE}/listings/{shop_item['id']}/photos", _jpeg_with_exif())
    assert photo.status_code == 201, photo.content
    assert api.get(f"{BASE}/listings/{shop_item['id']}").json()["photos"][0]["url"]
    published = api.post(f"{BASE}/listings/{shop_item['id']}/review", {"decision": "approve"})
    assert published.status_code == 200 and published.json()["status"] == "public"
    # a photo can still be taken off while the item is on sale
    removed = api.delete(f"{BASE}/listings/{shop_item['id']}/photos/{photo.json()['id']}")
    assert removed.status_code == 204
    assert api.get(f"{BASE}/listings/{shop_item['id']}").json()["photos"] == []


def test_a_trade_in_not_bought_here_needs_its_price_new(api, business, program, seats):
    missing = api.post(
        f"{BASE}/trade-ins",
        {"seller_email": "walk-in@example.org", "category_id": seats.pk, "title": "Casco",
         "grade": "good"},
    )  # fmt: skip
    assert missing.status_code == 422 and problem_fields(missing) == ["original_minor"]
    no_email = api.post(
        f"{BASE}/trade-ins",
        {"category_id": seats.pk, "title": "Casco", "grade": "good", "original_minor": 5000},
    )
    assert no_email.status_code == 422 and problem_fields(no_email) == ["seller_email"]
    offered = api.post(
        f"{BASE}/trade-ins",
        {"seller_email": "Walk-In@Example.org", "category_id": seats.pk, "title": "Casco",
         "grade": "good", "original_minor": 5000, "age_months": 30},
    )  # fmt: skip
    assert offered.status_code == 201, offered.content
    # 50 € × 50 % × 80 % (two whole years) = 20 €; half of it, 10 €
    assert offered.json()["offer_minor"] == 1000
    assert offered.json()["seller_email"] == "walk-in@example.org"
    declined = api.post(f"{BASE}/trade-ins/{offered.json()['id']}/decline")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["listing_id"] is None


def test_a_seller_asks_for_a_trade_in_from_the_app_and_answers_it_alone(
    api, peer_api, client, business, peer, program, seats
):
    body = {"category_id": seats.pk, "title": "Portapacchi", "grade": "good",
            "original_minor": 3500}  # fmt: skip
    refused = peer_api.post(f"{MINE}/trade-ins", body)
    assert refused.status_code == 422 and "bought_order" in problem_fields(refused)

    order = order_of(business, peer.user, items=[("Rack", 3500)], months_ago=14)
    offered = peer_api.post(
        f"{MINE}/trade-ins", body | {"bought_order": order.external_id, "bought_line": 0}
    )
    assert offered.status_code == 201, offered.content
    offer = offered.json()
    assert offer["offer_minor"] == 800 and offer["at_till"] is False

    # the staff see it but do not answer for the seller
    assert api.get(f"{BASE}/trade-ins/{offer['id']}").json()["code"] == offer["code"]
    assert api.post(f"{BASE}/trade-ins/{offer['id']}/accept").status_code == 403
    # nor does another peer, for whom it does not exist
    other = PeerFactory(business=business)
    _t, raw = create_peer_token(business=business, peer_user=other.user).value
    stranger = ApiClient(client, raw)
    assert stranger.get(f"{MINE}/trade-ins/{offer['id']}").status_code == 404
    assert stranger.post(f"{MINE}/trade-ins/{offer['id']}/accept").status_code == 404

    accepted = peer_api.post(f"{MINE}/trade-ins/{offer['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["voucher_code"]
    assert peer_api.get(f"{MINE}/trade-ins/{offer['id']}").json()["status"] == "accepted"
    assert check_business(business.pk) == []

    second = peer_api.post(
        f"{MINE}/trade-ins", body | {"bought_order": order.external_id, "bought_line": 0}
    ).json()
    declined = peer_api.post(f"{MINE}/trade-ins/{second['id']}/decline")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["voucher_code"] == "" and declined.json()["listing_id"] is None


def test_the_suggested_price_in_numbers_and_in_words(api, business, program, seats):
    two_years_ago = timezone.localdate() - timedelta(days=800)
    params = {"category_id": seats.pk, "grade": "excellent", "original_minor": 8900,
              "bought_on": two_years_ago.isoformat()}  # fmt: skip
    english = api.get(f"{BASE}/suggestion", params, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200, english.content
    found = english.json()
    assert (found["keep_percent"], found["years"], found["age_percent"]) == (65, 2, 80)
    assert found["price_minor"] == 4600 and found["currency"] == "EUR"
    assert found["explanation"] == (
        "It cost €89.00 new; in the condition “Excellent” it keeps 65%. Bought 2 years ago, "
        "it keeps 80% of that for its age (10% less each year, never below 40%). "
        "Suggested price: €46.00."
    )
    italian = api.get(f"{BASE}/suggestion", params, HTTP_ACCEPT_LANGUAGE="it").json()
    assert italian["price_minor"] == 4600 and "46,00" in italian["explanation"]
    new = api.get(f"{BASE}/suggestion", params | {"bought_on": timezone.localdate().isoformat()})
    assert new.json()["years"] == 0 and new.json()["price_minor"] == 5800  # 89 × 65 % → 58 €

    for bad, field in [
        ({"grade": "mint"}, "grade"),
        ({"original_minor": -1}, "original_minor"),
        ({"category_id": 10**30}, "category_id"),
        ({"category_id": 10**9}, "category_id"),
        ({"bought_on": "yesterday"}, "bought_on"),
        ({"bought_on": (timezone.localdate() + timedelta(days=3)).isoformat()}, "bought_on"),
    ]:
        response = api.get(f"{BASE}/suggestion", params | bad)
        assert response.status_code == 422, (bad, response.content)
        assert problem_fields(response) == [field], bad
    nothing = api.get(f"{BASE}/suggestion")
    assert sorted(problem_fields(nothing)) == [
        "bought_on", "category_id", "grade", "original_minor",
    ]  # fmt: skip


# --- roles, tokens and other businesses ---------------------------------------------------------


def test_a_community_manager_reviews_and_reserves_but_handles_no_money_nor_set_up(
    community_api, business, owner, peer, program, seats
):
    item = public_listing(business, peer.user, owner, program, seats)
    made = reserve(business, item).reservation
    data = TradeInInput(category_id=seats.pk, title="Casco", grade="good", original_minor=5000)
    offer = services.offer_trade_in(
        business, owner, program.pk, data, seller_email="walk-in@example.org"
    ).value
    assert community_api.get(f"{BASE}/listings").status_code == 200
    assert community_api.get(f"{BASE}/categories").status_code == 200
    assert community_api.get(f"{BASE}/reservations/{made.pk}").status_code == 200
    for method, url in [
        ("post", f"{BASE}/reservations/{made.pk}/sold"),
        ("post", f"{BASE}/reservations/{made.pk}/return"),
        ("post", f"{BASE}/trade-ins/{offer.pk}/accept"),
        ("post", f"{BASE}/categories"),
        ("patch", f"{BASE}/categories/{seats.pk}"),
        ("get", f"{BASE}/programs/{program.pk}/settings"),
        ("put", f"{BASE}/programs/{program.pk}/settings"),
    ]:
        if method == "get":
            response = community_api.get(url)
        else:
            # refused before the body is read: an empty body is not a 422
            response = community_api._send(method, url, {}, {})
        assert response.status_code == 403, (method, url, response.content)
        assert "role" in response.json()["detail"]
    made.refresh_from_db()
    assert made.status == "unconfirmed"
    assert TradeIn.objects.get(pk=offer.pk).status == "offered"


def test_peer_and_staff_tokens_stay_on_their_own_side(api, peer_api, program):
    assert peer_api.get(f"{BASE}/listings").status_code == 403
    assert peer_api.get(f"{BASE}/programs/{program.pk}/listings").status_code == 403
    assert api.get(f"{MINE}/listings").status_code == 403


@pytest.fixture
def theirs(other_business, other_staff):
    """Lecce B&B's resale: a program, a category, a seller's listing with a photo (on sale),
    a reservation of it and a trade-in."""
    their_program = resale_program(other_business, other_staff)
    cat = category(other_business, other_staff, their_program, name_it="Valigie")
    seller = PeerFactory(business=other_business).user
    item = public_listing(
        other_business, seller, other_staff, their_program, cat, title="Valigia del Salento"
    )
    made = reserve(other_business, item).reservation
    data = TradeInInput(category_id=cat.pk, title="Zaino", grade="good", original_minor=5000)
    offer = services.offer_trade_in(
        other_business, other_staff, their_program.pk, data, seller_email="s@example.org"
    ).value
    return {
        "program_id": their_program.pk,
        "category_id": cat.pk,
        "listing_id": item.pk,
        "photo_id": item.photos.get().pk,
        "reservation_id": made.pk,
        "trade_in_id": offer.pk,
    }


def _walk(client_api, endpoints, theirs, *, mine):
    walked = 0
    for endpoint in endpoints:
        path = endpoint.path
        if "/resale/" not in path or "{" not in path or path.startswith("/api/v1/me/") != mine:
            continue
        method = endpoint.method.lower()
        missing = path
        for name, value in theirs.items():
            path = path.replace("{" + name + "}", str(value))
            missing = missing.replace("{" + name + "}", str(10**9))
        assert "{" not in path, path
        if method == "get":
            their_answer, missing_answer = client_api.get(path), client_api.get(missing)
        elif method == "delete":
            their_answer, missing_answer = client_api.delete(path), client_api.delete(missing)
        else:
            # an empty body: the required fields are asked for only once the object is found
            their_answer = client_api._send(method, path, "{}", {})
            missing_answer = client_api._send(method, missing, "{}", {})
        assert their_answer.status_code == 404, (method, path, their_answer.content)
        assert their_answer.json() == missing_answer.json(), (method, path)
        walked += 1
    return walked


def test_another_businesss_ids_answer_exactly_like_missing_ones(api, peer_api, program, theirs):
    from peerarmy.api.api import endpoints

    operations = endpoints()
    assert _walk(api, operations, theirs, mine=False) >= 15
    assert _walk(peer_api, operations, theirs, mine=True) >= 9
    # and a file sent to another business's listing is not read
    assert (
        _upload(api, f"{BASE}/listings/{theirs['listing_id']}/photos", b"junk").status_code == 404
    )
    assert _upload(peer_api, f"{MINE}/listings/{theirs['listing_id']}/photos", b"junk").status_code == 404  # fmt: skip
    # an id of theirs in a body is no item of ours
    foreign = api.post(
        f"{BASE}/reservations",
        {"listing_id": theirs["listing_id"], "name": "Anna", "email": "anna@example.org"},
    )
    assert foreign.status_code == 422 and problem_fields(foreign) == ["listing_id"]
    made = Reservation.objects.get(pk=theirs["reservation_id"])
    assert made.status == "unconfirmed" and made.sold_at is None
    assert TradeIn.objects.get(pk=theirs["trade_in_id"]).status == "offered"


def test_no_list_or_search_shows_another_businesss_resale(api, peer_api, program, seats, theirs):
    for url, params in [
        (f"{BASE}/categories", {}),
        (f"{BASE}/categories", {"program_id": theirs["program_id"]}),
        (f"{BASE}/listings", {}),
        (f"{BASE}/listings", {"category_id": theirs["category_id"]}),
        (f"{BASE}/listings", {"program_id": theirs["program_id"]}),
        (f"{BASE}/reservations", {}),
        (f"{BASE}/reservations", {"listing_id": theirs["listing_id"]}),
    ]:
        body = api.get(url, params).json()
        assert "Salento" not in str(body) and "Valigie" not in str(body), (url, params)
        expected = [seats.pk] if url.endswith("categories") and not params else []
        assert [row["id"] for row in body["results"]] == expected, (url, params)
    search = api.get(
        f"{BASE}/programs/{program.pk}/listings", {"category_id": theirs["category_id"]}
    )
    assert search.json()["results"] == []
    for url in (f"{MINE}/listings", f"{MINE}/sales", f"{MINE}/bought"):
        assert peer_api.get(url).json()["count"] == 0
