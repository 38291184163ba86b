"""An applicant is rejected through one input on the console and the API: the same bad reason
is refused on both, with the same words, and nothing changes. The application form and the
profile page share one input too, so they refuse the same profile alike."""

import pytest
from django.conf import settings

from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.tenancy.tests.factories import ApplicantFactory, SkillFactory, UserFactory
from peerarmy.web.tests.paired import assert_same_errors, form_errors

pytestmark = pytest.mark.django_db

BAD_REASONS = [
    ({"reason": ""}, "Give the applicant a reason."),
    ({"reason": "   \n "}, "Give the applicant a reason."),
    ({"reason": "x" * 1001}, "Use at most 1000 characters."),
    ({"reason": "No.\x00"}, "Remove the invisible NUL character from this text."),
]


@pytest.mark.parametrize(("body", "message"), BAD_REASONS)
def test_a_bad_reason_is_refused_alike_on_both_paths(staff_api, staff_en, business, body, message):
    applicant = ApplicantFactory(business=business)

    on_api = staff_api.post(f"/api/v1/peers/{applicant.pk}/reject", body)
    on_page = staff_en.post(f"/bicigialla/manage/peers/{applicant.pk}/reject/", body)

    assert_same_errors(on_api, on_page, form="reject_form", expected={"reason"})
    assert on_api.json()["errors"] == [{"field": "reason", "message": message}]
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT
    assert not OutboxMessage.objects.filter(event="peer.rejected").exists()


def test_a_body_without_a_reason_reads_as_an_empty_one(staff_api, staff_en, business):
    applicant = ApplicantFactory(business=business)

    on_api = staff_api.post(f"/api/v1/peers/{applicant.pk}/reject", {})
    on_page = staff_en.post(f"/bicigialla/manage/peers/{applicant.pk}/reject/", {})

    assert_same_errors(on_api, on_page, form="reject_form", expected={"reason"})


def test_another_business_s_applicant_answers_like_an_id_never_used(
    client, business, other_business, other_staff
):
    """With no reason or a good one: 404. A reason the input refuses is refused before any
    peer is looked for, so it reads the same (422) for every id."""
    from peerarmy.accounts.services import create_token
    from peerarmy.api.tests.conftest import ApiClient

    raw = create_token(business=other_business, actor=other_staff).value.raw
    other_api = ApiClient(client, raw)
    applicant = ApplicantFactory(business=business)
    for body, status in (
        ({}, 404),
        ({"reason": "Too far."}, 404),
        ({"reason": ""}, 422),
        ({"reason": "x" * 1001}, 422),
    ):
        theirs = other_api.post(f"/api/v1/peers/{applicant.pk}/reject", body)
        never = other_api.post("/api/v1/peers/999999999/reject", body)
        assert theirs.status_code == never.status_code == status, body
        assert theirs.json() == never.json(), body
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT


def test_both_paths_speak_italian_to_an_italian(staff_api, staff_client, business):
    applicant = ApplicantFactory(business=business)
    staff_api.language = "it"
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"

    on_api = staff_api.post(f"/api/v1/peers/{applicant.pk}/reject", {"reason": " "})
    on_page = staff_client.post(f"/bicigialla/manage/peers/{applicant.pk}/reject/", {"reason": ""})

    assert_same_errors(on_api, on_page, form="reject_form", expected={"reason"})
    assert (
        on_api.json()["errors"][0]["message"]
        == "Indica il motivo da comunicare a chi si è candidato."
    )


# --- the profile: the application form and the profile page -------------------------------------

GOOD_PROFILE = {
    "display_name": "Giulia",
    "bio": "I ride every day.",
    "languages": ["it", "en"],
    "level_it": "native",
    "level_en": "conversational",
    "skills": ["repair"],
    "home_address": "Via del Pratello 10, Bologna",
    "latitude": "44.4951",
    "longitude": "11.3334",
    "travel_radius_km": "15",
    "showcase_links_0": "https://example.org/my-rides",
}

BAD_PROFILES = [
    ({"display_name": "x" * 81}, {"display_name"}),
    ({"bio": "x" * 1001}, {"bio"}),
    ({"home_address": "x" * 201}, {"home_address"}),
    ({"languages": []}, {"languages"}),
    ({"languages": ["it", "xx"]}, {"languages"}),
    ({"level_en": "superb"}, {"languages"}),
    ({"skills": ["juggling"]}, {"skills"}),
    ({"latitude": ""}, {"latitude"}),
    ({"latitude": "", "longitude": "", "home_address": ""}, {"home_address"}),
    ({"travel_radius_km": "501"}, {"travel_radius_km"}),
    ({"travel_radius_km": "2.5"}, {"travel_radius_km"}),
    ({"showcase_links_0": "ftp://example.org"}, {"showcase_links"}),
    (
        {"display_name": "", "bio": "x" * 1001, "travel_radius_km": "0", "longitude": "200"},
        {"display_name", "bio", "travel_radius_km", "longitude"},
    ),
]


@pytest.mark.parametrize(("bad", "fields"), BAD_PROFILES)
def test_the_application_and_the_profile_refuse_a_profile_alike(english, business, bad, fields):
    SkillFactory(business=business, slug="repair")
    applicant, newcomer = ApplicantFactory(business=business), UserFactory()
    data = {**GOOD_PROFILE, **bad}

    english.force_login(newcomer)
    on_application = english.post("/bicigialla/me/apply/", data)
    english.force_login(applicant.user)
    on_profile = english.post("/bicigialla/me/profile/", data)

    assert form_errors(on_application) == form_errors(on_profile)
    assert set(form_errors(on_application)) == fields
    assert not Peer.objects.filter(user=newcomer).exists()
    applicant.refresh_from_db()
    assert applicant.display_name != "Giulia"
