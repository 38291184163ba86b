"""End to end in a real browser (Debian's chromium driven by Playwright): a visitor finds the
landing page, switches language, signs up, verifies the e-mail, applies as a peer; staff
approve; the peer sees they are active."""

import re
import shutil

import pytest
from django.core import mail
from django.db import connections

from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    MembershipFactory,
    ProgramFactory,
    SkillFactory,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    # Queries made while Playwright's event loop runs use their own context's connection;
    # close it, or PostgreSQL refuses to drop the test database afterwards.
    connections.close_all()


def _link_in_last_mail(to):
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.django_db(transaction=True)
def test_visitor_joins_the_army_and_staff_approve(live_server, browser, settings):
    settings.SITE_URL = live_server.url
    business = BusinessFactory(
        slug="bicigialla",
        name="Bici Gialla",
        default_language="it",
        tagline_it="Bici e amici a Bologna",
        tagline_en="Bikes and friends in Bologna",
    )
    SkillFactory(business=business, slug="repair", name_it="Riparazioni", name_en="Bike repair")
    ProgramFactory(
        business=business, title_it="Consegne in cargo-bike", title_en="Cargo-bike deliveries"
    )
    staff = MembershipFactory(business=business).user

    visitor = browser.new_context(locale="it-IT")
    page = visitor.new_page()
    # the landing page, in Italian: the business's default and the browser's language
    page.goto(f"{live_server.url}/bicigialla/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_text("Consegne in cargo-bike").first.is_visible()

    # switch to English
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Cargo-bike deliveries").first.is_visible()

    # join the army: sign up
    page.get_by_role("link", name=re.compile("Join", re.I)).first.click()
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    page.get_by_label("Email").first.fill("giulia@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)")).fill(PASSWORD)
    page.get_by_label(re.compile("privacy notice", re.I)).check()
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    page.wait_for_load_state()

    # verify the e-mail address from the link we were sent
    page.goto(_link_in_last_mail("giulia@example.org"))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_url(re.compile(r"/bicigialla/me/apply/"))

    # apply as a peer
    page.get_by_label(re.compile("Name shown to others", re.I)).fill("Giulia")
    page.get_by_label(re.compile("Short bio", re.I)).fill("I ride every day.")
    page.get_by_label("Italian", exact=True).check()
    page.get_by_label("Bike repair").check()
    page.get_by_label(re.compile("Home area", re.I)).fill("Via del Pratello 10, Bologna")
    page.get_by_label(re.compile("Latitude", re.I)).fill("44.4951")
    page.get_by_label(re.compile("Longitude", re.I)).fill("11.3334")
    page.get_by_role("button", name=re.compile("Send application|Apply", re.I)).click()
    page.wait_for_url(re.compile(r"/bicigialla/me/$"))
    assert page.get_by_text(re.compile("waiting for approval", re.I)).first.is_visible()
    peer = Peer.objects.get(user__email="giulia@example.org")
    assert peer.status == PeerStatus.APPLICANT

    # staff approve, in their own browser
    console = browser.new_context(locale="en-GB")
    staff_page = console.new_page()
    staff_page.goto(f"{live_server.url}/accounts/login/")
    staff_page.get_by_label("Email").fill(staff.email)
    staff_page.get_by_label("Password").fill(PASSWORD)
    staff_page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    staff_page.wait_for_load_state()
    staff_page.goto(f"{live_server.url}/bicigialla/manage/peers/{peer.pk}/")
    staff_page.get_by_role("button", name=re.compile("^Approve", re.I)).click()
    staff_page.get_by_text("Active member of the army.").wait_for()
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    assert any("giulia@example.org" in m.to for m in mail.outbox[-2:])

    # the peer sees they are active
    page.goto(f"{live_server.url}/bicigialla/me/")
    assert page.get_by_text(re.compile(r"\bactive\b", re.I)).first.is_visible()
    visitor.close()
    console.close()
    connections.close_all()
