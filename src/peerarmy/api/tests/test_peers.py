"""Staff look through their peers and decide on applicants over the API."""

import pytest
from django.core import mail

from peerarmy.peers.models import PeerStatus
from peerarmy.tenancy.tests.factories import ApplicantFactory, PeerFactory, SkillFactory

from .conftest import problem_fields

pytestmark = pytest.mark.django_db

PEERS = "/api/v1/peers/"


def test_staff_list_peers_filtered_by_status_skill_language_and_text(api, business):
    repair = SkillFactory(business=business, slug="repair")
    mechanic = PeerFactory(
        business=business, display_name="Marco", skills=[repair], languages=["it"]
    )
    linguist = PeerFactory(
        business=business,
        display_name="Anna",
        languages=["it", "de"],
        home_address="Via Saragozza 1",
    )
    applicant = ApplicantFactory(business=business, display_name="Luca", languages=["en"])

    def ids(**params):
        return {p["id"] for p in api.get(PEERS, params).json()["results"]}

    assert ids() == {mechanic.pk, linguist.pk, applicant.pk}
    assert ids(status="applicant") == {applicant.pk}
    assert ids(skill="repair") == {mechanic.pk}
    assert ids(language="de") == {linguist.pk}
    assert ids(q="saragozza") == {linguist.pk}


def test_an_unknown_status_filter_is_named_in_a_422(api):
    response = api.get(PEERS, {"status": "banana"})

    assert response.status_code == 422
    assert problem_fields(response) == ["status"]


def test_a_peer_reads_with_email_skills_and_languages(api, business):
    repair = SkillFactory(business=business, slug="repair")
    peer = PeerFactory(
        business=business,
        skills=[repair],
        languages=["en", "it"],
        reliability=87,
        showcase_links=["https://example.org/marco"],
    )

    body = api.get(f"{PEERS}{peer.pk}").json()

    assert body["email"] == peer.user.email
    assert body["skills"] == ["repair"]
    assert body["languages"] == [
        {"code": "en", "level": "fluent"},
        {"code": "it", "level": "fluent"},
    ]
    assert body["latitude"] == pytest.approx(44.4968)
    assert body["reliability"] == 87
    assert body["showcase_links"] == ["https://example.org/marco"]
    assert set(body) == {
        "id",
        "status",
        "display_name",
        "email",
        "bio",
        "skills",
        "languages",
        "home_address",
        "latitude",
        "longitude",
        "travel_radius_km",
        "showcase_links",
        "reliability",
        "applied_at",
        "decided_at",
        "rejection_reason",
    }


def test_the_peer_list_costs_the_same_queries_for_many_peers(
    api, business, django_assert_max_num_queries
):
    repair = SkillFactory(business=business, slug="repair")
    PeerFactory(business=business, skills=[repair])
    with django_assert_max_num_queries(10) as few:
        api.get(PEERS)
    for _ in range(15):
        PeerFactory(business=business, skills=[repair], languages=["it", "en", "de"])

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(PEERS)

    assert response.json()["count"] == 16


def test_approving_an_applicant_activates_them_and_tells_them(
    api, business, staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{PEERS}{applicant.pk}/approve")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["decided_at"]
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.ACTIVE
    assert applicant.decided_by == staff
    assert [m.to for m in mail.outbox] == [[applicant.user.email]]


def test_rejecting_an_applicant_tells_them_why(api, business, django_capture_on_commit_callbacks):
    applicant = ApplicantFactory(business=business)
    reason = "We only take riders in Bologna for now."

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{PEERS}{applicant.pk}/reject", {"reason": reason})

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == reason
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [applicant.user.email]
    assert reason in mail.outbox[0].body


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": 42}])
def test_a_rejection_without_a_reason_is_refused(
    api, business, body, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{PEERS}{applicant.pk}/reject", body)

    assert response.status_code == 422
    assert problem_fields(response) == ["reason"]
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT
    assert mail.outbox == []


def test_an_active_peer_cannot_be_approved_again(api, peer):
    response = api.post(f"{PEERS}{peer.pk}/approve")

    assert response.status_code == 409
    problem_fields(response)
    assert response.json()["code"] == "invalid_transition"
