"""Every change to customers and their history: importing files (the one path the CLI, the
console, the API and the demo share) and starting an import in the background.

An import reads and checks every row first, reporting each bad row with its line, column and
reason in the importer's language; then it writes everything that was good in ONE transaction
with bulk upserts (customers/sql.py), so that a failure midway leaves nothing half-written.
Importing the same file twice changes nothing: incoming values are compared with what is
stored, and only new or changed rows are written. docs/imports.md explains the rules for
people.

When an import changed something, the event `customers.imported` is published (see
`peerarmy.events`): the apps that read customers (superfans' scores) follow from there, so
this app imports none of them.
"""

import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from peerarmy import events
from peerarmy.errors import ValidationFailed
from peerarmy.inputs import Outcome
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import sql
from .importers.formats import (
    ReadContext,
    RowError,
    customer_fields,
    detect_format,
    read_records,
)
from .importers.readers import Table, UnreadableFile
from .inputs import ImportFormat, ImportInput
from .models import (
    COUNTED_STATUSES,
    Customer,
    ImportJob,
    ImportKind,
    ImportRowError,
    ImportStatus,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
)

FORMAT_CHOICES = tuple(f.value for f in ImportFormat)
# How much of the progress bar reading takes; saving takes the rest.
READ_SHARE = 0.6
DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # settings.IMPORT_MAX_BYTES overrides it
# Published after an import that created or changed something; the payload says what.
IMPORTED = "customers.imported"


class Phase:
    """What an import is doing, stored in ImportJob.phase; the console words them."""

    QUEUED = "queued"
    READING = "reading"
    SAVING = "saving"
    DONE = "done"
    FAILED = "failed"


@dataclass
class ImportResult:
    kind: str
    format: str
    encoding: str
    delimiter: str
    rows: int = 0  # data rows in the file
    records: int = 0  # what they describe: customers, orders (one per group of lines), …
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0  # minimal customers an orders file brought in
    errors: list = field(default_factory=list)  # the first MAX_ERRORS_KEPT errors
    error_count: int = 0  # all of them (a row may have several)
    bad_rows: int = 0  # the rows they are on
    job: ImportJob | None = None
    timings: dict = field(default_factory=dict)  # seconds per phase
    parsed: list | None = field(default=None, repr=False)  # the good records, until written
    fields: list = field(default_factory=list, repr=False)  # Customer fields a file sets

    def summary(self, details=100):
        """What `peerarmy import --json` prints and the API answers about an import."""
        return {
            "kind": self.kind,
            "format": self.format,
            "rows": self.rows,
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "customers_created": self.customers_created,
            "errors": self.error_count,
            "bad_rows": self.bad_rows,
            "error_details": [error.as_dict() for error in self.errors[:details]],
        }


# --- the import ----------------------------------------------------------------------------


class _Progress:
    """Tells the caller (a progress bar) and the job (the console) how far the import is.

    The job is updated in short transactions of its own while the file is read; while saving,
    the work happens in one transaction that nobody else can see into, so the job only says
    that it is saving.
    """

    def __init__(self, job, callback):
        self.job, self.callback = job, callback
        self.percent, self.at = -1, 0.0

    def __call__(self, phase, fraction):
        if self.callback is not None:
            self.callback(phase, fraction)
        percent = min(int(fraction * 100), 99)
        now = time.monotonic()
        if (
            self.job is not None
            and percent > self.percent
            and (now - self.at >= 0.5 or phase != Phase.READING)
            and not transaction.get_connection().in_atomic_block
        ):
            ImportJob.objects.filter(pk=self.job.pk).update(phase=phase, progress=percent)
            self.percent, self.at = percent, now


