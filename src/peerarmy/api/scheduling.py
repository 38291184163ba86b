"""Scheduling through the API.

For the staff (a staff token): blocks of the token's business with their fill, create, read,
change, cancel; the claims on them (no-show, completed, staff release); recurring templates;
the CSV export; the fairness limits of a program.

For a peer (a peer token, under `/me/`): blocks they can claim, claims, waitlists, swaps,
check-in and out, and their calendar. Nothing there reaches another peer's claims or offers:
their ids answer 404, like ids never used.

Bodies are the changes' typed inputs (`peerarmy.scheduling.inputs`); a PATCH overlays the
fields sent on the object's own input, so every rule runs on the whole. The operation ids are
those of the modules these routers came from (`peerarmy_api_blocks_…`, `peerarmy_api_me_…`):
clients generated from the OpenAPI document keep working."""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from peerarmy.inputs import apply_patch, parse, patch_model
from peerarmy.programs.selectors import get_program
from peerarmy.scheduling import export, ical, limits, recurrence, selectors, services, swaps
from peerarmy.scheduling.inputs import (
    IDEMPOTENCY_KEY_MAX as IDEMPOTENCY_KEY_MAX,  # api/rewards.py's redemptions take such keys
)
from peerarmy.scheduling.inputs import (
    BlockInput,
    CancelBlockInput,
    FairnessLimitsInput,
    NewBlockInput,
    PositionInput,
    SeriesInput,
    SeriesPatchInput,
    StaffReleaseInput,
    SwapOfferInput,
)
from peerarmy.scheduling.models import BlockStatus, ClaimStatus, SwapStatus, WaitlistStatus
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, Text
from .problems import problem_responses

router = Router(tags=["blocks"])
templates_router = Router(tags=["blocks"])
limits_router = Router(tags=["blocks"])
me_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())

# The operation ids of the staff's and the peer's endpoints, as they were.
STAFF, PEER = "peerarmy_api_blocks_", "peerarmy_api_me_"

# Days of the filters: far outside any schedule they would overflow when turned into UTC.
FIRST_YEAR, LAST_YEAR = 2000, 2999
MAX_CLAIMABLE = 200


def _sane_year(value):
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            "Enter a date between {first} and {last}.",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


Day = Annotated[date, AfterValidator(_sane_year)]


# --- what goes out: the staff's view ----------------------------------------------------------


class ProgramRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str


class ClaimOnBlockOut(Schema):
    id: int
    peer_id: int
    peer_name: str = Field(description="The name the peer shows to others.")
    status: str = Field(description="active, released, no_show, completed or cancelled.")
    claimed_at: datetime
    released_at: datetime | None
    released_late: bool = Field(description="Released less than 24 hours before the start.")
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    promoted_from_waitlist: bool

    @staticmethod
    def resolve_peer_name(claim):
        return claim.peer.display_name


class BlockOut(Schema):
    id: int
    program: ProgramRef
    template_id: int | None = Field(description="The recurring template it came from, if any.")
    status: str = Field(description="open or cancelled.")
    starts_at: datetime
    ends_at: datetime
    released_at: datetime = Field(description="Peers can claim it from then on.")
    place_name: str
    address: str
    latitude: float | None
    longitude: float | None
    is_remote: bool
    capacity: int
    seats_taken: int = Field(description="Seats held by active, completed and no-show claims.")
    seats_left: int
    waitlist_count: int = Field(description="Peers waiting for a seat.")
    reward_minor: int = Field(description="The promised reward in minor units (cents).")
    reward_currency: str
    reward_points: int
    required_skills: list[str] = Field(description="Skill slugs a peer needs.")
    required_languages: list[str] = Field(description="A peer needs one of these languages.")
    min_reliability: int
    max_distance_km: int | None
    check_in_radius_m: int | None
    cancelled_at: datetime | None
    cancellation_reason: str
    sequence: int = Field(description="Raised on every change (the iCalendar SEQUENCE).")
    claims: list[ClaimOnBlockOut] = Field(description="Every claim on the block, oldest first.")
    created_at: datetime
    updated_at: datetime

    # A block as a selector read it (`blocks_for_business`) or as a change left it
    # (`selectors.with_fill`): with its skills, claims and waitlist.

    @staticmethod
    def resolve_required_skills(block):
        return block.skill_slugs

    @staticmethod
    def resolve_claims(block):
        return block.all_claims


