"""A process keeps what it read of an API token for a few seconds, so that a peer's GET costs
its own query and not four more: revoking is at once, a suspension or a removal within the
cache's seconds, and no request sees what another changed."""

import pytest

from peerarmy.accounts import services as accounts
from peerarmy.accounts.services import create_peer_token, create_token, revoke_token
from peerarmy.peers.models import PeerStatus
from peerarmy.tenancy.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def remembering(settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    accounts._known.clear()
    yield
    accounts._known.clear()


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(accounts.time, "monotonic", lambda: now[0])
    return now


def me(client, raw):
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_known_token_costs_no_query_to_authenticate(client, business, peer, clock):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    assert me(client, raw).status_code == 200  # read once

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        again = me(client, raw)
    assert again.status_code == 200
    assert again.json()["display_name"] == peer.display_name
    token_queries = [q["sql"] for q in queries if "accounts_apitoken" in q["sql"]]
    peer_queries = [q["sql"] for q in queries if '"peers_peer"' in q["sql"]]
    assert token_queries == [] and peer_queries == []


def test_revoking_forgets_the_token_at_once(client, business, peer, clock):
    token, raw = create_peer_token(business=business, peer_user=peer.user).value
    assert me(client, raw).status_code == 200
    revoke_token(business=business, actor=peer.user, token=token)
    assert me(client, raw).status_code == 401


def test_a_suspended_peer_is_refused_once_the_seconds_have_passed(client, business, peer, clock):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    assert me(client, raw).status_code == 200
    peer.status = PeerStatus.SUSPENDED
    peer.save(update_fields=["status"])

    clock[0] += 9.9
    assert me(client, raw).status_code == 200  # within the seconds: still what was read
    clock[0] += 0.2
    assert me(client, raw).status_code == 403


def test_a_member_who_left_loses_the_api_within_the_seconds(client, business, staff, clock):
    _token, raw = create_token(business=business, actor=staff).value
    url = "/api/v1/programs/"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    Membership.objects.filter(user=staff, business=business).delete()
    clock[0] += 11
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_each_request_gets_its_own_objects(business, peer, clock):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    first = accounts.authenticate_token(f"Bearer {raw}")
    first.peer.display_name = "changed by one request"
    first.business.name = "changed too"
    second = accounts.authenticate_token(f"Bearer {raw}")
    assert second.peer.display_name == peer.display_name
    assert second.business.name == business.name
    assert second.peer is not first.peer


def test_without_seconds_nothing_is_kept(settings, business, peer):
    settings.API_TOKEN_CACHE_SECONDS = 0
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    accounts.authenticate_token(f"Bearer {raw}")
    assert accounts._known == {}
