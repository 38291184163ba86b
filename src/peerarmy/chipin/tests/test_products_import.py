"""Importing the shop's catalogue from Shopify's products export: what the shop gets from its
real file (and from the same file saved by Italian Excel), imports that change nothing the
second time, bad rows named while good ones are imported, and who may import."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from peerarmy.chipin import products_import
from peerarmy.chipin.models import Product
from peerarmy.chipin.products_import import (
    SHOPIFY_PRODUCTS_HEADER,
    NotAProductsExport,
    import_products,
    read_products,
)
from peerarmy.errors import PermissionDenied
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
EXPORT = DATA / "shopify_products.csv"
EXCEL_IT = DATA / "shopify_products_excel_it.csv"
FIELDS = ("name_it", "name_en", "description_it", "price_minor", "sku", "image_source", "active")


def _products(business):
    return {
        p.handle: {name: getattr(p, name) for name in FIELDS}
        for p in Product.objects.filter(business=business)
    }


def _csv(*rows, header=SHOPIFY_PRODUCTS_HEADER):
    """A products export with `rows` given as {column: value} (other columns empty)."""
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
    return out.getvalue().encode()


def _first(handle, title, price, **more):
    return {
        "Handle": handle,
        "Title": title,
        "Option1 Name": "Title",
        "Option1 Value": "Default Title",
        "Variant Price": price,
        "Published": "true",
        "Status": "active",
        **more,
    }


def test_the_real_export_gives_one_product_per_variant(business, owner):
    result = import_products(business, owner, EXPORT).value

    assert (result.created, result.updated, result.unchanged) == (6, 0, 0)
    assert result.errors == []
    assert result.skipped == 2  # the gift card's two amounts: a campaign gives a voucher itself
    products = _products(business)
    assert sorted(products) == [
        "campanello-ottone",
        "e-bike-milano--l-giallo",
        "e-bike-milano--m-giallo",
        "e-bike-milano--s-giallo",
        "portapacchi-alluminio",
        "seggiolino-bimbo",
    ]
    medium = products["e-bike-milano--m-giallo"]
    assert medium["name_it"] == medium["name_en"] == "E-bike Milano — M / Giallo"
    assert medium["price_minor"] == 129_000
    assert medium["sku"] == "EBM-M-GIA"
    assert products["e-bike-milano--l-giallo"]["price_minor"] == 134_000
    # a variant's own picture first, else the product's first one
    assert medium["image_source"].endswith("e-bike-milano-m.jpg?v=1700000003")
    large = products["e-bike-milano--l-giallo"]
    assert large["image_source"].endswith("e-bike-milano-giallo.jpg?v=1700000001")
    seat = products["seggiolino-bimbo"]
    assert seat["name_it"] == "Seggiolino bimbo posteriore"  # a single variant: no options
    assert seat["price_minor"] == 8_990
    rack = products["portapacchi-alluminio"]
    assert rack["image_source"].endswith("portapacchi.jpg?v=1700000020")
    assert products["campanello-ottone"]["active"] is False  # a draft
    assert all(p["active"] for h, p in products.items() if h != "campanello-ottone")

    description = medium["description_it"]
    assert "<script" not in description and "tracking" not in description
    assert "onclick" not in description
    assert "<p>" in description and "<ul><li>Autonomia fino a 120 km</li>" in description
    assert "<strong>senza impegno</strong>" in description
    assert "onerror" not in seat["description_it"] and "<img" not in seat["description_it"]


def test_importing_the_same_file_twice_changes_nothing(business, owner):
    import_products(business, owner, EXPORT)
    before = _products(business)

    again = import_products(business, owner, EXPORT).value

    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert _products(business) == before


def test_a_changed_price_updates_the_product(business, owner):
    import_products(business, owner, EXPORT)
    changed = EXPORT.read_bytes().replace(b",89.90,", b",94.50,")

    result = import_products(business, owner, changed).value

    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    assert Product.objects.get(business=business, handle="seggiolino-bimbo").price_minor == 9_450


def test_bad_rows_are_named_and_the_good_ones_imported(business, owner):
    data = _csv(
        _first("campanello", "Campanello", "12.50"),  # line 2
        _first("luce", "Luce anteriore", "abc"),  # line 3
        _first("lucchetto", "Lucchetto", "0"),  # line 4
        _first("pompa", "Pompa", "-5.00"),  # line 5
        {"Handle": "sconosciuto", "Image Src": "https://cdn.example.com/a.jpg"},  # line 6
        _first("borraccia", "Borraccia", ""),  # line 7
        _first("casco", "Casco", "39,90"),  # line 8: a decimal comma in a comma file is fine
    )

    result = import_products(business, owner, data, language="en").value

    assert sorted(_products(business)) == ["campanello", "casco"]
    assert Product.objects.get(business=business, handle="casco").price_minor == 3_990
    named = {(e.line, e.column) for e in result.errors}
    assert named == {
        (3, "Variant Price"),
        (4, "Variant Price"),
        (5, "Variant Price"),
        (6, "Title"),
        (7, "Variant Price"),
    }
    messages = {e.line: e.message for e in result.errors}
    assert "“abc” is not an amount of money" in messages[3]
    assert "more than zero" in messages[4] and "more than zero" in messages[5]
    assert "sconosciuto" in messages[6] and "first row" in messages[6]
    assert result.created == 2


def test_variants_of_a_product_without_options_are_told_apart_by_sku(business, owner):
    data = _csv(
        _first("catena", "Catena", "20.00", **{"Option1 Value": "", "Variant SKU": "CAT-8"}),
        {"Handle": "catena", "Variant SKU": "CAT-11", "Variant Price": "30.00"},
    )

    result = import_products(business, owner, data).value

    assert result.errors == []
    assert sorted(_products(business)) == ["catena--cat-11", "catena--cat-8"]
    assert _products(business)["catena--cat-11"]["name_it"] == "Catena — CAT-11"


def test_the_italian_excel_file_gives_the_same_products(business, other_business, owner):
    excel = import_products(business, owner, EXCEL_IT).value
    utf8 = import_products(other_business, None, EXPORT).value

    assert excel.errors == [] and (excel.created, excel.skipped) == (utf8.created, utf8.skipped)
    assert _products(business) == _products(other_business)
    assert _products(business)["e-bike-milano--s-giallo"]["price_minor"] == 129_000


def test_a_file_that_is_not_a_products_export_is_refused(business, owner):
    data = b"Title,Variant Price\nCampanello,12.50\n"

    with pytest.raises(NotAProductsExport) as refused:
        import_products(business, owner, data, language="en")

    assert "“Handle”" in refused.value.message
    assert "Variant Price" not in refused.value.message
    assert not Product.objects.filter(business=business).exists()


def test_an_old_export_without_status_reads_published(business):
    header = ("Handle", "Title", "Body (HTML)", "Published", "Option1 Name", "Option1 Value",
              "Variant SKU", "Variant Price", "Image Src")  # fmt: skip
    rows = [
        {"Handle": "a", "Title": "A", "Published": "false", "Option1 Value": "Default Title",
         "Variant Price": "10.00"},
        {"Handle": "b", "Title": "B", "Published": "true", "Option1 Value": "Default Title",
         "Variant Price": "10.00"},
    ]  # fmt: skip

    import_products(business, None, _csv(*rows, header=header))

    assert {h: p["active"] for h, p in _products(business).items()} == {"a": False, "b": True}


def test_nothing_is_half_written(business, owner, monkeypatch):
    import_products(business, owner, EXPORT)
    before = _products(business)
    changed = (
        EXPORT.read_bytes()
        .replace(b",89.90,", b",94.50,")
        .replace(b"campanello-ottone", b"campanello-nuovo")
    )

    def failing(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(products_import.Product.objects, "bulk_update", failing)
    with pytest.raises(RuntimeError):
        import_products(business, owner, changed)

    assert _products(business) == before  # the new product was not kept either


def test_a_community_manager_may_not_import_products(business):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user

    with pytest.raises(PermissionDenied):
        import_products(business, manager, EXPORT)

    assert not Product.objects.filter(business=business).exists()


def test_the_command_prints_json(business):
    out = io.StringIO()

    call_command(
        "chipin", "import-products", str(EXPORT), "--business", business.slug, "--json", stdout=out
    )

    summary = json.loads(out.getvalue())
    assert summary == {"created": 6, "updated": 0, "unchanged": 0, "skipped": 2, "errors": []}


def test_the_command_lists_bad_rows_and_refuses_an_unknown_business(business, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(_csv(_first("luce", "Luce", "abc"), _first("casco", "Casco", "39.90")))
    out = io.StringIO()

    call_command(
        "chipin", "import-products", str(path), "--business", business.slug, "--language", "en",
        stdout=out,
    )  # fmt: skip

    text = out.getvalue()
    assert "1 products created" in text and "1 bad rows" in text
    assert "line 2, column “Variant Price”" in text
    with pytest.raises(CommandError):
        call_command("chipin", "import-products", str(path), "--business", "nobody")
    path.write_bytes(b"Name,Price\nx,1\n")
    with pytest.raises(CommandError, match="Handle"):
        call_command("chipin", "import-products", str(path), "--business", business.slug)


# --- the pure reading --------------------------------------------------------------------------

option_values = st.text(
    alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=8
).filter(lambda v: v.strip() and v != "Default Title")


@given(
    values=st.lists(option_values, min_size=2, max_size=6, unique_by=lambda v: v.casefold()),
    cents=st.lists(st.integers(1, 10**9), min_size=6, max_size=6),
)
def test_each_variant_is_one_product_with_its_own_handle_and_price(values, cents):
    rows = [(line, [""] * len(SHOPIFY_PRODUCTS_HEADER)) for line in range(2, 2 + len(values))]
    index = {name: i for i, name in enumerate(SHOPIFY_PRODUCTS_HEADER)}
    for (_line, cells), value, amount in zip(rows, values, cents, strict=False):
        cells[index["Handle"]] = "bici"
        cells[index["Option1 Value"]] = value
        cells[index["Variant SKU"]] = f"SKU-{_line}"
        cells[index["Variant Price"]] = f"{amount // 100}.{amount % 100:02d}"
    rows[0][1][index["Title"]] = "Bici"

    read = read_products(SHOPIFY_PRODUCTS_HEADER, rows)

    handles = [r.handle for r in read.records]
    assert len(handles) == len(set(handles))
    assert all(h.startswith("bici--") for h in handles)
    assert len(read.records) + len(read.errors) == len(values)  # each variant kept or named
    for record in read.records:
        position = record.line - 2
        assert record.price_minor == cents[position]
        assert record.name == f"Bici — {values[position]}"
