"""The API's own middleware reads the bearer token: a live token runs the request inside its
business's scope (and language); anything else leaves the request with no business at all."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import get_scope

from peerarmy.api.middleware import ApiTokenMiddleware
from peerarmy.tenancy.middleware import TenantMiddleware

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def _seen(path, header=""):
    """What a view behind the tenant and API middleware sees: (business, token, scope)."""
    seen = {}

    def view(request):
        seen.update(
            business=request.business,
            token=getattr(request, "api_token", None),
            scope=dict(get_scope()),
        )
        return HttpResponse()

    request = RequestFactory().get(path, HTTP_AUTHORIZATION=header)
    TenantMiddleware(ApiTokenMiddleware(view))(request)
    return seen


def test_a_live_token_scopes_the_request_to_its_business(business, raw_token):
    seen = _seen("/api/v1/programs/", f"Bearer {raw_token}")

    assert seen["business"] == business
    assert seen["token"].business == business
    assert seen["scope"] == {"_enabled": True, "business": business}


@pytest.mark.parametrize("header", ["", "Bearer pa_unknown", "Basic eDp5"])
def test_without_a_live_token_an_api_request_has_no_business(business, header):
    seen = _seen("/api/v1/programs/", header)

    assert seen["business"] is None and seen["token"] is None
    # an empty scope: any query on a business's data would raise instead of leaking
    assert seen["scope"] == {"_enabled": True}


def test_a_token_means_nothing_outside_the_api(business, raw_token, other_business):
    seen = _seen(f"/{other_business.slug}/", f"Bearer {raw_token}")

    assert seen["business"] == other_business
    assert seen["token"] is None


def test_an_api_answer_falls_back_to_the_language_of_the_token_s_business(
    client, business, raw_token
):
    business.default_language = "it"
    business.save()

    answer = ApiClient(client, raw_token).get("/api/v1/businesses/")
    refused = ApiClient(client, "pa_unknown").get("/api/v1/businesses/")

    assert answer.status_code == 200 and answer["Content-Language"] == "it"
    assert refused.status_code == 401 and refused["Content-Language"] == "en"
    assert refused["Content-Type"].startswith("application/problem+json")


def test_the_business_endpoints_show_only_the_token_s_business(api, business, other_business):
    listed = api.get("/api/v1/businesses/").json()

    assert [b["slug"] for b in listed["results"]] == [business.slug]
    assert listed["count"] == 1
    assert api.get(f"/api/v1/businesses/{business.slug}").json()["name"] == business.name
    other = api.get(f"/api/v1/businesses/{other_business.slug}")
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"
