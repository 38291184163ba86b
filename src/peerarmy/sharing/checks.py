"""What `peerarmy ledger check` verifies of every rental, from the rows up:

- the account of money held for rentals (paid ahead, deposits) holds exactly what the bookings
  say they hold;
- what a booking says came in (net of what went back) is what the ledger's postings for it
  took on the till, the bank and the refunds owed;
- a booking's money adds up: what came in is the rental once earned (picked up), plus what is
  held, plus the fees kept;
- no asset is held by two bookings at once (what the database's guard must have prevented);
- a booking that is over holds nothing.
"""

from __future__ import annotations

from django.db.models import Sum
from django_scopes import scopes_disabled

from peerarmy.rewards.checks import Violation
from peerarmy.rewards.models import AccountKind, Balance, Entry, Refund, TransactionKind

from . import sql
from .models import EARNED, Booking, BookingStatus


def _deposits_held(business_id) -> int:
    total = Balance.objects.filter(
        account__business_id=business_id, account__kind=AccountKind.DEPOSITS
    ).aggregate(t=Sum("amount"))["t"]
    return -int(total or 0)


def _taken_by_booking(business_id) -> dict[str, int]:
    """booking code → what the till and the bank took for it in the ledger (net of what went
    back), read from the rental postings' keys."""
    kinds = [TransactionKind.RENTAL, TransactionKind.DEPOSIT_BACK, TransactionKind.SHARING_FEE]
    rows = (
        Entry.objects.filter(
            business_id=business_id,
            transaction__kind__in=kinds,
            account__kind__in=[AccountKind.TILL, AccountKind.BANK, AccountKind.REFUND],
        )
        .values("transaction__reason_args__booking")
        .annotate(total=Sum("amount"))
    )
    # str(): SQLite gives back a code of digits only ("76765579") as a number
    taken = {str(r["transaction__reason_args__booking"]): int(r["total"] or 0) for r in rows}
    # Money owed back by transfer left the held account for a refund (`sharing:<code>:…`).
    owed_back = Refund.objects.filter(business_id=business_id, key__startswith="sharing:")
    for key, amount in owed_back.values_list("key", "amount_minor"):
        code = key.split(":")[1]
        taken[code] = taken.get(code, 0) - int(amount)
    return taken


def check_bookings(business_id) -> list[Violation]:
    found = []
    with scopes_disabled():
        held = Booking.objects.filter(business_id=business_id).aggregate(t=Sum("held_minor"))["t"]
        held = int(held or 0)
        in_ledger = _deposits_held(business_id)
        if held != in_ledger:
            found.append(
                Violation(
                    "rentals_held",
                    f"bookings hold {held} but the account of money held shows {in_ledger}",
                )
            )
        taken = _taken_by_booking(business_id)
        bookings = Booking.objects.filter(business_id=business_id).only(
            "code",
            "status",
            "price_minor",
            "taken_minor",
            "held_minor",
            "late_fee_minor",
            "damage_kept_minor",
        )
        for booking in bookings:
            got = taken.get(booking.code, 0)
            if got != booking.taken_minor:
                found.append(
                    Violation(
                        "booking_money",
                        f"booking {booking.code}: took {booking.taken_minor} "
                        f"but the ledger shows {got}",
                    )
                )
            earned = booking.price_minor if booking.status in EARNED else 0
            expected = earned + booking.held_minor + booking.late_fee_minor
            expected += booking.damage_kept_minor
            if booking.taken_minor and booking.taken_minor != expected:
                found.append(
                    Violation(
                        "booking_balance",
                        f"booking {booking.code}: took {booking.taken_minor} but earned, "
                        f"held and kept {expected}",
                    )
                )
            over = booking.status in (BookingStatus.RETURNED, BookingStatus.CANCELLED)
            if over and booking.held_minor:
                found.append(
                    Violation("held_after_end", f"booking {booking.code} is over but holds money")
                )
        for first, second in sql.overlapping_bookings(business_id):
            found.append(
                Violation(
                    "double_booking",
                    f"bookings {first} and {second} hold the same asset at the same time",
                )
            )
    return found
