"""API tokens: shown once, stored hashed, revocable, and only for members."""

import pytest

from peerarmy.accounts import selectors
from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.models import ApiToken, hash_token
from peerarmy.accounts.services import (
    authenticate_token,
    create_peer_token,
    create_token,
    revoke_token,
)
from peerarmy.errors import NotFound, PermissionDenied
from peerarmy.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash(business, staff):
    token, raw = create_token(business=business, actor=staff, data=TokenInput(name="Till")).value
    assert raw.startswith("pa_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == hash_token(raw)
    assert authenticate_token(f"Bearer {raw}") == token


def test_revoked_wrong_or_orphaned_tokens_do_not_authenticate(business, staff, owner):
    token, raw = create_token(business=business, actor=staff).value
    assert authenticate_token(f"Basic {raw}") is None
    assert authenticate_token("Bearer pa_wrong") is None
    assert authenticate_token("") is None
    revoke_token(business=business, actor=owner, token=token)
    assert authenticate_token(f"Bearer {raw}") is None

    _token, raw2 = create_token(business=business, actor=staff).value
    Membership.objects.filter(user=staff).delete()  # staff leaves the business
    assert authenticate_token(f"Bearer {raw2}") is None


def test_peers_and_other_businesses_cannot_mint_tokens(business, peer, other_staff):
    for actor in (peer.user, other_staff):
        with pytest.raises(PermissionDenied):
            create_token(business=business, actor=actor)


def test_a_token_without_a_name_is_called_api_token(business, staff):
    token, _raw = create_token(business=business, actor=staff, data=TokenInput(name="  ")).value
    assert token.name == "API token"


def test_revoking_twice_changes_nothing_the_second_time(business, owner, staff):
    token, _raw = create_token(business=business, actor=staff).value

    first = revoke_token(business=business, actor=owner, token=token)
    again = revoke_token(business=business, actor=owner, token=token)

    assert not first.replayed and again.replayed
    assert again.value.revoked_at == first.value.revoked_at


def test_tokens_are_found_only_in_their_business_and_peer_tokens_only_by_their_peer(
    business, other_business, other_staff, staff, peer
):
    theirs, _raw = create_token(business=other_business, actor=other_staff).value
    staff_token, _raw = create_token(business=business, actor=staff).value
    peer_token, _raw = create_peer_token(business=business, peer_user=peer.user).value

    assert selectors.get_token(business, staff_token.pk) == staff_token
    with pytest.raises(NotFound):
        selectors.get_token(business, theirs.pk)
    assert selectors.get_peer_token(business, peer.user, peer_token.pk) == peer_token
    for user, token in ((peer.user, staff_token), (staff, peer_token)):
        with pytest.raises(NotFound):
            selectors.get_peer_token(business, user, token.pk)


def test_the_console_refuses_a_long_name_next_to_the_field(staff_client, business):
    response = staff_client.post(
        "/bicigialla/manage/tokens/new/", {"name": "x" * 101}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["Use at most 100 characters."]}
    assert 'maxlength="100"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_peer_is_refused_a_long_name_too(client, business, peer):
    client.force_login(peer.user)

    response = client.post("/bicigialla/me/tokens/", {"name": "x" * 101}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["Use at most 100 characters."]}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("email", ["\udcff", "a\x00b@example.org", "\ud800@example.org"])
def test_an_address_no_database_can_hold_is_simply_not_found(owner, email):
    assert selectors.find_user_by_email(email) is None
    with pytest.raises(NotFound):
        selectors.get_user_by_email(email)
    assert selectors.find_user_by_email(f" {owner.email.upper()} ") == owner
