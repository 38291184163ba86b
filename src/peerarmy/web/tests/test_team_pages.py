"""The console's team page and the page an invitation's link opens, as an owner, staff and
the invited person (in another browser: logged out, then logged in with the invited address)."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from peerarmy.tenancy.models import Membership, Role, StaffInvitation
from peerarmy.tenancy.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return english(client)


def test_an_owner_invites_and_the_person_joins_from_another_device(
    owner_client, owner, business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = owner_client.post(
            url(business, "manage_team_invite"),
            {"email": "giulia@example.org", "role": "staff"},
            follow=True,
        )
    page = sent.content.decode()
    assert "We e-mailed an invitation to giulia@example.org" in page
    assert "Invitations waiting for an answer" in page
    link = re.search(r"https?://\S+/team/join/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    phone = english(Client())  # the invited person's phone: no session
    landing = phone.get(f"/{path}").content.decode()
    assert "This invitation is for giulia@example.org, as Staff." in landing
    assert "Log in" in landing and "Sign up" in landing
    UserFactory(email="giulia@example.org")
    assert phone.login(email="giulia@example.org", password=PASSWORD)
    joined = phone.post(f"/{path}")

    assert joined.status_code == 302
    assert joined["Location"] == url(business, "manage")
    assert Membership.objects.filter(
        business=business, user__email="giulia@example.org", role=Role.STAFF
    ).exists()
    console = phone.get(url(business, "manage"))
    assert console.status_code == 200


def test_the_wrong_account_is_told_whom_the_link_is_for(client, owner, business):
    english(client)
    from peerarmy.tenancy import team
    from peerarmy.tenancy.inputs import StaffInviteInput

    team.invite(business, owner, StaffInviteInput(email="giulia@example.org"))
    from peerarmy.notifications.models import OutboxMessage

    token = re.search(
        r"/team/join/(\S+)/", OutboxMessage.objects.get(event="team.invited").body_text
    ).group(1)
    client.force_login(UserFactory(email="marco@example.org"))
    page = client.get(url(business, "team_join", token=token)).content.decode()
    refused = client.post(url(business, "team_join", token=token))

    assert "You are logged in as marco@example.org" in page
    assert refused.status_code == 403
    assert not Membership.objects.filter(business=business, user__email="marco@example.org")


def test_a_bad_link_says_so_without_a_500(client, business):
    english(client)
    response = client.get(url(business, "team_join", token="nope"))
    assert response.status_code == 404
    assert "This invitation cannot be used" in response.content.decode()


def test_bad_input_is_named_and_nothing_is_sent(owner_client, business, staff):
    response = owner_client.post(
        url(business, "manage_team_invite"), {"email": staff.email, "role": "staff"}
    )
    bad = owner_client.post(url(business, "manage_team_invite"), {"email": "x", "role": "king"})

    assert response.status_code == 400
    assert "This person is already in the team." in response.content.decode()
    assert bad.status_code == 400
    assert StaffInvitation.objects.count() == 0 and mail.outbox == []


def test_staff_see_the_team_without_the_owners_buttons(client, staff, owner, business):
    client.force_login(staff)
    english(client)
    page = client.get(url(business, "manage_team")).content.decode()

    assert owner.email in page and staff.email in page
    assert "Send the invitation" not in page and "Remove…" not in page
    assert "Only an owner invites people and changes the team." in page
    member = Membership.objects.get(business=business, user=owner)
    client.post(url(business, "manage_team_remove", member_id=member.pk))
    assert Membership.objects.filter(pk=member.pk).exists()


def test_destructive_actions_ask_first_and_the_last_owner_stays(owner_client, owner, business):
    page = owner_client.get(url(business, "manage_team")).content.decode()
    assert '<details class="confirm">' in page and "Yes, leave the team" in page
    mine = Membership.objects.get(business=business, user=owner)

    response = owner_client.post(
        url(business, "manage_team_remove", member_id=mine.pk), follow=True
    )

    assert "A business needs an owner" in response.content.decode()
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_an_owner_hands_over_and_becomes_staff(owner_client, owner, staff, business):
    member = Membership.objects.get(business=business, user=staff)

    owner_client.post(url(business, "manage_team_transfer", member_id=member.pk))

    roles = dict(Membership.objects.filter(business=business).values_list("user_id", "role"))
    assert roles == {owner.pk: Role.STAFF, staff.pk: Role.OWNER}


def test_the_team_page_is_in_italian_too(client, owner, business):
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    page = client.get(url(business, "manage_team")).content.decode()
    assert "Invita qualcuno" in page and "Membri" in page


SHOP = {
    "name": "Bici Gialla srl",
    "city": "Bologna",
    "tagline_it": "Officina sotto i portici",
    "tagline_en": "Workshop under the porticoes",
    "about_it": "Dal 1998.",
    "about_en": "Since 1998.",
    "brand_color": "#ffcc00",
    "contact_email": "ciao@bicigialla.example",
    "default_language": "en",
    "timezone": "Europe/Rome",
}


def test_an_owner_describes_the_shop_in_the_console(owner_client, business):
    page = owner_client.get(url(business, "manage_shop")).content.decode()
    assert "Rome (Italy)" in page  # a clock people read, not a zone's name

    response = owner_client.post(url(business, "manage_shop"), SHOP)

    assert response.status_code == 302
    business.refresh_from_db()
    assert (
        business.name,
        business.tagline_en,
        business.brand_color,
        business.default_language,
    ) == (
        "Bici Gialla srl",
        "Workshop under the porticoes",
        "#ffcc00",
        "en",
    )
    landing = owner_client.get(f"/{business.slug}/").content.decode()
    assert "Workshop under the porticoes" in landing


def test_bad_settings_are_named_at_once_and_nothing_changes(owner_client, business):
    before = business.name
    response = owner_client.post(
        url(business, "manage_shop"),
        {**SHOP, "name": "", "brand_color": "yellow", "timezone": "Mars/Base"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "brand_color", "timezone"} <= set(form.errors)
    business.refresh_from_db()
    assert business.name == before


def test_staff_read_the_settings_but_cannot_change_them(client, staff, business):
    client.force_login(staff)
    english(client)
    page = client.get(url(business, "manage_shop")).content.decode()
    client.post(url(business, "manage_shop"), SHOP)

    assert "Only an owner changes these settings." in page
    business.refresh_from_db()
    assert business.name != "Bici Gialla srl"
