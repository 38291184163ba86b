"""Alliances on the web: the alliance's public page (`/a/<alliance>/`), the peer's side (what
they share with the partners of their business, the partners' programs and applying with one
click) and the console's page (founding, naming, inviting, answering, leaving)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from peerarmy.alliances import selectors, services
from peerarmy.alliances.inputs import (
    AllianceApplyInput,
    AllianceInput,
    AllianceRefInput,
    AllianceTextsInput,
    ConsentInput,
    PartnerInput,
)
from peerarmy.errors import DomainError, NotFound
from peerarmy.inputs import InvalidInput
from peerarmy.peers.selectors import peer_for_user
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.base import InputForm

from .base import attempt, console_page, page_url, peer_page, safe_next

GET, POST = ("GET", "HEAD"), ("POST",)


# --- forms: the rules are the inputs' (`peerarmy.alliances.inputs`) ---------------------------


class AllianceTextsForm(InputForm):
    input_class = AllianceTextsInput

    name = forms.CharField(label=gettext_lazy("Name of the alliance"), required=False)
    description_it = forms.CharField(
        label=gettext_lazy("Description (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=gettext_lazy("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AllianceForm(AllianceTextsForm):
    input_class = AllianceInput

    slug = forms.CharField(
        label=gettext_lazy("Address"),
        required=False,
        help_text=gettext_lazy(
            "Its public page will be /a/<address>/: lower-case letters, digits and hyphens."
        ),
    )
    field_order = ["name", "slug", "description_it", "description_en"]


class PartnerForm(InputForm):
    input_class = PartnerInput

    business = forms.CharField(
        label=gettext_lazy("Address of the business"),
        required=False,
        help_text=gettext_lazy("As in its page's address: for /lecce-bnb/, write lecce-bnb."),
    )


class ConsentForm(InputForm):
    input_class = ConsentInput

    share_profile = forms.BooleanField(
        label=gettext_lazy("Show me the partners' programs, and let me apply with one click"),
        required=False,
    )
    share_reliability = forms.BooleanField(
        label=gettext_lazy("Also bring my reliability score when I apply"), required=False
    )


# --- the public page ---------------------------------------------------------------------------


@require_safe
def alliance_public(request, alliance_slug):
    """The alliance's public page: every member with its programs, open campaigns and
    rentals (404 while the alliance is dormant)."""
    try:
        found = selectors.public_alliance(alliance_slug)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "web/alliances/public.html",
        {"alliance": found.alliance, "members": found.members},
    )


# --- the peer's side ---------------------------------------------------------------------------


def _peer_or_apply(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None:
        return None, redirect("web:apply", business_slug=business.slug)
    return peer, None


@peer_page()
def me_alliance(request, business):
    """What the peer shares with the partners of their business, and, if they agreed, the
    partners' programs to apply to with one click."""
    peer, elsewhere = _peer_or_apply(request, business)
    if elsewhere:
        return elsewhere
    consent = selectors.consent_of(peer)
    return render(
        request,
        "web/alliances/me.html",
        {
            "peer": peer,
            "alliance": selectors.alliance_of(business),
            "partners": selectors.partners(business),
            "consent": consent,
            "form": ConsentForm(
                business=business,
                initial={
                    "share_profile": consent.share_profile,
                    "share_reliability": consent.share_reliability,
                },
            ),
            "offers": selectors.offers_for(peer),
        },
    )


@peer_page(POST)
def me_alliance_consent(request, business):
    peer, elsewhere = _peer_or_apply(request, business)
    if elsewhere:
        return elsewhere
    form = ConsentForm(request.POST, business=business)
    back = safe_next(request, _me_alliance_url(business))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    done = attempt(request, lambda: services.set_consent(business, request.user, peer, form.input))
    if done is not None:
        if form.input.share_profile:
            messages.success(
                request,
                _("Saved: you are shown the partners' programs.")
                if not form.input.share_reliability
                else _(
                    "Saved: you are shown the partners' programs, and your score goes with you."
                ),
            )
        else:
            messages.success(request, _("Saved: the partners see nothing of you."))
    return redirect(back)


def _me_alliance_url(business):
    return page_url(business, "me_alliance")


