"""Resale through the API: customers sell, through the shop, what they bought there and no longer
use; the shop reviews the listings, holds an item for a buyer, sells it, takes it back, and buys
items outright for a voucher (trade-in).

One router per part of the work, as the console splits it:
- the set-up (a role with program set-up): a program's terms, and the categories with their
  pricing rule and commission, which every member reads (the till needs them for a trade-in);
- the work (every member): the listings and their review, the shop's search as buyers see it,
  reservations (one made by phone, safe to retry with an Idempotency-Key), the sale and the
  return (a role with the money), trade-ins at the till and the price the shop suggests;
- a peer's own token: what they bought at the shop, their listings with their photos, a
  trade-in offer for an item bought here, and their sales.

Every body is the change's typed input (`peerarmy.resale.inputs`); every lookup is a selector
that answers 404 for another business's ids (and for another seller's listing or trade-in),
before a body or a file that needs the object is read. The services' refusals keep their codes:
`listing_not_available` (409), `reservation_expired` (410), `not_bought_here` and
`photo_rejected` (422)."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from peerarmy.errors import NotFound
from peerarmy.inputs import MAX_ID, Day, Email, InvalidInput, apply_patch, parse, patch_model
from peerarmy.money import format_money
from peerarmy.photos import MAX_UPLOAD_BYTES as MAX_PHOTO
from peerarmy.programs.models import ProgramKind
from peerarmy.resale import selectors, services
from peerarmy.resale.inputs import (
    MAX_PRICE,
    CategoryInput,
    GradeCode,
    ListingInput,
    ResaleSettingsInput,
    ReservationInput,
    ReturnInput,
    ReviewInput,
    SaleInput,
    TradeInInput,
)
from peerarmy.resale.models import GRADE_DEFINITIONS, Grade, ListingStatus, ReservationStatus
from peerarmy.tenancy.roles import Capability

from .auth import ApiTokenAuth, PeerTokenAuth, member_business, token_peer
from .pagination import MAX_OFFSET, LimitOffset
from .params import ObjectId, Text
from .problems import problem_responses

IDEMPOTENCY_KEY_MAX = 100  # Reservation.idempotency_key's length
SEARCH_PAGE = selectors.PAGE
SEARCH_MAX = 60

setup_router = Router(tags=["resale"])
categories_router = Router(tags=["resale"])
router = Router(tags=["resale"])
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


class CategoriesAuth(ApiTokenAuth):
    """Reading the categories is everyone's work (a trade-in at the till names one); changing
    them needs a role with program set-up. Refused before the body is read."""

    def __init__(self):
        super().__init__()
        self._read = ApiTokenAuth(needs=Capability.WORK)
        self._change = ApiTokenAuth(needs=Capability.SETUP)

    def authenticate(self, request, token):
        door = self._read if request.method in ("GET", "HEAD", "OPTIONS") else self._change
        return door.authenticate(request, token)


# --- what goes out ------------------------------------------------------------------------------


class ResaleSettingsOut(Schema):
    program_id: int
    reservation_hours: int = Field(description="A reservation holds the item this many hours.")
    confirm_minutes: int = Field(
        description="A visitor's reservation waits this long for its e-mail confirmation."
    )
    return_days: int = Field(
        description="A buyer may bring the item back for this many days; the seller is paid "
        "after them."
    )
    trade_in_percent: int = Field(description="A trade-in pays this share of the suggested price.")
    credit_bonus_percent: int = Field(
        description="A seller who takes shop credit instead of money gets this much more."
    )


class ResaleCategoryOut(Schema):
    id: int
    program_id: int
    code: str
    name_it: str
    name_en: str
    name: str = Field(description="In the language of `Accept-Language`.")
    keep_new_percent: int = Field(description="Of the price new, kept by an item new with tags.")
    keep_excellent_percent: int
    keep_good_percent: int
    keep_worn_percent: int
    keep_parts_percent: int = Field(description="Kept by an item for parts.")
    yearly_loss_percent: int = Field(description="Lost for each whole year since the purchase.")
    floor_percent: int = Field(description="Always kept for the age, however old.")
    commission_percent: int = Field(description="The shop's share of a sale.")
    commission_min_minor: int = Field(description="The smallest commission, in cents.")
    active: bool = Field(description="Sellers may list in it.")


class ResalePhotoOut(Schema):
    id: int
    url: str
    position: int


class ResaleListingOut(Schema):
    id: int
    code: str = Field(description="Public: the item's page /<business>/…/<code>/.")
    program_id: int
    category_id: int
    category_name: str
    title: str
    description: str
    grade: str = Field(description="new_with_tags, excellent, good, worn or for_parts.")
    grade_label: str = Field(description="The condition in words.")
    size: str
    price_minor: int = Field(description="The asking price, in cents.")
    currency: str
    delivery: str = Field(description="pickup, or shipping (picked up or shipped).")
    delivery_label: str
    payout: str = Field(description="money (by bank transfer) or credit (shop credit, a bonus).")
    payout_label: str
    payout_holder: str
    payout_iban: str
    status: str = Field(
        description="draft, submitted (waiting for review), changes (asked), refused, public "
        "(for sale), reserved, sold or withdrawn."
    )
    status_label: str = Field(description="The status in words.")
    review_note: str = Field(description="What to change, or why it was refused.")
    bought_here: bool = Field(description="Sold by the shop: the shop vouches for it.")
    bought_order: str = Field(description="The shop's order it came from; empty: not bought here.")
    bought_on: date | None
    bought_name: str = Field(description="The item as the order names it.")
    original_minor: int | None = Field(description="What it cost at the shop.")
    suggested_minor: int | None = Field(description="The price the shop suggests for it.")
    photos: list[ResalePhotoOut]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None
    sold_at: datetime | None

    @staticmethod
    def resolve_category_name(listing):
        return listing.category.name

    @staticmethod
    def resolve_grade_label(listing):
        return listing.get_grade_display()

    @staticmethod
    def resolve_delivery_label(listing):
        return listing.get_delivery_display()

    @staticmethod
    def resolve_payout_label(listing):
        return listing.get_payout_display()

    @staticmethod
    def resolve_status_label(listing):
        return listing.get_status_display()

    @staticmethod
    def resolve_photos(listing):
        return selectors.listing_photos(listing)


class ResaleStaffListingOut(ResaleListingOut):
    by_shop: bool = Field(description="The shop's own, taken in trade.")
    seller_name: str = Field(description="Empty for the shop's own.")
    seller_email: str

    @staticmethod
    def resolve_seller_name(listing):
        return listing.seller.get_full_name() if listing.seller_id else ""

    @staticmethod
    def resolve_seller_email(listing):
        return listing.seller.email if listing.seller_id else ""


class ResalePublicListingOut(Schema):
    """A listing as buyers see it: nothing of its seller."""

    id: int
    code: str
    category_id: int
    category_name: str
    title: str
    description: str
    grade: str
    grade_label: str
    grade_definition: str = Field(description="What the condition means, in words.")
    size: str
    price_minor: int
    currency: str
    delivery: str
    delivery_label: str
    bought_here: bool
    bought_on: date | None
    original_minor: int | None
    suggested_minor: int | None
    photos: list[ResalePhotoOut]
    published_at: datetime | None


class ResaleSearchOut(Schema):
    next: str | None = Field(description="The next page; null on the last.")
    previous: str | None
    results: list[ResalePublicListingOut]


class ResaleReservationOut(Schema):
    id: int
    code: str
    program_id: int
    listing_id: int
    listing_code: str
    listing_title: str
    status: str = Field(
        description="unconfirmed (waiting for the e-mail confirmation), active, expired, "
        "cancelled, sold or returned."
    )
    status_label: str
    name: str
    email: str
    phone: str
    language: str
    reference: str = Field(description="The RF creditor reference a transfer quotes.")
    price_minor: int = Field(description="The price agreed.")
    currency: str
    expires_at: datetime = Field(
        description="Unconfirmed: the confirmation's end; active: the hold's."
    )
    paid_by: str = Field(description="till or transfer, once sold.")
    commission_minor: int = Field(description="The shop's share of the sale.")
    share_minor: int = Field(description="The seller's share, paid once the return window closes.")
    sold_at: datetime | None
    release_after: datetime | None = Field(description="The return window closes.")
    released_at: datetime | None = Field(description="The seller's share left for them.")
    returned_at: datetime | None
    created_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None

    @staticmethod
    def resolve_listing_code(reservation):
        return reservation.listing.code

    @staticmethod
    def resolve_listing_title(reservation):
        return reservation.listing.title

    @staticmethod
    def resolve_status_label(reservation):
        return reservation.get_status_display()


class ResaleSaleOut(Schema):
    """A sale of the seller's, without anything of the buyer."""

    id: int
    listing_id: int
    listing_code: str
    listing_title: str
    status: str = Field(description="sold, or returned (brought back: nothing is owed).")
    status_label: str
    price_minor: int
    commission_minor: int = Field(description="The shop's share.")
    share_minor: int = Field(description="Yours.")
    currency: str
    payout: str = Field(description="money or credit (with the program's bonus).")
    payout_label: str
    sold_at: datetime | None
    release_after: datetime | None = Field(description="Paid to you after this.")
    released_at: datetime | None = Field(description="When it was paid to you.")
    returned_at: datetime | None

    @staticmethod
    def resolve_listing_code(sale):
        return sale.listing.code

    @staticmethod
    def resolve_listing_title(sale):
        return sale.listing.title

    @staticmethod
    def resolve_status_label(sale):
        return sale.get_status_display()

    @staticmethod
    def resolve_payout(sale):
        return sale.listing.payout

    @staticmethod
    def resolve_payout_label(sale):
        return sale.listing.get_payout_display()


