"""Support through the API: for the staff (a token whose role includes support), the queue of
tickets by SLA time left, a ticket with its whole thread (internal notes included), opening,
replying or noting, assigning, resolving, settling a payment discrepancy in the books, and
the FAQ search; for a peer's own token, their tickets, opening one and replying. Files are
attached on the web pages; the API lists them by name."""

import json
from datetime import datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from peerarmy.inputs import parse
from peerarmy.support import selectors, services
from peerarmy.support.inputs import (
    AssignInput,
    CategoryCode,
    ReplyInput,
    SettlementInput,
    StaffTicketInput,
    StatusInput,
    TicketInput,
)
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, Text
from .problems import problem_responses

router = Router(tags=["support"])
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


def _business(request, needs=Capability.SUPPORT):
    return member_business(request, needs)


def _body(request, model):
    """The JSON body as `model`, read after the ticket is found: another business's ticket
    answers 404 whatever was sent, and a bad body names its fields (422)."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise HttpError(400, "Cannot parse request body") from exc
    return parse(model, data)


def _documented(model):
    """The body an operation reads with `_body`, for the OpenAPI document."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


# --- what goes out ------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    from_staff: bool = Field(description="Written by the business; else by the requester.")
    internal: bool = Field(description="A note only the staff see (never sent to peers).")
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketOut(Schema):
    id: int
    category: str = Field(description="question, payment, no_show, safety, complaint or other.")
    status: str = Field(description="new, open, waiting (on the requester), resolved or closed.")
    subject: str
    requester_kind: str = Field(description="peer, consumer (a visitor) or staff.")
    peer_id: int | None
    requester_name: str
    assignee_id: int | None
    block_id: int | None
    match_id: int | None
    reward_id: int | None
    payout_id: int | None
    correction_id: int | None = Field(description="The ledger correction that settled it.")
    created_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    due_at: datetime | None = Field(description="The deadline still running; null once done.")


class StaffTicketOut(TicketOut):
    requester_email: str


class StaffTicketDetailOut(StaffTicketOut):
    minutes_left: float | None = Field(
        description="Business minutes (the shop's opening hours, without its closures) until "
        "`due_at`; negative once breached."
    )

    @staticmethod
    def resolve_minutes_left(ticket):
        return services.time_left(ticket, timezone.now())

    messages: list[MessageOut] = Field(description="The thread, internal notes included.")

    @staticmethod
    def resolve_messages(ticket):
        return _messages(ticket, staff=True)


