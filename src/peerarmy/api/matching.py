"""Matching through the API: for the staff, the requests of their guides and layover programs,
the runs that matched them (every result with its cost and why), the matches to complete or
cancel, and each program's matching settings; for a peer's own token, their matching profile,
weekly slots and days off, the proposals to accept or decline and the matches they accepted.
Consumers ask through the web form on the business's landing page: every endpoint here needs
a token."""

from datetime import date, datetime, time
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from peerarmy.errors import NotFound
from peerarmy.inputs import apply_patch, patch_model
from peerarmy.matching import selectors, services
from peerarmy.matching.inputs import (
    DayOffInput,
    MatchingProfileInput,
    MatchingSettingsInput,
    MatchReasonInput,
)
from peerarmy.matching.models import MatchRun, RequestStatus
from peerarmy.programs.selectors import get_program
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, Text
from .problems import problem_responses
from .scheduling import PeerRef, ProgramRef

router = Router(tags=["matching"])
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())

Slug = Text  # refused with NUL, which no database can look up


def _business(request, slug):
    """The token's business, if it is the one in the address; any other answers 404."""
    business = member_business(request, Capability.WORK)
    if slug != business.slug:
        raise NotFound()
    return business


# --- what goes out: the staff's side -------------------------------------------------------


class MatchOut(Schema):
    id: int
    peer: PeerRef
    run_id: int | None = Field(description="The run that proposed it.")
    status: str = Field(
        description="proposed, accepted, declined, expired (not answered in time), cancelled "
        "or completed."
    )
    meets_at: datetime
    ends_at: datetime
    respond_by: datetime = Field(description="The peer must answer by then.")
    cost: int = Field(description="Lower is better; the sum of `components`.")
    components: dict[str, int | float] = Field(
        description="distance, interest, language, reliability, rating and fairness."
    )
    explanation: str = Field(description="Why this peer, in words.")
    perks: list[str] = Field(description="Perks paid to the peer when completed, by name.")
    decline_reason: str
    cancelled_by: str = Field(description="peer, consumer or staff; empty if not cancelled.")
    created_at: datetime
    responded_at: datetime | None
    completed_at: datetime | None

    @staticmethod
    def resolve_explanation(match):
        return selectors.describe_match(match)

    @staticmethod
    def resolve_perks(match):
        return match.program.matching.perk_names(match.perks)


class MatchRequestOut(Schema):
    id: int
    program: ProgramRef
    status: str = Field(
        description="unconfirmed (e-mail not confirmed), open, proposed, matched, completed, "
        "cancelled or expired (nobody found in time)."
    )
    name: str
    email: str
    language: str
    starts_at: datetime = Field(description="The consumer is free from…")
    ends_at: datetime = Field(description="…until (for a layover, the derived free window).")
    airport: str
    meeting_address: str
    latitude: float
    longitude: float
    meeting_minutes: int
    group_size: int
    languages: list[str] = Field(description="Language codes the consumer speaks.")
    interests: list[str] = Field(description="Interest slugs of the program.")
    accessibility: str
    note: str
    phone: str = Field(description="The consumer's phone, if they gave one; empty otherwise.")
    unmatched_reason: str = Field(description="Why nobody was found, as a code; empty if found.")
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None


class MatchRequestDetailOut(MatchRequestOut):
    unmatched: str = Field(description="Why nobody was found, in words; empty if found.")
    matches: list[MatchOut] = Field(description="Every proposal for it, newest first.")

    @staticmethod
    def resolve_unmatched(match_request):
        return selectors.describe_unmatched(match_request) if match_request.unmatched_reason else ""

    @staticmethod
    def resolve_matches(match_request):
        return selectors.request_matches(match_request)


class MatchRunOut(Schema):
    id: int
    program: ProgramRef
    trigger: str = Field(description="schedule, staff, request or rematch.")
    started_by: str = Field(description="The member who started it; empty if not a person.")
    created_at: datetime
    requests: int = Field(description="Open requests that went in.")
    peers: int = Field(description="Peers available.")
    candidates: int = Field(description="Possible request–peer pairs.")
    matched: int
    unmatched: int
    total_cost: int
    gini: float | None = Field(description="Spread of matches per peer: 0 even, 1 one peer.")
    seconds: float

    @staticmethod
    def resolve_started_by(run):
        user = run.started_by
        return (user.get_full_name() or user.email) if user else ""


