"""The outbox's raw SQL: one INSERT of a message, for hot paths (a claim writes its e-mail in
its own transaction; compiling the ORM's INSERT would cost more than running it).

The statement writes one row of the business it is given, and reads none."""

from peerarmy.db import insert_returning_id

from .models import OutboxMessage


def insert_message(business_id: int, values: dict) -> int:
    """Write one outbox message of business `business_id` from {field name: value} (every
    column without a database default, `business_id` aside); returns its id."""
    return insert_returning_id(OutboxMessage, {**values, "business_id": business_id})