def import_file(
    business,
    data: ImportInput,
    source,
    *,
    actor=None,
    language=None,
    job=None,
    progress=None,
    filename="",
    rescore=True,
) -> Outcome[ImportResult]:
    """Import one file of `data.kind` (customers, orders, reviews, nps, referrals, mentions).

    `source` is a path, bytes or a file object. `data.format` (shopify, woocommerce, generic)
    is found from the header when not given. Bad rows are reported in `language` and skipped;
    the rest is written in one transaction. An ImportJob records the import (pass `job` to use
    one that exists). `progress(phase, fraction)` is called as the import advances. Raises
    UnreadableFile when the file as a whole cannot be read (the job records why).

    When the import created or changed something, `customers.imported` is published with
    `rescore` in its payload: whether the business's superfan scores should be recomputed in
    the background (the demo scores itself, once, at the end).
    """
    kind, fmt = data.kind.value, data.format.value if data.format else None
    if actor is not None:
        check_can(actor, business, Capability.CUSTOMERS)
    language = language or getattr(actor, "language", "") or business.default_language
    with scope(business=business), translation.override(language):
        if job is None:
            job = ImportJob.objects.create(
                business=business,
                kind=kind,
                format=fmt or "",
                filename=(filename or _name_of(source))[:255],
                language=language,
                status=ImportStatus.RUNNING,
                phase=Phase.READING,
                created_by=actor,
            )
        else:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.RUNNING, phase=Phase.READING, progress=0
            )
        step = _Progress(job, progress)
        try:
            result = _read(business, kind, source, fmt, step)
        except UnreadableFile as exc:
            _fail(job, exc.message)
            raise
        except Exception:
            _fail(job, _("The import stopped unexpectedly while reading; nothing was saved."))
            raise
        result.job = job
        _save_row_errors(business, job, result)
        ImportJob.objects.filter(pk=job.pk).update(
            format=result.format,
            encoding=result.encoding,
            delimiter=result.delimiter,
            rows=result.rows,
            records=result.records,
            error_count=result.error_count,
            bad_rows=result.bad_rows,
        )
        step(Phase.SAVING, READ_SHARE)
        started = time.monotonic()
        try:
            with transaction.atomic():
                WRITERS[kind](business, result, step)
        except Exception:
            _fail(
                job,
                _(
                    "Saving failed, so nothing from this file was saved; what was stored before "
                    "is untouched. Try again; if it fails again, tell us."
                ),
            )
            raise
        result.timings["write"] = time.monotonic() - started
        result.parsed = None  # the records are in the database now; let their memory go
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.SUCCEEDED,
            phase=Phase.DONE,
            progress=100,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            customers_created=result.customers_created,
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        if result.created or result.updated or result.customers_created:
            events.publish(
                business,
                IMPORTED,
                key=f"import:{job.pk}",
                payload={
                    "job": job.pk,
                    "kind": kind,
                    "created": result.created,
                    "updated": result.updated,
                    "rescore": rescore,
                },
            )
        if progress is not None:
            progress(Phase.DONE, 1.0)
        return Outcome(result, created=True)


def _name_of(source):
    name = getattr(source, "name", None) or (source if isinstance(source, str) else "")
    return str(name).replace("\\", "/").rsplit("/", 1)[-1]


def _fail(job, message):
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED,
        phase=Phase.FAILED,
        failure=str(message),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()


def _read(business, kind, source, fmt, step):
    started = time.monotonic()
    tab_decimal_comma = business.default_language == "it"
    with Table(source, tab_decimal_comma=tab_decimal_comma) as table:
        binding = detect_format(kind, table.header, fmt)
        ctx = ReadContext(
            tz=business.tzinfo, decimal_comma=table.decimal_comma, currency=business.currency
        )
        rows = 0

        def counted(on_progress):
            nonlocal rows
            for item in table.rows(on_progress):
                rows += 1
                yield item

        def on_progress(done, size):
            step(Phase.READING, READ_SHARE * done / max(size, 1))

        step(Phase.READING, 0.0)

        records = list(read_records(kind, counted(on_progress), binding, ctx))
        for line, message in table.problems:
            ctx.add(RowError(line, "", "", str(message)))
        errors = sorted(ctx.errors, key=lambda e: e.line)
        result = ImportResult(
            kind=kind,
            format=binding.format.source,
            encoding=table.encoding,
            delimiter=table.delimiter,
            rows=rows + len(table.problems),
            records=len(records),
            errors=errors,
            error_count=ctx.error_count,
            bad_rows=len(ctx.bad_lines),
        )
        result.parsed = records
        result.fields = customer_fields(binding) if kind == ImportKind.CUSTOMERS else []
    result.timings["read"] = time.monotonic() - started
    return result


def _save_row_errors(business, job, result):
    with transaction.atomic():
        ImportRowError.objects.filter(job=job).delete()
        ImportRowError.objects.bulk_create(
            (
                ImportRowError(
                    business=business,
                    job=job,
                    line=error.line,
                    column=error.column[:100],
                    value=error.value[:200],
                    message=error.message[:500],
                )
                for error in result.errors
            ),
            batch_size=500,
        )


# --- writing: bulk upserts in one transaction ----------------------------------------------


def _upsert(business, model, columns, rows, unique_fields, update_fields, step=None, share=None):
    """Upsert `rows` of the business in batches (customers/sql.py), reporting progress."""
    on_batch = None
    if step is not None:
        low, high = share or (0.0, 1.0)

        def on_batch(fraction):
            step(Phase.SAVING, low + (high - low) * fraction)

    sql.upsert(business, model, columns, rows, unique_fields, update_fields, on_batch)


