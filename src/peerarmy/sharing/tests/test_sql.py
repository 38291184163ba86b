"""sharing/sql.py's statements: the guard refuses overlaps of one asset and nothing else, and
the check's self-join reports only the business it is given (on SQLite and, in the PostgreSQL
run, on PostgreSQL's own form)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from peerarmy.sharing import sql
from peerarmy.sharing.models import Booking

from .helpers import asset, book, next_saturday, sharing_program

pytestmark = pytest.mark.django_db


def _without_guard():
    statements = {"postgresql": sql.POSTGRES_UNGUARD, "sqlite": sql.SQLITE_UNGUARD}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # deferred foreign-key checks of the rows just made would block the ALTER
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements[connection.vendor]:
            cursor.execute(statement)


def _copy(booking, **changes):
    values = {
        "business": booking.business,
        "program_id": booking.program_id,
        "asset": booking.asset,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "name": "Copy",
        "email": "copy@example.com",
        "code": "copy" + booking.code[:6],
        "reference": "RF00" + booking.code,
        "token_hash": "copy" + booking.code,
    } | changes
    return Booking.objects.create(**values)


def test_the_guard_refuses_an_overlap_and_allows_back_to_back(business, owner):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    first = book(business, bike, start=next_saturday(), hours=2).booking
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _copy(first, starts_at=first.starts_at + timedelta(minutes=30))
    assert sql.is_guard_violation(refused.value)
    _copy(first, starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=1))
    # a row that does not hold its asset (cancelled, lapsed) is not guarded
    _copy(first, code="gone", reference="RF00GONE", token_hash="gone", held=False)
    other = asset(business, owner, program)
    _copy(first, asset=other, code="other", reference="RF00OTHER", token_hash="other")


def test_overlaps_are_reported_per_business(business, owner, other_business):
    from peerarmy.tenancy.tests.factories import OwnerFactory

    mine = book(business, asset(business, owner, sharing_program(business, owner))).booking
    their_owner = OwnerFactory(business=other_business).user
    their_program = sharing_program(other_business, their_owner)
    theirs = book(other_business, asset(other_business, their_owner, their_program)).booking
    _without_guard()
    _copy(theirs)
    assert sql.overlapping_bookings(business.pk) == []
    assert sql.overlapping_bookings(other_business.pk) == [(theirs.code, "copy" + theirs.code[:6])]
    _copy(mine)
    assert sql.overlapping_bookings(business.pk) == [(mine.code, "copy" + mine.code[:6])]


def test_the_overlap_check_meets_each_booking_through_its_assets_index():
    """On SQLite (no statistics) the check's self-join must reach the other bookings by the
    asset, not by the business: that plan compared every booking with every other, hours on a
    big shop (it came back once when an index was dropped)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql._OVERLAPPING.replace("%s", "1"))
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "SEARCH b USING INDEX sharing_booking_asset " in plan, plan
