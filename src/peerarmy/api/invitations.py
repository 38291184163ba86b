"""Invitations of the token's business: list, invite customers, read, revoke."""

from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from peerarmy.superfans import invitations, selectors
from peerarmy.superfans.inputs import InviteInput
from peerarmy.superfans.models import InvitationStatus
from peerarmy.tenancy.roles import Capability

from .auth import member_business
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses

router = Router(tags=["invitations"])


class InvitationOut(Schema):
    id: int
    customer_id: int
    email: str = Field(description="The customer's e-mail address, where the link was sent.")
    name: str = Field(description="The customer's name.")
    program_id: int | None = Field(description="The program offered, if any.")
    status: str = Field(description="sent, accepted, expired or revoked.")
    language: str = Field(description="The language of the e-mail (the customer's).")
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    peer_id: int | None = Field(description="The peer who accepted it.")

    @staticmethod
    def resolve_status(invitation):
        # An open invitation past its date reads expired before the worker writes it down.
        return invitation.current_status

    @staticmethod
    def resolve_email(invitation):
        return invitation.customer.email

    @staticmethod
    def resolve_name(invitation):
        return invitation.customer.full_name


class SkippedOut(Schema):
    customer_id: int
    reason: str = Field(description="Why this customer was not invited, in words.")


class InviteOut(Schema):
    invited: list[InvitationOut]
    skipped: list[SkippedOut]


class InvitationFilters(Schema):
    status: InvitationStatus | None = None


@router.get(
    "/",
    response={200: list[InvitationOut], **problem_responses(401, 422)},
    summary="List invitations",
    description="Newest first. Invitations past their date are reported as expired.",
)
@paginate(LimitOffset)
def list_invitations(request, filters: Query[InvitationFilters]):
    business = member_business(request, Capability.PEOPLE)
    return selectors.invitations_for_business(business, status=filters.status)


@router.post(
    "/",
    response={200: InviteOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Invite customers",
    description=(
        "Each customer gets an e-mail in their language with a personal, signed link that "
        "works once. Customers without marketing consent, already in the army, or with an "
        "open invitation are skipped, with the reason. A customer or program id of another "
        "business answers 404."
    ),
)
def invite(request, payload: InviteInput):
    outcome = invitations.invite_customers(
        business=request.business, actor=request.auth.user, data=payload
    )
    result = outcome.value
    return {
        "invited": result.invited,
        "skipped": [
            {"customer_id": customer.pk, "reason": reason} for customer, reason in result.skipped
        ],
    }


@router.get(
    "/{invitation_id}",
    response={200: InvitationOut, **problem_responses(401, 404, 422)},
    summary="Get an invitation",
)
def get_invitation(request, invitation_id: ObjectId):
    business = member_business(request, Capability.PEOPLE)
    return selectors.get_invitation(business, invitation_id)


@router.post(
    "/{invitation_id}/revoke",
    response={200: InvitationOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Revoke an invitation",
    description="The link stops working at once. Only open (sent) invitations can be revoked.",
)
def revoke(request, invitation_id: ObjectId):
    invitation = selectors.get_invitation(request.business, invitation_id)
    outcome = invitations.revoke_invitation(
        business=request.business, actor=request.auth.user, invitation=invitation
    )
    return outcome.value
