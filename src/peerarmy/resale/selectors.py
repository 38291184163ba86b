"""What resale reads: programs and their terms, categories, listings (the public search, the
review queue, a seller's own), reservations (by link, to collect), trade-ins, and what a seller
bought here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound

from .models import (
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    ResaleSettings,
    Reservation,
    ReservationStatus,
    TradeIn,
)

PAGE = 24


def get_program(business, program_id):
    from peerarmy.programs.selectors import get_program as program

    return program(business, program_id)


def resale_programs(business, *, published=True):
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

    rows = Program.objects.filter(business=business, kind=ProgramKind.RESALE)
    if published:
        rows = rows.filter(status=ProgramStatus.PUBLISHED)
    return list(rows.order_by("id"))


def published_program(business, program):
    """A published resale program of the business, by id, slug or object; else `NotFound`."""
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

    rows = Program.objects.filter(
        business=business, kind=ProgramKind.RESALE, status=ProgramStatus.PUBLISHED
    )
    if program is None:
        found = rows.order_by("id").first()
    elif isinstance(program, str) and not program.isdigit():
        found = rows.filter(slug=program).first()
    else:
        found = rows.filter(pk=getattr(program, "pk", program)).first()
    if found is None:
        raise NotFound(_("No such resale program."))
    return found


def resale_settings(business, program) -> ResaleSettings:
    """The program's terms; unsaved defaults when the owner never set them."""
    program_id = getattr(program, "pk", program)
    found = ResaleSettings.objects.filter(business=business, program_id=program_id).first()
    return found or ResaleSettings(business=business, program_id=program_id)


def categories(business, program, *, active_only=True) -> list[Category]:
    rows = Category.objects.filter(business=business, program=program)
    if active_only:
        rows = rows.filter(active=True)
    return list(rows)


def category_in(business, program, category_id) -> Category | None:
    return Category.objects.filter(business=business, program=program, pk=category_id).first()


def get_category(business, category) -> Category:
    found = Category.objects.filter(business=business, pk=getattr(category, "pk", category)).first()
    if found is None:
        raise NotFound(_("No such category."))
    return found


# --- people ----------------------------------------------------------------------------------


def peer_of(business, user):
    """The user's peer record at the business, if they are one (any status: a peer who left
    still sells their own things)."""
    from peerarmy.peers.models import Peer

    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return Peer.objects.filter(business=business, user=user).first()


def has_payout_details(business, peer) -> bool:
    from peerarmy.rewards.models import PayoutDetails

    return PayoutDetails.objects.filter(business=business, peer=peer).exists()


def language_of(business, user) -> str:
    return (getattr(user, "language", "") or business.default_language)[:2]


def user_by_email(email):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email__iexact=email).first()


@dataclass(frozen=True)
class BoughtItem:
    """A line of one of the seller's own orders at the business."""

    order_external_id: str
    position: int
    name: str
    unit_price_minor: int
    placed_on: date
    currency: str


def bought_items(business, who) -> list[BoughtItem]:
    """What a person bought at the business (paid, not cancelled nor refunded), newest first,
    by their account's e-mail (`who` a user) or by an e-mail address (a walk-in customer at
    the till)."""
    from peerarmy.customers.selectors import bought_items as lines

    email = who if isinstance(who, str) else getattr(who, "email", "")
    if not email:
        return []
    tz = business.tzinfo
    return [
        BoughtItem(
            line.order_id,
            line.position,
            line.name,
            line.unit_price_minor,
            line.placed_at.astimezone(tz).date(),
            line.currency,
        )
        for line in lines(business, email)
    ]


# --- listings --------------------------------------------------------------------------------


def get_listing(business, listing, *, for_update=False) -> Listing:
    rows = Listing.objects.filter(business=business).select_related("category", "seller")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=getattr(listing, "pk", listing)).first()
    if found is None:
        raise NotFound(_("No such listing."))
    return found


def public_listing(business, program, code) -> Listing:
    found = (
        Listing.objects.filter(
            business=business,
            program=program,
            code=code,
            status__in=[ListingStatus.PUBLIC, ListingStatus.RESERVED, ListingStatus.SOLD],
        )
        .select_related("category")
        .first()
    )
    if found is None:
        raise NotFound(_("No such item on sale."))
    return found


