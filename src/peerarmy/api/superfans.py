"""Superfan scores of the token's business: run scoring, list and read scores, segments,
and the business's scoring settings."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from peerarmy.inputs import apply_patch, patch_model
from peerarmy.superfans import explain, selectors, services
from peerarmy.superfans.inputs import ScoringSettingsInput
from peerarmy.tenancy.roles import Capability

from .auth import member_business
from .pagination import LimitOffset
from .params import ObjectId, Text
from .problems import problem_responses

router = Router(tags=["superfans"])

SegmentKey = Literal["superfans", "promoters", "lapsed"]
TIMELINE_LIMIT = 50


class ScoreRunOut(Schema):
    customers: int = Field(description="How many customers were scored.")
    superfans: int = Field(description="How many are at or above the superfan threshold.")
    seconds: float
    read_seconds: float = Field(description="Reading the data (database).")
    core_seconds: float = Field(description="Computing the scores.")
    write_seconds: float = Field(description="Storing the scores (database).")
    as_of: datetime


class ComponentOut(Schema):
    key: str = Field(
        description="recency, frequency, monetary, nps, reviews, referrals or mentions."
    )
    value: Any = Field(
        description="The raw input: days since the last counted order (or null), orders, net "
        "spend in minor units, latest NPS (or null), {count, avg} of reviews, friends referred "
        "who became customers, {count, engagement} of social mentions."
    )
    percentile: float | None = Field(
        description="Ranked components only: the share (0-100) of the business's buyers at or "
        "below this customer."
    )
    points: float = Field(description="Points this component adds to the score.")
    share: float = Field(description="points / score (0 when the score is 0).")
    top_percent: float | None = Field(
        None,
        description="Ranked components only: the share (0-100) of buyers at or above this "
        "customer (“top 5%”); null without orders.",
    )


class SuperfanOut(Schema):
    customer_id: int
    email: str
    name: str
    language: str = Field(description="The customer's language (it or en).")
    accepts_marketing: bool = Field(description="Whether the customer accepts e-mail marketing.")
    score: float = Field(description="0 to 100.")
    best_score: float = Field(description="The highest score this customer ever had.")
    orders: int = Field(description="Counted orders (paid or partially refunded).")
    spend_minor: int = Field(description="Net spend in minor units of the business currency.")
    last_order_at: datetime | None
    nps: int | None = Field(description="The latest NPS answer, 0 to 10.")
    explanation: str = Field(description="The score in one sentence, in the request's language.")
    components: list[ComponentOut]
    computed_at: datetime

    @staticmethod
    def resolve_email(row):
        return row.customer.email

    @staticmethod
    def resolve_name(row):
        return row.customer.full_name

    @staticmethod
    def resolve_language(row):
        return row.customer.language

    @staticmethod
    def resolve_accepts_marketing(row):
        return row.customer.accepts_marketing

    @staticmethod
    def resolve_explanation(row):
        return explain.explanation(row)


class OrderEvent(Schema):
    id: int
    external_id: str
    placed_at: datetime
    currency: str
    total_minor: int
    refunded_minor: int
    financial_status: str
    cancelled_at: datetime | None
    counts: bool = Field(description="Whether the order counts towards orders and spend.")
    net_minor: int = Field(description="What counts towards spend (0 when it does not count).")


class ReviewEvent(Schema):
    id: int
    reviewed_at: datetime
    rating: int
    title: str
    body: str


class NpsEvent(Schema):
    id: int
    answered_at: datetime
    score: int
    comment: str


class ReferralEvent(Schema):
    id: int
    referred_at: datetime
    referred_email: str
    converted: bool
    converted_at: datetime | None


class MentionEvent(Schema):
    id: int
    posted_at: datetime
    platform: str
    url: str
    engagement: int


class TimelineOut(Schema):
    orders: list[OrderEvent]
    reviews: list[ReviewEvent]
    nps: list[NpsEvent]
    referrals: list[ReferralEvent] = Field(description="Friends this customer referred.")
    mentions: list[MentionEvent]


class SuperfanDetailOut(SuperfanOut):
    timeline: TimelineOut = Field(
        description=f"Newest first, at most {TIMELINE_LIMIT} of each kind."
    )


class SegmentOut(Schema):
    key: str
    label: str
    count: int


class ScoringSettingsOut(Schema):
    weight_recency: int
    weight_frequency: int
    weight_monetary: int
    weight_nps: int
    weight_reviews: int
    weight_referrals: int
    weight_mentions: int
    superfan_threshold: int = Field(description="A score from which a customer is a superfan.")
    top_percent: int = Field(description="The top N% of customers are superfans too.")
    lapsed_after_days: int = Field(
        description="A superfan with no counted order for this long has lapsed."
    )


# Only the fields sent change. Weights are relative: only their ratios matter, and at least
# one must be above zero. Scores are recomputed in the background after a change of weights.
ScoringSettingsPatch = patch_model(ScoringSettingsInput, "ScoringSettingsPatch")


class SuperfanFilters(Schema):
    segment: SegmentKey | None = Field(
        None,
        description="superfans (score at or above the threshold, or in the top N%), "
        "promoters (NPS 9-10, not yet a peer), lapsed (once a superfan, no recent order).",
    )
    min_score: float | None = Field(None, ge=0, le=100)
    q: Text | None = Field(None, max_length=100, description="Text in the name or e-mail.")
    consent_only: bool = Field(False, description="Only customers who accept e-mail marketing.")


@router.post(
    "/score",
    response={200: ScoreRunOut, **problem_responses(401, 403)},
    summary="Score every customer now",
    description="Computes and stores the superfan score of every customer of the business.",
)
def score_now(request):
    business = member_business(request, Capability.PEOPLE)
    return services.score_business(business, actor=request.auth.user).value.as_dict()


@router.get(
    "/segments",
    response={200: list[SegmentOut], **problem_responses(401, 403)},
    summary="List segments with their sizes",
)
def list_segments(request):
    business = member_business(request, Capability.PEOPLE)
    return [
        {"key": key, "label": str(label), "count": count}
        for key, label, count in selectors.segment_counts(business)
    ]


@router.get(
    "/settings",
    response={200: ScoringSettingsOut, **problem_responses(401, 403)},
    summary="Get the scoring settings",
)
def get_settings(request):
    return selectors.scoring_settings(member_business(request, Capability.PEOPLE))


@router.patch(
    "/settings",
    response={200: ScoringSettingsOut, **problem_responses(400, 401, 403, 422)},
    summary="Change the scoring settings",
    description="Only the fields sent change. Changing a weight recomputes the scores in the "
    "background.",
)
def patch_settings(request, payload: ScoringSettingsPatch):
    business = member_business(request, Capability.PEOPLE)
    current = ScoringSettingsInput.of(selectors.scoring_settings(business))
    data = apply_patch(ScoringSettingsInput, current.model_dump(), payload)
    outcome = services.update_scoring_settings(
        business=business, actor=request.auth.user, data=data
    )
    return outcome.value


@router.get(
    "/",
    response={200: list[SuperfanOut], **problem_responses(401, 403, 422)},
    summary="List scored customers, best first",
)
@paginate(LimitOffset)
def list_superfans(request, filters: Query[SuperfanFilters]):
    business = member_business(request, Capability.PEOPLE)
    return selectors.ranked_scores(business, **filters.model_dump())


@router.get(
    "/{customer_id}",
    response={200: SuperfanDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a customer's score, explanation and timeline",
)
def get_superfan(request, customer_id: ObjectId):
    business = member_business(request, Capability.PEOPLE)
    row = selectors.get_score(business, customer_id)
    row.timeline = selectors.customer_timeline(business, customer_id, limit=TIMELINE_LIMIT)
    return row