class PeerTicketDetailOut(TicketOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(ticket):
        return _messages(ticket, staff=False)


def _messages(ticket, *, staff):
    return [
        {
            "id": post.pk,
            "from_staff": post.from_staff,
            "internal": post.internal,
            "body": post.body,
            "created_at": post.created_at,
            "attachments": files,
        }
        for post, files in selectors.thread(ticket, staff=staff)
    ]


class FaqEntryOut(Schema):
    id: int
    question: str
    answer: str


class TicketFilters(Schema):
    status: Literal["new", "open", "waiting", "resolved", "closed", "all"] | None = Field(
        None, description="Left out: every ticket not resolved or closed."
    )
    category: CategoryCode | None = None
    assignee: int | None = Field(None, ge=1, le=MAX_ID, description="A member's user id.")


class FaqQuery(Schema):
    q: Text = Field(..., max_length=300, description="What the requester typed.")
    language: Literal["it", "en"] = "it"


# --- the staff ----------------------------------------------------------------------------------


@router.get(
    "/tickets",
    response={200: list[StaffTicketOut], **problem_responses(401, 403, 422)},
    summary="List tickets",
    description="The queue: the least SLA time left first, then the newest.",
)
@paginate(LimitOffset)
def list_tickets(request, filters: Query[TicketFilters]):
    return selectors.queue(
        _business(request),
        status=filters.status or "",
        category=filters.category or "",
        assignee=str(filters.assignee or ""),
    )


@router.post(
    "/tickets",
    response={201: StaffTicketDetailOut, **problem_responses(400, 401, 403, 422)},
    summary="Open a ticket",
    description="For a peer (`peer_id`), for someone who wrote or phoned (`name`, `email`: "
    "they get the ticket's link by e-mail), or for the team itself.",
)
def create_ticket(request, payload: StaffTicketInput):
    business = _business(request)
    outcome = services.open_staff_ticket(business, request.auth.user, payload)
    return Status(201, selectors.get_ticket(business, outcome.value.pk))


@router.get(
    "/tickets/{ticket_id}",
    response={200: StaffTicketDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a ticket",
)
def get_ticket(request, ticket_id: ObjectId):
    return selectors.get_ticket(_business(request), ticket_id)


@router.post(
    "/tickets/{ticket_id}/replies",
    response={201: MessageOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Reply or add an internal note",
    description="A public reply is e-mailed to the requester in their language and moves the "
    "ticket to `status` (by default waiting on the requester); `internal: true` is a note "
    "nobody outside the team sees. A closed ticket answers 409 `ticket_closed`.",
    openapi_extra=_documented(ReplyInput),
)
def reply(request, ticket_id: ObjectId):
    business = _business(request)
    ticket = selectors.get_ticket(business, ticket_id)
    payload = _body(request, ReplyInput)
    message = services.reply_as_staff(ticket, request.auth.user, payload).value
    return Status(201, _messages_one(ticket, message.pk, staff=True))


def _messages_one(ticket, message_id, *, staff):
    return next(m for m in _messages(ticket, staff=staff) if m["id"] == message_id)


@router.post(
    "/tickets/{ticket_id}/assign",
    response={200: StaffTicketOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Assign a ticket",
    description="To a member of the team (`assignee_id`, a user id), or to nobody (null).",
    openapi_extra=_documented(AssignInput),
)
def assign(request, ticket_id: ObjectId):
    business = _business(request)
    ticket = selectors.get_ticket(business, ticket_id)
    payload = _body(request, AssignInput)
    services.assign_ticket(ticket, request.auth.user, payload)
    return selectors.get_ticket(business, ticket_id)


@router.post(
    "/tickets/{ticket_id}/status",
    response={200: StaffTicketOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a ticket's status",
    openapi_extra=_documented(StatusInput),
)
def change_status(request, ticket_id: ObjectId):
    business = _business(request)
    ticket = selectors.get_ticket(business, ticket_id)
    payload = _body(request, StatusInput)
    services.set_ticket_status(ticket, request.auth.user, payload)
    return selectors.get_ticket(business, ticket_id)


@router.post(
    "/tickets/{ticket_id}/resolve",
    response={200: StaffTicketOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Resolve a ticket",
    description="The requester is told; they can still answer, which opens it again.",
)
def resolve(request, ticket_id: ObjectId):
    business = _business(request)
    ticket = selectors.get_ticket(business, ticket_id)
    services.set_ticket_status(ticket, request.auth.user, StatusInput(status="resolved"))
    return selectors.get_ticket(business, ticket_id)


@router.post(
    "/tickets/{ticket_id}/settle",
    response={200: StaffTicketOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Settle a payment discrepancy in the books",
    description="A ledger correction whose note names the ticket: the linked reward reversed "
    "(`reverse: true`) or the peer's balance adjusted by `amount_minor` cents. Needs the "
    "rewards capability (and the rewards app lets only the owner post corrections). The "
    "ticket is resolved; settling it again answers the same.",
    openapi_extra=_documented(SettlementInput),
)
def settle(request, ticket_id: ObjectId):
    business = _business(request, Capability.REWARDS)
    ticket = selectors.get_ticket(business, ticket_id)
    payload = _body(request, SettlementInput)
    services.settle_discrepancy(ticket, request.auth.user, payload)
    return selectors.get_ticket(business, ticket_id)


@router.get(
    "/faq",
    response={200: list[FaqEntryOut], **problem_responses(401, 403, 422)},
    summary="Search the FAQ",
    description="Full-text, each word as a prefix, in `language`; the best answers first.",
)
def search_faq(request, query: Query[FaqQuery]):
    business = _business(request)
    return [
        {"id": e.pk, "question": e.question(query.language), "answer": e.answer(query.language)}
        for e in selectors.search_faq(business, query.language, query.q)
    ]


# --- the peer -----------------------------------------------------------------------------------


@peer_router.get(
    "/support/tickets",
    response={200: list[TicketOut], **problem_responses(401, 403, 422)},
    summary="Your tickets",
    description="Newest first.",
)
@paginate(LimitOffset)
def my_tickets(request):
    return selectors.peer_tickets(token_peer(request))


@peer_router.post(
    "/support/tickets",
    response={201: PeerTicketDetailOut, **problem_responses(400, 401, 403, 422)},
    summary="Ask for help",
    description="A ticket about something of yours or not: `block_id`, `match_id`, "
    "`reward_id` and `payout_id` must be yours.",
)
def open_my_ticket(request, payload: TicketInput):
    peer = token_peer(request)
    ticket = services.open_peer_ticket(peer, payload).value
    return Status(201, selectors.get_peer_ticket(peer, ticket.pk))


@peer_router.get(
    "/support/tickets/{ticket_id}",
    response={200: PeerTicketDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="One of your tickets",
    description="With the thread (the team's internal notes are not part of it).",
)
def my_ticket(request, ticket_id: ObjectId):
    return selectors.get_peer_ticket(token_peer(request), ticket_id)


@peer_router.post(
    "/support/tickets/{ticket_id}/replies",
    response={201: MessageOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Write again on your ticket",
    description="A closed ticket answers 409 `ticket_closed`.",
    openapi_extra=_documented(ReplyInput),
)
def reply_mine(request, ticket_id: ObjectId):
    peer = token_peer(request)
    ticket = selectors.get_peer_ticket(peer, ticket_id)
    payload = _body(request, ReplyInput)
    message = services.reply_as_requester(ticket, payload).value
    return Status(201, _messages_one(ticket, message.pk, staff=False))
