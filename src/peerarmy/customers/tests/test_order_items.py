"""What was bought: an order keeps its line items (name, code, quantity, unit price) from
Shopify's rows, WooCommerce's `line_items` cell and spreadsheets, so that a customer can later
pick one of them (to sell it on, for instance) from her own orders."""

from datetime import UTC, datetime

import pytest

from peerarmy.customers.models import Order
from peerarmy.customers.selectors import bought_items

from .files import csv_bytes, imported, italian_excel, line, shopify_order, shopify_orders

pytestmark = pytest.mark.django_db


def items_of(business, external_id):
    return Order.objects.get(business=business, external_id=external_id).items


def item(name, sku, quantity, price_minor):
    return {"name": name, "sku": sku, "quantity": quantity, "price_minor": price_minor}


def bici_gialla_orders():
    return shopify_orders(
        [
            (
                shopify_order("#1001", "giulia@example.org", "96.60"),
                [
                    line("Camera d'aria 28\"", "6.90", "2", "CA-28"),
                    line("Casco urbano", "59.90", "1", "CS-URB"),
                    line("Catena 11v", "22.90", "1", ""),
                    line("Campanello (tolto dall'ordine)", "4.50", "0", "CMP"),
                ],
            ),
            (
                shopify_order("#1002", "marco@example.org", "45.00"),
                [line("Tagliando", "45.00", "1", "SRV-TAG")],
            ),
        ]
    )


def test_a_shopify_order_keeps_each_line_with_its_quantity_unit_price_and_sku(business):
    result = imported(business, "orders", bici_gialla_orders())

    assert (result.created, result.errors) == (2, [])
    assert items_of(business, "5000000001001") == [
        item("Camera d'aria 28\"", "CA-28", 2, 690),
        item("Casco urbano", "CS-URB", 1, 5990),
        item("Catena 11v", "", 1, 2290),
        # a line of quantity 0 was not bought: counted among the lines, not kept
    ]
    assert Order.objects.get(external_id="5000000001001").line_count == 4
    assert items_of(business, "5000000001002") == [item("Tagliando", "SRV-TAG", 1, 4500)]


WOOCOMMERCE_HEADER = ["order_id", "order_number", "date", "status", "order_total",
                      "order_currency", "billing_email", "line_items"]  # fmt: skip


def woocommerce_order(number, line_items, total="100.00"):
    return [number, number, "2024-03-01 17:45:12", "completed", total, "EUR",
            "chiara@example.it", line_items]  # fmt: skip


def test_woocommerce_items_in_the_exports_piped_form_with_line_totals(business):
    data = csv_bytes(
        [
            WOOCOMMERCE_HEADER,
            woocommerce_order(
                "812",
                "id:1|name:Child seat|sku:SEG-01|quantity:1|total:89.00;"
                r"id:2|name:Luce\; posteriore|quantity:3|total:10.00;"
                "id:3|name:Valvola Presta|quantity:2|total:1.25",
            ),
        ]
    )

    result = imported(business, "orders", data)

    assert (result.format, result.errors) == ("woocommerce", [])
    assert items_of(business, "812") == [
        item("Child seat", "SEG-01", 1, 8900),
        item("Luce; posteriore", "", 3, 333),  # 10.00 ÷ 3
        item("Valvola Presta", "", 2, 63),  # 1.25 ÷ 2 = 0.625, rounded half up
    ]


def test_woocommerce_items_as_a_json_list(business):
    line_items = (
        '[{"name": "Casco urbano", "sku": "CS-URB", "quantity": 2, "total": "119.80"},'
        ' {"name": "Borraccia", "quantity": 1, "price": 12}]'
    )
    data = csv_bytes([WOOCOMMERCE_HEADER, woocommerce_order("813", line_items, "131.80")])

    result = imported(business, "orders", data)

    assert result.errors == []
    assert items_of(business, "813") == [
        item("Casco urbano", "CS-URB", 2, 5990),
        item("Borraccia", "", 1, 1200),
    ]


