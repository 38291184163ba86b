"""What every endpoint shares: pagination, problem+json errors, and self-hosted docs."""

import re

import pytest

from peerarmy.tenancy.tests.factories import ProgramFactory

from .conftest import problem_fields

pytestmark = pytest.mark.django_db

PROGRAMS = "/api/v1/programs/"


def test_lists_are_paginated_with_count_next_and_previous(api, business):
    for _ in range(5):
        ProgramFactory(business=business)

    first = api.get(PROGRAMS, {"limit": 2}).json()
    middle = api.get(PROGRAMS, {"limit": 2, "offset": 2, "kind": "delivery"}).json()
    last = api.get(PROGRAMS, {"limit": 2, "offset": 4}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/programs/?limit=2&offset=2"
    # the filters travel with the page links
    base = "http://testserver/api/v1/programs/"
    assert middle["previous"] == f"{base}?limit=2&offset=0&kind=delivery"
    assert middle["next"] == f"{base}?limit=2&offset=4&kind=delivery"
    assert len(last["results"]) == 1
    assert last["next"] is None
    seen = [p["id"] for page in (first, middle, last) for p in page["results"]]
    assert len(set(seen)) == 5


def test_the_default_page_is_fifty(api, business):
    for _ in range(51):
        ProgramFactory(business=business)

    body = api.get(PROGRAMS).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 50
    assert body["next"].endswith("?limit=50&offset=50")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**19}, "offset"),
    ],
)
def test_page_bounds_are_enforced_naming_the_parameter(api, params, field):
    for url in ("/api/v1/businesses/", PROGRAMS, "/api/v1/peers/"):
        response = api.get(url, params)
        assert response.status_code == 422
        assert problem_fields(response) == [field]


def test_the_largest_page_is_allowed(api):
    assert api.get(PROGRAMS, {"limit": 200}).status_code == 200


def test_a_validation_problem_reads_like_rfc_9457(api):
    body = api.post(PROGRAMS, {"kind": "guides"}, HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["type"] == "https://peerarmy.dev/problems/validation_failed"
    assert body["title"] == "Invalid input"
    assert body["status"] == 422
    assert body["code"] == "validation_failed"
    assert {e["field"] for e in body["errors"]} == {"title_it", "title_en"}
    assert all(e["message"] == "This field is required." for e in body["errors"])


def test_problems_speak_the_language_the_client_asks_for(api):
    italian = api.post(PROGRAMS, {"kind": "guides"}, HTTP_ACCEPT_LANGUAGE="it")
    english = api.post(PROGRAMS, {"kind": "guides"}, HTTP_ACCEPT_LANGUAGE="en")

    assert italian["Content-Language"] == "it"
    assert italian.json()["errors"][0]["message"] == "Questo campo è obbligatorio."
    assert english.json()["errors"][0]["message"] == "This field is required."


def test_an_oversized_body_is_refused_as_too_large(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api.post(PROGRAMS, {"kind": "guides", "title_it": "x" * 2000, "title_en": "x"})

    assert response.status_code == 413
    assert problem_fields(response) == []
    assert response.json()["code"] == "payload_too_large"


def test_unknown_methods_are_refused_by_django(api, program):
    response = api.client.put(
        f"{PROGRAMS}{program.pk}",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.raw}",
    )
    assert response.status_code == 405


def test_a_bug_answers_a_generic_500_without_a_traceback(api, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals in /srv/peerarmy/x.py")

    monkeypatch.setattr("peerarmy.api.programs.selectors.programs_for_business", broken)
    client.raise_request_exception = False

    response = api.get(PROGRAMS)

    assert response.status_code == 500
    assert problem_fields(response) == []
    assert response.json()["code"] == "server_error"
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_the_docs_are_served_from_this_installation(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"cdn|jsdelivr|unpkg|googleapis", html, re.IGNORECASE)
    assert '"validatorUrl": null' in html


def test_the_openapi_document_is_public_and_names_the_bearer_scheme(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["description"]
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    publish = schema["paths"]["/api/v1/programs/{program_id}/publish"]["post"]
    assert "application/problem+json" in publish["responses"]["404"]["content"]


@pytest.mark.django_db
def test_an_unknown_api_address_answers_problem_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
