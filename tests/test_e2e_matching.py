"""End to end in a real browser: a traveller on a layover asks for a local from the business's
landing page, without an account. A layover too short for the program is refused with the
minimum; a valid one is confirmed from the link in the e-mail and proposed at once to the
best peer, who sees why they were chosen but not who asked. The peer accepts; only then do
both sides see each other's contact. After the meeting the peer marks it completed, and their
wallet shows the perks paid back and the reward of the `match.completed` rule."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.db.models import F
from django.utils import translation
from playwright.sync_api import expect

from peerarmy.matching import selectors
from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
from peerarmy.matching.tests.factories import matching_program, next_monday, offering_peer
from peerarmy.money import format_money
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.rewards import checks
from peerarmy.rewards.inputs import NewRuleInput
from peerarmy.rewards.models import Event, RewardKind
from peerarmy.rewards.services import create_rule
from peerarmy.tenancy.tests.factories import BusinessFactory, OwnerFactory

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture
from .test_e2e_scheduling import _signed_in_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

TRAVELLER = "jane@example.org"
PEER_EMAIL = "giulia@example.org"
PIAZZA_MAGGIORE = ("44.493700", "11.343000")
NEAR_THE_CENTRE = (44.4960, 11.3450)
PERKS = [
    {"name_it": "Biglietto del treno", "name_en": "Train ticket", "amount_minor": 2200},
    {"name_it": "Primo drink", "name_en": "First drink", "amount_minor": 600},
]


def _mails_to(email):
    return [m for m in mail.outbox if email in m.to]


def _local_input(moment):
    """How a datetime-local field takes a moment (already in the business's zone)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def _fill_the_request(page, *, arrival, departure):
    page.get_by_label("Your name").fill("Jane Traveller")
    page.get_by_label("Your e-mail").fill(TRAVELLER)
    page.get_by_label("Airport").select_option("BLQ")
    page.get_by_label("Your flight lands").fill(_local_input(arrival))
    page.get_by_label("Your next flight leaves").fill(_local_input(departure))
    page.get_by_label("Address or place").fill("Piazza Maggiore, Bologna")
    page.get_by_label("Latitude").fill(PIAZZA_MAGGIORE[0])
    page.get_by_label("Longitude").fill(PIAZZA_MAGGIORE[1])
    page.get_by_label("People in your group").fill("2")
    page.get_by_label("English", exact=True).check()
    page.get_by_label("Cycling", exact=True).check()
    page.get_by_label("Anything else").fill("We would love a coffee near the towers.")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_traveller_meets_a_local_on_a_layover_and_the_peer_is_paid(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    # Given an Italian business with a published layover program at Bologna's airport: a
    # layover needs at least 6 free hours, and a local is offered two perks
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla", default_language="it")
    owner = OwnerFactory(business=business).user
    layover = matching_program(business, ProgramKind.LAYOVER, perks=PERKS, min_free_minutes=360)
    Program.objects.filter(pk=layover.pk).update(
        title_it="Scalo a Bologna", title_en="Layover in Bologna"
    )
    create_rule(
        business,
        owner,
        NewRuleInput(
            program_id=layover.pk, event=Event.MATCH_COMPLETED, reward=RewardKind.CASH, amount=1500
        ),
    )
    # and Giulia, a peer who speaks English, lives near the centre and is free every day
    giulia = offering_peer(
        business,
        at=NEAR_THE_CENTRE,
        display_name="Giulia R.",
        user__first_name="Giulia",
        user__last_name="Rossi",
        user__email=PEER_EMAIL,
    )
    arrival = next_monday(business, 8)

    # When the traveller opens the landing page in English and asks for a local
    traveller = browser.new_context(locale="en-GB")
    page = traveller.new_page()
    page.goto(f"{live_server.url}/bicigialla/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Ask for a local: Layover in Bologna").click()
    expect(page.get_by_role("heading", name="Ask for a local")).to_be_visible()

    # a layover of 4 hours is refused, with the program's minimum
    _fill_the_request(page, arrival=arrival, departure=arrival + timedelta(hours=4))
    expect(
        page.get_by_text("Your layover leaves 4 h between arrival and departure")
    ).to_be_visible()
    expect(page.get_by_text("this program needs at least 6 h")).to_be_visible()
    assert not MatchRequest.objects.exists()

    # and one from 08:00 to 17:00 is taken: the page says to check the e-mail
    _fill_the_request(page, arrival=arrival, departure=arrival + timedelta(hours=9))
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    match_request = MatchRequest.objects.get()
    assert match_request.status == RequestStatus.UNCONFIRMED
    assert match_request.airport == "BLQ"
    assert match_request.group_size == 2
    assert match_request.languages == ["en"]
    assert match_request.interests == ["cycling"]
    assert match_request.language == "en"
    assert match_request.token not in page.content(), "the link is in the e-mail only"

    # When the traveller opens the link in the e-mail and confirms
    (confirmation,) = _mails_to(TRAVELLER)
    link = re.search(r"https?://\S+/confirm/", confirmation.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my request").click()
    expect(page.get_by_text("Thank you: your e-mail is confirmed.")).to_be_visible()

    # then a local is being asked, and the page does not say who
    expect(page.get_by_role("heading", name="Waiting for a local's answer")).to_be_visible()
    expect(page.get_by_text("We found a local who fits and asked them")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Giulia")
    expect(page.locator("main")).not_to_contain_text(PEER_EMAIL)
    request_page = page.url
    match = Match.objects.get(request=match_request)
    assert match.peer == giulia
    assert match.status == MatchStatus.PROPOSED

    # When Giulia opens the requests for her, she sees the proposal and why she was chosen,
    # but not who asked, nor what they wrote
    peer_context, peer_page = _signed_in_page(browser, live_server, PEER_EMAIL)
    peer_page.goto(f"{live_server.url}/bicigialla/me/matches/")
    waiting = peer_page.get_by_role("region", name="Waiting for your answer")
    proposal = waiting.get_by_role("listitem").filter(has_text="Layover in Bologna")
    expect(proposal).to_contain_text("speaks English")
    expect(proposal).to_contain_text("Piazza Maggiore, Bologna")
    expect(proposal).not_to_contain_text("We would love a coffee near the towers.")
    expect(proposal).not_to_contain_text(TRAVELLER)
    expect(proposal).not_to_contain_text("Jane Traveller")

    # and accepts: now she sees the traveller's name, e-mail and note
    proposal.get_by_role("button", name="Accept").click()
    expect(peer_page.get_by_text("Thank you! We sent them your first name")).to_be_visible()
    coming_up = peer_page.get_by_role("region", name="Accepted, coming up")
    expect(coming_up).to_contain_text("You are meeting Jane Traveller.")
    expect(coming_up).to_contain_text(TRAVELLER)
    expect(coming_up).to_contain_text("We would love a coffee near the towers.")
    expect(waiting).to_contain_text("No requests are waiting for you.")
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED

    # When the traveller reloads the request page, they see their local, when and where
    # to meet, how to write to her and what the business offers
    with translation.override("en"):
        when = selectors.when_text(match)
        meets_at = selectors.local_text(match.meets_at, business)
    page.goto(request_page)
    expect(page.get_by_text("Giulia accepted and will meet you.")).to_be_visible()
    local = page.locator("#your-local")
    expect(local).to_contain_text("Giulia")
    expect(local).not_to_contain_text("Rossi")
    expect(local).to_contain_text(when)
    expect(local).to_contain_text("Piazza Maggiore, Bologna")
    expect(local).to_contain_text(PEER_EMAIL)
    expect(local).to_contain_text("Train ticket, First drink")

    # and the acceptance e-mail said the same
    accepted = next(m for m in _mails_to(TRAVELLER) if "Giulia will meet you" in m.subject)
    assert f"When: {meets_at}" in accepted.body
    assert "Where: Piazza Maggiore, Bologna" in accepted.body
    assert "Train ticket, First drink" in accepted.body
    assert PEER_EMAIL in accepted.body
    assert request_page in accepted.body

    # The meeting happened: move the match and the request's window 8 days into the past
    # rather than wait for the clock
    shift = timedelta(days=8)
    Match.objects.filter(pk=match.pk).update(
        meets_at=F("meets_at") - shift, ends_at=F("ends_at") - shift
    )
    MatchRequest.objects.filter(pk=match_request.pk).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )

    # When Giulia marks it completed
    peer_page.reload()
    past = peer_page.get_by_role("region", name="Past and cancelled")
    past.get_by_role("listitem").filter(has_text="Layover in Bologna").get_by_role(
        "button", name="Mark as completed"
    ).click()
    expect(peer_page.get_by_text("Marked as completed. Thank you!")).to_be_visible()
    expect(past.get_by_role("button", name="Mark as completed")).to_have_count(0)
    match.refresh_from_db()
    assert match.status == MatchStatus.COMPLETED
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.COMPLETED

    # then her wallet shows the perks paid back and the reward of the rule
    with translation.override("en"):
        perks, reward = format_money(2800, "EUR"), format_money(1500, "EUR")
    peer_page.goto(f"{live_server.url}/bicigialla/me/wallet/")
    movements = peer_page.get_by_role("region", name="Latest movements")
    perks_row = movements.get_by_role("row").filter(has_text=f"Perks of match {match.pk}")
    expect(perks_row).to_contain_text("Train ticket, First drink")
    expect(perks_row).to_contain_text(f"+{perks}")
    reward_row = movements.get_by_role("row").filter(has_text="Reward:")
    expect(reward_row).to_contain_text(f"+{reward}")
    assert checks.check_business(business.pk) == []

    # and the traveller was thanked
    assert _mails_to(TRAVELLER)[-1].subject == "Thank you for meeting Giulia"

    traveller.close()
    peer_context.close()
    connections.close_all()
