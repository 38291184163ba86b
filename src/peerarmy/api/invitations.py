"""Invitations of the token's business: list, invite customers, read, revoke."""

from datetime import datetime
from typing import Annotated

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict

from peerarmy.customers.models import Customer
from peerarmy.errors import ValidationFailed
from peerarmy.programs.selectors import get_program_for_business
from peerarmy.superfans import invitations
from peerarmy.superfans.models import Invitation, InvitationStatus

from .auth import member_business
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, first_or_404
from .problems import problem_responses

router = Router(tags=["invitations"])

MAX_CUSTOMERS_PER_REQUEST = 200


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
    def resolve_email(invitation):
        return invitation.customer.email

    @staticmethod
    def resolve_name(invitation):
        return invitation.customer.full_name


class InviteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1,
        max_length=MAX_CUSTOMERS_PER_REQUEST,
        description="Customers to invite. Only those who accept e-mail marketing are invited.",
    )
    program_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A published program to offer them (optional)."
    )
    expires_in_days: int = Field(
        invitations.DEFAULT_EXPIRES_IN_DAYS,
        ge=1,
        le=invitations.MAX_EXPIRES_IN_DAYS,
        description="How long the link stays valid.",
    )


class SkippedOut(Schema):
    customer_id: int
    reason: str = Field(description="Why this customer was not invited, in words.")


class InviteOut(Schema):
    invited: list[InvitationOut]
    skipped: list[SkippedOut]


class InvitationFilters(Schema):
    status: InvitationStatus | None = None


def _invitations(business):
    return Invitation.objects.filter(business=business).select_related("customer")


def _invitation_or_404(business, invitation_id):
    return first_or_404(_invitations(business).filter(pk=invitation_id))


@router.get(
    "/",
    response={200: list[InvitationOut], **problem_responses(401, 422)},
    summary="List invitations",
    description="Newest first. Invitations past their date are reported as expired.",
)
@paginate(LimitOffset)
def list_invitations(request, filters: Query[InvitationFilters]):
    business = member_business(request)
    invitations.mark_expired(business=business)
    qs = _invitations(business)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-sent_at", "-pk")


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
def invite(request, payload: InviteIn):
    business = request.business
    ids = list(dict.fromkeys(payload.customer_ids))
    customers = {c.pk: c for c in Customer.objects.filter(business=business, pk__in=ids)}
    if len(customers) != len(ids):
        raise Http404
    program = None
    if payload.program_id is not None:
        program = get_program_for_business(business, payload.program_id)
        if program is None:
            raise Http404
    try:
        result = invitations.invite_customers(
            business=business,
            actor=request.auth.user,
            customers=[customers[customer_id] for customer_id in ids],
            program=program,
            expires_in_days=payload.expires_in_days,
        )
    except ValidationFailed as exc:
        if exc.field == "program":
            exc.field = "program_id"
        raise
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
    business = member_business(request)
    invitations.mark_expired(business=business)
    return _invitation_or_404(business, invitation_id)


@router.post(
    "/{invitation_id}/revoke",
    response={200: InvitationOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Revoke an invitation",
    description="The link stops working at once. Only open (sent) invitations can be revoked.",
)
def revoke(request, invitation_id: ObjectId):
    invitation = _invitation_or_404(request.business, invitation_id)
    invitations.revoke_invitation(
        business=request.business, actor=request.auth.user, invitation=invitation
    )
    return _invitation_or_404(request.business, invitation.pk)
