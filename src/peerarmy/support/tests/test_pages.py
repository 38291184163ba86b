"""The pages of support: a visitor writes without an account and follows the ticket from the
e-mailed link; the peer finds their own things to link; the console's queue asks the
database the same few questions however many tickets there are."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerarmy.notifications.models import OutboxMessage
from peerarmy.support.models import Ticket

from .factories import consumer_ticket, peer_ticket

pytestmark = pytest.mark.django_db


def test_a_visitor_writes_and_follows_the_ticket_from_the_emailed_link(client, business):
    form = reverse("web:support_new", kwargs={"business_slug": business.slug})
    response = client.post(
        form,
        {"name": "Ana", "email": "Ana@Example.org", "category": "question",
         "subject": "Opening hours on Sunday?", "body": "Are you open on Sunday?"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get(business=business)
    assert (ticket.requester_email, ticket.language) == ("ana@example.org", "en")
    mail = OutboxMessage.objects.get(recipient="ana@example.org")
    link = re.search(r"/support/t/[\w-]+/", mail.body_text).group(0)
    page = client.get(f"/{business.slug}{link}")
    assert "Opening hours on Sunday?" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex, nofollow"


def test_a_visitor_form_names_every_field_at_fault(client, business):
    form = reverse("web:support_new", kwargs={"business_slug": business.slug})
    page = client.post(form, {"name": "", "email": "not-an-address", "category": "gossip"})
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert {"name", "email", "category", "subject", "body"} <= set(errors)
    assert not Ticket.objects.exists()


def test_a_bot_filling_the_hidden_field_opens_nothing(client, business):
    form = reverse("web:support_new", kwargs={"business_slug": business.slug})
    client.post(
        form,
        {"name": "Bot", "email": "bot@example.org", "category": "other", "subject": "x",
         "body": "x", "website": "http://spam.example"},
    )  # fmt: skip
    assert not Ticket.objects.exists()


def test_the_peers_help_page_lists_their_tickets_only(client, business, peer):
    mine = peer_ticket(peer, subject="MINE")
    consumer_ticket(business, subject="SOMEONE-ELSES")
    client.force_login(peer.user)
    page = client.get(reverse("web:me_support", kwargs={"business_slug": business.slug}))
    body = page.content.decode()
    assert f"#{mine.pk} MINE" in body
    assert "SOMEONE-ELSES" not in body


@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_asks_the_same_questions_for_any_number_of_tickets(
    client, business, staff, count, django_assert_max_num_queries
):
    for i in range(count):
        consumer_ticket(business, email=f"v{i}@example.org", subject=f"T{i}")
    client.force_login(staff)
    url = reverse("web:manage_support", kwargs={"business_slug": business.slug})
    client.get(url)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= 16, [q["sql"][:120] for q in queries]
