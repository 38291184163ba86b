"""End to end in a real browser: a peer who thinks a reward is short opens a payment
discrepancy ticket in their app (the FAQ answers as they type, but not this), linking the
reward; the owner settles it in the console with a correction in the books; the peer reads
the answer on the ticket and sees the correction in their wallet. The books stay sound."""

import re

import pytest
from django.db import connections

from peerarmy.money import format_money
from peerarmy.rewards import services as rewards
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.tests.factories import RuleFactory, occurrence
from peerarmy.support.inputs import FaqEntryInput
from peerarmy.support.models import Ticket
from peerarmy.support.services import save_faq_entry
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


def _login(context, url, email):
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.wait_for_load_state()
    return page


@pytest.mark.django_db(transaction=True)
def test_a_peer_reports_a_short_reward_and_the_owner_settles_it(live_server, browser, settings):  # noqa: F811
    settings.SITE_URL = live_server.url
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla", default_language="en")
    owner = OwnerFactory(business=business).user
    peer = PeerFactory(business=business, display_name="Giulia")
    program = ProgramFactory(business=business, title_en="Cargo deliveries")
    RuleFactory(program=program, amount=1500)
    (reward,) = rewards.handle(business, occurrence(peer, program))
    save_faq_entry(
        business,
        owner,
        FaqEntryInput(
            question_it="Quando vengono pagate le ricompense?",
            answer_it="All'inizio del mese.",
            question_en="When are rewards paid?",
            answer_en="At the start of each month, by bank transfer.",
        ),
    )

    # the peer asks for help, about that reward
    phone = browser.new_context(locale="en-GB")
    page = _login(phone, live_server.url, peer.user.email)
    page.goto(f"{live_server.url}/bicigialla/me/support/")
    page.get_by_label("What is it about?").select_option("payment")
    page.get_by_label("Subject").fill("Reward paid")
    page.get_by_text("When are rewards paid?").wait_for()  # the FAQ answers as they type
    page.get_by_label("Message").fill("The block ended at 19:30, not 19:00: 5 € are missing.")
    page.get_by_label("Reward").select_option(str(reward.pk))
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("Your request is sent").wait_for()
    ticket = Ticket.objects.get(business=business)
    assert (ticket.category, ticket.reward_id) == ("payment", reward.pk)

    # the owner settles it in the books
    console = browser.new_context(locale="en-GB")
    desk = _login(console, live_server.url, owner.email)
    desk.goto(f"{live_server.url}/bicigialla/manage/support/")
    desk.get_by_role("link", name=re.compile("Reward paid")).click()
    desk.get_by_label(re.compile("Amount to add")).fill("5,00")
    desk.get_by_label(re.compile("Answer to the peer")).fill("You are right: 5 € added.")
    desk.get_by_role("button", name="Post the correction").click()
    desk.get_by_text("Settled in the books").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.correction is not None
    assert check_business(business.pk) == []

    # the peer reads the answer and sees the correction in the wallet
    page.reload()
    page.get_by_text("You are right: 5 € added.").wait_for()
    page.goto(f"{live_server.url}/bicigialla/me/wallet/")
    amount = format_money(500, "EUR", "en")
    assert page.locator("#movements").get_by_text(f"+{amount}").count() >= 1
    phone.close()
    console.close()
    connections.close_all()
