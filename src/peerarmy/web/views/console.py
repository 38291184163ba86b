"""The business console: programs, applications and peers, API tokens. Members only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from peerarmy.accounts import selectors as token_selectors
from peerarmy.accounts import services as token_services
from peerarmy.customers import selectors as customer_selectors
from peerarmy.errors import DomainError
from peerarmy.matching import selectors as matching_selectors
from peerarmy.matching.selectors import missing_for_any_work
from peerarmy.notifications import selectors as notification_selectors
from peerarmy.peers import export as peer_export
from peerarmy.peers import services as peer_services
from peerarmy.peers.selectors import (
    applicants,
    get_peer,
    peer_counts,
    peers_for_business,
    search_peers,
    skills_of_business,
)
from peerarmy.privacy import services as privacy
from peerarmy.programs import services as program_services
from peerarmy.programs.selectors import get_program, program_counts, programs_for_business
from peerarmy.rewards import selectors as rewards_selectors
from peerarmy.scheduling import selectors as scheduling_selectors
from peerarmy.superfans import selectors as superfan_selectors
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.accounts import TokenForm
from peerarmy.web.forms.peers import PeerFilterForm, RejectForm
from peerarmy.web.forms.programs import ProgramFilterForm, ProgramForm

from . import dashboard as dashboard_figures
from .base import console_page, is_htmx, safe_next

PEERS_PER_PAGE = 25
DASHBOARD_APPLICANTS = 5
GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)


@console_page()
def dashboard(request, business):
    counts = peer_counts(business)
    programs_by_status = program_counts(business)
    unfilled, soon = scheduling_selectors.unfilled_soon(business)
    membership = request.membership
    steps = [
        step
        for step in _first_steps(business, counts, programs_by_status)
        if membership.can(step["needs"])
    ]
    money = membership.can(Capability.REWARDS)
    return render(
        request,
        "web/manage/dashboard.html",
        {
            "peer_counts": counts,
            "program_counts": programs_by_status,
            "applicants": applicants(business, limit=DASHBOARD_APPLICANTS),
            # today: what needs someone now
            "unfilled": unfilled,
            "unfilled_soon": soon,
            "waiting_requests": matching_selectors.waiting_requests_count(business),
            "held_rewards": rewards_selectors.held_count(business) if money else 0,
            "batches_to_approve": rewards_selectors.batches_to_approve(business) if money else [],
            "failed_emails": notification_selectors.failed_count(business),
            # the first-run guide, until every step is done
            "steps": steps,
            "steps_done": sum(1 for step in steps if step["done"]),
            # the army's figures for a period and a program
            **dashboard_figures.figures_context(request, business),
        },
    )


def _first_steps(business, counts, programs_by_status):
    """A new business's way from nothing to its first reward: each step with whether it is
    done, the page where it is done and what a member's role needs to do it."""

    def url(name):
        return reverse(f"web:{name}", kwargs={"business_slug": business.slug})

    return [
        {
            "title": _("Describe your shop: a tagline, a few words about it, its colour"),
            "done": bool(business.tagline_it or business.tagline_en or business.about_it),
            "url": url("manage_shop"),
            "needs": Capability.SHOP,
        },
        {
            "title": _("Give the bank account payouts are paid from"),
            "done": rewards_selectors.has_bank_account(business),
            "url": url("rewards_settings"),
            "needs": Capability.REWARDS,
        },
        {
            "title": _("Import your customers (a Shopify export or a spreadsheet)"),
            "done": customer_selectors.has_customers(business),
            "url": url("manage_imports"),
            "needs": Capability.CUSTOMERS,
        },
        {
            "title": _("See who your superfans are"),
            "done": superfan_selectors.has_scores(business),
            "url": url("manage_superfans"),
            "needs": Capability.PEOPLE,
        },
        {
            "title": _("Invite your superfans to join"),
            "done": superfan_selectors.has_invitations(business),
            "url": url("manage_superfans"),
            "needs": Capability.PEOPLE,
        },
        {
            "title": _("Publish a first program"),
            "done": bool(programs_by_status.get("published")),
            "url": url("manage_programs"),
            "needs": Capability.SETUP,
        },
        {
            "title": _("Approve a first peer"),
            "done": bool(counts.get("active")),
            "url": url("manage_peers") + "?status=applicant",
            "needs": Capability.PEOPLE,
        },
        {
            "title": _("Open a first block, or receive a first request"),
            "done": scheduling_selectors.has_blocks(business)
            or matching_selectors.has_requests(business),
            "url": url("manage_blocks"),
            "needs": Capability.WORK,
        },
        {
            "title": _("Reward a peer for the first time"),
            "done": rewards_selectors.has_rewards(business),
            "url": url("rewards_rules"),
            "needs": Capability.REWARDS,
        },
    ]


