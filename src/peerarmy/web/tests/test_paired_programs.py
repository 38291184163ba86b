"""A program is created and edited through one input on the console and the API: the same bad
input is refused on both, naming the same fields with the same words, and nothing is saved."""

import pytest
from django.conf import settings

from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.tenancy.tests.factories import ProgramFactory, SkillFactory
from peerarmy.web.tests.paired import assert_same_errors

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": "guides",
    "title_it": "Guide in bici",
    "title_en": "Bike guides",
    "summary_it": "Porta i turisti sotto i portici",
    "summary_en": "Take visitors under the porticoes",
    "min_reliability": 60,
}

BAD = [
    ({"title_it": "x" * 121}, {"title_it"}),
    ({"title_en": ""}, {"title_en"}),
    ({"summary_en": "y" * 281}, {"summary_en"}),
    ({"kind": "pyramid"}, {"kind"}),
    ({"min_reliability": 101}, {"min_reliability"}),
    ({"min_reliability": "high"}, {"min_reliability"}),
    (
        {"min_reliability": -1, "title_en": "", "slug": "s" * 61},
        {"min_reliability", "title_en", "slug"},
    ),
    ({"required_languages": ["klingon"]}, {"required_languages"}),
    ({"required_skills": ["no-such-skill"]}, {"required_skills"}),
    ({"slug": "taken"}, {"slug"}),
    ({"slug": "Taken"}, {"slug"}),  # the same address, as the web writes it
    ({"slug": "!!!"}, {"slug"}),
    ({"description_it": "a\x00b"}, {"description_it"}),
]


def as_form(body):
    """What a browser sends for a body: lists as repeated fields, numbers as text."""
    return {k: v if isinstance(v, list) else str(v) for k, v in body.items()}


@pytest.mark.parametrize(("bad", "fields"), BAD)
def test_a_new_program_is_refused_alike_on_both_paths(staff_api, staff_en, business, bad, fields):
    SkillFactory(business=business, slug="repair")
    ProgramFactory(business=business, slug="taken")
    body = {**GOOD, **bad}

    on_api = staff_api.post("/api/v1/programs/", body)
    on_page = staff_en.post("/bicigialla/manage/programs/new/", as_form(body))

    assert_same_errors(on_api, on_page, expected=fields)
    assert Program.objects.filter(business=business).count() == 1


@pytest.mark.parametrize(("bad", "fields"), BAD)
def test_an_edit_is_refused_alike_on_both_paths(staff_api, staff_en, business, bad, fields):
    SkillFactory(business=business, slug="repair")
    ProgramFactory(business=business, slug="taken")
    program = ProgramFactory(business=business, status=ProgramStatus.DRAFT, **GOOD)
    body = {**GOOD, **bad}

    on_api = staff_api.patch(f"/api/v1/programs/{program.pk}", body)
    on_page = staff_en.post(f"/bicigialla/manage/programs/{program.pk}/", as_form(body))

    assert_same_errors(on_api, on_page, expected=fields)
    program.refresh_from_db()
    assert (program.title_en, program.min_reliability) == ("Bike guides", 60)


def test_both_paths_speak_italian_to_an_italian(staff_api, staff_client, business):
    staff_api.language = "it"
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = {**GOOD, "title_en": "", "min_reliability": 101}

    on_api = staff_api.post("/api/v1/programs/", body)
    on_page = staff_client.post("/bicigialla/manage/programs/new/", as_form(body))

    assert_same_errors(on_api, on_page, expected={"title_en", "min_reliability"})
    assert on_api.json()["errors"][0]["message"] in (
        "Il titolo è obbligatorio in entrambe le lingue.",
        "Inserisci un valore di al massimo 100.",
    )


def test_an_emptied_box_on_an_edit_is_refused_like_a_null(staff_api, staff_en, business):
    program = ProgramFactory(business=business, status=ProgramStatus.DRAFT, **GOOD)

    on_api = staff_api.patch(f"/api/v1/programs/{program.pk}", {"min_reliability": None})
    on_page = staff_en.post(
        f"/bicigialla/manage/programs/{program.pk}/", as_form({**GOOD, "min_reliability": ""})
    )

    assert_same_errors(on_api, on_page, expected={"min_reliability"})
    assert on_api.json()["errors"][0]["message"] == "This field is required."
    program.refresh_from_db()
    assert program.min_reliability == 60


def test_titles_that_make_no_address_are_refused_alike_on_create(staff_api, staff_en, business):
    body = {**GOOD, "title_it": "???", "title_en": "!!!"}

    on_api = staff_api.post("/api/v1/programs/", body)
    on_page = staff_en.post("/bicigialla/manage/programs/new/", as_form(body))

    assert_same_errors(on_api, on_page, expected={"slug"})
    assert on_api.json()["errors"][0]["message"] == "Enter a valid address."
    assert not Program.objects.filter(business=business).exists()


def test_an_address_typed_in_words_is_saved_alike_on_both_paths(staff_api, staff_en, business):
    on_api = staff_api.post("/api/v1/programs/", {**GOOD, "slug": "Bike Guides"})
    on_page = staff_en.post(
        "/bicigialla/manage/programs/new/", as_form({**GOOD, "slug": "Night Rides"})
    )

    assert on_api.status_code == 201 and on_page.status_code == 302
    assert on_api.json()["slug"] == "bike-guides"
    assert set(Program.objects.values_list("slug", flat=True)) == {"bike-guides", "night-rides"}


def test_an_edit_with_titles_that_make_no_address_keeps_it_alike(staff_api, staff_en, business):
    program = ProgramFactory(business=business, status=ProgramStatus.DRAFT, slug="bg", **GOOD)
    body = {**GOOD, "title_it": "???", "title_en": "!!!"}

    on_api = staff_api.patch(f"/api/v1/programs/{program.pk}", body)
    on_page = staff_en.post(f"/bicigialla/manage/programs/{program.pk}/", as_form(body))

    assert on_api.status_code == 200 and on_page.status_code == 302
    program.refresh_from_db()
    assert (program.slug, program.title_en) == ("bg", "!!!")
