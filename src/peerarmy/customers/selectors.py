"""Reads of customers' imports that the console and the API share, and of what customers
bought."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope

from peerarmy.errors import NotFound
from peerarmy.excel import safe_text

from .models import COUNTED_STATUSES, Customer, ImportJob, ImportRowError, Order

# Excel runs a cell that starts with one of these as a formula: an uploaded file must not be
# able to plant one in the errors file someone opens later.


def import_jobs_for_business(business):
    return (
        ImportJob.objects.filter(business=business)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def get_import_job(business, job_id) -> ImportJob:
    """The business's import `job_id`; `NotFound` for any other id, another business's
    included."""
    job = import_jobs_for_business(business).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def row_errors(job):
    return ImportRowError.objects.filter(business=job.business_id, job=job).order_by("line", "pk")


_safe_cell = safe_text


def errors_csv_chunks(job):
    """The errors of an import as a CSV file that Italian Excel opens as it is: UTF-8 with a
    BOM, `;`-separated, a header line, then line;column;value;reason for each bad row, in the
    language of who imported the file (the reasons are in it too).

    A generator meant for a streaming response: it sets its own scope and language, because
    it runs after the view has returned."""
    with scope(business=job.business_id), translation.override(job.language):
        yield from _errors_csv(job)


def _errors_csv(job):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("line"), _("column"), _("value"), _("reason")])
    yield "\ufeff" + buffer.getvalue()
    for chunk_start in range(0, job.error_count or 1, 2000):
        buffer.seek(0)
        buffer.truncate()
        rows = row_errors(job).values_list("line", "column", "value", "message")[
            chunk_start : chunk_start + 2000
        ]
        for line, column, value, message in rows:
            writer.writerow([line, _safe_cell(column), _safe_cell(value), _safe_cell(message)])
        if buffer.tell():
            yield buffer.getvalue()


def errors_csv_filename(job):
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", job.filename.rsplit(".", 1)[0]).strip("-.")
    return f"{stem[:60] or 'import'}-errors-{job.pk}.csv"


def has_customers(business) -> bool:
    return Customer.objects.filter(business=business).exists()


def search_customers(business, text, *, limit=10):
    """Customers whose name or e-mail holds `text` ("Rossi", "giulia@"), by name."""
    return list(
        Customer.objects.filter(business=business)
        .filter(
            Q(email__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
        )
        .order_by("last_name", "first_name", "pk")[:limit]
    )


# --- what customers bought -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoughtItem:
    """One line of an order a customer paid for and kept."""

    order_pk: int
    order_id: str  # the order's id in the shop's system: "5000000001001", "#1001", "812"
    placed_at: datetime
    position: int  # the line's place among the order's items, from 0
    name: str
    sku: str
    quantity: int
    unit_price_minor: int
    currency: str


def bought_items(business, customer) -> list[BoughtItem]:
    """What `customer` (a Customer of `business`, or an e-mail address) bought at `business`:
    the line items of their orders that count (paid or partially refunded, not cancelled)
    and were not refunded in full, newest order first, each order's lines in its own order.

    Orders are the customer's by the e-mail they were imported with (an import links them);
    another business's customer, or an address nobody at `business` has, bought nothing.
    """
    if isinstance(customer, Customer):
        if customer.business_id != business.pk:
            return []
        customer_ids = [customer.pk]
    else:
        email = (customer or "").strip()
        if not email:
            return []
        # Imports store addresses in lower case (the unique key's index finds them); a
        # customer entered otherwise is still found, by a slower comparison.
        ids = Customer.objects.filter(business=business).values_list("pk", flat=True)
        customer_ids = list(ids.filter(email=email.lower())) or list(
            ids.filter(email__iexact=email)
        )
        if not customer_ids:
            return []
    orders = (
        Order.objects.filter(
            business=business,
            customer_id__in=customer_ids,
            financial_status__in=COUNTED_STATUSES,
            cancelled_at__isnull=True,
        )
        .filter(Q(refunded_minor=0) | Q(refunded_minor__lt=F("total_minor")))
        .order_by("-placed_at", "-pk")
        .values_list("pk", "external_id", "placed_at", "currency", "items")
    )
    return [
        BoughtItem(
            order_pk=pk,
            order_id=external_id,
            placed_at=placed_at,
            position=position,
            name=item.get("name", ""),
            sku=item.get("sku", ""),
            quantity=item.get("quantity", 1),
            unit_price_minor=item.get("price_minor", 0),
            currency=currency,
        )
        for pk, external_id, placed_at, currency, items in orders
        for position, item in enumerate(items or ())
    ]
