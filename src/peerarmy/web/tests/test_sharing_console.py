"""Sharing in the console, as the shop uses it at the counter: every page in English and
Italian, the day's pick-ups and returns (the late ones said so), a pick-up that takes the
payment at the till and a return that takes the late fee from the deposit (the books balanced
after each), a transfer recorded ahead, damage that opens a ticket, a booking cancelled with a
reason, a peer's listing approved or refused (with a reason), the fleet's assets and stations
with their hours and photos, the programs' terms, sponsors with their fee and reports; other
businesses' staff find nothing, a community manager no fleet, and the week's calendar asks the
database a fixed number of times however many bookings it shows."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from peerarmy.rewards.checks import check_business
from peerarmy.sharing import services
from peerarmy.sharing.inputs import AssetInput, SponsorInput
from peerarmy.sharing.models import (
    Asset,
    Booking,
    BookingStatus,
    ListingStatus,
    SharingSettings,
    Sponsor,
    Station,
)
from peerarmy.sharing.tests.helpers import (
    asset,
    book,
    next_saturday,
    pick_up,
    sharing_program,
    station,
)
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory

pytestmark = pytest.mark.django_db


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return speaking(client, "en")


@pytest.fixture
def bikes(business, owner):
    return sharing_program(business, owner, late_fee_percent=150, late_grace_minutes=15)


@pytest.fixture
def shop(business, owner, bikes):
    return station(business, owner, bikes)


@pytest.fixture
def cargo(business, owner, bikes, shop):
    return asset(business, owner, bikes, at=shop, name_it="Cargo gialla", name_en="Yellow cargo")


def peer_listing(business, program, **fields):
    peer = PeerFactory(business=business, display_name="Marta")
    data = {
        "program_id": program.pk,
        "kind": "cargo_bike",
        "name_it": "Cargo di Marta",
        "latitude": 44.4968,
        "longitude": 11.3527,
        "hour_minor": 500,
        "deposit_minor": 3000,
    } | fields
    return services.list_peer_asset(peer, AssetInput(**data)).value


def sponsor_of(business, owner, program, **fields):
    today = timezone.localdate()
    data = {
        "program_id": program.pk,
        "name": "Banca di Bologna",
        "contact_email": "marketing@banca.example",
        "starts_on": today - timedelta(days=40),
        "ends_on": today + timedelta(days=300),
        "amount_minor": 120_000,
    } | fields
    return services.save_sponsor(business, owner, SponsorInput(**data)).value


def local_day(business, moment):
    return timezone.localtime(moment, business.tzinfo).date().isoformat()


def make_late(booking, minutes_late=70):
    """The booking was picked up hours ago and should have been back `minutes_late` ago."""
    now = timezone.now()
    ends = now - timedelta(minutes=minutes_late - 1, seconds=10)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=ends - timedelta(hours=3), ends_at=ends, checked_out_at=ends - timedelta(hours=3)
    )
    booking.refresh_from_db()
    return booking


def jpeg(size=400):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), (240, 200, 0)).save(out, "JPEG")
    return out.getvalue()


# --- every page, in both languages ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "it"])
def test_every_page_renders_for_the_owner(client, owner, business, bikes, shop, cargo, language):
    booking = book(business, cargo, phone="+390511234567").booking
    listing = peer_listing(business, bikes)
    sponsor = sponsor_of(business, owner, bikes)
    client.force_login(owner)
    speaking(client, language)
    day = local_day(business, booking.starts_at)
    pages = [
        url(business, "manage_sharing") + f"?day={day}",
        url(business, "manage_sharing_bookings") + f"?week={day}",
        url(business, "manage_sharing_booking", booking_id=booking.pk),
        url(business, "manage_sharing_fleet"),
        url(business, "manage_sharing_asset_new"),
        url(business, "manage_sharing_asset", asset_id=cargo.pk),
        url(business, "manage_sharing_asset", asset_id=listing.pk),
        url(business, "manage_sharing_station_new"),
        url(business, "manage_sharing_station", station_id=shop.pk),
        url(business, "manage_sharing_settings"),
        url(business, "manage_sharing_sponsors"),
        url(business, "manage_sharing_sponsor_new"),
        url(business, "manage_sharing_sponsor", sponsor_id=sponsor.pk),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert f'lang="{language}"' in text
        assert ">None<" not in text and "confirmed<" not in text, page
    today = client.get(pages[0]).content.decode()
    assert "Anna Rossi" in today and "Yellow cargo" in today or "Cargo gialla" in today
    assert "Cargo di Marta" in today  # the listing to review
    assert url(business, "manage_sharing_booking", booking_id=booking.pk) in today
    detail = client.get(pages[2]).content.decode()
    assert booking.email in detail and "+39 051 123 4567" in detail
    week = client.get(pages[1]).content.decode()
    assert url(business, "manage_sharing_booking", booking_id=booking.pk) in week
    assert 'aria-current="page"' in week
    if language == "en":
        assert "Confirmed" in week and "Sat" in week
        assert ">Sharing<" in today


def test_without_a_sharing_program_the_pages_say_how_to_make_one(owner_client, business):
    for name in ("manage_sharing", "manage_sharing_fleet", "manage_sharing_asset_new"):
        page = owner_client.get(url(business, name))
        assert page.status_code == 200
        assert "You have no sharing program yet" in page.content.decode()


# --- at the counter ------------------------------------------------------------------------------


def test_a_pick_up_takes_the_payment_and_a_late_return_pays_its_fee_from_the_deposit(
    owner_client, business, cargo
):
    booking = book(business, cargo, hours=3).booking
    day = local_day(business, booking.starts_at)
    today = owner_client.get(url(business, "manage_sharing") + f"?day={day}").content.decode()
    assert "To take at the till: €68.00" in today

    check_out = url(business, "manage_sharing_check_out", booking_id=booking.pk)
    refused = owner_client.post(check_out, {"notes": "Front light scratched"})
    assert refused.status_code == 400
    assert "Take the payment of €68.00" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    done = owner_client.post(check_out, {"notes": "Front light scratched", "take_payment": "on"})
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.OUT
    assert booking.taken_minor == 6800 and booking.checkout_notes == "Front light scratched"
    assert check_business(business.pk) == []

    make_late(booking, 70)
    now_day = timezone.localdate(timezone=business.tzinfo).isoformat()
    today = owner_client.get(url(business, "manage_sharing") + f"?day={now_day}")
    assert "late by 1 h 10" in today.content.decode()

    back = owner_client.post(
        url(business, "manage_sharing_check_in", booking_id=booking.pk),
        {"notes": "All fine", "distance_km": "23"},
        follow=True,
    )
    text = back.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RETURNED
    assert booking.distance_km == 23 and booking.late_fee_minor == 1800
    assert "Late fee: €18.00." in text and "Give back €32.00." in text
    assert "Given back" in text and "€32.00" in text
    assert check_business(business.pk) == []


def test_a_transfer_recorded_ahead_means_nothing_to_take_at_the_pick_up(
    owner_client, business, cargo
):
    booking = book(business, cargo, payment_method="transfer").booking
    page = owner_client.get(url(business, "manage_sharing_booking", booking_id=booking.pk))
    assert "The transfer arrived" in page.content.decode()
    owner_client.post(url(business, "manage_sharing_paid", booking_id=booking.pk))
    booking.refresh_from_db()
    assert booking.paid_by_transfer and booking.held_minor == 6800 - 1800 + 1800
    page = owner_client.get(url(business, "manage_sharing_booking", booking_id=booking.pk))
    text = page.content.decode()
    assert "Paid by transfer" in text and "I took the payment" not in text
    owner_client.post(url(business, "manage_sharing_check_out", booking_id=booking.pk), {})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.OUT and booking.taken_minor == 6800
    assert check_business(business.pk) == []


def test_damage_at_the_return_opens_a_ticket_and_keeps_part_of_the_deposit(
    owner_client, business, owner, cargo
):
    booking = book(business, cargo, hours=3).booking
    pick_up(business, owner, booking, now=timezone.now() - timedelta(hours=1))
    back = owner_client.post(
        url(business, "manage_sharing_check_in", booking_id=booking.pk),
        {"damage": "Bent wheel", "damage_amount": "20,00", "returned_at": ""},
        follow=True,
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RETURNED
    assert booking.damage_kept_minor == 2000 and booking.damage_ticket_id
    text = back.content.decode()
    assert url(business, "manage_support_ticket", ticket_id=booking.damage_ticket_id) in text
    assert check_business(business.pk) == []


def test_damage_kept_without_saying_what_is_refused_beside_the_damage(
    owner_client, business, owner, cargo
):
    booking = book(business, cargo).booking
    pick_up(business, owner, booking, now=timezone.now() - timedelta(hours=1))
    refused = owner_client.post(
        url(business, "manage_sharing_check_in", booking_id=booking.pk),
        {"damage_amount": "20"},
    )
    assert refused.status_code == 400
    assert "Describe the damage" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.OUT


def test_the_shop_cancels_a_booking_with_a_reason(owner_client, business, cargo):
    booking = book(business, cargo).booking
    cancel = url(business, "manage_sharing_cancel", booking_id=booking.pk)
    refused = owner_client.post(cancel, {"reason": ""})
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    done = owner_client.post(cancel, {"reason": "The bike is broken"})
    assert done.status_code == 302
    booking.refresh_from_db()
    assert (
        booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "The bike is broken"
    )
    assert check_business(business.pk) == []


# --- the fleet -----------------------------------------------------------------------------------


def test_a_refused_listing_needs_a_reason_and_an_approved_one_can_be_booked(
    owner_client, business, bikes
):
    listing = peer_listing(business, bikes)
    fleet = owner_client.get(url(business, "manage_sharing_fleet")).content.decode()
    assert "Listings to review" in fleet and "listed by Marta" in fleet
    decide = url(business, "manage_sharing_listing", asset_id=listing.pk)
    prefix = f"listing-{listing.pk}-"
    refused = owner_client.post(decide, {prefix + "approve": "false", prefix + "reason": ""})
    assert refused.status_code == 400
    assert "Say why, for the peer who listed it." in refused.content.decode()
    listing.refresh_from_db()
    assert listing.listing == ListingStatus.PENDING
    owner_client.post(decide, {prefix + "approve": "false", prefix + "reason": "No photos"})
    listing.refresh_from_db()
    assert listing.listing == ListingStatus.REFUSED and listing.listing_note == "No photos"
    other = peer_listing(business, bikes, name_it="Tandem")
    owner_client.post(
        url(business, "manage_sharing_listing", asset_id=other.pk),
        {f"listing-{other.pk}-approve": "true"},
    )
    other.refresh_from_db()
    assert other.listing == ListingStatus.APPROVED


def asset_form(program, at, **fields):
    return {
        "program": str(program.pk),
        "kind": "ebike",
        "name_it": "E-bike blu",
        "name_en": "Blue e-bike",
        "propulsion": "electric_assist",
        "range_km": "80",
        "station": str(at.pk),
        "hour": "5,50",
        "day": "25",
        "deposit": "50",
        "min_hours": "1,5",
        "max_days": "3",
        "hours_0": "09:00-12:30, 15:00-19:00",
        "hours_5": "9-13",
        "blocked": "15/08/2030\n2030-12-25",
    } | fields


def test_an_asset_is_added_with_its_hours_and_blocked_days_in_words(
    owner_client, business, bikes, shop
):
    done = owner_client.post(url(business, "manage_sharing_asset_new"), asset_form(bikes, shop))
    assert done.status_code == 302
    bike = Asset.objects.get(business=business, name_it="E-bike blu")
    assert bike.hour_minor == 550 and bike.day_minor == 2500 and bike.deposit_minor == 5000
    assert bike.min_minutes == 90 and bike.max_minutes == 3 * 1440
    assert bike.weekly_hours == [
        [0, "09:00", "12:30"],
        [0, "15:00", "19:00"],
        [5, "09:00", "13:00"],
    ]
    assert bike.blocked_dates == ["2030-08-15", "2030-12-25"]
    page = owner_client.get(done.url).content.decode()
    assert "09:00-12:30, 15:00-19:00" in page and "15/08/2030" in page

    refused = owner_client.post(
        url(business, "manage_sharing_asset", asset_id=bike.pk),
        asset_form(bikes, shop, hours_2="from nine", blocked="31/02/2030", hour="", day=""),
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Write the hours as 09:00-19:00" in text
    assert "is not a date" in text
    bike.refresh_from_db()
    assert bike.hour_minor == 550


def test_an_assets_photos_are_added_and_removed_and_its_state_changed(
    owner_client, business, cargo
):
    photos = url(business, "manage_sharing_asset_photos", asset_id=cargo.pk)
    owner_client.post(
        photos,
        {
            "photos": [
                SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg"),
                SimpleUploadedFile("b.jpg", jpeg(300), content_type="image/jpeg"),
            ]
        },
    )
    assert cargo.photos.count() == 2
    bad = owner_client.post(
        photos, {"photos": [SimpleUploadedFile("c.jpg", b"not a picture")]}, follow=True
    )
    assert cargo.photos.count() == 2
    assert "alert" in bad.content.decode() or "error" in bad.content.decode()
    photo = cargo.photos.first()
    owner_client.post(
        url(
            business,
            "manage_sharing_asset_photo_delete",
            asset_id=cargo.pk,
            photo_id=photo.pk,
        )
    )
    assert cargo.photos.count() == 1
    owner_client.post(
        url(business, "manage_sharing_asset_state", asset_id=cargo.pk), {"state": "maintenance"}
    )
    cargo.refresh_from_db()
    assert cargo.state == "maintenance"


def test_a_station_is_added_and_moved(owner_client, business, bikes):
    form = {
        "program": str(bikes.pk),
        "name_it": "Stazione centrale",
        "address": "Piazza Medaglie d'Oro, Bologna",
        "latitude": "44.5058",
        "longitude": "11.3430",
        "capacity": "6",
        "active": "on",
    }
    done = owner_client.post(url(business, "manage_sharing_station_new"), form)
    assert done.status_code == 302
    found = Station.objects.get(business=business, name_it="Stazione centrale")
    assert found.capacity == 6 and float(found.latitude) == 44.5058
    refused = owner_client.post(
        url(business, "manage_sharing_station", station_id=found.pk), form | {"latitude": "95"}
    )
    assert refused.status_code == 400


def test_a_programs_terms_are_saved(owner_client, business, bikes):
    prefix = f"program-{bikes.pk}-"
    fields = {
        "peer_discount_percent": "10",
        "commission_percent": "25",
        "free_cancel_hours": "12",
        "late_fee_percent": "200",
        "late_grace_minutes": "10",
        "confirm_minutes": "30",
        "reminder_hours": "24",
    }
    done = owner_client.post(
        url(business, "manage_sharing_settings"),
        {"program": str(bikes.pk)} | {prefix + k: v for k, v in fields.items()},
    )
    assert done.status_code == 302
    terms = SharingSettings.objects.get(program=bikes)
    assert terms.commission_percent == 25 and terms.late_fee_percent == 200
    refused = owner_client.post(
        url(business, "manage_sharing_settings"),
        {"program": str(bikes.pk)}
        | {prefix + k: v for k, v in fields.items()}
        | {prefix + "commission_percent": "120"},
    )
    assert refused.status_code == 400


# --- sponsors ------------------------------------------------------------------------------------


def test_a_sponsor_is_added_for_some_assets_and_its_fee_recorded(
    owner_client, business, bikes, cargo
):
    today = timezone.localdate()
    done = owner_client.post(
        url(business, "manage_sharing_sponsor_new"),
        {
            "program": str(bikes.pk),
            "name": "Banca di Bologna",
            "url": "banca.example",
            "contact_email": "marketing@banca.example",
            "language": "it",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
            "amount": "1.200,00",
            "assets": [str(cargo.pk)],
        },
    )
    assert done.status_code == 302
    sponsor = Sponsor.objects.get(business=business)
    assert sponsor.amount_minor == 120_000 and sponsor.url == "https://banca.example"
    assert list(sponsor.assets.values_list("pk", flat=True)) == [cargo.pk]
    page = owner_client.get(done.url).content.decode()
    assert "The fee arrived at the bank" in page
    owner_client.post(url(business, "manage_sharing_sponsor_fee", sponsor_id=sponsor.pk))
    sponsor.refresh_from_db()
    assert sponsor.fee_received_at is not None
    assert check_business(business.pk) == []
    logo = owner_client.post(
        url(business, "manage_sharing_sponsor_logo", sponsor_id=sponsor.pk),
        {"logo": SimpleUploadedFile("logo.jpg", jpeg(), content_type="image/jpeg")},
    )
    assert logo.status_code == 302
    sponsor.refresh_from_db()
    assert sponsor.logo


def test_last_months_report_is_sent_and_downloaded(owner_client, business, owner, bikes, cargo):
    sponsor = sponsor_of(business, owner, bikes)
    sent = owner_client.post(
        url(business, "manage_sharing_sponsor_report_send", sponsor_id=sponsor.pk), follow=True
    )
    assert "is on its way to marketing@banca.example" in sent.content.decode()
    report = sponsor.reports.get()
    assert report.sent_at is not None
    page = sent.content.decode()
    pdf_url = url(
        business, "manage_sharing_sponsor_report_pdf", sponsor_id=sponsor.pk, report_id=report.pk
    )
    csv_url = url(
        business, "manage_sharing_sponsor_report_csv", sponsor_id=sponsor.pk, report_id=report.pk
    )
    assert pdf_url in page and csv_url in page
    pdf = owner_client.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    csv = owner_client.get(csv_url)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


# --- who may come in -----------------------------------------------------------------------------


def every_url(business, booking, the_asset, the_station, sponsor, photo_id=1, report_id=1):
    """(method, url) of every console page of sharing."""
    b, a, s, p = booking.pk, the_asset.pk, the_station.pk, sponsor.pk
    return [
        ("get", url(business, "manage_sharing")),
        ("get", url(business, "manage_sharing_bookings")),
        ("get", url(business, "manage_sharing_booking", booking_id=b)),
        ("post", url(business, "manage_sharing_check_out", booking_id=b)),
        ("post", url(business, "manage_sharing_check_in", booking_id=b)),
        ("post", url(business, "manage_sharing_cancel", booking_id=b)),
        ("post", url(business, "manage_sharing_paid", booking_id=b)),
        ("get", url(business, "manage_sharing_fleet")),
        ("get", url(business, "manage_sharing_asset_new")),
        ("get", url(business, "manage_sharing_asset", asset_id=a)),
        ("post", url(business, "manage_sharing_asset_photos", asset_id=a)),
        (
            "post",
            url(business, "manage_sharing_asset_photo_delete", asset_id=a, photo_id=photo_id),
        ),
        ("post", url(business, "manage_sharing_asset_state", asset_id=a)),
        ("post", url(business, "manage_sharing_listing", asset_id=a)),
        ("get", url(business, "manage_sharing_station_new")),
        ("get", url(business, "manage_sharing_station", station_id=s)),
        ("get", url(business, "manage_sharing_settings")),
        ("get", url(business, "manage_sharing_sponsors")),
        ("get", url(business, "manage_sharing_sponsor_new")),
        ("get", url(business, "manage_sharing_sponsor", sponsor_id=p)),
        ("post", url(business, "manage_sharing_sponsor_logo", sponsor_id=p)),
        ("post", url(business, "manage_sharing_sponsor_fee", sponsor_id=p)),
        ("post", url(business, "manage_sharing_sponsor_report_send", sponsor_id=p)),
        (
            "get",
            url(business, "manage_sharing_sponsor_report_pdf", sponsor_id=p, report_id=report_id),
        ),
        (
            "get",
            url(business, "manage_sharing_sponsor_report_csv", sponsor_id=p, report_id=report_id),
        ),
    ]


def test_staff_of_another_business_are_kept_out(
    client, business, owner, other_staff, bikes, shop, cargo
):
    booking = book(business, cargo).booking
    sponsor = sponsor_of(business, owner, bikes)
    client.force_login(other_staff)
    speaking(client, "en")
    walked = every_url(business, booking, cargo, shop, sponsor)
    assert len(walked) == 25
    for method, page in walked:
        response = getattr(client, method)(page, {})
        assert response.status_code == 403, (method, page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_ids_of_another_business_answer_404_to_its_own_owner(
    client, business, owner, other_business, other_staff, bikes, shop, cargo
):
    """The other business's owner, in their own console, with this business's ids."""
    booking = book(business, cargo).booking
    sponsor = sponsor_of(business, owner, bikes)
    sharing_program(other_business, other_staff)
    client.force_login(other_staff)
    speaking(client, "en")
    for method, page in every_url(other_business, booking, cargo, shop, sponsor):
        if page.rstrip("/").endswith(
            ("sharing", "bookings", "fleet", "new", "settings", "sponsors")
        ):
            continue  # the other business's own lists
        response = getattr(client, method)(page, {})
        assert response.status_code == 404, (method, page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_community_manager_works_the_counter_but_is_refused_the_fleet(
    client, business, bikes, cargo
):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    client.force_login(manager)
    speaking(client, "en")
    assert client.get(url(business, "manage_sharing")).status_code == 200
    assert client.get(url(business, "manage_sharing_bookings")).status_code == 200
    refused = client.get(url(business, "manage_sharing_fleet"))
    assert refused.status_code == 403
    assert "Your role does not include setting up programs" in refused.content.decode()
    assert client.get(url(business, "manage_sharing_asset", asset_id=cargo.pk)).status_code == 403
    assert client.get(url(business, "manage_sharing_sponsors")).status_code == 403
    today = client.get(url(business, "manage_sharing")).content.decode()
    assert url(business, "manage_sharing_fleet") not in today


# --- the week's calendar -------------------------------------------------------------------------


def test_the_weeks_calendar_asks_the_database_a_fixed_number_of_times(
    client, owner, business, owner_client, bikes, shop, django_assert_max_num_queries
):
    saturday = next_saturday(9)
    bikes_ = [asset(business, owner, bikes, at=shop) for _ in range(4)]
    week = url(business, "manage_sharing_bookings") + f"?week={local_day(business, saturday)}"
    book(business, bikes_[0], start=saturday - timedelta(hours=3), hours=2)
    with django_assert_max_num_queries(12):
        owner_client.get(week)
    for i, bike in enumerate(bikes_):
        for hour in (0, 3, 6):
            book(business, bike, start=saturday + timedelta(hours=hour, days=i % 2), hours=2)
    with django_assert_max_num_queries(12):
        page = owner_client.get(week)
    assert page.status_code == 200
    assert page.content.decode().count(url(business, "manage_sharing_bookings")) >= 1
    assert len(page.context["rows"]) == 4