SEARCH_LIMIT = 10


@console_page(needs=Capability.PEOPLE)
def search(request, business):
    """The console header's search: peers, customers and visitors' requests whose name or
    e-mail holds the text, ten of each, each linked to its page."""
    text = (request.GET.get("q") or "").strip()[:100]
    found = {}
    if len(text) >= 2:
        found = {
            "peers": search_peers(business, text, limit=SEARCH_LIMIT),
            "customers": customer_selectors.search_customers(business, text, limit=SEARCH_LIMIT),
            "requests": matching_selectors.search_requests(business, text, limit=SEARCH_LIMIT),
        }
    return render(
        request,
        "web/manage/search.html",
        {"q": text, "found": found, "too_short": 0 < len(text) < 2, "limit": SEARCH_LIMIT},
    )


# --- programs ---------------------------------------------------------------------------


@console_page(needs=Capability.SETUP)
def programs(request, business):
    form = ProgramFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return render(
        request,
        "web/manage/programs.html",
        {
            "filter_form": form,
            "programs": programs_for_business(
                business, status=filters.get("status") or None, kind=filters.get("kind") or None
            ),
        },
    )


@console_page(GET_POST, needs=Capability.SETUP)
def program_create(request, business):
    skills = skills_of_business(business)
    form = ProgramForm(request.POST or None, skills=skills, business=business)
    if request.method == "POST" and form.is_valid():
        try:
            program = program_services.create_program(
                business=business, actor=request.user, data=form.input
            ).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The program is saved as a draft."))
            return redirect(
                "web:manage_program", business_slug=business.slug, program_id=program.pk
            )
    return render(request, "web/manage/program_form.html", {"form": form, "program": None})


@console_page(GET_POST, needs=Capability.SETUP)
def program_edit(request, business, program_id):
    program = get_program(business, program_id)
    skills = skills_of_business(business)
    form = ProgramForm(request.POST or None, skills=skills, program=program, business=business)
    if request.method == "POST" and form.is_valid():
        try:
            program_services.update_program(
                business=business,
                actor=request.user,
                program=program,
                data=form.input,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The program is saved."))
            return redirect(
                "web:manage_program", business_slug=business.slug, program_id=program.pk
            )
    return render(request, "web/manage/program_form.html", {"form": form, "program": program})


def _program_action(request, business, program_id, service, done_message):
    program = get_program(business, program_id)
    try:
        service(business=business, actor=request.user, program=program)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done_message)
    return redirect(
        safe_next(
            request,
            reverse(
                "web:manage_program",
                kwargs={"business_slug": business.slug, "program_id": program.pk},
            ),
        )
    )


@console_page(POST, needs=Capability.SETUP)
def program_publish(request, business, program_id):
    return _program_action(
        request,
        business,
        program_id,
        program_services.publish_program,
        _("The program is published: peers can see it now."),
    )


@console_page(POST, needs=Capability.SETUP)
def program_close(request, business, program_id):
    return _program_action(
        request, business, program_id, program_services.close_program, _("The program is closed.")
    )


# --- applications and peers -------------------------------------------------------------


@console_page(needs=Capability.PEOPLE)
def peers(request, business):
    form = PeerFilterForm(request.GET, skills=skills_of_business(business))
    page = Paginator(peers_for_business(business, **form.filters()), PEERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/manage/peers.html",
        {
            "filter_form": form,
            "page": page,
            "peers": page.object_list,
            "next_url": request.get_full_path(),
        },
    )


