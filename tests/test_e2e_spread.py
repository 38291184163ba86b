"""Share links, end to end in a real browser (Debian's chromium): Giulia, a peer of Bici Gialla,
copies her link to the shop's page from her Share page; Marta opens it on her phone, signs up,
confirms her address and applies to the army; the shop's weekly orders export brings Marta's
first order, and the owner's referral rule pays Giulia, whose Share page then shows what her
link brought. The books are sound, and no phone page is wider than the phone."""

import re
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from peerarmy.rewards.checks import check_business
from peerarmy.rewards.selectors import wallet
from peerarmy.spread.models import Attribution, AttributionKind, LinkDay
from peerarmy.spread.tests.helpers import import_orders, referral_rule
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    MembershipFactory,
    PeerFactory,
    ProgramFactory,
)

from .test_e2e_browser import CHROMIUM, _link_in_last_mail, browser  # noqa: F401 - the fixture
from .test_e2e_sharing import PHONE, _fits, _log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

MARTA = "marta.fabbri@example.org"
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.django_db(transaction=True)
def test_a_friend_comes_through_a_peers_link_and_her_first_order_pays_the_peer(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    # Given Bici Gialla, whose owner pays 10 € when a friend a peer brought makes a first
    # order, and Giulia, an active peer
    business = BusinessFactory(slug="bici", name="Bici Gialla")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    referral_rule(business, owner, ProgramFactory(business=business), amount=1000)
    giulia = PeerFactory(business=business, display_name="Giulia R.")

    # Giulia copies her link to the shop's page from her Share page
    peer_context = browser.new_context(locale="en-GB")
    peer_context.add_cookies([{"name": "peerarmy_language", "value": "en", "url": base}])
    page = peer_context.new_page()
    _log_in(page, base, giulia.user.email)
    page.goto(f"{base}/bici/me/share/")
    page.get_by_role("heading", name="Spread the word about Bici Gialla").wait_for()
    link = page.get_by_label("Your link to Bici Gialla").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/bici/s/[a-z2-9]{{7}}/", link)
    qr = page.locator(".share-card .share-qr-code").first
    assert not qr.is_visible()  # folded until asked
    page.get_by_text("QR code", exact=True).first.click()
    assert qr.is_visible() and qr.bounding_box()["width"] > 100

    # Marta opens it on her phone (a phone's own browser: a headless one is taken for a link
    # preview's fetcher, which is no visit): the shop's page, with its preview tags
    phone_context = browser.new_context(**PHONE, user_agent=PHONE_BROWSER)
    phone_context.add_cookies([{"name": "peerarmy_language", "value": "en", "url": base}])
    phone = phone_context.new_page()
    phone.goto(link)
    phone.wait_for_url(f"{base}/bici/")
    assert phone.locator('meta[property="og:url"]').get_attribute("content") == f"{base}/bici/"
    _fits(phone)
    # she joins: signs up, confirms her address, applies
    phone.get_by_role("link", name=re.compile("Join the army", re.I)).first.click()
    phone.wait_for_url(re.compile(r"/accounts/signup/"))
    phone.get_by_label("Email").first.fill(MARTA)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_label(re.compile("Password \\(again\\)")).fill(PASSWORD)
    phone.get_by_label(re.compile("privacy notice", re.I)).check()
    phone.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    phone.wait_for_load_state()
    phone.goto(_link_in_last_mail(MARTA))
    phone.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    phone.wait_for_url(re.compile(r"/bici/me/apply/"))
    phone.get_by_label(re.compile("Name shown to others", re.I)).fill("Marta")
    phone.get_by_label("Italian", exact=True).check()
    phone.get_by_label(re.compile("Home area", re.I)).fill("Via del Pratello 10, Bologna")
    phone.get_by_label(re.compile("Latitude", re.I)).fill("44.4951")
    phone.get_by_label(re.compile("Longitude", re.I)).fill("11.3334")
    phone.get_by_role("button", name=re.compile("Send application|Apply", re.I)).click()
    phone.wait_for_url(re.compile(r"/bici/me/$"))

    credited = Attribution.objects.filter(link__peer=giulia)
    assert set(credited.values_list("kind", flat=True)) == {
        AttributionKind.SIGNUP,
        AttributionKind.APPLICATION,
    }
    assert sum(LinkDay.objects.filter(link__peer=giulia).values_list("visits", flat=True)) == 1

    # the week's orders export brings Marta's first order: Giulia's link converts and pays
    import_orders(business, [("#7741", MARTA, timezone.now() + timedelta(minutes=1), "189.00")])
    assert credited.filter(kind=AttributionKind.FIRST_ORDER).count() == 1
    assert wallet(giulia).payable == 1000

    page.reload()
    figures = page.locator("#results-title + .key-figures .num").all_inner_texts()
    assert figures == ["1", "1", "1", "1"]
    assert page.get_by_text("€10.00").first.is_visible()
    assert check_business(business.pk) == []
    peer_context.close()
    phone_context.close()
    connections.close_all()
