"""The console's imports: upload a file, follow its import, read and download its errors."""

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from peerarmy.customers.models import ImportStatus
from peerarmy.customers.selectors import (
    errors_csv_chunks,
    errors_csv_filename,
    get_import_job,
    import_jobs_for_business,
    row_errors,
)
from peerarmy.customers.services import start_import
from peerarmy.errors import DomainError
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.customers import ImportForm

from .base import console_page

GET, GET_POST = ("GET", "HEAD"), ("GET", "HEAD", "POST")
JOBS_PER_PAGE = 20
ERRORS_PER_PAGE = 50
RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING)


@console_page(GET_POST, needs=Capability.CUSTOMERS)
def imports(request, business):
    form = ImportForm(request.POST or None, request.FILES or None, business=business)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_import(
                business=business,
                actor=request.user,
                data=form.input,
                upload=form.cleaned_data["file"],
                language=get_language(),
            ).value
        except DomainError as exc:
            if exc.field not in form.fields:
                exc.field = "file"
            form.add_domain_error(exc)
        else:
            return redirect("web:manage_import", business_slug=business.slug, job_id=job.pk)
    page = Paginator(import_jobs_for_business(business), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    status = 422 if form.errors else 200
    return render(
        request,
        "web/manage/imports/list.html",
        {"form": form, "page": page, "jobs": page.object_list},
        status=status,
    )


@console_page(needs=Capability.CUSTOMERS)
def import_detail(request, business, job_id):
    job = get_import_job(business, job_id)
    page = Paginator(row_errors(job), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/manage/imports/detail.html",
        {"job": job, "page": page, "errors": page.object_list, "running": job.status in RUNNING},
    )


@console_page(needs=Capability.CUSTOMERS)
def import_progress(request, business, job_id):
    """The status panel, polled by htmx every second while the import runs; once it is over
    the page reloads to show the errors."""
    job = get_import_job(business, job_id)
    running = job.status in RUNNING
    response = render(request, "web/manage/imports/_status.html", {"job": job, "running": running})
    if not running and request.GET.get("was") == "running":
        response["HX-Refresh"] = "true"
    return response


@console_page(needs=Capability.CUSTOMERS)
def import_errors_csv(request, business, job_id):
    job = get_import_job(business, job_id)
    response = StreamingHttpResponse(errors_csv_chunks(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{errors_csv_filename(job)}"'
    return response