class ResaleTradeInOut(Schema):
    id: int
    code: str
    program_id: int
    category_id: int
    category_name: str
    title: str
    description: str
    grade: str
    grade_label: str
    size: str
    bought_here: bool
    bought_order: str
    bought_on: date | None
    bought_name: str
    original_minor: int = Field(description="What it cost new.")
    suggested_minor: int = Field(description="The price the shop would suggest for it.")
    offer_minor: int = Field(description="What the shop pays at once, as a voucher.")
    currency: str
    status: str = Field(description="offered, accepted, declined or expired.")
    status_label: str
    at_till: bool = Field(description="Made by the staff with the seller in the shop.")
    seller_email: str
    offered_at: datetime
    expires_at: datetime = Field(description="The offer stands until then.")
    decided_at: datetime | None
    voucher_code: str = Field(description="The seller's voucher, once accepted.")
    listing_id: int | None = Field(description="The shop's listing of the item, once accepted.")

    @staticmethod
    def resolve_category_name(trade_in):
        return trade_in.category.name

    @staticmethod
    def resolve_grade_label(trade_in):
        return trade_in.get_grade_display()

    @staticmethod
    def resolve_bought_here(trade_in):
        return bool(trade_in.bought_order)

    @staticmethod
    def resolve_status_label(trade_in):
        return trade_in.get_status_display()

    @staticmethod
    def resolve_voucher_code(trade_in):
        return trade_in.voucher.code if trade_in.voucher_id else ""