def _saving_share(start, end):
    return (READ_SHARE + (1 - READ_SHARE) * start, READ_SHARE + (1 - READ_SHARE) * end)


def _customer_ids(business, emails):
    """{email: customer id} for the e-mails that belong to a customer of the business."""
    found = sql.existing(business, Customer, "email", emails, ["id"])
    return {email: values[0] for email, values in found.items()}


CUSTOMER_COLUMNS = [
    "business_id",
    "email",
    "source",
    "created_at",
    "updated_at",
    "first_name",
    "last_name",
    "phone",
    "city",
    "country",
    "tags",
    "external_id",
    "accepts_marketing",
    "language",
]
CUSTOMER_DEFAULTS = dict.fromkeys(CUSTOMER_COLUMNS[5:12], "")


def _customer_row(business, email, source, now, values):
    full = {**CUSTOMER_DEFAULTS, **values}
    return (business.pk, email, source, now, now, *(full[c] for c in CUSTOMER_COLUMNS[5:]))


def _write_customers(business, result, step):
    records = result.parsed
    fields = [*result.fields, "accepts_marketing", "language"]
    stored = sql.existing(business, Customer, "email", (r.email for r in records), fields)
    now = timezone.now()
    rows = []
    for record in records:
        old = stored.get(record.email)
        old_values = dict(zip(fields, old, strict=True)) if old is not None else {}
        values = dict(record.values)
        if record.accepts_marketing is not None:
            values["accepts_marketing"] = record.accepts_marketing
        else:  # the file does not say: keep what we know, and never assume consent
            values["accepts_marketing"] = old_values.get("accepts_marketing", False)
        values["language"] = (
            record.language
            or old_values.get("language")
            or record.language_guess
            or business.default_language
        )
        if old is None:
            result.created += 1
        elif all(old_values[name] == values[name] for name in fields):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        rows.append(_customer_row(business, record.email, result.format, now, values))
    _upsert(
        business,
        Customer,
        CUSTOMER_COLUMNS,
        rows,
        ["business", "email"],
        [*fields, "updated_at"],
        step,
        _saving_share(0.0, 0.9),
    )
    if result.created:
        _link_new_customers(business)
        _refresh_referrals(business)


def _new_customer_rows(records, known, business, source, now):
    """Minimal customers for the e-mails of an orders file that no customer has: the name on
    the order and, from the most recent order, the consent it recorded."""
    latest = {}
    for record in records:
        if record.email and record.email not in known:
            seen = latest.get(record.email)
            if seen is None or record.placed_at > seen.placed_at:
                latest[record.email] = record
    return [
        _customer_row(
            business,
            email,
            source,
            now,
            {
                "first_name": record.first_name,
                "last_name": record.last_name,
                "accepts_marketing": bool(record.accepts_marketing),
                "language": business.default_language,
            },
        )
        for email, record in latest.items()
    ]


IMPORTED_COLUMNS = ["business_id", "source", "external_id", "imported_at"]
ORDER_FIELDS = [
    "customer_id",
    "email",
    "placed_at",
    "currency",
    "total_minor",
    "refunded_minor",
    "financial_status",
    "cancelled_at",
    "line_count",
    "items",
]


def _write_rows(model, business, result, step, fields, keyed_values, share):
    """Upsert imported rows given as (external_id, values in `fields` order); count what is
    new, changed and unchanged against what is stored."""
    stored = sql.existing(
        business, model, "external_id", (key for key, _v in keyed_values), fields,
        source=result.format,
    )  # fmt: skip
    now = timezone.now()
    rows = []
    for external_id, values in keyed_values:
        old = stored.get(external_id)
        if old is None:
            result.created += 1
        elif old == values:
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        rows.append((business.pk, result.format, external_id, now, *values))
    _upsert(
        business,
        model,
        [*IMPORTED_COLUMNS, *fields],
        rows,
        ["business", "source", "external_id"],
        ["imported_at", *fields],
        step,
        share,
    )
    return len(rows)


def _items_text():
    """`items → their sql.json_text`, encoding each item once: a file's orders share the
    dicts of the items they repeat (see formats._row_items), so most orders are a join."""
    texts = {}

    def text(items):
        parts = []
        for item in items:
            part = texts.get(id(item))
            if part is None:
                part = texts[id(item)] = sql.json_text(item)
            parts.append(part)
        return "[" + ",".join(parts) + "]"

    return text