def test_a_woocommerce_export_one_row_per_item_keeps_each_row(business):
    rows = [
        ["Order ID", "Order Number", "Order Date", "Order Status", "Order Total",
         "Billing Email", "Item Name", "Quantity", "Item Cost"],
        ["901", "901", "2024-04-01 10:00:00", "Completed", "79.90", "anna@example.org",
         "Casco", "1", "59.90"],
        ["901", "901", "2024-04-01 10:00:00", "Completed", "79.90", "anna@example.org",
         "Luce", "2", "10.00"],
    ]  # fmt: skip

    imported(business, "orders", csv_bytes(rows))

    assert items_of(business, "901") == [item("Casco", "", 1, 5990), item("Luce", "", 2, 1000)]


def test_an_italian_spreadsheet_one_row_per_item_with_decimal_commas(business):
    data = italian_excel(
        [
            ["Numero ordine", "E-mail", "Data", "Totale", "Articolo", "Quantità",
             "Prezzo unitario", "Codice articolo"],
            ["A-1", "giulia@example.org", "15/01/2024", "1.328,90", "Bici da città", "1",
             "1.299,00", "BC-01"],
            ["A-1", "", "", "", "Catena 11v", "1", "29,90", "CT-11"],
            ["A-2", "marco@example.org", "16/01/2024", "12,00", "Borraccia", "", "12", ""],
        ]
    )  # fmt: skip

    result = imported(business, "orders", data)

    assert (result.format, result.records, result.errors) == ("generic", 2, [])
    assert items_of(business, "A-1") == [
        item("Bici da città", "BC-01", 1, 129900),
        item("Catena 11v", "CT-11", 1, 2990),
    ]
    assert items_of(business, "A-2") == [item("Borraccia", "", 1, 1200)]  # no quantity: one


def test_a_spreadsheet_without_item_columns_keeps_orders_without_items(business):
    data = italian_excel(
        [["Numero ordine", "E-mail", "Data", "Totale"], ["A-1", "a@example.org", "15/01/2024", "9"]]
    )

    result = imported(business, "orders", data)

    assert (result.created, result.errors) == (1, [])
    assert items_of(business, "A-1") == []


def test_a_bad_quantity_is_reported_on_its_row_and_column_in_the_importers_language(business):
    data = shopify_orders(
        [
            (
                shopify_order("#1001", "giulia@example.org", "20.00"),
                [line("Borraccia", "12.00"), line("Cera catena", "8.00", quantity="due")],
            ),
            (shopify_order("#1002", "marco@example.org", "45.00"), [line("Tagliando", "45.00")]),
        ]
    )

    result = imported(business, "orders", data, language="it")

    assert [(e.line, e.column, e.value, e.message) for e in result.errors] == [
        (3, "Lineitem quantity", "due", "“due” non è un numero intero.")
    ]
    assert result.bad_rows == 1
    # the order with the bad line is left out, the other one is imported
    assert list(Order.objects.values_list("external_id", flat=True)) == ["5000000001002"]


def test_a_bad_price_in_the_line_items_cell_names_the_item(business):
    data = csv_bytes(
        [
            WOOCOMMERCE_HEADER,
            woocommerce_order("812", "name:Casco|quantity:1|total:60.00;name:Luce|total:-5.00"),
            woocommerce_order("813", "name:Casco|quantity:x"),
            woocommerce_order("814", "name:Casco|quantity:1|total:60.00", "60.00"),
        ]
    )

    result = imported(business, "orders", data, language="en")

    assert [(e.line, e.column, e.value, e.message) for e in result.errors] == [
        (2, "line_items", "name:Luce|total:-5.00", "Item 2: A price cannot be negative."),
        (3, "line_items", "name:Casco|quantity:x", "Item 1: “x” is not a whole number."),
    ]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["814"]


def test_importing_the_same_orders_again_leaves_them_unchanged_and_a_changed_line_updates(
    business,
):
    first = imported(business, "orders", bici_gialla_orders())
    snapshot = list(Order.objects.order_by("pk").values())

    again = imported(business, "orders", bici_gialla_orders())

    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert list(Order.objects.order_by("pk").values()) == snapshot  # not even imported_at

    changed = shopify_orders(
        [
            (
                shopify_order("#1002", "marco@example.org", "45.00"),
                [line("Tagliando", "40.00", "1", "SRV-TAG")],
            )
        ]
    )
    later = imported(business, "orders", changed)

    assert (later.updated, later.unchanged) == (1, 0)
    assert items_of(business, "5000000001002") == [item("Tagliando", "SRV-TAG", 1, 4000)]


