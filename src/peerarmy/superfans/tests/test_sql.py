"""Every raw statement of superfans/sql.py keeps to its business: run for business A with
business B's scores present, it neither reads nor changes B's rows."""

import pytest
from django.utils import timezone

from peerarmy.superfans import sql
from peerarmy.superfans.models import SuperfanScore
from peerarmy.tenancy.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def row(business, customer, score):
    now = timezone.now()
    if sql.connection.vendor != "postgresql":
        now = sql.connection.ops.adapt_datetimefield_value(now)
    return (business.pk, customer.pk, score, score, "[]", 1, 100, None, None, now)


def scores(business):
    return dict(SuperfanScore.objects.filter(business=business).values_list("customer", "score"))


@pytest.fixture
def theirs(other_business):
    """Business B, scored already."""
    customer = CustomerFactory(business=other_business)
    sql.write_score_rows(other_business, [row(other_business, customer, 80.0)])
    return customer


def test_a_first_run_writes_only_its_business(business, other_business, theirs):
    ours = CustomerFactory(business=business)

    sql.write_score_rows(business, [row(business, ours, 40.0)])

    assert scores(business) == {ours.pk: 40.0}
    assert scores(other_business) == {theirs.pk: 80.0}


def test_a_later_run_updates_only_its_business(business, other_business, theirs):
    ours = CustomerFactory(business=business)
    sql.write_score_rows(business, [row(business, ours, 40.0)])

    sql.write_score_rows(business, [row(business, ours, 55.0)])

    assert scores(business) == {ours.pk: 55.0}
    assert scores(other_business) == {theirs.pk: 80.0}


def test_a_later_run_never_updates_a_score_of_another_business(business, other_business, theirs):
    # A row of A's run naming B's customer (which a run never makes): B's score stays.
    ours = CustomerFactory(business=business)
    sql.write_score_rows(business, [row(business, ours, 40.0)])

    sql.write_score_rows(business, [row(business, ours, 41.0), row(business, theirs, 1.0)])

    assert scores(other_business) == {theirs.pk: 80.0}
    assert SuperfanScore.objects.get(customer=theirs).business_id == other_business.pk


def test_a_row_of_another_business_is_refused(business, other_business, theirs):
    with pytest.raises(ValueError, match="another business"):
        sql.write_score_rows(business, [row(other_business, theirs, 1.0)])

    assert scores(other_business) == {theirs.pk: 80.0}
    assert scores(business) == {}
