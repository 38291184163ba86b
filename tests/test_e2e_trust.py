"""End to end in a real browser: after a guided walk is marked completed, the visitor rates
their guide from the link in the thank-you e-mail (no account); the rating stays hidden until
the guide rates the visitor too, and then the guide sees it on their reliability page."""

import re

import pytest
from django.core import mail
from django.db import connections
from playwright.sync_api import expect

from peerarmy.matching import services as matching
from peerarmy.matching.models import MatchStatus
from peerarmy.matching.tests.factories import matching_program, offering_peer
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.tests.factories import BusinessFactory, OwnerFactory
from peerarmy.trust.models import Rating
from peerarmy.trust.tests.factories import completed_match

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture
from .test_e2e_scheduling import _signed_in_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

VISITOR = "anna@example.org"
GUIDE = "giulia@example.org"


@pytest.mark.django_db(transaction=True)
def test_a_visitor_rates_their_guide_from_the_email_and_the_guide_sees_it_revealed(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla", default_language="it")
    owner = OwnerFactory(business=business).user
    matching_program(business, ProgramKind.GUIDES)
    giulia = offering_peer(
        business,
        at=(44.4960, 11.3450),
        display_name="Giulia R.",
        user__first_name="Giulia",
        user__email=GUIDE,
    )
    # Given a walk that took place and that the owner marks completed
    match = completed_match(giulia, email=VISITOR, status=MatchStatus.ACCEPTED)
    matching.complete_match(business, owner, match)

    # When the visitor follows the rating link of the thank-you e-mail
    thanks = [m for m in mail.outbox if VISITOR in m.to][-1]
    link = re.search(r"https?://\S+/rate/", thanks.body).group(0)
    visitor = browser.new_context(locale="en-GB")
    page = visitor.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Rate your meeting with Giulia")).to_be_visible()
    page.get_by_label("5 stars").check()
    page.get_by_label("knowledgeable").check()
    page.get_by_label("A few words (optional)").fill("Giulia showed us the hidden canals!")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("Thank you: your rating is saved.")).to_be_visible()
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    assert Rating.objects.get(match=match).revealed_at is None

    # then the guide does not see it yet, rates the visitor, and sees it revealed
    guide_context, guide = _signed_in_page(browser, live_server, GUIDE)
    guide.goto(f"{live_server.url}/bicigialla/me/reliability/")
    expect(guide.locator("main")).not_to_contain_text("hidden canals")
    guide.goto(f"{live_server.url}/bicigialla/me/matches/")
    guide.get_by_role("link", name="Rate the visitor").click()
    guide.get_by_label("4 stars").check()
    guide.get_by_label("respectful").check()
    guide.get_by_role("button", name="Send my rating").click()
    expect(guide.get_by_text("Thank you: your rating is saved.")).to_be_visible()
    guide.get_by_role("link", name="Reliability").click()
    expect(guide.get_by_role("heading", name="My reliability")).to_be_visible()
    received = guide.get_by_role("region", name="How to improve it")
    expect(received).to_contain_text("Giulia showed us the hidden canals!")
    expect(received).to_contain_text("knowledgeable")
    expect(guide.locator("#score-explanation")).to_contain_text("from 1 rating")

    visitor.close()
    guide_context.close()
    connections.close_all()
