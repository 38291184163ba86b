"""Ratings and reliability through the API: error codes in problem+json, the peer's side,
and isolation across businesses."""

import pytest

from peerarmy.accounts.services import create_peer_token
from peerarmy.api.tests.conftest import ApiClient, problem_fields
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.trust import services

from .factories import completed_claim, completed_match

URL = "/api/v1/trust"


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    return ApiClient(client, raw)


def test_staff_rate_a_block_once_and_read_the_peer_summary_and_score(api, peer):
    claim = completed_claim(peer)
    body = {"subject_kind": "claim", "subject_id": claim.pk, "stars": 4, "tags": ["punctual"]}
    response = api.post(f"{URL}/ratings", body)
    assert response.status_code == 201, response.content
    assert response.json()["revealed"] is True
    again = api.post(f"{URL}/ratings", body)
    assert again.status_code == 409
    assert again.json()["code"] == "already_rated"
    assert [r["stars"] for r in api.get(f"{URL}/ratings/mine").json()] == [4]
    summary = api.get(f"{URL}/peers/{peer.pk}/summary").json()
    assert summary["ratings"] == 1
    assert "★ from 1 rating" in summary["badge"]
    services.recompute_business(peer.business)
    score = api.get(f"{URL}/peers/{peer.pk}/reliability").json()
    assert score["has_track_record"] is True
    assert [c["key"] for c in score["components"]][:2] == ["stars", "completion"]
    assert score["explanation"].startswith("Reliability ")


def test_bad_input_names_the_field(api, peer):
    response = api.post(f"{URL}/ratings", {"subject_kind": "claim", "subject_id": 1, "stars": 9})
    assert response.status_code == 422
    assert problem_fields(response) == ["stars"]


def test_a_peer_rates_their_visitor_but_not_someone_elses(peer_api, peer, business):
    mine = completed_match(peer)
    theirs = completed_match(PeerFactory(business=business), email="bob@example.org")
    body = {"subject_kind": "match", "subject_id": mine.pk, "stars": 5, "tags": ["respectful"]}
    response = peer_api.post("/api/v1/me/ratings", body)
    assert response.status_code == 201, response.content
    assert response.json()["revealed"] is False
    response = peer_api.post("/api/v1/me/ratings", {**body, "subject_id": theirs.pk})
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_participant"
    assert len(peer_api.get("/api/v1/me/ratings").json()) == 1
    own = peer_api.get("/api/v1/me/reliability").json()
    assert own["has_track_record"] is True and own["how_to_improve"] is not None


def test_another_business_sees_nothing(other_api, peer):
    claim = completed_claim(peer)
    body = {"subject_kind": "claim", "subject_id": claim.pk, "stars": 4}
    assert other_api.post(f"{URL}/ratings", body).status_code == 404
    assert other_api.get(f"{URL}/peers/{peer.pk}/summary").status_code == 404
    assert other_api.get(f"{URL}/peers/{peer.pk}/reliability").status_code == 404


def test_staff_hide_a_comment_with_a_reason(api, other_api, peer, staff):
    claim = completed_claim(peer)
    given = services.rate_as_staff(
        peer.business,
        staff,
        services.RatingInput.parse(
            {"subject_kind": "claim", "subject_id": claim.pk, "stars": 2, "comment": "Rude"}
        ),
    ).value
    missing = api.post(f"{URL}/ratings/{given.pk}/hide", {})
    assert missing.status_code == 422
    assert problem_fields(missing) == ["reason"]
    assert other_api.post(f"{URL}/ratings/{given.pk}/hide", {"reason": "Spam"}).status_code == 404
    response = api.post(f"{URL}/ratings/{given.pk}/hide", {"reason": "Insults"})
    assert response.status_code == 200
    assert response.json()["comment"] == "" and response.json()["stars"] == 2
