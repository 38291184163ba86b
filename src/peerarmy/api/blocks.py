"""Blocks of the token's business, for the staff: list with their fill, create, read, edit,
cancel; the claims on them (no-show, completed, staff release); recurring templates; the CSV
export; the fairness limits of a program."""

from datetime import date, datetime, time
from typing import Annotated

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from peerarmy.errors import ValidationFailed
from peerarmy.programs.selectors import get_program_for_business
from peerarmy.scheduling import export, limits, recurrence, selectors, services
from peerarmy.scheduling.models import Block, BlockStatus, Claim

from .auth import member_business
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, Text, first_or_404
from .problems import problem_responses

router = Router(tags=["blocks"])
templates_router = Router(tags=["blocks"])
limits_router = Router(tags=["blocks"])

MAX_CAPACITY = 32767  # the column is a small integer
MAX_REWARD_MINOR = 10**12
MAX_POINTS = 10**9
MAX_RADIUS_M = 1_000_000
# Dates far outside any schedule would overflow when turned into UTC; refused as bad input.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _sane_year(value):
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            "Enter a date between {first} and {last}.",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


Day = Annotated[date, AfterValidator(_sane_year)]
LocalDateTime = Annotated[datetime, AfterValidator(_sane_year)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


# --- what goes out -------------------------------------------------------------------------


class ProgramRef(Schema):
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


def _fields_out(obj):
    return [skill.slug for skill in obj.required_skills.all()]


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

    @staticmethod
    def resolve_required_skills(block):
        return _fields_out(block)

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
        return selectors.waitlist_of(block)


class StaffClaimOut(ClaimOnBlockOut):
    block_id: int


# --- what comes in -------------------------------------------------------------------------


class BlockFieldsIn(Schema):
    """The fields a block and a recurring template share; left out, they keep their default
    (or, when editing, their value)."""

    model_config = ConfigDict(extra="forbid")

    # A default of None that the type refuses: leaving a field out keeps it, null is an error.
    place_name: Text = Field(None, max_length=120)
    address: Text = Field(None, max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    is_remote: bool = None
    capacity: int = Field(None, ge=1, le=MAX_CAPACITY, description="Seats (peers).")
    reward_minor: int = Field(None, ge=0, le=MAX_REWARD_MINOR, description="In cents.")
    reward_currency: CurrencyCode = None
    reward_points: int = Field(None, ge=0, le=MAX_POINTS)
    required_skills: list[Text] = Field(None, max_length=50, description="Skill slugs.")
    required_languages: list[Text] = Field(
        None, max_length=20, description="Language codes, e.g. it, en; a peer needs one."
    )
    min_reliability: int = Field(None, ge=0, le=100)
    max_distance_km: int | None = Field(None, ge=1, le=MAX_CAPACITY)
    check_in_radius_m: int | None = Field(None, ge=1, le=MAX_RADIUS_M)


class BlockIn(BlockFieldsIn):
    program_id: int = Field(ge=1, le=MAX_ID)
    starts_at: LocalDateTime = Field(
        description="With an offset, or without one to mean the business's local time."
    )
    ends_at: LocalDateTime
    released_at: LocalDateTime | None = Field(
        None, description="When peers may claim it; left out or null: at once."
    )


class BlockPatch(BlockFieldsIn):
    """Only the fields sent change; the program of a block cannot change."""

    starts_at: LocalDateTime = None
    ends_at: LocalDateTime = None
    released_at: LocalDateTime | None = None


class CancelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Required, but checked after the block is found, so that another business's block id is
    # a 404 whatever the body says.
    reason: Text = Field(
        "", max_length=1000, description="Why; every peer who claimed it reads it. Required."
    )


class StaffReleaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    excused: bool = Field(
        False, description="Spare the peer the reliability event of a late release."
    )


def _block_data(payload, block=None):
    """The fields sent, ready for the services; `block`: the block they will change."""
    data = payload.model_dump(exclude_unset=True)
    for name in ("latitude", "longitude"):
        if data.get(name) is not None:
            # The columns hold six decimals (about 10 cm).
            data[name] = round(data[name], 6)
    latitude = data.get("latitude", getattr(block, "latitude", None))
    longitude = data.get("longitude", getattr(block, "longitude", None))
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(
            _("Give both latitude and longitude, or neither."),
            field="longitude" if "latitude" in data else "latitude",
        )
    return data


# --- lookups -------------------------------------------------------------------------------


def _block_or_404(business, block_id):
    return first_or_404(selectors.blocks_for_business(business).filter(pk=block_id))


def _program_or_404(business, program_id):
    program = get_program_for_business(business, program_id)
    if program is None:
        raise Http404
    return program


def _claim_or_404(business, claim_id):
    return first_or_404(Claim.objects.filter(business=business, pk=claim_id).select_related("peer"))


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
)
@paginate(LimitOffset)
def list_blocks(request, filters: Query[BlockFilters]):
    business = member_business(request)
    qs = selectors.blocks_for_business(
        business,
        program_id=filters.program,
        start=filters.from_,
        end=filters.to,
        status=filters.status,
    )
    if filters.template is not None:
        qs = qs.filter(template_id=filters.template)
    return qs


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
)
def export_csv(request, filters: Query[ExportFilters]):
    business = member_business(request)
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
    "spring) is refused.",
)
def add_block(request, payload: BlockIn):
    business = member_business(request)
    data = _block_data(payload)
    program = _program_or_404(business, data.pop("program_id"))
    block = services.create_block(business, request.auth.user, program, data)
    return Status(201, _block_or_404(business, block.pk))