def _write_orders(business, result, step):
    records = result.parsed
    started = time.monotonic()
    customer_ids = _customer_ids(business, {r.email for r in records if r.email})
    new_customers = _new_customer_rows(
        records, customer_ids, business, result.format, timezone.now()
    )
    if new_customers:
        _upsert(business, Customer, CUSTOMER_COLUMNS, new_customers, ["business", "email"], None)
        customer_ids.update(_customer_ids(business, (row[1] for row in new_customers)))
        result.customers_created = len(new_customers)
    result.timings["customers"] = time.monotonic() - started
    step(Phase.SAVING, _saving_share(0.0, 0.2)[1])

    started = time.monotonic()
    get_id = customer_ids.get
    items_text = _items_text()
    written = _write_rows(
        Order,
        business,
        result,
        step,
        ORDER_FIELDS,
        [
            (
                r.external_id,
                (
                    get_id(r.email),
                    r.email,
                    r.placed_at,
                    r.currency,
                    r.total_minor,
                    r.refunded_minor,
                    r.financial_status,
                    r.cancelled_at,
                    r.line_count,
                    items_text(r.items),
                ),
            )
            for r in records
        ],
        _saving_share(0.2, 0.95),
    )
    result.timings["orders"] = time.monotonic() - started
    if new_customers:
        _link_new_customers(business)
    if written:
        _refresh_referrals(business)


def _imported_writer(model, fields, values_of):
    """The writer of reviews, NPS answers and mentions: linked to the customer by e-mail,
    kept without a customer when nobody has that e-mail."""

    def write(business, result, step):
        records = result.parsed
        customer_ids = _customer_ids(business, {r.email for r in records if r.email})
        _write_rows(
            model,
            business,
            result,
            step,
            fields,
            [(r.external_id, (customer_ids.get(r.email), *values_of(r))) for r in records],
            _saving_share(0.0, 0.95),
        )

    return write


_write_reviews = _imported_writer(
    Review,
    ["customer_id", "email", "rating", "title", "body", "reviewed_at"],
    lambda r: (r.email, r.rating, r.title, r.body, r.reviewed_at),
)
_write_nps = _imported_writer(
    NpsResponse,
    ["customer_id", "email", "score", "comment", "answered_at"],
    lambda r: (r.email, r.score, r.comment, r.answered_at),
)
_write_mentions = _imported_writer(
    Mention,
    ["customer_id", "email", "platform", "url", "engagement", "posted_at"],
    lambda r: (r.email, r.platform, r.url, r.engagement, r.posted_at),
)

REFERRAL_FIELDS = [
    "customer_id",
    "email",
    "referred_email",
    "referred_customer_id",
    "referred_at",
    "converted",
    "converted_at",
]


def _counted_orders(business, emails):
    """{email: [placed_at of each counted order, oldest first]} for these customers."""
    orders = {}
    for chunk in sql.chunks(list(emails), sql.param_chunk()):
        rows = (
            Order.objects.filter(
                business=business,
                customer__email__in=chunk,
                financial_status__in=COUNTED_STATUSES,
                cancelled_at__isnull=True,
            )
            .order_by("placed_at")
            .values_list("customer__email", "placed_at")
        )
        for email, placed_at in rows:
            orders.setdefault(email, []).append(placed_at)
    return orders


def _conversion(referred_at, placed):
    """When a referral converted: the friend's first counted order placed from the day before
    the referral on (a day's slack for dates written without a time); an order from long
    before they were referred is not the referral's doing."""
    day = referred_at - timedelta(days=1)
    return next((when for when in placed if when >= day), None)


def _referral_values(record, customer_ids, counted):
    computed = _conversion(record.referred_at, counted.get(record.referred_email, ()))
    converted = bool(record.converted) or computed is not None
    converted_at = record.converted_at or (computed if converted else None)
    return (
        customer_ids.get(record.email),
        record.email,
        record.referred_email,
        customer_ids.get(record.referred_email),
        record.referred_at,
        converted,
        converted_at,
    )


def _write_referrals(business, result, step):
    records = result.parsed
    emails = {r.email for r in records} | {r.referred_email for r in records}
    customer_ids = _customer_ids(business, emails)
    counted = _counted_orders(business, {r.referred_email for r in records})
    _write_rows(
        Referral,
        business,
        result,
        step,
        REFERRAL_FIELDS,
        [(r.external_id, _referral_values(r, customer_ids, counted)) for r in records],
        _saving_share(0.0, 0.95),
    )


