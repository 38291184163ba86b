"""Importing orders: Shopify writes one row per line item, WooCommerce one row per order (or
per item), spreadsheets whatever the shop keeps. An order counts once, whatever its lines."""

from datetime import UTC, datetime

import pytest

from peerarmy.customers.models import Customer, FinancialStatus, Order
from peerarmy.tenancy.tests.factories import CustomerFactory

from .files import csv_bytes, imported, italian_excel, line, shopify_order, shopify_orders

pytestmark = pytest.mark.django_db


def orders(business):
    return {o.external_id: o for o in Order.objects.filter(business=business)}


def test_a_shopify_order_of_three_lines_is_one_order_with_its_total(business):
    giulia = CustomerFactory(business=business, email="giulia@example.org")
    data = shopify_orders(
        [
            (
                shopify_order("#1001", "giulia@example.org", "84.70"),
                [line("Camera d'aria 28\"", "6.90"), line("Catena 11v", "29.90"), line()],
            ),
            (shopify_order("#1002", "giulia@example.org", "45.00"), [line("Tagliando")]),
        ]
    )

    result = imported(business, "orders", data)

    assert (result.format, result.rows, result.records, result.created) == ("shopify", 4, 2, 2)
    stored = orders(business)
    first = stored["5000000001001"]
    assert (first.total_minor, first.line_count, first.currency) == (8470, 3, "EUR")
    assert first.customer == giulia
    assert first.placed_at == datetime(2024, 1, 15, 9, 23, 45, tzinfo=UTC)
    assert first.financial_status == FinancialStatus.PAID and first.counts
    assert stored["5000000001002"].line_count == 1


def test_shopify_statuses_refunds_and_cancellations(business):
    data = shopify_orders(
        [
            (
                shopify_order(
                    "#2001",
                    "a@example.org",
                    "100.00",
                    **{"Financial Status": "partially_refunded", "Refunded Amount": "30.00"},
                ),
                [line(), line()],
            ),
            (
                shopify_order(
                    "#2002",
                    "a@example.org",
                    "50.00",
                    **{"Financial Status": "refunded", "Refunded Amount": "50.00"},
                ),
                [line()],
            ),  # fmt: skip
            (
                shopify_order(
                    "#2003",
                    "a@example.org",
                    "20.00",
                    **{"Financial Status": "voided", "Cancelled at": "2024-01-16 09:00:00 +0100"},
                ),
                [line()],
            ),
        ]
    )

    imported(business, "orders", data)

    stored = orders(business)
    partly = stored["5000000002001"]
    assert (partly.financial_status, partly.refunded_minor, partly.net_minor) == (
        "partially_refunded",
        3000,
        7000,
    )
    assert stored["5000000002002"].net_minor == 0
    voided = stored["5000000002003"]
    assert voided.cancelled_at is not None and not voided.counts


def test_an_older_shopify_export_without_id_is_keyed_by_name(business):
    rows = [
        ["Name", "Email", "Financial Status", "Paid at", "Currency", "Total", "Created at",
         "Lineitem quantity", "Lineitem name"],
        ["#1001", "a@example.org", "paid", "", "EUR", "12.00", "2023-05-02 18:00:00 +0200",
         "1", "Borraccia"],
        ["#1001", "", "", "", "", "", "", "1", "Campanello"],
    ]  # fmt: skip

    result = imported(business, "orders", csv_bytes(rows))

    assert result.created == 1
    order = Order.objects.get(business=business)
    assert (order.external_id, order.line_count, order.total_minor) == ("#1001", 2, 1200)


def test_an_unknown_email_in_orders_brings_a_minimal_customer(business):
    older = {"Billing Name": "Ada Lovelace", "Accepts Marketing": "no"}
    newer = {"Billing Name": "Ada Lovelace", "Accepts Marketing": "yes"}
    data = shopify_orders(
        [
            (
                shopify_order("#3001", "New.Buyer@example.org", "30.00", **older,
                              created="2023-01-01 10:00:00 +0100"),
                [line()],
            ),
            (
                shopify_order("#3002", "new.buyer@example.org", "30.00", **newer,
                              created="2024-01-01 10:00:00 +0100"),
                [line()],
            ),
        ]
    )  # fmt: skip

    result = imported(business, "orders", data)

    assert result.customers_created == 1
    buyer = Customer.objects.get(business=business, email="new.buyer@example.org")
    assert (buyer.first_name, buyer.last_name) == ("Ada", "Lovelace")
    assert buyer.accepts_marketing is True  # from the most recent order
    assert Order.objects.filter(business=business, customer=buyer).count() == 2


def test_an_orders_file_never_changes_the_consent_of_a_known_customer(business):
    CustomerFactory(business=business, email="anna@example.org", accepts_marketing=False)
    data = shopify_orders(
        [(shopify_order("#4001", "anna@example.org", "10.00", **{"Accepts Marketing": "yes"}),
          [line()])]
    )  # fmt: skip

    imported(business, "orders", data)

    assert Customer.objects.get(email="anna@example.org").accepts_marketing is False


