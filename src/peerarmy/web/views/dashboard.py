"""The owner's dashboard on the console's home: a period and a program, the key figures, a
chart and a table per section, each section as CSV, and the whole as the report (PDF or CSV).
Money (rewards, budgets, cost per task, chip-in, sharing, resale) only for roles with rewards."""

from django.http import Http404, HttpResponse
from django.utils import timezone

from peerarmy.analytics import report
from peerarmy.analytics import sections as words
from peerarmy.analytics.figures import local_day
from peerarmy.analytics.selectors import dashboard
from peerarmy.programs.selectors import programs_for_business
from peerarmy.superfans.selectors import superfan_count
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.analytics import DashboardFilterForm

from .base import console_page

FORMATS = {"pdf", "csv"}


def _filters(request, business):
    programs = list(programs_for_business(business))
    today = local_day(timezone.now(), business.tzinfo)
    form = DashboardFilterForm(request.GET or None, programs=programs, today=today)
    period = form.chosen_period()
    program_id = form.chosen_program_id()
    program = next((p for p in programs if p.pk == program_id), None)
    return form, period, program


def _money(request):
    return request.membership.can(Capability.REWARDS)


def _referrers(business, period):
    return report.referrers(business, period)


def figures_context(request, business) -> dict:
    """What the console's home shows below today's to-dos."""
    form, period, program = _filters(request, business)
    money = _money(request)
    board = dashboard(business, period, program)
    parts = words.sections(
        board,
        superfans=superfan_count(business),
        referrers=_referrers(business, period),
        money=money,
    )
    return {
        "filter_form": form,
        "board": board,
        "key_figures": words.key_figures(board, money=money),
        "sections": parts,
        "query": request.GET.urlencode(),
    }


@console_page()
def section_csv(request, business, section):
    form, period, program = _filters(request, business)
    board = dashboard(business, period, program)
    money = _money(request)
    parts = words.sections(
        board,
        superfans=superfan_count(business),
        referrers=_referrers(business, period),
        money=money,
    )
    found = next((part for part in parts if part.key == section), None)
    if found is None:
        raise Http404
    return _file(
        report.section_csv(found),
        "text/csv; charset=utf-8",
        f"{business.slug}-{section}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv",
    )


@console_page()
def report_file(request, business, file_format):
    if file_format not in FORMATS:
        raise Http404
    _form, period, program = _filters(request, business)
    money = _money(request)
    referrers = _referrers(business, period)
    name = f"peerarmy-{business.slug}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    if program is not None:
        name += f"-{program.slug}"
    if file_format == "pdf":
        content = report.pdf(business, period, program, referrers=referrers, money=money)
        return _file(content, "application/pdf", f"{name}.pdf")
    content = report.csv(business, period, program, referrers=referrers, money=money)
    return _file(content, "text/csv; charset=utf-8", f"{name}.csv")


def _file(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
