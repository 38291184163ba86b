"""Both languages are complete where people read them: pages and e-mails."""

import pytest
from django.core import mail

from peerarmy.peers.services import approve_peer
from peerarmy.tenancy.tests.factories import ApplicantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_landing_page_speaks_the_business_language_then_the_visitors(client, business):
    italian = client.get(f"/{business.slug}/").content.decode()
    assert "Unisciti all&#x27;esercito" in italian or "Unisciti all'esercito" in italian
    english = client.get(f"/{business.slug}/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Join the army" in english.content.decode()
    client.cookies["peerarmy_language"] = "it"
    switched = client.get(f"/{business.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Join the army" not in switched.content.decode()


def test_an_italian_applicant_is_welcomed_in_italian(
    business, staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business, user=UserFactory(language="it"))
    with django_capture_on_commit_callbacks(execute=True):
        approve_peer(business=business, actor=staff, peer=applicant)
    assert "benvenuto" in mail.outbox[0].subject
    assert "Bici Gialla" in mail.outbox[0].subject
