"""The sharing app's SQL: the database's guard against double bookings (installed by a
migration), and the self-join `ledger check` runs to prove the guard held. Every statement
filters by business."""

from __future__ import annotations

from django.db import connection
from django.db.models import FloatField, Func

GUARD_NAME = "sharing_booking_no_overlap"

# PostgreSQL: an exclusion constraint. Two bookings that hold the same asset may not have
# overlapping half-open ranges [starts_at, ends_at): one ending at 12:00 and the next starting
# at 12:00 do not overlap.
POSTGRES_GUARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE sharing_booking ADD CONSTRAINT {GUARD_NAME}
    EXCLUDE USING gist (asset_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (held)
    """,
]
POSTGRES_UNGUARD = [f"ALTER TABLE sharing_booking DROP CONSTRAINT IF EXISTS {GUARD_NAME}"]

# SQLite: triggers that refuse the same. SQLite runs one writer at a time, so the trigger's
# look and the write it guards cannot interleave with another booking's. Times are stored as
# UTC text of one format, which sorts as time does.
_OVERLAP = """
    SELECT RAISE(ABORT, '{name}') WHERE EXISTS (
        SELECT 1 FROM sharing_booking b
        WHERE b.asset_id = NEW.asset_id AND b.held AND b.id IS NOT NEW.id
          AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at
    );
"""
SQLITE_GUARD = [
    f"""
    CREATE TRIGGER {GUARD_NAME}_insert BEFORE INSERT ON sharing_booking
    WHEN NEW.held BEGIN {_OVERLAP.format(name=GUARD_NAME)} END
    """,
    f"""
    CREATE TRIGGER {GUARD_NAME}_update
    BEFORE UPDATE OF asset_id, starts_at, ends_at, held ON sharing_booking
    WHEN NEW.held BEGIN {_OVERLAP.format(name=GUARD_NAME)} END
    """,
]
SQLITE_UNGUARD = [
    f"DROP TRIGGER IF EXISTS {GUARD_NAME}_insert",
    f"DROP TRIGGER IF EXISTS {GUARD_NAME}_update",
]


def install_guard(schema_editor) -> None:
    statements = {"postgresql": POSTGRES_GUARD, "sqlite": SQLITE_GUARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


def remove_guard(schema_editor) -> None:
    statements = {"postgresql": POSTGRES_UNGUARD, "sqlite": SQLITE_UNGUARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


def is_guard_violation(error: Exception) -> bool:
    """Whether a database error is the overlap guard refusing a booking."""
    cause = getattr(error, "__cause__", None) or error
    diag = getattr(cause, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None) == GUARD_NAME:
        return True
    return GUARD_NAME in str(error)


# Each booking meets the later ones of its asset through the (asset, business, starts_at)
# index. The unary pluses on `b.business_id` and `b.id` keep SQLite's planner (which has no
# statistics) from walking the business's index instead: that plan compares every booking
# with every later one of the business, hours on a big shop.
_OVERLAPPING = """
    SELECT a.code, b.code FROM sharing_booking a
    JOIN sharing_booking b
      ON b.asset_id = a.asset_id AND +b.business_id = a.business_id
     AND b.starts_at < a.ends_at AND b.ends_at > a.starts_at AND +b.id > a.id AND b.held
    WHERE a.business_id = %s AND a.held
    ORDER BY a.id, b.id
"""


def overlapping_bookings(business_id) -> list[tuple[str, str]]:
    """Pairs of booking codes of the business that hold one asset at the same time (none,
    while the guard is installed)."""
    with connection.cursor() as cursor:
        cursor.execute(_OVERLAPPING, [business_id])
        return [(first, second) for first, second in cursor.fetchall()]


class Epoch(Func):
    """A moment as seconds since 1970 (a float): thousands of them read as numbers cost a
    fraction of reading them as datetimes, which the PostgreSQL driver does in Python."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM %(expressions)s)"

    def as_sqlite(self, compiler, conn, **extra):
        # stored as UTC text; julianday() reads it, 2440587.5 is 1970-01-01 in Julian days
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, conn, template=template, **extra)
