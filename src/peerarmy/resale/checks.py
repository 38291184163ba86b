"""What `peerarmy ledger check` verifies of every resale, from the rows up:

- the account of sellers' shares held until the return window closes holds exactly the shares
  of the sales not yet paid out;
- each sale's money adds up: what the till or the bank took (or the money paid ahead the sale
  drew from) is the shop's commission plus the seller's share, and a sale brought back took
  nothing in the end;
- the account of reservations paid ahead holds exactly what the reservations still waiting for
  their buyer were paid;
- a seller's share once paid out left the held account (as a voucher, to the seller's
  payable, or owed to their bank account) exactly once;
- no listing is held by two reservations at once (what the database's unique index must have
  prevented), and a sold listing has exactly one sale.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django_scopes import scopes_disabled

from peerarmy.rewards.checks import Violation
from peerarmy.rewards.models import AccountKind, Balance, Entry, Refund, TransactionKind

from .models import Listing, ListingStatus, Reservation, ReservationStatus


def _held_in_ledger(business_id) -> int:
    total = Balance.objects.filter(
        account__business_id=business_id, account__kind=AccountKind.RESALE_HELD
    ).aggregate(t=Sum("amount"))["t"]
    return -int(total or 0)


def _taken_by_listing(business_id) -> dict[str, int]:
    """listing code → what the till and the bank kept for it (sales net of returns)."""
    rows = (
        Entry.objects.filter(
            business_id=business_id,
            transaction__kind__in=[TransactionKind.RESALE, TransactionKind.RESALE_RETURN],
            # a sale paid ahead draws from the money held for it, which came from the bank
            account__kind__in=[AccountKind.TILL, AccountKind.BANK, AccountKind.RESALE_PAID_AHEAD],
        )
        .values("transaction__reason_args__listing")
        .annotate(total=Sum("amount"))
    )
    # str(): SQLite gives back a code of digits only ("23456789") as a number
    return {_code(r["transaction__reason_args__listing"]): int(r["total"] or 0) for r in rows}


def _paid_ahead_in_ledger(business_id) -> int:
    total = Balance.objects.filter(
        account__business_id=business_id, account__kind=AccountKind.RESALE_PAID_AHEAD
    ).aggregate(t=Sum("amount"))["t"]
    return -int(total or 0)


def _paid_out(business_id) -> dict[str, int]:
    """listing code → how many times a seller's share left the held account for it."""
    rows = (
        Entry.objects.filter(
            business_id=business_id,
            account__kind=AccountKind.RESALE_HELD,
            amount__gt=0,
        )
        .exclude(transaction__kind=TransactionKind.RESALE_RETURN)
        .values("transaction__reason_args__listing")
        .annotate(n=Count("transaction", distinct=True))
    )
    found = {_code(r["transaction__reason_args__listing"]): r["n"] for r in rows}
    # owed to a seller's bank account: a refund keyed `resale:<reservation id>`
    owed = Refund.objects.filter(business_id=business_id, key__startswith="resale:")
    ids = [int(key.split(":")[1]) for key in owed.values_list("key", flat=True)]
    codes = Reservation.objects.filter(business_id=business_id, pk__in=ids)
    for code in codes.values_list("listing__code", flat=True):
        found.pop(None, None)
        found[code] = found.get(code, 0) + 1
    return found


def check_resales(business_id) -> list[Violation]:
    found = []
    with scopes_disabled():
        sold = Reservation.objects.filter(business_id=business_id, status=ReservationStatus.SOLD)
        waiting = sold.filter(released_at__isnull=True).aggregate(t=Sum("share_minor"))["t"]
        waiting = int(waiting or 0)
        in_ledger = _held_in_ledger(business_id)
        if waiting != in_ledger:
            found.append(
                Violation(
                    "resale_held",
                    f"sales wait to pay {waiting} to sellers but the held account shows "
                    f"{in_ledger}",
                )
            )
        ahead = Reservation.objects.filter(
            business_id=business_id,
            paid_ahead_at__isnull=False,
            status__in=[ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE],
        ).aggregate(t=Sum("paid_ahead_minor"))["t"]
        ahead, in_ledger = int(ahead or 0), _paid_ahead_in_ledger(business_id)
        if ahead != in_ledger:
            found.append(
                Violation(
                    "resale_paid_ahead",
                    f"reservations paid ahead hold {ahead} but the account shows {in_ledger}",
                )
            )
        taken = _taken_by_listing(business_id)
        paid_out = _paid_out(business_id)
        expected: dict[str, int] = {}
        rows = Reservation.objects.filter(
            business_id=business_id,
            status__in=[ReservationStatus.SOLD, ReservationStatus.RETURNED],
        ).select_related("listing")
        for sale in rows:
            code = sale.listing.code
            if sale.status == ReservationStatus.SOLD:
                expected[code] = expected.get(code, 0) + sale.price_minor
                if sale.commission_minor + sale.share_minor != sale.price_minor:
                    found.append(
                        Violation(
                            "resale_split",
                            f"sale {sale.code}: commission and share do not add up to the price",
                        )
                    )
                times = 1 if sale.released_at and sale.share_minor else 0
                if paid_out.get(code, 0) != times:
                    found.append(
                        Violation(
                            "resale_paid_out",
                            f"sale {sale.code}: the seller's share left the held account "
                            f"{paid_out.get(code, 0)} times, expected {times}",
                        )
                    )
        for code in set(taken) | set(expected):
            if taken.get(code, 0) != expected.get(code, 0):
                found.append(
                    Violation(
                        "resale_money",
                        f"listing {code}: the till and the bank kept {taken.get(code, 0)} "
                        f"but its sales are worth {expected.get(code, 0)}",
                    )
                )
        doubled = (
            Reservation.objects.filter(business_id=business_id, holding=True)
            .values("listing__code")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
        )
        for row in doubled:
            found.append(
                Violation("double_reservation", f"listing {row['listing__code']} is held twice")
            )
        unsold = Listing.objects.filter(business_id=business_id, status=ListingStatus.SOLD).exclude(
            Q(reservations__status=ReservationStatus.SOLD)
        )
        for listing in unsold.only("code"):
            found.append(Violation("sold_without_sale", f"listing {listing.code} has no sale"))
    return found


def _code(value):
    """A listing's code as posted in a transaction's reason (text, even when all digits)."""
    return None if value is None else str(value)
