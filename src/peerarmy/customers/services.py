"""Every change to customers and their history: importing files (the one path the CLI, the
console, the API and the demo share) and starting an import in the background.

An import reads and checks every row first, reporting each bad row with its line, column and
reason in the importer's language; then it writes everything that was good in ONE transaction
with bulk upserts, so that a failure midway leaves nothing half-written. Importing the same
file twice changes nothing: incoming values are compared with what is stored, and only new or
changed rows are written. docs/imports.md explains the rules for people.
"""

import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from peerarmy.errors import ValidationFailed
from peerarmy.tenancy.services import check_can_manage

from .importers.formats import (
    ReadContext,
    RowError,
    customer_fields,
    detect_format,
    read_records,
)
from .importers.readers import Table, UnreadableFile
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

FORMAT_CHOICES = ("shopify", "woocommerce", "generic")
# How much of the progress bar reading takes; saving takes the rest.
READ_SHARE = 0.6
# Rows written between two progress reports (and the unit the write tests interrupt).
BATCH_SIZE = 5000
DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # settings.IMPORT_MAX_BYTES overrides it


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
    errors: list = field(default_factory=list)  # the first MAX_ERRORS_KEPT bad rows
    error_count: int = 0  # all of them
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
            and not connection.in_atomic_block
        ):
            ImportJob.objects.filter(pk=self.job.pk).update(phase=phase, progress=percent)
            self.percent, self.at = percent, now


def _check_choice(kind, fmt):
    if kind not in ImportKind.values:
        raise ValidationFailed(
            _("Choose what the file holds: %(kinds)s.") % {"kinds": ", ".join(ImportKind.values)},
            field="kind",
        )
    if fmt and fmt not in FORMAT_CHOICES:
        raise ValidationFailed(
            _("Choose a format: %(formats)s.") % {"formats": ", ".join(FORMAT_CHOICES)},
            field="format",
        )


def import_file(
    business,
    kind,
    source,
    *,
    fmt=None,
    actor=None,
    language=None,
    job=None,
    progress=None,
    filename="",
    rescore=True,
):
    """Import one file of `kind` (customers, orders, reviews, nps, referrals, mentions).

    `source` is a path, bytes or a file object. `fmt` (shopify, woocommerce, generic) is found
    from the header when not given. Bad rows are reported in `language` and skipped; the rest
    is written in one transaction. An ImportJob records the import (pass `job` to use one that
    exists). `progress(phase, fraction)` is called as the import advances. Raises
    UnreadableFile when the file as a whole cannot be read (the job records why). With
    `rescore`, the business's superfan scores are recomputed in the background afterwards.
    """
    _check_choice(kind, fmt)
    if actor is not None:
        check_can_manage(actor, business)
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
        if rescore and (result.created or result.updated):
            from peerarmy.superfans.tasks import score_business_task

            transaction.on_commit(lambda: score_business_task.enqueue(business.pk))
        if progress is not None:
            progress(Phase.DONE, 1.0)
        return result


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


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _param_chunk():
    """How many values one `IN (…)` may hold on this database."""
    limit = connection.features.max_query_params
    return (limit - 10) if limit else 10_000


class _Upsert:
    """INSERT … ON CONFLICT (unique) DO UPDATE SET (update fields) — or DO NOTHING without
    update fields — for rows given as plain tuples in `columns` order.

    It is what `bulk_create(update_conflicts=True, …)` does, without the model instances:
    for a million rows, building and preparing instances costs more than the database's own
    work. The SQL comes from the ORM: on SQLite the statement its compiler writes for one row,
    run by executemany (which stays in C); on PostgreSQL the rows are streamed with COPY into
    a temporary table and moved with one INSERT … SELECT carrying the ORM's ON CONFLICT clause
    (psycopg formats COPY rows in C; an INSERT with bound parameters formats them in Python).
    Every column must be given, so that a column added later cannot be left out silently.
    """

    def __init__(self, model, columns, unique_fields, update_fields):
        opts = model._meta
        required = {f.attname for f in opts.concrete_fields if not f.primary_key}
        if set(columns) != required:
            raise ValueError(f"{model.__name__}: give the columns {sorted(required)}")
        self.model, self.columns = model, columns
        self.on_conflict = OnConflict.UPDATE if update_fields else OnConflict.IGNORE
        self.update_fields = [opts.get_field(name) for name in update_fields or ()]
        self.unique_fields = [opts.get_field(name) for name in unique_fields]
        self.fields = [opts.get_field(name) for name in columns]
        self.dates = [i for i, f in enumerate(self.fields) if isinstance(f, DateTimeField)]
        self.postgres = connection.vendor == "postgresql"
        if not self.postgres:
            query = InsertQuery(
                model,
                on_conflict=self.on_conflict,
                update_fields=self.update_fields,
                unique_fields=self.unique_fields,
            )
            query.insert_values(self.fields, [model()], raw=True)
            [(self.sql, _params)] = query.get_compiler(connection=connection).as_sql()

    def write(self, cursor, batch):
        if self.postgres:
            self._copy(cursor, batch)
            return
        if self.dates:  # the ORM's own adapter (SQLite stores datetimes as text)
            adapt = connection.ops.adapt_datetimefield_value
            adapted = []
            for row in batch:
                row = list(row)
                for i in self.dates:
                    row[i] = adapt(row[i])
                adapted.append(row)
            batch = adapted
        cursor.executemany(self.sql, batch)

    def _copy(self, cursor, batch):
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        temp = quote(f"import_{self.model._meta.db_table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608 - names, not data
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
        suffix = connection.ops.on_conflict_suffix_sql(
            self.fields,
            self.on_conflict,
            [f.column for f in self.update_fields],
            [f.column for f in self.unique_fields],
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} {suffix}"  # noqa: S608
        )
        cursor.execute(f"DROP TABLE {temp}")


