"""Programs of the token's business: list, create, read, edit, publish, close, delete drafts."""

from datetime import datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from peerarmy.programs.models import ProgramKind, ProgramStatus
from peerarmy.programs.selectors import get_program_for_business, programs_for_business
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
from .params import ObjectId, Text
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
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_required_skills(program):
        return [skill.slug for skill in program.required_skills.all()]


class ProgramIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: ProgramKind
    slug: Text | None = Field(None, description="Made from the English title if left out.")
    title_it: Text
    title_en: Text
    summary_it: Text = ""
    summary_en: Text = ""
    description_it: Text = ""
    description_en: Text = ""
    required_skills: list[Text] = Field([], max_length=50, description="Skill slugs.")
    required_languages: list[Text] = Field(
        [], max_length=20, description="Language codes, e.g. it, en."
    )
    min_reliability: int = Field(0, ge=0, le=100)


class ProgramPatch(Schema):
    """Only the fields sent change; none of them may be null."""

    model_config = ConfigDict(extra="forbid")

    # A default of None that the type refuses: leaving a field out keeps it, null is an error.
    kind: ProgramKind = None
    slug: Text = None
    title_it: Text = None
    title_en: Text = None
    summary_it: Text = None
    summary_en: Text = None
    description_it: Text = None
    description_en: Text = None
    required_skills: list[Text] = Field(None, max_length=50)
    required_languages: list[Text] = Field(None, max_length=20)
    min_reliability: int = Field(None, ge=0, le=100)


class ProgramFilters(Schema):
    status: ProgramStatus | None = None
    kind: ProgramKind | None = None


def _program_or_404(business, program_id):
    program = get_program_for_business(business, program_id)
    if program is None:
        raise Http404
    return program


@router.get(
    "/",
    response={200: list[ProgramOut], **problem_responses(401, 422)},
    summary="List programs",
)
@paginate(LimitOffset)
def list_programs(request, filters: Query[ProgramFilters]):
    business = member_business(request)
    return programs_for_business(business, **filters.model_dump())


@router.post(
    "/",
    response={201: ProgramOut, **problem_responses(400, 401, 403, 422)},
    summary="Create a program",
    description="The new program is a draft until published.",
)
def add_program(request, payload: ProgramIn):
    program = create_program(
        business=request.business,
        actor=request.auth.user,
        data=payload.model_dump(exclude_unset=True),
    )
    return Status(201, program)


@router.get(
    "/{program_id}",
    response={200: ProgramOut, **problem_responses(401, 404, 422)},
    summary="Get a program",
)
def get_program(request, program_id: ObjectId):
    return _program_or_404(member_business(request), program_id)


@router.patch(
    "/{program_id}",
    response={200: ProgramOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a program",
    description="Only the fields sent change. Closed programs "
    "cannot change, and the kind of a published program is fixed.",
)
def patch_program(request, program_id: ObjectId, payload: ProgramPatch):
    program = _program_or_404(request.business, program_id)
    return update_program(
        business=request.business,
        actor=request.auth.user,
        program=program,
        data=payload.model_dump(exclude_unset=True),
    )


@router.delete(
    "/{program_id}",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Delete a draft program",
    description="Only drafts can be deleted; close a published program instead.",
)
def delete_program(request, program_id: ObjectId):
    program = _program_or_404(request.business, program_id)
    services_delete_program(business=request.business, actor=request.auth.user, program=program)
    return Status(204, None)


@router.post(
    "/{program_id}/publish",
    response={200: ProgramOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Publish a draft program",
)
def publish(request, program_id: ObjectId):
    program = _program_or_404(request.business, program_id)
    return publish_program(business=request.business, actor=request.auth.user, program=program)


@router.post(
    "/{program_id}/close",
    response={200: ProgramOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Close a program",
)
def close(request, program_id: ObjectId):
    program = _program_or_404(request.business, program_id)
    return close_program(business=request.business, actor=request.auth.user, program=program)
