"""Chip-in's public pages: a campaign's page travels with a proper link preview and plain share
links that name who shared; a friend pledges without an account, confirms from the e-mail and
sees how to pay; the beneficiary starts a campaign and closes it for the voucher."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerarmy.chipin import references, selectors, services
from peerarmy.chipin.models import CampaignStatus, Pledge, PledgeStatus
from peerarmy.chipin.tests.helpers import (
    chipin_program,
    pay_at_till,
    pledge,
    sent_mail,
    shop_bank,
    start,
)
from peerarmy.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(business, owner):
    shop_bank(business, owner)
    program = chipin_program(business, owner)
    giulia = UserFactory(first_name="Giulia", last_name="Rinaldi")
    return start(business, giulia, program, goal=100_000, title="La mia e-bike")


def _url(name, business, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_has_a_link_preview_and_share_links_that_name_the_sharer(client, campaign):
    business = campaign.business
    link = selectors.beneficiary_link(campaign)
    page = _english(client).get(
        _url("chipin_campaign", business, code=campaign.code), {"da": link.token}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert '<meta property="og:title" content="La mia e-bike">' in html
    assert 'name="twitter:card"' in html
    assert "Shared with you by Giulia Rinaldi" in html
    # the share links carry the sharer, and load no script of WhatsApp's or Telegram's
    assert f"da%3D{link.token}" in html or f"da={link.token}" in html
    assert "https://wa.me/?text=" in html and "https://t.me/share/url?" in html
    assert '<script src="http' not in html
    # the pledge form's address keeps who brought the friend
    assert f"give/?da={link.token}" in html


def test_the_qr_code_is_an_svg_of_the_shared_address(client, campaign):
    answer = client.get(_url("chipin_campaign_qr", campaign.business, code=campaign.code))
    assert answer["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(answer.content)  # noqa: S314 - our own answer
    assert root.tag.endswith("svg") and root.tag.startswith("{http://www.w3.org/2000/svg}")


def test_a_friend_pledges_confirms_and_sees_how_to_pay(client, campaign):
    business = campaign.business
    client = _english(client)
    link = selectors.beneficiary_link(campaign)
    sent = client.post(
        _url("chipin_pledge_new", business, code=campaign.code),
        {
            "amount": "25,50",
            "name": "Marta Conti",
            "email": "marta@example.org",
            "refund_choice": "transfer",
            "via": link.token,
        },
    )
    assert sent.status_code == 302
    made = Pledge.objects.get(email="marta@example.org")
    assert (made.amount_minor, made.share_link, made.status) == (
        2_550,
        link,
        PledgeStatus.UNCONFIRMED,
    )
    (mail,) = sent_mail(to="marta@example.org")
    confirm = re.search(r"https?://\S+/confirm/", mail.body).group(0)
    page = client.get(confirm, follow=True)
    html = page.content.decode()
    made.refresh_from_db()
    assert made.status == PledgeStatus.AWAITING
    assert references.format_rf(made.reference) in html
    assert "IT60 X054 2811 1010 0000 0123 456" in html
    assert "<svg" in html  # the EPC QR code for banking apps
    assert page["X-Robots-Tag"] == "noindex, nofollow"


def test_a_bad_pledge_names_its_fields_and_stores_nothing(client, campaign):
    page = _english(client).post(
        _url("chipin_pledge_new", campaign.business, code=campaign.code),
        {"amount": "1", "name": "", "email": "not-an-address", "refund_choice": "transfer"},
    )
    assert page.status_code == 200
    assert {"name", "email"} <= set(page.context["form"].errors)
    # the campaign's own rule (the smallest pledge) once the rest is right
    page = _english(client).post(
        _url("chipin_pledge_new", campaign.business, code=campaign.code),
        {"amount": "1", "name": "Marta", "email": "marta@example.org", "refund_choice": "transfer"},
    )
    assert "The smallest pledge is" in str(page.context["form"].errors["amount"])
    assert not Pledge.objects.exists()


def test_pledges_from_one_address_on_the_internet_are_limited(client, campaign, monkeypatch):
    from peerarmy.web.views import chipin_public

    monkeypatch.setattr(chipin_public, "PLEDGES_PER_HOUR", 2)
    url = _url("chipin_pledge_new", campaign.business, code=campaign.code)
    for n in range(3):
        page = _english(client).post(
            url,
            {
                "amount": "10",
                "name": f"Friend {n}",
                "email": f"friend{n}@example.org",
                "refund_choice": "transfer",
            },
        )
    assert page.status_code == 200
    assert "Too many pledges from here" in page.content.decode()
    assert Pledge.objects.count() == 2


def test_the_beneficiary_closes_the_funded_campaign_and_finds_the_voucher(client, owner, campaign):
    business = campaign.business
    friends = pledge(business, campaign, campaign.pledge_ceiling_minor)
    pay_at_till(business, owner, friends.pledge)
    client = _english(client)
    client.force_login(campaign.beneficiary)
    page = client.get(_url("chipin_campaign", business, code=campaign.code)).content.decode()
    assert "Close it and get my voucher" in page
    closed = client.post(_url("chipin_campaign_close", business, code=campaign.code), follow=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SUCCEEDED
    assert campaign.voucher.code in closed.content.decode()


def test_someone_else_cannot_close_a_campaign(client, owner, campaign):
    business = campaign.business
    pay_at_till(business, owner, pledge(business, campaign, campaign.pledge_ceiling_minor).pledge)
    client.force_login(UserFactory())
    client.post(_url("chipin_campaign_close", business, code=campaign.code))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING


def test_a_customer_starts_a_campaign_with_a_photo(client, business, owner):
    import io

    from PIL import Image

    program = chipin_program(business, owner)
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (250, 200, 0)).save(picture, "PNG")
    picture.name = "bike.png"
    picture.seek(0)
    customer = UserFactory()
    client = _english(client)
    client.force_login(customer)
    answer = client.post(
        _url("chipin_start", business),
        {
            "program": program.pk,
            "goal": "300",
            "title": "Un casco nuovo",
            "deadline": "2099-01-01",
            "public": "on",
            "photo": picture,
        },
    )
    assert answer.status_code == 200  # a deadline beyond the program's longest campaign
    assert "deadline" in answer.context["form"].errors
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    picture.seek(0)
    answer = client.post(
        _url("chipin_start", business),
        {
            "program": program.pk,
            "goal": "300",
            "title": "Un casco nuovo",
            "deadline": day,
            "public": "on",
            "photo": picture,
        },
    )
    assert answer.status_code == 302
    (made,) = selectors.campaigns_of_user(business, customer)
    assert made.goal_minor == 30_000 and made.photo.endswith(".webp")
    assert services.public_url(made).endswith(f"/chip-in/{made.code}/")