class WaitingOut(Schema):
    peer_id: int
    peer_name: str
    joined_at: datetime

    @staticmethod
    def resolve_peer_name(entry):
        return entry.peer.display_name

    @staticmethod
    def resolve_joined_at(entry):
        return entry.created_at


class BlockDetailOut(BlockOut):
    waitlist: list[WaitingOut] = Field(description="Peers waiting, first come first served.")

    @staticmethod
    def resolve_waitlist(block):
        return block.waiting


class StaffClaimOut(ClaimOnBlockOut):
    block_id: int


# --- what comes in -------------------------------------------------------------------------

BlockPatch = patch_model(BlockInput, "BlockPatch")
# Required, but checked after the block is found: another business's block id is a 404
# whatever the body says.
CancelBlockBody = patch_model(CancelBlockInput, "CancelBlockBody")


class BlockFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")
    template: int | None = Field(None, ge=1, le=MAX_ID, description="A recurring template id.")
    from_: Day | None = Field(
        None, alias="from", description="First local day (YYYY-MM-DD), included."
    )
    to: Day | None = Field(None, description="Last local day (YYYY-MM-DD), included.")
    status: BlockStatus | None = None


# --- blocks --------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: list[BlockOut], **problem_responses(401, 403, 422)},
    summary="List blocks",
    description="Soonest first, each with its fill: capacity, seats taken, every claim with "
    "its peer and status, and how many peers wait. Days are in the business's time zone.",
    operation_id=STAFF + "list_blocks",
)
@paginate(LimitOffset)
def list_blocks(request, filters: Query[BlockFilters]):
    return selectors.blocks_for_business(
        member_business(request, Capability.WORK),
        program_id=filters.program,
        template_id=filters.template,
        start=filters.from_,
        end=filters.to,
        status=filters.status,
    )


class ExportFilters(Schema):
    from_: Day | None = Field(
        None, alias="from", description="First local day; default: this week's Monday."
    )
    to: Day | None = Field(None, description="Last local day; default: four weeks on.")


@router.get(
    "/export.csv",
    response={200: None, **problem_responses(401, 403, 422)},
    summary="Export the schedule as CSV",
    description=(
        "The same file as the console's export: UTF-8 with a BOM, `;`-separated, one row per "
        "block in local time (date, start, end, program, place, status, capacity, seats "
        "taken, waiting, who holds it, reward with a decimal comma, points). At most "
        f"{export.MAX_EXPORT_DAYS} days; headers follow `Accept-Language`."
    ),
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
    operation_id=STAFF + "export_csv",
)
def export_csv(request, filters: Query[ExportFilters]):
    business = member_business(request, Capability.WORK)
    start, end = export.export_range(business, filters.from_, filters.to)
    response = HttpResponse(
        export.schedule_csv(business, start, end), content_type="text/csv; charset=utf-8"
    )
    filename = export.export_filename(business, start, end)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/",
    response={201: BlockDetailOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Create a block",
    description="A program id of another business answers 404. Times without an offset are "
    "read in the business's time zone; a local time that does not exist (the hour skipped in "
    "spring) is refused. A block starts from a week ago to five years ahead and lasts at "
    "most 24 hours.",
    operation_id=STAFF + "add_block",
)
def add_block(request, payload: NewBlockInput):
    business = member_business(request, Capability.WORK)
    outcome = services.create_block(business, request.auth.user, payload)
    return Status(201, outcome.value)


