"""A token sees its own business only: another business's objects do not exist for it."""

import pytest

from peerarmy.programs.models import ProgramStatus
from peerarmy.scheduling.inputs import SwapOfferInput
from peerarmy.scheduling.models import BlockTemplate
from peerarmy.scheduling.services import claim_block
from peerarmy.scheduling.swaps import offer_swap
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import ApplicantFactory, PeerFactory, ProgramFactory

from .conftest import problem_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_business):
    """Lecce B&B's data, which Bici Gialla's token must never reach."""
    return {
        "program": ProgramFactory(
            business=other_business, status=ProgramStatus.DRAFT, title_en="Lecce secret tour"
        ),
        "peer": PeerFactory(business=other_business, display_name="Lecce Secret Peer"),
        "applicant": ApplicantFactory(business=other_business, display_name="Lecce Applicant"),
    }


def test_the_businesses_list_holds_only_the_tokens_business(api, business, other_business):
    body = api.get("/api/v1/businesses/").json()

    assert body["count"] == 1
    assert [b["slug"] for b in body["results"]] == ["bicigialla"]
    assert body["results"][0] == {
        "slug": "bicigialla",
        "name": "Bici Gialla",
        "city": business.city,
        "default_language": business.default_language,
        "timezone": "Europe/Rome",
        "currency": "EUR",
        "tagline_it": business.tagline_it,
        "tagline_en": business.tagline_en,
        "about_it": "",
        "about_en": "",
        "brand_color": business.brand_color,
        "contact_email": business.contact_email,
        "phone": "",
        "address": "",
        "opening_hours": {},
        "logo_url": "",
        "cover_url": "",
    }


def test_another_business_is_not_found_even_though_it_exists(api, other_business):
    own = api.get("/api/v1/businesses/bicigialla")
    other = api.get(f"/api/v1/businesses/{other_business.slug}")
    missing = api.get("/api/v1/businesses/nowhere")

    assert own.status_code == 200
    assert own.json()["name"] == "Bici Gialla"
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert problem_fields(other) == []


def test_another_businesss_ids_answer_exactly_like_missing_ones(api, theirs, program):
    program_id, peer_id = theirs["program"].pk, theirs["applicant"].pk
    missing = 10**9
    attempts = [
        ("get", f"/api/v1/programs/{program_id}", None),
        ("patch", f"/api/v1/programs/{program_id}", {"title_en": "Mine now"}),
        ("delete", f"/api/v1/programs/{program_id}", None),
        ("post", f"/api/v1/programs/{program_id}/publish", None),
        ("post", f"/api/v1/programs/{program_id}/close", None),
        ("get", f"/api/v1/peers/{peer_id}", None),
        ("post", f"/api/v1/peers/{peer_id}/approve", None),
        ("post", f"/api/v1/peers/{peer_id}/reject", {"reason": "No"}),
        ("post", f"/api/v1/peers/{peer_id}/reject", {}),
    ]
    for method, url, body in attempts:
        args = (body,) if body is not None else ()
        theirs_response = getattr(api, method)(url, *args)
        missing_response = getattr(api, method)(
            url.replace(f"/{program_id}", f"/{missing}").replace(f"/{peer_id}", f"/{missing}"),
            *args,
        )
        assert theirs_response.status_code == 404, (method, url)
        assert theirs_response.json() == missing_response.json(), (method, url)

    # and nothing of theirs changed
    theirs["program"].refresh_from_db()
    theirs["applicant"].refresh_from_db()
    assert theirs["program"].title_en == "Lecce secret tour"
    assert theirs["program"].status == ProgramStatus.DRAFT
    assert theirs["applicant"].status == "applicant"


def test_no_list_ever_shows_another_businesss_data(api, theirs, business, program, peer):
    lists = {
        "/api/v1/businesses/": [{}, {"limit": 200}],
        "/api/v1/programs/": [{}, {"status": "draft"}, {"kind": "delivery"}, {"limit": 200}],
        "/api/v1/peers/": [{}, {"status": "applicant"}, {"q": "Lecce"}, {"language": "it"}],
    }
    for url, variants in lists.items():
        for params in variants:
            response = api.get(url, params)
            assert response.status_code == 200
            assert b"Lecce" not in response.content, url
    peers = api.get("/api/v1/peers/", {"q": "Lecce"}).json()
    assert peers["count"] == 0
    assert {p["id"] for p in api.get("/api/v1/peers/").json()["results"]} == {peer.pk}
    assert {p["id"] for p in api.get("/api/v1/programs/").json()["results"]} == {program.pk}


