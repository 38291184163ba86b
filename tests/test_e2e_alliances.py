"""Alliances, end to end in a real browser (Debian's chromium), on the demo, in Italian, on a
laptop: Giulia, a peer of Bici Gialla who agreed to be shown the partners' programs, finds Lecce
B&B's on her profile's alliance card and applies to "Lecce barocca con un leccese" with one
click; the owner of Lecce B&B finds her application in the console, with where she comes from,
since when, what Bici Gialla verified and her score (shared with consent), and approves it as
any other. The alliance's public page lists both businesses."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from peerarmy.alliances.models import AllianceApplication
from peerarmy.demo import DEMO_PASSWORD, load_demo
from peerarmy.peers.models import Peer, PeerStatus

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

GIULIA = "peer@bicigialla.example"
LECCE_OWNER = "owner@leccebnb.example"


def it(message):
    with translation.override("it"):
        return gettext(message)


def _desk(browser, base):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    context.add_cookies([{"name": "peerarmy_language", "value": "it", "url": base}])
    return context, context.new_page()


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_peer_of_bici_gialla_applies_to_lecce_bnb_through_the_alliance(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    load_demo()
    giulia = Peer.objects.get(business__slug="bicigialla", user__email=GIULIA)
    assert not Peer.objects.filter(business__slug="lecce-bnb", user=giulia.user).exists()

    # Giulia, on her profile at Bici Gialla, reads what the partners would see and goes to
    # their programs (she agreed already)
    context, page = _desk(browser, base)
    _log_in(page, base, GIULIA)
    page.goto(f"{base}/bicigialla/me/profile/")
    card = page.locator("section#alliance")
    assert card.is_visible()
    assert "Lecce B&B" in card.inner_text()
    assert page.locator("#alliance-share-profile").is_checked()
    card.get_by_role("link", name=it("See the partners' programs")).click()
    page.wait_for_load_state()
    assert page.url.endswith("/bicigialla/me/alliance/")
    assert page.locator("html").get_attribute("lang") == "it"

    # ... and applies to Lecce B&B's baroque walks with one click
    program = page.locator("li.program-card", has_text="Lecce barocca con un leccese")
    program.get_by_role("button", name=re.compile(re.escape(it("Apply with one click")))).click()
    page.wait_for_load_state()
    there = Peer.objects.get(business__slug="lecce-bnb", user=giulia.user)
    assert there.status == PeerStatus.APPLICANT and there.display_name == giulia.display_name
    assert page.locator(".flash-success").is_visible()
    assert "Lecce B&B" in page.locator(".flash-success").inner_text()
    application = AllianceApplication.objects.get(peer=there)
    assert application.reliability == giulia.reliability
    context.close()

    # The owner of Lecce B&B sees the application, and where it comes from
    context, page = _desk(browser, base)
    _log_in(page, base, LECCE_OWNER)
    page.goto(f"{base}/lecce-bnb/manage/peers/?status=applicant")
    page.get_by_role("link", name=giulia.display_name).first.click()
    page.wait_for_load_state()
    origin = page.locator("section#alliance-origin")
    words = origin.inner_text()
    assert (it("Comes through the alliance from %(name)s.") % {"name": "Bici Gialla"}) in words
    assert f"{giulia.reliability}/100" in words
    assert it("identity checked in person") in words or it("e-mail") in words
    # nothing of Bici Gialla's customers or books: not the e-mail of one of its customers
    assert "@example" not in words

    # and approves her as any other applicant
    page.get_by_role("button", name=it("Approve")).click()
    page.wait_for_load_state()
    page.locator(".notice.ok").wait_for()
    there.refresh_from_db()
    assert there.status == PeerStatus.ACTIVE

    # The alliance's public page lists both businesses, with Lecce B&B's programs
    page.goto(f"{base}/a/amici-della-bici/")
    assert page.get_by_role("heading", name="Amici della bici").is_visible()
    text = page.locator("main").inner_text()
    assert "Bici Gialla" in text and "Lecce B&B" in text and "Lecce barocca" in text
    context.close()
