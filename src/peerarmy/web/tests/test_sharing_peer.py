"""Sharing in the peer's app: a peer lists their cargo bike through the shop (which checks it
first), sees its bookings and what it earned, hands it over and takes it back; nobody reaches
another peer's things or bookings, and the wallet says where the money came from."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from peerarmy.notifications.services import deliver_due
from peerarmy.rewards.checks import check_business
from peerarmy.sharing import services
from peerarmy.sharing.inputs import AssetInput, ListingDecisionInput
from peerarmy.sharing.models import Asset, BookingStatus, ListingStatus
from peerarmy.sharing.tests.helpers import (
    book,
    bring_back,
    next_saturday,
    pick_up,
    sharing_program,
    station,
)
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def logged_in(client, peer, language="en"):
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def bikes(business, owner):
    return sharing_program(business, owner, commission_percent=20)


@pytest.fixture
def shop(business, owner, bikes):
    return station(business, owner, bikes)


def listed(business, owner, peer, program, *, approve=True, **fields):
    """A peer's cargo bike, listed at their place (and approved by the owner unless told)."""
    data = {
        "program_id": program.pk,
        "kind": "cargo_bike",
        "name_it": "Cargo di Marta",
        "name_en": "Marta's cargo bike",
        "latitude": 44.4968,
        "longitude": 11.3527,
        "position_note": "Cortile di Via Irnerio 12",
        "hour_minor": 500,
        "day_minor": 2500,
        "deposit_minor": 3000,
    } | fields
    asset = services.list_peer_asset(peer, AssetInput(**data)).value
    if approve:
        services.decide_listing(business, owner, asset, ListingDecisionInput(approve=True))
        asset.refresh_from_db()
    return asset


def listing_form(program, **fields):
    return {
        "program": str(program.pk),
        "kind": "cargo_bike",
        "name_it": "Cargo di Marta",
        "name_en": "Marta's cargo bike",
        "description_it": "Porta due bambini.",
        "propulsion": "electric_assist",
        "range_km": "50",
        "seats": "3",
        "station": "",
        "latitude": "44,4968",
        "longitude": "11.3527",
        "position_note": "Cortile di Via Irnerio 12",
        "hour_price": "5,00",
        "day_price": "25",
        "deposit": "30",
        "shortest": "60",
        "longest": str(3 * 1440),
        "when": "hours",
        "open_5": "on",
        "opens_5": "09:00",
        "closes_5": "18:00",
        "open_6": "on",
        "opens_6": "10:00",
        "closes_6": "13:00",
        "away_from": "",
        "away_until": "",
    } | fields


def test_a_peer_lists_their_cargo_bike_and_the_shop_is_told(client, business, owner, peer, bikes):
    away = timezone.localdate() + timedelta(days=10)
    response = logged_in(client, peer).post(
        url(business, "me_sharing_asset_new"),
        listing_form(bikes, away_from=away.isoformat(), away_until=""),
    )
    asset = Asset.objects.get(owner_peer=peer)
    assert response.status_code == 302
    assert response.url == url(business, "me_sharing_asset", asset_id=asset.pk) + "#photos"
    assert asset.listing == ListingStatus.PENDING
    assert (asset.hour_minor, asset.day_minor, asset.deposit_minor) == (500, 2500, 3000)
    assert asset.weekly_hours == [[5, "09:00", "18:00"], [6, "10:00", "13:00"]]
    assert asset.blocked_dates == [away.isoformat()]
    assert float(asset.latitude) == pytest.approx(44.4968)
    deliver_due()
    owners_mail = [m for m in mail.outbox if owner.email in m.to]
    assert len(owners_mail) == 1

    page = client.get(url(business, "me_sharing"))
    assert page.status_code == 200
    assert "Marta&#x27;s cargo bike" in page.content.decode()
    assert "Waiting for the shop" in page.content.decode()


