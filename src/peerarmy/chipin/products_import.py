"""Importing the shop's catalogue from Shopify's products export (`products_export.csv`).

Shopify writes one product over several rows that share its Handle: the first row carries the
product (title, description, published, status) and its first variant; each further row
carries another variant (option values, SKU, price) or only another picture (Image Src with
the variant's columns empty). Friends chip in for one thing at a time, so each variant becomes
one `Product`: a product with Shopify's single "Default Title" variant keeps the handle, the
variants of any other are `<handle>--<their option values>` (or their SKU when they have no
options), and are named "Title — M / Giallo".

Like the customers' import (`customers.services.import_file`): the file is Shopify's own UTF-8
with commas or the same file saved by Italian Excel (Windows-1252, semicolons, decimal
commas), both read by `customers.importers.readers.Table`; every bad row is reported with its
line, column and reason in the reader's language and left out, while the good rows are
written in ONE transaction; importing the same file twice changes nothing (the values are
compared with what is stored), and a changed price updates the product. Products the file no
longer has are left as they are.

Reading (`read_products`) is pure: rows in, records and errors out. Writing
(`write_products`) is the only part that touches the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from peerarmy.customers.importers.readers import (
    BadValue,
    Table,
    currency_exponent,
    normalise_header,
    parse_bool,
    parse_money,
)
from peerarmy.errors import DomainError
from peerarmy.inputs import Outcome
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from .models import Product
from .services import sanitise_html

log = logging.getLogger(__name__)

# Shopify's header today, in its order (the tests and the demo's file are written with it).
SHOPIFY_PRODUCTS_HEADER = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name", "Option2 Value",
    "Option2 Linked To", "Option3 Name", "Option3 Value", "Option3 Linked To", "Variant SKU",
    "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
    "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price",
    "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable", "Variant Barcode",
    "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Google Shopping / Google Product Category", "Google Shopping / Gender",
    "Google Shopping / Age Group", "Google Shopping / MPN", "Google Shopping / Condition",
    "Google Shopping / Custom Product", "Variant Image", "Variant Weight Unit",
    "Variant Tax Code", "Cost per item", "Status",
)  # fmt: skip

# The columns read, by key, under the name Shopify gives them (compared after normalise_header).
COLUMNS = {
    "handle": "Handle",
    "title": "Title",
    "body": "Body (HTML)",
    "published": "Published",
    "option1": "Option1 Value",
    "option2": "Option2 Value",
    "option3": "Option3 Value",
    "sku": "Variant SKU",
    "price": "Variant Price",
    "image": "Image Src",
    "variant_image": "Variant Image",
    "gift_card": "Gift Card",
    "status": "Status",
}
REQUIRED = ("handle", "price")
OPTIONS = ("option1", "option2", "option3")
DEFAULT_TITLE = "Default Title"  # the option value of a product without variants
VARIANT_SEPARATOR = "--"
NAME_MAX = 200  # Product.name_it
HANDLE_MAX = 255  # Product.handle
SKU_MAX = 100  # Product.sku
URL_MAX = 1000  # Product.image_source
# The fields an import sets; the rest (the photo, the English description) stay as they are.
IMPORTED_FIELDS = (
    "name_it",
    "name_en",
    "description_it",
    "price_minor",
    "currency",
    "sku",
    "image_source",
    "active",
)


class NotAProductsExport(DomainError):
    """The file lacks the columns every products export has: nothing in it is read."""

    code = "not_products_export"
    status = 422
    default_message = gettext_lazy("This file is not Shopify's products export.")


@dataclass(frozen=True, slots=True)
class ProductRowError:
    line: int
    column: str  # as the file names it; empty when the whole line is at fault
    message: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """One variant as a Product's values."""

    line: int
    handle: str
    sku: str
    name: str
    description: str
    price_minor: int
    image_source: str
    active: bool


@dataclass
class ProductRows:
    """What a file holds: the good variants, the bad rows, and the gift cards left out."""

    records: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    skipped: int = 0  # gift card variants: a campaign gives a gift voucher by itself


