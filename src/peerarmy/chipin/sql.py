"""The raw SQL of chip-in: writing what a bank statement did to thousands of pledges in one
round of statements (Django's `bulk_update` builds a CASE per field and row, seconds for a
statement of 20,000 credits; this is one prepared UPDATE run for every row). Every statement
filters by business."""

from django.db import connection

from .models import BankCredit, Pledge

PLEDGE, CREDIT = Pledge._meta.db_table, BankCredit._meta.db_table
CREDIT_COLUMNS = (
    "line, bank_ref, booked_on, amount_minor, currency, debtor_name, debtor_iban, debtor_bic, "
    "reference, remittance, status, pledge_id, suggested_pledge_id, applied_minor, "
    "returned_minor"
)


def update_pledges_received(business_id: int, rows: list[tuple]) -> None:
    """Set what each pledge received: rows of (received_minor, status, received_at,
    payer_name, payer_iban, payer_bic, pledge id)."""
    if not rows:
        return
    received_at = Pledge._meta.get_field("received_at")
    prepared = [
        (*row[:2], received_at.get_db_prep_save(row[2], connection), *row[3:], business_id)
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {PLEDGE} SET received_minor = %s, status = %s, received_at = %s, "  # noqa: S608
            "payer_name = %s, payer_iban = %s, payer_bic = %s "
            "WHERE id = %s AND business_id = %s",
            prepared,
        )


def insert_credits(business_id: int, statement_id: int, rows: list[tuple]) -> None:
    """A statement's credits, each a tuple in the order of CREDIT_COLUMNS."""
    if not rows:
        return
    booked_on = BankCredit._meta.get_field("booked_on")
    prepared = [
        (
            business_id,
            statement_id,
            row[0],
            row[1],
            booked_on.get_db_prep_save(row[2], connection),
            *row[3:],
        )  # fmt: skip
        for row in rows
    ]
    marks = ", ".join(["%s"] * (2 + len(rows[0])))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {CREDIT} (business_id, statement_id, {CREDIT_COLUMNS}) "  # noqa: S608
            f"VALUES ({marks})",
            prepared,
        )
