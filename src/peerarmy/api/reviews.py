"""Reviews, suspensions and appeals through the API. Members with the trust capability read a
peer's cases and suspend, clear, lift and decide appeals (`/peers/{peer_id}/…`); a peer reads
their own cases and appeals once (`/me/reviews`, `/me/appeal`), with their token working while
they are suspended. The bodies are the typed inputs the console's forms validate with
(`peers.inputs`)."""

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from peerarmy.inputs import apply_patch, patch_model
from peerarmy.peers import selectors, services
from peerarmy.peers.inputs import (
    AppealDecisionInput,
    AppealInput,
    ClearReviewInput,
    IdentityCheckInput,
    LiftInput,
    PhoneCodeInput,
    PhoneNumberInput,
    ReviewSettingsInput,
    SuspendInput,
)
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .params import ObjectId
from .problems import problem_responses

router = Router(tags=["reviews"])
me_router = Router(tags=["me (peers)"], auth=PeerTokenAuth(suspended_too=True))


class ReviewStepOut(Schema):
    kind: str = Field(
        description="opened, cleared, suspended, appealed, appeal_granted, appeal_refused, lifted."
    )
    text: str = Field(description="The reason or the appeal's message.")
    at: datetime
    decided_alone: bool = Field(
        description="An appeal decided by the owner who had suspended: nobody else in the "
        "business handles reviews."
    )


class StaffReviewStepOut(ReviewStepOut):
    by: str | None = Field(description="The member's e-mail address; null for the worker.")


class ReviewCaseOut(Schema):
    id: int
    status: str = Field(description="open (under review), cleared, suspended or lifted.")
    reasons: list[str] = Field(description="What opened the case, in words.")
    opened_at: datetime
    suspended_at: datetime | None
    appealed_at: datetime | None
    appeal_message: str
    appeal_granted: bool | None
    steps: list[ReviewStepOut]


class StaffReviewCaseOut(ReviewCaseOut):
    peer_id: int
    steps: list[StaffReviewStepOut]


def _case(case, *, staff):
    steps = [
        {
            "kind": s.kind,
            "text": s.text,
            "at": s.created_at,
            "decided_alone": s.decided_alone,
            **({"by": s.actor.email if s.actor else None} if staff else {}),
        }
        for s in case.trail
    ]
    return {
        "id": case.pk,
        "peer_id": case.peer_id,
        "status": case.status,
        "reasons": case.reasons,
        "opened_at": case.opened_at,
        "suspended_at": case.suspended_at,
        "appealed_at": case.appealed_at,
        "appeal_message": case.appeal_message,
        "appeal_granted": case.appeal_granted,
        "steps": steps,
    }


def _current(business, peer, *, staff=True):
    """The peer's case as it is after a change, with its whole trail."""
    cases = selectors.cases_of_peer(business, peer)
    return _case(cases[0], staff=staff)


READ = {200: list[StaffReviewCaseOut], **problem_responses(401, 403, 404)}
CHANGE = {200: StaffReviewCaseOut, **problem_responses(400, 401, 403, 404, 409, 422)}


@router.get(
    "/{peer_id}/reviews",
    response=READ,
    summary="A peer's reviews and suspensions",
    description="Every case of the peer, newest first, each with every step (the audit trail).",
)
def list_cases(request, peer_id: ObjectId):
    business = member_business(request, Capability.TRUST)
    peer = selectors.get_peer(business, peer_id)
    return [_case(c, staff=True) for c in selectors.cases_of_peer(business, peer)]


# The bodies are checked once the peer is found (as a patch of an empty input: a field left
# out is reported as required, 422), so that another business's peer id answers 404 like an
# id never used, whatever the body.
SuspendBody = patch_model(SuspendInput, "SuspendSent")
ClearBody = patch_model(ClearReviewInput, "ClearReviewSent")
LiftBody = patch_model(LiftInput, "LiftSent")
DecisionBody = patch_model(AppealDecisionInput, "AppealDecisionSent")


def _change(request, peer_id, service, input_class, payload):
    business = member_business(request, Capability.TRUST)
    peer = selectors.get_peer(business, peer_id)
    data = apply_patch(input_class, {}, payload)
    service(business, request.auth.user, peer, data)
    return _current(business, peer)


@router.post(
    "/{peer_id}/suspend",
    response=CHANGE,
    summary="Suspend a peer",
    description="With a reason the peer reads. Their claims on blocks not yet started are "
    "released and the waitlists promoted; they are told by e-mail in their language.",
)
def suspend(request, peer_id: ObjectId, payload: SuspendBody):
    return _change(request, peer_id, services.suspend_peer, SuspendInput, payload)


@router.post(
    "/{peer_id}/clear-review",
    response=CHANGE,
    summary="Clear a peer's review",
    description="The review ends without a suspension; the reason is in the peer's trail.",
)
def clear(request, peer_id: ObjectId, payload: ClearBody):
    return _change(request, peer_id, services.clear_review, ClearReviewInput, payload)


