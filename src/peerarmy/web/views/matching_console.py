"""Matching in the business console: the requests with their live match or the reason nobody
was found, a request's whole history, every run with what went in and what came out (the
cost's components, the unmatched, the fairness spread), a program's matching settings, and
"Run now". Members only; the settings are the owner's to change, like the rewards settings.

The matching services check who may do what themselves; a refusal comes back as a message."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from peerarmy import errors
from peerarmy.errors import DomainError
from peerarmy.matching import selectors, services
from peerarmy.matching.models import MatchRun
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_is_owner
from peerarmy.web.forms.matching import ReasonForm, RequestFilterForm, SettingsForm

from .base import console_page, safe_next

GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)
PER_PAGE = 25
COMPONENTS = {
    "distance": pgettext_lazy("cost component", "distance"),
    "interest": pgettext_lazy("cost component", "interests not shared"),
    "language": pgettext_lazy("cost component", "language level"),
    "reliability": pgettext_lazy("cost component", "reliability"),
    "rating": pgettext_lazy("cost component", "rating"),
    "fairness": pgettext_lazy("cost component", "fairness"),
}


# --- shared helpers --------------------------------------------------------------------------


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _attempt(request, call, done):
    """Run one service call; its refusal becomes a message (a missing object a 404)."""
    try:
        result = call()
    except DomainError as exc:
        if isinstance(exc, errors.NotFound):
            raise
        for _field, text in exc.field_errors or [(None, exc.message)]:
            messages.error(request, text)
        return None
    messages.success(request, done)
    return result


def _reason(request):
    """The reason typed, as an input; a refused one is said in messages (None)."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        return form.input
    for texts in form.errors.values():
        for text in texts:
            messages.error(request, text)
    return None


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


def _programs(business):
    return list(selectors.matching_programs(business, published_only=False))


def _unmatched_words(result):
    """Why a run proposed nobody for a request; an unmatched result keeps the engine's detail
    in its `reasons`."""
    return selectors.describe_unmatched(
        result.request, reason=result.unmatched_reason, detail=result.reasons
    )


def _component_rows(components):
    """A cost's components as (label, value), in the same order on every page."""
    return [(label, (components or {}).get(name, 0)) for name, label in COMPONENTS.items()]


# --- requests --------------------------------------------------------------------------------


@console_page(needs=Capability.WORK)
def requests(request, business):
    programs = _programs(business)
    form = RequestFilterForm(request.GET or None, programs=programs)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.requests_with_live_match(
        business, program=filters.get("program"), status=filters.get("status")
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    for item in shown:
        item.business = business  # the words read its time zone; spare the queries
        item.live_match = item.live_matches[0] if item.live_matches else None
        item.why_unmatched = (
            selectors.describe_unmatched(item)
            if item.live_match is None and item.is_live and item.unmatched_reason
            else ""
        )
    return render(
        request,
        "web/manage/matching/requests.html",
        {"filter_form": form, "page": page, "requests": shown, "programs": programs},
    )


@console_page(needs=Capability.WORK)
def request_detail(request, business, request_id):
    match_request = selectors.get_request(business, request_id)
    history = list(selectors.request_matches(match_request))[::-1]  # oldest first
    for match in history:
        match.explanation = selectors.describe_match(match)
        match.component_rows = _component_rows(match.components)
    results = list(selectors.request_results(match_request))
    for result in results:
        result.request.business = business
        result.why = "" if result.peer_id else _unmatched_words(result)
    interest_names = selectors.settings_of(match_request.program).interest_names()
    return render(
        request,
        "web/manage/matching/request_detail.html",
        {
            "match_request": match_request,
            "interest_words": [interest_names.get(s, s) for s in match_request.interests],
            "why_unmatched": selectors.describe_unmatched(match_request)
            if match_request.unmatched_reason and match_request.is_live
            else "",
            "history": history,
            "results": results,
            "can_cancel": not match_request.is_closed,
        },
    )


@console_page(POST, needs=Capability.WORK)
def request_cancel(request, business, request_id):
    match_request = selectors.get_request(business, request_id)
    reason = _reason(request)
    if reason is not None:
        _attempt(
            request,
            lambda: services.cancel_request(business, request.user, match_request, reason),
            _("The request is cancelled; we told the consumer and the peer, if there was one."),
        )
    return redirect(
        safe_next(request, _url(business, "manage_match_request", request_id=match_request.pk))
    )


def _match_action(request, business, match_id, call, done):
    match = selectors.get_match(business, match_id)
    _attempt(request, lambda: call(match), done)
    fallback = _url(business, "manage_match_request", request_id=match.request_id)
    return redirect(safe_next(request, fallback))


@console_page(POST, needs=Capability.WORK)
def match_complete(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        lambda match: services.complete_match(business, request.user, match),
        _("The match is marked as completed."),
    )


@console_page(POST, needs=Capability.WORK)
def match_cancel(request, business, match_id):
    match = selectors.get_match(business, match_id)
    reason = _reason(request)
    if reason is not None:
        _attempt(
            request,
            lambda: services.cancel_match(business, request.user, match, reason),
            _("The match is cancelled; the request is matched again without that peer."),
        )
    fallback = _url(business, "manage_match_request", request_id=match.request_id)
    return redirect(safe_next(request, fallback))


# --- runs ------------------------------------------------------------------------------------


@console_page(needs=Capability.WORK)
def runs(request, business):
    programs = _programs(business)
    form = RequestFilterForm(request.GET or None, programs=programs)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.runs_for_business(business, program=filters.get("program"))
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/manage/matching/runs.html",
        {"filter_form": form, "page": page, "runs": list(page.object_list), "programs": programs},
    )


