"""The columns of each export we read, how to recognise them, and how rows become records.

A `Format` lists its columns with the header variants seen in real files (compared after
`normalise_header`, so case, spaces, hyphens and underscores do not matter). `detect_format`
picks the format from the header; `read_records` turns the rows into records of plain values,
collecting a `RowError` (line, column, value, reason) for every value it cannot use. A row with
an error is left out; every other row is kept.

docs/imports.md describes these formats for people; keep the two in step.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from operator import itemgetter

from django.utils.translation import gettext as _

from peerarmy.customers.models import MAX_ORDER_ITEMS, FinancialStatus, ImportKind, Source

from .readers import (
    BadValue,
    UnreadableFile,
    currency_exponent,
    normalise_header,
    parse_bool,
    parse_datetime,
    parse_email,
    parse_money,
    parse_whole,
)

MAX_VALUE_SHOWN = 200  # ImportRowError.value
# Bad rows kept with their details; beyond this only counted (a wrong file can have a million).
MAX_ERRORS_KEPT = 10_000


@dataclass(slots=True)
class RowError:
    line: int
    column: str
    value: str
    message: str

    def as_dict(self):
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


# The headers Shopify writes today, in its order (tests, the demo and the benchmark write them).
SHOPIFY_CUSTOMERS_HEADER = (
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
    "Default Address Company", "Default Address Address1", "Default Address Address2",
    "Default Address City", "Default Address Province Code", "Default Address Country Code",
    "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
    "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags",
)  # fmt: skip
# … and before 2023, without the customer id and the SMS consent.
SHOPIFY_CUSTOMERS_HEADER_OLD = (
    "First Name", "Last Name", "Email", "Company", "Address1", "Address2", "City", "Province",
    "Province Code", "Country", "Country Code", "Zip", "Phone", "Accepts Marketing",
    "Total Spent", "Total Orders", "Tags", "Note", "Tax Exempt",
)  # fmt: skip
SHOPIFY_ORDERS_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City",
    "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference",
    "Refunded Amount", "Vendor", "Outstanding Balance", "Employee", "Location", "Device ID",
    "Id", "Tags", "Risk Level", "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value",
    "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value",
    "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name",
    "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
)  # fmt: skip


# --- records: what a row means, in plain values -------------------------------------------


@dataclass(slots=True)
class CustomerRecord:
    line: int
    email: str
    values: dict  # Customer field → value, only for the columns the file has
    accepts_marketing: bool | None  # None: the file does not say
    language: str | None  # stated in the file (a column, or a lang:xx tag)
    language_guess: str | None  # from the country; used only for a new customer


@dataclass(slots=True)
class OrderRecord:
    line: int
    external_id: str
    email: str
    placed_at: datetime
    currency: str
    total_minor: int
    refunded_minor: int
    financial_status: str
    cancelled_at: datetime | None
    line_count: int
    accepts_marketing: bool | None
    first_name: str
    last_name: str
    items: list  # [{"name", "sku", "quantity", "price_minor"}], at most MAX_ORDER_ITEMS


@dataclass(slots=True)
class ReviewRecord:
    line: int
    external_id: str
    email: str
    rating: int
    title: str
    body: str
    reviewed_at: datetime


@dataclass(slots=True)
class NpsRecord:
    line: int
    external_id: str
    email: str
    score: int
    comment: str
    answered_at: datetime


@dataclass(slots=True)
class ReferralRecord:
    line: int
    external_id: str
    email: str
    referred_email: str
    referred_at: datetime
    converted: bool | None
    converted_at: datetime | None


@dataclass(slots=True)
class MentionRecord:
    line: int
    external_id: str
    email: str
    platform: str
    url: str
    engagement: int
    posted_at: datetime


# --- formats -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple  # header variants, the first one is the documented name
    required: bool = False
    per_row: bool = False  # a line item's value: read on every row of an order, not once

    @property
    def normalised(self):
        return tuple(normalise_header(h) for h in self.headers)


@dataclass(frozen=True)
class Format:
    kind: str
    source: str
    columns: tuple
    # Groups of header variants; the format is recognised when each group has one in the file.
    signature: tuple = ()
    statuses: dict = field(default_factory=dict)

    def column(self, key):
        return next(c for c in self.columns if c.key == key)

    def recognises(self, header):
        present = {normalise_header(h) for h in header}
        return bool(self.signature) and all(
            any(normalise_header(h) in present for h in group) for group in self.signature
        )


class Binding:
    """Which column of the file holds each field of a format."""

    def __init__(self, fmt, header):
        self.format = fmt
        positions = {}
        for index, text in enumerate(header):
            positions.setdefault(normalise_header(text), index)
        self.index, self.header = {}, {}
        for column in fmt.columns:
            for alias in column.normalised:
                if alias in positions:
                    self.index[column.key] = positions[alias]
                    self.header[column.key] = header[positions[alias]]
                    break
        self.missing = [c for c in fmt.columns if c.required and c.key not in self.index]
        per_row = {c.key for c in fmt.columns if c.per_row}
        # The record's own values, read once per record …
        self.positions = [(k, i) for k, i in self.index.items() if k not in per_row]
        # … and the line items' values, read on each row of an order.
        self.item_index = {k: i for k, i in self.index.items() if k in per_row}

    def has(self, key):
        return key in self.index


def _c(key, *headers, required=False, per_row=False):
    return Column(key, headers, required, per_row)


EMAIL_HEADERS = (
    "email", "e-mail", "mail", "email address", "e-mail address", "indirizzo email",
    "indirizzo e-mail", "posta elettronica",
)  # fmt: skip

# Payment statuses by the words each system uses, compared after normalise_header.
SHOPIFY_STATUSES = {
    "paid": FinancialStatus.PAID,
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "partiallypaid": FinancialStatus.PARTIALLY_PAID,
    "partiallyrefunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "voided": FinancialStatus.VOIDED,
    "expired": FinancialStatus.VOIDED,
}
WOOCOMMERCE_STATUSES = {
    "completed": FinancialStatus.PAID,
    "processing": FinancialStatus.PAID,
    "refunded": FinancialStatus.REFUNDED,
    "cancelled": FinancialStatus.VOIDED,
    "canceled": FinancialStatus.VOIDED,
    "failed": FinancialStatus.VOIDED,
    "trash": FinancialStatus.VOIDED,
    "onhold": FinancialStatus.PENDING,
    "pending": FinancialStatus.PENDING,
    "pendingpayment": FinancialStatus.PENDING,
    "checkoutdraft": FinancialStatus.PENDING,
    # the Italian labels of the same statuses
    "completato": FinancialStatus.PAID,
    "inlavorazione": FinancialStatus.PAID,
    "rimborsato": FinancialStatus.REFUNDED,
    "cancellato": FinancialStatus.VOIDED,
    "annullato": FinancialStatus.VOIDED,
    "fallito": FinancialStatus.VOIDED,
    "insospeso": FinancialStatus.PENDING,
    "inattesa": FinancialStatus.PENDING,
    "inattesadipagamento": FinancialStatus.PENDING,
}
GENERIC_STATUSES = {
    **WOOCOMMERCE_STATUSES,
    **SHOPIFY_STATUSES,
    **{normalise_header(v): v for v in FinancialStatus.values},
    "pagato": FinancialStatus.PAID,
    "saldato": FinancialStatus.PAID,
    "parzialmenterimborsato": FinancialStatus.PARTIALLY_REFUNDED,
    "autorizzato": FinancialStatus.AUTHORIZED,
    "parzialmentepagato": FinancialStatus.PARTIALLY_PAID,
    "stornato": FinancialStatus.VOIDED,
    "void": FinancialStatus.VOIDED,
}

SHOPIFY_CUSTOMERS = Format(
    kind=ImportKind.CUSTOMERS,
    source=Source.SHOPIFY,
    columns=(
        _c("email", "Email", required=True),
        _c("external_id", "Customer ID", "Id"),
        _c("first_name", "First Name"),
        _c("last_name", "Last Name"),
        _c("accepts_marketing", "Accepts Email Marketing", "Accepts Marketing"),
        _c("city", "Default Address City", "City"),
        _c("country", "Default Address Country Code", "Country Code"),
        _c("phone", "Phone"),
        _c("alt_phone", "Default Address Phone"),
        _c("tags", "Tags"),
    ),
    signature=(
        ("Accepts Email Marketing", "Accepts Marketing"),
        ("Total Spent", "Total Orders", "Tax Exempt"),
    ),
)

GENERIC_CUSTOMERS = Format(
    kind=ImportKind.CUSTOMERS,
    source=Source.GENERIC,
    columns=(
        _c("email", *EMAIL_HEADERS, required=True),
        _c("external_id", "id", "customer id", "codice cliente", "id cliente", "external id"),
        _c("first_name", "first_name", "first name", "nome", "given name"),
        _c("last_name", "last_name", "last name", "cognome", "surname", "family name"),
        _c("name", "name", "full name", "nome completo", "nominativo", "cliente"),
        _c("phone", "phone", "telefono", "cellulare", "mobile", "tel"),
        _c("city", "city", "città", "citta", "comune", "località", "localita"),
        _c("country", "country", "country code", "paese", "nazione"),
        _c("language", "language", "lingua", "locale"),
        _c(
            "accepts_marketing",
            "accepts_marketing",
            "accepts marketing",
            "accepts email marketing",
            "marketing",
            "newsletter",
            "consenso marketing",
            "consenso",
            "iscritto newsletter",
        ),
        _c("tags", "tags", "tag", "etichette"),
    ),
)

SHOPIFY_ORDERS = Format(
    kind=ImportKind.ORDERS,
    source=Source.SHOPIFY,
    columns=(
        _c("order_key", "Name", required=True),
        _c("order_id", "Id"),
        _c("email", "Email"),
        _c("placed_at", "Created at", required=True),
        _c("status", "Financial Status", required=True),
        _c("total", "Total", required=True),
        _c("refunded", "Refunded Amount"),
        _c("currency", "Currency"),
        _c("cancelled_at", "Cancelled at"),
        _c("accepts_marketing", "Accepts Marketing", "Accepts Email Marketing"),
        _c("name", "Billing Name"),
        _c("item_name", "Lineitem name", per_row=True),
        _c("item_quantity", "Lineitem quantity", per_row=True),
        _c("item_price", "Lineitem price", per_row=True),
        _c("item_sku", "Lineitem sku", per_row=True),
    ),
    signature=(("Name",), ("Lineitem name", "Lineitem quantity", "Financial Status")),
    statuses=SHOPIFY_STATUSES,
)

WOOCOMMERCE_ORDERS = Format(
    kind=ImportKind.ORDERS,
    source=Source.WOOCOMMERCE,
    columns=(
        _c(
            "order_key",
            "order_id",
            "id",
            "Order ID",
            "order_number",
            "order_number_formatted",
            "Order Number",
            required=True,
        ),
        _c(
            "email",
            "billing_email",
            "customer_email",
            "Billing Email",
            "Billing Email Address",
            "Customer Email",
            "Email (Billing)",
        ),
        _c("placed_at", "order_date", "date", "created_at", "Order Date", required=True),
        _c("status", "status", "order_status", "Order Status", required=True),
        _c("total", "order_total", "total", "Order Total", "Order Total Amount", required=True),
        _c(
            "refunded",
            "refunded_total",
            "total_refunded",
            "order_refunded",
            "Refunded Total",
            "Order Refund Amount",
            "Refund Amount",
        ),
        _c("currency", "order_currency", "currency", "Order Currency"),
        _c("first_name", "billing_first_name", "Billing First Name", "First Name (Billing)"),
        _c("last_name", "billing_last_name", "Billing Last Name", "Last Name (Billing)"),
        _c("name", "billing_full_name", "Billing Full Name"),
        _c("line_items", "line_items", "Line Items"),
        # one row per item: the extension's own columns, and other plugins' names for them
        _c("item_name", "item_name", "Item Name", "Product Name", per_row=True),
        _c("item_sku", "item_sku", "Item SKU", "SKU", per_row=True),
        _c("item_quantity", "item_quantity", "Item Quantity", "Quantity", "Qty", per_row=True),
        _c("item_price", "item_price", "Item Price", "Item Cost", per_row=True),
        _c("item_total", "item_total", "Item Total", "Line Total", per_row=True),
    ),
    signature=(
        ("order_id", "order_number", "Order ID", "Order Number"),
        (
            "billing_email",
            "Billing Email",
            "order_total",
            "Order Total",
            "billing_first_name",
            "order_currency",
        ),
    ),
    statuses=WOOCOMMERCE_STATUSES,
)

GENERIC_ORDERS = Format(
    kind=ImportKind.ORDERS,
    source=Source.GENERIC,
    columns=(
        _c(
            "order_key",
            "order_id",
            "order id",
            "order",
            "order number",
            "id",
            "numero ordine",
            "n ordine",
            "id ordine",
            "codice ordine",
            "ordine",
            "numero",
            required=True,
        ),
        _c("email", *EMAIL_HEADERS, required=True),
        _c("placed_at", "date", "data", "order date", "data ordine", "created at", required=True),
        _c("total", "total", "totale", "amount", "importo", "order total", required=True),
        _c("currency", "currency", "valuta"),
        _c("status", "status", "stato", "financial status", "payment status", "stato pagamento"),
        _c("refunded", "refunded", "rimborsato", "refunded amount", "importo rimborsato"),
        _c("cancelled_at", "cancelled_at", "cancelled at", "annullato il", "data annullamento"),
        _c("lines", "lines", "righe", "line count", "numero righe"),
        _c("first_name", "first_name", "first name", "nome"),
        _c("last_name", "last_name", "last name", "cognome"),
        _c("name", "name", "full name", "nome completo", "cliente"),
        _c(
            "accepts_marketing",
            "accepts_marketing",
            "accepts marketing",
            "marketing",
            "newsletter",
            "consenso marketing",
        ),
        _c(
            "item_name",
            "item",
            "item name",
            "product",
            "product name",
            "articolo",
            "prodotto",
            "descrizione articolo",
            per_row=True,
        ),
        _c(
            "item_sku",
            "sku",
            "codice articolo",
            "item code",
            "product code",
            "codice prodotto",
            per_row=True,
        ),
        _c(
            "item_quantity",
            "quantity",
            "qty",
            "quantità",
            "quantita",
            "qtà",
            "qta",
            "pezzi",
            per_row=True,
        ),
        _c(
            "item_price",
            "price",
            "unit price",
            "item price",
            "prezzo",
            "prezzo unitario",
            per_row=True,
        ),
        _c("item_total", "line total", "item total", "totale riga", per_row=True),
    ),
    statuses=GENERIC_STATUSES,
)

GENERIC_REVIEWS = Format(
    kind=ImportKind.REVIEWS,
    source=Source.GENERIC,
    columns=(
        _c("external_id", "id", "review id", "id recensione"),
        _c("email", *EMAIL_HEADERS, "reviewer email", "customer email"),
        _c(
            "rating",
            "rating",
            "stars",
            "stelle",
            "voto",
            "valutazione",
            "punteggio",
            "score",
            required=True,
        ),
        _c(
            "reviewed_at",
            "date",
            "data",
            "reviewed at",
            "review date",
            "created at",
            "data recensione",
            required=True,
        ),  # fmt: skip
        _c("title", "title", "titolo", "review title"),
        _c(
            "body",
            "body",
            "text",
            "review",
            "content",
            "testo",
            "recensione",
            "commento",
            "comment",
        ),  # fmt: skip
    ),
)

GENERIC_NPS = Format(
    kind=ImportKind.NPS,
    source=Source.GENERIC,
    columns=(
        _c("external_id", "id", "response id", "respondent id", "id risposta"),
        _c("email", *EMAIL_HEADERS, "respondent email"),
        _c("score", "score", "nps", "voto", "punteggio", "nps score", "rating", required=True),
        _c(
            "answered_at",
            "date",
            "data",
            "answered at",
            "submitted at",
            "data risposta",
            "timestamp",
            "informazioni cronologiche",
            required=True,
        ),  # fmt: skip
        _c("comment", "comment", "commento", "feedback", "reason", "motivo", "note", "perché"),
    ),
)

GENERIC_REFERRALS = Format(
    kind=ImportKind.REFERRALS,
    source=Source.GENERIC,
    columns=(
        _c("external_id", "id", "referral id", "id invito"),
        _c(
            "email",
            "referrer_email",
            "referrer email",
            "referrer",
            "email invitante",
            "invitante",
            "referred by",
            "email",
            "e-mail",
            required=True,
        ),  # fmt: skip
        _c(
            "referred_email",
            "referred_email",
            "referred email",
            "friend email",
            "friend",
            "email amico",
            "amico",
            "email invitato",
            "invitato",
            "referee email",
            required=True,
        ),  # fmt: skip
        _c(
            "referred_at", "date", "data", "referred at", "invited at", "data invito", required=True
        ),  # fmt: skip
        _c(
            "converted",
            "converted",
            "convertito",
            "became customer",
            "diventato cliente",
            "purchased",
            "acquistato",
        ),  # fmt: skip
        _c(
            "converted_at",
            "converted_at",
            "converted at",
            "data conversione",
            "first order at",
            "data primo acquisto",
        ),  # fmt: skip
    ),
)

GENERIC_MENTIONS = Format(
    kind=ImportKind.MENTIONS,
    source=Source.GENERIC,
    columns=(
        _c("external_id", "id", "post id", "mention id", "id menzione"),
        _c(
            "platform",
            "platform",
            "piattaforma",
            "social",
            "network",
            "social network",
            "channel",
            "canale",
            required=True,
        ),  # fmt: skip
        _c("url", "url", "link", "post url", "permalink"),
        _c("email", *EMAIL_HEADERS, "author email", "email autore"),
        _c(
            "posted_at",
            "date",
            "data",
            "posted at",
            "published at",
            "data pubblicazione",
            "created at",
            required=True,
        ),  # fmt: skip
        _c("engagement", "engagement", "interactions", "interazioni"),
        _c("likes", "likes", "like", "mi piace", "reactions", "reazioni"),
        _c("comments", "comments", "commenti"),
        _c("shares", "shares", "condivisioni", "retweets", "reposts"),
    ),
)

FORMATS = {
    ImportKind.CUSTOMERS: (SHOPIFY_CUSTOMERS, GENERIC_CUSTOMERS),
    ImportKind.ORDERS: (SHOPIFY_ORDERS, WOOCOMMERCE_ORDERS, GENERIC_ORDERS),
    ImportKind.REVIEWS: (GENERIC_REVIEWS,),
    ImportKind.NPS: (GENERIC_NPS,),
    ImportKind.REFERRALS: (GENERIC_REFERRALS,),
    ImportKind.MENTIONS: (GENERIC_MENTIONS,),
}


def formats_for(kind):
    return FORMATS[kind]


def _quoted(names):
    return ", ".join(f"“{name}”" for name in names)


def _missing_columns(fmt, binding, header):
    missing = [column.headers[0] for column in binding.missing]
    found = [h for h in header if h]
    message = _(
        "Columns this file needs are missing (format: %(format)s): %(missing)s. "
        "The file's columns are: %(found)s."
    ) % {
        "format": Source(fmt.source).label,
        "missing": _quoted(missing),
        "found": _quoted(found[:20]) + (", …" if len(found) > 20 else "") if found else "—",
    }
    if len(header) == 1:
        message += " " + _(
            "The file seems to have a single column: separate the columns with commas, "
            "semicolons or tabs."
        )
    return UnreadableFile(message, code="missing_columns")


def detect_format(kind, header, source=None):
    """The format of a file of `kind`, from its header (or the one asked for), bound to it."""
    candidates = formats_for(kind)
    if source:
        chosen = [f for f in candidates if f.source == source]
        if not chosen:
            raise UnreadableFile(
                _("There is no %(format)s format for %(kind)s; use the generic format.")
                % {"format": Source(source).label, "kind": ImportKind(kind).label.lower()},
                code="unknown_format",
            )
        fmt = chosen[0]
    else:
        recognised = [f for f in candidates if f.recognises(header)]
        fmt = recognised[0] if recognised else candidates[-1]
    binding = Binding(fmt, header)
    if binding.missing:
        raise _missing_columns(fmt, binding, header)
    return binding


# --- reading rows --------------------------------------------------------------------------


@dataclass
class ReadContext:
    tz: tzinfo
    decimal_comma: bool
    currency: str
    errors: list = field(default_factory=list)
    error_count: int = 0  # every error; a row may have several
    bad_lines: set = field(default_factory=set)  # the lines they are on
    emails: dict = field(default_factory=dict)
    booleans: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)  # {exponent: {item cells: line item}}
    item_reader: tuple | None = None  # how the file's rows give their items

    def add(self, error):
        self.error_count += 1
        self.bad_lines.add(error.line)
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def boolean(self, text):
        known = self.booleans.get(text)
        if known is None:
            known = self.booleans[text] = parse_bool(text)
        return known

    def email(self, text):
        """parse_email, remembered: an orders file names the same customers again and again."""
        known = self.emails.get(text)
        if known is None:
            known = self.emails[text] = parse_email(text)
        return known


class _Row:
    """One record's cells, with parsing that records errors instead of raising."""

    __slots__ = ("binding", "ctx", "line", "cells", "ok")

    def __init__(self, binding, ctx, line, cells):
        self.binding, self.ctx, self.line, self.cells, self.ok = binding, ctx, line, cells, True

    def text(self, key):
        index = self.binding.index.get(key)
        return self.cells[index].strip() if index is not None else ""

    def fail(self, key, value, message, line=None):
        self.ok = False
        self.ctx.add(
            RowError(
                line or self.line,
                self.binding.header.get(key, ""),
                value[:MAX_VALUE_SHOWN],
                str(message),
            )
        )

    def parse(self, key, parser, *args, required=False, raw=None, line=None):
        raw = self.text(key) if raw is None else raw
        if not raw:
            if required:
                self.fail(key, raw, _("This column needs a value."), line)
            return None
        try:
            return parser(raw, *args)
        except BadValue as exc:
            self.fail(key, raw, exc.message, line)
            return None

    def clipped(self, key, length):
        return self.text(key)[:length]


