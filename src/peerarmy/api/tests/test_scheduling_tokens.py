"""Peers' personal API tokens: only an active peer makes them, on their own page; the raw
token is shown once; it acts for that peer only; the peer (or the staff) can revoke it."""

import pytest
from django.conf import settings
from django.urls import reverse

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.models import ApiToken, TokenKind, hash_token
from peerarmy.accounts.services import (
    authenticate_token,
    create_peer_token,
    create_token,
    revoke_token,
)
from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.tenancy.tests.factories import ApplicantFactory, PeerFactory

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


@pytest.fixture
def peer_client(client, peer):
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the service ---------------------------------------------------------------------------


def test_an_active_peer_makes_a_personal_token_stored_as_its_hash(business, peer):
    token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="My phone")
    ).value

    assert token.kind == TokenKind.PEER and token.user == peer.user
    assert token.name == "My phone"
    assert ApiToken.objects.get(pk=token.pk).key_hash == hash_token(raw)
    assert authenticate_token(f"Bearer {raw}") == token


def test_staff_tokens_are_made_as_before(business, staff):
    token, _raw = create_token(business=business, actor=staff).value

    assert token.kind == TokenKind.MEMBER


def test_only_active_peers_of_the_business_make_personal_tokens(
    business, other_business, staff, peer
):
    applicant = ApplicantFactory(business=business)
    suspended = PeerFactory(business=business, status="suspended")
    stranger = PeerFactory(business=other_business)

    for user in (applicant.user, suspended.user, staff, stranger.user):
        with pytest.raises(PermissionDenied):
            create_peer_token(business=business, peer_user=user)
    with pytest.raises(ValidationFailed):
        create_peer_token(
            business=business, peer_user=peer.user, data=TokenInput.parse({"name": "x" * 101})
        )
    assert not ApiToken.objects.exists()


def test_a_peer_revokes_their_own_token_and_nobody_elses(business, peer, staff):
    mine, raw = create_peer_token(business=business, peer_user=peer.user).value
    someone_elses, _ = create_peer_token(
        business=business, peer_user=PeerFactory(business=business).user
    ).value
    staff_token, _ = create_token(business=business, actor=staff).value

    for token in (someone_elses, staff_token):
        with pytest.raises(PermissionDenied):
            revoke_token(business=business, actor=peer.user, token=token)
    revoke_token(business=business, actor=peer.user, token=mine)

    assert authenticate_token(f"Bearer {raw}") is None
    someone_elses.refresh_from_db()
    assert someone_elses.revoked_at is None


def test_the_staff_can_cut_off_a_peers_token(client, business, peer, owner):
    token, raw = create_peer_token(business=business, peer_user=peer.user).value

    revoke_token(business=business, actor=owner, token=token)

    assert ApiClient(client, raw).get(ME).status_code == 401


# --- the peer's page -----------------------------------------------------------------------


def test_the_army_page_links_to_the_tokens_page(peer_client, business):
    page = peer_client.get(url(business, "me")).content.decode()

    assert url(business, "my_tokens") in page


def test_a_peer_creates_a_token_sees_it_once_and_it_works(client, peer_client, business, peer):
    response = peer_client.post(url(business, "my_tokens"), {"name": "Calendar script"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["raw_token"]
    assert raw in response.content.decode()
    token = ApiToken.objects.get(user=peer.user)
    assert token.kind == TokenKind.PEER and token.name == "Calendar script"
    listing = peer_client.get(url(business, "my_tokens")).content.decode()
    assert "Calendar script" in listing and token.prefix in listing
    assert raw not in listing  # shown once only

    client.logout()
    assert ApiClient(client, raw).get(ME).json()["id"] == peer.pk


def test_a_peer_revokes_a_token_on_the_page(client, peer_client, business, peer):
    token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Old")
    ).value

    response = peer_client.post(url(business, "my_token_revoke", token_id=token.pk))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert ApiClient(client, raw).get(ME).status_code == 401


def test_the_page_finds_no_token_but_the_peers_own(peer_client, business, staff):
    staff_token, _ = create_token(
        business=business, actor=staff, data=TokenInput(name="Till")
    ).value
    other_peer_token, _ = create_peer_token(
        business=business,
        peer_user=PeerFactory(business=business).user,
        data=TokenInput(name="Theirs"),
    ).value

    page = peer_client.get(url(business, "my_tokens")).content.decode()
    for token in (staff_token, other_peer_token):
        response = peer_client.post(url(business, "my_token_revoke", token_id=token.pk))
        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
    assert "Till" not in page and "Theirs" not in page


def test_an_applicant_cannot_create_a_token(client, business):
    applicant = ApplicantFactory(business=business)
    client.force_login(applicant.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(url(business, "my_tokens")).content.decode()
    response = client.post(url(business, "my_tokens"), {"name": "Sneaky"})

    assert "Only active members of the army can create API tokens." in page
    assert response.status_code == 200
    assert "Only active members of the army can create API tokens." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_visitors_who_are_not_peers_are_sent_to_apply(client, business, staff):
    client.force_login(staff)

    response = client.get(url(business, "my_tokens"))

    assert response.status_code == 302
    assert response["Location"] == url(business, "apply")
