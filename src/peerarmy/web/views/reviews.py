"""Reviews, suspensions and appeals on the web: the console's review queue and the actions on
a peer's page (trust capability), and the peer's own page with the audit trail and the one
appeal. Every change goes through `peers.services`, with the same typed inputs as the API."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.matching.selectors import missing_for_any_work
from peerarmy.peers import selectors, services
from peerarmy.peers.selectors import get_peer, peer_for_user
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.peers import (
    AppealDecisionForm,
    AppealForm,
    ClearReviewForm,
    IdentityCheckForm,
    LiftForm,
    PhoneCodeForm,
    PhoneNumberForm,
    RejectForm,
    ReviewSettingsForm,
    SuspendForm,
)

from .base import console_page, peer_page

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)

REVIEW_FORMS = {
    "suspend_form": SuspendForm,
    "clear_form": ClearReviewForm,
    "lift_form": LiftForm,
    "decision_form": AppealDecisionForm,
    "identity_form": IdentityCheckForm,
}


def review_context(request, business, peer, **bound):
    """What the peer's console page shows of their reviews: every case with its trail, and,
    for members who handle reviews, the forms of the changes possible now."""
    context = {
        "cases": selectors.cases_of_peer(business, peer),
        "badges": selectors.badges_of(business, peer),
    }
    context["open_case"] = next((c for c in context["cases"] if c.is_open), None)
    context["can_review"] = request.membership.can(Capability.TRUST)
    for name, form_class in REVIEW_FORMS.items():
        context[name] = bound.get(name) or form_class()
    return context


def _peer_page(request, business, peer, **bound):
    context = {
        "peer": peer,
        "reject_form": RejectForm(),
        "missing": missing_for_any_work(peer),
        **review_context(request, business, peer, **bound),
    }
    return render(request, "web/manage/peer_detail.html", context)


def _act(request, business, peer_id, form_name, service, done):
    peer = get_peer(business, peer_id)
    form = REVIEW_FORMS[form_name](request.POST, business=business)
    if form.is_valid():
        try:
            service(business, request.user, peer, form.input)
        except DomainError as exc:
            if exc.field_errors:
                form.add_domain_error(exc)
            else:
                messages.error(request, exc.message)
                return redirect("web:manage_peer", business_slug=business.slug, peer_id=peer.pk)
        else:
            messages.success(request, done % {"name": peer.display_name})
            return redirect("web:manage_peer", business_slug=business.slug, peer_id=peer.pk)
    return _peer_page(request, business, peer, **{form_name: form})


@console_page(POST, needs=Capability.TRUST)
def suspend(request, business, peer_id):
    return _act(
        request, business, peer_id, "suspend_form", services.suspend_peer,
        _("%(name)s is suspended; we told them why and how to appeal."),
    )  # fmt: skip


@console_page(POST, needs=Capability.TRUST)
def clear(request, business, peer_id):
    return _act(
        request, business, peer_id, "clear_form", services.clear_review,
        _("The review of %(name)s is cleared."),
    )  # fmt: skip


@console_page(POST, needs=Capability.TRUST)
def lift(request, business, peer_id):
    return _act(
        request, business, peer_id, "lift_form", services.lift_suspension,
        _("The suspension of %(name)s is lifted; we told them."),
    )  # fmt: skip


@console_page(POST, needs=Capability.TRUST)
def decide(request, business, peer_id):
    return _act(
        request, business, peer_id, "decision_form", services.decide_appeal,
        _("The appeal of %(name)s is decided; we told them."),
    )  # fmt: skip


@console_page(POST, needs=Capability.TRUST)
def identity(request, business, peer_id):
    return _act(
        request, business, peer_id, "identity_form", services.record_identity_check,
        _("The identity of %(name)s is recorded as checked."),
    )  # fmt: skip


@console_page(GET_POST, needs=Capability.TRUST)
def queue(request, business):
    """Peers under review or suspended, oldest first, and when no-shows lead to a review."""
    found = selectors.review_settings(business)
    if request.method == "POST":
        form = ReviewSettingsForm(request.POST, business=business)
        if form.is_valid():
            try:
                services.update_review_settings(business, request.user, form.input)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The review settings are saved."))
                return redirect("web:manage_reviews", business_slug=business.slug)
    else:
        form = ReviewSettingsForm(
            initial={
                "no_show_limit": found.no_show_limit,
                "no_show_window_days": found.no_show_window_days,
            }
        )
    return render(
        request,
        "web/manage/reviews.html",
        {"cases": selectors.open_cases(business), "settings_form": form},
    )


@peer_page(methods=GET_POST)
def standing(request, business):
    """The peer's own reviews and suspensions, every step, and the one appeal."""
    peer = peer_for_user(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    form = AppealForm()
    if request.method == "POST":
        form = AppealForm(request.POST, business=business)
        if form.is_valid():
            try:
                services.appeal_suspension(business, request.user, peer, form.input)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Your appeal is sent. We will write to you."))
                return redirect("web:me_standing", business_slug=business.slug)
    cases = selectors.cases_of_peer(business, peer)
    current = next((c for c in cases if c.is_open), None)
    return render(
        request,
        "web/me/standing.html",
        {"peer": peer, "cases": cases, "current": current, "form": form},
    )


@peer_page(methods=GET_POST)
def verification(request, business):
    """The peer's verification badges, and confirming their phone with a code by SMS."""
    peer = peer_for_user(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    number_form, code_form = PhoneNumberForm(), PhoneCodeForm()
    if request.method == "POST" and "code" in request.POST:
        code_form = PhoneCodeForm(request.POST, business=business)
        if code_form.is_valid():
            try:
                services.confirm_phone(business, request.user, peer, code_form.input)
            except DomainError as exc:
                code_form.add_domain_error(exc)
            else:
                messages.success(request, _("Your phone number is verified."))
                return redirect("web:me_verification", business_slug=business.slug)
    elif request.method == "POST":
        number_form = PhoneNumberForm(request.POST, business=business)
        if number_form.is_valid():
            try:
                services.send_phone_code(business, request.user, peer, number_form.input)
            except DomainError as exc:
                number_form.add_domain_error(exc)
            else:
                messages.success(request, _("We sent you a code by SMS; type it below."))
                return redirect("web:me_verification", business_slug=business.slug)
    return render(
        request,
        "web/me/verification.html",
        {
            "peer": peer,
            "badges": selectors.badges_of(business, peer),
            "number_form": number_form,
            "code_form": code_form,
        },
    )