@dataclass(frozen=True)
class ListingQuery:
    text: str = ""
    category_id: int | None = None
    grade: str = ""
    size: str = ""
    min_minor: int | None = None
    max_minor: int | None = None
    bought_here: bool = False


def search(business, program, query: ListingQuery, *, offset=0, limit=PAGE) -> list[Listing]:
    """The public listings of a program that match, newest first: one page, and one more row
    to tell whether there is a next page."""
    rows = Listing.objects.filter(business=business, program=program, status=ListingStatus.PUBLIC)
    if query.category_id:
        rows = rows.filter(category_id=query.category_id)
    if query.grade:
        rows = rows.filter(grade=query.grade)
    if query.size:
        rows = rows.filter(size__iexact=query.size)
    if query.min_minor is not None:
        rows = rows.filter(price_minor__gte=query.min_minor)
    if query.max_minor is not None:
        rows = rows.filter(price_minor__lte=query.max_minor)
    if query.bought_here:
        rows = rows.exclude(bought_order="")
    if query.text:
        for word in query.text.split()[:5]:
            rows = rows.filter(Q(title__icontains=word) | Q(description__icontains=word))
    rows = rows.select_related("category").order_by("-published_at", "-id")
    return list(rows[offset : offset + limit + 1])


def cover_photos(business, listing_ids) -> dict[int, str]:
    """The first photo of each listing, by listing id."""
    covers = {}
    rows = ListingPhoto.objects.filter(business=business, listing_id__in=list(listing_ids))
    for photo in rows.order_by("listing_id", "position", "id"):
        covers.setdefault(photo.listing_id, photo.url)
    return covers


def review_queue(business) -> list[Listing]:
    return list(
        Listing.objects.filter(business=business, status=ListingStatus.SUBMITTED)
        .select_related("category", "seller")
        .order_by("submitted_at", "id")
    )


def listings_of_seller(business, user) -> list[Listing]:
    return list(
        Listing.objects.filter(business=business, seller=user, by_shop=False)
        .select_related("category")
        .order_by("-created_at", "-id")
    )


# --- reservations and trade-ins --------------------------------------------------------------


def get_reservation(business, reservation, *, for_update=False) -> Reservation:
    rows = Reservation.objects.filter(business=business).select_related("listing")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=getattr(reservation, "pk", reservation)).first()
    if found is None:
        raise NotFound(_("No such reservation."))
    return found


def reservation_by_token(business, hashed, *, for_update=False) -> Reservation:
    rows = Reservation.objects.filter(business=business, token_hash=hashed).select_related(
        "listing"
    )
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.first()
    if found is None:
        raise NotFound(_("This link does not name a reservation: check that it was copied whole."))
    return found


def reservation_by_idempotency_key(business, key) -> Reservation | None:
    return Reservation.objects.filter(business=business, idempotency_key=key).first()


def to_collect(business) -> list[Reservation]:
    """Reservations waiting for their buyer, the soonest to expire first."""
    return list(
        Reservation.objects.filter(
            business=business,
            status__in=[ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE],
        )
        .select_related("listing")
        .order_by("expires_at", "id")
    )


def sales_of_seller(business, user) -> list[Reservation]:
    """The seller's sales (and returns), newest first."""
    return list(
        Reservation.objects.filter(
            business=business,
            listing__seller=user,
            listing__by_shop=False,
            status__in=[ReservationStatus.SOLD, ReservationStatus.RETURNED],
        )
        .select_related("listing")
        .order_by("-sold_at", "-id")
    )


def get_trade_in(business, trade_in, *, for_update=False) -> TradeIn:
    rows = TradeIn.objects.filter(business=business).select_related("category", "seller")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=getattr(trade_in, "pk", trade_in)).first()
    if found is None:
        raise NotFound(_("No such trade-in."))
    return found


def trade_ins_of_seller(business, user) -> list[TradeIn]:
    return list(
        TradeIn.objects.filter(business=business, seller=user)
        .select_related("voucher")
        .order_by("-offered_at", "-id")
    )


