"""The raw SQL of chip-in: writing what a bank statement did to thousands of pledges, credits
and campaigns in a few statements. Django's `bulk_update` builds a CASE per field and row
(seconds for a statement of 20,000 credits); here SQLite runs one prepared statement for
every row, and PostgreSQL one statement over arrays (`unnest`), since even a pipelined
`executemany` is a round of work per row there. Every statement filters by business."""

from django.db import connection

from .models import BankCredit, Campaign, Pledge, ShareLink

PLEDGE, CREDIT, CAMPAIGN, LINK = (
    m._meta.db_table for m in (Pledge, BankCredit, Campaign, ShareLink)
)
CREDIT_COLUMNS = (
    "line, bank_ref, booked_on, amount_minor, currency, debtor_name, debtor_iban, debtor_bic, "
    "reference, remittance, status, pledge_id, suggested_pledge_id, applied_minor, "
    "returned_minor, paid_for"
)
CREDIT_TYPES = (
    "integer", "text", "date", "bigint", "text", "text", "text", "text", "text", "text", "text",
    "bigint", "bigint", "bigint", "bigint", "text",
)  # fmt: skip

_FIELDS = {
    "received_at": Pledge._meta.get_field("received_at"),
    "booked_on": BankCredit._meta.get_field("booked_on"),
}
_seen: dict = {}


def _prepared(field, value):
    """A date or time as SQLite takes it; a statement has few distinct ones, so each is
    converted once (Django's conversion costs more than the statement's own work)."""
    key = (field, value)
    if key not in _seen:
        if len(_seen) > 10_000:
            _seen.clear()
        _seen[key] = _FIELDS[field].get_db_prep_save(value, connection)
    return _seen[key]


def _columns(rows):
    return [list(column) for column in zip(*rows, strict=True)]


def update_pledges_received(business_id: int, rows: list[tuple]) -> None:
    """Set what each pledge received: rows of (received_minor, status, received_at,
    payer_name, payer_iban, payer_bic, pledge id)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {PLEDGE} p SET received_minor = v.received, status = v.status, "  # noqa: S608
                "received_at = v.received_at, payer_name = v.payer_name, "
                "payer_iban = v.payer_iban, payer_bic = v.payer_bic "
                "FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[], "
                "%s::text[], %s::text[], %s::bigint[]) AS v(received, status, received_at, "
                "payer_name, payer_iban, payer_bic, id) "
                "WHERE p.id = v.id AND p.business_id = %s",
                [*_columns(rows), business_id],
            )
            return
        cursor.executemany(
            f"UPDATE {PLEDGE} SET received_minor = %s, status = %s, received_at = %s, "  # noqa: S608
            "payer_name = %s, payer_iban = %s, payer_bic = %s "
            "WHERE id = %s AND business_id = %s",
            [(*row[:2], _prepared("received_at", row[2]), *row[3:], business_id) for row in rows],
        )


def insert_credits(business_id: int, statement_id: int, rows: list[tuple]) -> None:
    """A statement's credits, each a tuple in the order of CREDIT_COLUMNS."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in CREDIT_TYPES)
            cursor.execute(
                f"INSERT INTO {CREDIT} (business_id, statement_id, {CREDIT_COLUMNS}) "  # noqa: S608
                f"SELECT %s, %s, * FROM unnest({arrays})",
                [business_id, statement_id, *_columns(rows)],
            )
            return
        marks = ", ".join(["%s"] * (2 + len(rows[0])))
        cursor.executemany(
            f"INSERT INTO {CREDIT} (business_id, statement_id, {CREDIT_COLUMNS}) "  # noqa: S608
            f"VALUES ({marks})",
            [
                (business_id, statement_id, *row[:2], _prepared("booked_on", row[2]), *row[3:])
                for row in rows
            ],
        )


def add_to_campaigns(business_id: int, rows: list[tuple]) -> None:
    """Add what a statement brought to each campaign: rows of (received, pledges that got
    their first money, campaign id)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {CAMPAIGN} SET received_minor = received_minor + %s, "  # noqa: S608
            "pledge_count = pledge_count + %s WHERE id = %s AND business_id = %s",
            [(*row, business_id) for row in rows],
        )


# --- PostgreSQL: a statement's thousands of references as one array, not an IN list (whose
# 20,000 placeholders cost more to build than the query to run) ---------------------------------


def existing_bank_refs(business_id: int, refs: list[str]) -> set[str]:
    """The bank references among `refs` that an earlier statement already brought."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT bank_ref FROM {CREDIT} WHERE business_id = %s AND bank_ref = ANY(%s)",  # noqa: S608
            [business_id, refs],
        )
        return {row[0] for row in cursor.fetchall()}


def pledge_rows_by_reference(business_id: int, references: list[str]) -> list[tuple]:
    """(reference, then reconcile.ROW_FIELDS' values) of the business's pledges with these
    references."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.reference, p.id, p.campaign_id, p.amount_minor, p.received_minor, "  # noqa: S608
            "p.status, p.name, p.email, p.language, p.payer_name, p.payer_iban, p.payer_bic, "
            f"p.share_link_id, l.token, l.peer_id FROM {PLEDGE} p "
            f"LEFT JOIN {LINK} l ON l.id = p.share_link_id "
            "WHERE p.business_id = %s AND p.reference = ANY(%s)",
            [business_id, references],
        )
        return cursor.fetchall()
