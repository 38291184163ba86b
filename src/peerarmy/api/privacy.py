"""People's rights (GDPR) through the API.

- A peer (their own token, under `/me/`): download everything the business keeps about them
  (a ZIP), see what stands in the way of an erasure, and ask for it.
- Staff with the customers capability (owner and staff, never a community manager), under
  `/privacy/`: the erasure requests, completing or refusing one, and the export for a
  subject-access request; the audit trail (the owner's token only).

The bodies are the same typed inputs the pages validate with (`privacy.inputs`)."""

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from peerarmy.privacy import selectors, services
from peerarmy.privacy.inputs import (
    AuditFilterInput,
    ErasureInput,
    RefusalInput,
    SubjectExportInput,
)
from peerarmy.privacy.models import ErasureStatus, Via
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses

peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth(suspended_too=True))
router = Router(tags=["privacy"])

ZIP_RESPONSE = {
    "responses": {
        200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
    }
}


def _zip(download):
    response = HttpResponse(download.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class ErasureOut(Schema):
    id: int
    status: str = Field(description="pending, completed, refused or withdrawn.")
    received_at: datetime
    due_at: datetime = Field(description="A month after it was received (GDPR art. 12(3)).")
    decided_at: datetime | None
    refusal_reason: str
    via: str = Field(description="web, api, link (a customer's e-mailed link), cli or worker.")
    close_account: bool
    outcome: dict = Field(description="Once completed: {rows, by_app, account_closed}.")


class StaffErasureOut(ErasureOut):
    email: str = Field(description="The address it came from; emptied once it is completed.")
    overdue: bool = Field(description="Still waiting past its due date.")

    @staticmethod
    def resolve_id(obj):
        return obj.pk

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue(timezone.now())


def _erasure(found):
    return {
        "id": found.pk,
        "status": found.status,
        "received_at": found.received_at,
        "due_at": found.due_at,
        "decided_at": found.decided_at,
        "refusal_reason": found.refusal_reason,
        "via": found.via,
        "close_account": found.close_account,
        "outcome": found.outcome,
    }


class MyErasureOut(Schema):
    blockers: list[str] = Field(
        description="What stops an erasure now, in words (money still owed to you, work "
        "still to come); a request waits until they are settled."
    )
    can_close_account: bool = Field(
        description="Whether your account could be closed too (no other business holds you)."
    )
    request: ErasureOut | None = Field(description="Your request waiting, if any.")


# --- the peer's own -----------------------------------------------------------------------------


def _me(request):
    return services.identify(request.business, user=token_peer(request).user)


@peer_router.get(
    "/privacy/export",
    response={200: None, **problem_responses(401, 403)},
    summary="Download all your data",
    description="A ZIP: `data.json` (everything), one CSV per table (UTF-8 with a BOM, `;`) "
    "and a README in your language. The download is written in the business's audit trail.",
    openapi_extra=ZIP_RESPONSE,
)
def my_export(request):
    return _zip(services.export_own(request.business, _me(request), via=Via.API))


@peer_router.get(
    "/privacy/erasure",
    response={200: MyErasureOut, **problem_responses(401, 403)},
    summary="What an erasure of your data would meet",
)
def my_erasure(request):
    found = services.preview(request.business, _me(request))
    return {
        "blockers": found.blockers,
        "can_close_account": found.can_close_account,
        "request": _erasure(found.pending) if found.pending else None,
    }


@peer_router.post(
    "/privacy/erasure",
    response={200: ErasureOut, 201: ErasureOut, **problem_responses(400, 401, 403, 422)},
    summary="Ask for your data to be erased",
    description="`confirm` must be true (it cannot be undone). Staff carry it out within a "
    "month; you are e-mailed now and when it is done. A request already waiting is answered "
    "again with 200. `close_account`: close your account too, if no other business holds you.",
)
def ask_erasure(request, payload: ErasureInput):
    outcome = services.request_erasure(
        request.business,
        _me(request),
        payload,
        via=Via.API,
        language=getattr(request, "LANGUAGE_CODE", ""),
    )
    return Status(200 if outcome.replayed else 201, _erasure(outcome.value))


# --- staff ---------------------------------------------------------------------------------------


class ErasureFilters(Schema):
    status: Literal[tuple(ErasureStatus.values)] | Literal[""] = Field(
        "", description="Only requests in this state; empty: all."
    )


def _business(request):
    return member_business(request, Capability.CUSTOMERS)


@router.get(
    "/erasures",
    response={200: list[StaffErasureOut], **problem_responses(401, 403, 422)},
    summary="List the erasure requests",
    description="The next due first; `status` keeps one kind (pending, completed, refused, "
    "withdrawn).",
)
@paginate(LimitOffset)
def list_erasures(request, filters: Query[ErasureFilters]):
    return selectors.requests_of(_business(request), status=filters.status)


@router.get(
    "/erasures/{erasure_id}",
    response={200: StaffErasureOut, **problem_responses(401, 403, 404, 422)},
    summary="Get an erasure request",
)
def get_erasure(request, erasure_id: ObjectId):
    return selectors.get_erasure(_business(request), erasure_id)


@router.post(
    "/erasures/{erasure_id}/complete",
    response={200: ErasureOut, **problem_responses(401, 403, 404, 409)},
    summary="Carry out an erasure request",
    description="Anonymises the person everywhere in the business (the ledger is never "
    "changed; payment records are kept) and e-mails them. 409 with the reasons while "
    "something blocks it (money owed to them, work still to come), or once answered.",
)
def complete_erasure(request, erasure_id: ObjectId):
    business = _business(request)
    outcome = services.complete_erasure(business, request.auth.user, erasure_id, via=Via.API)
    return _erasure(outcome.value)


@router.post(
    "/erasures/{erasure_id}/refuse",
    response={200: ErasureOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Refuse an erasure request",
    description="The `reason` is e-mailed to the person word for word.",
)
def refuse_erasure(request, erasure_id: ObjectId, payload: RefusalInput):
    business = _business(request)
    outcome = services.refuse_erasure(business, request.auth.user, erasure_id, payload, via=Via.API)
    return _erasure(outcome.value)


@router.post(
    "/exports",
    response={200: None, **problem_responses(400, 401, 403, 422)},
    summary="Export everything kept about an address",
    description="For a subject-access request: the same ZIP the person downloads themselves. "
    "Written in the audit trail.",
    openapi_extra=ZIP_RESPONSE,
)
def export_subject(request, payload: SubjectExportInput):
    business = _business(request)
    return _zip(services.export_for_staff(business, request.auth.user, payload, via=Via.API))


class AccessOut(Schema):
    at: datetime
    who: str = Field(description="The member, in words; or the person themselves.")
    by_the_person: bool
    action: str = Field(description="viewed, exported or erased.")
    what: str = Field(description="peer_detail, peers_csv, data_export, erasure, ...")
    whose: str = Field(description="peer 12, customer 40, person <hash>, or list.")
    via: str

    @staticmethod
    def resolve_who(obj):
        return selectors.actor_words(obj)

    @staticmethod
    def resolve_by_the_person(obj):
        return obj.by_subject

    @staticmethod
    def resolve_whose(obj):
        return obj.subject


@router.get(
    "/access-records",
    response={200: list[AccessOut], **problem_responses(401, 403, 422)},
    summary="The audit trail",
    description="Who saw and exported personal data, and every erasure, the latest first. "
    "The owner's token only.",
)
@paginate(LimitOffset)
def access_records(request, filters: Query[AuditFilterInput]):
    business = _business(request)
    services.check_can_audit(request.auth.user, business)
    return selectors.access_records(business, filters)


def mount(api):
    """/me/privacy/… for a peer; /privacy/… for owner and staff (the customers capability)."""
    from .auth import ApiTokenAuth

    api.add_router("/me/", peer_router)
    api.add_router("/privacy/", router, auth=ApiTokenAuth(needs=Capability.CUSTOMERS))
