"""A share link's short address: it counts the visit once a day per browser, leaves the
signed cookie that credits the link, and opens its page; the link's own peer, a preview
fetcher and a bad code count nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from peerarmy.peers.models import PeerStatus
from peerarmy.spread import cookies, services
from peerarmy.spread.models import LinkDay, TargetKind, Touch
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

from .helpers import go, landing_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(business):
    return PeerFactory(business=business, display_name="Giulia R.")


def _visits(link):
    return sum(LinkDay.objects.filter(link=link).values_list("visits", flat=True))


def test_a_link_counts_the_visit_keeps_the_cookie_and_opens_the_shop_page(client, business, giulia):
    link = landing_link(business, giulia)

    response = go(client, business, link)

    assert response.status_code == 302
    assert response["Location"] == f"/{business.slug}/"
    assert _visits(link) == 1
    ref = response.cookies[cookies.ref_name(business.pk)]
    assert ref["max-age"] == 30 * 24 * 3600 and ref["httponly"] and ref["samesite"] == "Lax"
    assert ref["path"] == "/"
    assert response.cookies[cookies.SEEN]["path"] == f"/{business.slug}/s/{link.code}/"
    assert response["Cache-Control"] == "private, no-store"


def test_the_same_browser_counts_once_a_day_another_browser_counts_again(client, business, giulia):
    link = landing_link(business, giulia)

    go(client, business, link)
    go(client, business, link)
    go(Client(), business, link)

    assert _visits(link) == 2
    day = LinkDay.objects.get(link=link)
    assert day.day == timezone.localdate(timezone=business.tzinfo)


def _browser_request(client):
    from django.http import HttpRequest

    request = HttpRequest()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    return request


def test_the_cookie_names_the_last_link_opened(client, business, giulia):
    other = PeerFactory(business=business)
    first, last = landing_link(business, giulia), landing_link(business, other)

    go(client, business, first)
    go(client, business, last)

    assert cookies.refs(_browser_request(client)) == {business.pk: last.pk}


def test_a_forged_cookie_credits_nothing(client, business, giulia):
    from django.http import HttpRequest

    request = HttpRequest()
    request.COOKIES = {cookies.ref_name(business.pk): "7:forged"}
    assert cookies.refs(request) == {}


def test_a_program_link_opens_the_program_page(client, business, giulia):
    program = ProgramFactory(business=business)
    link = services.link_for(business, giulia, TargetKind.PROGRAM, program.pk)

    response = go(client, business, link)

    assert response["Location"] == f"/{business.slug}/programs/{program.slug}/"


def test_a_link_whose_page_is_gone_opens_the_shop_page(client, business, giulia):
    program = ProgramFactory(business=business, status="closed")
    link = services.link_for(business, giulia, TargetKind.PROGRAM, program.pk)

    response = go(client, business, link)

    assert response["Location"] == f"/{business.slug}/"
    assert _visits(link) == 1


def test_the_peer_opening_their_own_link_is_no_visit_and_leaves_no_cookie(client, business, giulia):
    link = landing_link(business, giulia)
    client.force_login(giulia.user)

    response = go(client, business, link)

    assert response.status_code == 302
    assert _visits(link) == 0
    assert cookies.ref_name(business.pk) not in response.cookies
    assert not Touch.objects.exists()


def test_a_signed_in_visitor_is_remembered_for_an_application_later(client, business, giulia):
    visitor = UserFactory()
    client.force_login(visitor)

    go(client, business, landing_link(business, giulia))

    touch = Touch.objects.get(user=visitor)
    assert touch.link.peer == giulia


def test_a_link_preview_fetcher_is_no_visit(client, business, giulia):
    link = landing_link(business, giulia)

    response = go(client, business, link, HTTP_USER_AGENT="WhatsApp/2.23.20.0 A")

    assert response.status_code == 302
    assert _visits(link) == 0
    assert cookies.ref_name(business.pk) not in response.cookies


def test_a_suspended_peers_link_still_opens_the_page_but_earns_no_credit(client, business, giulia):
    link = landing_link(business, giulia)
    giulia.status = PeerStatus.SUSPENDED
    giulia.save(update_fields=["status"])

    response = go(client, business, link)

    assert response["Location"] == f"/{business.slug}/"
    assert _visits(link) == 1
    assert cookies.ref_name(business.pk) not in response.cookies


@pytest.mark.parametrize("code", ["nope", "x" * 40, "%00", "ABC"])
def test_a_code_nobody_has_is_a_404(client, business, giulia, code):
    landing_link(business, giulia)
    assert client.get(f"/{business.slug}/s/{code}/").status_code == 404


def test_another_business_s_code_is_a_404_here(client, business, giulia):
    elsewhere = BusinessFactory()
    theirs = landing_link(elsewhere, PeerFactory(business=elsewhere))

    assert client.get(f"/{business.slug}/s/{theirs.code}/").status_code == 404
    assert _visits(theirs) == 0


def test_a_code_typed_in_capitals_still_opens(client, business, giulia):
    link = landing_link(business, giulia)
    assert client.get(f"/{business.slug}/s/{link.code.upper()}/").status_code == 302


def test_a_peer_has_one_link_per_page_and_it_never_changes(business, giulia):
    first = landing_link(business, giulia)
    again = landing_link(business, giulia)
    shop = services.shop_link(business)

    assert first == again
    assert shop.peer is None and shop != first
    assert len(first.code) == services.CODE_LENGTH


def test_the_visits_of_a_day_are_the_business_s_day(business, giulia):
    link = landing_link(business, giulia)
    late = timezone.now().replace(hour=23, minute=30) - timedelta(days=1)

    services.open_link(business, link, now=late)

    assert LinkDay.objects.get(link=link).day == timezone.localdate(late, business.tzinfo)
