"""People's rights (GDPR) for sharing: the bookings a person made (signed in, as a peer, or by
their address) and the things a peer lends through the shop (see `tenancy.privacy`).

Erasure keeps every booking's money (price, deposit, fees, what was taken and held: the ledger
and the sponsors' reports count them) and drops the rider's contact data: name ("Former
customer"), address, phone, account; the booking's link stops working. A peer's own things are
retired from the fleet, with their photos, description and where to find them. A booking still
to come (or out now, or with money held for it), and a booking of a peer's own thing still to
come, stop an erasure."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from peerarmy import photos
from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import by_email, rows, words

from .models import HOLDING, Asset, AssetPhoto, AssetState, Booking

TABLES = {
    "bookings": gettext_lazy("Your bookings of shared things: when, what, what you paid."),
    "own_assets": gettext_lazy("The things of yours you lend through the shop."),
}


def bookings_of(business, user, emails):
    peer = peer_of(business, user)
    found = Q(pk__in=by_email(Booking.objects.filter(business=business), emails))
    if user is not None:
        found |= Q(user=user)
    if peer is not None:
        found |= Q(peer=peer)
    return Booking.objects.filter(business=business).filter(found)


def _own_assets(business, user):
    peer = peer_of(business, user)
    if peer is None:
        return Asset.objects.none()
    return Asset.objects.filter(business=business, owner_peer=peer)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    return {
        "bookings": rows(
            bookings_of(business, user, emails).order_by("starts_at", "pk"),
            [
                "code",
                ("asset", "asset__name_en"),
                ("asset_it", "asset__name_it"),
                "starts_at",
                "ends_at",
                "status",
                "name",
                "email",
                "phone",
                "language",
                "payment_method",
                "reference",
                "currency",
                ("price_cents", "price_minor"),
                ("deposit_cents", "deposit_minor"),
                ("late_fee_cents", "late_fee_minor"),
                ("damage_kept_cents", "damage_kept_minor"),
                "checked_out_at",
                "returned_at",
                "distance_km",
                "cancelled_at",
                "created_at",
            ],
        ),
        "own_assets": rows(
            _own_assets(business, user).order_by("pk"),
            [
                "code",
                "kind",
                "name_it",
                "name_en",
                "description_it",
                "description_en",
                "position_note",
                "latitude",
                "longitude",
                "listing",
                "state",
                "created_at",
            ],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    return {n for n in bookings_of(business, user, emails).values_list("name", flat=True) if n}


def blockers(business, *, user, emails, now) -> list[str]:
    found = []
    live = bookings_of(business, user, emails).filter(
        Q(status__in=HOLDING, ends_at__gt=now) | Q(held_minor__gt=0) | Q(status="out")
    )
    if live.exists():
        found.append(
            _(
                "A booking of yours is still to come, out now, or has money held for it: it must end first."
            )
        )
    others = Booking.objects.filter(
        business=business,
        asset__in=_own_assets(business, user),
        status__in=HOLDING,
        ends_at__gt=now,
    )
    if others.exists():
        found.append(
            _(
                "Something of yours that the shop lends is booked by others: those bookings come first."
            )
        )
    return found


def erase(business, *, user, emails, now) -> int:
    changed = 0
    for booking in bookings_of(business, user, emails):
        booking.name = words(business, gettext_lazy("Former customer"))
        booking.email = ""
        booking.phone = ""
        booking.user = None
        booking.token_hash = ""  # its e-mailed link stops working
        booking.save()
        changed += 1
    pictures = AssetPhoto.objects.filter(business=business, asset__in=_own_assets(business, user))
    names_gone = list(pictures.values_list("name", flat=True))
    changed += pictures.delete()[0]
    for asset in _own_assets(business, user):
        asset.state = AssetState.RETIRED
        asset.description_it = asset.description_en = ""
        asset.position_note = ""
        asset.latitude = asset.longitude = None
        asset.save()
        changed += 1

    def forget_photos():
        with scopes_disabled():
            for name in names_gone:
                if not AssetPhoto.objects.filter(name=name).exists():
                    photos.delete(name)

    if names_gone:
        transaction.on_commit(forget_photos)
    return changed
