"""Alliances through the API: the alliance of the token's business (members, invitations, how
many peers agreed), its changes by an owner's token (found, rename, invite, withdraw, accept,
decline, leave), the alliance's public page as JSON (no token), and a peer's side under /me/
(what they share with the partners, the partners' programs, applying with one click).

Every body is the change's typed input (`peerarmy.alliances.inputs`). An owner-only change with
a staff member's token answers 403; an alliance, an invitation or a partner the business has
no part in is not found (404) or named as the field at fault (422)."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from peerarmy.alliances import selectors, services
from peerarmy.alliances.inputs import (
    AllianceApplyInput,
    AllianceInput,
    AllianceRefInput,
    AllianceTextsInput,
    ConsentInput,
    PartnerInput,
)

from .auth import PeerTokenAuth, member_business, token_peer
from .problems import problem_responses

router = Router(tags=["alliances"])
public_router = Router(tags=["alliances (public)"], auth=None)
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


def _url(name, **kwargs):
    return settings.SITE_URL + reverse(f"web:{name}", kwargs=kwargs)


# --- what goes out ------------------------------------------------------------------------------


class AllianceOut(Schema):
    slug: str = Field(description="Public: the alliance's page /a/<slug>/.")
    name: str
    description_it: str
    description_en: str
    created_at: datetime


class AllianceMemberOut(Schema):
    business: str = Field(description="The member's address (slug).")
    name: str
    city: str
    status: str = Field(description="invited, active, declined, withdrawn or left.")
    invited_at: datetime
    joined_at: datetime | None
    left_at: datetime | None


class AllianceInvitationOut(Schema):
    alliance: str = Field(description="The alliance's address (slug).")
    alliance_name: str
    business: str = Field(description="The invited business's address.")
    business_name: str
    invited_by: str | None = Field(description="The address of the member that invited.")
    status: str
    invited_at: datetime
    answered_at: datetime | None


class AllianceOfBusinessOut(Schema):
    alliance: AllianceOut | None = Field(description="None while the business is in none.")
    live: bool = Field(
        description="At least two active members: the public page is open and peers who "
        "agreed are offered the partners' programs."
    )
    members: list[AllianceMemberOut] = Field(description="The active members.")
    invitations_sent: list[AllianceInvitationOut] = Field(
        description="The alliance's invitations waiting for an answer."
    )
    invitations_received: list[AllianceInvitationOut] = Field(
        description="Invitations waiting for this business's answer."
    )
    consenting_partner_peers: int = Field(
        description="How many active peers of the partners agreed to be shown this business's "
        "programs (who they are is known only when they apply)."
    )
    consenting_own_peers: int = Field(
        description="How many of this business's active peers agreed to be shown the "
        "partners' programs."
    )


def _member(member):
    return {
        "business": member.business.slug,
        "name": member.business.name,
        "city": member.business.city,
        "status": member.status,
        "invited_at": member.invited_at,
        "joined_at": member.joined_at,
        "left_at": member.left_at,
    }


def _invitation(invitation):
    return {
        "alliance": invitation.alliance.slug,
        "alliance_name": invitation.alliance.name,
        "business": invitation.business.slug,
        "business_name": invitation.business.name,
        "invited_by": invitation.invited_by.slug if invitation.invited_by else None,
        "status": invitation.status,
        "invited_at": invitation.invited_at,
        "answered_at": invitation.answered_at,
    }


# --- the business's alliance ---------------------------------------------------------------------


@router.get(
    "/",
    response={200: AllianceOfBusinessOut, **problem_responses(401, 403)},
    summary="The alliance of the business",
    description="Its members, the invitations sent and received, and how many peers agreed "
    "to be shown the partners' programs (numbers, never who).",
)
def get_alliance(request):
    business = member_business(request)
    view = selectors.console_view(business)
    return {
        "alliance": view.alliance,
        "live": view.live,
        "members": [_member(m) for m in view.members],
        "invitations_sent": [_invitation(i) for i in view.invitations_sent],
        "invitations_received": [_invitation(i) for i in view.invitations_received],
        "consenting_partner_peers": view.consenting_partners,
        "consenting_own_peers": view.consenting_own,
    }


@router.post(
    "/",
    response={201: AllianceOut, **problem_responses(401, 403, 409, 422)},
    summary="Found an alliance (owner)",
    description="The business becomes its first member; the alliance stays hidden until a "
    "partner accepts an invitation. A business already in an alliance answers 409 "
    "`already_in_alliance`; an address taken, 422 on `slug`.",
)
def create_alliance(request, payload: AllianceInput):
    business = member_business(request)
    return Status(201, services.create_alliance(business, request.auth.user, payload).value)


@router.put(
    "/",
    response={200: AllianceOut, **problem_responses(401, 403, 409, 422)},
    summary="Rename or describe the alliance (owner)",
)
def update_alliance(request, payload: AllianceTextsInput):
    business = member_business(request)
    return services.update_alliance(business, request.auth.user, payload).value


@router.post(
    "/invitations",
    response={201: AllianceInvitationOut, **problem_responses(401, 403, 409, 422)},
    summary="Invite a business (owner)",
    description="By its address; its owners are told by e-mail. An unknown address, the "
    "business itself, a business already invited or in an alliance answer 422 on `business`.",
)
def invite_business(request, payload: PartnerInput):
    business = member_business(request)
    invitation = services.invite_business(business, request.auth.user, payload).value
    return Status(201, _invitation(invitation))


@router.post(
    "/invitations/withdraw",
    response={200: AllianceInvitationOut, **problem_responses(401, 403, 409, 422)},
    summary="Withdraw an invitation (owner)",
)
def withdraw_invitation(request, payload: PartnerInput):
    business = member_business(request)
    return _invitation(services.withdraw_invitation(business, request.auth.user, payload).value)


@router.post(
    "/accept",
    response={200: AllianceInvitationOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Accept an invitation (owner)",
    description="The business becomes an active member; the other members are told. No "
    "invitation waiting at that address answers 404; a business already in another alliance, "
    "409 `already_in_alliance`.",
)
def accept_invitation(request, payload: AllianceRefInput):
    business = member_business(request)
    return _invitation(services.accept_invitation(business, request.auth.user, payload).value)


@router.post(
    "/decline",
    response={200: AllianceInvitationOut, **problem_responses(401, 403, 404, 422)},
    summary="Decline an invitation (owner)",
)
def decline_invitation(request, payload: AllianceRefInput):
    business = member_business(request)
    return _invitation(services.decline_invitation(business, request.auth.user, payload).value)


@router.post(
    "/leave",
    response={200: AllianceMemberOut, **problem_responses(401, 403, 409)},
    summary="Leave the alliance (owner)",
    description="Applications already made stay with the business that received them.",
)
def leave_alliance(request):
    business = member_business(request)
    return _member(services.leave_alliance(business, request.auth.user).value)


# --- the public page ----------------------------------------------------------------------------


class PublicProgramOut(Schema):
    slug: str
    kind: str
    title_it: str
    title_en: str
    summary_it: str
    summary_en: str
    url: str


class PublicCampaignOut(Schema):
    code: str
    title: str
    for_name: str = Field(description="Whom the campaign is for, as its page says.")
    goal_minor: int
    total_minor: int = Field(description="Received so far, with the business's share.")
    currency: str
    deadline: datetime
    url: str


class PublicAssetOut(Schema):
    code: str
    name: str
    kind: str
    cover_url: str = Field(description="Empty without a photo.")
    url: str


class PublicRentalsOut(Schema):
    program: str = Field(description="The sharing program's address.")
    title: str
    url: str
    assets: list[PublicAssetOut]


class PublicMemberOut(Schema):
    business: str
    name: str
    city: str
    tagline_it: str
    tagline_en: str
    url: str
    joined_at: datetime
    programs: list[PublicProgramOut]
    campaigns: list[PublicCampaignOut]
    rentals: list[PublicRentalsOut]


class PublicAllianceOut(Schema):
    slug: str
    name: str
    description_it: str
    description_en: str
    url: str
    members: list[PublicMemberOut]


def _public_member(member):
    business = member.business
    slug = business.slug
    return {
        "business": slug,
        "name": business.name,
        "city": business.city,
        "tagline_it": business.tagline_it,
        "tagline_en": business.tagline_en,
        "url": _url("landing", business_slug=slug),
        "joined_at": member.joined_at,
        "programs": [
            {
                "slug": p.slug,
                "kind": p.kind,
                "title_it": p.title_it,
                "title_en": p.title_en,
                "summary_it": p.summary_it,
                "summary_en": p.summary_en,
                "url": _url("program_detail", business_slug=slug, program_slug=p.slug),
            }
            for p in member.programs
        ],
        "campaigns": [
            {
                "code": c.code,
                "title": c.title,
                "for_name": c.beneficiary_name,
                "goal_minor": c.goal_minor,
                "total_minor": progress.total,
                "currency": c.currency,
                "deadline": c.deadline,
                "url": _url("chipin_campaign", business_slug=slug, code=c.code),
            }
            for c, progress in member.campaigns
        ],
        "rentals": [
            {
                "program": program.slug,
                "title": program.title,
                "url": _url("sharing_program", business_slug=slug, program_slug=program.slug),
                "assets": [
                    {
                        "code": a.code,
                        "name": a.name,
                        "kind": a.kind,
                        "cover_url": a.cover,
                        "url": _url(
                            "sharing_asset",
                            business_slug=slug,
                            program_slug=program.slug,
                            code=a.code,
                        ),
                    }
                    for a in assets
                ],
            }
            for program, assets in member.rentals
        ],
    }


@public_router.get(
    "/{slug}",
    response={200: PublicAllianceOut, **problem_responses(404)},
    summary="An alliance's public page",
    description="No token: what its page /a/<slug>/ shows. Every active member with its "
    "published programs, open chip-in campaigns and rentals. An alliance with fewer than "
    "two active members is not found.",
)
def public_alliance(request, slug: str):
    found = selectors.public_alliance(slug)
    alliance = found.alliance
    return {
        "slug": alliance.slug,
        "name": alliance.name,
        "description_it": alliance.description_it,
        "description_en": alliance.description_en,
        "url": _url("alliance_public", alliance_slug=alliance.slug),
        "members": [_public_member(m) for m in found.members],
    }


# --- the peer -----------------------------------------------------------------------------------


class AllianceConsentOut(Schema):
    share_profile: bool
    share_reliability: bool
    updated_at: datetime | None = Field(description="None until the peer first chooses.")


class AllianceOfferProgramOut(Schema):
    id: int
    slug: str
    kind: str
    title: str = Field(description="In the language of `Accept-Language`.")
    summary: str


class AllianceOfferOut(Schema):
    business: str = Field(description="The partner's address: send it to apply.")
    name: str
    city: str
    my_status: str | None = Field(
        description="The peer's status there if they already have one (applicant, active…)."
    )
    programs: list[AllianceOfferProgramOut]


class MyAllianceOut(Schema):
    alliance: str | None = Field(description="The alliance's address, if the business has one.")
    partners: list[str] = Field(description="The partners' addresses.")
    consent: AllianceConsentOut
    offers: list[AllianceOfferOut] = Field(
        description="The partners' programs: empty unless the peer agreed (share_profile)."
    )


class AllianceApplicationOut(Schema):
    business: str = Field(description="The partner applied to.")
    peer_id: int = Field(description="The new application's id there.")
    status: str
    reliability_shared: bool


def _consent(consent):
    return {
        "share_profile": consent.share_profile,
        "share_reliability": consent.share_reliability,
        "updated_at": consent.updated_at,
    }


@peer_router.get(
    "/alliance",
    response={200: MyAllianceOut, **problem_responses(401, 403)},
    summary="My business's partners, and what I share with them",
)
def my_alliance(request):
    peer = token_peer(request)
    alliance = selectors.alliance_of(peer.business)
    partners = selectors.partners(peer.business)
    return {
        "alliance": alliance.slug if alliance and partners else None,
        "partners": [p.slug for p in partners],
        "consent": _consent(selectors.consent_of(peer)),
        "offers": [
            {
                "business": offer.business.slug,
                "name": offer.business.name,
                "city": offer.business.city,
                "my_status": offer.status,
                "programs": [
                    {
                        "id": p.pk,
                        "slug": p.slug,
                        "kind": p.kind,
                        "title": p.title,
                        "summary": p.summary,
                    }
                    for p in offer.programs
                ],
            }
            for offer in selectors.offers_for(peer)
        ],
    }


@peer_router.put(
    "/alliance/consent",
    response={200: AllianceConsentOut, **problem_responses(401, 403, 422)},
    summary="Choose what I share with the partners",
    description="Both off by default. `share_reliability` needs `share_profile`. Turning one "
    "off takes back what it brought to applications already made.",
)
def set_consent(request, payload: ConsentInput):
    peer = token_peer(request)
    consent = services.set_consent(peer.business, request.auth.user, peer, payload).value
    return _consent(consent)


@peer_router.post(
    "/alliance/apply",
    response={201: AllianceApplicationOut, **problem_responses(401, 403, 409, 422)},
    summary="Apply to a partner with one click",
    description="An ordinary application there, from my profile, with what I agreed to "
    "bring. Without consent 403 `no_consent`; already a peer there 409 `already_applied`; "
    "not a partner, or a program not open there, 422.",
)
def apply(request, payload: AllianceApplyInput):
    peer = token_peer(request)
    application = services.apply_through_alliance(
        peer.business, request.auth.user, peer, payload
    ).value
    return Status(
        201,
        {
            "business": application.business.slug,
            "peer_id": application.peer_id,
            "status": application.peer.status,
            "reliability_shared": application.reliability is not None,
        },
    )


def mount(api):
    """The routers on the API: the business's alliance for members whose role sees the shop's
    settings (changes are the owner's), the public page without a token, the peer's side."""
    from peerarmy.tenancy.roles import Capability

    from .auth import ApiTokenAuth

    api.add_router("/alliance/", router, auth=ApiTokenAuth(needs=Capability.SHOP))
    api.add_router("/alliances/", public_router, auth=None)
    api.add_router("/me/", peer_router)