def _link_new_customers(business):
    """Rows imported before their customer existed (an NPS answer, a review, an order) are
    linked to the customer with the same e-mail once there is one."""
    customers = Customer.objects.filter(business=business)
    by_email = customers.filter(email=OuterRef("email")).values("id")[:1]
    for model in (Order, Review, NpsResponse, Mention, Referral):
        model.objects.filter(
            business=business, customer__isnull=True, email__in=customers.values("email")
        ).update(customer_id=Subquery(by_email))
    friend = customers.filter(email=OuterRef("referred_email")).values("id")[:1]
    Referral.objects.filter(
        business=business,
        referred_customer__isnull=True,
        referred_email__in=customers.values("email"),
    ).update(referred_customer_id=Subquery(friend))


def _refresh_referrals(business):
    """Referrals whose friend has since placed a counted order become converted."""
    pending = list(Referral.objects.filter(business=business, converted=False))
    if not pending:
        return
    counted = _counted_orders(business, {r.referred_email for r in pending})
    changed = []
    for referral in pending:
        when = _conversion(referral.referred_at, counted.get(referral.referred_email, ()))
        if when is not None:
            referral.converted, referral.converted_at = True, when
            changed.append(referral)
    Referral.objects.bulk_update(changed, ["converted", "converted_at"], batch_size=500)


WRITERS = {
    ImportKind.CUSTOMERS: _write_customers,
    ImportKind.ORDERS: _write_orders,
    ImportKind.REVIEWS: _write_reviews,
    ImportKind.NPS: _write_nps,
    ImportKind.REFERRALS: _write_referrals,
    ImportKind.MENTIONS: _write_mentions,
}


# --- imports in the background -------------------------------------------------------------


def start_import(
    *, business, actor, data: ImportInput, upload, language=None
) -> Outcome[ImportJob]:
    """Check an uploaded file, store it and import it in the background; the job, queued.

    The file is refused at once, on the field `file`, if it is too large, cannot be read at
    all or lacks the columns it needs, so the person uploading it hears about it straight
    away.
    """
    check_can(actor, business, Capability.CUSTOMERS)
    kind, fmt = data.kind.value, data.format.value if data.format else None
    language = language or actor.language or business.default_language
    with translation.override(language):
        size = getattr(upload, "size", None)
        limit = getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
        if size is not None and size > limit:
            raise ValidationFailed(
                _("The file is too large: at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
                field="file",
            )
        try:
            with Table(upload) as table:
                binding = detect_format(kind, table.header, fmt)
        except UnreadableFile as exc:
            exc.field = "file"
            raise
        name = default_storage.save(f"imports/{business.pk}/{uuid.uuid4().hex}.csv", upload)
    with transaction.atomic():
        job = ImportJob.objects.create(
            business=business,
            kind=kind,
            format=binding.format.source,
            filename=_name_of(upload)[:255],
            stored_path=name,
            language=language,
            status=ImportStatus.QUEUED,
            phase=Phase.QUEUED,
            created_by=actor,
        )
        from .tasks import run_import

        job_id = job.pk
        transaction.on_commit(lambda: run_import.enqueue(job_id))
    return Outcome(job, created=True)


def run_import_job(job_id):
    """The background task's work: import the job's stored file, then delete the file (it
    holds personal data, and everything in it is now in the database or in the errors)."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("business").filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return "skipped"
    business = job.business
    data = ImportInput(kind=job.kind, format=job.format or None)
    try:
        with default_storage.open(job.stored_path, "rb") as stored:
            import_file(
                business,
                data,
                stored,
                language=job.language,
                job=job,
                filename=job.filename,
            )
    except UnreadableFile:
        return "failed"
    except FileNotFoundError:
        with scope(business=business), translation.override(job.language):
            _fail(job, _("The uploaded file is no longer there; upload it again."))
        return "failed"
    finally:
        if job.stored_path and default_storage.exists(job.stored_path):
            default_storage.delete(job.stored_path)
    return "succeeded"


# An import of a million rows takes under a minute; one still "running" after this long was
# interrupted (its worker died): its transaction rolled back, so nothing of it was saved.
INTERRUPTED_AFTER = timedelta(hours=2)


def fail_interrupted_imports(now=None):
    """Mark imports whose worker died as failed, saying so in the importer's language."""
    now = now or timezone.now()
    failed = 0
    with scopes_disabled():
        stale = ImportJob.objects.filter(
            status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED],
            created_at__lt=now - INTERRUPTED_AFTER,
        )
        for job in stale:
            with translation.override(job.language or "it"):
                _fail(
                    job,
                    _(
                        "The import was interrupted before it finished; nothing was saved. "
                        "Please import the file again."
                    ),
                )
            failed += 1
    return failed
