"""Matching in the business console: the requests with their live match or the reason nobody
was found, a request's whole history, every run with what went in and what came out (the
cost's components, the unmatched, the fairness spread), a program's matching settings, and
"Run now". Members only; the settings are the owner's to change, like the rewards settings.

The matching services check who may do what themselves; a refusal comes back as a message."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_slug
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from peerarmy import errors
from peerarmy.errors import DomainError
from peerarmy.matching import selectors, services
from peerarmy.matching.models import (
    LIVE_MATCH,
    Match,
    MatchRequest,
    MatchRun,
    MatchStatus,
    RequestStatus,
    RunResult,
)
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.services import check_is_owner
from peerarmy.web.forms.base import DomainErrorsMixin, parse_money
from peerarmy.web.forms.rewards import money_input

from .base import console_page, safe_next
from .matching_peer import add_validation_error, validation_messages

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
CLOSED_REQUEST = (RequestStatus.COMPLETED, RequestStatus.CANCELLED, RequestStatus.EXPIRED)
CANCELLED_BY = {
    "peer": pgettext_lazy("cancelled by", "the peer"),
    "consumer": pgettext_lazy("cancelled by", "the consumer"),
    "staff": pgettext_lazy("cancelled by", "staff"),
}


# --- forms -----------------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    program = forms.TypedChoiceField(
        label=gettext_lazy("Program"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any status")), *RequestStatus.choices],
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", pgettext_lazy("filter", "Any program"))] + [
            (p.pk, p.title) for p in programs
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


def _lines(text):
    """The non-empty lines of a text box, numbered from 1 as a person counts them."""
    for number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            yield number, [part.strip() for part in line.split("|")]


def _coordinate(text, limit):
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() and -limit <= value <= limit else None


class SettingsForm(DomainErrorsMixin, forms.Form):
    """A program's MatchingSettings. The lists are typed one item a line, parts split by "|"."""

    NUMBERS = (
        "meeting_minutes",
        "min_free_minutes",
        "max_group_size",
        "max_distance_km",
        "answer_within_hours",
        "per_day",
    )
    WEIGHTS = (
        "weight_distance",
        "weight_interest",
        "weight_language",
        "weight_reliability",
        "weight_rating",
        "weight_fairness",
    )

    interests = forms.CharField(
        label=gettext_lazy("Interests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One per line: code | Italian name | English name, for example "
            "“cycling | Bicicletta | Cycling”. Consumers and peers tick them."
        ),
    )
    airports = forms.CharField(
        label=gettext_lazy("Airports"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Layover programs. One per line: CODE | name, optionally | latitude | longitude, "
            "for example “BLQ | Bologna Marconi | 44.5354 | 11.2887”."
        ),
    )
    perks = forms.CharField(
        label=gettext_lazy("Perks paid by the business"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: Italian name | English name | amount in euros, for example "
            "“Biglietto del treno | Train ticket | 5,50”. Paid to the peer when the match "
            "is completed."
        ),
    )
    meeting_minutes = forms.IntegerField(
        label=gettext_lazy("Meeting length (minutes)"),
        min_value=15,
        max_value=24 * 60,
        help_text=gettext_lazy("How long a peer must be free inside the consumer's window."),
    )
    min_free_minutes = forms.IntegerField(
        label=gettext_lazy("Minimum free time of a layover (minutes)"),
        min_value=60,
        max_value=48 * 60,
        help_text=gettext_lazy(
            "A layover shorter than this between arrival and departure is refused."
        ),
    )
    max_group_size = forms.IntegerField(
        label=gettext_lazy("Largest group"), min_value=1, max_value=50
    )
    max_distance_km = forms.IntegerField(
        label=gettext_lazy("Only peers within (km)"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=gettext_lazy("On top of each peer's own travel radius. Empty: no limit."),
    )
    answer_within_hours = forms.IntegerField(
        label=gettext_lazy("Hours a peer has to answer"),
        min_value=1,
        max_value=168,
        help_text=gettext_lazy("After that the proposal goes to someone else."),
    )
    per_day = forms.IntegerField(
        label=gettext_lazy("Matches a peer can have on one day"), min_value=1, max_value=10
    )
    weight_distance = forms.IntegerField(
        label=gettext_lazy("Distance, per km"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("Higher: the nearest peer counts for more."),
    )
    weight_interest = forms.IntegerField(
        label=gettext_lazy("Interests not shared"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy(
            "Higher: a peer who shares the consumer's interests counts for more."
        ),
    )
    weight_language = forms.IntegerField(
        label=gettext_lazy("Language level"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy(
            "Higher: a native or fluent speaker counts for more than a basic one."
        ),
    )
    weight_reliability = forms.IntegerField(
        label=gettext_lazy("Reliability"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy(
            "Higher: peers who keep their commitments count for more. A peer without a "
            "track record counts as 70 out of 100."
        ),
    )
    weight_rating = forms.IntegerField(
        label=gettext_lazy("Rating"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy(
            "Higher: peers consumers rated well count for more. Unrated counts as 4 out of 5."
        ),
    )
    weight_fairness = forms.IntegerField(
        label=gettext_lazy("Fairness"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy(
            "Higher: matches are spread more evenly, so a peer who already has many this "
            "week gives way to one who has few. 0: the cheapest pairs only."
        ),
    )

    LAYOVER_ONLY = ("airports", "min_free_minutes")

    def __init__(self, *args, layover=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not layover:
            for name in self.LAYOVER_ONLY:
                del self.fields[name]

    @classmethod
    def initial_for(cls, settings):
        initial = {name: getattr(settings, name) for name in cls.NUMBERS + cls.WEIGHTS}
        initial["interests"] = "\n".join(
            f"{i['slug']} | {i.get('name_it', '')} | {i.get('name_en', '')}"
            for i in settings.interests
        )
        initial["airports"] = "\n".join(
            " | ".join(
                [a["code"], a.get("name", "")]
                + ([str(a["lat"]), str(a["lon"])] if a.get("lat") is not None else [])
            )
            for a in settings.airports
        )
        initial["perks"] = "\n".join(
            f"{p.get('name_it', '')} | {p.get('name_en', '')} | "
            f"{money_input(p.get('amount_minor') or 0)}"
            for p in settings.perks
        )
        return initial

    def _line_error(self, field, number, text):
        self.add_error(field, _("Line %(line)d: %(error)s") % {"line": number, "error": text})

    def clean_interests(self):
        interests, seen = [], set()
        for number, parts in _lines(self.cleaned_data["interests"]):
            if len(parts) not in (2, 3) or not parts[0] or not any(parts[1:]):
                self._line_error(
                    "interests", number, _("write “code | Italian name | English name”.")
                )
                continue
            slug = parts[0].lower()
            try:
                validate_slug(slug)
            except ValidationError:
                self._line_error(
                    "interests",
                    number,
                    _("the code “%(code)s” may have only letters, digits, - and _.")
                    % {"code": parts[0]},
                )
                continue
            if slug in seen:
                self._line_error(
                    "interests", number, _("the code “%(code)s” is there twice.") % {"code": slug}
                )
                continue
            seen.add(slug)
            interests.append(
                {"slug": slug, "name_it": parts[1], "name_en": parts[2] if len(parts) > 2 else ""}
            )
        return interests

    def clean_airports(self):
        airports, seen = [], set()
        for number, parts in _lines(self.cleaned_data["airports"]):
            code = parts[0].upper()
            if len(parts) not in (2, 4) or not re.fullmatch(r"[A-Z]{3,4}", code):
                self._line_error(
                    "airports",
                    number,
                    _("write “CODE | name”, the code in 3 or 4 letters, such as BLQ."),
                )
                continue
            if code in seen:
                self._line_error(
                    "airports", number, _("the code “%(code)s” is there twice.") % {"code": code}
                )
                continue
            seen.add(code)
            airport = {"code": code, "name": parts[1] or code}
            if len(parts) == 4:
                lat, lon = _coordinate(parts[2], 90), _coordinate(parts[3], 180)
                if lat is None or lon is None:
                    self._line_error(
                        "airports",
                        number,
                        _("the latitude and longitude are numbers such as 44.5354 and 11.2887."),
                    )
                    continue
                airport.update(lat=float(lat), lon=float(lon))
            airports.append(airport)
        return airports

    def clean_perks(self):
        perks = []
        for number, parts in _lines(self.cleaned_data["perks"]):
            if len(parts) != 3 or not (parts[0] or parts[1]):
                self._line_error(
                    "perks", number, _("write “Italian name | English name | amount in euros”.")
                )
                continue
            amount = parse_money(parts[2]) if parts[2] else None
            if amount is None:
                self._line_error(
                    "perks", number, _("enter the amount such as 5,50 or 5.50 (euros).")
                )
                continue
            perks.append({"name_it": parts[0], "name_en": parts[1], "amount_minor": amount})
        return perks

    def service_data(self):
        return {name: self.cleaned_data[name] for name in self.fields}


# --- shared helpers --------------------------------------------------------------------------


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _attempt(request, call, done):
    """Run one service call; its refusal becomes a message (a missing object a 404)."""
    try:
        result = call()
    except ValidationError as exc:
        for texts in validation_messages(exc).values():
            for text in texts:
                messages.error(request, text)
        return None
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return None
    messages.success(request, done)
    return result


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


def _programs(business):
    return list(services.matching_programs(business, published_only=False).order_by("pk"))


def _program_or_404(business, program_id):
    program = services.matching_programs(business, published_only=False).filter(pk=program_id)
    program = program.first()
    if program is None:
        raise Http404
    return program


def _request_or_404(business, request_id):
    match_request = (
        MatchRequest.objects.filter(business=business, pk=request_id)
        .select_related("program")
        .first()
    )
    if match_request is None:
        raise Http404
    return match_request


def _match_or_404(business, match_id):
    match = (
        Match.objects.filter(business=business, pk=match_id)
        .select_related("request", "peer", "program")
        .first()
    )
    if match is None:
        raise Http404
    return match


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


@console_page()
def requests(request, business):
    programs = _programs(business)
    form = RequestFilterForm(request.GET or None, programs=programs)
    filters = form.cleaned_data if form.is_valid() else {}
    found = MatchRequest.objects.filter(business=business).select_related("program")
    if filters.get("program"):
        found = found.filter(program_id=filters["program"])
    if filters.get("status"):
        found = found.filter(status=filters["status"])
    found = found.prefetch_related(
        Prefetch(
            "matches",
            # The live match, or the one that was completed.
            queryset=Match.objects.filter(
                business=business, status__in=(*LIVE_MATCH, MatchStatus.COMPLETED)
            ).select_related("peer"),
            to_attr="live_matches",
        )
    ).order_by("-starts_at", "-pk")
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


@console_page()
def request_detail(request, business, request_id):
    match_request = _request_or_404(business, request_id)
    history = list(
        Match.objects.filter(business=business, request=match_request)
        .select_related("peer", "program__matching")
        .order_by("created_at", "pk")
    )
    for match in history:
        match.explanation = selectors.describe_match(match)
        match.component_rows = _component_rows(match.components)
        match.cancelled_by_words = CANCELLED_BY.get(match.cancelled_by, match.cancelled_by)
    results = list(
        RunResult.objects.filter(business=business, request=match_request)
        .select_related("run", "peer", "request")
        .order_by("-run__created_at", "-pk")
    )
    for result in results:
        result.request.business = business
        result.why = "" if result.peer_id else _unmatched_words(result)
    settings = services.settings_for(match_request.program)
    interest_names = settings.interest_names()
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
            "can_cancel": match_request.status not in CLOSED_REQUEST,
        },
    )


@console_page(POST)
def request_cancel(request, business, request_id):
    match_request = _request_or_404(business, request_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _attempt(
        request,
        lambda: services.cancel_request(
            match_request, by="staff", actor=request.user, reason=reason
        ),
        _("The request is cancelled; we told the consumer and the peer, if there was one."),
    )
    return redirect(
        safe_next(request, _url(business, "manage_match_request", request_id=match_request.pk))
    )


def _match_action(request, business, match_id, call, done):
    match = _match_or_404(business, match_id)
    _attempt(request, lambda: call(match), done)
    fallback = _url(business, "manage_match_request", request_id=match.request_id)
    return redirect(safe_next(request, fallback))


@console_page(POST)
def match_complete(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        lambda match: services.complete_match(business, request.user, match),
        _("The match is marked as completed."),
    )


@console_page(POST)
def match_cancel(request, business, match_id):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _match_action(
        request,
        business,
        match_id,
        lambda match: services.cancel_match(match, by="staff", actor=request.user, reason=reason),
        _("The match is cancelled; the request is matched again without that peer."),
    )


# --- runs ------------------------------------------------------------------------------------


@console_page()
def runs(request, business):
    programs = _programs(business)
    form = RequestFilterForm(request.GET or None, programs=programs)
    filters = form.cleaned_data if form.is_valid() else {}
    found = MatchRun.objects.filter(business=business).select_related("program", "started_by")
    if filters.get("program"):
        found = found.filter(program_id=filters["program"])
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/manage/matching/runs.html",
        {"filter_form": form, "page": page, "runs": list(page.object_list), "programs": programs},
    )


@console_page()
def run_detail(request, business, run_id):
    run = (
        MatchRun.objects.filter(business=business, pk=run_id)
        .select_related("program", "started_by")
        .first()
    )
    if run is None:
        raise Http404
    results = list(
        RunResult.objects.filter(business=business, run=run).select_related("request", "peer")
    )
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


@console_page(POST)
def run_now(request, business, program_id):
    program = _program_or_404(business, program_id)
    run = _attempt(
        request,
        lambda: services.run_matching(program, trigger="staff", actor=request.user),
        _("The run is done."),
    )
    if run is None:
        return redirect(safe_next(request, _url(business, "manage_matching")))
    return redirect("web:manage_match_run", business_slug=business.slug, run_id=run.pk)


# --- settings --------------------------------------------------------------------------------


@console_page(GET_POST)
def settings(request, business, program_id):
    program = _program_or_404(business, program_id)
    current = services.settings_for(program)
    is_owner = _is_owner(request)
    form = SettingsForm(
        request.POST or None,
        initial=SettingsForm.initial_for(current),
        layover=program.kind == ProgramKind.LAYOVER,
    )
    if request.method == "POST":
        try:
            check_is_owner(request.user, business)
        except errors.PermissionDenied as exc:
            messages.error(request, exc.message)
            return redirect("web:manage_matching_settings", business.slug, program.pk)
        if form.is_valid():
            try:
                services.update_settings(business, request.user, program, **form.service_data())
            except ValidationError as exc:
                add_validation_error(form, exc)
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
