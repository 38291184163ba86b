"""The peer's own side of scheduling, for a peer's personal token: blocks they can claim,
claims, waitlists, swaps, check-in and out, and their calendar. Nothing here reaches another
peer's claims or offers: their ids answer 404, like ids never used."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from peerarmy.errors import DomainError, ValidationFailed
from peerarmy.peers.models import Peer
from peerarmy.scheduling import ical, selectors, services, swaps
from peerarmy.scheduling.models import (
    Block,
    ClaimStatus,
    SwapStatus,
    WaitlistEntry,
    WaitlistStatus,
)

from .auth import PeerTokenAuth, token_peer
from .blocks import Day, ProgramRef
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, Text, first_or_404
from .problems import problem_responses

router = Router(tags=["me (peers)"], auth=PeerTokenAuth())

MAX_CLAIMABLE = 200
IDEMPOTENCY_KEY_MAX = 100


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 409


# --- what goes out -------------------------------------------------------------------------


class PeerBlockOut(Schema):
    """A block as a peer sees it: no other peer's name."""

    id: int
    program: ProgramRef
    status: str = Field(description="open or cancelled.")
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    place_name: str
    address: str
    latitude: float | None
    longitude: float | None
    is_remote: bool
    capacity: int
    seats_left: int
    reward_minor: int = Field(description="The promised reward in minor units (cents).")
    reward_currency: str
    reward_points: int
    check_in_radius_m: int | None = Field(
        description="If set, check-in needs your position within this many metres."
    )

    @staticmethod
    def resolve_duration_minutes(block):
        return int(block.duration.total_seconds() // 60)


class Refusal(Schema):
    code: str = Field(
        description="What a claim would be refused with: block_full, overlaps_claimed_block, "
        "min_rest_violated, weekly_hours_exceeded, too_many_future_blocks."
    )
    message: str


class ClaimableOut(Schema):
    block: PeerBlockOut
    distance_km: float | None = Field(description="From your home area; null if unknown.")
    full: bool
    waiting: bool = Field(description="You are on its waitlist.")
    can_claim: bool
    can_join_waitlist: bool
    refusal: Refusal | None = Field(description="Why it cannot be claimed now, if it cannot.")
    reasons: list[str] = Field(description="Everything to read next to the block, in words.")


class ClaimOut(Schema):
    id: int
    block: PeerBlockOut
    status: str = Field(description="active, released, no_show, completed or cancelled.")
    claimed_at: datetime
    released_at: datetime | None
    released_late: bool
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    promoted_from_waitlist: bool
    release_until: datetime = Field(
        description="You may release (or offer) the block until then; after it, ask the staff."
    )

    @staticmethod
    def resolve_release_until(claim):
        minutes = services.limits_for(claim.block.program).forfeit_cutoff_minutes
        return claim.block.starts_at - timedelta(minutes=minutes)


class WaitlistOut(Schema):
    id: int
    block: PeerBlockOut
    status: str = Field(description="waiting, promoted, left or skipped.")
    joined_at: datetime
    claim_id: int | None = Field(description="The claim you got when promoted.")

    @staticmethod
    def resolve_joined_at(entry):
        return entry.created_at


class PeerRef(Schema):
    id: int
    display_name: str


class SwapOfferOut(Schema):
    id: int
    claim_id: int = Field(description="The offerer's claim.")
    block: PeerBlockOut
    from_peer: PeerRef
    to_peer: PeerRef
    status: str = Field(description="pending, accepted, declined, withdrawn or expired.")
    created_at: datetime
    expires_at: datetime = Field(description="The block's release cutoff.")
    decided_at: datetime | None
    new_claim_id: int | None = Field(description="The receiver's claim, once accepted.")

    @staticmethod
    def resolve_block(offer):
        return offer.claim.block

    @staticmethod
    def resolve_status(offer):
        if offer.status == SwapStatus.PENDING and offer.expires_at <= timezone.now():
            return SwapStatus.EXPIRED
        return offer.status


class MeOut(Schema):
    id: int = Field(description="Your peer id.")
    display_name: str
    status: str
    business: str = Field(description="The business's slug.")
    reliability: int | None

    @staticmethod
    def resolve_business(peer):
        return peer.business.slug


# --- lookups: always through the token's peer ----------------------------------------------


def _block_or_404(peer, block_id):
    return first_or_404(Block.objects.filter(business_id=peer.business_id, pk=block_id))


def _claims(peer):
    return selectors.claims_of_peer(peer).select_related("block__program__fairness_limits")


def _claim_or_404(peer, claim_id):
    return first_or_404(_claims(peer).filter(pk=claim_id))


def _offer_or_404(peer, offer_id):
    return first_or_404(selectors.swap_offers_of_peer(peer).filter(pk=offer_id))


def _entry_out(entry_id):
    return WaitlistEntry.objects.select_related("block__program").get(pk=entry_id)


# --- who am I ------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: MeOut, **problem_responses(401, 403)},
    summary="The peer the token acts for",
)
def me(request):
    return token_peer(request)


