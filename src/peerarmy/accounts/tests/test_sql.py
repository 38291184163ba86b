"""The raw statement of accounts/sql.py keeps to its token's business: one person who is a
peer or a member of two businesses is read, for a token of business A, as A's peer or member
only, and a token of A never reads B's rows."""

import pytest

from peerarmy.accounts import sql
from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.models import hash_token
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.peers.models import PeerStatus
from peerarmy.tenancy.models import Membership, Role
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db


def read(raw):
    return sql.token_with_holder(hash_token(raw))


def test_a_peer_token_reads_the_peer_of_its_own_business(business, other_business):
    ours = PeerFactory(business=business, status=PeerStatus.ACTIVE)
    theirs = PeerFactory(business=other_business, user=ours.user, status=PeerStatus.ACTIVE)
    _token, raw = create_peer_token(
        business=business, peer_user=ours.user, data=TokenInput(name="App")
    ).value

    token, user, found_business, peer, membership = read(raw)

    assert (found_business.pk, peer.pk, user.pk) == (business.pk, ours.pk, ours.user_id)
    assert peer.pk != theirs.pk and membership is None
    assert token.business_id == business.pk


def test_a_member_token_reads_the_membership_of_its_own_business(business, other_business, staff):
    Membership.objects.create(business=other_business, user=staff, role=Role.OWNER)
    PeerFactory(business=business, user=staff)  # also a peer: a member token ignores it
    _token, raw = create_token(business=business, actor=staff).value

    _token, _user, _business, peer, membership = read(raw)

    assert peer is None
    assert (membership.business_id, membership.role) == (business.pk, Role.STAFF)


def test_a_member_token_of_someone_who_left_reads_no_membership(business, other_business, staff):
    _token, raw = create_token(business=business, actor=staff).value
    Membership.objects.filter(business=business, user=staff).delete()
    Membership.objects.create(business=other_business, user=staff, role=Role.OWNER)

    assert read(raw)[4] is None, "the membership of another business does not count"


def test_an_unknown_or_revoked_token_reads_nothing(business, staff):
    token, raw = create_token(business=business, actor=staff).value
    assert read("pa_unknown") is None
    token.revoked_at = token.created_at
    token.save()
    assert read(raw) is None
