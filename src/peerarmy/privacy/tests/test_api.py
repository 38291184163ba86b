"""People's rights through the API: a peer's token downloads their data and asks for erasure;
a staff token lists, completes and refuses requests and exports an address's data; a community
manager's token, a peer's token and another business's token are kept out; the audit trail is
the owner's."""

import io
import json
import zipfile

import pytest

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.tests.conftest import ApiClient, problem_fields
from peerarmy.privacy.models import AccessRecord, ErasureRequest
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import BusinessFactory, MembershipFactory, OwnerFactory

pytestmark = pytest.mark.django_db


def _staff_api(client, business, user):
    _token, raw = create_token(business=business, actor=user, data=TokenInput(name="t")).value
    return ApiClient(client, raw, language="en")


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="mine")
    ).value
    return ApiClient(client, raw, language="en")


def test_a_peer_downloads_their_data_and_asks_for_erasure(peer_api, business, peer):
    zipped = peer_api.get("/api/v1/me/privacy/export")
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["data"]["peers"]["peer_profile"][0]["id"] == peer.pk
    assert AccessRecord.objects.get().via == "api"

    before = peer_api.get("/api/v1/me/privacy/erasure").json()
    assert before == {"blockers": [], "can_close_account": True, "request": None}
    unconfirmed = peer_api.post("/api/v1/me/privacy/erasure", {})
    assert unconfirmed.status_code == 422 and problem_fields(unconfirmed) == ["confirm"]
    not_ticked = peer_api.post("/api/v1/me/privacy/erasure", {"confirm": False})
    assert not_ticked.status_code == 422 and "Tick the box" in str(not_ticked.json()["errors"])
    made = peer_api.post("/api/v1/me/privacy/erasure", {"confirm": True})
    assert made.status_code == 201 and made.json()["status"] == "pending"
    again = peer_api.post("/api/v1/me/privacy/erasure", {"confirm": True})
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert ErasureRequest.objects.get().via == "api"
    assert peer_api.get("/api/v1/me/privacy/erasure").json()["request"]["id"] == made.json()["id"]


def test_staff_answer_requests_and_export_an_address(client, business, staff, peer, peer_api):
    asked = peer_api.post("/api/v1/me/privacy/erasure", {"confirm": True}).json()
    api = _staff_api(client, business, staff)
    listed = api.get("/api/v1/privacy/erasures", {"status": "pending"}).json()
    assert listed["count"] == 1 and listed["results"][0]["email"] == peer.user.email
    assert listed["results"][0]["overdue"] is False
    assert api.get("/api/v1/privacy/erasures", {"status": "nonsense"}).status_code == 422

    zipped = api.post("/api/v1/privacy/exports", {"email": peer.user.email})
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    bad = api.post("/api/v1/privacy/exports", {"email": "not an address"})
    assert bad.status_code == 422 and problem_fields(bad) == ["email"]

    no_reason = api.post(f"/api/v1/privacy/erasures/{asked['id']}/refuse", {})
    assert no_reason.status_code == 422 and problem_fields(no_reason) == ["reason"]
    done = api.post(f"/api/v1/privacy/erasures/{asked['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["outcome"]["rows"] > 0
    got = api.get(f"/api/v1/privacy/erasures/{asked['id']}").json()
    assert got["email"] == "" and got["status"] == "completed"
    late = api.post(f"/api/v1/privacy/erasures/{asked['id']}/refuse", {"reason": "too late"})
    assert late.status_code == 409


def test_only_staff_with_the_customers_capability_of_the_business_reach_the_requests(
    client, business, owner, staff, peer, peer_api
):
    asked = peer_api.post("/api/v1/me/privacy/erasure", {"confirm": True}).json()
    community = _staff_api(
        client, business, MembershipFactory(business=business, role=Role.COMMUNITY).user
    )
    for response in (
        community.get("/api/v1/privacy/erasures"),
        community.post(f"/api/v1/privacy/erasures/{asked['id']}/complete"),
        community.post("/api/v1/privacy/exports", {"email": peer.user.email}),
    ):
        assert response.status_code == 403
    # a peer's token at the staff's door, and a staff token at the peer's
    assert peer_api.get("/api/v1/privacy/erasures").status_code == 403
    staff_api = _staff_api(client, business, staff)
    assert staff_api.get("/api/v1/me/privacy/export").status_code == 403
    # another business's owner: the request is not there
    elsewhere = BusinessFactory(slug="elsewhere")
    outsider = _staff_api(client, elsewhere, OwnerFactory(business=elsewhere).user)
    assert outsider.post(f"/api/v1/privacy/erasures/{asked['id']}/complete").status_code == 404
    assert outsider.get("/api/v1/privacy/erasures").json()["count"] == 0
    assert ErasureRequest.objects.get().is_pending

    # the audit trail: the owner's token only
    assert staff_api.get("/api/v1/privacy/access-records").status_code == 403
    owner_api = _staff_api(client, business, owner)
    trail = owner_api.get("/api/v1/privacy/access-records", {"action": "viewed"})
    assert trail.status_code == 200 and trail.json()["count"] == 0
    every = owner_api.get("/api/v1/privacy/access-records").json()
    assert [r["what"] for r in every["results"]] == []
    bad = owner_api.get(
        "/api/v1/privacy/access-records", {"since": "2027-02-01", "until": "2027-01-01"}
    )
    assert bad.status_code == 422
