"""Programs of the token's business: list, create, read, edit, publish, close, delete drafts."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from peerarmy.inputs import apply_patch, patch_model
from peerarmy.programs import selectors
from peerarmy.programs.inputs import ProgramInput
from peerarmy.programs.models import ProgramKind, ProgramStatus
from peerarmy.programs.services import (
    close_program,
    create_program,
    publish_program,
    update_program,
)
from peerarmy.programs.services import (
    delete_program as services_delete_program,
)

from .auth import member_business
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses

router = Router(tags=["programs"])


class ProgramOut(Schema):
    id: int
    kind: str
    slug: str
    status: str
    title_it: str
    title_en: str
    summary_it: str
    summary_en: str
    description_it: str
    description_en: str
    required_skills: list[str] = Field(description="Slugs of the skills a peer needs.")
    required_languages: list[str] = Field(description="A peer needs one of these languages.")
    min_reliability: int
    required_verifications: list[str] = Field(
        description="What the business must have verified of a peer: phone, identity."
    )
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_required_skills(program):
        return program.required_skill_slugs


ProgramPatch = patch_model(ProgramInput, "ProgramPatch")


class ProgramFilters(Schema):
    status: ProgramStatus | None = None
    kind: ProgramKind | None = None


@router.get(
    "/",
    response={200: list[ProgramOut], **problem_responses(401, 422)},
    summary="List programs",
)
@paginate(LimitOffset)
def list_programs(request, filters: Query[ProgramFilters]):
    business = member_business(request)
    return selectors.programs_for_business(business, **filters.model_dump())


@router.post(
    "/",
    response={201: ProgramOut, **problem_responses(400, 401, 403, 422)},
    summary="Create a program",
    description="The new program is a draft until published.",
)
def add_program(request, payload: ProgramInput):
    outcome = create_program(business=request.business, actor=request.auth.user, data=payload)
    return Status(201, outcome.value)


@router.get(
    "/{program_id}",
    response={200: ProgramOut, **problem_responses(401, 404, 422)},
    summary="Get a program",
)
def get_program(request, program_id: ObjectId):
    return selectors.get_program(member_business(request), program_id)


@router.patch(
    "/{program_id}",
    response={200: ProgramOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a program",
    description="Only the fields sent change. Closed programs "
    "cannot change, and the kind of a published program is fixed.",
)
def patch_program(request, program_id: ObjectId, payload: ProgramPatch):
    program = selectors.get_program(request.business, program_id)
    data = apply_patch(
        ProgramInput, ProgramInput.of(program).model_dump(), payload, program=program
    )
    outcome = update_program(
        business=request.business, actor=request.auth.user, program=program, data=data
    )
    return outcome.value


@router.delete(
    "/{program_id}",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Delete a draft program",
    description="Only drafts can be deleted; close a published program instead.",
)
def delete_program(request, program_id: ObjectId):
    program = selectors.get_program(request.business, program_id)
    services_delete_program(business=request.business, actor=request.auth.user, program=program)
    return Status(204, None)


@router.post(
    "/{program_id}/publish",
    response={200: ProgramOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Publish a draft program",
)
def publish(request, program_id: ObjectId):
    program = selectors.get_program(request.business, program_id)
    return publish_program(
        business=request.business, actor=request.auth.user, program=program
    ).value


@router.post(
    "/{program_id}/close",
    response={200: ProgramOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Close a program",
)
def close(request, program_id: ObjectId):
    program = selectors.get_program(request.business, program_id)
    return close_program(business=request.business, actor=request.auth.user, program=program).value