@console_page(needs=Capability.CUSTOMERS)
def peers_export(request, business):
    """The list as filtered, as a CSV file for Excel."""
    form = PeerFilterForm(request.GET, skills=skills_of_business(business))
    body = peer_export.peers_csv(business, **form.filters())
    privacy.list_exported(business, request.user, "peers_csv")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{peer_export.filename(business)}"'
    response["Cache-Control"] = "no-store"
    return response


@console_page(needs=Capability.PEOPLE)
def peer_detail(request, business, peer_id):
    from .reviews import review_context
    from .trust import console_trust_context

    peer = get_peer(business, peer_id)
    privacy.peer_viewed(business, request.user, peer.pk)
    return render(
        request,
        "web/manage/peer_detail.html",
        {
            "peer": peer,
            "reject_form": RejectForm(),
            "missing": missing_for_any_work(peer),
            **review_context(request, business, peer),
            **console_trust_context(request, business, peer),
        },
    )


def _decision_response(request, business, peer, *, reject_form=None, note=None):
    """After approve or reject: htmx gets the row or panel it swaps; a plain POST a redirect,
    or the whole page again when the reason needs fixing."""
    if is_htmx(request):
        if request.POST.get("part") == "row":
            # The row itself says what happened; the flash message would only turn up later.
            list(messages.get_messages(request))
            next_url = safe_next(
                request, reverse("web:manage_peers", kwargs={"business_slug": business.slug})
            )
            return render(
                request,
                "web/manage/_peer_row.html",
                {"peer": peer, "note": note, "next_url": next_url},
            )
        return render(
            request,
            "web/manage/_peer_decision.html",
            {"peer": peer, "reject_form": reject_form or RejectForm(), "oob_messages": True},
        )
    if reject_form is not None and reject_form.errors:
        return render(
            request, "web/manage/peer_detail.html", {"peer": peer, "reject_form": reject_form}
        )
    return redirect(
        safe_next(
            request,
            reverse("web:manage_peer", kwargs={"business_slug": business.slug, "peer_id": peer.pk}),
        )
    )


@console_page(POST, needs=Capability.PEOPLE)
def peer_approve(request, business, peer_id):
    peer = get_peer(business, peer_id)
    try:
        peer = peer_services.approve_peer(business=business, actor=request.user, peer=peer).value
    except DomainError as exc:
        note = exc.message
        messages.error(request, note)
    else:
        note = _("%(name)s is now in the army.") % {"name": peer.display_name}
        messages.success(request, note)
    return _decision_response(request, business, peer, note=note)


@console_page(POST, needs=Capability.PEOPLE)
def peer_reject(request, business, peer_id):
    peer = get_peer(business, peer_id)
    form = RejectForm(request.POST, business=business)
    note = None
    if form.is_valid():
        try:
            peer = peer_services.reject_peer(
                business=business, actor=request.user, peer=peer, data=form.input
            ).value
        except DomainError as exc:
            note = exc.message
            messages.error(request, note)
        else:
            note = _("The application of %(name)s is rejected; we told them why.") % {
                "name": peer.display_name
            }
            messages.success(request, note)
            form = RejectForm()
    return _decision_response(request, business, peer, reject_form=form, note=note)


# --- API tokens -------------------------------------------------------------------------


@console_page()
def tokens(request, business):
    return render(
        request,
        "web/manage/tokens.html",
        {"tokens": token_selectors.tokens_for_business(business)},
    )


@console_page(GET_POST)
def token_create(request, business):
    form = TokenForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = token_services.create_token(
                business=business, actor=request.user, data=form.input
            ).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            # The raw token exists only in this response: no redirect, no session, no cache.
            response = render(
                request, "web/manage/token_created.html", {"token": token, "raw_token": raw}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "web/manage/token_form.html", {"form": form})


@console_page(POST)
def token_revoke(request, business, token_id):
    token = token_selectors.get_token(business, token_id)
    try:
        token_services.revoke_token(business=business, actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("web:manage_tokens", business_slug=business.slug)
