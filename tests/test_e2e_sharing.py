"""Sharing, end to end in a real browser (Debian's chromium), all on phone-sized windows: a
visitor finds a cargo bike for Saturday on the shop's page, in Italian, books it and confirms
by the e-mailed link; the staff check it out (taking the payment at the till) and in at the
counter; Giulia, the peer whose cargo bike it is, sees the earning in her wallet. The books are
sound at the end, and no page is wider than the phone."""

import re

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from peerarmy.peers.models import PeerStatus
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards.checks import check_business
from peerarmy.sharing import services
from peerarmy.sharing.inputs import AssetInput, SharingSettingsInput, StationInput
from peerarmy.sharing.models import Booking, BookingStatus
from peerarmy.sharing.tests.helpers import next_saturday
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    MembershipFactory,
    PeerFactory,
    ProgramFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
VISITOR = "paolo.ferri@example.org"


def it(message, context=None):
    with translation.override("it"):
        return pgettext(context, message) if context else gettext(message)


def _fits(page):
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{page.url} is {wide} px wide"


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def _phone(browser, base, language="it"):  # noqa: F811
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": "peerarmy_language", "value": language, "url": base}])
    return context, context.new_page()


@pytest.mark.django_db(transaction=True)
def test_a_visitor_rents_a_peers_cargo_bike_and_the_peer_earns(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    # Given Bici Gialla, its sharing program and a station, and Giulia's cargo bike listed
    # through the shop (approved), at 6 € an hour with a 50 € deposit
    business = BusinessFactory(slug="bici", name="Bici Gialla")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    program = ProgramFactory(
        business=business, kind=ProgramKind.SHARING, slug="noleggio", title_it="Noleggio"
    )
    services.save_settings(business, owner, program, SharingSettingsInput(commission_percent=20))
    station = services.save_station(
        business,
        owner,
        StationInput(
            program_id=program.pk,
            name_it="Negozio",
            address="Via del Pratello 42, Bologna",
            latitude=44.4948,
            longitude=11.3299,
        ),
    ).value
    giulia = PeerFactory(business=business, display_name="Giulia", status=PeerStatus.ACTIVE)
    cargo = services.list_peer_asset(
        giulia,
        AssetInput(
            program_id=program.pk,
            kind="cargo_bike",
            name_it="Cargo-bike di Giulia",
            name_en="Giulia's cargo bike",
            propulsion="electric_assist",
            range_km=50,
            seats=2,
            station_id=station.pk,
            hour_minor=600,
            day_minor=3000,
            deposit_minor=5000,
        ),
    ).value
    from peerarmy.sharing.inputs import ListingDecisionInput

    services.decide_listing(business, owner, cargo, ListingDecisionInput(approve=True))
    saturday = timezone.localtime(next_saturday(hour=9))
    mail.outbox.clear()

    # A visitor, on a phone and in Italian, looks for a cargo bike for Saturday morning
    context, page = _phone(browser, base)
    page.goto(f"{base}/bici/sharing/noleggio/")
    _fits(page)
    page.locator("input[name=from_date]").fill(saturday.strftime("%Y-%m-%d"))
    page.locator("input[name=from_time]").fill("09:00")
    page.locator("input[name=until_date]").fill(saturday.strftime("%Y-%m-%d"))
    page.locator("input[name=until_time]").fill("12:00")
    page.locator("select[name=kind]").select_option("cargo_bike")
    page.get_by_role("button", name=it("Search")).click()
    page.wait_for_load_state()
    _fits(page)
    assert "Cargo-bike di Giulia" in page.content()
    assert "18,00" in page.content()  # three hours at 6 €
    page.get_by_role("link", name=it("Book")).first.click()
    page.wait_for_load_state()
    _fits(page)
    # the asset's page is pre-filled with the times; the visitor gives name and e-mail
    page.locator("input[name=name]").fill("Paolo Ferri")
    page.locator("input[name=email]").fill(VISITOR)
    page.locator("input[name=phone]").fill("+39 333 1112223")
    page.locator("form button.sharing-give").click()
    page.wait_for_load_state()
    _fits(page)
    booking = Booking.objects.get(business=business, email=VISITOR)
    assert booking.status == BookingStatus.UNCONFIRMED and booking.price_minor == 1800
    # the e-mail's link confirms it
    message = next(m for m in reversed(mail.outbox) if VISITOR in m.to)
    link = re.search(r"https?://\S+/confirm/", message.body).group(0)
    page.goto(link)
    page.wait_for_load_state()
    _fits(page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert it("Confirmed", "booking") in page.content()
    context.close()

    # Saturday at the counter: the staff check it out, taking the payment at the till, and in
    context, page = _phone(browser, base)
    _log_in(page, base, owner.email)
    page.goto(f"{base}/bici/manage/sharing/bookings/{booking.pk}/")
    _fits(page)
    page.locator("#check-out input[name=take_payment]").check()
    page.locator("#check-out textarea[name=notes]").fill("Batteria carica")
    page.locator("#check-out button[type=submit]").click()
    page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.OUT and booking.taken_minor == 6800
    _fits(page)
    page.locator("form[action$='/check-in/'] input[name=distance_km]").fill("14")
    page.locator("form[action$='/check-in/'] button[type=submit]").click()
    page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RETURNED, page.locator("main").inner_text()[:3000]
    assert booking.distance_km == 14
    _fits(page)
    context.close()

    # Giulia sees what her cargo bike earned: 18 € less the shop's 20 %
    context, page = _phone(browser, base)
    _log_in(page, base, giulia.user.email)
    page.goto(f"{base}/bici/me/wallet/")
    _fits(page)
    assert "14,40" in page.content()
    assert booking.code in page.content()
    context.close()
    assert check_business(business.pk) == []
