"""Small database helpers for hot paths, where the ORM's query compilation costs more than the
query itself (a claim runs in well under a millisecond of Python; compiling one ORM INSERT
takes about half of that).

`hot_cursor` runs statements as prepared statements on PostgreSQL: planned once per
connection instead of on every call (the claim's locking read takes 0.5 ms to plan and 0.07 ms
to run). They bypass Django's cursor wrapper, so they do not show in `connection.queries`.

`insert_returning_id` writes one row with the SQL built once per table and column set, and
each value prepared by its field (`get_db_prep_save`), exactly as the ORM would store it.
"""

from contextlib import contextmanager
from functools import lru_cache

from django.db import connections


class _PreparedCursor:
    """The part of a DB-API cursor the hot paths use, on a psycopg server-side cursor whose
    statements are prepared."""

    def __init__(self, connection):
        import psycopg
        from psycopg.types.datetime import TimestamptzLoader

        self._connection = connection
        self._cursor = psycopg.Cursor(connection.connection)
        # psycopg's own (C) loader for timestamps: Django's replaces it with a Python
        # subclass that costs about 5 us a value (a list of 140 blocks reads 420 of them).
        # Both answer aware datetimes in the session's time zone, which Django keeps at UTC.
        self._cursor.adapters.register_loader("timestamptz", TimestamptzLoader)

    def execute(self, sql, params=()):
        self._connection.validate_no_broken_transaction()
        with self._connection.wrap_database_errors:
            self._cursor.execute(sql, params, prepare=True)

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    @property
    def rowcount(self):
        return self._cursor.rowcount

    def close(self):
        self._cursor.close()


@contextmanager
def hot_cursor(using="default"):
    """A cursor for the few statements of a hot path: prepared on PostgreSQL (when the
    connection allows it, see settings), Django's own cursor elsewhere."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        if connection.connection.prepare_threshold is not None:
            cursor = _PreparedCursor(connection)
            try:
                yield cursor
            finally:
                cursor.close()
            return
    with connection.cursor() as cursor:
        yield cursor


def like_pattern(text: str) -> str:
    """`text` found anywhere, as a LIKE/ILIKE pattern written as Django's `icontains` writes
    it: its own %, _ and backslash taken literally (backslash is the escape character)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@lru_cache(maxsize=64)
def _insert_sql(vendor, table, columns):
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) RETURNING "id"'  # noqa: S608


def insert_returning_id(model, values: dict, using="default") -> int:
    """Insert one row of `model` from {field name: value} and return its id. No signals, no
    defaults: give every column that has no database default."""
    connection = connections[using]
    meta = model._meta
    fields = [meta.get_field(name) for name in values]
    columns = tuple(f.column for f in fields)
    params = [
        f.get_db_prep_save(value, connection)
        for f, value in zip(fields, values.values(), strict=True)
    ]
    with hot_cursor(using) as cursor:
        cursor.execute(_insert_sql(connection.vendor, meta.db_table, columns), params)
        return cursor.fetchone()[0]


@lru_cache(maxsize=128)
def _converters(using, model, names):
    """For each field: its column expression and the converters the ORM would apply to a
    value read from this database (time zone, decimals, JSON, booleans)."""
    connection = connections[using]
    result = []
    for name in names:
        field = model._meta.get_field(name)
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        result.append((converters, col))
    return tuple(result)


def convert(model, names: tuple, values, using="default") -> list:
    """Values read by raw SQL for the fields `names` of `model`, as the ORM would return
    them (aware datetimes, Decimals, parsed JSON, booleans)."""
    connection = connections[using]
    out = []
    for value, (converters, col) in zip(values, _converters(using, model, names), strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        out.append(value)
    return out


def instance(model, names: tuple, values, using="default"):
    """A model instance from raw values for the fields `names` (attnames, e.g. `program_id`);
    fields not named are deferred, as with `.only()`."""
    by_attname = {
        model._meta.get_field(n).attname: v
        for n, v in zip(names, convert(model, names, values, using), strict=True)
    }
    # from_db takes the values in the order of the model's concrete fields.
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in by_attname]
    return model.from_db(using, ordered, [by_attname[a] for a in ordered])