def _derived_id(*parts):
    """A stable id for a row of a file that has no id column (see docs/imports.md)."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode(), usedforsecurity=False)
    return "row:" + digest.hexdigest()


def _external_id(row, key="external_id"):
    value = row.text(key)
    if len(value) > 64:
        row.fail(key, value, _("An id may be at most 64 characters long."))
    return value


def _split_name(full):
    first, _sep, last = full.strip().partition(" ")
    return first[:100], last.strip()[:100]


ITALIAN = {"it", "ita", "italiano", "italian", "italiana"}
_LANGUAGE_TAG = re.compile(r"(?:^|[,;\s])(?:lang|language|lingua|locale)\s*[:=]\s*([a-zA-Z]{2})")
_COUNTRY_NAMES = {
    "italia": "IT", "italy": "IT", "sanmarino": "SM", "germany": "DE", "germania": "DE",
    "deutschland": "DE", "france": "FR", "francia": "FR", "spain": "ES", "spagna": "ES",
    "espana": "ES", "españa": "ES", "unitedkingdom": "GB", "regnounito": "GB", "uk": "GB",
    "switzerland": "CH", "svizzera": "CH", "austria": "AT", "netherlands": "NL",
    "paesibassi": "NL", "olanda": "NL", "portugal": "PT", "portogallo": "PT",
    "unitedstates": "US", "statiuniti": "US", "usa": "US", "belgium": "BE", "belgio": "BE",
}  # fmt: skip


def _language(text):
    """'it', 'IT', 'it-IT', 'Italiano' → 'it'; any other language → 'en'."""
    key = text.strip().casefold().replace("_", "-")
    if key in ITALIAN or key.split("-")[0] in ITALIAN:
        return "it"
    if re.fullmatch(r"[a-z]{2,3}(?:-[a-z]{2,4})?", key) or re.fullmatch(r"[^\W\d_]{4,}", key):
        return "en"
    raise BadValue(_("“%(value)s” is not a language.") % {"value": text.strip()})


def _country(text):
    value = text.strip()
    if re.fullmatch(r"[A-Za-z]{2}", value):
        return value.upper()
    return _COUNTRY_NAMES.get(normalise_header(value), "")


def _guess_language(country):
    if country in ("IT", "SM", "VA"):
        return "it"
    if country and country != "CH":
        return "en"
    return None


CUSTOMER_FIELDS = {
    "first_name": ("first_name", "name"),
    "last_name": ("last_name", "name"),
    "phone": ("phone", "alt_phone"),
    "city": ("city",),
    "country": ("country",),
    "tags": ("tags",),
    "external_id": ("external_id",),
}


def customer_fields(binding):
    """The Customer fields a customers file sets (the others are left as they are)."""
    return [f for f, keys in CUSTOMER_FIELDS.items() if any(binding.has(k) for k in keys)]


def _customers(rows, binding, ctx):
    fields = customer_fields(binding)
    for line, cells in rows:
        row = _Row(binding, ctx, line, cells)
        email = row.parse("email", ctx.email, required=True)
        values = {}
        first, last = row.clipped("first_name", 100), row.clipped("last_name", 100)
        if not (first or last) and row.text("name"):
            first, last = _split_name(row.text("name"))
        phone = (row.text("phone") or row.text("alt_phone")).lstrip("'")[:40]
        country = _country(row.text("country"))
        tags = row.clipped("tags", 500)
        candidates = {
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "city": row.clipped("city", 120),
            "country": country,
            "tags": tags,
            "external_id": _external_id(row),
        }
        for name in fields:
            values[name] = candidates[name]
        consent = row.parse("accepts_marketing", ctx.boolean)
        language = row.parse("language", _language)
        if language is None and tags:
            tag = _LANGUAGE_TAG.search(tags)
            if tag:
                language = "it" if tag.group(1).lower() == "it" else "en"
        if row.ok:
            yield CustomerRecord(line, email, values, consent, language, _guess_language(country))


def _amount(text, decimal_comma, exponent):
    return parse_money(text, decimal_comma=decimal_comma, exponent=exponent)


def _money(row, key, currency, **options):
    exponent = currency_exponent(currency)
    return row.parse(key, _amount, row.ctx.decimal_comma, exponent, **options)


def _count_line_items(text):
    """WooCommerce's `line_items` cell: items separated by ';' (or a JSON list)."""
    text = text.strip()
    if not text:
        return 0
    if text.startswith("["):
        return max(text.count("{"), 1)
    return len([part for part in re.split(r"(?<!\\);", text) if part.strip()])


