"""`peerarmy superfans score|top`: what an operator sees on the console."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from peerarmy.superfans.models import SuperfanScore
from peerarmy.tenancy.tests.factories import CustomerFactory

from .factories import NpsResponseFactory, OrderFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("superfans", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def customers(business):
    marta = CustomerFactory(
        business=business,
        email="marta@example.org",
        first_name="Marta",
        last_name="Bianchi",
        accepts_marketing=True,
    )
    for n in range(5):
        OrderFactory(
            customer=marta,
            placed_at=timezone.now() - timedelta(days=20 + n),
            total_minor=10_050,
            line_count=3,
        )
    NpsResponseFactory(customer=marta, score=10)
    ReferralFactory(customer=marta)
    for n in range(9):
        OrderFactory(customer=CustomerFactory(business=business, email=f"c{n}@example.org"))
    return marta


def test_score_prints_how_many_and_how_long(business, customers):
    out, _err = run("score", "--business", "bicigialla")

    assert "10" in out and "bicigialla" in out
    assert SuperfanScore.objects.filter(business=business).count() == 10


def test_score_summary_as_json(customers):
    out, _err = run("score", "--business", "bicigialla", "--json")
    body = json.loads(out)
    assert body["customers"] == 10
    assert body["seconds"] >= 0


def test_top_json_lists_the_best_customers_with_their_reasons(business, customers):
    business.default_language = "en"
    business.save()
    run("score", "--business", "bicigialla")

    out, _err = run("top", "--business", "bicigialla", "-n", "3", "--json")

    items = json.loads(out)
    assert len(items) == 3
    first = items[0]
    assert first["email"] == "marta@example.org"
    assert first["name"] == "Marta Bianchi"
    assert first["orders"] == 5  # distinct orders, not their 15 lines
    assert first["spend_minor"] == 50_250
    assert isinstance(first["spend_minor"], int)
    assert first["score"] == round(first["score"], 1)
    assert 0 <= items[-1]["score"] <= first["score"] <= 100
    assert first["explanation"].startswith("Top 10% spend, 5 orders, last one 2 weeks ago")
    assert "1 friend referred, NPS 10" in first["explanation"]
    assert [c["key"] for c in first["components"]][:3] == ["recency", "frequency", "monetary"]


def test_top_explains_in_the_businesss_language(business, customers):
    business.default_language = "it"
    business.save()
    out, _err = run("top", "--business", "bicigialla", "-n", "1", "--json")
    assert "5 ordini" in json.loads(out)[0]["explanation"]


def test_top_scores_first_when_nothing_is_scored_yet(customers):
    out, err = run("top", "--business", "bicigialla", "-n", "2")
    assert "scoring" in err.lower() or "punteggi" in err.lower()
    lines = out.strip().splitlines()
    assert len(lines) == 3  # header and two customers
    assert "marta@example.org" in lines[1]


def test_top_by_segment(customers):
    out, _err = run("top", "--business", "bicigialla", "--segment", "promoters", "--json")
    assert [item["email"] for item in json.loads(out)] == ["marta@example.org"]


def test_an_unknown_business_is_an_error(db):
    with pytest.raises(CommandError, match="nowhere"):
        run("score", "--business", "nowhere")


def test_n_must_be_positive(customers):
    with pytest.raises(CommandError):
        run("top", "--business", "bicigialla", "-n", "0")
