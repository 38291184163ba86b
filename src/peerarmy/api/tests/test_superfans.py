"""The superfans API: run scoring, list the best customers with their reasons, read one
customer's score and timeline, segments, and the scoring settings."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerarmy.customers.models import FinancialStatus
from peerarmy.superfans.models import ScoringSettings
from peerarmy.superfans.selectors import scoring_settings
from peerarmy.superfans.services import score_business
from peerarmy.superfans.tests.factories import (
    MentionFactory,
    NpsResponseFactory,
    OrderFactory,
    ReferralFactory,
    ReviewFactory,
)
from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory

from .conftest import problem_fields

pytestmark = pytest.mark.django_db

URL = "/api/v1/superfans/"


def days_ago(n):
    return timezone.now() - timedelta(days=n)


@pytest.fixture
def shop(business):
    """Bici Gialla's customers: a superfan, a promoter who is already a peer, a one-timer."""
    giulia = CustomerFactory(
        business=business,
        email="giulia@example.org",
        first_name="Giulia",
        last_name="Rossi",
        accepts_marketing=True,
    )
    for n in range(6):
        OrderFactory(customer=giulia, placed_at=days_ago(7 + 30 * n), total_minor=12_000)
    OrderFactory(customer=giulia, total_minor=50_000, financial_status=FinancialStatus.REFUNDED)
    NpsResponseFactory(customer=giulia, score=10)
    ReviewFactory(customer=giulia, rating=5)
    ReferralFactory(customer=giulia)
    MentionFactory(customer=giulia)
    # Names fixed: a Faker name such as "Concetta" would match the search for "once".
    peer_customer = CustomerFactory(
        business=business, email="peer@example.org", first_name="Pietro", last_name="Bassi"
    )
    OrderFactory(customer=peer_customer)
    NpsResponseFactory(customer=peer_customer, score=9)
    PeerFactory(business=business, customer=peer_customer)
    once = CustomerFactory(
        business=business, email="once@example.org", first_name="Olga", last_name="Neri"
    )
    OrderFactory(customer=once, placed_at=days_ago(200), total_minor=2_000)
    return {"giulia": giulia, "peer": peer_customer, "once": once}


def test_scoring_runs_on_demand_and_reports_counts_and_time(api, shop):
    response = api.post(f"{URL}score")

    assert response.status_code == 200
    body = response.json()
    assert body["customers"] == 3
    assert body["seconds"] >= 0
    assert {"read_seconds", "core_seconds", "write_seconds", "superfans", "as_of"} <= set(body)


def test_the_list_is_ranked_and_explained(api, shop, business):
    score_business(business)

    body = api.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["count"] == 3
    first = body["results"][0]
    assert [item["email"] for item in body["results"]][0] == "giulia@example.org"
    assert first["customer_id"] == shop["giulia"].pk
    assert first["name"] == "Giulia Rossi"
    assert first["accepts_marketing"] is True
    assert first["orders"] == 6
    assert first["spend_minor"] == 72_000  # the refunded order does not count
    assert first["nps"] == 10
    assert "6 orders, last one 7 days ago" in first["explanation"]
    assert "NPS 10" in first["explanation"]
    assert [c["key"] for c in first["components"]] == [
        "recency",
        "frequency",
        "monetary",
        "nps",
        "reviews",
        "referrals",
        "mentions",
    ]
    assert sum(c["points"] for c in first["components"]) == pytest.approx(first["score"])
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_the_list_filters(api, shop, business):
    score_business(business)

    def emails(**params):
        return [item["email"] for item in api.get(URL, params).json()["results"]]

    assert emails(segment="promoters") == ["giulia@example.org"]  # the other is a peer
    assert emails(consent_only="true") == ["giulia@example.org"]
    assert emails(q="ONCE") == ["once@example.org"]
    assert "once@example.org" not in emails(min_score=50)


def test_the_list_costs_the_same_queries_for_more_customers(api, shop, business):
    score_business(business)
    api.get(URL)  # the token's first use of the day is recorded once
    with CaptureQueriesContext(connection) as few:
        api.get(URL)
    for _ in range(10):
        OrderFactory(customer=CustomerFactory(business=business))
    score_business(business)
    with CaptureQueriesContext(connection) as many:
        body = api.get(URL).json()
    assert body["count"] == 13
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"segment": "vips"}, "segment"),
        ({"min_score": 101}, "min_score"),
        ({"min_score": "high"}, "min_score"),
        ({"consent_only": "maybe"}, "consent_only"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 422
    assert problem_fields(response) == [field]


def test_one_customer_with_score_explanation_and_timeline(api, shop, business):
    score_business(business)
    giulia = shop["giulia"]

    response = api.get(f"{URL}{giulia.pk}", HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "giulia@example.org"
    assert "NPS 10" in body["explanation"]
    timeline = body["timeline"]
    assert len(timeline["orders"]) == 7
    placed = [order["placed_at"] for order in timeline["orders"]]
    assert placed == sorted(placed, reverse=True)
    refunded = [order for order in timeline["orders"] if order["financial_status"] == "refunded"]
    assert refunded[0]["counts"] is False
    assert refunded[0]["net_minor"] == 0
    assert [answer["score"] for answer in timeline["nps"]] == [10]
    assert len(timeline["reviews"]) == len(timeline["referrals"]) == len(timeline["mentions"]) == 1


def test_another_businesss_customer_is_not_found(api, other_api, shop, business, other_business):
    theirs = CustomerFactory(business=other_business)
    OrderFactory(customer=theirs)
    score_business(business)
    score_business(other_business)

    response = api.get(f"{URL}{theirs.pk}")
    missing = api.get(f"{URL}{10**9}")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    # and their list holds only their customer
    assert [item["customer_id"] for item in other_api.get(URL).json()["results"]] == [theirs.pk]


def test_segments_with_their_counts(api, shop, business):
    score_business(business)

    body = api.get(f"{URL}segments", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [segment["key"] for segment in body] == ["superfans", "promoters", "lapsed"]
    counts = {segment["key"]: segment["count"] for segment in body}
    assert counts["promoters"] == 1
    assert counts["lapsed"] == 0
    assert body[1]["label"] == "Promoters not yet in the army"


def test_settings_read_and_change(api, business):
    assert api.get(f"{URL}settings").json()["weight_monetary"] == 25
    # A read writes nothing: the defaults are stored by the first change.
    assert not ScoringSettings.objects.filter(business=business).exists()

    response = api.patch(f"{URL}settings", {"weight_mentions": 20, "lapsed_after_days": 180})

    assert response.status_code == 200
    assert response.json()["weight_mentions"] == 20
    assert response.json()["weight_monetary"] == 25
    assert scoring_settings(business).lapsed_after_days == 180


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weight_nps": 101}, "weight_nps"),
        ({"top_percent": 0}, "top_percent"),
        ({"lapsed_after_days": 10}, "lapsed_after_days"),
        ({"weight_nps": None}, "weight_nps"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(api, body, field):
    response = api.patch(f"{URL}settings", body)
    assert response.status_code == 422
    assert problem_fields(response) == [field]


def test_all_weights_at_zero_are_refused(api):
    zero = {
        f"weight_{key}": 0
        for key in ("recency", "frequency", "monetary", "nps", "reviews", "referrals", "mentions")
    }
    response = api.patch(f"{URL}settings", zero)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_without_a_token_nothing_is_answered(client):
    assert client.get(URL).status_code == 401
    assert client.post(f"{URL}score").status_code == 401