# --- line items ----------------------------------------------------------------------------

MAX_QUANTITY = 100_000
# Distinct line items remembered while a file is read: a shop sells the same few hundred
# things again and again, so most rows are one look-up.
ITEMS_REMEMBERED = 50_000


class _BadItem(Exception):
    """A line item's value that cannot be used: which part of the item (quantity, price,
    total), the value as written, and why."""

    def __init__(self, part, value, message):
        self.part, self.value, self.message = part, value, str(message)
        super().__init__(self.message)


def _quantity(text):
    if text.isascii() and text.isdigit() and len(text) <= 6 and int(text) <= MAX_QUANTITY:
        return int(text)
    return parse_whole(text, 0, MAX_QUANTITY)


def _item_amount(part, text, amount):
    try:
        value = amount(text)
    except BadValue as exc:
        raise _BadItem(part, text, exc.message) from None
    if value < 0:
        raise _BadItem(part, text, _("A price cannot be negative."))
    return value


def _item(name, sku, quantity, price, total, amount):
    """One line item from its texts; None for a line of quantity 0 (nothing was bought).

    `price` is the unit price; without it, `total` is the line's total and the unit price is
    total ÷ quantity, rounded half up; with neither the price is 0. An empty quantity is 1.
    `amount(text)` reads an amount in minor units. Raises `_BadItem`.
    """
    count = 1
    if quantity:
        try:
            count = _quantity(quantity)
        except BadValue as exc:
            raise _BadItem("quantity", quantity, exc.message) from None
        if not count:
            return None
    if price:
        unit = _item_amount("price", price, amount)
    elif total:
        unit = (2 * _item_amount("total", total, amount) + count) // (2 * count)
    else:
        unit = 0
    return {"name": name[:200], "sku": sku[:64], "quantity": count, "price_minor": unit}