def test_a_spreadsheet_imported_again_is_unchanged(business):
    data = italian_excel(
        [
            ["Numero ordine", "E-mail", "Data", "Totale", "Prodotto", "Qtà", "Prezzo"],
            ["A-1", "giulia@example.org", "15/01/2024", "18,90", "Cuscinetti", "3", "6,30"],
        ]
    )
    imported(business, "orders", data)

    again = imported(business, "orders", data)

    assert (again.updated, again.unchanged) == (0, 1)


def test_an_order_keeps_its_first_hundred_lines_and_counts_them_all(business):
    lines = [line(f"Raggio {n}", "0.50", "1", f"RG-{n:03d}") for n in range(1, 102)]
    data = shopify_orders([(shopify_order("#1001", "officina@example.org", "50.50"), lines)])

    imported(business, "orders", data)

    order = Order.objects.get(business=business)
    assert order.line_count == 101
    assert len(order.items) == 100
    assert (order.items[0]["sku"], order.items[-1]["sku"]) == ("RG-001", "RG-100")


def shop_history(business, other_business):
    """Giulia's orders at Bici Gialla, each in another state, and one at another business."""
    orders = [
        ("#1", "paid", "", "0.00", "2024-01-10 10:00:00 +0100", "Casco urbano"),
        ("#2", "partially_refunded", "", "10.00", "2024-02-10 10:00:00 +0100", "Luce"),
        ("#3", "refunded", "", "30.00", "2024-03-10 10:00:00 +0100", "Borraccia"),
        ("#4", "partially_refunded", "", "30.00", "2024-04-10 10:00:00 +0100", "Pedali"),
        ("#5", "voided", "2024-05-11 10:00:00 +0200", "0.00", "2024-05-10 10:00:00 +0200",
         "Lucchetto"),
        ("#6", "pending", "", "0.00", "2024-06-10 10:00:00 +0200", "Catena"),
        ("#7", "paid", "", "0.00", "2024-07-10 10:00:00 +0200", "Cavalletto"),
    ]  # fmt: skip
    data = shopify_orders(
        [
            (
                shopify_order(
                    number,
                    "giulia@example.org",
                    "30.00",
                    created=created,
                    **{
                        "Financial Status": status,
                        "Cancelled at": cancelled,
                        "Refunded Amount": refunded,
                    },
                ),
                [line(name, "30.00", "1", f"SKU{number[1:]}")],
            )
            for number, status, cancelled, refunded, created, name in orders
        ]
    )
    imported(business, "orders", data)
    theirs = shopify_orders(
        [(shopify_order("#9", "giulia@example.org", "99.00"), [line("Tenda", "99.00")])]
    )
    imported(other_business, "orders", theirs)


def test_bought_items_are_the_customers_kept_purchases_at_this_business_newest_first(
    business, other_business
):
    shop_history(business, other_business)

    bought = bought_items(business, "Giulia@Example.org")

    # refunded in full (#3 and #4, whatever its status says), cancelled and unpaid are left out
    assert [(b.order_id, b.name) for b in bought] == [
        ("5000000000007", "Cavalletto"),
        ("5000000000002", "Luce"),
        ("5000000000001", "Casco urbano"),
    ]
    newest = bought[0]
    assert (newest.sku, newest.quantity, newest.unit_price_minor, newest.currency) == (
        "SKU7",
        1,
        3000,
        "EUR",
    )
    assert newest.placed_at == datetime(2024, 7, 10, 8, 0, tzinfo=UTC)
    order = Order.objects.get(business=business, external_id="5000000000007")
    assert (newest.order_pk, newest.position) == (order.pk, 0)


def test_bought_items_keep_to_the_business(business, other_business):
    shop_history(business, other_business)
    giulia_there = other_business.customers.get(email="giulia@example.org")

    at_the_other_shop = bought_items(other_business, "giulia@example.org")

    assert [b.name for b in at_the_other_shop] == ["Tenda"]
    assert bought_items(business, giulia_there) == []  # a customer of the other business
    assert bought_items(business, "nobody@example.org") == []
    assert bought_items(business, "") == []


def test_bought_items_by_customer_record(business, other_business):
    shop_history(business, other_business)
    giulia = business.customers.get(email="giulia@example.org")

    assert [b.name for b in bought_items(business, giulia)] == [
        "Cavalletto",
        "Luce",
        "Casco urbano",
    ]