class MatchRunResultOut(Schema):
    request_id: int
    request_name: str = Field(description="The consumer's name.")
    peer: PeerRef | None = Field(description="The peer proposed; null: nobody.")
    cost: int
    components: dict[str, int | float]
    explanation: str = Field(description="Why this peer, in words; empty if nobody.")
    unmatched_reason: str = Field(description="Why nobody, as a code; empty if matched.")
    unmatched: str = Field(description="Why nobody, in words; empty if matched.")

    @staticmethod
    def resolve_request_name(result):
        return result.request.name

    @staticmethod
    def resolve_explanation(result):
        return (
            selectors.describe_reasons(result.reasons, result.run.program) if result.peer_id else ""
        )

    @staticmethod
    def resolve_unmatched(result):
        if not result.unmatched_reason:
            return ""
        return selectors.describe_unmatched(
            result.request, reason=result.unmatched_reason, detail=result.reasons
        )


class MatchRunLoadOut(Schema):
    peer_id: int
    name: str
    week: date = Field(description="The Monday of the local week.")
    before: int = Field(description="Matches this week before the run.")
    after: int
    capacity: int = Field(description="The peer's weekly maximum.")


class MatchRunDetailOut(MatchRunOut):
    weights: dict[str, int | float] = Field(description="The cost weights the run used.")
    loads: list[MatchRunLoadOut] = Field(description="Each available peer's matches this week.")
    results: list[MatchRunResultOut] = Field(description="One per request that went in.")

    @staticmethod
    def resolve_results(run):
        return selectors.run_results(run)


class MatchingInterestOut(Schema):
    slug: str
    name_it: str
    name_en: str


class MatchingAirportOut(Schema):
    code: str
    name: str
    lat: float | None = None
    lon: float | None = None


class MatchingPerkOut(Schema):
    name_it: str
    name_en: str
    amount_minor: int = Field(description="Cents, paid to the peer when a match is completed.")


class MatchingSettingsOut(Schema):
    program_id: int
    interests: list[MatchingInterestOut]
    airports: list[MatchingAirportOut] = Field(
        description="Layover programs: where travellers land."
    )
    latitude: float | None = Field(description="The default meeting point.")
    longitude: float | None
    meeting_minutes: int
    min_free_minutes: int = Field(description="A shorter layover is refused.")
    max_group_size: int
    max_distance_km: int | None = Field(description="null: each peer's own travel radius.")
    answer_within_hours: int
    per_day: int = Field(description="Matches a peer can have on one day.")
    perks: list[MatchingPerkOut]
    weight_distance: int
    weight_interest: int
    weight_language: int
    weight_reliability: int
    weight_rating: int
    weight_fairness: int
    updated_at: datetime | None


# --- what comes in: the staff's side -------------------------------------------------------


class MatchRequestFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")
    status: RequestStatus | None = None


class MatchRunFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")


MatchingSettingsPatch = patch_model(MatchingSettingsInput, "MatchingSettingsPatch")


# --- requests ------------------------------------------------------------------------------


@router.get(
    "/{slug}/matching/requests",
    response={200: list[MatchRequestOut], **problem_responses(401, 403, 404, 422)},
    summary="List matching requests",
    description="Consumers' requests of the business's guides and layover programs, soonest "
    "first, with the consumer's name and e-mail (staff only; peers see them once they accept).",
)
@paginate(LimitOffset)
def list_requests(request, slug: Slug, filters: Query[MatchRequestFilters]):
    return selectors.requests_for_business(
        _business(request, slug), program=filters.program, status=filters.status
    )