ITEM_KEYS = ("item_name", "item_sku", "item_quantity", "item_price", "item_total")
_ITEM_COLUMN = {"quantity": "item_quantity", "price": "item_price", "total": "item_total"}
_NO_ITEM = object()  # what a row without an item is remembered as


def _item_reader(binding):
    """How the rows of a file give their items: `cells_of(cells)`, the item's cells as
    written (what an item is remembered by), and `texts_of(those)`, the texts `_item` takes."""
    present = [(slot, binding.item_index[key]) for slot, key in enumerate(ITEM_KEYS)
               if key in binding.item_index]  # fmt: skip
    positions = [index for _slot, index in present]
    if len(positions) == 1:
        (only,) = positions

        def cells_of(cells):
            return (cells[only],)
    else:
        cells_of = itemgetter(*positions)

    def texts_of(raw):
        texts = [""] * len(ITEM_KEYS)
        for (slot, _index), value in zip(present, raw, strict=True):
            texts[slot] = value.strip()
        return texts

    return cells_of, texts_of


def _row_items(group, row, exponent):
    """The line items of an order written one a row (Shopify; WooCommerce and spreadsheets
    with one row per item). A row without an item name or code holds no item; a bad value is
    reported on its own row and column.

    Rows with the same item cells give the same item, so each distinct one is read once per
    file (and its dict shared by the orders that have it)."""
    ctx = row.ctx
    if ctx.item_reader is None:
        ctx.item_reader = _item_reader(row.binding)
    cells_of, texts_of = ctx.item_reader
    remembered = ctx.items.get(exponent)
    if remembered is None:
        remembered = ctx.items[exponent] = {}
    items = []
    for line, cells in group:
        raw = cells_of(cells)
        item = remembered.get(raw)
        if item is None:
            item = _new_row_item(row, line, texts_of(raw), exponent)
            if item is None:
                continue
            if len(remembered) < ITEMS_REMEMBERED:
                remembered[raw] = item
        if item is not _NO_ITEM:
            items.append(item)
            if len(items) == MAX_ORDER_ITEMS:
                break
    return items


