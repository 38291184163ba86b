"""People's rights (GDPR) for resale: what a person sold through the shop (listings, trade-ins)
and what they reserved or bought (by account or address) (see `tenancy.privacy`).

Erasure keeps every sale's money (price, commission, the seller's share, the ledger) and the
item's title, and drops the people: a listing loses its seller, description, photos and the
bank account it was to be paid to, and leaves the shop if it was still on offer; a reservation
loses the buyer's name, address, phone and link; a trade-in its seller and description. What
the bank statement said of a transfer (the payer's name and IBAN) is a payment record and is
kept (see `rewards.privacy`). A reserved item, a sale whose return window is still open (the
seller's money waits), a reservation of theirs still holding and a trade-in offer still open
stop an erasure."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from peerarmy import photos
from peerarmy.tenancy.privacy import by_email, rows, words

from .models import (
    Listing,
    ListingPhoto,
    ListingStatus,
    Reservation,
    ReservationStatus,
    TradeIn,
    TradeInStatus,
)

TABLES = {
    "listings": gettext_lazy("The things you put on sale through the shop."),
    "reservations": gettext_lazy("The used things you reserved or bought."),
    "trade_ins": gettext_lazy("The things you offered the shop in trade for credit."),
}

# still on offer: taken off sale by an erasure
ON_OFFER = (
    ListingStatus.DRAFT,
    ListingStatus.SUBMITTED,
    ListingStatus.CHANGES,
    ListingStatus.PUBLIC,
)


def _listings(business, user):
    if user is None:
        return Listing.objects.none()
    return Listing.objects.filter(business=business, seller=user)


def _reservations(business, user, emails):
    found = Q(pk__in=by_email(Reservation.objects.filter(business=business), emails))
    if user is not None:
        found |= Q(user=user)
    return Reservation.objects.filter(business=business).filter(found)


def _trade_ins(business, user, emails):
    found = Q(pk__in=by_email(TradeIn.objects.filter(business=business), emails, "seller_email"))
    if user is not None:
        found |= Q(seller=user)
    return TradeIn.objects.filter(business=business).filter(found)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    return {
        "listings": rows(
            _listings(business, user).order_by("created_at", "pk"),
            [
                "code",
                "title",
                "description",
                "grade",
                "size",
                ("price_cents", "price_minor"),
                "currency",
                "delivery",
                "payout",
                "payout_holder",
                "payout_iban",
                "status",
                "bought_order",
                "bought_name",
                "created_at",
                "published_at",
                "sold_at",
            ],
        ),
        "reservations": rows(
            _reservations(business, user, emails).order_by("created_at", "pk"),
            [
                "code",
                ("item", "listing__title"),
                "status",
                "name",
                "email",
                "phone",
                ("price_cents", "price_minor"),
                "currency",
                "paid_by",
                "payer_name",
                "payer_iban",
                "sold_at",
                "returned_at",
                "created_at",
                "expires_at",
            ],
        ),
        "trade_ins": rows(
            _trade_ins(business, user, emails).order_by("offered_at", "pk"),
            [
                "code",
                "title",
                "description",
                "grade",
                "size",
                "seller_email",
                ("offer_cents", "offer_minor"),
                "currency",
                "status",
                "offered_at",
                "decided_at",
            ],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    found = set(_reservations(business, user, emails).values_list("name", flat=True))
    found |= set(
        _listings(business, user).exclude(payout_holder="").values_list("payout_holder", flat=True)
    )
    return {name for name in found if name}


def blockers(business, *, user, emails, now) -> list[str]:
    found = []
    listings = _listings(business, user)
    if listings.filter(status=ListingStatus.RESERVED).exists():
        found.append(_("A buyer has reserved something you sell: the sale comes first."))
    waiting = Reservation.objects.filter(
        business=business,
        listing__in=listings,
        status=ReservationStatus.SOLD,
        released_at__isnull=True,
    )
    if waiting.exists():
        found.append(
            _("Money from a sale of yours waits for the return window to close: it is paid first.")
        )
    holding = _reservations(business, user, emails).filter(
        status__in=(ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE)
    )
    if holding.exists():
        found.append(_("You hold a reservation: collect it or cancel it first."))
    if _trade_ins(business, user, emails).filter(status=TradeInStatus.OFFERED).exists():
        found.append(
            _("The shop's trade-in offer to you is still open: accept or decline it first.")
        )
    return found


def erase(business, *, user, emails, now) -> int:
    changed = 0
    listings = list(_listings(business, user))
    pictures = ListingPhoto.objects.filter(business=business, listing__in=listings)
    names_gone = list(pictures.values_list("name", flat=True))
    changed += pictures.delete()[0]
    for listing in listings:
        if listing.status in ON_OFFER:
            listing.status = ListingStatus.WITHDRAWN
        listing.seller = None
        listing.description = ""
        listing.review_note = ""
        listing.payout_holder = ""
        listing.payout_iban = ""
        listing.updated_at = now
        listing.save()
        changed += 1
    for reservation in _reservations(business, user, emails):
        reservation.name = words(business, gettext_lazy("Former customer"))
        reservation.email = ""
        reservation.phone = ""
        reservation.user = None
        reservation.token_hash = ""  # its e-mailed link stops working
        reservation.save()
        changed += 1
    for trade_in in _trade_ins(business, user, emails):
        trade_in.seller = None
        trade_in.seller_email = ""
        trade_in.description = ""
        trade_in.save()
        changed += 1

    def forget_photos():
        with scopes_disabled():
            for name in names_gone:
                if not ListingPhoto.objects.filter(name=name).exists():
                    photos.delete(name)

    if names_gone:
        transaction.on_commit(forget_photos)
    return changed
