"""Reads of customers' imports that the console and the API share."""

import csv
import io
import re

from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope

from peerarmy.errors import NotFound
from peerarmy.excel import safe_text

from .models import ImportJob, ImportRowError

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
    from .models import Customer

    return Customer.objects.filter(business=business).exists()


def search_customers(business, text, *, limit=10):
    """Customers whose name or e-mail holds `text` ("Rossi", "giulia@"), by name."""
    from django.db.models import Q

    from .models import Customer

    return list(
        Customer.objects.filter(business=business)
        .filter(
            Q(email__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
        )
        .order_by("last_name", "first_name", "pk")[:limit]
    )