@contextmanager
def _bulk_cursor():
    """The cursor for the big statements of an import: on PostgreSQL a plain psycopg cursor
    (Django's binds every parameter client-side, in Python), on the same connection and in the
    same transaction."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            yield cursor
    else:
        with connection.cursor() as cursor:
            yield cursor


def _write_batch(upsert, cursor, batch):
    upsert.write(cursor, batch)


def _upsert(model, columns, rows, unique_fields, update_fields, step=None, share=(0.0, 1.0)):
    """Upsert `rows` (tuples in `columns` order) in batches, inside the caller's transaction."""
    if not rows:
        return
    upsert = _Upsert(model, columns, unique_fields, update_fields)
    total = len(rows)
    with _bulk_cursor() as cursor:
        for done, batch in enumerate(_chunks(rows, BATCH_SIZE)):
            _write_batch(upsert, cursor, batch)
            if step is not None:
                fraction = min((done + 1) * BATCH_SIZE, total) / total
                step(Phase.SAVING, share[0] + (share[1] - share[0]) * fraction)


def _rows_of(queryset):
    """The rows of a values_list() query; on PostgreSQL through the bulk cursor (the values
    read here need no conversion there: numbers, text, booleans, timestamps with zone)."""
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with _bulk_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Above this many keys, reading every row of the business beats asking for the keys in
# chunks (unless the business has many times more rows than the file).
SCAN_ABOVE = 5_000


def _lookup(queryset, key_field, keys, fields):
    """{key: (field values…)} for the rows of `queryset` whose `key_field` is in `keys`."""
    keys = set(keys)
    found = {}
    if not keys:
        return found
    if len(keys) > SCAN_ABOVE and len(keys) * 4 >= queryset.count():
        for row in _rows_of(queryset.values_list(key_field, *fields)):
            if row[0] in keys:
                found[row[0]] = row[1:]
        return found
    for chunk in _chunks(list(keys), _param_chunk()):
        rows = queryset.filter(**{f"{key_field}__in": chunk}).values_list(key_field, *fields)
        for row in _rows_of(rows):
            found[row[0]] = row[1:]
    return found


def _saving_share(start, end):
    return (READ_SHARE + (1 - READ_SHARE) * start, READ_SHARE + (1 - READ_SHARE) * end)


def _customer_ids(business, emails):
    """{email: customer id} for the e-mails that belong to a customer of the business."""
    found = _lookup(Customer.objects.filter(business=business), "email", emails, ["id"])
    return {email: values[0] for email, values in found.items()}


def _existing(model, business, key_field, keys, fields, **filters):
    """{key: (field values…)} of the stored rows with these keys, fetched in bulk."""
    return _lookup(model.objects.filter(business=business, **filters), key_field, keys, fields)


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
    stored = _existing(Customer, business, "email", (r.email for r in records), fields)
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
]


def _write_rows(model, business, result, step, fields, keyed_values, share):
    """Upsert imported rows given as (external_id, values in `fields` order); count what is
    new, changed and unchanged against what is stored."""
    stored = _existing(
        model, business, "external_id", (key for key, _v in keyed_values), fields,
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
        model,
        [*IMPORTED_COLUMNS, *fields],
        rows,
        ["business", "source", "external_id"],
        ["imported_at", *fields],
        step,
        share,
    )
    return len(rows)


def _write_orders(business, result, step):
    records = result.parsed
    started = time.monotonic()
    customer_ids = _customer_ids(business, {r.email for r in records if r.email})
    new_customers = _new_customer_rows(
        records, customer_ids, business, result.format, timezone.now()
    )
    if new_customers:
        _upsert(Customer, CUSTOMER_COLUMNS, new_customers, ["business", "email"], None)
        customer_ids.update(_customer_ids(business, (row[1] for row in new_customers)))
        result.customers_created = len(new_customers)
    result.timings["customers"] = time.monotonic() - started
    step(Phase.SAVING, _saving_share(0.0, 0.2)[1])

    started = time.monotonic()
    get_id = customer_ids.get
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
    for chunk in _chunks(list(emails), _param_chunk()):
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


def start_import(*, business, actor, kind, upload, fmt=None, language=None):
    """Check an uploaded file, store it and import it in the background; return the job.

    The file is refused at once (UnreadableFile) if it cannot be read at all or lacks the
    columns it needs, so the person uploading it hears about it straight away.
    """
    check_can_manage(actor, business)
    _check_choice(kind, fmt)
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
    return job


def run_import_job(job_id):
    """The background task's work: import the job's stored file, then delete the file (it
    holds personal data, and everything in it is now in the database or in the errors)."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("business").filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return "skipped"
    business = job.business
    try:
        with default_storage.open(job.stored_path, "rb") as stored:
            import_file(
                business,
                job.kind,
                stored,
                fmt=job.format or None,
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