@router.post(
    "/{peer_id}/lift",
    response=CHANGE,
    summary="Lift a suspension",
    description="The peer is active again and told why by e-mail.",
)
def lift(request, peer_id: ObjectId, payload: LiftBody):
    return _change(request, peer_id, services.lift_suspension, LiftInput, payload)


@router.post(
    "/{peer_id}/appeal/decision",
    response=CHANGE,
    summary="Decide a peer's appeal",
    description="By a member other than the one who suspended (403 otherwise), unless nobody "
    "else in the business handles reviews: then the owner decides, and the trail says so.",
)
def decide(request, peer_id: ObjectId, payload: DecisionBody):
    return _change(request, peer_id, services.decide_appeal, AppealDecisionInput, payload)


class ReviewSettingsOut(Schema):
    no_show_limit: int
    no_show_window_days: int


@router.put(
    "/reviews/settings",
    response={200: ReviewSettingsOut, **problem_responses(400, 401, 403, 422)},
    summary="When no-shows lead to a review",
)
def put_review_settings(request, payload: ReviewSettingsInput):
    business = member_business(request, Capability.TRUST)
    return services.update_review_settings(business, request.auth.user, payload).value


@me_router.get(
    "/reviews",
    response={200: list[ReviewCaseOut], **problem_responses(401, 403)},
    summary="Your reviews and suspensions",
    description="Every case, newest first, with every step and its reason. Works while you "
    "are suspended.",
)
def my_cases(request):
    peer = token_peer(request)
    return [_case(c, staff=False) for c in selectors.cases_of_peer(request.business, peer)]


@me_router.post(
    "/appeal",
    response={200: ReviewCaseOut, **problem_responses(400, 401, 403, 409, 422)},
    summary="Appeal against your suspension",
    description="Once (`appeal_already_made` on a second); a member other than the one who "
    "suspended you decides.",
)
def appeal(request, payload: AppealInput):
    peer = token_peer(request)
    services.appeal_suspension(request.business, request.auth.user, peer, payload)
    return _current(request.business, peer, staff=False)


# --- verification records ------------------------------------------------------------------------


class VerificationBadgeOut(Schema):
    kind: str = Field(description="email, phone or identity.")
    label: str = Field(description="The badge, in words.")
    verified_at: datetime | None = Field(description="null for the e-mail (sign-up).")


class StaffVerificationBadgeOut(VerificationBadgeOut):
    detail: str = Field(description="The address or number, or the kind of document seen.")
    by: str | None = Field(description="Who checked an identity in person.")


def _badges(business, peer, *, staff):
    return [
        {
            "kind": b.kind,
            "label": str(b.label),
            "verified_at": b.verified_at,
            **({"detail": str(b.detail), "by": b.by.email if b.by else None} if staff else {}),
        }
        for b in selectors.badges_of(business, peer)
    ]


IdentityBody = patch_model(IdentityCheckInput, "IdentityCheckSent")


@router.get(
    "/{peer_id}/verifications",
    response={200: list[StaffVerificationBadgeOut], **problem_responses(401, 403, 404)},
    summary="What is verified of a peer",
)
def list_verifications(request, peer_id: ObjectId):
    business = member_business(request, Capability.TRUST)
    return _badges(business, selectors.get_peer(business, peer_id), staff=True)


@router.post(
    "/{peer_id}/verifications/identity",
    response={200: list[StaffVerificationBadgeOut], **problem_responses(400, 401, 403, 404, 422)},
    summary="Record an identity checked in person",
    description="Only the kind of document is kept (no number, no image), with who and when.",
)
def record_identity(request, peer_id: ObjectId, payload: IdentityBody):
    business = member_business(request, Capability.TRUST)
    peer = selectors.get_peer(business, peer_id)
    data = apply_patch(IdentityCheckInput, {}, payload)
    services.record_identity_check(business, request.auth.user, peer, data)
    return _badges(business, peer, staff=True)


# The phone is confirmed by an active peer (the ordinary peer token).
me_verify_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


@me_verify_router.get(
    "/verifications",
    response={200: list[VerificationBadgeOut], **problem_responses(401, 403)},
    summary="What is verified of you",
)
def my_verifications(request):
    return _badges(request.business, token_peer(request), staff=False)


@me_verify_router.post(
    "/verifications/phone",
    response={202: None, **problem_responses(400, 401, 403, 422, 429)},
    summary="Send a code to your phone",
    description="A 6-digit code by SMS, valid for 10 minutes; at most one a minute and five "
    "a day (`too_many_codes`, 429).",
)
def send_code(request, payload: PhoneNumberInput):
    services.send_phone_code(request.business, request.auth.user, token_peer(request), payload)
    return Status(202, None)


@me_verify_router.post(
    "/verifications/phone/confirm",
    response={200: list[VerificationBadgeOut], **problem_responses(400, 401, 403, 409, 422, 429)},
    summary="Confirm your phone with the code",
    description="`wrong_code` (422) counts against the code's five tries; `code_expired` (409).",
)
def confirm_code(request, payload: PhoneCodeInput):
    peer = token_peer(request)
    services.confirm_phone(request.business, request.auth.user, peer, payload)
    return _badges(request.business, peer, staff=False)
