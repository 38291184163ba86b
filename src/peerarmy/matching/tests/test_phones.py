"""Story: after a local accepts, the two can call or message each other, if each chose to
share a phone: the traveller on the request form, the local in their offer. Neither number
shows before the acceptance; a number is checked and kept in the international form."""

from datetime import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from peerarmy.inputs import InvalidInput
from peerarmy.matching import services
from peerarmy.matching.inputs import MatchingProfileInput
from peerarmy.matching.models import Match, MatchStatus

from .factories import matching_program, offering_peer, request_input, set_profile

pytestmark = pytest.mark.django_db
NEAR = (44.4960, 11.3450)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("333 123 4567", "+393331234567"),
        ("+39 051 123456", "+39051123456"),
        ("0039 333 1234567", "+393331234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_a_phone_is_kept_in_the_international_form(typed, kept):
    data = MatchingProfileInput.parse(
        {"accepting": True, "max_per_week": 3, "interests": [], "slots": [], "phone": typed}
    )
    assert data.phone == kept


@pytest.mark.parametrize("typed", ["123", "call me", "+39 12", "33312345678901234"])
def test_a_phone_that_is_not_one_is_named(typed):
    with pytest.raises(InvalidInput) as refused:
        MatchingProfileInput.parse(
            {"accepting": True, "max_per_week": 3, "interests": [], "slots": [], "phone": typed}
        )
    assert [field for field, _m in refused.value.field_errors] == ["phone"]


def test_phones_are_shared_only_once_the_local_accepts(business):
    guides = matching_program(business)
    peer = offering_peer(business, at=NEAR)
    set_profile(
        peer,
        interests=("cycling",),
        slots=[(day, time(9), time(21)) for day in range(7)],
        phone="+39 333 765 4321",
    )
    match_request = services.submit_request(
        guides, request_input(guides, phone="347 111 2222"), language="en"
    ).value
    services.confirm_request(match_request)
    match = Match.objects.get(request=match_request, status=MatchStatus.PROPOSED)
    assert match.consumer_contact is None  # not before

    services.accept(peer, match)
    match.refresh_from_db()

    contact = match.consumer_contact
    assert (contact.phone, contact.whatsapp_url) == ("+393471112222", "https://wa.me/393471112222")
    # the traveller's page shows the local's number
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(
        reverse(
            "web:match_request",
            kwargs={"business_slug": business.slug, "token": match_request.token},
        )
    ).content.decode()
    assert "+393337654321" in page and "https://wa.me/393337654321" in page
    # and the local's app shows the traveller's
    client.force_login(peer.user)
    mine = client.get(f"/{business.slug}/me/matches/").content.decode()
    assert "tel:+393471112222" in mine and "https://wa.me/393471112222" in mine