def test_the_listing_form_says_what_is_missing(client, business, peer, bikes):
    response = logged_in(client, peer).post(
        url(business, "me_sharing_asset_new"),
        listing_form(bikes, hour_price="", day_price="", latitude="", longitude="", open_5=""),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Give a price per hour, per day, or both." in text
    assert "Choose the station it lives at, or give where it can be found." in text
    assert not Asset.objects.filter(owner_peer=peer).exists()


def test_a_listing_at_the_shops_station(client, business, peer, bikes, shop):
    response = logged_in(client, peer).post(
        url(business, "me_sharing_asset_new"),
        listing_form(bikes, station=str(shop.pk), latitude="", longitude="", when="any"),
    )
    assert response.status_code == 302
    asset = Asset.objects.get(owner_peer=peer)
    assert asset.station_id == shop.pk and asset.weekly_hours == []


def test_an_approved_listing_shows_its_page_and_editing_sends_it_back_to_review(
    client, business, owner, peer, bikes
):
    asset = listed(business, owner, peer, bikes)
    client = logged_in(client, peer)
    mine = client.get(url(business, "me_sharing")).content.decode()
    assert "Approved" in mine
    assert url(business, "sharing_asset", program_slug=bikes.slug, code=asset.code) in mine
    edit = client.get(url(business, "me_sharing_asset", asset_id=asset.pk)).content.decode()
    assert "the shop checks them again" in edit
    response = client.post(
        url(business, "me_sharing_asset", asset_id=asset.pk),
        listing_form(bikes, hour_price="6"),
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.hour_minor == 600 and asset.listing == ListingStatus.PENDING


def test_a_refused_listing_shows_the_shops_reason(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes, approve=False)
    services.decide_listing(
        business, owner, asset, ListingDecisionInput(approve=False, reason="Photos, please.")
    )
    page = logged_in(client, peer).get(url(business, "me_sharing")).content.decode()
    assert "Refused" in page and "Photos, please." in page


def test_the_peer_puts_their_asset_in_maintenance(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes)
    response = logged_in(client, peer).post(
        url(business, "me_sharing_asset_state", asset_id=asset.pk), {"state": "maintenance"}
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.state == "maintenance"


def test_nobody_reaches_another_peers_asset_or_booking(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes)
    booking = book(business, asset).booking
    other = logged_in(client, PeerFactory(business=business))
    for name, kwargs in [
        ("me_sharing_asset", {"asset_id": asset.pk}),
        ("me_sharing_booking", {"booking_id": booking.pk}),
    ]:
        assert other.get(url(business, name, **kwargs)).status_code == 404
    for name, kwargs in [
        ("me_sharing_asset_state", {"asset_id": asset.pk}),
        ("me_sharing_check_out", {"booking_id": booking.pk}),
    ]:
        assert (
            other.post(url(business, name, **kwargs), {"state": "maintenance"}).status_code == 404
        )
    asset.refresh_from_db()
    booking.refresh_from_db()
    assert asset.state == "active" and booking.status == BookingStatus.CONFIRMED
    # the peer's own page lists only their own things
    assert "Marta" not in other.get(url(business, "me_sharing")).content.decode()


def test_only_active_peers_come_in(client, business, bikes):
    applicant = PeerFactory(business=business, status="applicant")
    response = logged_in(client, applicant).get(url(business, "me_sharing"))
    assert response.status_code == 302 and response.url == url(business, "me")
    assert client.post(url(business, "me_sharing_asset_new"), {}).status_code == 302
    client.logout()
    response = client.get(url(business, "me_sharing"))
    assert response.status_code == 302 and "login" in response.url


def test_the_owning_peer_hands_over_and_takes_back_and_earns(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes)
    booking = book(business, asset, hours=3, name="Anna Rossi", phone="+39 333 1234567").booking
    client = logged_in(client, peer)

    page = client.get(url(business, "me_sharing")).content.decode()
    assert "Anna Rossi" in page and "+393331234567" in page
    detail = client.get(url(business, "me_sharing_booking", booking_id=booking.pk))
    assert detail.status_code == 200 and "Hand it over" in detail.content.decode()

    assert "is still to pay" in detail.content.decode()
    refused = client.post(url(business, "me_sharing_check_out", booking_id=booking.pk), {})
    assert refused.status_code == 400
    assert "is still to pay" in refused.content.decode()
    # the rider pays the shop by transfer; the shop records it
    services.record_transfer(business, owner, booking)
    detail = client.get(url(business, "me_sharing_booking", booking_id=booking.pk))
    assert "Handed over" in detail.content.decode()

    out = client.post(
        url(business, "me_sharing_check_out", booking_id=booking.pk),
        {"notes": "Battery full"},
    )
    assert out.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.OUT and booking.checked_out_by_id == peer.user_id
    assert check_business(business.pk) == []

    back = client.post(
        url(business, "me_sharing_check_in", booking_id=booking.pk),
        {"notes": "All fine", "distance_km": "12"},
    )
    assert back.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RETURNED and booking.distance_km == 12
    assert check_business(business.pk) == []

    # 3 hours at 5 € is 15 €; the shop keeps 20 %
    page = client.get(url(business, "me_sharing")).content.decode()
    assert "€12.00" in page
    wallet = client.get(url(business, "me_wallet")).content.decode()
    assert f"Rental of Marta&#x27;s cargo bike (booking {booking.code})" in wallet


def test_the_rider_contact_waits_for_the_confirmation(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes)
    booking = book(business, asset, confirm=False, name="Luca Bianchi", phone="+39 333 7654321")
    assert booking.booking.status == BookingStatus.UNCONFIRMED
    page = logged_in(client, peer).get(url(business, "me_sharing")).content.decode()
    assert booking.booking.code in page
    assert "Luca" not in page and "7654321" not in page


def test_my_own_bookings_as_a_rider_link_to_the_asset(client, business, owner, peer, bikes):
    shop_bike = services.save_asset(
        business,
        owner,
        AssetInput(
            program_id=bikes.pk,
            kind="ebike",
            name_it="E-bike del negozio",
            latitude=44.49,
            longitude=11.34,
            hour_minor=800,
        ),
    ).value
    ride = book(business, shop_bike, user=peer.user, email=peer.user.email).booking
    page = logged_in(client, peer).get(url(business, "me_sharing")).content.decode()
    assert "What I booked" in page and ride.code in page
    assert url(business, "sharing_asset", program_slug=bikes.slug, code=shop_bike.code) in page


def test_my_calendar_feed_is_on_the_page(client, business, owner, peer, bikes):
    from peerarmy.sharing import calendars

    listed(business, owner, peer, bikes)
    page = logged_in(client, peer).get(url(business, "me_sharing")).content.decode()
    assert calendars.feed_url(business, "peer", peer.pk) in page


def test_the_wallet_names_the_rental_of_the_peers_asset(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes)
    booking = book(business, asset, start=next_saturday(), hours=2).booking
    pick_up(business, owner, booking)
    bring_back(business, owner, booking)
    wallet = logged_in(client, peer).get(url(business, "me_wallet")).content.decode()
    assert f"Rental of Marta&#x27;s cargo bike (booking {booking.code})" in wallet
    italian = logged_in(client, peer, "it").get(url(business, "me_wallet")).content.decode()
    assert "Cargo di Marta" in italian


def test_the_pages_speak_italian(client, business, owner, peer, bikes):
    asset = listed(business, owner, peer, bikes)
    booking = book(business, asset).booking
    client = logged_in(client, peer, "it")
    for name, kwargs in [
        ("me_sharing", {}),
        ("me_sharing_asset_new", {}),
        ("me_sharing_asset", {"asset_id": asset.pk}),
        ("me_sharing_booking", {"booking_id": booking.pk}),
    ]:
        response = client.get(url(business, name, **kwargs))
        assert response.status_code == 200, name
        assert 'lang="it"' in response.content.decode()
    assert "Cargo di Marta" in client.get(url(business, "me_sharing")).content.decode()


def test_the_peer_adds_and_removes_a_photo_of_their_asset(
    client, business, owner, peer, bikes, settings, tmp_path
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    asset = listed(business, owner, peer, bikes)
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (250, 200, 0)).save(out, format="PNG")
    client = logged_in(client, peer)
    response = client.post(
        url(business, "me_sharing_asset_photos", asset_id=asset.pk),
        {"photo": SimpleUploadedFile("bike.png", out.getvalue(), content_type="image/png")},
    )
    assert response.status_code == 302
    photo = asset.photos.get()
    page = client.get(url(business, "me_sharing_asset", asset_id=asset.pk)).content.decode()
    assert photo.url in page
    response = client.post(
        url(business, "me_sharing_asset_photo_delete", asset_id=asset.pk, photo_id=photo.pk)
    )
    assert response.status_code == 302 and not asset.photos.exists()
