"""Story: a database dump of the outbox holds no link that still works.

Every e-mail that carries a working secret (a password-reset key, a sign-up confirmation, an
invitation, a consumer's key to their request) is delivered with it, and what the outbox keeps
after delivery has the link cut out. The links point at SITE_URL, whatever host the request
named."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from peerarmy.matching import services as matching
from peerarmy.matching.tests.factories import matching_program, offering_peer, request_input
from peerarmy.notifications.models import OutboxMessage, OutboxStatus
from peerarmy.notifications.services import deliver, enqueue_email_rendered
from peerarmy.superfans.tests import factories as superfan_factories
from peerarmy.tenancy.tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://peerarmy.example"
# The links that are keys: whoever holds one can act on it without signing in.
SECRET_LINK = re.compile(
    r"https?://\S*/(?:accounts/password/reset/key|accounts/confirm-email|invite|requests)/\S+"
)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]  # a host name nobody checked reaches the application


def delivered_links():
    links = [link for sent in mail.outbox for link in SECRET_LINK.findall(sent.body)]
    assert links, "the e-mail carried its link"
    return links


def assert_no_working_secret_kept(links):
    """Nothing the outbox keeps, in any column, holds one of the delivered links' secrets."""
    rows = list(OutboxMessage.objects.values())
    assert rows
    for link in links:
        secret = max(link.split("/"), key=len)  # the key is the link's longest part
        for row in rows:
            assert row["status"] == OutboxStatus.SENT
            for column, value in row.items():
                assert secret not in str(value), f"{column} of {row['event']} keeps {link}"


def test_a_password_reset_link_is_delivered_on_site_and_not_kept(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": user.email}, HTTP_HOST="evil.example")

    (link,) = delivered_links()
    assert link.startswith(f"{SITE}/accounts/password/reset/key/"), "never the request's host"
    assert "evil.example" not in mail.outbox[0].body
    assert_no_working_secret_kept([link])
    kept = OutboxMessage.objects.get()
    assert "[link removed after sending]" in kept.body_text
    assert kept.redact == []

    # The delivered link still works.
    path = link.removeprefix(SITE)
    response = Client().get(path, follow=True)
    assert response.status_code == 200
    assert b"password1" in response.content


def test_a_sign_up_confirmation_is_delivered_and_not_kept(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "new@example.org",
                "password1": "a long pass 8472",
                "password2": "a long pass 8472",
                "privacy": "on",
            },
            HTTP_HOST="evil.example",
        )

    (link,) = delivered_links()
    assert link.startswith(f"{SITE}/accounts/confirm-email/")
    assert_no_working_secret_kept([link])


def test_an_invitation_link_is_delivered_and_not_kept(
    business, staff, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(business=business, accepts_marketing=True, language="it")
    with django_capture_on_commit_callbacks(execute=True):
        superfan_factories.invite(business, staff, [customer])

    (link,) = delivered_links()
    assert_no_working_secret_kept([link])
    kept = OutboxMessage.objects.get()
    assert "[link rimosso dopo l'invio]" in kept.body_text, "the note is in the message's language"


def test_a_consumers_key_to_a_request_is_delivered_and_not_kept(
    business, django_capture_on_commit_callbacks
):
    guides = matching_program(business)
    offering_peer(business)
    with django_capture_on_commit_callbacks(execute=True):
        matching.submit_request(guides, request_input(guides), language="en")

    links = delivered_links()
    assert any("/confirm/" in link for link in links)
    assert_no_working_secret_kept(links)


def test_a_message_given_up_keeps_no_secret_either(business, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = enqueue_email_rendered(
        business=business,
        to="ada@example.org",
        subject="Your link",
        body_text="Open https://x.example/invite/SECRET-TOKEN-123/ soon.",
        body_html='<a href="https://x.example/invite/SECRET-TOKEN-123/">Open</a>',
        language="en",
        event="test",
        secrets=["SECRET-TOKEN-123"],
    )

    with mock.patch("peerarmy.notifications.services._send", side_effect=OSError("refused")):
        assert deliver(message.pk) == OutboxStatus.FAILED
    message.refresh_from_db()
    assert "SECRET-TOKEN-123" not in message.body_text + message.body_html + str(message.redact)
    assert message.body_text == "Open [link removed after sending] soon."
    assert message.body_html == '<a href="[link removed after sending]">Open</a>'
