"""Sharing through the API: the business's and its peers' own things, booked by the hour or the
day, picked up and brought back, and the sponsors who pay to have their brand on them.

One router per part of the work, as the console splits it:
- the set-up (a role with program set-up): a program's terms, the sponsors and their monthly
  reports;
- the fleet: stations and assets, which every member reads (a community manager hands assets
  over) and only a role with program set-up changes: photos, state, a peer's listing;
- the work (every member): the availability search with its prices, and the bookings from
  the one made by phone to the return, with the settlement of the deposit.

Every body is the change's typed input (`peerarmy.sharing.inputs`); every lookup is a selector
that answers 404 for another business's ids, before a body or a file that needs the object is
read. The services' refusals keep their codes: `asset_unavailable` and `cancellation_too_late`
(409), `outside_opening_hours`, `booking_too_short` and `booking_too_long` (422)."""

from datetime import date, datetime

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from peerarmy.errors import NotFound
from peerarmy.inputs import MAX_ID, InvalidInput, apply_patch, parse
from peerarmy.inputs import patch_model as patch_of
from peerarmy.photos import MAX_UPLOAD_BYTES as MAX_PHOTO
from peerarmy.sharing import reports, selectors, services
from peerarmy.sharing.inputs import (
    AssetInput,
    AssetStateInput,
    BookingInput,
    CancelInput,
    CheckInInput,
    CheckOutInput,
    ListingDecisionInput,
    SearchInput,
    SharingSettingsInput,
    SponsorInput,
    StationInput,
)
from peerarmy.sharing.models import AssetKind, AssetState, BookingStatus, ListingStatus
from peerarmy.tenancy.roles import Capability

from .auth import ApiTokenAuth, member_business
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses

IDEMPOTENCY_KEY_MAX = 100  # Booking.idempotency_key's length

setup_router = Router(tags=["sharing"])
fleet_router = Router(tags=["sharing"])
router = Router(tags=["sharing"])


class FleetAuth(ApiTokenAuth):
    """Reading the fleet is everyone's work (a community manager hands assets over and takes
    them back); changing it needs a role with program set-up. Refused before the body is read."""

    def __init__(self):
        super().__init__()
        self._read = ApiTokenAuth(needs=Capability.WORK)
        self._change = ApiTokenAuth(needs=Capability.SETUP)

    def authenticate(self, request, token):
        door = self._read if request.method in ("GET", "HEAD", "OPTIONS") else self._change
        return door.authenticate(request, token)


# --- what goes out ------------------------------------------------------------------------------


class SharingSettingsOut(Schema):
    program_id: int
    peer_discount_percent: int = Field(description="Peers of the army pay this much less.")
    commission_percent: int = Field(description="The shop's share of a peer's asset's rentals.")
    free_cancel_hours: int = Field(
        description="A rider cancels for free until this many hours before the start."
    )
    late_fee_percent: int = Field(description="Late time costs this share of its normal price.")
    late_grace_minutes: int = Field(description="Minutes late that cost nothing.")
    confirm_minutes: int = Field(
        description="How long a booking waits for its e-mail "
        "confirmation before the asset is freed."
    )
    reminder_hours: int = Field(
        description="The rider is reminded this many hours before; 0: never."
    )


class SharingStationOut(Schema):
    id: int
    code: str = Field(description="Public: the GBFS `station_id`.")
    program_id: int
    name_it: str
    name_en: str
    address: str
    latitude: float
    longitude: float
    capacity: int = Field(description="Places for assets.")
    active: bool = Field(description="Open: its assets can be booked.")
    created_at: datetime


class SharingOpenWindowOut(Schema):
    weekday: int = Field(description="0 Monday … 6 Sunday.")
    opens: str = Field(description="HH:MM, in the business's time zone.")
    closes: str


class SharingPhotoOut(Schema):
    id: int
    url: str
    position: int


