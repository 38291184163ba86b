"""The superfans app's raw statements: writing a business's scores in bulk.

`write_score_rows` upserts every `SuperfanScore` row of one scoring run with a number of
statements that does not grow with the rows (SQLite: one prepared statement for all rows;
PostgreSQL: COPY into a temporary table and one INSERT ... ON CONFLICT). The ORM's
bulk_create would split 150,000 rows into over a thousand statements and serialise the JSON a
second time.

Every statement keeps to the business it is given: a row of another business is refused
before anything is written, the staging table is read for the business only, and the ON
CONFLICT update applies only where the stored row is the same business's. The isolation tests
are in `superfans/tests/test_sql.py`.
"""

from datetime import datetime

from django.db import connection, transaction

from .models import SuperfanScore

# The columns written, in the order of each row's values; the business comes first.
SCORE_FIELDS = [
    "business",
    "customer",
    "score",
    "best_score",
    "components",
    "orders",
    "spend_minor",
    "last_order_at",
    "nps",
    "computed_at",
]
# PostgreSQL types of those columns, for the staging table the rows are copied into.
PG_STAGING_TYPES = [
    "bigint",
    "bigint",
    "double precision",
    "double precision",
    "json",
    "integer",
    "bigint",
    "timestamp with time zone",
    "smallint",
    "timestamp with time zone",
]
PG_STAGING_TABLE = "superfans_score_staging"
COPY_CHUNK = 10_000
SCORING_LOCK = 0x5C0E  # first key of the advisory lock that serialises a business's runs
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _upsert_sql(source):
    """INSERT ... ON CONFLICT from `source` ("VALUES (%s, ...)" or "SELECT ... FROM ...").

    `best_score` keeps the higher of the stored and the new score, in the statement itself;
    a stored row of another business is never updated. Only names from the model and fixed
    text go into the statement; values are parameters.
    """
    meta = SuperfanScore._meta
    qn = connection.ops.quote_name
    columns = [qn(meta.get_field(name).column) for name in SCORE_FIELDS]
    table, best = qn(meta.db_table), qn(meta.get_field("best_score").column)
    updates = ", ".join(
        f"{best} = CASE WHEN excluded.{best} > {table}.{best} "
        f"THEN excluded.{best} ELSE {table}.{best} END"
        if column == best
        else f"{column} = excluded.{column}"
        for column in columns[2:]
    )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "  # noqa: S608
        f"ON CONFLICT ({columns[1]}) DO UPDATE SET {updates} "
        f"WHERE {table}.{columns[0]} = excluded.{columns[0]}"
    )


def _copy_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)  # int and float: repr() is exact


def _copy_text(rows):
    """Rows in COPY's text format (what psycopg's write_row does, several times faster)."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows).encode()


def write_score_rows(business, rows):
    """Upsert the business's score rows (tuples in SCORE_FIELDS order, the business's id
    first) in one transaction, the fastest way per database.

    SQLite runs one prepared statement for every row (executemany, in-process and fast);
    PostgreSQL copies the rows into a temporary table (COPY) and upserts from it with one
    statement, since one statement per row would cost a round trip each.
    """
    if not rows:
        return
    business_id = business.pk
    if any(row[0] != business_id for row in rows):
        raise ValueError("A score row of another business.")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * len(SCORE_FIELDS))
            cursor.executemany(_upsert_sql(f"VALUES ({placeholders})"), rows)
            return
        meta = SuperfanScore._meta
        qn = connection.ops.quote_name
        # One scoring run per business at a time (released at commit).
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SCORING_LOCK, business_id])
        if not SuperfanScore.objects.filter(business_id=business_id).exists():
            # A business scored for the first time: nothing to update, so copy straight in
            # (COPY takes no WHERE: the rows were checked to be the business's above).
            columns = ", ".join(qn(meta.get_field(name).column) for name in SCORE_FIELDS)
            with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(rows), COPY_CHUNK):
                    copy.write(_copy_text(rows[start : start + COPY_CHUNK]))
            return
        staging = connection.ops.quote_name(PG_STAGING_TABLE)
        names = [f"c{n}" for n in range(len(SCORE_FIELDS))]
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"({', '.join(f'{n} {t}' for n, t in zip(names, PG_STAGING_TYPES, strict=True))}) "
            "ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY {staging} ({', '.join(names)}) FROM STDIN") as copy:
            for start in range(0, len(rows), COPY_CHUNK):
                copy.write(_copy_text(rows[start : start + COPY_CHUNK]))
        cursor.execute(
            _upsert_sql(f"SELECT {', '.join(names)} FROM {staging} WHERE {names[0]} = %s"),  # noqa: S608
            [business_id],
        )
        # Emptied at commit anyway; emptied now for a second run in the same transaction.
        cursor.execute(f"TRUNCATE {staging}")