@router.get(
    "/{block_id}",
    response={200: BlockDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a block",
)
def get_block(request, block_id: ObjectId):
    return _block_or_404(member_business(request), block_id)


@router.patch(
    "/{block_id}",
    response={200: BlockDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a block",
    description="Only the fields sent change. The iCalendar SEQUENCE goes up; a higher "
    "capacity goes to the waitlist at once; a capacity below the seats taken is refused. "
    "A cancelled block cannot change (409 `block_cancelled`).",
)
def patch_block(request, block_id: ObjectId, payload: BlockPatch):
    business = member_business(request)
    block = _block_or_404(business, block_id)
    services.update_block(business, request.auth.user, block, _block_data(payload, block))
    return _block_or_404(business, block.pk)


@router.post(
    "/{block_id}/cancel",
    response={200: BlockDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel a block",
    description="Every claimant is e-mailed the reason; their claims become `cancelled` "
    "(kept for compensation) and the waitlist is closed. A block that is over answers 409.",
)
def cancel(request, block_id: ObjectId, payload: CancelIn):
    business = member_business(request)
    block = _block_or_404(business, block_id)
    if not payload.reason.strip():
        raise ValidationFailed(
            _("Give a reason: the peers who claimed the block read it."), field="reason"
        )
    services.cancel_block(business, request.auth.user, block, payload.reason)
    return _block_or_404(business, block.pk)


def _staff_claim_action(request, claim_id, action):
    business = member_business(request)
    claim = _claim_or_404(business, claim_id)
    action(business, claim)
    return _claim_or_404(business, claim.pk)


@router.post(
    "/claims/{claim_id}/no-show",
    response={200: StaffClaimOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark a claim as a no-show",
    description="Once the block has started; records a reliability event for the peer.",
)
def claim_no_show(request, claim_id: ObjectId):
    return _staff_claim_action(
        request, claim_id, lambda b, c: services.mark_no_show(b, request.auth.user, c)
    )


@router.post(
    "/claims/{claim_id}/complete",
    response={200: StaffClaimOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark a claim as completed",
    description="Once the block has started; records `block.completed` with the promised "
    "reward for the rewards capability.",
)
def claim_complete(request, claim_id: ObjectId):
    return _staff_claim_action(
        request, claim_id, lambda b, c: services.complete_claim(b, request.auth.user, c)
    )


@router.post(
    "/claims/{claim_id}/release",
    response={200: StaffClaimOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Release a claim (staff)",
    description="At any time, even past the peers' cutoff. The seat goes to the first "
    "eligible waitlisted peer. `excused` spares the peer the late-release event.",
)
def claim_release(request, claim_id: ObjectId, payload: StaffReleaseIn | None = None):
    excused = bool(payload and payload.excused)
    return _staff_claim_action(
        request,
        claim_id,
        lambda b, c: services.release_claim(request.auth.user, c, excused=excused),
    )


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
        return _fields_out(template)


class TemplateIn(BlockFieldsIn):
    program_id: int = Field(ge=1, le=MAX_ID)
    rrule: Text = Field(
        max_length=500,
        description="An RFC 5545 rule with COUNT or UNTIL, e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=8.",
    )
    start_local: LocalDateTime = Field(
        description="The first start as local wall-clock time, without an offset, e.g. "
        "2025-03-01T10:00:00. The blocks stay at that local time across daylight saving."
    )
    duration_minutes: int = Field(ge=1, le=24 * 60)
    exdates: list[Text] = Field(
        [], max_length=400, description="Local dates (2025-04-25) or date-times to leave out."
    )
    release_minutes_before: int | None = Field(
        None,
        ge=0,
        le=366 * 24 * 60,
        description="Each block is claimable from this many minutes before its start; "
        "null: at once.",
    )


class TemplateCreatedOut(Schema):
    template: TemplateOut
    blocks: list[BlockOut] = Field(description="The blocks made, soonest first.")


def _template_or_404(business, template_id):
    return first_or_404(selectors.templates_for_business(business).filter(pk=template_id))


class TemplateFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")


@templates_router.get(
    "/",
    response={200: list[TemplateOut], **problem_responses(401, 403, 422)},
    summary="List recurring templates",
    description="Newest first.",
)
@paginate(LimitOffset)
def list_templates(request, filters: Query[TemplateFilters]):
    business = member_business(request)
    return selectors.templates_for_business(business, program_id=filters.program)


@templates_router.post(
    "/",
    response={201: TemplateCreatedOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Create recurring blocks",
    description="Runs the rule in the business's local time and creates every block at once "
    "(at most 200; a rule without COUNT or UNTIL is refused). A rule whose every date is "
    "left out creates the template and no block.",
)
def add_template(request, payload: TemplateIn):
    business = member_business(request)
    data = _block_data(payload)
    program = _program_or_404(business, data.pop("program_id"))
    if payload.start_local.tzinfo is not None:
        raise ValidationFailed(
            _("Give the local wall-clock time, without an offset."), field="start_local"
        )
    blocks = services.create_blocks_from_template(business, request.auth.user, program, **data)
    template_id = blocks[0].template_id if blocks else None
    if template_id is None:
        # No date was left by the rule: the template is the one this member just made.
        template = (
            selectors.templates_for_business(business, program_id=program.pk)
            .filter(created_by=request.auth.user)
            .first()
        )
    else:
        template = _template_or_404(business, template_id)
    return Status(
        201,
        {
            "template": template,
            "blocks": list(selectors.blocks_for_business(business).filter(template=template)),
        },
    )


class TemplatePatch(BlockFieldsIn):
    """Only the fields sent change, on the template and its blocks."""

    start_time: time = Field(
        None, description="The new local start time of every block, e.g. 10:00 (HH:MM)."
    )
    duration_minutes: int = Field(None, ge=1, le=24 * 60)
    from_block: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Change this block of the series and the following ones only; "
        "left out: every block that has not started.",
    )


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
)
def patch_template(request, template_id: ObjectId, payload: TemplatePatch):
    business = member_business(request)
    template = _template_or_404(business, template_id)
    data = _block_data(payload, template)
    from_block = None
    from_block_id = data.pop("from_block", None)
    if from_block_id is not None:
        from_block = Block.objects.filter(business=business, pk=from_block_id).first()
        if from_block is None:
            raise Http404
        if from_block.template_id != template.pk:
            raise ValidationFailed(_("This block is not part of the series."), field="from_block")
    changed = recurrence.update_template_blocks(
        business, request.auth.user, template, data, from_block=from_block
    )
    blocks = selectors.blocks_for_business(business).filter(pk__in=[b.pk for b in changed])
    return {"template": _template_or_404(business, template.pk), "blocks": list(blocks)}


@templates_router.get(
    "/{template_id}",
    response={200: TemplateOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a recurring template",
)
def get_template(request, template_id: ObjectId):
    return _template_or_404(member_business(request), template_id)


# --- fairness limits -----------------------------------------------------------------------


def _bounds(name):
    low, high = limits.BOUNDS[name]
    return {"ge": low, "le": high}


class LimitsOut(Schema):
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


class LimitsIn(Schema):
    """Fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")

    max_hours_per_week: int = Field(None, **_bounds("max_hours_per_week"))
    min_rest_minutes: int = Field(None, **_bounds("min_rest_minutes"))
    max_future_blocks: int = Field(None, **_bounds("max_future_blocks"))
    forfeit_cutoff_minutes: int = Field(None, **_bounds("forfeit_cutoff_minutes"))


@limits_router.get(
    "/{program_id}/fairness-limits",
    response={200: LimitsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a program's fairness limits",
)
def get_limits(request, program_id: ObjectId):
    program = _program_or_404(member_business(request), program_id)
    return limits.limits_of(program)


@limits_router.put(
    "/{program_id}/fairness-limits",
    response={200: LimitsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Set a program's fairness limits",
    description="Maximum hours per peer per week (1–80), minimum rest between two blocks "
    "(0–1440 minutes), maximum upcoming blocks per peer (1–100), release cutoff (0–2880 "
    "minutes before the start). They apply to the next claim, swap or promotion.",
)
def put_limits(request, program_id: ObjectId, payload: LimitsIn):
    business = member_business(request)
    program = _program_or_404(business, program_id)
    return limits.update_fairness_limits(
        business, request.auth.user, program, payload.model_dump(exclude_unset=True)
    )