def trade_ins(business, *, limit=50) -> list[TradeIn]:
    return list(
        TradeIn.objects.filter(business=business)
        .select_related("voucher", "listing")
        .order_by("-offered_at", "-id")[:limit]
    )


def recent_sales(business, *, limit=50) -> list[Reservation]:
    return list(
        Reservation.objects.filter(
            business=business,
            status__in=[ReservationStatus.SOLD, ReservationStatus.RETURNED],
        )
        .select_related("listing")
        .order_by("-sold_at", "-id")[:limit]
    )


def shop_listings(business) -> list[Listing]:
    """The shop's own items (taken in trade) not yet sold nor on sale: to photograph and
    publish."""
    return list(
        Listing.objects.filter(business=business, by_shop=True, status=ListingStatus.DRAFT)
        .select_related("category")
        .order_by("-created_at", "-id")
    )


# --- what the API reads ----------------------------------------------------------------------


def listings(
    business, *, program=None, seller=None, status="", category_id=None, bought_here=None, text=""
):
    """Listings with their photos, for the staff or (with `seller`) a seller's own: the ones
    waiting for review oldest first, any other status newest first. `text` is a listing's
    code, or words of its title, description, bought item or seller's e-mail."""
    rows = Listing.objects.filter(business=business)
    if seller is not None:
        rows = rows.filter(seller=seller, by_shop=False)
    if program is not None:
        rows = rows.filter(program=program)
    if status:
        rows = rows.filter(status=status)
    if category_id:
        rows = rows.filter(category_id=category_id)
    if bought_here is not None:
        rows = rows.exclude(bought_order="") if bought_here else rows.filter(bought_order="")
    for word in text.split()[:5]:
        rows = rows.filter(
            Q(code__iexact=word)
            | Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(bought_name__icontains=word)
            | Q(seller__email__icontains=word)
        )
    rows = rows.select_related("category", "seller").prefetch_related("photos")
    if status == ListingStatus.SUBMITTED:
        return rows.order_by("submitted_at", "id")
    return rows.order_by("-created_at", "-id")


def listing_photos(listing) -> list[ListingPhoto]:
    """A listing's photos in their order (from memory when they were read with it)."""
    return list(listing.photos.all())


def photos_by_listing(business, listing_ids) -> dict[int, list[ListingPhoto]]:
    """The photos of each listing, in their order, by listing id."""
    found: dict[int, list[ListingPhoto]] = {}
    rows = ListingPhoto.objects.filter(business=business, listing_id__in=list(listing_ids))
    for photo in rows.order_by("listing_id", "position", "id"):
        found.setdefault(photo.listing_id, []).append(photo)
    return found


def reservations(business, *, status="", listing_id=None):
    """Reservations with their listing, newest first."""
    rows = Reservation.objects.filter(business=business).select_related("listing")
    if status:
        rows = rows.filter(status=status)
    if listing_id:
        rows = rows.filter(listing_id=listing_id)
    return rows.order_by("-created_at", "-id")


def waiting_shares(business, user) -> list[Reservation]:
    """The seller's sales whose share waits for the return window to close, soonest first."""
    return list(
        Reservation.objects.filter(
            business=business,
            listing__seller=user,
            listing__by_shop=False,
            status=ReservationStatus.SOLD,
            released_at__isnull=True,
        )
        .select_related("listing")
        .order_by("release_after", "id")
    )


def photos_of(business, listing) -> list[ListingPhoto]:
    return list(ListingPhoto.objects.filter(business=business, listing=listing))


def reservations_of(business, listing, *, limit=10) -> list[Reservation]:
    return list(
        Reservation.objects.filter(business=business, listing=listing).order_by(
            "-created_at", "-id"
        )[:limit]
    )


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def sold_count_of_seller(business, user, *, since=None, until=None) -> int:
    """How many of the seller's own used items were sold (and not brought back) in [since,
    until) (either end open when None): things given a second life."""
    rows = Reservation.objects.filter(
        business=business,
        listing__seller=user,
        listing__by_shop=False,
        status=ReservationStatus.SOLD,
    )
    if since is not None:
        rows = rows.filter(sold_at__gte=since)
    if until is not None:
        rows = rows.filter(sold_at__lt=until)
    return rows.count()
