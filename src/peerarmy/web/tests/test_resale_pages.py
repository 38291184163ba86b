"""Resale's pages: a visitor searches the used items and reserves one without an account,
confirms by e-mail and sees how to pay; a customer lists an item she bought at the shop with a
photo and sends it; staff review it, sell it at the till, take a trade-in; the owner tunes the
categories and terms; the Italian pages speak Italian."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerarmy.chipin.tests.helpers import sent_mail
from peerarmy.resale.models import Listing, ListingStatus, Reservation, ReservationStatus, TradeIn
from peerarmy.resale.tests.helpers import (
    category,
    jpeg,
    listing,
    order_of,
    public_listing,
    resale_program,
    reserve,
)
from peerarmy.rewards.models import Voucher
from peerarmy.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(business, owner):
    return resale_program(business, owner)


@pytest.fixture
def seats(business, owner, program):
    return category(business, owner, program)


@pytest.fixture
def giulia():
    return UserFactory(email="giulia@example.org", first_name="Giulia", last_name="Rossi")


def _url(name, business, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_search_filters_and_shows_the_bought_here_badge(
    client, business, owner, program, seats, giulia
):
    order = order_of(business, giulia, items=[("Child seat Hamax", 8900)])
    public_listing(business, giulia, owner, program, seats, title="Seggiolino Hamax",
                   bought_order=order.external_id, bought_line=0)  # fmt: skip
    public_listing(business, giulia, owner, program, seats, title="Casco rosso", grade="worn",
                   price_minor=1500)  # fmt: skip
    page = _english(client).get(_url("resale_program", business, program_slug=program.slug))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Seggiolino Hamax" in html and "Casco rosso" in html
    assert "Bought at Bici Gialla in" in html
    only_bought = client.get(
        _url("resale_program", business, program_slug=program.slug), {"bought_here": "on"}
    ).content.decode()
    assert "Seggiolino Hamax" in only_bought and "Casco rosso" not in only_bought
    cheap = client.get(
        _url("resale_program", business, program_slug=program.slug), {"max_price": "20"}
    ).content.decode()
    assert "Casco rosso" in cheap and "Seggiolino Hamax" not in cheap
    words = client.get(
        _url("resale_program", business, program_slug=program.slug), {"q": "casco"}
    ).content.decode()
    assert "Casco rosso" in words and "Seggiolino Hamax" not in words
    bad = client.get(
        _url("resale_program", business, program_slug=program.slug), {"max_price": "dieci"}
    )
    assert bad.status_code == 200 and "Enter an amount" in bad.content.decode()


def test_a_visitor_reserves_confirms_by_e_mail_and_sees_how_to_pay(
    client, business, owner, program, seats, giulia
):
    item = public_listing(business, giulia, owner, program, seats, title="Seggiolino")
    page = _english(client).get(
        _url("resale_listing", business, program_slug=program.slug, code=item.code)
    )
    html = page.content.decode()
    assert 'property="og:title"' in html and "Excellent" in html
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)
    sent = client.post(
        _url("resale_reserve", business, program_slug=program.slug, code=item.code),
        {"name": "Marco Bianchi", "email": "marco@example.org", "key": key},
    )
    assert sent.status_code == 302
    reservation = Reservation.objects.get(listing=item)
    assert reservation.status == ReservationStatus.UNCONFIRMED
    mail = sent_mail("marco@example.org")[-1]
    link = re.search(r"https?://\S+/confirm/", mail.body).group(0)
    confirmed = client.get(urlsplit(link).path, follow=True)
    assert confirmed.status_code == 200
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.ACTIVE
    assert "It is yours until" in confirmed.content.decode()
    # a second visitor finds it reserved
    again = client.get(_url("resale_listing", business, program_slug=program.slug, code=item.code))
    assert "Someone has reserved it" in again.content.decode()


def test_a_taken_item_is_refused_in_words(client, business, owner, program, seats, giulia):
    item = public_listing(business, giulia, owner, program, seats)
    reserve(business, item)
    Listing.objects.filter(pk=item.pk).update(status=ListingStatus.PUBLIC)  # a stale page
    refused = _english(client).post(
        _url("resale_reserve", business, program_slug=program.slug, code=item.code),
        {"name": "Anna", "email": "anna@example.org", "key": "k"},
    )
    assert refused.status_code == 409
    assert "Someone else has just reserved this item" in refused.content.decode()


def test_a_customer_lists_what_she_bought_with_a_photo_and_sends_it(
    client, business, owner, program, seats, giulia
):
    order = order_of(business, giulia, items=[("Child seat Hamax", 8900)])
    client.force_login(giulia)
    form = _english(client).get(_url("me_resale_new", business))
    assert "Child seat Hamax" in form.content.decode()
    saved = client.post(
        _url("me_resale_new", business),
        {
            "bought": f"{order.external_id}|0",
            "category": seats.pk,
            "title": "Seggiolino Hamax",
            "grade": "excellent",
            "price": "45,00",
            "delivery": "pickup",
            "payout": "credit",
        },
    )
    assert saved.status_code == 302
    item = Listing.objects.get(seller=giulia)
    assert item.bought_here and item.price_minor == 4500 and item.suggested_minor == 4600
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("seat.jpg", jpeg(), content_type="image/jpeg")
    client.post(_url("me_resale_listing_photos", business, listing_id=item.pk), {"photo": photo})
    not_a_photo = SimpleUploadedFile("seat.jpg", b"not a picture", content_type="image/jpeg")
    refused = client.post(
        _url("me_resale_listing_photos", business, listing_id=item.pk), {"photo": not_a_photo}
    )
    assert refused.status_code == 400 and "not a picture" in refused.content.decode()
    client.post(_url("me_resale_submit", business, listing_id=item.pk))
    item.refresh_from_db()
    assert item.status == ListingStatus.SUBMITTED and item.photos.count() == 1
    mine = client.get(_url("me_resale", business)).content.decode()
    assert "Seggiolino Hamax" in mine and "Waiting for review" in mine


def test_staff_review_sell_and_take_back(client, business, owner, program, seats, giulia):
    item = listing(business, giulia, program, seats, title="Portapacchi")
    from peerarmy.resale import services

    services.add_photo(business, giulia, item, jpeg())
    services.submit_listing(business, giulia, item)
    client.force_login(owner)
    home = _english(client).get(_url("manage_resale", business)).content.decode()
    assert "Portapacchi" in home
    missing_note = client.post(
        _url("manage_resale_listing", business, listing_id=item.pk), {"decision": "refuse"}
    )
    assert missing_note.status_code == 400
    assert "Tell the seller what to change or why." in missing_note.content.decode()
    client.post(
        _url("manage_resale_listing", business, listing_id=item.pk), {"decision": "approve"}
    )
    item.refresh_from_db()
    assert item.status == ListingStatus.PUBLIC
    made = reserve(business, item)
    sold = client.post(
        _url("manage_resale_sold", business, reservation_id=made.reservation.pk),
        {"paid_by": "till"},
    )
    assert sold.status_code == 302
    page = client.get(
        _url("manage_resale_reservation", business, reservation_id=made.reservation.pk)
    )
    assert "the shop keeps" in page.content.decode()
    client.post(
        _url("manage_resale_return", business, reservation_id=made.reservation.pk),
        {"reason": "Troppo piccolo"},
    )
    made.reservation.refresh_from_db()
    assert made.reservation.status == ReservationStatus.RETURNED


def test_a_trade_in_at_the_till_gives_the_voucher(client, business, owner, program, seats, giulia):
    client.force_login(owner)
    page = _english(client).post(
        _url("manage_resale_trade_in_new", business),
        {
            "seller_email": "giulia@example.org",
            "category": seats.pk,
            "title": "Casco",
            "grade": "good",
            "original": "60",
            "age_months": "14",
        },
    )
    assert page.status_code == 302
    offer = TradeIn.objects.get(business=business)
    # 60 € × 50 % × 90 % = 27 €; half of it, 13 € (rounded down)
    assert offer.offer_minor == 1300 and offer.seller_id == giulia.pk
    client.post(
        _url("manage_resale_trade_in", business, trade_in_id=offer.pk), {"decision": "accept"}
    )
    voucher = Voucher.objects.get(business=business, user=giulia)
    assert voucher.value_minor == 1300


def test_the_owner_tunes_a_category_and_the_terms(client, business, owner, program, seats):
    client.force_login(owner)
    bad = _english(client).post(
        _url("manage_resale_category", business, category_id=seats.pk),
        {"name_it": "Seggiolini", "keep_new_percent": "50", "keep_excellent_percent": "60",
         "keep_good_percent": "40", "keep_worn_percent": "20", "keep_parts_percent": "5",
         "yearly_loss_percent": "10", "floor_percent": "40", "commission_percent": "20",
         "commission_min": "3", "active": "on"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "A worse condition cannot keep more than a better one." in bad.content.decode()
    saved = client.post(
        _url("manage_resale_settings", business),
        {"reservation_hours": "24", "confirm_minutes": "30", "return_days": "7",
         "trade_in_percent": "40", "credit_bonus_percent": "25"},
    )  # fmt: skip
    assert saved.status_code == 302


def test_the_italian_pages_speak_italian(client, business, owner, program, seats, giulia):
    item = public_listing(business, giulia, owner, program, seats)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    html = client.get(
        _url("resale_listing", business, program_slug=program.slug, code=item.code)
    ).content.decode()
    assert "Prenota" in html or "Riserva" in html
    client.force_login(owner)
    console = client.get(_url("manage_resale", business)).content.decode()
    assert "Usato" in console


def test_an_expired_reservation_link_says_so(client, business, owner, program, seats, giulia):
    item = public_listing(business, giulia, owner, program, seats)
    made = reserve(business, item)
    from peerarmy.resale import services

    services.expire_reservations(now=timezone.now() + timedelta(hours=2))
    page = _english(client).get(
        _url("resale_reservation_confirm", business, token=made.token), follow=True
    )
    assert "This reservation has expired" in page.content.decode()


def test_a_reservation_shows_the_transfer_and_its_qr_code(
    client, business, owner, program, seats, giulia
):
    from peerarmy.chipin.tests.helpers import shop_bank

    shop_bank(business, owner)
    item = public_listing(business, giulia, owner, program, seats)
    made = reserve(business, item)
    page = _english(client).get(_url("resale_reservation", business, token=made.token))
    html = page.content.decode()
    assert "Pay by bank transfer" in html and "RF" in html
    qr = client.get(_url("resale_reservation_qr", business, token=made.token))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert client.get(_url("resale_reservation_qr", business, token="nope")).status_code == 404