@router.get(
    "/{block_id}",
    response={200: BlockDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a block",
    operation_id=STAFF + "get_block",
)
def get_block(request, block_id: ObjectId):
    return selectors.get_block_for_api(member_business(request, Capability.WORK), block_id)


@router.patch(
    "/{block_id}",
    response={200: BlockDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a block",
    description="Only the fields sent change; the rules run on the whole block. The "
    "iCalendar SEQUENCE goes up; a higher capacity goes to the waitlist at once; a capacity "
    "below the seats taken is refused. A cancelled block cannot change (409 "
    "`block_cancelled`).",
    operation_id=STAFF + "patch_block",
)
def patch_block(request, block_id: ObjectId, payload: BlockPatch):
    business = member_business(request, Capability.WORK)
    block = selectors.get_block(business, block_id)
    data = apply_patch(
        BlockInput,
        BlockInput.of(block).model_dump(),
        payload,
        business=business,
        current_start=block.starts_at,
    )
    return services.update_block(business, request.auth.user, block, data).value


@router.post(
    "/{block_id}/cancel",
    response={200: BlockDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel a block",
    description="Every claimant is e-mailed the reason; their claims become `cancelled` "
    "(kept for compensation) and the waitlist is closed. A block that is over answers 409.",
    operation_id=STAFF + "cancel",
)
def cancel(request, block_id: ObjectId, payload: CancelBlockBody):
    business = member_business(request, Capability.WORK)
    block = selectors.get_block(business, block_id)
    data = parse(CancelBlockInput, payload.model_dump(exclude_unset=True))
    return services.cancel_block(business, request.auth.user, block, data).value


@router.post(
    "/claims/{claim_id}/no-show",
    response={200: StaffClaimOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark a claim as a no-show",
    description="Once the block has started; records a reliability event for the peer.",
    operation_id=STAFF + "claim_no_show",
)
def claim_no_show(request, claim_id: ObjectId):
    business = member_business(request, Capability.WORK)
    claim = selectors.get_claim(business, claim_id)
    return services.mark_no_show(business, request.auth.user, claim).value


@router.post(
    "/claims/{claim_id}/complete",
    response={200: StaffClaimOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark a claim as completed",
    description="Once the block has started; records `block.completed` with the promised "
    "reward for the rewards capability.",
    operation_id=STAFF + "claim_complete",
)
def claim_complete(request, claim_id: ObjectId):
    business = member_business(request, Capability.WORK)
    claim = selectors.get_claim(business, claim_id)
    return services.complete_claim(business, request.auth.user, claim).value


@router.post(
    "/claims/{claim_id}/release",
    response={200: StaffClaimOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Release a claim (staff)",
    description="At any time, even past the peers' cutoff. The seat goes to the first "
    "eligible waitlisted peer. `excused` spares the peer the late-release event.",
    operation_id=STAFF + "claim_release",
)
def claim_release(request, claim_id: ObjectId, payload: StaffReleaseInput | None = None):
    business = member_business(request, Capability.WORK)
    claim = selectors.get_claim(business, claim_id)
    return services.staff_release_claim(business, request.auth.user, claim, payload).value


# --- recurring templates -------------------------------------------------------------------


class TemplateOut(Schema):
    id: int
    program: ProgramRef
    rrule: str = Field(description="The RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=8.")
    start_local: str = Field(description="The first start, local wall-clock time.")
    timezone: str
    duration_minutes: int
    exdates: list[str] = Field(description="Local dates or date-times left out.")
    place_name: str
    address: str
    latitude: float | None
    longitude: float | None
    is_remote: bool
    capacity: int
    reward_minor: int
    reward_currency: str
    reward_points: int
    required_skills: list[str]
    required_languages: list[str]
    min_reliability: int
    max_distance_km: int | None
    check_in_radius_m: int | None
    block_count: int = Field(description="Blocks made from it (GET /blocks/?template=id).")
    created_at: datetime

    @staticmethod
    def resolve_start_local(template):
        return template.dtstart_local

    @staticmethod
    def resolve_required_skills(template):
        return template.skill_slugs


class TemplateCreatedOut(Schema):
    template: TemplateOut
    blocks: list[BlockOut] = Field(description="The blocks made, soonest first.")


class TemplateFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")


def _series_out(series):
    """A template and its blocks as the service gave them (with their counts and fill)."""
    return {"template": series.template, "blocks": series.blocks}


@templates_router.get(
    "/",
    response={200: list[TemplateOut], **problem_responses(401, 403, 422)},
    summary="List recurring templates",
    description="Newest first.",
    operation_id=STAFF + "list_templates",
)
@paginate(LimitOffset)
def list_templates(request, filters: Query[TemplateFilters]):
    business = member_business(request, Capability.WORK)
    return selectors.templates_for_business(business, program_id=filters.program)


@templates_router.post(
    "/",
    response={201: TemplateCreatedOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Create recurring blocks",
    description="Runs the rule in the business's local time and creates every block at once "
    "(at most 200; a rule without COUNT or UNTIL is refused). A rule whose every date is "
    "left out creates the template and no block.",
    operation_id=STAFF + "add_template",
)
def add_template(request, payload: SeriesInput):
    business = member_business(request, Capability.WORK)
    outcome = services.create_blocks_from_template(business, request.auth.user, payload)
    return Status(201, _series_out(outcome.value))


class TemplateChangedOut(Schema):
    template: TemplateOut
    blocks: list[BlockOut] = Field(description="The blocks that changed, soonest first.")


@templates_router.patch(
    "/{template_id}",
    response={200: TemplateChangedOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change the future blocks of a series",
    description="Applies the fields sent to the template and to its open blocks that have not "
    "started (or, with `from_block`, to that block and the following ones). Each block keeps "
    "its local date; `start_time` is local wall-clock time. Claims follow their block's new "
    "times and claimants of moved blocks get one e-mail each. All or nothing: a capacity "
    "below a block's seats taken, or a claimant who would then hold two overlapping blocks, "
    "refuses the whole change naming the field and the block. A `from_block` of another "
    "business answers 404.",
    operation_id=STAFF + "patch_template",
)
def patch_template(request, template_id: ObjectId, payload: SeriesPatchInput):
    business = member_business(request, Capability.WORK)
    template = selectors.get_template(business, template_id)
    outcome = recurrence.update_template_blocks(business, request.auth.user, template, payload)
    return _series_out(outcome.value)


@templates_router.get(
    "/{template_id}",
    response={200: TemplateOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a recurring template",
    operation_id=STAFF + "get_template",
)
def get_template(request, template_id: ObjectId):
    return selectors.get_template(member_business(request, Capability.WORK), template_id)


# --- fairness limits -----------------------------------------------------------------------


class FairnessLimitsOut(Schema):
    program_id: int
    max_hours_per_week: int
    min_rest_minutes: int
    max_future_blocks: int
    forfeit_cutoff_minutes: int = Field(
        description="Peers may release (or offer) a block up to this many minutes before it."
    )
    is_default: bool = Field(description="True while the program uses the defaults.")

    @staticmethod
    def resolve_is_default(limits_row):
        return limits_row.pk is None


FairnessLimitsPatch = patch_model(FairnessLimitsInput, "FairnessLimitsPatch")


@limits_router.get(
    "/{program_id}/fairness-limits",
    response={200: FairnessLimitsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a program's fairness limits",
    operation_id=STAFF + "get_limits",
)
def get_limits(request, program_id: ObjectId):
    program = get_program(member_business(request, Capability.WORK), program_id)
    return limits.limits_of(program)


@limits_router.put(
    "/{program_id}/fairness-limits",
    response={200: FairnessLimitsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Set a program's fairness limits",
    description="Maximum hours per peer per week (1–80), minimum rest between two blocks "
    "(0–1440 minutes), maximum upcoming blocks per peer (1–100), release cutoff (0–2880 "
    "minutes before the start); fields left out keep their value. They apply to the next "
    "claim, swap or promotion.",
    operation_id=STAFF + "put_limits",
)
def put_limits(request, program_id: ObjectId, payload: FairnessLimitsPatch):
    business = member_business(request, Capability.WORK)
    program = get_program(business, program_id)
    current = FairnessLimitsInput.of(limits.limits_of(program)).model_dump()
    data = apply_patch(FairnessLimitsInput, current, payload)
    return limits.update_fairness_limits(business, request.auth.user, program, data).value


# --- the peer's side: what goes out ------------------------------------------------------------


class PeerBlockOut(BaseModel):
    """A block as a peer sees it: no other peer's name. Read straight from the block's
    attributes by pydantic (a list holds a hundred)."""

    model_config = ConfigDict(from_attributes=True)

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


class Refusal(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(
        description="What a claim would be refused with: block_full, overlaps_claimed_block, "
        "min_rest_violated, weekly_hours_exceeded, too_many_future_blocks."
    )
    message: str


class ClaimableOut(BaseModel):
    """One block of the claimable list (`selectors.ClaimableBlock`), read from its
    attributes."""

    model_config = ConfigDict(from_attributes=True)

    block: PeerBlockOut
    distance_km: float | None = Field(
        validation_alias="distance_shown",
        description="From your home area; null if unknown.",
    )
    full: bool
    waiting: bool = Field(description="You are on its waitlist.")
    can_claim: bool
    can_join_waitlist: bool
    refusal: Refusal | None = Field(
        validation_alias="refusal_shown",
        description="Why it cannot be claimed now, if it cannot.",
    )
    reasons: list[str] = Field(
        validation_alias="explanation",
        description="Everything to read next to the block, in words.",
    )


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
        return selectors.release_until(claim)


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
        return offer.status_at(timezone.now())


class MeOut(Schema):
    id: int = Field(description="Your peer id.")
    display_name: str
    status: str
    business: str = Field(description="The business's slug.")
    reliability: int | None

    @staticmethod
    def resolve_business(peer):
        return peer.business.slug


# --- who am I ------------------------------------------------------------------------------


@me_router.get(
    "/",
    response={200: MeOut, **problem_responses(401, 403)},
    summary="The peer the token acts for",
    operation_id=PEER + "me",
)
def me(request):
    return token_peer(request)


# --- the peer's blocks ---------------------------------------------------------------------


class ClaimableFilters(Schema):
    day: Day | None = Field(None, description="A local day (YYYY-MM-DD).")
    place: Text | None = Field(
        None, max_length=100, description="Text found in the place's name or address."
    )
    limit: int = Field(100, ge=1, le=MAX_CLAIMABLE, description="At most this many blocks.")


@me_router.get(
    "/blocks/claimable",
    response={200: list[ClaimableOut], **problem_responses(401, 403, 422)},
    summary="Blocks you can claim",
    description="The open blocks of published programs you are eligible for, soonest day "
    "first and nearest first within a day, without the ones you already hold. A block you "
    "cannot claim now says why (`refusal`): full (join its waitlist), or a rule your own "
    "claims would break. Not paginated: narrow it with `day` and `place`.",
    operation_id=PEER + "claimable",
)
def claimable(request, filters: Query[ClaimableFilters]):
    return selectors.claimable_for_peer(
        token_peer(request), day=filters.day, place=filters.place, limit=filters.limit
    )


@me_router.post(
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
    operation_id=PEER + "claim",
)
def claim(
    request,
    block_id: ObjectId,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="Makes retries safe: the same key gives back the same claim. Any text up "
        "to 100 characters.",
    ),
):
    outcome = services.claim_block(token_peer(request), block_id, idempotency_key=idempotency_key)
    return Status(200 if outcome.replayed else 201, outcome.value)


@me_router.post(
    "/blocks/{block_id}/waitlist",
    response={201: WaitlistOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Join a block's waitlist",
    description="Only for a full block you could otherwise claim (`block_not_full`, "
    "`already_waiting` and the claim refusals otherwise). When a seat frees up, the first "
    "eligible waiting peer gets it and an e-mail.",
    operation_id=PEER + "join_waitlist",
)
def join_waitlist(request, block_id: ObjectId):
    return Status(201, services.join_waitlist(token_peer(request), block_id).value)


@me_router.delete(
    "/blocks/{block_id}/waitlist",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Leave a block's waitlist",
    description="404 if you are not waiting for this block.",
    operation_id=PEER + "leave_waitlist",
)
def leave_waitlist(request, block_id: ObjectId):
    services.leave_waitlist(token_peer(request), block_id)
    return Status(204, None)


class WaitlistFilters(Schema):
    status: WaitlistStatus | None = None


@me_router.get(
    "/waitlist/",
    response={200: list[WaitlistOut], **problem_responses(401, 403, 422)},
    summary="Your waitlist entries",
    description="Newest first.",
    operation_id=PEER + "list_waitlist",
)
@paginate(LimitOffset)
def list_waitlist(request, filters: Query[WaitlistFilters]):
    return selectors.waitlist_entries_of_peer(token_peer(request), status=filters.status)


# --- the peer's claims ---------------------------------------------------------------------


class ClaimFilters(Schema):
    status: ClaimStatus | None = None
    upcoming: bool = Field(False, description="Only claims whose block has not ended.")


@me_router.get(
    "/claims/",
    response={200: list[ClaimOut], **problem_responses(401, 403, 422)},
    summary="Your claims",
    description="Every claim you made, soonest block first.",
    operation_id=PEER + "list_claims",
)
@paginate(LimitOffset)
def list_claims(request, filters: Query[ClaimFilters]):
    return selectors.claims_of_peer(
        token_peer(request), status=filters.status, upcoming=filters.upcoming
    )


@me_router.get(
    "/claims/{claim_id}",
    response={200: ClaimOut, **problem_responses(401, 403, 404, 422)},
    summary="Get one of your claims",
    operation_id=PEER + "get_claim",
)
def get_claim(request, claim_id: ObjectId):
    return selectors.get_own_claim(token_peer(request), claim_id)


@me_router.post(
    "/claims/{claim_id}/release",
    response={200: ClaimOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Release a claim",
    description="Up to the program's cutoff before the start (`past_forfeit_cutoff` after "
    "it: ask the staff). Less than 24 hours before the start counts as a late release. The "
    "seat goes to the waitlist.",
    operation_id=PEER + "release",
)
def release(request, claim_id: ObjectId):
    peer = token_peer(request)
    claim = selectors.get_own_claim(peer, claim_id)
    return services.release_claim(peer, claim).value


CHECK_DESCRIPTION = (
    "From 30 minutes before the start to 30 minutes after the end "
    "(`outside_check_in_window` otherwise). If the block has a check-in radius, send your "
    "position (`lat`, `lon`); it is used for this check only (`too_far_to_check_in`)."
)


@me_router.post(
    "/claims/{claim_id}/check-in",
    response={200: ClaimOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Check in",
    description=CHECK_DESCRIPTION + " Checking in twice keeps the first time.",
    operation_id=PEER + "check_in",
)
def check_in(request, claim_id: ObjectId, payload: PositionInput | None = None):
    peer = token_peer(request)
    claim = selectors.get_own_claim(peer, claim_id)
    return services.check_in(peer, claim, payload).value


@me_router.post(
    "/claims/{claim_id}/check-out",
    response={200: ClaimOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Check out",
    description=CHECK_DESCRIPTION + " Check in first.",
    operation_id=PEER + "check_out",
)
def check_out(request, claim_id: ObjectId, payload: PositionInput | None = None):
    peer = token_peer(request)
    claim = selectors.get_own_claim(peer, claim_id)
    return services.check_out(peer, claim, payload).value


# --- swaps ---------------------------------------------------------------------------------

# Required, but checked after the claim is found: another peer's claim id is a 404 whatever
# the body says.
SwapOfferBody = patch_model(SwapOfferInput, "SwapOfferBody")


@me_router.post(
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
    operation_id=PEER + "offer_swap",
)
def offer_swap(request, claim_id: ObjectId, payload: SwapOfferBody):
    peer = token_peer(request)
    claim = selectors.get_own_claim(peer, claim_id)
    data = parse(SwapOfferInput, payload.model_dump(exclude_unset=True))
    outcome = swaps.offer_swap(peer, claim, data)
    return Status(200 if outcome.replayed else 201, outcome.value)


class SwapFilters(Schema):
    direction: str | None = Field(
        None, pattern="^(made|received)$", description="made or received; both if left out."
    )
    status: SwapStatus | None = None


@me_router.get(
    "/swap-offers/",
    response={200: list[SwapOfferOut], **problem_responses(401, 403, 422)},
    summary="Your swap offers",
    description="Offers you made and offers made to you, newest first.",
    operation_id=PEER + "list_swap_offers",
)
@paginate(LimitOffset)
def list_swap_offers(request, filters: Query[SwapFilters]):
    return selectors.swap_offers_of_peer(
        token_peer(request), direction=filters.direction, status=filters.status
    )


def _answer(request, offer_id, answer):
    peer = token_peer(request)
    offer = selectors.get_swap_offer(peer, offer_id)
    return answer(peer, offer).value


@me_router.post(
    "/swap-offers/{offer_id}/accept",
    response={200: SwapOfferOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Accept a swap offer",
    description="The block becomes yours (`new_claim_id`), with the usual confirmation "
    "e-mail. Refused with `swap_not_yours` (403: it was not offered to you), "
    "`swap_not_pending` (answered, withdrawn, expired, or released meanwhile) or the claim "
    "refusals.",
    operation_id=PEER + "accept",
)
def accept(request, offer_id: ObjectId):
    return _answer(request, offer_id, swaps.accept_swap)


@me_router.post(
    "/swap-offers/{offer_id}/decline",
    response={200: SwapOfferOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Decline a swap offer",
    description="The offerer keeps the block and is told.",
    operation_id=PEER + "decline",
)
def decline(request, offer_id: ObjectId):
    return _answer(request, offer_id, swaps.decline_swap)


@me_router.post(
    "/swap-offers/{offer_id}/withdraw",
    response={200: SwapOfferOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Withdraw your swap offer",
    description="Only the peer who made it, before it is answered.",
    operation_id=PEER + "withdraw",
)
def withdraw(request, offer_id: ObjectId):
    return _answer(request, offer_id, swaps.withdraw_swap)


# --- the peer's calendar -------------------------------------------------------------------


@me_router.get(
    "/schedule.ics",
    response={200: None, **problem_responses(401, 403)},
    summary="Your calendar",
    description="Your blocks as iCalendar (RFC 5545): the ones you hold, and the ones you "
    "released or that were cancelled lately, as cancelled events. For a calendar app that "
    "cannot send a token, use the private feed URL on your blocks page instead.",
    openapi_extra={
        "responses": {200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}}
    },
    operation_id=PEER + "schedule_ics",
)
def schedule_ics(request):
    peer = token_peer(request)
    response = HttpResponse(ical.peer_calendar(peer), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{peer.business.slug}-my-blocks.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
