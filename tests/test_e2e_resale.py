"""Resale, end to end in a real browser (Debian's chromium): Giulia, a peer of Bici Gialla,
lists the child seat she bought there from her order history with a photo; the owner approves
it in the console; a buyer on a phone-sized window, in Italian, reserves it and confirms by the
e-mailed link; the owner marks it sold at the till; Giulia's wallet shows her share, coming when
the return window closes. The books are sound at the end, and no phone page is wider than the
phone."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from peerarmy.customers.models import Customer, Order
from peerarmy.peers.models import PeerStatus
from peerarmy.programs.models import ProgramKind
from peerarmy.resale import services
from peerarmy.resale.inputs import CategoryInput, ResaleSettingsInput
from peerarmy.resale.models import Listing, ListingStatus, Reservation, ReservationStatus
from peerarmy.rewards.checks import check_business
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    MembershipFactory,
    PeerFactory,
    ProgramFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture
from .test_e2e_sharing import _fits, _log_in, _phone

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

BUYER = "marco.bianchi@example.org"


def it(message):
    with translation.override("it"):
        return gettext(message)


def _photo(tmp_path):
    path = tmp_path / "seggiolino.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (240, 200, 20)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.django_db(transaction=True)
def test_a_customer_sells_what_she_bought_here_and_her_wallet_shows_it(
    live_server,
    browser,  # noqa: F811
    settings,
    tmp_path,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    # Given Bici Gialla's resale program with a child-seats category, and Giulia, a peer who
    # bought a Hamax child seat there 26 months ago for 89 €
    business = BusinessFactory(slug="bici", name="Bici Gialla")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    program = ProgramFactory(
        business=business, kind=ProgramKind.RESALE, slug="usato", title_it="Usato"
    )
    services.save_settings(business, owner, program.pk, ResaleSettingsInput(return_days=14))
    seats = services.save_category(
        business,
        owner,
        CategoryInput(program_id=program.pk, name_it="Seggiolini", name_en="Child seats"),
    ).value
    giulia = PeerFactory(business=business, display_name="Giulia", status=PeerStatus.ACTIVE)
    customer = Customer.objects.create(business=business, email=giulia.user.email)
    Order.objects.create(
        business=business,
        customer=customer,
        email=giulia.user.email,
        source="shopify",
        external_id="#1042",
        placed_at=timezone.now() - timedelta(days=26 * 31),
        total_minor=8900,
        items=[{"name": "Seggiolino Hamax Siesta", "sku": "HMX", "quantity": 1,
                "price_minor": 8900}],
    )  # fmt: skip
    mail.outbox.clear()

    # Giulia lists it from her orders, on her phone, with a photo, and sends it to the shop
    context, page = _phone(browser, base)
    _log_in(page, base, giulia.user.email)
    page.goto(f"{base}/bici/me/resale/")
    _fits(page)
    page.get_by_role("link", name=it("Sell something")).first.click()
    page.wait_for_load_state()
    page.locator("select[name=bought]").select_option("#1042|0")
    page.locator("select[name=category]").select_option(str(seats.pk))
    page.locator("input[name=title]").fill("Seggiolino Hamax per bici")
    page.locator("input[name=grade][value=excellent]").check()
    page.locator("input[name=price]").fill("45")
    page.locator("input[name=payout][value=credit]").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    _fits(page)
    listing = Listing.objects.get(business=business, seller=giulia.user)
    assert listing.bought_here and listing.suggested_minor == 4600
    assert "46,00" in page.content()  # the shop's suggestion, explained
    page.locator("input[name=photo]").set_input_files(str(_photo(tmp_path)))
    page.get_by_role("button", name=it("Add the photo")).click()
    page.wait_for_load_state()
    page.get_by_role("button", name=it("Send it to the shop")).click()
    page.wait_for_load_state()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUBMITTED and listing.photos.count() == 1
    context.close()

    # The owner approves it in the console, on a laptop
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    desk.add_cookies([{"name": "peerarmy_language", "value": "it", "url": base}])
    page = desk.new_page()
    _log_in(page, base, owner.email)
    page.goto(f"{base}/bici/manage/resale/")
    page.get_by_role("link", name="Seggiolino Hamax per bici").click()
    page.wait_for_load_state()
    page.locator("input[name=decision][value=approve]").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLIC

    # A buyer finds it on a phone, in Italian, and reserves it
    context, phone = _phone(browser, base)
    phone.goto(f"{base}/bici/resale/usato/")
    _fits(phone)
    assert it("Bought at %(shop)s in %(month)s").split("%")[0] in phone.content()
    phone.get_by_role("link", name="Seggiolino Hamax per bici").first.click()
    phone.wait_for_load_state()
    _fits(phone)
    phone.locator("input[name=name]").fill("Marco Bianchi")
    phone.locator("input[name=email]").fill(BUYER)
    phone.locator("form button.sharing-give").click()
    phone.wait_for_load_state()
    _fits(phone)
    reservation = Reservation.objects.get(business=business, email=BUYER)
    message = next(m for m in reversed(mail.outbox) if BUYER in m.to)
    link = re.search(r"https?://\S+/confirm/", message.body).group(0)
    phone.goto(link)
    phone.wait_for_load_state()
    _fits(phone)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.ACTIVE
    context.close()

    # The buyer collects it: the owner marks it sold, paid at the till
    page.goto(f"{base}/bici/manage/resale/reservations/{reservation.pk}/")
    page.locator("input[name=paid_by][value=till]").check()
    page.get_by_role("button", name=it("Paid and collected")).click()
    page.wait_for_load_state()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.SOLD
    assert (reservation.commission_minor, reservation.share_minor) == (900, 3600)
    desk.close()

    # Giulia's wallet shows her share, 36 € as shop credit, when the return window closes
    context, page = _phone(browser, base)
    _log_in(page, base, giulia.user.email)
    page.goto(f"{base}/bici/me/wallet/")
    _fits(page)
    assert "Seggiolino Hamax per bici" in page.content()
    assert "36,00" in page.content()
    context.close()
    assert check_business(business.pk) == []