class ResaleBoughtOut(Schema):
    order: str = Field(description="The order's number: `bought_order` of a listing.")
    line: int = Field(description="The item's place in the order, from 0: `bought_line`.")
    name: str
    unit_price_minor: int = Field(description="What it cost.")
    currency: str
    bought_on: date


class ResaleSuggestionOut(Schema):
    category_id: int
    grade: str
    grade_label: str
    original_minor: int
    bought_on: date
    currency: str
    keep_percent: int = Field(description="Of the price new, kept for the condition.")
    years: int = Field(description="Whole years since the purchase.")
    age_percent: int = Field(description="Of that, kept for the age (100 in the first year).")
    price_minor: int = Field(description="The suggested price.")
    explanation: str = Field(description="The same, in words, in the language asked.")


# --- what comes in ------------------------------------------------------------------------------

SettingsBody = patch_model(ResaleSettingsInput, "ResaleSettingsBody")
CategoryPatch = patch_model(CategoryInput, "ResaleCategoryPatch")
ListingPatch = patch_model(ListingInput, "ResaleListingPatch")
ReviewBody = patch_model(ReviewInput, "ResaleReviewBody")
SaleBody = patch_model(SaleInput, "ResaleSaleBody")
ReturnBody = patch_model(ReturnInput, "ResaleReturnBody")

Id = int | None


class ResaleTillTradeInInput(TradeInInput):
    """A trade-in at the till: the item, and the e-mail of the seller in the shop (their
    voucher is theirs if they have an account)."""

    seller_email: Email


class ResaleCategoryFilters(Schema):
    program_id: Id = Field(None, ge=1, le=MAX_ID, description="A resale program's id.")
    active: bool | None = Field(None, description="true: in use only; false: out of use only.")


class ResaleListingFilters(Schema):
    program_id: Id = Field(None, ge=1, le=MAX_ID)
    status: ListingStatus | None = Field(None, description="`submitted`: the review queue.")
    category_id: Id = Field(None, ge=1, le=MAX_ID)
    bought_here: bool | None = Field(None, description="Only those bought (or not) at the shop.")
    q: Text | None = Field(
        None, max_length=100, description="A code, or words of the title or the seller's e-mail."
    )