@console_page(needs=Capability.WORK)
def run_detail(request, business, run_id):
    run = selectors.get_run(business, run_id)
    results = list(selectors.run_results(run))
    matched, unmatched = [], []
    for result in results:
        result.request.business = business  # the words read its time zone; spare the queries
        if result.peer_id:
            result.explanation = selectors.describe_reasons(result.reasons, run.program)
            result.component_rows = _component_rows(result.components)
            matched.append(result)
        else:
            result.why = _unmatched_words(result)
            unmatched.append(result)
    loads = sorted(run.loads, key=lambda row: (-row.get("after", 0), str(row.get("name", ""))))
    return render(
        request,
        "web/manage/matching/run_detail.html",
        {
            "run": run,
            "matched": matched,
            "unmatched": unmatched,
            "loads": loads,
            "weights": [(label, run.weights.get(name)) for name, label in COMPONENTS.items()],
            "components": COMPONENTS.values(),
        },
    )


@console_page(POST, needs=Capability.WORK)
def run_now(request, business, program_id):
    program = selectors.get_matching_program(business, program_id)
    outcome = _attempt(
        request,
        lambda: services.run_matching(program, trigger=MatchRun.Trigger.STAFF, actor=request.user),
        _("The run is done."),
    )
    if outcome is None:
        return redirect(safe_next(request, _url(business, "manage_matching")))
    return redirect("web:manage_match_run", business_slug=business.slug, run_id=outcome.value.pk)


# --- settings --------------------------------------------------------------------------------


@console_page(GET_POST, needs=Capability.SETUP)
def settings(request, business, program_id):
    program = selectors.get_matching_program(business, program_id)
    current = selectors.settings_of(program)  # a read makes nothing
    is_owner = _is_owner(request)
    form = SettingsForm(
        request.POST or None,
        settings=current,
        layover=program.kind == ProgramKind.LAYOVER,
        business=business,
    )
    if request.method == "POST":
        try:
            check_is_owner(request.user, business)
        except errors.PermissionDenied as exc:
            messages.error(request, exc.message)
            return redirect("web:manage_matching_settings", business.slug, program.pk)
        if form.is_valid():
            try:
                services.update_settings(business, request.user, program, form.input)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The matching settings are saved."))
                return redirect("web:manage_matching_settings", business.slug, program.pk)
    return render(
        request,
        "web/manage/matching/settings.html",
        {
            "program": program,
            "form": form,
            "current": current,
            "is_owner": is_owner,
            "interest_names": current.interest_names(),
            "weights": [
                (label, getattr(current, f"weight_{name}")) for name, label in COMPONENTS.items()
            ],
            "perk_lines": list(
                zip(
                    current.perk_names(),
                    [p.get("amount_minor") or 0 for p in current.perks],
                    strict=False,
                )
            ),
        },
    )