def _new_row_item(row, line, texts, exponent):
    """The item of a row not seen before: `_NO_ITEM` for none, None for a bad one (reported)."""
    name, sku, *values = texts
    if not (name or sku):
        return _NO_ITEM
    decimal_comma = row.ctx.decimal_comma

    def amount(text):
        return parse_money(text, decimal_comma=decimal_comma, exponent=exponent)

    try:
        item = _item(name, sku, *values, amount)
    except _BadItem as exc:
        row.fail(_ITEM_COLUMN[exc.part], exc.value, exc.message, line)
        return None
    return _NO_ITEM if item is None else item


_CELL_ITEMS = re.compile(r"(?<!\\);")
_CELL_FIELDS = re.compile(r"(?<!\\)\|")
_ESCAPED = re.compile(r"\\([\\;|:])")
# The names of an item's values in a `line_items` cell, and what they are to us.
_CELL_NAMES = {
    "name": "name",
    "sku": "sku",
    "quantity": "quantity",
    "qty": "quantity",
    "price": "price",
    "total": "total",
    "line_total": "total",
}


def _cell_fields(pairs):
    fields = {}
    for key, value in pairs:
        name = _CELL_NAMES.get(str(key).strip().lower())
        if name is not None and name not in fields:
            fields[name] = value
    return fields


