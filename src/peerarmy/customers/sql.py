"""The customers app's raw statements: the bulk upserts and bulk reads of an import.

Every statement here is filtered by the business it is given: a read asks for the business's
rows only; a write refuses a row of another business before it reaches the database, and
its ON CONFLICT target includes the business, so it can only ever update that business's
row. Each statement has an isolation test (`customers/tests/test_sql.py`).

They are raw because an import writes up to a million rows: the ORM's `bulk_create` builds
and prepares a model instance per row, which costs more than the database's own work.
"""

import json
from contextlib import contextmanager

from django.db import connection
from django.db.models import DateTimeField, JSONField, TextField
from django.db.models.constants import OnConflict
from django.db.models.functions import Cast
from django.db.models.sql import InsertQuery

# Rows written between two progress reports (and the unit the write tests interrupt).
BATCH_SIZE = 5000
# Above this many keys, reading every row of the business beats asking for the keys in
# chunks (unless the business has many times more rows than the file).
SCAN_ABOVE = 5_000


def json_text(value):
    """A JSON column's value as the upsert writes it and `existing` reads it back: one value,
    one text (keys sorted, no spaces), so that comparing texts compares values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def param_chunk():
    """How many values one `IN (…)` may hold on this database."""
    limit = connection.features.max_query_params
    return (limit - 10) if limit else 10_000


class _Upsert:
    """INSERT … ON CONFLICT (unique) DO UPDATE SET (update fields) — or DO NOTHING without
    update fields — for rows given as plain tuples in `columns` order, all of one business.

    It is what `bulk_create(update_conflicts=True, …)` does, without the model instances:
    for a million rows, building and preparing instances costs more than the database's own
    work. The SQL comes from the ORM: on SQLite the statement its compiler writes for one row,
    run by executemany (which stays in C); on PostgreSQL the rows are streamed with COPY into
    a temporary table and moved with one INSERT … SELECT … WHERE business carrying the ORM's
    ON CONFLICT clause (psycopg formats COPY rows in C; an INSERT with bound parameters
    formats them in Python). Every column must be given, so that a column added later cannot
    be left out silently, and the first one is the business. A JSON column's value is given
    as its `json_text` (a value given as such is made one).
    """

    def __init__(self, business, model, columns, unique_fields, update_fields):
        opts = model._meta
        required = {f.attname for f in opts.concrete_fields if not f.primary_key}
        if set(columns) != required:
            raise ValueError(f"{model.__name__}: give the columns {sorted(required)}")
        if columns[0] != "business_id" or "business" not in unique_fields:
            raise ValueError(f"{model.__name__}: the business comes first and is in the key")
        self.business_id = business.pk
        self.model, self.columns = model, columns
        self.on_conflict = OnConflict.UPDATE if update_fields else OnConflict.IGNORE
        self.update_fields = [opts.get_field(name) for name in update_fields or ()]
        self.unique_fields = [opts.get_field(name) for name in unique_fields]
        self.fields = [opts.get_field(name) for name in columns]
        self.dates = [i for i, f in enumerate(self.fields) if isinstance(f, DateTimeField)]
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, JSONField)]
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
        business_id = self.business_id
        if any(row[0] != business_id for row in batch):
            raise ValueError(f"{self.model.__name__}: a row of another business")
        # Datetimes by the ORM's own adapter on SQLite (which stores them as text); JSON as
        # its text, which SQLite stores and COPY's text format reads as it is.
        dates = self.dates if not self.postgres else []
        json_at = [i for i in self.json if any(not isinstance(row[i], str) for row in batch)]
        if dates or json_at:
            adapt = connection.ops.adapt_datetimefield_value
            adapted = []
            for row in batch:
                row = list(row)
                for i in dates:
                    row[i] = adapt(row[i])
                for i in json_at:
                    if not isinstance(row[i], str):
                        row[i] = json_text(row[i])
                adapted.append(row)
            batch = adapted
        if self.postgres:
            self._copy(cursor, batch)
            return
        cursor.executemany(self.sql, batch)

    def _copy(self, cursor, batch):
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        business = quote(self.fields[0].column)
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
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} "  # noqa: S608
            f"WHERE {business} = %s {suffix}",
            [self.business_id],
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


def write_batch(upsert, cursor, batch):
    upsert.write(cursor, batch)


def upsert(business, model, columns, rows, unique_fields, update_fields, on_batch=None):
    """Upsert `rows` (tuples in `columns` order, the business's id first) of `business` in
    batches, inside the caller's transaction; `on_batch(fraction done)` after each batch."""
    if not rows:
        return
    writer = _Upsert(business, model, columns, unique_fields, update_fields)
    total = len(rows)
    size = BATCH_SIZE
    with _bulk_cursor() as cursor:
        for done, batch in enumerate(chunks(rows, size)):
            write_batch(writer, cursor, batch)
            if on_batch is not None:
                on_batch(min((done + 1) * size, total) / total)


def _rows_of(queryset, json_at=()):
    """The rows of a values_list() query; on PostgreSQL through the bulk cursor (the values
    read here need no conversion there: numbers, text, booleans, timestamps with zone).

    JSON columns, at the positions `json_at`, are read as text: on SQLite that is the text
    the upsert wrote, a `json_text` already; PostgreSQL keeps JSON in a form of its own and
    writes it out its own way, so there the text is made a `json_text` again."""
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with _bulk_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not json_at:
        return rows

    def canonical(row):
        row = list(row)
        for i in json_at:
            if row[i] is not None:
                row[i] = json_text(json.loads(row[i]))
        return tuple(row)

    return [canonical(row) for row in rows]


def existing(business, model, key_field, keys, fields, **filters):
    """{key: (field values…)} of the business's stored `model` rows whose `key_field` is in
    `keys` (and that match `filters`), fetched in bulk; a JSON field's value as its
    `json_text`, which is cheaper to read and to compare than the value."""
    queryset = model.objects.filter(business=business, **filters)
    keys = set(keys)
    found = {}
    if not keys:
        return found
    opts = model._meta
    is_json = [isinstance(opts.get_field(name), JSONField) for name in fields]
    json_at = [i for i, flag in enumerate(is_json, 1) if flag]
    columns = [
        Cast(name, TextField()) if flag else name
        for name, flag in zip(fields, is_json, strict=True)
    ]
    if len(keys) > SCAN_ABOVE and len(keys) * 4 >= queryset.count():
        for row in _rows_of(queryset.values_list(key_field, *columns), json_at):
            if row[0] in keys:
                found[row[0]] = row[1:]
        return found
    for chunk in chunks(list(keys), param_chunk()):
        rows = queryset.filter(**{f"{key_field}__in": chunk}).values_list(key_field, *columns)
        for row in _rows_of(rows, json_at):
            found[row[0]] = row[1:]
    return found
