"""Share links through the API: a peer's own links with what each brought (`/me/share/links`),
and for members whose role includes the army's peers, the top referrers and each link's
figures over a period (`/spread/top-referrers`, `/spread/links`).

A period is the business's days, `since` and `until` both included (YYYY-MM-DD), at most
`spread.inputs.MAX_DAYS` apart; either may be left out. A peer's links are made on first use,
exactly as their Share page makes them: a link never changes once shared."""

from django.conf import settings
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from peerarmy.inputs import Day, parse
from peerarmy.rewards.selectors import promised_rewards
from peerarmy.spread import selectors, services
from peerarmy.spread.inputs import MAX_LIMIT, PeriodInput
from peerarmy.tenancy.roles import Capability

from .auth import ApiTokenAuth, PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .problems import problem_responses

router = Router(tags=["share links"])
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


class SpreadFiguresOut(Schema):
    visits: int = Field(description="Browsers that opened the link, once a day each.")
    signups: int = Field(description="Accounts made after coming through it.")
    applications: int = Field(description="Applications to the army after coming through it.")
    first_orders: int = Field(description="Those people's first orders, found in imports.")


class SpreadLinkOut(Schema):
    code: str
    url: str = Field(description="The address to share.")
    kind: str = Field(description="landing, program, campaign, rental or listing.")
    target_id: int = Field(description="The program's, campaign's, asset's or listing's id; 0 "
                           "for the shop's page.")  # fmt: skip
    title: str
    figures: SpreadFiguresOut


class SpreadMyLinksOut(Schema):
    totals: SpreadFiguresOut
    earned: list[str] = Field(description="What your friends' first orders earned you, per unit.")
    promised: list[str] = Field(description="What a friend's first order earns you now.")
    links: list[SpreadLinkOut]


class SpreadReferrerOut(Schema):
    peer_id: int
    name: str
    visits: int
    signups: int
    applications: int
    first_orders: int


class SpreadLinkFiguresOut(Schema):
    code: str
    url: str
    kind: str
    target_id: int
    title: str
    peer_id: int | None = Field(description="Whose link; null for the shop's own.")
    peer_name: str
    figures: SpreadFiguresOut


class SpreadPeriodFilters(Schema):
    since: Day | None = Field(None, description="First day (YYYY-MM-DD), included.")
    until: Day | None = Field(None, description="Last day (YYYY-MM-DD), included.")


class SpreadTopFilters(SpreadPeriodFilters):
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="How many peers.")


def _period(filters) -> PeriodInput:
    """The period with its rule (the last day not before the first): 422 naming `until`."""
    return parse(PeriodInput, {"since": filters.since, "until": filters.until})


def _figures(f) -> dict:
    return {
        "visits": f.visits,
        "signups": f.signups,
        "applications": f.applications,
        "first_orders": f.conversions,
    }


def _url(business, link) -> str:
    path = reverse("web:spread_go", kwargs={"business_slug": business.slug, "code": link.code})
    return f"{settings.SITE_URL}{path}"


@peer_router.get(
    "/share/links",
    response={200: SpreadMyLinksOut, **problem_responses(401, 403)},
    summary="Your share links and what they brought",
    description="A link for the shop's page, each published program, and the campaigns, rentals "
    "and items on sale to share now (as on your Share page), each with its visits, sign-ups, "
    "applications and first orders, all time; your totals over every link you ever shared, "
    "and what referrals earned you.",
)
def my_links(request):
    business, peer = request.business, token_peer(request)
    page = services.share_page(business, peer)
    figures = selectors.figures_by(business, "link", links=[link.pk for _t, link in page.rows])
    promised = promised_rewards(business, "referral.converted")
    return {
        "totals": _figures(selectors.peer_totals(business, peer)),
        "earned": selectors.referral_rewards(business, peer).amounts,
        "promised": sorted({words for found in promised.values() for words in found}),
        "links": [
            {
                "code": link.code,
                "url": _url(business, link),
                "kind": link.kind,
                "target_id": link.target_id,
                "title": target.title,
                "figures": _figures(figures.get(link.pk, selectors.Figures())),
            }
            for target, link in page.rows
        ],
    }


@router.get(
    "/top-referrers",
    response={200: list[SpreadReferrerOut], **problem_responses(401, 403, 422)},
    summary="Top referrers",
    description="The peers whose links brought the most in the period: first orders first, then "
    "applications, sign-ups and visits. Peers whose links brought nothing are left out.",
)
def top_referrers(request, filters: Query[SpreadTopFilters]):
    business = member_business(request)
    period = _period(filters)
    return [
        {
            "peer_id": row.peer_id,
            "name": row.name,
            "visits": row.visits,
            "signups": row.signups,
            "applications": row.applications,
            "first_orders": row.conversions,
        }
        for row in selectors.top_referrers(
            business, period.since, period.until, limit=filters.limit
        )
    ]


@router.get(
    "/links",
    response={200: list[SpreadLinkFiguresOut], **problem_responses(401, 403, 422)},
    summary="Links that brought someone",
    description="Every link that did something in the period, most first, with whose it is and "
    "what it opens; the shop's own link to its page always.",
)
@paginate(LimitOffset)
def links(request, filters: Query[SpreadPeriodFilters]):
    business = member_business(request)
    period = _period(filters)
    return [
        {
            "code": row.link.code,
            "url": _url(business, row.link),
            "kind": row.link.kind,
            "target_id": row.link.target_id,
            "title": row.title,
            "peer_id": row.link.peer_id,
            "peer_name": row.whose,
            "figures": _figures(row.figures),
        }
        for row in selectors.link_rows(business, period.since, period.until, limit=1000)
    ]


def mount(api) -> None:
    """`/spread/…` for members whose role includes the army's peers; `/me/share/links` for a
    peer's own token."""
    api.add_router("/spread/", router, auth=ApiTokenAuth(needs=Capability.PEOPLE))
    api.add_router("/me/", peer_router)
