"""What the API promises and a client relies on: every error is problem+json, whatever made
it; the OpenAPI document names each schema once, so generated clients get the right types;
and the document is cheap to serve, since it needs no token."""

import inspect
import json
import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from peerarmy.api import api as api_module
from peerarmy.api.api import api

from .test_isolation import api_operations, api_url, kwarg_values, world  # noqa: F401

PROBLEM = "application/problem+json"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.mark.django_db
def test_every_api_error_is_problem_json_whatever_made_it(client, world):  # noqa: F811
    """Every path with every method, as the owner of the business: a method the address does
    not take, a body that is not JSON, an empty object. Each error is problem+json with its
    status and a stable code; nothing answers 500."""
    values = kwarg_values(world)
    paths = {path for path, _method, _op in api_operations()}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['staff_raw']}"}
    seen = defaultdict(int)
    for path in sorted(paths):
        url, _params = api_url(path, values, world)
        for method in METHODS:
            bodies = [None] if method in ("get", "delete") else ["{", "{}", '{"x": "\\ud800"}']
            for body in bodies:
                kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
                response = getattr(client, method)(url, **auth, **kwargs)
                where = f"{method.upper()} {url} {body!r}"
                assert response.status_code < 500, where
                if response.status_code >= 400:
                    assert response["Content-Type"].startswith(PROBLEM), where
                    problem = response.json()
                    assert problem["status"] == response.status_code, where
                    assert problem["code"] and problem["detail"], where
                    seen[response.status_code] += 1
    assert {400, 405, 422} <= set(seen), dict(seen)


@pytest.mark.django_db
def test_a_method_an_address_does_not_take_is_a_problem_with_allow(client, world):  # noqa: F811
    response = client.put("/api/v1/programs/", HTTP_AUTHORIZATION=f"Bearer {world['staff_raw']}")
    assert response.status_code == 405
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.django_db
def test_a_multipart_body_without_its_boundary_is_a_400(client, world):  # noqa: F811
    response = client.generic(
        "POST",
        "/api/v1/imports/",
        b"x",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {world['staff_raw']}",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    assert "multipart" in response.json()["detail"]


def _models_of(annotation, found):
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _models_of(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _models_of(arg, found)


def _schemas_of_api():
    """Every pydantic model the API's operations take or answer, nested ones included."""
    found = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _models_of(model, found)
                for response in operation.response_models.values():
                    _models_of(response, found)
    return found


def test_every_schema_of_the_openapi_document_has_a_name_of_its_own():
    """ninja names a component after its class: two classes of one name would both be
    documented as whichever came last, and generated clients would get the wrong types."""
    by_name = defaultdict(set)
    for model in _schemas_of_api():
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    # ninja's own wrappers of each operation's parameters are not components
    clashes = {
        name: sorted(places)
        for name, places in by_name.items()
        if len(places) > 1 and not name.endswith(("Params", "BodyParams", "QueryParams"))
    }
    assert clashes == {}


def test_the_document_names_as_many_schemas_as_the_code_has():
    document = api.get_openapi_schema()
    components = document["components"]["schemas"]
    assert len(components) >= 100
    assert all(isinstance(schema, dict) for schema in components.values())


@pytest.mark.django_db
def test_the_openapi_document_is_built_once_and_revalidated_by_etag(client, monkeypatch):
    api_module._documents.clear()
    built = []
    real = api.get_openapi_schema

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "get_openapi_schema", counting)
    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json")
    fresh = client.get("/api/v1/openapi.json", HTTP_IF_NONE_MATCH=first["ETag"])

    assert (first.status_code, again.status_code, fresh.status_code) == (200, 200, 304)
    assert len(built) == 1
    assert first.content == again.content
    document = json.loads(first.content)
    assert "/api/v1/programs/" in document["paths"]
    assert document["info"]["title"] == "peerarmy API"


def test_the_openapi_document_travels_gzipped_to_clients_that_take_it(client):
    import gzip

    plain = client.get("/api/v1/openapi.json")
    zipped = client.get("/api/v1/openapi.json", HTTP_ACCEPT_ENCODING="gzip, deflate")

    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 5
    assert zipped["ETag"] != plain["ETag"]
    again = client.get(
        "/api/v1/openapi.json", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]
    )
    assert again.status_code == 304
