"""The imports API: a shop's software uploads its nightly export and follows the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_token
from peerarmy.customers.models import ImportJob, ImportStatus

from .files import imported, line, shopify_order, shopify_orders

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports/"


def export():
    return shopify_orders(
        [
            (shopify_order("#1001", "giulia@example.org", "84.70"), [line(), line(), line()]),
            (shopify_order("#1002", "marco@example", "10.00"), [line()]),
        ]
    )


@pytest.fixture
def auth(business, staff):
    _token, raw = create_token(business=business, actor=staff, data=TokenInput(name="Shop")).value
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}


def upload(client, auth, data, **fields):
    body = {"kind": "orders", "file": SimpleUploadedFile("orders.csv", data, "text/csv")}
    body.update(fields)
    return client.post(IMPORTS, body, **auth)


def test_an_upload_answers_202_with_the_job_then_the_job_reports_its_counts(
    client, business, auth, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, auth, export())

    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["format"], job["filename"], job["status"]) == (
        "orders",
        "shopify",
        "orders.csv",
        "queued",
    )
    done = client.get(f"{IMPORTS}{job['id']}", **auth).json()
    assert done["status"] == "succeeded" and done["progress"] == 100
    assert {
        k: done[k] for k in ("rows", "records", "created", "updated", "unchanged", "errors")
    } == {
        "rows": 4,
        "records": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": 1,
    }

    errors = client.get(f"{IMPORTS}{job['id']}/errors", **auth).json()
    assert errors["count"] == 1
    assert errors["results"] == [
        {
            "line": 5,
            "column": "Email",
            "value": "marco@example",
            "message": "“marco@example” is not an e-mail address.",
        }
    ]
    csv_response = client.get(f"{IMPORTS}{job['id']}/errors.csv", **auth)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1] == "5;Email;marco@example;“marco@example” is not an e-mail address."


def test_the_list_of_imports_is_paginated(client, business, auth):
    for _ in range(3):
        imported(business, "orders", export())

    body = client.get(IMPORTS, {"limit": 2}, **auth).json()

    assert body["count"] == 3 and len(body["results"]) == 2


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"kind": "invoices"}, "kind", "validation_failed"),
        ({"format": "excel"}, "format", "validation_failed"),
        ({"file": SimpleUploadedFile("a.xlsx", b"PK\x03\x04 workbook")}, "file", "not_csv"),
        ({"kind": "nps"}, "file", "missing_columns"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(client, auth, fields, field, code):
    response = upload(client, auth, export(), **fields)

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    assert field in [e["field"] for e in body["errors"]]
    assert not ImportJob.objects.exists()


def test_a_missing_file_is_refused(client, auth):
    response = client.post(IMPORTS, {"kind": "orders"}, **auth)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_another_business_job_is_not_found(client, business, other_business, auth):
    theirs = imported(other_business, "orders", export()).job

    for suffix in ("", "/errors", "/errors.csv"):
        response = client.get(f"{IMPORTS}{theirs.pk}{suffix}", **auth)
        assert response.status_code == 404, suffix
    assert client.get(IMPORTS, **auth).json()["count"] == 0


def test_without_a_token_nothing_is_answered(client, business):
    job = imported(business, "orders", export()).job

    assert client.get(f"{IMPORTS}{job.pk}").status_code == 401
    response = client.post(
        IMPORTS, {"kind": "orders", "file": SimpleUploadedFile("o.csv", export())}
    )
    assert response.status_code == 401
    assert ImportJob.objects.filter(status=ImportStatus.QUEUED).count() == 0