def _piped_items(text):
    """'name:Casco|quantity:1|total:60.00;name:…' → [(the item's text, its fields)]; a `;`,
    `|` or `:` inside a value is written with a backslash before it."""
    entries = []
    for part in _CELL_ITEMS.split(text):
        part = part.strip()
        if part:
            pairs = (piece.partition(":") for piece in _CELL_FIELDS.split(part))
            fields = _cell_fields(
                (key, _ESCAPED.sub(r"\1", value.strip())) for key, sep, value in pairs if sep
            )
            entries.append((part, fields))
    return entries


def _as_text(value):
    """A value of a JSON item as the text a file would hold: 2 → '2', None → ''."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _json_items(text):
    """'[{"name": "Casco", "quantity": 1, "total": "60.00"}, …]' → [(the item's text, its
    fields)]."""
    try:
        data = json.loads(text)
    except ValueError:
        raise _BadItem("items", text, _("The items are not valid JSON.")) from None
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise _BadItem("items", text, _("The items must be a JSON list of objects."))
    return [
        (
            json.dumps(entry, ensure_ascii=False),
            _cell_fields((key, _as_text(value)) for key, value in entry.items()),
        )
        for entry in data
    ]


def _cell_items(text, exponent):
    """The line items in WooCommerce's `line_items` cell: 'name:Casco|quantity:1|total:60.00;
    name:…' (the Customer/Order CSV Export's format, where `total` is the line's total), or a
    JSON list of objects with name, sku, quantity and total (the line's) or price (each).
    Amounts there are as WooCommerce writes them, with a decimal point. Raises `_BadItem`
    naming the item at fault."""

    def amount(value):
        return parse_money(value, decimal_comma=False, exponent=exponent)

    text = text.strip()
    entries = _json_items(text) if text.startswith("[") else _piped_items(text)
    items = []
    for number, (shown, fields) in enumerate(entries, 1):
        get = fields.get
        name, sku = get("name", ""), get("sku", "")
        if not (name or sku):
            continue
        try:
            item = _item(name, sku, get("quantity", ""), get("price", ""), get("total", ""), amount)
        except _BadItem as exc:
            raise _BadItem(
                exc.part,
                shown,
                _("Item %(number)d: %(reason)s") % {"number": number, "reason": exc.message},
            ) from None
        if item is not None:
            items.append(item)
            if len(items) == MAX_ORDER_ITEMS:
                break
    return items


def _group_value(group, index):
    """An order-level value: on the first row of the order, or failing that the first row
    that has it (exports repeat them, or write them once)."""
    if index is None:
        return "", group[0][0]
    for line, cells in group:
        value = cells[index]
        if value and (value := value.strip()):
            return value, line
    return "", group[0][0]


def _status(fmt, raw):
    status = fmt.statuses.get(raw) or fmt.statuses.get(normalise_header(raw))
    if status is None and raw[:3].lower() == "wc-":
        status = fmt.statuses.get(normalise_header(raw[3:]))
    return status


def _order(group, binding, ctx):
    """One order from its rows; the values on the first row, or on the first row that has
    them (exports repeat order-level values on every row, or write them once)."""
    fmt = binding.format
    first_line, first_cells = group[0]
    row = _Row(binding, ctx, first_line, first_cells)
    values, lines = {}, {}
    for key, position in binding.positions:
        text = first_cells[position]
        if text:
            text = text.strip()
        if not text and len(group) > 1:
            text, lines[key] = _group_value(group, position)
        values[key] = text
    get = values.get

    external_id = get("order_id") or values["order_key"]
    if len(external_id) > 64:
        row.fail("order_key", external_id, _("An id may be at most 64 characters long."))
    raw = get("email")
    email = row.parse("email", ctx.email, raw=raw, line=lines.get("email")) if raw else ""
    placed_at = row.parse(
        "placed_at",
        parse_datetime,
        ctx.tz,
        raw=get("placed_at", ""),
        line=lines.get("placed_at"),
        required=True,
    )
    raw = get("currency")
    currency = raw.upper() if raw else ctx.currency
    if len(currency) != 3 or not currency.isalpha():
        row.fail(
            "currency",
            raw,
            _("“%(value)s” is not a currency code such as EUR.") % {"value": raw},
            lines.get("currency"),
        )
    raw = get("total", "")
    total = _money(row, "total", currency, raw=raw, line=lines.get("total"), required=True)
    if total is not None and total < 0:
        row.fail("total", raw, _("An order total cannot be negative."), lines.get("total"))
    raw = get("refunded")
    refunded = _money(row, "refunded", currency, raw=raw, line=lines.get("refunded")) if raw else 0
    refunded = abs(refunded or 0)
    raw = get("status")
    if raw:
        status = _status(fmt, raw)
        if status is None:
            row.fail(
                "status",
                raw,
                _("“%(value)s” is not a payment status we know.") % {"value": raw},
                lines.get("status"),
            )
    elif fmt.column("status").required:
        status = None
        row.fail("status", "", _("This column needs a value."))
    else:
        status = FinancialStatus.PAID
    if fmt.source != Source.SHOPIFY and status == FinancialStatus.PAID and refunded and total:
        # WooCommerce and spreadsheets give the refund, not a "partially refunded" status.
        status = (
            FinancialStatus.REFUNDED if refunded >= total else FinancialStatus.PARTIALLY_REFUNDED
        )
    raw = get("cancelled_at")
    cancelled_at = (
        row.parse("cancelled_at", parse_datetime, ctx.tz, raw=raw, line=lines.get("cancelled_at"))
        if raw
        else None
    )
    raw = get("lines")
    if raw:
        line_count = row.parse("lines", parse_whole, 1, 100_000, raw=raw, line=lines.get("lines"))
    elif "line_items" in values:
        line_count = max(_count_line_items(values["line_items"]), 1)
    else:
        line_count = len(group)
    raw = get("accepts_marketing")
    consent = (
        row.parse("accepts_marketing", ctx.boolean, raw=raw, line=lines.get("accepts_marketing"))
        if raw
        else None
    )
    exponent = currency_exponent(currency)
    raw = get("line_items")
    if raw:
        try:
            items = _cell_items(raw, exponent)
        except _BadItem as exc:
            items = []
            row.fail("line_items", exc.value, exc.message, lines.get("line_items"))
    elif binding.item_index:
        items = _row_items(group, row, exponent)
    else:
        items = []
    first, last = get("first_name", "")[:100], get("last_name", "")[:100]
    if not (first or last):
        first, last = _split_name(get("name", ""))
    if not row.ok:
        return None
    return OrderRecord(
        first_line,
        external_id,
        email,
        placed_at,
        currency,
        total,
        refunded,
        status,
        cancelled_at,
        line_count,
        consent,
        first,
        last,
        items,
    )


def _orders(rows, binding, ctx):
    """Rows of one order are consecutive and share the order key (Shopify's `Name`); the order
    is counted once, its order-level values read from its first row."""
    key_index = binding.index["order_key"]
    group, group_key = [], None
    for line, cells in rows:
        key = cells[key_index].strip()
        if key and key == group_key:
            group.append((line, cells))
            continue
        if group:
            record = _order(group, binding, ctx)
            if record is not None:
                yield record
        if not key:
            _Row(binding, ctx, line, cells).fail(
                "order_key", "", _("This column needs a value: it says which order the row is.")
            )
            group, group_key = [], None
            continue
        group, group_key = [(line, cells)], key
    if group:
        record = _order(group, binding, ctx)
        if record is not None:
            yield record


def _reviews(rows, binding, ctx):
    has_id = binding.has("external_id")
    for line, cells in rows:
        row = _Row(binding, ctx, line, cells)
        email = row.parse("email", ctx.email) or ""
        rating = row.parse("rating", parse_whole, 1, 5, required=True)
        reviewed_at = row.parse("reviewed_at", parse_datetime, ctx.tz, required=True)
        title, body = row.clipped("title", 200), row.text("body")
        external_id = _external_id(row) if has_id else ""
        if not row.ok:
            continue
        if not external_id:
            external_id = (
                _derived_id("review", email, reviewed_at.isoformat())
                if email
                else _derived_id("review", reviewed_at.isoformat(), title, body)
            )
        yield ReviewRecord(line, external_id, email, rating, title, body, reviewed_at)


def _nps(rows, binding, ctx):
    has_id = binding.has("external_id")
    for line, cells in rows:
        row = _Row(binding, ctx, line, cells)
        email = row.parse("email", ctx.email) or ""
        score = row.parse("score", parse_whole, 0, 10, required=True)
        answered_at = row.parse("answered_at", parse_datetime, ctx.tz, required=True)
        comment = row.text("comment")
        external_id = _external_id(row) if has_id else ""
        if not row.ok:
            continue
        if not external_id:
            external_id = (
                _derived_id("nps", email, answered_at.isoformat())
                if email
                else _derived_id("nps", answered_at.isoformat(), score, comment)
            )
        yield NpsRecord(line, external_id, email, score, comment, answered_at)


def _referrals(rows, binding, ctx):
    has_id = binding.has("external_id")
    for line, cells in rows:
        row = _Row(binding, ctx, line, cells)
        email = row.parse("email", ctx.email, required=True)
        friend = row.parse("referred_email", ctx.email, required=True)
        if email and friend and email == friend:
            row.fail("referred_email", friend, _("Someone cannot refer themselves."))
        referred_at = row.parse("referred_at", parse_datetime, ctx.tz, required=True)
        converted = row.parse("converted", ctx.boolean)
        converted_at = row.parse("converted_at", parse_datetime, ctx.tz)
        external_id = _external_id(row) if has_id else ""
        if not row.ok:
            continue
        if converted_at is not None and converted is None:
            converted = True
        yield ReferralRecord(
            line,
            external_id or _derived_id("referral", email, friend),
            email,
            friend,
            referred_at,
            converted,
            converted_at,
        )


def _mentions(rows, binding, ctx):
    has_id = binding.has("external_id")
    for line, cells in rows:
        row = _Row(binding, ctx, line, cells)
        platform = row.clipped("platform", 30)
        if not platform:
            row.fail("platform", "", _("This column needs a value."))
        url = row.text("url")
        if len(url) > 500 or (url and not re.match(r"(?i)https?://", url)):
            row.fail("url", url, _("“%(value)s” is not a web address.") % {"value": url[:80]})
        email = row.parse("email", ctx.email) or ""
        posted_at = row.parse("posted_at", parse_datetime, ctx.tz, required=True)
        engagement = row.parse("engagement", parse_whole, 0, 2_000_000_000)
        if engagement is None:
            parts = [row.parse(key, parse_whole, 0, 2_000_000_000) for key in
                     ("likes", "comments", "shares")]  # fmt: skip
            engagement = sum(p or 0 for p in parts)
        external_id = _external_id(row) if has_id else ""
        if not row.ok:
            continue
        if not external_id:
            external_id = (
                _derived_id("mention", url)
                if url
                else _derived_id("mention", platform, email, posted_at.isoformat())
            )
        yield MentionRecord(line, external_id, email, platform, url, engagement, posted_at)


READERS = {
    ImportKind.CUSTOMERS: _customers,
    ImportKind.ORDERS: _orders,
    ImportKind.REVIEWS: _reviews,
    ImportKind.NPS: _nps,
    ImportKind.REFERRALS: _referrals,
    ImportKind.MENTIONS: _mentions,
}


def _key(kind, record):
    return record.email if kind == ImportKind.CUSTOMERS else record.external_id


def read_records(kind, rows, binding, ctx):
    """Every good record of the file, once: a later row with the same key as an earlier one
    (the same e-mail in a customers file, the same id otherwise) is reported, not kept."""
    seen = {}
    key_column = "email" if kind == ImportKind.CUSTOMERS else (
        "order_key" if kind == ImportKind.ORDERS else "external_id"
    )  # fmt: skip
    for record in READERS[kind](rows, binding, ctx):
        key = _key(kind, record)
        earlier = seen.get(key)
        if earlier is not None:
            ctx.add(
                RowError(
                    record.line,
                    binding.header.get(key_column, ""),
                    key[:MAX_VALUE_SHOWN] if not key.startswith("row:") else "",
                    _("The same record is already on line %(line)d; this line is skipped.")
                    % {"line": earlier},
                )
            )
            continue
        seen[key] = record.line
        yield record