def test_an_order_without_email_is_kept_without_a_customer(business):
    data = shopify_orders([(shopify_order("#5001", "", "10.00"), [line()])])

    result = imported(business, "orders", data)

    assert (result.created, result.errors) == (1, [])
    assert Order.objects.get(business=business).customer is None


def test_the_woocommerce_default_export_one_row_per_order(business):
    rows = [
        ["order_id", "order_number", "date", "status", "shipping_total", "order_total",
         "refunded_total", "order_currency", "customer_id", "billing_first_name",
         "billing_last_name", "billing_email", "line_items"],
        ["812", "812", "2024-03-01 17:45:12", "completed", "5.00", "105.00", "0.00", "EUR", "3",
         "Chiara", "Ferrari", "chiara@example.it",
         "id:1|name:Casco|quantity:1|total:60.00;id:2|name:Luce|quantity:1|total:40.00"],
        ["813", "813", "2024-03-02 09:00:00", "wc-completed", "0.00", "80.00", "20.00", "EUR",
         "3", "Chiara", "Ferrari", "chiara@example.it", "id:3|name:Pedali|quantity:1"],
        ["814", "814", "2024-03-03 09:00:00", "refunded", "0.00", "30.00", "30.00", "EUR", "",
         "Luca", "Neri", "luca@example.it", "id:4|name:Borraccia|quantity:1"],
        ["815", "815", "2024-03-04 09:00:00", "cancelled", "0.00", "30.00", "", "EUR", "",
         "Luca", "Neri", "luca@example.it", "id:5|name:Borraccia|quantity:1"],
        ["816", "816", "2024-03-05 09:00:00", "on-hold", "0.00", "30.00", "", "EUR", "",
         "Luca", "Neri", "luca@example.it", "id:6|name:Borraccia|quantity:1"],
        ["817", "817", "2024-03-06 09:00:00", "processing", "0.00", "30.00", "", "EUR", "",
         "Luca", "Neri", "luca@example.it", "id:7|name:Borraccia|quantity:1"],
        ["818", "818", "2024-03-07 09:00:00", "failed", "0.00", "30.00", "", "EUR", "",
         "Luca", "Neri", "luca@example.it", ""],
    ]  # fmt: skip

    result = imported(business, "orders", csv_bytes(rows))

    assert (result.format, result.created, result.errors) == ("woocommerce", 7, [])
    stored = orders(business)
    assert (stored["812"].total_minor, stored["812"].line_count) == (10500, 2)
    assert stored["812"].placed_at == datetime(2024, 3, 1, 16, 45, 12, tzinfo=UTC)
    statuses = {key: order.financial_status for key, order in stored.items()}
    assert statuses == {
        "812": "paid",
        "813": "partially_refunded",
        "814": "refunded",
        "815": "voided",
        "816": "pending",
        "817": "paid",
        "818": "voided",
    }
    chiara = Customer.objects.get(business=business, email="chiara@example.it")
    assert (chiara.first_name, chiara.last_name) == ("Chiara", "Ferrari")


def test_a_woocommerce_export_one_row_per_item_with_a_plugins_headers(business):
    rows = [
        ["Order ID", "Order Number", "Order Date", "Order Status", "Order Total",
         "Billing Email", "Item Name"],
        ["901", "901", "2024-04-01 10:00:00", "Completed", "70.00", "anna@example.org", "Casco"],
        ["901", "901", "2024-04-01 10:00:00", "Completed", "70.00", "anna@example.org", "Luce"],
        ["902", "902", "2024-04-02 10:00:00", "Completed", "10.00", "anna@example.org", "Cera"],
    ]  # fmt: skip

    result = imported(business, "orders", csv_bytes(rows))

    assert (result.format, result.records, result.created) == ("woocommerce", 2, 2)
    stored = orders(business)
    assert (stored["901"].total_minor, stored["901"].line_count) == (7000, 2)


def test_an_italian_spreadsheet_of_orders_with_decimal_commas(business):
    data = italian_excel(
        [
            ["Numero ordine", "E-mail", "Data", "Totale", "Stato"],
            ["A-1", "giulia@example.org", "15/01/2024", "1.234,50", "pagato"],
            ["A-2", "giulia@example.org", "16/01/2024 18:30", "€ 12,00", "rimborsato"],
        ]
    )

    result = imported(business, "orders", data)

    assert (result.format, result.created, result.errors) == ("generic", 2, [])
    stored = orders(business)
    assert stored["A-1"].total_minor == 123450
    assert stored["A-1"].placed_at == datetime(2024, 1, 14, 23, 0, tzinfo=UTC)
    assert stored["A-2"].financial_status == "refunded"
