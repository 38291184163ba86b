"""Story: signing up keeps the shop. A visitor who clicks "Join the army" on Bici Gialla's page
signs up on pages in Bici Gialla's brand, accepts its privacy notice, gets a verification
e-mail from Bici Gialla (not the login library's stock text), opens the link on their phone
(another browser), logs in there and lands on Bici Gialla's application form. After log-in,
members land on their console and peers on their app."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from peerarmy.accounts.adapter import landing
from peerarmy.accounts.models import User
from peerarmy.tenancy.tests.factories import PASSWORD, PeerFactory

pytestmark = pytest.mark.django_db


def browser(language="en"):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_a_visitor_signs_up_in_the_shops_brand_and_continues_on_another_device(
    business, django_capture_on_commit_callbacks
):
    laptop = browser()
    signup_url = laptop.get(f"/{business.slug}/join/")["Location"]
    page = laptop.get(signup_url).content.decode()
    assert business.name in page  # the shop's header, not a generic "peerarmy" page
    assert "privacy notice" in page

    refused = laptop.post(
        signup_url, {"email": "giulia@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert "Read and accept the privacy notice to sign up." in refused.content.decode()
    assert not User.objects.filter(email="giulia@example.org").exists()

    with django_capture_on_commit_callbacks(execute=True):
        laptop.post(
            signup_url,
            {
                "email": "giulia@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "privacy": "on",
            },
        )
    user = User.objects.get(email="giulia@example.org")
    assert user.joined_from == business.slug and user.privacy_accepted_at is not None
    (sent,) = mail.outbox
    assert business.name in sent.subject
    assert "Hello from" not in sent.body and business.name in sent.body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", sent.body).group(0)

    phone = browser()  # the phone that got the e-mail: nobody is logged in there
    confirm_path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert business.name in phone.get(confirm_path).content.decode()
    confirmed = phone.post(confirm_path)
    assert confirmed.status_code == 302
    login_url = confirmed["Location"]
    assert login_url == f"/accounts/login/?next=%2F{business.slug}%2Fme%2Fapply%2F"
    assert business.name in phone.get(login_url).content.decode()
    logged_in = phone.post(login_url, {"login": "giulia@example.org", "password": PASSWORD})
    assert logged_in["Location"] == f"/{business.slug}/me/apply/"


def test_the_privacy_notice_names_the_business_being_joined(business):
    client = browser()
    client.get(f"/{business.slug}/join/")
    page = client.get("/privacy/").content.decode()
    assert "Privacy notice" in page and business.name in page and "data controller" in page


def test_after_log_in_members_land_on_their_console_and_peers_on_their_app(business, owner):
    peer = PeerFactory(business=business)
    assert landing(owner) == f"/{business.slug}/manage/"
    assert landing(peer.user) == f"/{business.slug}/me/"

    client = browser()
    response = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert response["Location"] == f"/{business.slug}/manage/"