@dataclass
class ProductImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list = field(default_factory=list)  # ProductRowError, by line

    def as_dict(self):
        """What `peerarmy chipin import-products --json` prints."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [error.as_dict() for error in self.errors],
        }


# --- reading: pure -----------------------------------------------------------------------------


def bind_columns(header) -> dict:
    """{key: (index, the column's name in the file)} for the columns the file has; raises
    NotAProductsExport naming the required columns it lacks."""
    wanted = {normalise_header(name): key for key, name in COLUMNS.items()}
    found = {}
    for index, text in enumerate(header):
        key = wanted.get(normalise_header(text))
        if key is not None and key not in found:
            found[key] = (index, text)
    missing = [COLUMNS[key] for key in REQUIRED if key not in found]
    if missing:
        raise NotAProductsExport(
            _(
                "This is not Shopify's products export: it has no column %(columns)s. Export "
                "the products from Shopify (Products → Export) and import that file."
            )
            % {"columns": ", ".join(f"“{name}”" for name in missing)}
        )
    return found


@dataclass
class _Variant:
    line: int
    options: tuple
    sku: str
    price_minor: int | None  # None: the row is bad, but still counts among the variants
    image: str


@dataclass
class _Product:
    line: int
    title: str
    description: str
    active: bool
    gift_card: bool
    variants: list = field(default_factory=list)
    first_image: str = ""


class _Reader:
    def __init__(self, columns, decimal_comma, exponent):
        self.columns, self.decimal_comma, self.exponent = columns, decimal_comma, exponent
        self.errors = []

    def cell(self, cells, key):
        found = self.columns.get(key)
        return cells[found[0]].strip() if found is not None else ""

    def error(self, line, key, message):
        column = self.columns[key][1] if key in self.columns else COLUMNS.get(key, "")
        self.errors.append(ProductRowError(line, column, str(message)))

    def price(self, line, cells):
        text = self.cell(cells, "price")
        if not text:
            self.error(line, "price", _("This variant has no price."))
            return None
        try:
            minor = parse_money(text, decimal_comma=self.decimal_comma, exponent=self.exponent)
        except BadValue as exc:
            self.error(line, "price", exc.message)
            return None
        if minor <= 0:
            self.error(
                line,
                "price",
                _("“%(value)s”: the price must be more than zero.") % {"value": text},
            )
            return None
        return minor

    def image(self, line, cells, key):
        url = self.cell(cells, key)
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            self.error(line, key, _("“%(value)s” is not a web address.") % {"value": url[:200]})
            return None
        if len(url) > URL_MAX:
            self.error(
                line,
                key,
                _("This picture's address is longer than %(n)d characters.") % {"n": URL_MAX},
            )
            return None
        return url

    def active(self, line, cells):
        status = self.cell(cells, "status")
        if status:
            return status.casefold() == "active"
        published = self.cell(cells, "published")
        if not published:
            return True  # nothing says otherwise: a product can be chipped in for
        try:
            return parse_bool(published)
        except BadValue as exc:
            self.error(line, "published", exc.message)
            return False

    def gift_card(self, cells):
        text = self.cell(cells, "gift_card")
        try:
            return bool(text) and parse_bool(text)
        except BadValue:
            return False


def read_products(header, rows, *, decimal_comma=False, currency="EUR") -> ProductRows:
    """The variants of a products export as records, and every bad row as an error.

    `rows` yields `(line, cells)` as `Table.rows()` does. A bad variant is left out and named;
    every other is kept. Messages are in the active language."""
    columns = bind_columns(header)
    reader = _Reader(columns, decimal_comma, currency_exponent(currency))
    products = {}
    for line, cells in rows:
        handle = reader.cell(cells, "handle")
        if not handle:
            reader.error(line, "handle", _("The handle is empty: every row needs its product's."))
            continue
        product = products.get(handle)
        if product is None:
            title = reader.cell(cells, "title")
            if not title:
                reader.error(
                    line,
                    "title",
                    _(
                        "The first row of the product “%(handle)s” is missing: no row before "
                        "this one gives its title."
                    )
                    % {"handle": handle[:100]},
                )
                continue
            product = products[handle] = _Product(
                line=line,
                title=title,
                description=sanitise_html(reader.cell(cells, "body")),
                active=reader.active(line, cells),
                gift_card=reader.gift_card(cells),
            )
        image = reader.image(line, cells, "image")
        if image and not product.first_image:
            product.first_image = image
        options = tuple(value for key in OPTIONS if (value := reader.cell(cells, key)))
        sku = reader.cell(cells, "sku")
        if not (options or sku or reader.cell(cells, "price")):
            continue  # only another picture of the product
        price = reader.price(line, cells)
        variant_image = reader.image(line, cells, "variant_image")
        if len(sku) > SKU_MAX:
            reader.error(
                line, "sku", _("The SKU is longer than %(n)d characters.") % {"n": SKU_MAX}
            )
            price = None
        if image is None or variant_image is None:
            price = None
        product.variants.append(_Variant(line, options, sku, price, variant_image or ""))
    result = ProductRows()
    for handle, product in products.items():
        if product.gift_card:
            result.skipped += len(product.variants)
            continue
        result.records.extend(_records(handle, product, reader))
    result.errors = sorted(reader.errors, key=lambda e: e.line)
    result.records.sort(key=lambda r: r.line)
    return result


def _records(handle, product, reader):
    single = len(product.variants) == 1
    seen = set()
    for variant in product.variants:
        if single and variant.options in ((), (DEFAULT_TITLE,)):
            own, name = handle, product.title
        else:
            suffix = slugify(" ".join(variant.options)) or slugify(variant.sku)
            if not suffix:
                reader.error(
                    variant.line,
                    "option1",
                    _("This variant has neither option values nor an SKU to tell it apart."),
                )
                continue
            own = f"{handle}{VARIANT_SEPARATOR}{suffix}"
            name = product.title
            if not single:
                name += " — " + (" / ".join(variant.options) or variant.sku)
        if own in seen:
            reader.error(
                variant.line,
                "option1",
                _("Another variant of “%(handle)s” has the same option values.")
                % {"handle": handle[:100]},
            )
            continue
        seen.add(own)
        if len(own) > HANDLE_MAX:
            reader.error(
                variant.line,
                "handle",
                _("The handle with the option values is longer than %(n)d characters.")
                % {"n": HANDLE_MAX},
            )
            continue
        if variant.price_minor is None:
            continue  # its row is named among the errors
        yield ProductRecord(
            line=variant.line,
            handle=own,
            sku=variant.sku,
            name=_shortened(name),
            description=product.description,
            price_minor=variant.price_minor,
            image_source=variant.image or product.first_image,
            active=product.active,
        )


def _shortened(name):
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1].rstrip() + "…"


# --- writing: one transaction ------------------------------------------------------------------


def _values(record, currency):
    return {
        "name_it": record.name,
        "name_en": record.name,
        "description_it": record.description,
        "price_minor": record.price_minor,
        "currency": currency,
        "sku": record.sku,
        "image_source": record.image_source,
        "active": record.active,
    }


@transaction.atomic
def write_products(business, records) -> tuple[int, int, int]:
    """Create the new products and update the changed ones, in one transaction: (created,
    updated, unchanged). Values equal to what is stored are not written again."""
    currency = business.currency or "EUR"
    stored = {
        product.handle: product
        for product in Product.objects.select_for_update().filter(
            business=business, handle__in=[r.handle for r in records]
        )
    }
    new, changed, unchanged = [], [], 0
    now = timezone.now()
    for record in records:
        values = _values(record, currency)
        product = stored.get(record.handle)
        if product is None:
            new.append(Product(business=business, handle=record.handle, **values))
        elif all(getattr(product, name) == value for name, value in values.items()):
            unchanged += 1
        else:
            for name, value in values.items():
                setattr(product, name, value)
            product.updated_at = now  # bulk_update does not apply auto_now
            changed.append(product)
    Product.objects.bulk_create(new, batch_size=500)
    Product.objects.bulk_update(changed, [*IMPORTED_FIELDS, "updated_at"], batch_size=500)
    return len(new), len(changed), unchanged


# --- the import --------------------------------------------------------------------------------


def import_products(
    business, actor, source, *, filename="", language=None, fetch_pictures=True
) -> Outcome[ProductImportResult]:
    """Import Shopify's products export in `source` (a path, bytes or a file object).

    `actor` None is the operator's command line; anyone else needs the shop's capability.
    Bad rows are reported in `language` (the actor's, else the business's) and left out; the
    good ones are written in one transaction. Raises NotAProductsExport when the file lacks
    Handle or Variant Price, UnreadableFile when it cannot be read at all. `filename` names
    the file in the log only. With `fetch_pictures`, the products' pictures are fetched in
    the background once the import is committed."""
    if actor is not None:
        check_can(actor, business, Capability.SHOP)
    language = language or getattr(actor, "language", "") or business.default_language
    with scope(business=business), translation.override(language):
        with Table(source, tab_decimal_comma=business.default_language == "it") as table:
            rows = read_products(
                table.header,
                table.rows(),
                decimal_comma=table.decimal_comma,
                currency=business.currency,
            )
            problems = [ProductRowError(line, "", str(text)) for line, text in table.problems]
        created, updated, unchanged = write_products(business, rows.records)
        result = ProductImportResult(
            created=created,
            updated=updated,
            unchanged=unchanged,
            skipped=rows.skipped,
            errors=sorted([*rows.errors, *problems], key=lambda e: e.line),
        )
        log.info(
            "products import of business %s (%s): %d created, %d updated, %d unchanged, "
            "%d bad rows",
            business.pk,
            filename or "-",
            created,
            updated,
            unchanged,
            len({error.line for error in result.errors}),
        )
        if fetch_pictures and (created or updated):
            from .pictures import fetch_product_pictures

            business_id = business.pk
            transaction.on_commit(lambda: fetch_product_pictures.enqueue(business_id))
    return Outcome(result, created=bool(created))
