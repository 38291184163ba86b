"""Ratings and reliability through the API: for the staff, rate a peer after a completed block
or meeting, list the ratings they gave, read a peer's public summary and reliability score
(with its components and explanation), hide a comment; for a peer's own token, rate the
visitor of a completed meeting, list the ratings they gave and read their own score. Visitors
rate through the signed link in their e-mail (a web page)."""

from datetime import datetime

from ninja import Router, Schema, Status

from peerarmy.inputs import apply_patch, patch_model
from peerarmy.peers.selectors import get_peer
from peerarmy.tenancy.roles import Capability
from peerarmy.trust import explain, selectors, services
from peerarmy.trust.inputs import HideCommentInput, RatingInput

from .auth import PeerTokenAuth, member_business, token_peer
from .params import ObjectId
from .problems import problem_responses

router = Router(tags=["trust"])
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


class HideCommentBody(patch_model(HideCommentInput, "HideCommentSent")):
    """`reason` (required): why the comment is hidden, for the moderation log."""


class RatingOut(Schema):
    id: int
    subject_kind: str
    subject_id: int
    peer_id: int
    rater_role: str
    rated_party: str
    stars: int
    tags: list[str]
    comment: str
    created_at: datetime
    closes_at: datetime
    revealed: bool
    comment_hidden: bool

    @staticmethod
    def resolve_subject_id(obj):
        return obj.claim_id or obj.match_id

    @staticmethod
    def resolve_comment(obj):
        return obj.visible_comment

    @staticmethod
    def resolve_revealed(obj):
        return obj.is_revealed()

    @staticmethod
    def resolve_comment_hidden(obj):
        return obj.hidden_at is not None


class RatingSummaryOut(Schema):
    peer_id: int
    ratings: int
    stars: float | None
    completed_percent: int | None
    score: int | None
    badge: str


class ReliabilityComponentOut(Schema):
    key: str
    label: str
    value: str
    points: float
    max: int
    tip: str


class ReliabilityOut(Schema):
    peer_id: int
    score: float
    has_track_record: bool
    prior: float
    explanation: str
    components: list[ReliabilityComponentOut]
    how_to_improve: list[str]
    computed_at: datetime | None


def _summary(business, peer):
    summary = selectors.peer_summary(business, peer)
    return {**summary, "badge": explain.badge(summary)}


def _reliability(business, peer):
    score = selectors.score_of(business, peer)
    if score is None:
        score = services.recompute_peer(business, peer.pk).value
    return {
        "peer_id": peer.pk,
        "score": round(score.score, 1),
        "has_track_record": score.has_history,
        "prior": score.prior,
        "explanation": explain.explanation(score),
        "components": explain.component_rows(score),
        "how_to_improve": explain.how_to_improve(score),
        "computed_at": score.computed_at,
    }


@router.post(
    "/ratings",
    response={201: RatingOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Rate a peer",
    description="A member rates the peer of a completed block claim (`claim`) or meeting "
    "(`match`), once, within the business's window (14 days unless changed). Errors: "
    "`already_rated`, `rating_window_closed` (409), `not_a_participant` (403).",
)
def give_rating(request, payload: RatingInput):
    business = member_business(request)
    return Status(201, services.rate_as_staff(business, request.auth.user, payload).value)


@router.get(
    "/ratings/mine",
    response={200: list[RatingOut], **problem_responses(401, 403)},
    summary="List the ratings I gave",
)
def my_ratings(request):
    business = member_business(request)
    return selectors.ratings_by_user(business, request.auth.user)


@router.post(
    "/ratings/{rating_id}/hide",
    response={200: RatingOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Hide a rating's comment",
    description="With a reason, kept in the moderation log; the stars still count.",
)
def hide(request, rating_id: ObjectId, payload: HideCommentBody):
    business = member_business(request, Capability.TRUST)
    rating = selectors.get_rating(business, rating_id)
    data = apply_patch(HideCommentInput, {"reason": ""}, payload)
    return services.hide_comment(business, request.auth.user, rating, data).value


@router.get(
    "/peers/{peer_id}/summary",
    response={200: RatingSummaryOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a peer's public rating summary",
    description="What visitors see: revealed ratings, their average, the share completed.",
)
def peer_summary(request, peer_id: ObjectId):
    business = member_business(request)
    return _summary(business, get_peer(business, peer_id))


@router.get(
    "/peers/{peer_id}/reliability",
    response={200: ReliabilityOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a peer's reliability score",
    description="The 0-100 score with its components, an explanation and how to improve it.",
)
def peer_reliability(request, peer_id: ObjectId):
    business = member_business(request)
    return _reliability(business, get_peer(business, peer_id))


@peer_router.post(
    "/ratings",
    response={201: RatingOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Rate the visitor of my meeting",
    description="Once per completed meeting (`subject_kind` `match`), within the window; "
    "both sides' ratings are shown when both have rated or the window closes.",
)
def peer_give_rating(request, payload: RatingInput):
    return Status(201, services.rate_as_peer(token_peer(request), payload).value)


@peer_router.get(
    "/ratings",
    response={200: list[RatingOut], **problem_responses(401, 403)},
    summary="List the ratings I gave",
)
def peer_ratings(request):
    peer = token_peer(request)
    return selectors.ratings_by_user(peer.business, peer.user)


@peer_router.get(
    "/reliability",
    response={200: ReliabilityOut, **problem_responses(401, 403)},
    summary="Get my reliability score",
    description="With its components, an explanation and how to improve it.",
)
def peer_own_reliability(request):
    peer = token_peer(request)
    return _reliability(peer.business, peer)
