"""Every raw statement of customers/sql.py keeps to its business: run for business A with
business B's rows present, it neither reads nor changes B's rows."""

from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from peerarmy.customers import sql
from peerarmy.customers.models import Customer, Order
from peerarmy.customers.services import CUSTOMER_COLUMNS, IMPORTED_COLUMNS, ORDER_FIELDS
from peerarmy.tenancy.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def customer_row(business, email, first_name):
    now = timezone.now()
    values = [business.pk, email, "generic", now, now, first_name, "", "", "", "", "", ""]
    return (*values, False, "it")


def test_the_customers_upsert_updates_only_its_business(business, other_business):
    CustomerFactory(business=other_business, email="giulia@example.org", first_name="Theirs")
    CustomerFactory(business=business, email="giulia@example.org", first_name="Old")

    with transaction.atomic():
        sql.upsert(
            business,
            Customer,
            CUSTOMER_COLUMNS,
            [
                customer_row(business, "giulia@example.org", "New"),
                customer_row(business, "marco@example.org", "Marco"),
            ],
            ["business", "email"],
            ["first_name", "updated_at"],
        )

    ours = dict(Customer.objects.filter(business=business).values_list("email", "first_name"))
    theirs = list(Customer.objects.filter(business=other_business).values_list("first_name"))
    assert ours == {"giulia@example.org": "New", "marco@example.org": "Marco"}
    assert theirs == [("Theirs",)]


def test_the_insert_only_upsert_leaves_the_other_business_alone(business, other_business):
    CustomerFactory(business=other_business, email="giulia@example.org", first_name="Theirs")

    with transaction.atomic():
        sql.upsert(
            business,
            Customer,
            CUSTOMER_COLUMNS,
            [customer_row(business, "giulia@example.org", "Ours")],
            ["business", "email"],
            None,
        )

    assert Customer.objects.get(business=business).first_name == "Ours"
    assert Customer.objects.get(business=other_business).first_name == "Theirs"


def test_the_upsert_refuses_a_row_of_another_business(business, other_business):
    with pytest.raises(ValueError, match="another business"), transaction.atomic():
        sql.upsert(
            business,
            Customer,
            CUSTOMER_COLUMNS,
            [customer_row(other_business, "giulia@example.org", "Sneaky")],
            ["business", "email"],
            ["first_name"],
        )

    assert not Customer.objects.exists()


def test_the_orders_upsert_keeps_to_its_business(business, other_business):
    now = timezone.now()
    theirs = Order.objects.create(
        business=other_business, source="shopify", external_id="#1001", email="a@example.org",
        placed_at=now, currency="EUR", total_minor=500,
    )  # fmt: skip
    items = [{"name": "Casco", "sku": "CS-URB", "quantity": 1, "price_minor": 9999}]
    values = (None, "a@example.org", now, "EUR", 9999, 0, "paid", None, 1, items)

    with transaction.atomic():
        sql.upsert(
            business,
            Order,
            [*IMPORTED_COLUMNS, *ORDER_FIELDS],
            [(business.pk, "shopify", "#1001", now, *values)],
            ["business", "source", "external_id"],
            ["imported_at", *ORDER_FIELDS],
        )

    theirs.refresh_from_db()
    assert (theirs.total_minor, theirs.items) == (500, [])
    ours = Order.objects.get(business=business)
    assert (ours.total_minor, ours.items) == (9999, items)


@pytest.mark.parametrize("scan_above", [sql.SCAN_ABOVE, 0], ids=["by keys", "by scan"])
def test_the_bulk_read_sees_only_its_business(business, other_business, scan_above):
    CustomerFactory(business=other_business, email="giulia@example.org")
    CustomerFactory(business=other_business, email="marco@example.org")
    ours = CustomerFactory(business=business, email="giulia@example.org")

    with mock.patch.object(sql, "SCAN_ABOVE", scan_above):
        found = sql.existing(
            business, Customer, "email", ["giulia@example.org", "marco@example.org"], ["id"]
        )

    assert found == {"giulia@example.org": (ours.pk,)}