class ResaleSearchFilters(Schema):
    category_id: Id = Field(None, ge=1, le=MAX_ID)
    grade: Grade | None = None
    size: Text | None = Field(None, max_length=80)
    min_price_minor: int | None = Field(None, ge=0, le=MAX_PRICE)
    max_price_minor: int | None = Field(None, ge=0, le=MAX_PRICE)
    bought_here: bool = Field(False, description="Only items the shop sold: it vouches for them.")
    q: Text | None = Field(None, max_length=100, description="Words of the title or description.")
    limit: int = Field(SEARCH_PAGE, ge=1, le=SEARCH_MAX, description="Items per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


class ResaleReservationFilters(Schema):
    status: ReservationStatus | None = None
    listing_id: Id = Field(None, ge=1, le=MAX_ID)


class ResaleSuggestionQuery(Schema):
    category_id: int = Field(..., ge=1, le=MAX_ID)
    grade: GradeCode
    original_minor: int = Field(..., ge=0, le=MAX_PRICE, description="What it cost new, in cents.")
    bought_on: Day = Field(..., description="YYYY-MM-DD.")


def _body(model, payload, business):
    """The change's whole input from a body whose fields were all optional, read once the
    object is found: another business's id answers 404 whatever was sent."""
    return parse(model, payload.model_dump(exclude_unset=True), context={"business": business})


def _photo_bytes(file) -> bytes:
    """The uploaded picture's bytes (one more than the limit is enough to refuse it)."""
    if file is None:
        raise InvalidInput([("file", _("Choose a picture to upload."))])
    return file.read(MAX_PHOTO + 1)


def _setup(request):
    return member_business(request, Capability.SETUP)


def _work(request):
    return member_business(request, Capability.WORK)


def _money(request):
    return member_business(request, Capability.REWARDS)


def _resale_program(business, program_id):
    """A resale program of the business, published or not."""
    program = selectors.get_program(business, program_id)
    if program.kind != ProgramKind.RESALE:
        raise NotFound(_("No such resale program."))
    return program


# --- a program's terms and its categories (set-up) ----------------------------------------------


@setup_router.get(
    "/programs/{program_id}/settings",
    response={200: ResaleSettingsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a resale program's terms",
    description="The defaults until the owner sets them.",
)
def get_settings(request, program_id: ObjectId):
    business = _setup(request)
    program = _resale_program(business, program_id)
    return selectors.resale_settings(business, program)


@setup_router.put(
    "/programs/{program_id}/settings",
    response={200: ResaleSettingsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Set a resale program's terms",
    description="Every term (a field left out takes its default): `reservation_hours` (1 to "
    "336), `confirm_minutes` (5 to 1440), `return_days` (0 to 90), `trade_in_percent`, "
    "`credit_bonus_percent`. A reservation and a sale keep the terms they were made with.",
)
def put_settings(request, program_id: ObjectId, payload: SettingsBody):
    business = _setup(request)
    program = _resale_program(business, program_id)
    data = _body(ResaleSettingsInput, payload, business)
    return services.save_settings(business, request.auth.user, program.pk, data).value


@categories_router.get(
    "/categories",
    response={200: list[ResaleCategoryOut], **problem_responses(401, 403, 422)},
    summary="List the categories of items",
    description="By program, then by Italian name.",
)
@paginate(LimitOffset)
def list_categories(request, filters: Query[ResaleCategoryFilters]):
    business = _work(request)
    found = []
    for program in selectors.resale_programs(business, published=False):
        if filters.program_id is not None and program.pk != filters.program_id:
            continue
        rows = selectors.categories(business, program, active_only=False)
        found += [c for c in rows if filters.active is None or c.active == filters.active]
    return found


@categories_router.post(
    "/categories",
    response={201: ResaleCategoryOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Add a category",
    description="`program_id` (a resale program) and `name_it` (required), `name_en`; the "
    "pricing rule: the share of the price new each condition keeps (`keep_new_percent`, "
    "`keep_excellent_percent`, `keep_good_percent`, `keep_worn_percent`, `keep_parts_percent`: "
    "a worse condition never keeps more), `yearly_loss_percent` and `floor_percent` for the "
    "age; the shop's `commission_percent` and `commission_min_minor`; `active`.",
)
def add_category(request, payload: CategoryInput):
    business = _setup(request)
    return Status(201, services.save_category(business, request.auth.user, payload).value)


@categories_router.get(
    "/categories/{category_id}",
    response={200: ResaleCategoryOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a category",
)
def get_category(request, category_id: ObjectId):
    return selectors.get_category(_work(request), category_id)


@categories_router.patch(
    "/categories/{category_id}",
    response={200: ResaleCategoryOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a category",
    description="Only the fields sent change; the rules across the shares run on the whole. "
    "Listings already priced keep their price. A category stays in its program (409 "
    "`invalid_transition`).",
)
def patch_category(request, category_id: ObjectId, payload: CategoryPatch):
    business = _setup(request)
    category = selectors.get_category(business, category_id)
    current = {name: getattr(category, name) for name in CategoryInput.model_fields}
    data = apply_patch(CategoryInput, current, payload)
    return services.save_category(business, request.auth.user, data, category=category).value


# --- listings and their review (the work) -------------------------------------------------------


@router.get(
    "/listings",
    response={200: list[ResaleStaffListingOut], **problem_responses(401, 403, 422)},
    summary="List listings",
    description="Newest first; `status=submitted` is the review queue, oldest first.",
)
@paginate(LimitOffset)
def list_listings(request, filters: Query[ResaleListingFilters]):
    return selectors.listings(
        _work(request),
        program=filters.program_id,
        status=filters.status or "",
        category_id=filters.category_id,
        bought_here=filters.bought_here,
        text=filters.q or "",
    )


@router.get(
    "/listings/{listing_id}",
    response={200: ResaleStaffListingOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a listing",
)
def get_listing(request, listing_id: ObjectId):
    return selectors.get_listing(_work(request), listing_id)


@router.post(
    "/listings/{listing_id}/review",
    response={200: ResaleStaffListingOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Review a listing",
    description='`{"decision": "approve"}` puts it on sale (it needs a photo: 409 '
    '`invalid_transition` naming `photo`); `{"decision": "changes" | "refuse", "note": "…"}` '
    "asks the seller for changes or refuses it (the note is required: the seller is e-mailed "
    "it in their language). Only a listing waiting for review, or a draft of the shop's own "
    "(taken in trade), is reviewed.",
)
def review_listing(request, listing_id: ObjectId, payload: ReviewBody):
    business = _work(request)
    listing = selectors.get_listing(business, listing_id)
    data = _body(ReviewInput, payload, business)
    return services.review_listing(business, request.auth.user, listing, data).value


@router.post(
    "/listings/{listing_id}/photos",
    response={201: ResalePhotoOut, **problem_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Add a photo of a listing",
    description="Mostly for the shop's own listings, taken in trade. Multipart `file`: a "
    "JPEG, PNG or WebP up to 10 MB, kept upright, shrunk and without its metadata (EXIF, "
    "GPS). A picture that cannot be used answers 422 `photo_rejected`; a listing with 8 "
    "photos, or one reserved or sold, 409.",
)
def add_listing_photo(request, listing_id: ObjectId, file: File[UploadedFile] = None):
    business = _work(request)
    listing = selectors.get_listing(business, listing_id)
    data = _photo_bytes(file)  # read after the lookup: another business's id answers 404
    return Status(201, services.add_photo(business, request.auth.user, listing, data).value)


@router.delete(
    "/listings/{listing_id}/photos/{photo_id}",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Remove a photo of a listing",
)
def remove_listing_photo(request, listing_id: ObjectId, photo_id: ObjectId):
    business = _work(request)
    listing = selectors.get_listing(business, listing_id)
    services.remove_photo(business, request.auth.user, listing, photo_id)
    return Status(204, None)


def _public(listing, photos):
    return {
        "id": listing.pk,
        "code": listing.code,
        "category_id": listing.category_id,
        "category_name": listing.category.name,
        "title": listing.title,
        "description": listing.description,
        "grade": listing.grade,
        "grade_label": listing.get_grade_display(),
        "grade_definition": str(GRADE_DEFINITIONS[Grade(listing.grade)]),
        "size": listing.size,
        "price_minor": listing.price_minor,
        "currency": listing.currency,
        "delivery": listing.delivery,
        "delivery_label": listing.get_delivery_display(),
        "bought_here": listing.bought_here,
        "bought_on": listing.bought_on,
        "original_minor": listing.original_minor,
        "suggested_minor": listing.suggested_minor,
        "photos": photos,
        "published_at": listing.published_at,
    }


def _page_url(request, limit, offset):
    query = request.GET.copy()
    query["limit"], query["offset"] = str(limit), str(offset)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@router.get(
    "/programs/{program_id}/listings",
    response={200: ResaleSearchOut, **problem_responses(401, 403, 404, 422)},
    summary="Search the items on sale",
    description="A published program's items on sale, as buyers see them (nothing of the "
    "seller), newest first: in `category_id`, of `grade`, of `size`, priced from "
    "`min_price_minor` to `max_price_minor`, `bought_here` only, with the words of `q` in the "
    "title or description. A page of `limit` (1 to 60, default 24) from `offset`, with "
    "`next` and `previous` links and no count.",
)
def search_listings(request, program_id: ObjectId, filters: Query[ResaleSearchFilters]):
    business = _work(request)
    program = selectors.published_program(business, program_id)
    query = selectors.ListingQuery(
        text=filters.q or "",
        category_id=filters.category_id,
        grade=filters.grade or "",
        size=filters.size or "",
        min_minor=filters.min_price_minor,
        max_minor=filters.max_price_minor,
        bought_here=filters.bought_here,
    )
    limit, offset = filters.limit, filters.offset
    rows = selectors.search(business, program, query, offset=offset, limit=limit)
    page = rows[:limit]
    photos = selectors.photos_by_listing(business, [listing.pk for listing in page])
    return {
        "next": _page_url(request, limit, offset + limit) if len(rows) > limit else None,
        "previous": _page_url(request, limit, max(0, offset - limit)) if offset else None,
        "results": [_public(listing, photos.get(listing.pk, [])) for listing in page],
    }


# --- reservations, the sale and the return (the work) -------------------------------------------


@router.get(
    "/reservations",
    response={200: list[ResaleReservationOut], **problem_responses(401, 403, 422)},
    summary="List reservations",
    description="Newest first; `status=active` are the items waiting for their buyer.",
)
@paginate(LimitOffset)
def list_reservations(request, filters: Query[ResaleReservationFilters]):
    return selectors.reservations(
        _work(request), status=filters.status or "", listing_id=filters.listing_id
    )


@router.post(
    "/reservations",
    response={
        200: ResaleReservationOut,
        201: ResaleReservationOut,
        **problem_responses(400, 401, 403, 409, 422),
    },
    summary="Reserve an item for a buyer",
    description=(
        "A reservation made by phone or at the counter (201): `listing_id`, `name`, `email` "
        "(required), `phone`. The price is the listing's at this moment. The buyer is "
        "e-mailed, in the language of `Accept-Language`, a link to confirm it; the item is "
        "held meanwhile, then for the program's hours. Send an `Idempotency-Key` header (any "
        "text up to 100 characters, e.g. a UUID, new for each reservation you mean to make): a "
        "retry with the same key answers 200 with the same reservation instead of reserving "
        "twice; the same key for another reservation answers 409 `idempotency_key_reused`. An "
        "item reserved or sold already answers 409 `listing_not_available`."
    ),
)
def add_reservation(
    request,
    payload: ReservationInput,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Makes retries safe: the same key gives back the same reservation.",
    ),
):
    business = _work(request)
    if payload.listing_id is None:
        raise InvalidInput([("listing_id", _("Choose the item to reserve."))])
    try:
        listing = selectors.get_listing(business, payload.listing_id)
    except NotFound:
        raise InvalidInput([("listing_id", _("There is no item with this number."))]) from None
    outcome = services.reserve(
        business,
        listing,
        payload,
        language=get_language() or business.default_language,
        idempotency_key=(idempotency_key or "").strip(),
    )
    # the confirmation token is the buyer's: it goes by e-mail, never into the answer
    return Status(200 if outcome.replayed else 201, outcome.value.reservation)


@router.get(
    "/reservations/{reservation_id}",
    response={200: ResaleReservationOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a reservation",
)
def get_reservation(request, reservation_id: ObjectId):
    return selectors.get_reservation(_work(request), reservation_id)


@router.post(
    "/reservations/{reservation_id}/cancel",
    response={200: ResaleReservationOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Cancel a reservation",
    description="Before the item is collected: it is on sale again. Again: the same answer.",
)
def cancel_reservation(request, reservation_id: ObjectId):
    business = _work(request)
    reservation = selectors.get_reservation(business, reservation_id)
    return services.cancel_reservation(business, reservation, actor=request.auth.user).value


@router.post(
    "/reservations/{reservation_id}/sold",
    response={200: ResaleReservationOut, **problem_responses(400, 401, 403, 404, 409, 410, 422)},
    summary="Record the sale",
    description='Needs a role with the money. `{"paid_by": "till" | "transfer"}` (default '
    "till): the buyer paid and took the item. The shop keeps its commission; the seller's "
    "share waits until the return window closes, then is paid as they chose. Again: the same "
    "answer. An expired reservation answers 410 `reservation_expired`.",
)
def mark_sold(request, reservation_id: ObjectId, payload: SaleBody):
    business = _money(request)
    reservation = selectors.get_reservation(business, reservation_id)
    data = _body(SaleInput, payload, business)
    return services.mark_sold(business, request.auth.user, reservation, data).value


@router.post(
    "/reservations/{reservation_id}/return",
    response={200: ResaleReservationOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Take a sold item back",
    description="Needs a role with the money. `reason` (optional): within the program's "
    "return window the sale is reversed, the money given back at the till, and the item is "
    "on sale again; after it, 409 `invalid_transition`. Again: the same answer.",
)
def return_sale(request, reservation_id: ObjectId, payload: ReturnBody):
    business = _money(request)
    reservation = selectors.get_reservation(business, reservation_id)
    data = _body(ReturnInput, payload, business)
    return services.return_sale(business, request.auth.user, reservation, data).value


# --- trade-ins at the till and the suggested price (the work) -----------------------------------


@router.post(
    "/trade-ins",
    response={201: ResaleTradeInOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Offer a trade-in at the till",
    description="The seller is in the shop: `seller_email`, the item (`category_id`, `title`, "
    "`grade`, `description`, `size`) and either the order it came from (`bought_order`, "
    "`bought_line`: the seller's own, else 422 `not_bought_here`) or what it cost new "
    "(`original_minor`) and its `age_months`. The offer is the suggested price times the "
    "program's trade-in rate, valid for 7 days; `program_id` left out: the first published "
    "resale program.",
)
def offer_trade_in(request, payload: ResaleTillTradeInInput):
    business = _work(request)
    outcome = services.offer_trade_in(
        business,
        request.auth.user,
        payload.program_id,
        payload,
        seller_email=payload.seller_email,
    )
    return Status(201, outcome.value)


@router.get(
    "/trade-ins/{trade_in_id}",
    response={200: ResaleTradeInOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a trade-in",
)
def get_trade_in(request, trade_in_id: ObjectId):
    return selectors.get_trade_in(_work(request), trade_in_id)


def _decide(request, trade_in_id, *, accept):
    business = _work(request)
    trade_in = selectors.get_trade_in(business, trade_in_id)
    return services.decide_trade_in(business, request.auth.user, trade_in, accept=accept).value


@router.post(
    "/trade-ins/{trade_in_id}/accept",
    response={200: ResaleTradeInOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="The seller at the till accepts",
    description="Needs a role with the money. The seller gets a voucher for the offer at "
    "once (`voucher_code`) and the item becomes a draft listing of the shop's (`listing_id`): "
    "add its photos and review it to put it on sale. An offer made from the seller's app is "
    "theirs to answer (403). Again: the same answer.",
)
def accept_trade_in(request, trade_in_id: ObjectId):
    return _decide(request, trade_in_id, accept=True)


@router.post(
    "/trade-ins/{trade_in_id}/decline",
    response={200: ResaleTradeInOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="The seller at the till declines",
    description="Needs a role with the money, as accepting does. Again: the same answer.",
)
def decline_trade_in(request, trade_in_id: ObjectId):
    return _decide(request, trade_in_id, accept=False)


def _explanation(suggestion, category, currency) -> str:
    """The suggested price in words: the condition's share, the age's, the result."""
    values = {
        "original": format_money(suggestion.original_minor, currency),
        "grade": Grade(suggestion.grade).label,
        "keep": suggestion.keep_percent,
        "years": suggestion.years,
        "age": suggestion.age_percent,
        "loss": category.yearly_loss_percent,
        "floor": category.floor_percent,
        "price": format_money(suggestion.price_minor, currency),
    }
    words = [_("It cost %(original)s new; in the condition “%(grade)s” it keeps %(keep)s%%.")]
    if suggestion.years:
        words.append(
            ngettext(
                "Bought %(years)s year ago, it keeps %(age)s%% of that for its age "
                "(%(loss)s%% less each year, never below %(floor)s%%).",
                "Bought %(years)s years ago, it keeps %(age)s%% of that for its age "
                "(%(loss)s%% less each year, never below %(floor)s%%).",
                suggestion.years,
            )
        )
    else:
        words.append(_("Bought less than a year ago, it loses nothing for its age."))
    words.append(_("Suggested price: %(price)s."))
    return " ".join(str(sentence) % values for sentence in words)


@router.get(
    "/suggestion",
    response={200: ResaleSuggestionOut, **problem_responses(401, 403, 422)},
    summary="The price the shop suggests",
    description="For an item of `category_id` in `grade`, that cost `original_minor` new on "
    "`bought_on` (YYYY-MM-DD, not in the future): the category's share for the condition "
    "(`keep_percent`), the share for its age (`age_percent`, after `years` whole years), the "
    "`price_minor` rounded to the euro, and the `explanation` in words, in the language of "
    "`Accept-Language`.",
)
def suggestion(request, query: Query[ResaleSuggestionQuery]):
    business = _work(request)
    try:
        category = selectors.get_category(business, query.category_id)
    except NotFound:
        raise InvalidInput([("category_id", _("Choose one of the shop's categories."))]) from None
    if query.bought_on > timezone.localdate(timezone=business.tzinfo):
        raise InvalidInput([("bought_on", _("The purchase date cannot be in the future."))])
    found = services.suggestion(
        business, category, query.grade, query.original_minor, query.bought_on
    )
    currency = business.currency or "EUR"
    return {
        "category_id": category.pk,
        "grade": found.grade,
        "grade_label": str(Grade(found.grade).label),
        "original_minor": found.original_minor,
        "bought_on": query.bought_on,
        "currency": currency,
        "keep_percent": found.keep_percent,
        "years": found.years,
        "age_percent": found.age_percent,
        "price_minor": found.price_minor,
        "explanation": _explanation(found, category, currency),
    }


# --- the seller (a peer's token) ----------------------------------------------------------------


def _seller(request):
    return token_peer(request).user


def _own_listing(request, listing_id):
    """The seller's own listing; anyone else's, or the shop's, is not found."""
    listing = selectors.get_listing(request.business, listing_id)
    if listing.seller_id != _seller(request).pk or listing.by_shop:
        raise NotFound(_("No such listing."))
    return listing


def _own_trade_in(request, trade_in_id):
    trade_in = selectors.get_trade_in(request.business, trade_in_id)
    if trade_in.seller_id != _seller(request).pk:
        raise NotFound(_("No such trade-in."))
    return trade_in


@peer_router.get(
    "/resale/bought",
    response={200: list[ResaleBoughtOut], **problem_responses(401, 403, 422)},
    summary="What you bought at the shop",
    description="The items of your orders at the shop (paid, not refunded), newest first, by "
    "your account's e-mail: list one with its `order` as `bought_order` and its `line` as "
    "`bought_line`, and the shop vouches for it and suggests its price.",
)
@paginate(LimitOffset)
def my_bought(request):
    return [
        {
            "order": item.order_external_id,
            "line": item.position,
            "name": item.name,
            "unit_price_minor": item.unit_price_minor,
            "currency": item.currency,
            "bought_on": item.placed_on,
        }
        for item in selectors.bought_items(request.business, _seller(request))
    ]


@peer_router.get(
    "/resale/listings",
    response={200: list[ResaleListingOut], **problem_responses(401, 403, 422)},
    summary="Your listings",
    description="Newest first, whatever their status.",
)
@paginate(LimitOffset)
def my_listings(request):
    return selectors.listings(request.business, seller=_seller(request))


@peer_router.post(
    "/resale/listings",
    response={201: ResaleListingOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="List an item",
    description="A draft until you submit it with its photos: `category_id`, `title`, "
    "`grade`, `price_minor` (required), `description`, `size`, `delivery` (`pickup` or "
    "`shipping`), `payout` (`money`: give `payout_holder` and `payout_iban` unless the shop "
    "already pays you; or `credit`, shop credit with the program's bonus). Bought at the shop: "
    "`bought_order` and `bought_line` from /me/resale/bought (someone else's answers 422 "
    "`not_bought_here`): the listing shows it, and the shop's `suggested_minor`. "
    "`program_id` left out: the first published resale program.",
)
def add_my_listing(request, payload: ListingInput):
    outcome = services.create_listing(
        request.business, _seller(request), payload.program_id, payload
    )
    return Status(201, outcome.value)


@peer_router.get(
    "/resale/listings/{listing_id}",
    response={200: ResaleListingOut, **problem_responses(401, 403, 404, 422)},
    summary="Your listing",
    description="Someone else's answers 404.",
)
def my_listing(request, listing_id: ObjectId):
    return _own_listing(request, listing_id)


@peer_router.patch(
    "/resale/listings/{listing_id}",
    response={200: ResaleListingOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change your listing",
    description="Only the fields sent change. One on sale goes back to the shop's review; one "
    "reserved or sold answers 409 `invalid_transition`. A listing stays in its program.",
)
def patch_my_listing(request, listing_id: ObjectId, payload: ListingPatch):
    business, user = request.business, _seller(request)
    listing = _own_listing(request, listing_id)
    sent = payload.model_dump(exclude_unset=True)
    if sent.get("program_id", listing.program_id) != listing.program_id:
        raise InvalidInput([("program_id", _("A listing stays in its program."))])
    current = {
        "program_id": listing.program_id,
        "category_id": listing.category_id,
        "title": listing.title,
        "description": listing.description,
        "grade": listing.grade,
        "size": listing.size,
        "price_minor": listing.price_minor,
        "delivery": listing.delivery,
        "payout": listing.payout,
        "payout_holder": listing.payout_holder,
        "payout_iban": listing.payout_iban,
        "bought_order": listing.bought_order,
        "bought_line": listing.bought_line,
    }
    data = apply_patch(ListingInput, current, payload, business=business)
    return services.update_listing(business, user, listing, data).value


@peer_router.post(
    "/resale/listings/{listing_id}/photos",
    response={201: ResalePhotoOut, **problem_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Add a photo of your item",
    description="Multipart `file`, as for the staff's: up to 8, without their metadata (EXIF, "
    "GPS). Someone else's listing answers 404.",
)
def add_my_photo(request, listing_id: ObjectId, file: File[UploadedFile] = None):
    listing = _own_listing(request, listing_id)
    data = _photo_bytes(file)  # read after the lookup: someone else's listing answers 404
    return Status(201, services.add_photo(request.business, _seller(request), listing, data).value)


@peer_router.delete(
    "/resale/listings/{listing_id}/photos/{photo_id}",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Remove a photo of your item",
)
def remove_my_photo(request, listing_id: ObjectId, photo_id: ObjectId):
    listing = _own_listing(request, listing_id)
    services.remove_photo(request.business, _seller(request), listing, photo_id)
    return Status(204, None)


@peer_router.post(
    "/resale/listings/{listing_id}/submit",
    response={200: ResaleListingOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Send your listing to the shop's review",
    description="A draft, or a listing with changes asked, with at least one photo (409 "
    "`invalid_transition` naming `photo` without). Again: the same answer.",
)
def submit_my_listing(request, listing_id: ObjectId):
    listing = _own_listing(request, listing_id)
    services.submit_listing(request.business, _seller(request), listing)
    return _own_listing(request, listing_id)


@peer_router.post(
    "/resale/listings/{listing_id}/withdraw",
    response={200: ResaleListingOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Withdraw your listing",
    description="Any time before it is reserved or sold. Again: the same answer.",
)
def withdraw_my_listing(request, listing_id: ObjectId):
    listing = _own_listing(request, listing_id)
    services.withdraw_listing(request.business, _seller(request), listing)
    return _own_listing(request, listing_id)


@peer_router.post(
    "/resale/trade-ins",
    response={201: ResaleTradeInOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Ask the shop's trade-in offer for an item you bought there",
    description="The item (`category_id`, `title`, `grade`, `description`, `size`) and the "
    "order it came from (`bought_order`, `bought_line`, required from the app). The offer is "
    "the suggested price times the program's trade-in rate, paid at once as a voucher if you "
    "accept it within 7 days.",
)
def offer_my_trade_in(request, payload: TradeInInput):
    user = _seller(request)
    outcome = services.offer_trade_in(
        request.business, user, payload.program_id, payload, seller=user
    )
    return Status(201, outcome.value)


@peer_router.get(
    "/resale/trade-ins/{trade_in_id}",
    response={200: ResaleTradeInOut, **problem_responses(401, 403, 404, 422)},
    summary="Your trade-in offer",
    description="Someone else's answers 404.",
)
def my_trade_in(request, trade_in_id: ObjectId):
    return _own_trade_in(request, trade_in_id)


def _decide_mine(request, trade_in_id, *, accept):
    trade_in = _own_trade_in(request, trade_in_id)
    services.decide_trade_in(request.business, _seller(request), trade_in, accept=accept)
    return _own_trade_in(request, trade_in_id)


@peer_router.post(
    "/resale/trade-ins/{trade_in_id}/accept",
    response={200: ResaleTradeInOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Accept the shop's trade-in offer",
    description="Your voucher comes at once (`voucher_code`) and the item is the shop's: "
    "bring it to the shop. An offer past its date answers 409. Again: the same answer.",
)
def accept_my_trade_in(request, trade_in_id: ObjectId):
    return _decide_mine(request, trade_in_id, accept=True)


@peer_router.post(
    "/resale/trade-ins/{trade_in_id}/decline",
    response={200: ResaleTradeInOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Decline the shop's trade-in offer",
)
def decline_my_trade_in(request, trade_in_id: ObjectId):
    return _decide_mine(request, trade_in_id, accept=False)


@peer_router.get(
    "/resale/sales",
    response={200: list[ResaleSaleOut], **problem_responses(401, 403, 422)},
    summary="Your sales",
    description="Newest first, and those brought back: the price, the shop's commission, "
    "your share and when it is paid to you (`release_after`, `released_at`).",
)
@paginate(LimitOffset)
def my_sales(request):
    return selectors.sales_of_seller(request.business, _seller(request))


__all__ = ["CategoriesAuth", "categories_router", "peer_router", "router", "setup_router"]
