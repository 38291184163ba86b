"""End to end in a real browser, on a phone: a peer opens their notification settings, sees
that this browser can show notifications (the service worker is ready and the Push API is
there), chooses a daily digest with quiet hours across midnight, and saves; the page runs
under the strict Content-Security-Policy without a script error."""

import re

import pytest
from django.db import connections
from playwright.sync_api import expect

from peerarmy.notifications import vapid
from peerarmy.peers.selectors import notification_settings_of
from peerarmy.tenancy.tests.factories import PASSWORD, BusinessFactory, PeerFactory

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_a_peer_chooses_a_daily_digest_on_their_phone(live_server, browser, settings, tmp_path):  # noqa: F811
    settings.SITE_URL = live_server.url
    public, private = vapid.new_keys()
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = public, private
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla", default_language="it")
    peer = PeerFactory(business=business, display_name="Giulia")

    context = browser.new_context(locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(peer.user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/bicigialla/me/notifications/")
    assert page.locator("html").get_attribute("lang") == "it"
    # the browser can: the button to turn notifications on appears once the worker is ready
    expect(page.locator("#push-enable")).to_be_visible(timeout=15_000)
    expect(page.locator("#push-disable")).to_be_hidden()
    off = page.locator("#push-panel").get_attribute("data-off")  # in the page's language
    expect(page.locator("#push-status")).to_have_text(off)
    page.screenshot(path=str(tmp_path / "notifications-phone.png"), full_page=True)
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator("input[name=new_work][value=digest]").check()
    page.locator("select[name=digest_hour]").select_option("19")
    page.locator("input[name=quiet_start]").fill("23:00")
    page.locator("input[name=quiet_end]").fill("07:30")
    page.locator("form[action$='/me/notifications/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"/bicigialla/me/notifications/$", page.url)

    found = notification_settings_of(peer)
    assert (found.new_work, found.digest_hour) == ("digest", 19)
    assert (str(found.quiet_start), str(found.quiet_end)) == ("23:00:00", "07:30:00")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    context.close()
    connections.close_all()