def test_a_token_of_the_other_business_sees_only_its_own(other_api, theirs, program):
    assert other_api.get(f"/api/v1/programs/{program.pk}").status_code == 404
    own = other_api.get("/api/v1/programs/").json()
    assert [p["id"] for p in own["results"]] == [theirs["program"].pk]


@pytest.fixture
def their_schedule(other_business, theirs):
    """Lecce B&B's blocks, claims, template and swap offer."""
    program = ProgramFactory(business=other_business, title_en="Lecce rounds")
    block = BlockFactory(program=program, place_name="Lecce secret place")
    claim = claim_block(theirs["peer"], block.pk).value
    friend = PeerFactory(business=other_business, display_name="Lecce Friend")
    template = BlockTemplate.objects.create(
        business=other_business,
        program=program,
        rrule="FREQ=WEEKLY;COUNT=2",
        dtstart_local="2031-03-01T10:00:00",
        timezone="Europe/Rome",
        duration_minutes=60,
        place_name="Lecce template place",
    )
    return {
        "program": program,
        "block": block,
        "claim": claim,
        "template": template,
        "offer": offer_swap(theirs["peer"], claim, SwapOfferInput(peer_id=friend.pk)).value,
    }


def test_another_businesss_schedule_answers_exactly_like_missing_ids(api, their_schedule):
    ids = {
        "block": their_schedule["block"].pk,
        "claim": their_schedule["claim"].pk,
        "template": their_schedule["template"].pk,
        "program": their_schedule["program"].pk,
    }
    missing = 10**9
    attempts = [
        ("get", "/api/v1/blocks/{block}", None),
        ("patch", "/api/v1/blocks/{block}", {"capacity": 9}),
        ("post", "/api/v1/blocks/{block}/cancel", {"reason": "Mine"}),
        ("post", "/api/v1/blocks/claims/{claim}/no-show", None),
        ("post", "/api/v1/blocks/claims/{claim}/complete", None),
        ("post", "/api/v1/blocks/claims/{claim}/release", None),
        ("get", "/api/v1/block-templates/{template}", None),
        ("patch", "/api/v1/block-templates/{template}", {"capacity": 9}),
        ("get", "/api/v1/programs/{program}/fairness-limits", None),
        (
            "post",
            "/api/v1/blocks/",
            {
                "program_id": ids["program"],
                "starts_at": "2031-07-01T10:00:00",
                "ends_at": "2031-07-01T11:00:00",
            },
        ),
    ]
    for method, pattern, body in attempts:
        args = (body,) if body is not None else ()
        theirs_response = getattr(api, method)(pattern.format(**ids), *args)
        missing_ids = dict.fromkeys(ids, missing)
        if body and "program_id" in body:
            args = ({**body, "program_id": missing},)
        missing_response = getattr(api, method)(pattern.format(**missing_ids), *args)
        assert theirs_response.status_code == 404, (method, pattern)
        assert theirs_response.json() == missing_response.json(), (method, pattern)

    their_schedule["block"].refresh_from_db()
    their_schedule["claim"].refresh_from_db()
    assert their_schedule["block"].capacity == 2
    assert their_schedule["block"].status == "open"
    assert their_schedule["claim"].status == "active"


def test_no_schedule_list_ever_shows_another_businesss_data(api, their_schedule, program):
    for url, params in [
        ("/api/v1/blocks/", {}),
        ("/api/v1/blocks/", {"program": their_schedule["program"].pk}),
        ("/api/v1/blocks/", {"template": their_schedule["template"].pk}),
        ("/api/v1/block-templates/", {}),
        ("/api/v1/blocks/export.csv", {}),  # this week and the next three
    ]:
        response = api.get(url, params)
        assert response.status_code == 200, url
        assert b"Lecce" not in response.content, url
    assert api.get("/api/v1/blocks/").json()["count"] == 0
