"""Writing small CSV files the way each program writes them, for the import tests."""

import csv
import io

from peerarmy.customers.importers.formats import (
    SHOPIFY_CUSTOMERS_HEADER,
    SHOPIFY_CUSTOMERS_HEADER_OLD,
    SHOPIFY_ORDERS_HEADER,
)
from peerarmy.customers.inputs import ImportInput
from peerarmy.customers.services import import_file


def imported(business, kind, source, *, fmt=None, **options):
    """`import_file` with the import's input made from `kind` and `fmt`: what it found."""
    data = ImportInput.parse({"kind": kind, "format": fmt})
    return import_file(business, data, source, **options).value


def csv_bytes(rows, *, delimiter=",", encoding="utf-8", bom=False, line_end="\r\n"):
    """Rows (lists of cells, the header first) as the bytes of a CSV file."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def italian_excel(rows):
    """What Excel in Italian writes for "CSV (separato dal separatore di elenco)"."""
    return csv_bytes(rows, delimiter=";", encoding="cp1252")


def shopify_rows(header, records):
    """A header and rows where each record is {column: value}, the rest left empty."""
    for record in records:
        unknown = set(record) - set(header)
        assert not unknown, unknown
    return [list(header)] + [[record.get(column, "") for column in header] for record in records]


def shopify_customers(records, *, old=False):
    header = SHOPIFY_CUSTOMERS_HEADER_OLD if old else SHOPIFY_CUSTOMERS_HEADER
    return csv_bytes(shopify_rows(header, records))


def shopify_orders(orders):
    """Each order is (order-level values, [line items]): the order-level values go on the
    first row only, as Shopify writes them; every row carries the order's Name."""
    records = []
    for order, lines in orders:
        for index, line in enumerate(lines):
            row = {"Name": order["Name"], **line}
            if index == 0:
                row.update(order)
            records.append(row)
    return csv_bytes(shopify_rows(SHOPIFY_ORDERS_HEADER, records))


def line(name="Camera d'aria", price="6.90", quantity="1", sku="CA-28"):
    return {
        "Lineitem name": name,
        "Lineitem price": price,
        "Lineitem quantity": quantity,
        "Lineitem sku": sku,
    }


def shopify_order(name, email, total, *, created="2024-01-15 10:23:45 +0100", **extra):
    values = {
        "Name": name,
        "Email": email,
        "Financial Status": "paid",
        "Paid at": created,
        "Currency": "EUR",
        "Subtotal": total,
        "Total": total,
        "Created at": created,
        "Accepts Marketing": "no",
        "Refunded Amount": "0.00",
        "Billing Name": "Giulia Rossi",
        "Id": str(5_000_000_000_000 + int(name.strip("#"))),
    }
    values.update(extra)
    return values
