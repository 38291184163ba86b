"""Peers of the token's business: list, read, approve or reject applicants."""

from datetime import datetime

from ninja import Query, Router, Schema
from pydantic import AliasPath, BaseModel, ConfigDict, Field

from peerarmy.inputs import apply_patch, patch_model
from peerarmy.peers import selectors
from peerarmy.peers.inputs import RejectInput
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.services import approve_peer, reject_peer
from peerarmy.tenancy.roles import Capability

from .auth import member_business
from .pagination import LimitOffset, json_page
from .params import ObjectId, Text
from .problems import problem_responses

router = Router(tags=["peers"])


class PeerLanguageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(validation_alias="language")
    level: str


class PeerOut(BaseModel):
    """A peer, read straight from the model's attributes by pydantic (faster than ninja's
    per-attribute getter on a list of fifty)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    display_name: str
    email: str = Field(
        validation_alias=AliasPath("user", "email"),
        description="The e-mail address of the peer's account.",
    )
    bio: str
    skills: list[str] = Field(validation_alias="skill_slugs", description="Skill slugs.")
    languages: list[PeerLanguageOut] = Field(validation_alias="language_list")
    home_address: str
    latitude: float | None
    longitude: float | None
    travel_radius_km: int
    showcase_links: list[str]
    reliability: int | None = Field(description="0 to 100; null until there is a track record.")
    applied_at: datetime
    decided_at: datetime | None
    rejection_reason: str


class PeerRejectBody(patch_model(RejectInput, "PeerRejectSent")):
    """`{"reason": "…"}`: why the application is turned down; the applicant reads it.
    Required. A body without it is checked (as an empty reason, 422) once the peer is found,
    so that another business's peer id answers 404 like an id never used."""


# An empty body reads as an empty reason, so that both say the same thing.
NO_REASON = {"reason": ""}


class PeerFilters(Schema):
    status: PeerStatus | None = None
    skill: Text | None = Field(None, max_length=50, description="A skill slug.")
    language: Text | None = Field(None, max_length=8, description="A language code.")
    q: Text | None = Field(
        None, max_length=100, description="Text found in the name, e-mail address or home area."
    )


class PagedPeerOut(LimitOffset.Output):
    results: list[PeerOut]


@router.get(
    "/",
    response={200: PagedPeerOut, **problem_responses(401, 422)},
    summary="List peers",
)
def list_peers(request, filters: Query[PeerFilters], page: Query[LimitOffset.Input]):
    # Paginated by hand rather than by `@paginate`: on PostgreSQL the page comes as JSON
    # from the database (`peers.sql`), written as `PeerOut` writes it, and goes out as is.
    business = member_business(request, Capability.PEOPLE)
    found = selectors.peers_page_json(
        business, **filters.model_dump(), limit=page.limit, offset=page.offset
    )
    if found is not None:
        return json_page(request, *found, page)
    peers = selectors.peers_for_business(business, **filters.model_dump())
    return LimitOffset().paginate_queryset(peers, page, request)


@router.get(
    "/{peer_id}",
    response={200: PeerOut, **problem_responses(401, 404, 422)},
    summary="Get a peer",
)
def get_peer(request, peer_id: ObjectId):
    return selectors.get_peer(member_business(request, Capability.PEOPLE), peer_id)


@router.post(
    "/{peer_id}/approve",
    response={200: PeerOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Approve an applicant",
    description="The peer is told by e-mail.",
)
def approve(request, peer_id: ObjectId):
    peer = selectors.get_peer(request.business, peer_id)
    return approve_peer(business=request.business, actor=request.auth.user, peer=peer).value


@router.post(
    "/{peer_id}/reject",
    response={200: PeerOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Reject an applicant",
    description="The applicant is told by e-mail, with the reason.",
)
def reject(request, peer_id: ObjectId, payload: PeerRejectBody):
    peer = selectors.get_peer(request.business, peer_id)
    data = apply_patch(RejectInput, NO_REASON, payload)
    return reject_peer(
        business=request.business, actor=request.auth.user, peer=peer, data=data
    ).value
