"""The shop's settings and closures on the API: the same input as the console, the owner's
to change, named errors, and nothing of another business."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.accounts.services import create_token

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_api(client, business, owner):
    _token, raw = create_token(business=business, actor=owner).value
    return ApiClient(client, raw, language="en")


def test_the_owner_sets_hours_and_contact(owner_api, business):
    response = owner_api.patch(
        f"/api/v1/businesses/{business.slug}",
        {"hours_sat": "9-13", "phone": "+39 051 123456", "address": "Via Zamboni 1"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["opening_hours"] == {"sat": [["09:00", "13:00"]]}
    assert body["phone"] == "+39051123456"
    assert body["name"] == business.name  # what was not sent stays


def test_bad_hours_are_named_as_on_the_console(owner_api, business):
    response = owner_api.patch(f"/api/v1/businesses/{business.slug}", {"hours_mon": "19-9"})

    assert response.status_code == 422
    assert "hours_mon" in problem_fields(response)
    business.refresh_from_db()
    assert business.opening_hours == {}


def test_staff_read_but_only_the_owner_changes(api, business):
    assert api.get(f"/api/v1/businesses/{business.slug}").status_code == 200
    refused = api.patch(f"/api/v1/businesses/{business.slug}", {"name": "Taken over"})
    assert refused.status_code == 403
    business.refresh_from_db()
    assert business.name != "Taken over"


def test_closures_on_the_api(owner_api, business, other_business):
    today = timezone.localdate()
    created = owner_api.post(
        f"/api/v1/businesses/{business.slug}/closures",
        {"first": str(today), "last": str(today + timedelta(days=2)), "note": "Inventario"},
    )
    assert created.status_code == 201, created.content
    listed = owner_api.get(f"/api/v1/businesses/{business.slug}/closures").json()
    assert [c["note"] for c in listed] == ["Inventario"]

    past = owner_api.post(
        f"/api/v1/businesses/{business.slug}/closures",
        {"first": str(today - timedelta(days=5)), "last": str(today - timedelta(days=1))},
    )
    assert past.status_code == 422 and "last" in problem_fields(past)
    elsewhere = owner_api.get(f"/api/v1/businesses/{other_business.slug}/closures")
    assert elsewhere.status_code == 404
    gone = owner_api.delete(f"/api/v1/businesses/{business.slug}/closures/{created.json()['id']}")
    assert gone.status_code == 204