@peer_page(POST)
def me_alliance_apply(request, business):
    """Apply with one click to a partner, from one of its programs."""
    peer, elsewhere = _peer_or_apply(request, business)
    if elsewhere:
        return elsewhere
    try:
        data = AllianceApplyInput.parse(
            {
                key: request.POST.get(key)
                for key in ("business", "program_id")
                if request.POST.get(key) not in (None, "")
            }
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect(_me_alliance_url(business))
    done = attempt(
        request, lambda: services.apply_through_alliance(business, request.user, peer, data)
    )
    if done is not None:
        application = done.value
        messages.success(
            request,
            _(
                "Your application is on its way to %(business)s, with what you chose to share. "
                "They will tell you by e-mail when they have decided."
            )
            % {"business": application.business.name},
        )
    return redirect(_me_alliance_url(business))


# --- the console ---------------------------------------------------------------------------------


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


def _console(request, business, *, status=200, **forms_given):
    view = selectors.console_view(business)
    alliance = view.alliance
    texts_initial = (
        {
            "name": alliance.name,
            "description_it": alliance.description_it,
            "description_en": alliance.description_en,
        }
        if alliance is not None
        else None
    )
    return render(
        request,
        "web/alliances/console.html",
        {
            "view": view,
            "alliance": alliance,
            "is_owner": _is_owner(request),
            "create_form": forms_given.get("create_form") or AllianceForm(business=business),
            "texts_form": forms_given.get("texts_form")
            or AllianceTextsForm(business=business, initial=texts_initial),
            "invite_form": forms_given.get("invite_form") or PartnerForm(business=business),
        },
        status=status,
    )


def _back(business):
    return redirect("web:manage_alliance", business_slug=business.slug)


@console_page(needs=Capability.SHOP)
def manage_alliance(request, business):
    return _console(request, business)


def _form_post(request, business, form_class, form_name, call, done):
    """A console form: the service's refusal shown beside its field, the page again; or the
    success message and back to the page."""
    form = form_class(request.POST, business=business)
    if form.is_valid():
        try:
            outcome = call(form.input)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, done(outcome))
            return _back(business)
    return _console(request, business, status=400, **{form_name: form})


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_create(request, business):
    return _form_post(
        request,
        business,
        AllianceForm,
        "create_form",
        lambda data: services.create_alliance(business, request.user, data),
        lambda outcome: (
            _(
                "The alliance “%(name)s” is founded. Invite a partner: its page goes public when "
                "one accepts."
            )
            % {"name": outcome.value.name}
        ),
    )


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_edit(request, business):
    return _form_post(
        request,
        business,
        AllianceTextsForm,
        "texts_form",
        lambda data: services.update_alliance(business, request.user, data),
        lambda outcome: _("The alliance's name and description are saved."),
    )


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_invite(request, business):
    return _form_post(
        request,
        business,
        PartnerForm,
        "invite_form",
        lambda data: services.invite_business(business, request.user, data),
        lambda outcome: (
            _("%(name)s is invited; its owner answers in their console.")
            % {"name": outcome.value.business.name}
        ),
    )


def _simple_post(request, business, input_class, call, done):
    """A button's form (one hidden field): its refusal as a message, back to the page."""
    try:
        data = input_class.parse(
            {key: value for key, value in request.POST.items() if key in input_class.model_fields}
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return _back(business)
    outcome = attempt(request, lambda: call(data))
    if outcome is not None:
        messages.success(request, done(outcome))
    return _back(business)


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_withdraw(request, business):
    return _simple_post(
        request,
        business,
        PartnerInput,
        lambda data: services.withdraw_invitation(business, request.user, data),
        lambda outcome: (
            _("The invitation to %(name)s is withdrawn.") % {"name": outcome.value.business.name}
        ),
    )


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_accept(request, business):
    return _simple_post(
        request,
        business,
        AllianceRefInput,
        lambda data: services.accept_invitation(business, request.user, data),
        lambda outcome: (
            _("Welcome to the alliance “%(name)s”.") % {"name": outcome.value.alliance.name}
        ),
    )


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_decline(request, business):
    return _simple_post(
        request,
        business,
        AllianceRefInput,
        lambda data: services.decline_invitation(business, request.user, data),
        lambda outcome: (
            _("You declined the invitation to “%(name)s”.") % {"name": outcome.value.alliance.name}
        ),
    )


@console_page(POST, needs=Capability.SHOP)
def manage_alliance_leave(request, business):
    outcome = attempt(request, lambda: services.leave_alliance(business, request.user))
    if outcome is not None:
        messages.success(
            request,
            _("Your business has left the alliance “%(name)s”.")
            % {"name": outcome.value.alliance.name},
        )
    return _back(business)