@router.get(
    "/{slug}/matching/requests/{request_id}",
    response={200: MatchRequestDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a matching request",
    description="With every proposal made for it (its peer, cost, components and why in "
    "words) and, if nobody was found, why.",
)
def get_request(request, slug: Slug, request_id: ObjectId):
    return selectors.get_request(_business(request, slug), request_id)


@router.post(
    "/{slug}/matching/requests/{request_id}/cancel",
    response={200: MatchRequestDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel a matching request",
    description="The consumer is told, and so is the peer of a live proposal or match. A "
    "request already over (completed, cancelled, expired) answers 409.",
)
def cancel_request(
    request, slug: Slug, request_id: ObjectId, payload: MatchReasonInput | None = None
):
    business = _business(request, slug)
    match_request = selectors.get_request(business, request_id)
    return services.cancel_request(business, request.auth.user, match_request, payload).value


# --- runs ----------------------------------------------------------------------------------


@router.post(
    "/{slug}/matching/programs/{program_id}/runs",
    response={201: MatchRunDetailOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Run matching now",
    description="Solves the program's open requests at once (as the batch does every few "
    "minutes) and answers the run with its results. A program that is not a guides or "
    "layover program answers 404.",
)
def run_now(request, slug: Slug, program_id: ObjectId):
    # A program that does not match (a delivery program, say) answers the service's own 404,
    # `not_a_matching_program`; another business's, `not_found`.
    program = get_program(_business(request, slug), program_id)
    outcome = services.run_matching(
        program, trigger=MatchRun.Trigger.STAFF, actor=request.auth.user
    )
    return Status(201, outcome.value)


@router.get(
    "/{slug}/matching/runs",
    response={200: list[MatchRunOut], **problem_responses(401, 403, 404, 422)},
    summary="List matching runs",
    description="Newest first, with what went in and came out.",
)
@paginate(LimitOffset)
def list_runs(request, slug: Slug, filters: Query[MatchRunFilters]):
    return selectors.runs_for_business(_business(request, slug), program=filters.program)


@router.get(
    "/{slug}/matching/runs/{run_id}",
    response={200: MatchRunDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a matching run",
    description="Every request that went in with the peer proposed, the cost and its "
    "components and why in words, or why nobody was (a code and words); each peer's matches "
    "this week before and after, and the fairness spread (Gini).",
)
def get_run(request, slug: Slug, run_id: ObjectId):
    return selectors.get_run(_business(request, slug), run_id)


# --- matches -------------------------------------------------------------------------------


@router.post(
    "/{slug}/matching/matches/{match_id}/complete",
    response={200: MatchOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Complete a match",
    description="Once it has started: the perks are posted to the peer through the rewards "
    "ledger and `match.completed` is published for reward rules. Only an accepted match can "
    "be completed (409).",
)
def complete_match(request, slug: Slug, match_id: ObjectId):
    business = _business(request, slug)
    match = selectors.get_match(business, match_id)
    return services.complete_match(business, request.auth.user, match).value


@router.post(
    "/{slug}/matching/matches/{match_id}/cancel",
    response={200: MatchOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel a match",
    description="A proposed or accepted match; the peer and the consumer are told.",
)
def cancel_match(request, slug: Slug, match_id: ObjectId, payload: MatchReasonInput | None = None):
    business = _business(request, slug)
    match = selectors.get_match(business, match_id)
    return services.cancel_match(business, request.auth.user, match, payload).value


# --- settings ------------------------------------------------------------------------------


@router.get(
    "/{slug}/matching/programs/{program_id}/settings",
    response={200: MatchingSettingsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a program's matching settings",
)
def get_settings(request, slug: Slug, program_id: ObjectId):
    # Unsaved defaults until the first change: a read makes nothing.
    return selectors.settings_of(get_program(_business(request, slug), program_id))


@router.patch(
    "/{slug}/matching/programs/{program_id}/settings",
    response={200: MatchingSettingsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Change a program's matching settings",
    description="Only the fields sent change. Interests, airports and perks are replaced as "
    "a whole list. The weights set what the engine minimises: distance per km, interests "
    "not shared, language level, reliability, rating and fairness (matches already this week).",
)
def patch_settings(request, slug: Slug, program_id: ObjectId, payload: MatchingSettingsPatch):
    business = _business(request, slug)
    program = get_program(business, program_id)
    current = MatchingSettingsInput.of(selectors.settings_of(program))
    data = apply_patch(MatchingSettingsInput, current.model_dump(), payload)
    return services.update_settings(business, request.auth.user, program, data).value


# --- the peer's side -----------------------------------------------------------------------


class MatchingSlotOut(Schema):
    weekday: int = Field(description="0 Monday … 6 Sunday.")
    starts: time = Field(description="Local time.")
    ends: time


class DayOffOut(Schema):
    id: int
    first: date
    last: date = Field(description="Included.")
    note: str


class MatchingLanguageOut(Schema):
    language: str
    level: str


class MatchingInterestChoiceOut(Schema):
    slug: str
    name: str = Field(description="In the language of `Accept-Language`.")


class MatchingProfileOut(Schema):
    accepting: bool = Field(description="False: paused, no new proposals.")
    max_per_week: int
    interests: list[str]
    interest_choices: list[MatchingInterestChoiceOut] = Field(
        description="The interests of this army's matching programs."
    )
    slots: list[MatchingSlotOut] = Field(description="Every week, local time.")
    days_off: list[DayOffOut] = Field(description="Days away, whatever the slots say.")
    languages: list[MatchingLanguageOut] = Field(description="From your peer profile.")
    home_address: str = Field(description="From your peer profile.")
    travel_radius_km: int | None
    phone: str = Field(
        description="Given to the visitors you accept; empty: not shared (international form)."
    )


def _profile_out(peer, offer):
    """The offer (as read, or as the service saved it) with what the peer's profile and the
    business's programs add to it."""
    profile = offer.profile
    return {
        "accepting": profile.accepting,
        "max_per_week": profile.max_per_week,
        "phone": profile.phone,
        "interests": profile.interests,
        "interest_choices": [
            {"slug": slug, "name": name}
            for slug, name in selectors.interest_choices(peer.business).items()
        ],
        "slots": offer.slots,
        "days_off": selectors.days_off(peer),
        "languages": selectors.spoken_languages(peer),
        "home_address": peer.home_address,
        "travel_radius_km": peer.travel_radius_km,
    }


@peer_router.get(
    "/matching",
    response={200: MatchingProfileOut, **problem_responses(401, 403)},
    summary="Your matching profile",
    description="Whether you accept requests, your weekly maximum, interests, weekly slots "
    "and days off; your languages and home area come from your peer profile.",
)
def get_profile(request):
    peer = token_peer(request)
    return _profile_out(peer, selectors.offer_of(peer))  # a read makes nothing


@peer_router.put(
    "/matching",
    response={200: MatchingProfileOut, **problem_responses(400, 401, 403, 422)},
    summary="Set your matching profile and weekly slots",
    description="Every field at once; `slots` replace all your weekly slots. A slot must end "
    "after it starts and not overlap another of the same day (422 naming `slots`).",
)
def put_profile(request, payload: MatchingProfileInput):
    peer = token_peer(request)
    return _profile_out(peer, services.update_profile(peer, payload).value)


@peer_router.post(
    "/matching/days-off",
    response={201: DayOffOut, **problem_responses(400, 401, 403, 422)},
    summary="Add days off",
    description="From `first` to `last` included you get no proposal.",
)
def add_day_off(request, payload: DayOffInput):
    return Status(201, services.add_day_off(token_peer(request), payload).value)


@peer_router.delete(
    "/matching/days-off/{day_off_id}",
    response={204: None, **problem_responses(401, 403, 404, 422)},
    summary="Remove days off",
)
def remove_day_off(request, day_off_id: ObjectId):
    services.remove_day_off(token_peer(request), day_off_id)
    return Status(204, None)


class ProposalOut(Schema):
    """A match as its peer sees it; who the consumer is shows only once they accepted."""

    id: int
    program: ProgramRef
    status: str = Field(
        description="proposed, accepted, declined, expired, cancelled or completed."
    )
    meets_at: datetime
    ends_at: datetime
    respond_by: datetime = Field(description="Answer by then, or it goes to someone else.")
    meeting_address: str
    latitude: float
    longitude: float
    group_size: int
    languages: list[str]
    interests: list[str] = Field(description="In words.")
    accessibility: str
    explanation: str = Field(description="Why you, in words.")
    perks: list[str] = Field(description="Paid to you when the match is completed.")

    @staticmethod
    def resolve_meeting_address(match):
        return match.request.meeting_address

    @staticmethod
    def resolve_latitude(match):
        return match.request.latitude

    @staticmethod
    def resolve_longitude(match):
        return match.request.longitude

    @staticmethod
    def resolve_group_size(match):
        return match.request.group_size

    @staticmethod
    def resolve_languages(match):
        return match.request.languages

    @staticmethod
    def resolve_interests(match):
        names = match.program.matching.interest_names()
        return [names.get(slug, slug) for slug in match.request.interests]

    @staticmethod
    def resolve_accessibility(match):
        return match.request.accessibility

    @staticmethod
    def resolve_explanation(match):
        return selectors.describe_match(match)

    @staticmethod
    def resolve_perks(match):
        return match.program.matching.perk_names(match.perks)


def _contact(match, part):
    """A part of who asked, once the peer accepted (`Match.consumer_contact`); null before."""
    contact = match.consumer_contact
    return getattr(contact, part) if contact is not None else None


class PeerMatchOut(ProposalOut):
    consumer_name: str | None = Field(description="Once you accepted; null before.")
    consumer_email: str | None = Field(description="Once you accepted; null before.")
    note: str | None = Field(description="The consumer's note, once you accepted.")
    consumer_phone: str | None = Field(
        description="Once you accepted, if the consumer chose to share it (international form)."
    )
    cancelled_by: str
    responded_at: datetime | None
    completed_at: datetime | None

    @staticmethod
    def resolve_consumer_name(match):
        return _contact(match, "name")

    @staticmethod
    def resolve_consumer_email(match):
        return _contact(match, "email")

    @staticmethod
    def resolve_note(match):
        return _contact(match, "note")

    @staticmethod
    def resolve_consumer_phone(match):
        return _contact(match, "phone") or None


@peer_router.get(
    "/proposals",
    response={200: list[ProposalOut], **problem_responses(401, 403, 422)},
    summary="Your proposals",
    description="Requests proposed to you and waiting for your answer, soonest deadline "
    "first. Who the consumer is shows once you accept.",
)
@paginate(LimitOffset)
def list_proposals(request):
    return selectors.peer_proposals(token_peer(request))


@peer_router.post(
    "/proposals/{match_id}/accept",
    response={200: PeerMatchOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Accept a proposal",
    description="The match is yours: the answer (and an e-mail) holds the consumer's name, "
    "e-mail and note; the consumer gets your first name, the meeting point and time. A "
    "proposal already answered or past its deadline answers 409.",
)
def accept(request, match_id: ObjectId):
    peer = token_peer(request)
    return services.accept(peer, selectors.get_peer_match(peer, match_id)).value


@peer_router.post(
    "/proposals/{match_id}/decline",
    response={200: PeerMatchOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Decline a proposal",
    description="The request goes to another peer (never you again); `reason` is optional "
    "and only the staff read it.",
)
def decline(request, match_id: ObjectId, payload: MatchReasonInput | None = None):
    peer = token_peer(request)
    return services.decline(peer, selectors.get_peer_match(peer, match_id), payload).value


class PeerMatchFilters(Schema):
    status: Literal["accepted", "completed"] | None = Field(
        None, description="accepted (to come) or completed; both if left out."
    )


@peer_router.get(
    "/matches",
    response={200: list[PeerMatchOut], **problem_responses(401, 403, 422)},
    summary="Your matches",
    description="The matches you accepted and completed, soonest first, with the consumer's "
    "name, e-mail and note.",
)
@paginate(LimitOffset)
def list_matches(request, filters: Query[PeerMatchFilters]):
    return selectors.peer_held_matches(token_peer(request), status=filters.status)


@peer_router.post(
    "/matches/{match_id}/complete",
    response={200: PeerMatchOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark your match completed",
    description="Once it is over: the perks are paid to you.",
)
def complete_own_match(request, match_id: ObjectId):
    peer = token_peer(request)
    match = selectors.get_peer_match(peer, match_id)
    return services.complete_own_match(peer, match).value


@peer_router.post(
    "/matches/{match_id}/cancel",
    response={200: PeerMatchOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel your match",
    description="The consumer is told (with your `reason`) and the request is matched again.",
)
def cancel_own_match(request, match_id: ObjectId, payload: MatchReasonInput | None = None):
    peer = token_peer(request)
    match = selectors.get_peer_match(peer, match_id)
    return services.cancel_own_match(peer, match, payload).value
