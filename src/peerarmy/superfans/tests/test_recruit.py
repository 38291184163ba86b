"""Story: Mario, a loyal customer of Bici Gialla, gets an invitation e-mail, follows the link,
signs up with the address it was sent to (no confirmation e-mail needed: the invitation proved
it is his), applies, and becomes a peer linked to his customer record. The link then stops
working; a forged, expired or revoked one says so clearly."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.utils import timezone

from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.superfans.invitations import revoke_invitation
from peerarmy.superfans.models import Invitation, InvitationStatus
from peerarmy.superfans.tests.factories import invite
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    CustomerFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^/\s]+(?P<path>/bicigialla/invite/[^/\s]+/)")
APPLY = "/bicigialla/me/apply/"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def mario(business):
    return CustomerFactory(
        business=business,
        email="mario@example.org",
        first_name="Mario",
        last_name="Rossi",
        accepts_marketing=True,
        language="en",
    )


@pytest.fixture
def couriers(business):
    return ProgramFactory(business=business, title_en="Bike couriers", summary_en="Deliver by bike")


def invite_and_read_link(business, staff, customer, **kwargs):
    invite(business, staff, [customer], **kwargs)
    message = OutboxMessage.objects.filter(recipient=customer.email).latest("pk")
    return LINK.search(message.body_text).group("path")


def application(**changes):
    data = {
        "display_name": "Mario",
        "bio": "I ride to work every day.",
        "languages": ["it", "en"],
        "level_it": "native",
        "level_en": "fluent",
        "home_address": "Via del Pratello 10, Bologna",
        "travel_radius_km": "10",
    }
    data.update(changes)
    return data


def test_an_invited_customer_signs_up_applies_and_is_linked_to_the_record(
    english, business, staff, mario, couriers, django_capture_on_commit_callbacks
):
    # Given staff invited Mario to the couriers program
    link = invite_and_read_link(business, staff, mario, program=couriers)

    # When Mario opens the link, he is welcomed by name, to that program
    welcome = english.get(link)
    assert welcome.status_code == 200
    html = welcome.content.decode()
    assert "Mario, Bici Gialla invites you to join its army" in html
    assert "Bike couriers" in html
    assert "choose a password for mario@example.org" in html

    # and the button takes him to the sign-up, his address already filled in
    response = english.post(link)
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/signup/"
    assert parse_qs(location.query)["next"] == [APPLY]
    signup = english.get(response["Location"]).content.decode()
    assert 'value="mario@example.org"' in signup

    # When he chooses a password, he is in at once: no confirmation e-mail to wait for
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            response["Location"],
            {
                "email": "mario@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "privacy": "on",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == APPLY
    assert not [m for m in mail.outbox if "confirm" in m.subject.lower()]
    assert EmailAddress.objects.get(email="mario@example.org").verified

    # The application form greets him by his first name
    form = english.get(APPLY).content.decode()
    assert 'name="display_name"' in form and 'value="Mario"' in form

    # When he applies
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(APPLY, application())
    assert response.status_code == 302 and response["Location"] == "/bicigialla/me/"

    # Then he is an applicant linked to his customer record, and the invitation is accepted
    peer = Peer.objects.get(business=business, user__email="mario@example.org")
    assert peer.status == PeerStatus.APPLICANT
    assert peer.customer == mario
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.peer == peer and invitation.accepted_at is not None
    assert "invitation" not in english.session

    # and the link does not work a second time
    english.logout()  # (which also drops every cookie, the language's included)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    again = english.get(link)
    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()


def test_a_logged_in_invitee_goes_straight_to_the_application(english, business, staff, mario):
    link = invite_and_read_link(business, staff, mario)
    english.force_login(UserFactory(email="MARIO@example.org"))

    response = english.post(link)

    assert response["Location"] == APPLY
    english.post(APPLY, application(display_name="Super Mario"))
    assert Peer.objects.get(business=business).customer == mario
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED


def test_an_invitee_with_an_account_is_sent_to_log_in(english, business, staff, mario):
    UserFactory(email="mario@example.org")
    link = invite_and_read_link(business, staff, mario)

    response = english.post(link)

    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [APPLY]


def test_someone_logged_in_with_another_address_cannot_use_the_invitation(
    english, business, staff, mario
):
    link = invite_and_read_link(business, staff, mario)
    eve = UserFactory(email="eve@example.org")
    english.force_login(eve)

    page = english.get(link).content.decode()
    response = english.post(link)

    assert "This invitation was sent to another e-mail address" in page
    assert response.status_code == 200
    assert "invitation" not in english.session
    # Eve may still apply as herself, but she is not linked to Mario's record
    english.post(APPLY, application(display_name="Eve"))
    assert Peer.objects.get(business=business, user=eve).customer is None
    assert Invitation.objects.get().status == InvitationStatus.SENT


def test_a_peer_already_in_the_army_is_told_so(english, business, staff, mario):
    link = invite_and_read_link(business, staff, mario)
    PeerFactory(business=business, user=UserFactory(email="mario@example.org"))
    english.force_login(Peer.objects.get().user)

    html = english.get(link).content.decode()

    assert "You are already in this army." in html
    assert english.post(link)["Location"] == "/bicigialla/me/"


def test_an_invitation_that_expires_before_the_application_is_not_accepted(
    english, business, staff, mario
):
    link = invite_and_read_link(business, staff, mario)
    english.force_login(UserFactory(email="mario@example.org"))
    english.post(link)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    english.post(APPLY, application())

    # the application goes through as an ordinary one; the invitation is not accepted
    assert Peer.objects.filter(business=business, user__email="mario@example.org").exists()
    assert Invitation.objects.get().status == InvitationStatus.SENT
    assert "invitation" not in english.session


# --- links that cannot be used: a clear page, never a 500 or a bare 404 ------------------


def test_a_tampered_link_shows_a_clear_page(english, business, staff, mario):
    link = invite_and_read_link(business, staff, mario)
    forged = link[:-2] + ("A" if link[-2] != "A" else "B") + "/"

    response = english.get(forged)

    assert response.status_code == 404
    html = response.content.decode()
    assert "This invitation cannot be used" in html
    assert "This invitation link is not valid." in html
    assert 'href="/bicigialla/"' in html
    assert english.post(forged).status_code == 404
    assert "invitation" not in english.session


def test_an_expired_link_shows_a_clear_page(english, business, staff, mario):
    link = invite_and_read_link(business, staff, mario)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))

    response = english.get(link)

    assert response.status_code == 410
    assert "This invitation has expired." in response.content.decode()
    assert "Ask Bici Gialla for a new one" in response.content.decode()


def test_a_revoked_link_shows_a_clear_page(english, business, staff, mario):
    link = invite_and_read_link(business, staff, mario)
    revoke_invitation(business=business, actor=staff, invitation=Invitation.objects.get())

    response = english.get(link)

    assert response.status_code == 404
    assert "Bici Gialla has withdrawn this invitation." in response.content.decode()


def test_a_link_of_one_business_does_not_open_on_another(
    english, business, other_business, staff, mario
):
    link = invite_and_read_link(business, staff, mario)
    response = english.get(link.replace("/bicigialla/", f"/{other_business.slug}/"))
    assert response.status_code == 404
    assert "This invitation cannot be used" in response.content.decode()


def test_the_invalid_link_page_speaks_the_visitors_language(client, business):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    response = client.get("/bicigialla/invite/garbage/")
    assert response.status_code == 404
    assert '<html lang="it">' in response.content.decode()


def test_typing_another_address_at_sign_up_still_signs_up_the_invited_one(
    english, business, staff, mario
):
    # Given Mario followed his link, and on the sign-up form typed his work address instead
    link = invite_and_read_link(business, staff, mario)
    signup = english.post(link)["Location"]

    response = english.post(
        signup,
        {
            "email": "mario@work.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "privacy": "on",
        },
    )

    # Then the account's main, verified address is the invited one (allauth's rule for a
    # verified address stashed in the session); the typed one waits for confirmation
    assert response["Location"] == APPLY
    addresses = {a.email: (a.primary, a.verified) for a in EmailAddress.objects.all()}
    assert addresses["mario@example.org"] == (True, True)
    assert addresses["mario@work.example"] == (False, False)
    english.post(APPLY, application())
    assert Peer.objects.get(business=business).customer == mario
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
