"""Only a live token of a current member gets in; everybody else gets a 401 that says why."""

import collections

import pytest

from peerarmy.accounts.services import create_token, revoke_token
from peerarmy.api.api import endpoints
from peerarmy.tenancy.models import Membership

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

PROGRAMS = "/api/v1/programs/"


def assert_unauthorised(response):
    assert response.status_code == 401
    assert problem_fields(response) == []
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_member_with_a_live_token_gets_in(api):
    assert api.get(PROGRAMS).status_code == 200


def test_without_a_token_the_api_asks_for_one(client):
    response = client.get(PROGRAMS)

    assert_unauthorised(response)
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer pa_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "pa_no_scheme"]
)
def test_a_wrong_token_or_scheme_is_refused(client, header):
    assert_unauthorised(client.get(PROGRAMS, HTTP_AUTHORIZATION=header))


def test_a_revoked_token_is_refused(client, business, staff, owner):
    token, raw = create_token(business=business, actor=staff).value
    revoke_token(business=business, actor=owner, token=token)

    response = ApiClient(client, raw).get(PROGRAMS)

    assert_unauthorised(response)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_the_token_of_someone_who_left_the_business_is_refused(client, business, staff):
    _token, raw = create_token(business=business, actor=staff).value
    Membership.objects.filter(user=staff, business=business).delete()

    assert_unauthorised(ApiClient(client, raw).get(PROGRAMS))


def test_a_logged_in_session_is_not_an_api_credential(staff_client):
    assert_unauthorised(staff_client.get(PROGRAMS))


# The operations that take no token (tests/test_isolation.py declares them too).
PUBLIC = {("POST", "/api/v1/chipin/pledges/confirm"), ("GET", "/api/v1/alliances/{slug}")}


def test_every_endpoint_needs_a_token(client, program, peer):
    found = endpoints()
    assert len(found) >= 13
    for endpoint in found:
        if (endpoint.method, endpoint.path) in PUBLIC:
            continue
        assert endpoint.requires_auth, endpoint
        ids = collections.defaultdict(lambda: 1, program_id=program.pk, peer_id=peer.pk)
        ids["slug"] = "bicigialla"
        url = endpoint.path.format_map(ids)
        body = (
            {} if endpoint.method == "GET" else {"data": "{}", "content_type": "application/json"}
        )
        response = getattr(client, endpoint.method.lower())(url, **body)
        assert response.status_code == 401, endpoint
        assert response["Content-Type"].startswith("application/problem+json")
