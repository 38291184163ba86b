"""API tokens: shown once, stored hashed, revocable, and only for members."""

import pytest

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.models import ApiToken, hash_token
from peerarmy.accounts.services import authenticate_token, create_token, revoke_token
from peerarmy.errors import PermissionDenied
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
