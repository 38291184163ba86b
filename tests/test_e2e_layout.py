"""On a phone (390 px wide), in a real browser: the console's and the peer's main pages never
scroll sideways, not even with names and e-mail addresses that have no space to break at; the
navigation is whole, never cut off; an icon always has words beside it; and no page shows an engineer's words (an event's key such as
"block.completed:76", a ledger path such as "liabilities:peers:12:payable", a time zone's code,
"Gini") where people read."""

import re

import pytest
from django.db import connections

from peerarmy.rewards import services as rewards
from peerarmy.rewards.tests.factories import RuleFactory, occurrence
from peerarmy.scheduling import services as scheduling
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.superfans.services import score_business
from peerarmy.superfans.tests.factories import OrderFactory
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    ApplicantFactory,
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

PHONE = {"width": 390, "height": 844}
# Words without a space: as long as each field holds (a name shown to others holds 80).
UNBROKEN_NAME = "Bartholomew" * 7 + "Xyz"  # 80 characters
UNBROKEN_EMAIL = "giovanni" * 23 + "@example.org"  # 196 characters
ENGINEER_WORDS = re.compile(r"\b\w+\.\w+:\d+|:payable\b|\bEurope/|\bGini\b")
URL = re.compile(r"\w+://\S+")


def _seed():
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla")
    owner = OwnerFactory(business=business).user
    MembershipFactory(business=business, user=UserFactory(email="staff" + UNBROKEN_EMAIL))
    program = ProgramFactory(business=business, title_en="Cargo-bike deliveries")
    peer = PeerFactory(
        business=business,
        display_name=UNBROKEN_NAME,
        user=UserFactory(email=UNBROKEN_EMAIL),
        home_address="Via" + "Zamboni" * 20,
    )
    applicant = ApplicantFactory(
        business=business, display_name="A" + UNBROKEN_NAME[1:], user=UserFactory()
    )
    customer = CustomerFactory(
        business=business,
        first_name="Massimiliano" * 8,
        last_name="Bianchi",
        email="customer" + UNBROKEN_EMAIL,
        accepts_marketing=True,
    )
    OrderFactory(customer=customer)
    score_business(business)
    block = BlockFactory(program=program, place_name="Ciclofficina" * 10)
    scheduling.claim_block(peer, block.pk)
    BlockFactory(program=program)  # one to claim
    RuleFactory(program=program, amount=1500)
    rewards.handle(business, occurrence(peer, program))  # the journal and the wallet
    return business, owner, peer, applicant, customer, block


def _signed_in(browser, live_server, email, language):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.add_cookies([{"name": "peerarmy_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    return context, page


def _problems(page, url):
    """What is wrong with the page as a person sees it on a phone."""
    page.goto(url)
    found = []
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > PHONE["width"]:
        found.append(f"{url}: {wide} px wide on a {PHONE['width']} px screen")
    mute = page.eval_on_selector_all(
        "a:has(svg.icon), button:has(svg.icon), summary:has(svg.icon)",
        "els => els.filter(e => !e.textContent.trim() && !e.getAttribute('aria-label')).length",
    )
    if mute:
        found.append(f"{url}: {mute} icons without words")
    text = URL.sub("", page.inner_text("body"))
    words = sorted({m.group(0) for m in ENGINEER_WORDS.finditer(text)})
    if words:
        found.append(f"{url}: {words}")
    return found


def _cut_off(page, selector):
    """The links of a navigation that do not fit on the screen."""
    return page.eval_on_selector_all(
        selector,
        "links => links.filter(a => a.getBoundingClientRect().right > window.innerWidth + 1"
        " || a.getBoundingClientRect().left < 0).map(a => a.textContent.trim())",
    )


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_phone_and_speak_to_people(live_server, browser):  # noqa: F811
    business, owner, peer, applicant, customer, block = _seed()
    base = f"{live_server.url}/{business.slug}"
    console = [
        "manage/",
        "manage/peers/",
        f"manage/peers/{peer.pk}/",
        f"manage/peers/{applicant.pk}/",
        "manage/superfans/",
        f"manage/superfans/{customer.pk}/",
        "manage/programs/",
        "manage/blocks/",
        f"manage/blocks/{block.pk}/",
        "manage/matching/",
        "manage/rewards/",
        "manage/rewards/journal/",
        "manage/team/",
        "manage/search/?q=Bartholomew",
    ]
    app = ["me/", "me/blocks/", "me/wallet/", "me/matches/", "me/profile/", "me/notifications/"]
    problems = []
    for language in ("en", "it"):
        context, page = _signed_in(browser, live_server, owner.email, language)
        for path in console:
            problems += _problems(page, f"{base}/{path}")
        # the console's tabs fold behind a menu on a phone; opened, every one of them shows
        page.goto(f"{base}/manage/")
        page.locator(".tabs-toggle").click()
        assert page.locator("#console-tabs a").first.is_visible()
        problems += _cut_off(page, "#console-tabs a, .site-nav a")
        if language == "en":
            # the journal names whom a reward is owed to, as the owner knows them
            page.goto(f"{base}/manage/rewards/journal/")
            assert f"Owed to {UNBROKEN_NAME}" in page.inner_text("main")
        context.close()

        context, page = _signed_in(browser, live_server, peer.user.email, language)
        for path in app:
            problems += _problems(page, f"{base}/{path}")
        problems += _cut_off(page, ".app-tabs a, .site-nav a")
        context.close()
    connections.close_all()
    assert problems == []
