"""Imports of the token's business: upload a file (imported in the background), follow it, read
its bad rows as JSON or as the CSV file Italian Excel opens."""

from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from peerarmy.customers.inputs import ImportInput
from peerarmy.customers.selectors import (
    errors_csv_chunks,
    errors_csv_filename,
    get_import_job,
    import_jobs_for_business,
    row_errors,
)
from peerarmy.customers.services import start_import
from peerarmy.tenancy.roles import Capability

from .auth import member_business
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses

router = Router(tags=["imports"])


class ImportJobOut(Schema):
    id: int
    kind: str = Field(description="customers, orders, reviews, nps, referrals or mentions.")
    format: str = Field(description="shopify, woocommerce or generic (as detected).")
    filename: str
    status: str = Field(description="queued, running, succeeded or failed.")
    phase: str = Field(description="queued, reading, saving, done or failed.")
    progress: int = Field(description="0 to 100.")
    rows: int = Field(description="Data rows in the file.")
    records: int = Field(description="What the rows describe: an order of 3 lines is 1.")
    created: int
    updated: int
    unchanged: int
    customers_created: int = Field(description="New customers an orders file brought in.")
    errors: int = Field(
        description="Errors found in the rows (a row may have several); see /errors."
    )
    bad_rows: int = Field(description="Rows left out because of an error.")
    failure: str = Field(description="Why a failed import failed.")
    encoding: str
    delimiter: str
    language: str = Field(description="The language of the error messages.")
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_errors(job):
        return job.error_count


class RowErrorOut(Schema):
    line: int = Field(description="As a spreadsheet numbers it: the header is line 1.")
    column: str = Field(description="The column's name as written in the file.")
    value: str
    message: str = Field(description="Why the row was left out.")


@router.post(
    "/",
    response={202: ImportJobOut, **problem_responses(400, 401, 403, 413, 422)},
    summary="Import a file",
    description=(
        "A multipart upload with `kind`, `file` and optionally `format` (found from the "
        "file's header when left out). The file is checked at once (422 if it cannot be read "
        "or lacks required columns) and imported in the background: follow the job it "
        "returns. docs/imports.md lists the formats."
    ),
)
def upload(request, payload: Form[ImportInput], file: File[UploadedFile]):
    business = member_business(request, Capability.CUSTOMERS)
    outcome = start_import(
        business=business,
        actor=request.auth.user,
        data=payload,
        upload=file,
        language=get_language(),
    )
    return Status(202, outcome.value)


@router.get(
    "/",
    response={200: list[ImportJobOut], **problem_responses(401, 422)},
    summary="List imports",
    description="Newest first.",
)
@paginate(LimitOffset)
def list_imports(request):
    return import_jobs_for_business(member_business(request, Capability.CUSTOMERS))


@router.get(
    "/{job_id}",
    response={200: ImportJobOut, **problem_responses(401, 404, 422)},
    summary="Get an import",
    description="Its status, progress and counts; poll it while it runs.",
)
def get_import(request, job_id: ObjectId):
    return get_import_job(member_business(request, Capability.CUSTOMERS), job_id)


@router.get(
    "/{job_id}/errors",
    response={200: list[RowErrorOut], **problem_responses(401, 404, 422)},
    summary="List the bad rows of an import",
)
@paginate(LimitOffset)
def list_errors(request, job_id: ObjectId):
    return row_errors(get_import_job(member_business(request, Capability.CUSTOMERS), job_id))


@router.get(
    "/{job_id}/errors.csv",
    response={200: None, **problem_responses(401, 404, 422)},
    summary="Download the bad rows as CSV",
    description=(
        "UTF-8 with a BOM, `;`-separated: line;column;value;reason, so that Excel in Italian "
        "opens it as it is."
    ),
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def errors_csv(request, job_id: ObjectId):
    job = get_import_job(member_business(request, Capability.CUSTOMERS), job_id)
    response = StreamingHttpResponse(errors_csv_chunks(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{errors_csv_filename(job)}"'
    return response
