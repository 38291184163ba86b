"""A peer's impact through the API: `GET /api/v1/me/impact`, with the peer's own token only,
their figures over a period (all time, this year, the last twelve months), the hours of the
last twelve months month by month, and what their public page shows. Names (causes, badges)
follow `Accept-Language`."""

from datetime import date, datetime
from typing import Literal

from django.urls import reverse
from ninja import Field, Query, Router, Schema

from peerarmy.analytics import impact as figures
from peerarmy.rewards import selectors as rewards_selectors

from .auth import PeerTokenAuth, token_peer
from .problems import problem_responses

router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


class ImpactFilters(Schema):
    period: Literal["all", "year", "12m"] = Field(
        "all",
        description="`all` (all time), `year` (this calendar year) or `12m` (the last 12 "
        "calendar months, this one included), in the business's time zone.",
    )


class ActivityOut(Schema):
    blocks_completed: int
    deliveries: int = Field(description="Completed blocks of delivery programs.")
    visitors_guided: int = Field(description="People in the groups of completed guided visits.")
    guided_meetings: int
    layovers_met: int = Field(description="Completed meetings of layover programs.")
    travellers_met: int
    campaigns_helped: int = Field(
        description="Chip-in campaigns a pledge through your share link was paid to."
    )
    pledges_brought: int
    raised_minor: int
    rentals: int = Field(description="Times your own things were rented out.")
    items_sold: int = Field(description="Your used items sold through the shop and kept.")


class EarningsOut(Schema):
    cash_minor: int
    vouchers_minor: int = Field(description="Rewards paid as shop credit.")
    points: int
    rentals_minor: int = Field(description="Your share of the rentals of your own things.")


class ImpactDonationOut(Schema):
    cause_id: int
    cause: str
    amount_minor: int


class CommentOut(Schema):
    stars: int
    created_at: datetime
    text: str


class RatingsOut(Schema):
    count: int
    average: float | None
    distribution: dict[str, int] = Field(description="How many ratings gave 1 to 5 stars.")
    comments: list[CommentOut] = Field(description="The newest visitors' comments.")


class ImpactBadgeOut(Schema):
    slug: str
    name: str
    description: str
    awarded_at: datetime


class MonthOut(Schema):
    month: date = Field(description="The month's first day.")
    minutes: int
    hours: float


class ShowcaseOut(Schema):
    public: bool
    url: str | None = Field(description="Your public page's address, while it is public.")
    shows: list[str] = Field(
        description="What it shows: hours, activity, ratings, badges, donations, earnings."
    )


class ImpactOut(Schema):
    period: str
    since: datetime | None
    until: datetime | None
    currency: str
    minutes: int = Field(description="Completed blocks and meetings, as scheduled.")
    hours: float
    block_minutes: int
    meeting_minutes: int
    activity: ActivityOut
    earnings: EarningsOut
    donations: list[ImpactDonationOut] = Field(description="Rewards given to causes in your name.")
    donated_minor: int
    ratings: RatingsOut
    badges: list[ImpactBadgeOut]
    months: list[MonthOut] = Field(description="The last 12 months' hours, oldest first.")
    showcase: ShowcaseOut


def _showcase(request, peer):
    showcase = rewards_selectors.showcase_of(peer)
    public = bool(showcase and showcase.public)
    path = reverse("web:showcase", kwargs={"business_slug": peer.business.slug, "peer_id": peer.pk})
    return {
        "public": public,
        "url": request.build_absolute_uri(path) if public else None,
        "shows": sorted(showcase.shown) if showcase else [],
    }


@router.get(
    "/impact",
    response={200: ImpactOut, **problem_responses(401, 403, 422)},
    summary="Your impact",
    description="The hours you gave (completed blocks and meetings), the visitors you guided, "
    "the layovers you met, your deliveries, the chip-in campaigns you helped, your things "
    "rented out and sold, what you earned (money, shop credit, points, rentals), what was "
    "given to causes in your name, the ratings you received (revealed ones) with the newest "
    "visitors' comments, your badges, the last 12 months' hours and what your public page "
    "shows. Only yours: there is no other peer's impact to ask for.",
)
def my_impact(request, filters: Query[ImpactFilters]):
    peer = token_peer(request)
    found = figures.impact_over(peer, filters.period)
    ratings = found.ratings
    return {
        "period": filters.period,
        "since": found.since,
        "until": found.until,
        "currency": found.currency,
        "minutes": found.minutes,
        "hours": found.hours,
        "block_minutes": found.block_minutes,
        "meeting_minutes": found.meeting_minutes,
        "activity": found.activity,
        "earnings": found.earnings,
        "donations": list(found.donations),
        "donated_minor": found.donated_minor,
        "ratings": {
            "count": ratings.count,
            "average": ratings.average,
            "distribution": {str(n): c for n, c in enumerate(ratings.distribution, start=1)},
            "comments": list(ratings.comments),
        },
        "badges": list(found.badges),
        "months": [
            {"month": m.month, "minutes": m.minutes, "hours": m.hours}
            for m in figures.hours_by_month(peer)
        ],
        "showcase": _showcase(request, peer),
    }