# --- blocks --------------------------------------------------------------------------------


class ClaimableFilters(Schema):
    day: Day | None = Field(None, description="A local day (YYYY-MM-DD).")
    place: Text | None = Field(
        None, max_length=100, description="Text found in the place's name or address."
    )
    limit: int = Field(100, ge=1, le=MAX_CLAIMABLE, description="At most this many blocks.")


@router.get(
    "/blocks/claimable",
    response={200: list[ClaimableOut], **problem_responses(401, 403, 422)},
    summary="Blocks you can claim",
    description="The open blocks of published programs you are eligible for, soonest day "
    "first and nearest first within a day, without the ones you already hold. A block you "
    "cannot claim now says why (`refusal`): full (join its waitlist), or a rule your own "
    "claims would break. Not paginated: narrow it with `day` and `place`.",
)
def claimable(request, filters: Query[ClaimableFilters]):
    peer = token_peer(request)
    now = timezone.now()
    held = {c.block_id for c in selectors.upcoming_claims(peer, now=now)}
    items = [
        item
        for item in selectors.claimable_blocks(
            peer, now=now, day=filters.day, limit=filters.limit + len(held)
        )
        if item.block.pk not in held
    ]
    place = (filters.place or "").strip().lower()
    if place:
        items = [i for i in items if place in f"{i.block.place_name} {i.block.address}".lower()]
    result = []
    for item in items[: filters.limit]:
        refusal = selectors.claim_refusal(item)
        result.append(
            {
                "block": item.block,
                "distance_km": None if item.distance_km is None else round(item.distance_km, 2),
                "full": item.full,
                "waiting": item.waiting,
                "can_claim": item.can_claim,
                "can_join_waitlist": item.can_join_waitlist,
                "refusal": {"code": refusal[0], "message": refusal[1]} if refusal else None,
                "reasons": [str(reason) for reason in item.explanation],
            }
        )
    return result


@router.post(
    "/blocks/{block_id}/claim",
    response={
        200: ClaimOut,
        201: ClaimOut,
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
    summary="Claim a block",
    description=(
        "Takes a seat at once (201) and e-mails you a confirmation with the .ics. Send an "
        "`Idempotency-Key` header (any text up to 100 characters, e.g. a UUID, new for each "
        "claim you mean to make): a retry with the same key, after a lost response, answers "
        "200 with the same claim instead of claiming twice or failing. A retry that races "
        "the first request may also answer 201, with the same claim. The same key sent for "
        "another block answers 409 `idempotency_key_reused`. Refusals: `block_full` (join "
        "the waitlist), `overlaps_claimed_block`, `min_rest_violated`, "
        "`weekly_hours_exceeded`, `too_many_future_blocks`, `already_claimed`, "
        "`not_released_yet`, `block_cancelled`, `block_started` (409) and `not_eligible` "
        "(403, with every reason in `reasons`)."
    ),
)
def claim(
    request,
    block_id: ObjectId,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Makes retries safe: the same key gives back the same claim.",
    ),
):
    peer = token_peer(request)
    key = (idempotency_key or "").strip() or None
    now = timezone.now()
    try:
        # The service reads the block with the claim, in the peer's business only; with a
        # key used before it returns that earlier claim, whatever block it was for.
        made = services.claim_block(
            peer, Block(pk=block_id, business_id=peer.business_id), idempotency_key=key, now=now
        )
    except Block.DoesNotExist as exc:
        raise Http404 from exc
    if made.block_id != block_id:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used to claim another block.")
        )
    replay = made.claimed_at != now  # an earlier call's claim, given back
    return Status(200 if replay else 201, _claim_or_404(peer, made.pk))