class SharingAssetOut(Schema):
    id: int
    code: str = Field(description="Public: the asset's page /<business>/…/<code>/ and GBFS id.")
    program_id: int
    owner_peer_id: int | None = Field(description="null: the shop's own; else the peer's.")
    listing: str = Field(
        description="pending (a peer's, waiting for the staff), approved or refused."
    )
    listing_note: str = Field(description="Why a peer's listing was refused.")
    kind: str = Field(description="bike, ebike, cargo_bike, car, tool, room or other.")
    name_it: str
    name_en: str
    description_it: str
    description_en: str
    propulsion: str = Field(
        description="human, electric_assist, electric, combustion, hybrid; "
        "empty when not a vehicle."
    )
    range_km: int | None
    seats: int | None
    station_id: int | None = Field(description="Its home station; null: free-floating.")
    latitude: float | None = Field(description="A free-floating asset's last position.")
    longitude: float | None
    position_note: str
    currency: str
    hour_minor: int | None = Field(description="Price per started hour; null: by the day only.")
    day_minor: int | None = Field(description="Price per 24 hours, and the cap of any 24 hours.")
    deposit_minor: int
    min_minutes: int
    max_minutes: int
    weekly_hours: list[SharingOpenWindowOut] = Field(
        description="When it is picked up and returned; empty: at any time."
    )
    blocked_dates: list[date] = Field(description="Days it cannot be booked.")
    condition_notes: str
    state: str = Field(description="active, maintenance (no new bookings) or retired.")
    photos: list[SharingPhotoOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_propulsion(asset):
        return asset.propulsion or ""

    @staticmethod
    def resolve_weekly_hours(asset):
        return [{"weekday": w[0], "opens": w[1], "closes": w[2]} for w in asset.weekly_hours]

    @staticmethod
    def resolve_photos(asset):
        return selectors.photos_of(asset)


class SharingQuoteOut(Schema):
    minutes: int
    days: int = Field(description="Whole 24 hours charged at the day price.")
    hours: int = Field(description="Started hours after the days.")
    gross_minor: int
    discount_minor: int = Field(description="A peer of the army's discount.")
    total_minor: int = Field(description="The rental: gross less the discount.")
    deposit_minor: int = Field(description="Held until the asset is back.")
    currency: str


class SharingFoundOut(Schema):
    asset: SharingAssetOut
    quote: SharingQuoteOut
    distance_km: float | None = Field(description="From the place asked; null without one.")


class SharingBookingOut(Schema):
    id: int
    code: str
    program_id: int
    asset_id: int
    asset_name: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(
        description="unconfirmed (waiting for the e-mail confirmation), confirmed, out (picked "
        "up), returned, cancelled or lapsed (not confirmed in time)."
    )
    name: str
    email: str
    phone: str
    language: str
    peer_id: int | None = Field(description="A peer of the army who booked at the peer price.")
    payment_method: str = Field(description="till (at the pick-up) or transfer (ahead).")
    reference: str = Field(description="The RF creditor reference a transfer quotes.")
    hold_until: datetime | None = Field(description="Unconfirmed, it lapses after this.")
    currency: str
    gross_minor: int
    discount_minor: int
    price_minor: int = Field(description="The rental agreed.")
    deposit_minor: int
    free_cancel_until: datetime | None = Field(description="The rider cancels for free until.")
    paid_at: datetime | None
    paid_by_transfer: bool
    taken_minor: int = Field(description="Came in for it, net of what went back.")
    held_minor: int = Field(description="Held and not earned: a rental paid ahead, the deposit.")
    late_fee_minor: int
    damage_kept_minor: int
    collected_minor: int = Field(description="Taken at the till beyond the deposit.")
    confirmed_at: datetime | None
    checked_out_at: datetime | None
    checkout_notes: str
    returned_at: datetime | None
    checkin_notes: str
    distance_km: int | None
    damage_ticket_id: int | None = Field(description="The support ticket about the damage.")
    cancelled_at: datetime | None
    cancel_reason: str
    created_at: datetime

    @staticmethod
    def resolve_asset_name(booking):
        return booking.asset.name


class SharingSettledOut(Schema):
    booking: SharingBookingOut
    late_fee_minor: int = Field(description="For bringing it back late.")
    damage_minor: int = Field(description="Kept for the damage.")
    from_deposit_minor: int = Field(description="Of the fees, taken from the deposit.")
    collect_minor: int = Field(
        description="Of the fees, to take at the till: the deposit did not cover them."
    )
    given_back_minor: int = Field(
        description="Of the deposit, given back (at the till, or by transfer when it was paid so)."
    )


class SharingSponsorOut(Schema):
    id: int
    program_id: int
    name: str
    logo_url: str = Field(description="Empty until a logo is stored.")
    url: str
    contact_name: str
    contact_email: str = Field(description="Where the monthly reports go.")
    language: str = Field(description="Of the reports: it or en.")
    starts_on: date
    ends_on: date
    amount_minor: int = Field(description="The fee.")
    currency: str
    fee_received_at: datetime | None
    asset_ids: list[int] = Field(description="The assets its brand is on; empty: the program.")
    created_at: datetime

    @staticmethod
    def resolve_asset_ids(sponsor):
        return selectors.sponsor_asset_ids(sponsor)


class SharingReportOut(Schema):
    id: int
    sponsor_id: int
    month: date = Field(description="The first day of the month reported.")
    figures: dict = Field(
        description="Rentals, hours, distinct riders, km where known and page views."
    )
    sent_at: datetime | None = Field(description="When it was e-mailed to the sponsor.")
    created_at: datetime


# --- what comes in ------------------------------------------------------------------------------

SettingsBody = patch_of(SharingSettingsInput, "SharingSettingsBody")
StationPatch = patch_of(StationInput, "SharingStationPatch")
AssetPatch = patch_of(AssetInput, "SharingAssetPatch")
AssetStateBody = patch_of(AssetStateInput, "SharingAssetStateBody")
ListingBody = patch_of(ListingDecisionInput, "SharingListingBody")
CancelBody = patch_of(CancelInput, "SharingCancelBody")
CheckOutBody = patch_of(CheckOutInput, "SharingCheckOutBody")
CheckInBody = patch_of(CheckInInput, "SharingCheckInBody")
SponsorPatch = patch_of(SponsorInput, "SharingSponsorPatch")

Id = int | None


class SharingStationFilters(Schema):
    program_id: Id = Field(None, ge=1, le=MAX_ID, description="A sharing program's id.")


class SharingAssetFilters(Schema):
    program_id: Id = Field(None, ge=1, le=MAX_ID, description="A sharing program's id.")
    kind: AssetKind | None = None
    state: AssetState | None = None
    listing: ListingStatus | None = Field(None, description="`pending`: listings to review.")


class SharingSearchFilters(Schema):
    starts_at: datetime | None = Field(
        None, description="Required. Without a time zone: the business's."
    )
    ends_at: datetime | None = Field(None, description="Required; after `starts_at`.")
    kind: AssetKind | None = None
    station_id: Id = Field(None, ge=1, le=MAX_ID)
    latitude: float | None = Field(None, description="Nearest first from here, with `longitude`.")
    longitude: float | None = None
    peer: bool = Field(False, description="Quote the price for a peer of the army.")


class SharingBookingFilters(Schema):
    program_id: Id = Field(None, ge=1, le=MAX_ID)
    asset_id: Id = Field(None, ge=1, le=MAX_ID)
    status: BookingStatus | None = None
    from_: datetime | None = Field(None, alias="from", description="Bookings ending after.")
    until: datetime | None = Field(None, description="Bookings starting before.")


class SharingSponsorFilters(Schema):
    program_id: Id = Field(None, ge=1, le=MAX_ID)


def _body(model, payload, business):
    """The change's whole input from a body whose fields were all optional, read once the
    object is found: another business's id answers 404 whatever was sent."""
    return parse(model, payload.model_dump(exclude_unset=True), context={"business": business})


def _both_or_neither(latitude, longitude):
    if (latitude is None) != (longitude is None):
        raise InvalidInput([("longitude", _("Give both the latitude and the longitude."))])


def _photo_bytes(file) -> bytes:
    """The uploaded picture's bytes (one more than the limit is enough to refuse it)."""
    if file is None:
        raise InvalidInput([("file", _("Choose a picture to upload."))])
    return file.read(MAX_PHOTO + 1)


def _setup(request):
    return member_business(request, Capability.SETUP)


def _work(request):
    return member_business(request, Capability.WORK)


# --- a program's terms (set-up) -----------------------------------------------------------------


@setup_router.get(
    "/programs/{program_id}/settings",
    response={200: SharingSettingsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a sharing program's terms",
    description="The defaults until the owner sets them.",
)
def get_settings(request, program_id: ObjectId):
    business = _setup(request)
    program = selectors.get_sharing_program(business, program_id)
    return selectors.sharing_settings(business, program)


@setup_router.put(
    "/programs/{program_id}/settings",
    response={200: SharingSettingsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Set a sharing program's terms",
    description="Every term (a field left out takes its default): `peer_discount_percent`, "
    "`commission_percent`, `free_cancel_hours`, `late_fee_percent`, `late_grace_minutes`, "
    "`confirm_minutes`, `reminder_hours`. A booking keeps the terms it was made with.",
)
def put_settings(request, program_id: ObjectId, payload: SettingsBody):
    business = _setup(request)
    program = selectors.get_sharing_program(business, program_id)
    data = _body(SharingSettingsInput, payload, business)
    return services.save_settings(business, request.auth.user, program, data).value


# --- stations (the fleet) -----------------------------------------------------------------------


@fleet_router.get(
    "/stations",
    response={200: list[SharingStationOut], **problem_responses(401, 403, 422)},
    summary="List stations",
    description="By name.",
)
@paginate(LimitOffset)
def list_stations(request, filters: Query[SharingStationFilters]):
    return selectors.stations(_work(request), filters.program_id)


@fleet_router.post(
    "/stations",
    response={201: SharingStationOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Add a station",
    description="`program_id` (a sharing program), `name_it`, `address`, `latitude`, "
    "`longitude` (required), `name_en`, `capacity`, `active`.",
)
def add_station(request, payload: StationInput):
    business = _setup(request)
    return Status(201, services.save_station(business, request.auth.user, payload).value)


@fleet_router.get(
    "/stations/{station_id}",
    response={200: SharingStationOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a station",
)
def get_station(request, station_id: ObjectId):
    return selectors.get_station(_work(request), station_id)


@fleet_router.patch(
    "/stations/{station_id}",
    response={200: SharingStationOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a station",
    description="Only the fields sent change. Moving a station with assets to another "
    "program answers 409 `invalid_transition`.",
)
def patch_station(request, station_id: ObjectId, payload: StationPatch):
    business = _setup(request)
    station = selectors.get_station(business, station_id)
    current = {
        "program_id": station.program_id,
        "name_it": station.name_it,
        "name_en": station.name_en,
        "address": station.address,
        "latitude": float(station.latitude),
        "longitude": float(station.longitude),
        "capacity": station.capacity,
        "active": station.active,
    }
    data = apply_patch(StationInput, current, payload, business=business)
    return services.save_station(business, request.auth.user, data, station=station).value


# --- assets (the fleet) -------------------------------------------------------------------------


@fleet_router.get(
    "/assets",
    response={200: list[SharingAssetOut], **problem_responses(401, 403, 422)},
    summary="List assets",
    description="By name; `listing=pending` keeps the peers' listings waiting for review.",
)
@paginate(LimitOffset)
def list_assets(request, filters: Query[SharingAssetFilters]):
    return selectors.fleet(
        _work(request),
        program=filters.program_id,
        kind=filters.kind,
        state=filters.state,
        listing=filters.listing,
    )


@fleet_router.post(
    "/assets",
    response={201: SharingAssetOut, **problem_responses(400, 401, 403, 422)},
    summary="Add an asset of the shop",
    description="`program_id`, `kind`, `name_it` (required); a home `station_id` of that "
    "program, or `latitude` and `longitude` where a free-floating asset is; `hour_minor`, "
    "`day_minor` (at least one: the day price caps any 24 hours), `deposit_minor`, "
    "`min_minutes`, `max_minutes`, `weekly_hours` (`[{weekday, opens, closes}]`, weekday 0 "
    "Monday, HH:MM; empty: at any time), `blocked_dates`, vehicle details (`propulsion`, "
    "`range_km`, `seats`), descriptions and `condition_notes`.",
)
def add_asset(request, payload: AssetInput):
    business = _setup(request)
    return Status(201, services.save_asset(business, request.auth.user, payload).value)


@fleet_router.get(
    "/assets/{asset_id}",
    response={200: SharingAssetOut, **problem_responses(401, 403, 404, 422)},
    summary="Get an asset",
)
def get_asset(request, asset_id: ObjectId):
    return selectors.get_asset(_work(request), asset_id)


def _asset_input(asset) -> dict:
    """An asset as its input describes it, for a patch to change some of it."""
    return {
        "program_id": asset.program_id,
        "kind": asset.kind,
        "name_it": asset.name_it,
        "name_en": asset.name_en,
        "description_it": asset.description_it,
        "description_en": asset.description_en,
        "propulsion": asset.propulsion or None,
        "range_km": asset.range_km,
        "seats": asset.seats,
        "station_id": asset.station_id,
        "latitude": None if asset.latitude is None else float(asset.latitude),
        "longitude": None if asset.longitude is None else float(asset.longitude),
        "position_note": asset.position_note,
        "hour_minor": asset.hour_minor,
        "day_minor": asset.day_minor,
        "deposit_minor": asset.deposit_minor,
        "min_minutes": asset.min_minutes,
        "max_minutes": asset.max_minutes,
        "weekly_hours": [
            {"weekday": w[0], "opens": w[1], "closes": w[2]} for w in asset.weekly_hours
        ],
        "blocked_dates": list(asset.blocked_dates),
        "condition_notes": asset.condition_notes,
    }


@fleet_router.patch(
    "/assets/{asset_id}",
    response={200: SharingAssetOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Change an asset",
    description="Only the fields sent change (`weekly_hours` and `blocked_dates` are replaced "
    "whole). A peer's listing stays as it was decided. Bookings already made keep their price.",
)
def patch_asset(request, asset_id: ObjectId, payload: AssetPatch):
    business = _setup(request)
    asset = selectors.get_asset(business, asset_id)
    data = apply_patch(AssetInput, _asset_input(asset), payload, business=business)
    return services.save_asset(business, request.auth.user, data, asset=asset).value


@fleet_router.post(
    "/assets/{asset_id}/photos",
    response={201: SharingPhotoOut, **problem_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Add a photo of an asset",
    description="Multipart `file`: a JPEG, PNG or WebP up to 10 MB, at least 200 pixels on its "
    "shorter side; kept upright, shrunk and without its metadata (EXIF, GPS). A picture that "
    "cannot be used answers 422 `photo_rejected`; an asset with 8 photos, 409.",
)
def add_photo(request, asset_id: ObjectId, file: File[UploadedFile] = None):
    business = _setup(request)
    asset = selectors.get_asset(business, asset_id)
    data = _photo_bytes(file)  # read after the lookup: another business's id answers 404
    return Status(201, services.add_asset_photo(business, request.auth.user, asset, data).value)


@fleet_router.delete(
    "/assets/{asset_id}/photos/{photo_id}",
    response={204: None, **problem_responses(401, 403, 404, 422)},
    summary="Remove a photo of an asset",
)
def remove_photo(request, asset_id: ObjectId, photo_id: ObjectId):
    business = _setup(request)
    asset = selectors.get_asset(business, asset_id)
    services.remove_asset_photo(business, request.auth.user, asset, photo_id)
    return Status(204, None)


@fleet_router.post(
    "/assets/{asset_id}/state",
    response={200: SharingAssetOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Put an asset in service, in maintenance or retire it",
    description='`{"state": "active" | "maintenance" | "retired"}`. In maintenance it takes '
    "no new bookings; retired, it leaves the pages. Bookings already made stand.",
)
def set_state(request, asset_id: ObjectId, payload: AssetStateBody):
    business = _setup(request)
    asset = selectors.get_asset(business, asset_id)
    data = _body(AssetStateInput, payload, business)
    return services.set_asset_state(business, request.auth.user, asset, data).value


@fleet_router.post(
    "/assets/{asset_id}/listing",
    response={200: SharingAssetOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Approve or refuse a peer's listing",
    description='`{"approve": true}`, or `{"approve": false, "reason": "…"}` (the reason is '
    "required: the peer reads it in their e-mail). The shop's own assets need no approval "
    "(409 `invalid_transition`).",
)
def decide_listing(request, asset_id: ObjectId, payload: ListingBody):
    business = _setup(request)
    asset = selectors.get_asset(business, asset_id)
    data = _body(ListingDecisionInput, payload, business)
    return services.decide_listing(business, request.auth.user, asset, data).value


# --- availability and bookings (the work) -------------------------------------------------------


@router.get(
    "/programs/{program_id}/availability",
    response={200: list[SharingFoundOut], **problem_responses(401, 403, 404, 422)},
    summary="Search the assets free for a time range",
    description="The program's assets free for the whole range from `starts_at` to `ends_at` "
    "(both required), of `kind`, at `station_id`, that fit their hours, blocked dates and "
    "lengths; nearest first from `latitude` and `longitude`, else by name. Each with its "
    "price (`quote`: days, hours, `gross_minor`, `discount_minor`, `total_minor`, "
    "`deposit_minor`) and its `distance_km`. At most 60; not paginated.",
)
def availability(request, program_id: ObjectId, filters: Query[SharingSearchFilters]):
    business = _work(request)
    program = selectors.get_sharing_program(business, program_id)
    sent = filters.model_dump(exclude_none=True, exclude={"peer"})
    query = parse(SearchInput, sent, context={"business": business})
    _both_or_neither(query.latitude, query.longitude)
    found = selectors.search(business, program, query, peer=filters.peer)
    return [
        {
            "asset": item.asset,
            "quote": {
                "minutes": item.quote.minutes,
                "days": item.quote.days,
                "hours": item.quote.hours,
                "gross_minor": item.quote.gross_minor,
                "discount_minor": item.quote.discount_minor,
                "total_minor": item.quote.total_minor,
                "deposit_minor": item.asset.deposit_minor,
                "currency": item.asset.currency,
            },
            "distance_km": None if item.distance_km is None else round(item.distance_km, 2),
        }
        for item in found
    ]


@router.get(
    "/bookings",
    response={200: list[SharingBookingOut], **problem_responses(401, 403, 422)},
    summary="List bookings",
    description="Soonest first; `from` and `until` keep those overlapping the range.",
)
@paginate(LimitOffset)
def list_bookings(request, filters: Query[SharingBookingFilters]):
    return selectors.bookings(
        _work(request),
        program=filters.program_id,
        asset=filters.asset_id,
        start=filters.from_,
        end=filters.until,
        statuses=[filters.status] if filters.status else None,
    )


@router.post(
    "/bookings",
    response={
        200: SharingBookingOut,
        201: SharingBookingOut,
        **problem_responses(400, 401, 403, 409, 422),
    },
    summary="Book an asset for someone",
    description=(
        "A booking made by phone or at the counter (201): `asset_id`, `starts_at`, `ends_at`, "
        "`name`, `email` (required), `phone`, `payment_method` (`till` or `transfer`). The "
        "price is the asset's at this moment. The rider is e-mailed, in the language of "
        "`Accept-Language`, a link to confirm it; the asset is held meanwhile. Send an "
        "`Idempotency-Key` header (any text up to 100 characters, e.g. a UUID, new for each "
        "booking you mean to make): a retry with the same key answers 200 with the same "
        "booking instead of booking twice; the same key for another booking answers 409 "
        "`idempotency_key_reused`. Refusals: `asset_unavailable` (409: booked, in "
        "maintenance or a blocked day), `outside_opening_hours`, `booking_too_short`, "
        "`booking_too_long` (422, naming the field)."
    ),
)
def add_booking(
    request,
    payload: BookingInput,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Makes retries safe: the same key gives back the same booking.",
    ),
):
    business = _work(request)
    if payload.asset_id is None:
        raise InvalidInput([("asset_id", _("Choose the asset to book."))])
    try:
        asset = selectors.get_asset(business, payload.asset_id)
    except NotFound:
        raise InvalidInput([("asset_id", _("There is no asset with this number."))]) from None
    outcome = services.book(
        business,
        asset,
        payload,
        language=get_language() or business.default_language,
        idempotency_key=(idempotency_key or "").strip(),
    )
    # the confirmation token is the rider's: it goes by e-mail, never into the answer
    booking = selectors.get_booking(business, outcome.value.booking.pk)
    return Status(200 if outcome.replayed else 201, booking)


@router.get(
    "/bookings/{booking_id}",
    response={200: SharingBookingOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a booking",
)
def get_booking(request, booking_id: ObjectId):
    return selectors.get_booking(_work(request), booking_id)


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: SharingBookingOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel a booking",
    description='`{"reason": "…"}` (required: the rider reads it). Before the pick-up only '
    "(409 `invalid_transition` once it is out); whatever was paid is given back. Cancelling "
    "again answers the same. The shop may cancel after the rider's free cancellation ended "
    "(the rider's own link answers `cancellation_too_late` then).",
)
def cancel_booking(request, booking_id: ObjectId, payload: CancelBody):
    business = _work(request)
    booking = selectors.get_booking(business, booking_id)
    data = _body(CancelInput, payload, business)
    return services.cancel_by_staff(business, request.auth.user, booking, data).value


@router.post(
    "/bookings/{booking_id}/paid",
    response={200: SharingBookingOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Record the transfer for a booking",
    description="The rental and the deposit arrived by bank transfer ahead of the pick-up: "
    "they are held until the pick-up and the return. Again: the same answer.",
)
def booking_paid(request, booking_id: ObjectId):
    business = _work(request)
    booking = selectors.get_booking(business, booking_id)
    return services.record_transfer(business, request.auth.user, booking).value


@router.post(
    "/bookings/{booking_id}/check-out",
    response={200: SharingBookingOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Hand the asset over",
    description="A confirmed booking is picked up: `notes` on its condition, and "
    "`take_payment` (default true) when it was not paid ahead: the rental and the deposit "
    "taken at the till (false answers 422 naming it: take the payment first). The rental is "
    "earned now. Again: the same answer.",
)
def check_out(request, booking_id: ObjectId, payload: CheckOutBody):
    business = _work(request)
    booking = selectors.get_booking(business, booking_id)
    data = _body(CheckOutInput, payload, business)
    return services.check_out(business, request.auth.user, booking, data).value


@router.post(
    "/bookings/{booking_id}/check-in",
    response={200: SharingSettledOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Take the asset back",
    description="`notes`, `distance_km`, `damage` and `damage_minor` (kept from the deposit; "
    "damage opens a support ticket), `returned_at` (default now), and `latitude` and "
    "`longitude` where a free-floating asset was left. Answers the settlement: the "
    "`late_fee_minor` (the program's rule), the `damage_minor`, what was taken "
    "`from_deposit_minor`, what to `collect_minor` at the till beyond it, and what was "
    "`given_back_minor`. Again: the same booking, with nothing more to settle.",
)
def check_in(request, booking_id: ObjectId, payload: CheckInBody):
    business = _work(request)
    booking = selectors.get_booking(business, booking_id)
    data = _body(CheckInInput, payload, business)
    _both_or_neither(data.latitude, data.longitude)
    settled = services.check_in(business, request.auth.user, booking, data).value
    return {
        "booking": selectors.get_booking(business, booking.pk),
        "late_fee_minor": settled.late_fee_minor,
        "damage_minor": settled.damage_minor,
        "from_deposit_minor": settled.from_deposit_minor,
        "collect_minor": settled.collect_minor,
        "given_back_minor": settled.given_back_minor,
    }


# --- sponsors and their reports (set-up) --------------------------------------------------------


@setup_router.get(
    "/sponsors",
    response={200: list[SharingSponsorOut], **problem_responses(401, 403, 422)},
    summary="List sponsors",
    description="Latest period first.",
)
@paginate(LimitOffset)
def list_sponsors(request, filters: Query[SharingSponsorFilters]):
    return selectors.sponsors(_setup(request), filters.program_id)


@setup_router.post(
    "/sponsors",
    response={201: SharingSponsorOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Add a sponsor",
    description="`program_id`, `name`, `contact_email`, `starts_on`, `ends_on` (required), "
    "`url`, `contact_name`, `language` of the reports, `amount_minor` (the fee), "
    "`asset_ids` (its brand on these assets of the program; empty: on the whole program).",
)
def add_sponsor(request, payload: SponsorInput):
    business = _setup(request)
    return Status(201, services.save_sponsor(business, request.auth.user, payload).value)


@setup_router.get(
    "/sponsors/{sponsor_id}",
    response={200: SharingSponsorOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a sponsor",
)
def get_sponsor(request, sponsor_id: ObjectId):
    return selectors.get_sponsor(_setup(request), sponsor_id)


@setup_router.patch(
    "/sponsors/{sponsor_id}",
    response={200: SharingSponsorOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Change a sponsor",
    description="Only the fields sent change (`asset_ids` is replaced whole).",
)
def patch_sponsor(request, sponsor_id: ObjectId, payload: SponsorPatch):
    business = _setup(request)
    sponsor = selectors.get_sponsor(business, sponsor_id)
    current = {
        "program_id": sponsor.program_id,
        "name": sponsor.name,
        "url": sponsor.url,
        "contact_name": sponsor.contact_name,
        "contact_email": sponsor.contact_email,
        "language": sponsor.language,
        "starts_on": sponsor.starts_on,
        "ends_on": sponsor.ends_on,
        "amount_minor": sponsor.amount_minor,
        "asset_ids": selectors.sponsor_asset_ids(sponsor),
    }
    data = apply_patch(SponsorInput, current, payload, business=business)
    return services.save_sponsor(business, request.auth.user, data, sponsor=sponsor).value


@setup_router.post(
    "/sponsors/{sponsor_id}/logo",
    response={200: SharingSponsorOut, **problem_responses(400, 401, 403, 404, 413, 422)},
    summary="Give a sponsor its logo",
    description="Multipart `file`: a JPEG, PNG or WebP, at least 48 pixels on its shorter "
    "side, shrunk and without its metadata; shown on the asset and station pages, in the "
    "booking e-mails and in the GBFS feed. A picture that cannot be used answers 422 "
    "`photo_rejected`.",
)
def sponsor_logo(request, sponsor_id: ObjectId, file: File[UploadedFile] = None):
    business = _setup(request)
    sponsor = selectors.get_sponsor(business, sponsor_id)
    data = _photo_bytes(file)  # read after the lookup: another business's id answers 404
    return services.set_sponsor_logo(business, request.auth.user, sponsor, data).value


@setup_router.get(
    "/sponsors/{sponsor_id}/reports",
    response={200: list[SharingReportOut], **problem_responses(401, 403, 404, 422)},
    summary="List a sponsor's monthly reports",
    description="Latest month first, each with its figures.",
)
@paginate(LimitOffset)
def list_reports(request, sponsor_id: ObjectId):
    business = _setup(request)
    sponsor = selectors.get_sponsor(business, sponsor_id)
    return selectors.sponsor_reports(business, sponsor)


def _report(request, sponsor_id, report_id):
    business = _setup(request)
    sponsor = selectors.get_sponsor(business, sponsor_id)
    return selectors.get_sponsor_report(business, sponsor, report_id)


@setup_router.get(
    "/sponsors/{sponsor_id}/reports/{report_id}",
    response={200: SharingReportOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a sponsor's monthly report",
)
def get_report(request, sponsor_id: ObjectId, report_id: ObjectId):
    return _report(request, sponsor_id, report_id)


def _download(report, content, extension, content_type):
    response = HttpResponse(content, content_type=content_type)
    filename = reports.report_filename(report, extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@setup_router.get(
    "/sponsors/{sponsor_id}/reports/{report_id}/pdf",
    response={200: None, **problem_responses(401, 403, 404, 422)},
    summary="A sponsor's monthly report as PDF",
    description="As e-mailed to the sponsor, in the report's language.",
    openapi_extra={
        "responses": {200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}}
    },
)
def report_pdf(request, sponsor_id: ObjectId, report_id: ObjectId):
    report = _report(request, sponsor_id, report_id)
    return _download(report, reports.report_pdf(report), "pdf", "application/pdf")


@setup_router.get(
    "/sponsors/{sponsor_id}/reports/{report_id}/csv",
    response={200: None, **problem_responses(401, 403, 404, 422)},
    summary="A sponsor's monthly report as CSV",
    description="The same figures, one row each, for a spreadsheet.",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def report_csv(request, sponsor_id: ObjectId, report_id: ObjectId):
    report = _report(request, sponsor_id, report_id)
    return _download(report, reports.report_csv(report), "csv", "text/csv; charset=utf-8")


__all__ = ["FleetAuth", "fleet_router", "router", "setup_router"]
