"""End to end in a real browser: a customer invited from the console follows the link in the
e-mail, signs up with the address already filled in, applies, and is a peer linked to their
customer record."""

import re

import pytest
from django.core import mail
from django.db import connections

from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.superfans.models import Invitation, InvitationStatus
from peerarmy.superfans.tests.factories import invite
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_an_invited_customer_joins_from_the_email_link(live_server, browser, settings):  # noqa: F811
    settings.SITE_URL = live_server.url
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla")
    staff = MembershipFactory(business=business).user
    mario = CustomerFactory(
        business=business,
        email="mario@example.org",
        first_name="Mario",
        language="en",
        accepts_marketing=True,
    )
    invite(business, staff, [mario])
    # the link is in the e-mail Mario received; the outbox keeps none once it is sent
    (received,) = [m for m in mail.outbox if m.to == ["mario@example.org"]]
    link = re.search(r"https?://\S+/invite/\S+/", received.body).group(0)
    assert link not in OutboxMessage.objects.get(event="invitation.sent").body_text
    mail.outbox.clear()

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(link)
    assert page.get_by_text(re.compile("Mario, Bici Gialla invites you")).first.is_visible()
    page.get_by_role("button", name=re.compile("Join the army")).click()
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    assert page.get_by_label("Email").first.input_value() == "mario@example.org"
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile(r"Password \(again\)")).fill(PASSWORD)
    page.get_by_label(re.compile("privacy notice", re.I)).check()
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    page.wait_for_url(re.compile(r"/bicigialla/me/apply/"))

    # the form already knows his name; he adds what only he knows
    assert page.get_by_label(re.compile("Name shown to others", re.I)).input_value() == "Mario"
    page.get_by_label("English", exact=True).check()
    page.get_by_label(re.compile("Home area", re.I)).fill("Via del Pratello 10, Bologna")
    page.get_by_role("button", name=re.compile("Send application|Apply", re.I)).click()
    page.wait_for_url(re.compile(r"/bicigialla/me/$"))

    peer = Peer.objects.get(business=business, user__email="mario@example.org")
    assert peer.status == PeerStatus.APPLICANT
    assert peer.customer == mario
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    context.close()
    connections.close_all()