@router.post(
    "/blocks/{block_id}/waitlist",
    response={201: WaitlistOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Join a block's waitlist",
    description="Only for a full block you could otherwise claim (`block_not_full`, "
    "`already_waiting` and the claim refusals otherwise). When a seat frees up, the first "
    "eligible waiting peer gets it and an e-mail.",
)
def join_waitlist(request, block_id: ObjectId):
    peer = token_peer(request)
    block = _block_or_404(peer, block_id)
    entry = services.join_waitlist(peer, block)
    return Status(201, _entry_out(entry.pk))


@router.delete(
    "/blocks/{block_id}/waitlist",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Leave a block's waitlist",
    description="404 if you are not waiting for this block.",
)
def leave_waitlist(request, block_id: ObjectId):
    peer = token_peer(request)
    entry = WaitlistEntry.objects.filter(
        business_id=peer.business_id, peer=peer, block_id=block_id, status=WaitlistStatus.WAITING
    ).first()
    if entry is None:
        raise Http404
    services.leave_waitlist(peer, entry)
    return Status(204, None)


class WaitlistFilters(Schema):
    status: WaitlistStatus | None = None


@router.get(
    "/waitlist/",
    response={200: list[WaitlistOut], **problem_responses(401, 403, 422)},
    summary="Your waitlist entries",
    description="Newest first.",
)
@paginate(LimitOffset)
def list_waitlist(request, filters: Query[WaitlistFilters]):
    peer = token_peer(request)
    qs = WaitlistEntry.objects.filter(business_id=peer.business_id, peer=peer)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.select_related("block__program").order_by("-created_at", "-pk")


# --- claims --------------------------------------------------------------------------------


class ClaimFilters(Schema):
    status: ClaimStatus | None = None
    upcoming: bool = Field(False, description="Only claims whose block has not ended.")


@router.get(
    "/claims/",
    response={200: list[ClaimOut], **problem_responses(401, 403, 422)},
    summary="Your claims",
    description="Every claim you made, soonest block first.",
)
@paginate(LimitOffset)
def list_claims(request, filters: Query[ClaimFilters]):
    peer = token_peer(request)
    return selectors.claims_of_peer(
        peer, status=filters.status, upcoming=filters.upcoming
    ).select_related("block__program__fairness_limits")


@router.get(
    "/claims/{claim_id}",
    response={200: ClaimOut, **problem_responses(401, 403, 404, 422)},
    summary="Get one of your claims",
)
def get_claim(request, claim_id: ObjectId):
    return _claim_or_404(token_peer(request), claim_id)


@router.post(
    "/claims/{claim_id}/release",
    response={200: ClaimOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Release a claim",
    description="Up to the program's cutoff before the start (`past_forfeit_cutoff` after "
    "it: ask the staff). Less than 24 hours before the start counts as a late release. The "
    "seat goes to the waitlist.",
)
def release(request, claim_id: ObjectId):
    peer = token_peer(request)
    claim = _claim_or_404(peer, claim_id)
    services.release_claim(peer, claim)
    return _claim_or_404(peer, claim.pk)


class PositionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(None, ge=-90, le=90, description="Your latitude.")
    lon: float | None = Field(None, ge=-180, le=180, description="Your longitude.")


def _check(request, claim_id, payload, service):
    peer = token_peer(request)
    claim = _claim_or_404(peer, claim_id)
    lat = payload.lat if payload else None
    lon = payload.lon if payload else None
    service(peer, claim, lat=lat, lon=lon)
    return _claim_or_404(peer, claim.pk)


CHECK_DESCRIPTION = (
    "From 30 minutes before the start to 30 minutes after the end "
    "(`outside_check_in_window` otherwise). If the block has a check-in radius, send your "
    "position (`lat`, `lon`); it is used for this check only (`too_far_to_check_in`)."
)


@router.post(
    "/claims/{claim_id}/check-in",
    response={200: ClaimOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Check in",
    description=CHECK_DESCRIPTION + " Checking in twice keeps the first time.",
)
def check_in(request, claim_id: ObjectId, payload: PositionIn | None = None):
    return _check(request, claim_id, payload, services.check_in)


@router.post(
    "/claims/{claim_id}/check-out",
    response={200: ClaimOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Check out",
    description=CHECK_DESCRIPTION + " Check in first.",
)
def check_out(request, claim_id: ObjectId, payload: PositionIn | None = None):
    return _check(request, claim_id, payload, services.check_out)


# --- swaps ---------------------------------------------------------------------------------


class SwapOfferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Required, but checked after the claim is found, so that another peer's claim id is a
    # 404 whatever the body says.
    peer_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The peer of this army you offer the block to."
    )


@router.post(
    "/claims/{claim_id}/swap-offers",
    response={
        200: SwapOfferOut,
        201: SwapOfferOut,
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
    summary="Offer a claimed block to a named peer",
    description="The block stays yours until they accept. Refused at once, with the reason, "
    "if they could not claim it themselves (`not_eligible`, `overlaps_claimed_block`, ...), "
    "or past the release cutoff (`past_forfeit_cutoff`). A `peer_id` that is not a peer of "
    "this army answers 422 naming `peer_id`. Offering again to the same peer answers 200 "
    "with the pending offer.",
)
def offer_swap(request, claim_id: ObjectId, payload: SwapOfferIn):
    peer = token_peer(request)
    claim = _claim_or_404(peer, claim_id)
    if payload.peer_id is None:
        raise ValidationFailed(_("Choose the peer to offer the block to."), field="peer_id")
    to_peer = Peer.objects.filter(business_id=peer.business_id, pk=payload.peer_id).first()
    if to_peer is None:
        raise ValidationFailed(_("Choose a peer of this army."), field="peer_id")
    now = timezone.now()
    try:
        offer = swaps.offer_swap(peer, claim, to_peer, now=now)
    except ValidationFailed as exc:
        if exc.field == "to_peer":
            exc.field = "peer_id"
        raise
    return Status(201 if offer.created_at == now else 200, _offer_or_404(peer, offer.pk))


class SwapFilters(Schema):
    direction: str | None = Field(
        None, pattern="^(made|received)$", description="made or received; both if left out."
    )
    status: SwapStatus | None = None


@router.get(
    "/swap-offers/",
    response={200: list[SwapOfferOut], **problem_responses(401, 403, 422)},
    summary="Your swap offers",
    description="Offers you made and offers made to you, newest first.",
)
@paginate(LimitOffset)
def list_swap_offers(request, filters: Query[SwapFilters]):
    peer = token_peer(request)
    qs = selectors.swap_offers_of_peer(peer, direction=filters.direction)
    now = timezone.now()
    if filters.status == SwapStatus.EXPIRED:
        qs = qs.filter(
            Q(status=SwapStatus.EXPIRED) | Q(status=SwapStatus.PENDING, expires_at__lte=now)
        )
    elif filters.status == SwapStatus.PENDING:
        qs = qs.filter(status=SwapStatus.PENDING, expires_at__gt=now)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def _answer(request, offer_id, answer):
    peer = token_peer(request)
    offer = _offer_or_404(peer, offer_id)
    answer(peer, offer)
    return _offer_or_404(peer, offer.pk)


@router.post(
    "/swap-offers/{offer_id}/accept",
    response={200: SwapOfferOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Accept a swap offer",
    description="The block becomes yours (`new_claim_id`), with the usual confirmation "
    "e-mail. Refused with `swap_not_yours` (403: it was not offered to you), "
    "`swap_not_pending` (answered, withdrawn, expired, or released meanwhile) or the claim "
    "refusals.",
)
def accept(request, offer_id: ObjectId):
    return _answer(request, offer_id, swaps.accept_swap)


@router.post(
    "/swap-offers/{offer_id}/decline",
    response={200: SwapOfferOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Decline a swap offer",
    description="The offerer keeps the block and is told.",
)
def decline(request, offer_id: ObjectId):
    return _answer(request, offer_id, swaps.decline_swap)


@router.post(
    "/swap-offers/{offer_id}/withdraw",
    response={200: SwapOfferOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Withdraw your swap offer",
    description="Only the peer who made it, before it is answered.",
)
def withdraw(request, offer_id: ObjectId):
    return _answer(request, offer_id, swaps.withdraw_swap)


# --- calendar ------------------------------------------------------------------------------


@router.get(
    "/schedule.ics",
    response={200: None, **problem_responses(401, 403)},
    summary="Your calendar",
    description="Your blocks as iCalendar (RFC 5545): the ones you hold, and the ones you "
    "released or that were cancelled lately, as cancelled events. For a calendar app that "
    "cannot send a token, use the private feed URL on your blocks page instead.",
    openapi_extra={
        "responses": {200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}}
    },
)
def schedule_ics(request):
    peer = token_peer(request)
    response = HttpResponse(ical.peer_calendar(peer), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{peer.business.slug}-my-blocks.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
