"""Staff run their programs over the API: list, create, edit, publish, close, delete drafts."""

import pytest

from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.tenancy.tests.factories import ProgramFactory, SkillFactory

from .conftest import problem_fields

pytestmark = pytest.mark.django_db

PROGRAMS = "/api/v1/programs/"

NEW_PROGRAM = {
    "kind": "guides",
    "title_it": "Guide in bici",
    "title_en": "Bike guides",
    "summary_it": "Porta i turisti sotto i portici",
    "summary_en": "Take visitors under the porticoes",
    "description_it": "Giri di due ore.",
    "description_en": "Two-hour rides.",
    "required_skills": ["repair"],
    "required_languages": ["en", "de"],
    "min_reliability": 60,
}


def url(program, action=""):
    return f"{PROGRAMS}{program.pk}" + (f"/{action}" if action else "")


def test_staff_list_their_programs_filtered_by_status_and_kind(api, business):
    draft = ProgramFactory(business=business, kind="guides", status=ProgramStatus.DRAFT)
    live = ProgramFactory(business=business, kind="delivery", status=ProgramStatus.PUBLISHED)

    everything = api.get(PROGRAMS).json()
    drafts = api.get(PROGRAMS, {"status": "draft"}).json()
    deliveries = api.get(PROGRAMS, {"kind": "delivery"}).json()

    assert everything["count"] == 2
    assert {p["id"] for p in everything["results"]} == {draft.pk, live.pk}
    assert [p["id"] for p in drafts["results"]] == [draft.pk]
    assert [p["id"] for p in deliveries["results"]] == [live.pk]


@pytest.mark.parametrize("param", ["status", "kind"])
def test_an_unknown_filter_value_is_named_in_a_422(api, param):
    response = api.get(PROGRAMS, {param: "banana"})

    assert response.status_code == 422
    assert problem_fields(response) == [param]


def test_a_program_reads_with_both_languages_and_its_dates(api, business):
    repair = SkillFactory(business=business, slug="repair")
    program = ProgramFactory(business=business, required_languages=["it"])
    program.required_skills.set([repair])

    body = api.get(url(program)).json()

    assert body["id"] == program.pk
    assert body["title_it"] == program.title_it and body["title_en"] == program.title_en
    assert body["required_skills"] == ["repair"]
    assert body["required_languages"] == ["it"]
    assert body["status"] == "published"
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert body["closed_at"] is None
    assert set(body) == {
        "id",
        "kind",
        "slug",
        "status",
        "title_it",
        "title_en",
        "summary_it",
        "summary_en",
        "description_it",
        "description_en",
        "required_skills",
        "required_languages",
        "min_reliability",
        "required_verifications",
        "created_at",
        "updated_at",
        "published_at",
        "closed_at",
    }


def test_staff_create_a_draft_program(api, business):
    SkillFactory(business=business, slug="repair")

    response = api.post(PROGRAMS, NEW_PROGRAM)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["slug"] == "bike-guides"
    assert body["required_skills"] == ["repair"]
    assert body["min_reliability"] == 60
    program = Program.objects.get(pk=body["id"])
    assert program.business == business
    assert program.title_en == "Bike guides"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title_it": None}, "title_it"),
        ({"min_reliability": "plenty"}, "min_reliability"),
        ({"min_reliability": 101}, "min_reliability"),
        ({"kind": "banana"}, "kind"),
        ({"required_skills": "repair"}, "required_skills"),
        ({"required_skills": ["no-such-skill"]}, "required_skills"),
        ({"required_languages": ["xx"]}, "required_languages"),
        ({"title_en": "  "}, "title_en"),
        ({"surprise": 1}, "surprise"),
        ({"title_it": "Guide\x00"}, "title_it"),
        ({"required_languages": ["en"] * 21}, "required_languages"),
    ],
)
def test_a_bad_program_is_refused_naming_the_field(api, business, change, field):
    SkillFactory(business=business, slug="repair")
    body = {key: value for key, value in {**NEW_PROGRAM, **change}.items() if value is not None}

    response = api.post(PROGRAMS, body)

    assert response.status_code == 422
    assert problem_fields(response) == [field]
    assert not Program.objects.exists()


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(PROGRAMS, '{"kind": "guides",')

    assert response.status_code == 400
    problem_fields(response)
    assert response.json()["code"] == "invalid_json"


def test_a_json_body_that_is_not_an_object_is_a_422(api):
    response = api.post(PROGRAMS, "[1, 2]")

    assert response.status_code == 422
    problem_fields(response)


def test_a_taken_address_is_refused(api, business):
    ProgramFactory(business=business, slug="bike-guides")

    response = api.post(PROGRAMS, {**NEW_PROGRAM, "required_skills": []})

    assert response.status_code == 422
    assert problem_fields(response) == ["slug"]


def test_patch_changes_only_the_fields_sent(api, business):
    program = ProgramFactory(business=business, status=ProgramStatus.DRAFT, summary_en="Old")

    response = api.patch(url(program), {"title_en": "Night deliveries", "min_reliability": 30})

    assert response.status_code == 200
    program.refresh_from_db()
    assert program.title_en == "Night deliveries"
    assert program.min_reliability == 30
    assert program.summary_en == "Old"
    assert response.json()["title_en"] == "Night deliveries"


def test_patch_refuses_null_and_closed_programs(api, business):
    program = ProgramFactory(business=business)
    closed = ProgramFactory(business=business, status=ProgramStatus.CLOSED)

    nulled = api.patch(url(program), {"title_en": None})
    on_closed = api.patch(url(closed), {"title_en": "Again"})
    kind_change = api.patch(url(program), {"kind": "resale"})

    assert nulled.status_code == 422
    assert problem_fields(nulled) == ["title_en"]
    assert on_closed.status_code == 409
    assert problem_fields(on_closed) == []
    assert on_closed.json()["code"] == "invalid_transition"
    assert kind_change.status_code == 409
    assert problem_fields(kind_change) == ["kind"]


def test_a_draft_is_published_then_closed(api, business):
    program = ProgramFactory(business=business, status=ProgramStatus.DRAFT)

    published = api.post(url(program, "publish"))
    again = api.post(url(program, "publish"))
    closed = api.post(url(program, "close"))

    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    assert again.status_code == 409
    problem_fields(again)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"]
    program.refresh_from_db()
    assert program.status == ProgramStatus.CLOSED


def test_only_a_draft_can_be_deleted(api, business):
    draft = ProgramFactory(business=business, status=ProgramStatus.DRAFT)
    live = ProgramFactory(business=business, status=ProgramStatus.PUBLISHED)

    deleted = api.delete(url(draft))
    refused = api.delete(url(live))

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert not Program.objects.filter(pk=draft.pk).exists()
    assert refused.status_code == 409
    problem_fields(refused)
    assert refused.json()["code"] == "not_draft"
    assert Program.objects.filter(pk=live.pk).exists()
    assert api.get(url(draft)).status_code == 404


@pytest.mark.parametrize("bad_id", ["abc", "0", "-3", "1.5", "99999999999999999999999"])
def test_an_id_that_cannot_be_one_is_refused_without_a_500(api, bad_id):
    response = api.get(f"{PROGRAMS}{bad_id}")

    assert response.status_code in (404, 422)
    assert problem_fields(response) in ([], ["program_id"])
