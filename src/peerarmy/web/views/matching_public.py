"""Asking for a local, without an account: the request form of a published guides or layover
program, and the request's own pages (confirm, follow, change, cancel) reached through the
link e-mailed to the consumer.

The token in that link is the only key, and it proves the e-mail address: the form's success
page never shows it. Every lookup also goes through the business in the URL. The token pages
send no Referer to other sites (the token would leak to the sites they link to; within the
site it stays, because under "no-referrer" browsers send `Origin: null` with a form and the
CSRF check refuses it) and ask search engines not to index them. A GET never changes a request: mail scanners open links."""

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.matching import selectors, services
from peerarmy.matching.models import RequestStatus, whatsapp_url
from peerarmy.programs.models import ProgramKind
from peerarmy.web.forms.matching import CancelRequestForm, MatchRequestForm

from .base import business_page

GET_POST = ("GET", "HEAD", "POST")


def private_page(view):
    """The response of a page whose URL holds a token: no Referer to other sites, no search
    engine."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def _save(form, call):
    """Call the service with the form's input; its refusals go next to the fields. Returns
    the service's outcome, or None when it refused."""
    try:
        return call(form.input)
    except DomainError as exc:
        form.add_domain_error(exc)
    return None


def _form_page(request, program, form, *, match_request=None):
    return render(
        request,
        "web/public/matching/request_form.html",
        {
            "program": program,
            "form": form,
            "match_request": match_request,
            "is_layover": program.kind == ProgramKind.LAYOVER,
        },
    )


@business_page(GET_POST)
def request_new(request, business, program_slug):
    program = selectors.get_published_matching_program(business, program_slug)
    found = selectors.settings_of(program)  # a read makes nothing
    form = MatchRequestForm(request.POST or None, program=program, settings=found)
    valid = request.method == "POST" and form.is_valid()
    if request.method == "POST" and form.is_bot:
        return redirect(
            "web:match_request_sent", business_slug=business.slug, program_slug=program.slug
        )
    if valid:
        submitted = _save(
            form,
            lambda data: services.submit_request(program, data, language=get_language()),
        )
        if submitted is not None:
            return redirect(
                "web:match_request_sent", business_slug=business.slug, program_slug=program.slug
            )
    return _form_page(request, program, form)


@business_page()
def request_sent(request, business, program_slug):
    program = selectors.get_published_matching_program(business, program_slug)
    return render(request, "web/public/matching/request_sent.html", {"program": program})


@private_page
@business_page(GET_POST)
def request_confirm(request, business, token):
    match_request = selectors.get_request_by_token(business, token)
    if request.method == "POST":
        try:
            outcome = services.confirm_request(match_request)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            for warning in outcome.warnings:
                messages.warning(request, warning)
            if not (outcome.replayed or outcome.warnings):
                messages.success(request, _("Thank you: your e-mail is confirmed."))
        return redirect("web:match_request", business_slug=business.slug, token=token)
    if not match_request.awaits_confirmation:
        return redirect("web:match_request", business_slug=business.slug, token=token)
    return render(
        request,
        "web/public/matching/request_confirm.html",
        {"match_request": match_request, "program": match_request.program},
    )


@private_page
@business_page()
def request_detail(request, business, token):
    match_request = selectors.get_request_by_token(business, token)
    program = match_request.program
    names = selectors.settings_of(program).interest_names()
    context = {
        "match_request": match_request,
        "program": program,
        "window": selectors.window_text(match_request),
        "interests": [names.get(slug, slug) for slug in match_request.interests],
        "changeable": not match_request.is_closed,
        "is_layover": program.kind == ProgramKind.LAYOVER,
    }
    if match_request.status == RequestStatus.OPEN:
        context["unmatched"] = selectors.describe_unmatched(match_request)
    if selectors.consumer_sees_peer(match_request):
        context["match"] = _accepted_match(match_request)
    if context.get("match"):
        from .trust import request_rating_context

        found = context["match"]
        context.update(request_rating_context(business, match_request, found["id"], found["peer"]))
    return render(request, "web/public/matching/request_detail.html", context)


def _accepted_match(match_request):
    """The accepted (or completed) match and what the consumer may know of the peer."""
    match = selectors.accepted_match(match_request)
    if match is None:
        return None
    found = selectors.settings_of(match_request.program)
    phone = selectors.profile_of(match.peer).phone  # the peer chose to share it, or not
    return {
        "id": match.pk,
        "peer": match.peer,
        "peer_first_name": selectors.first_name(match.peer),
        "peer_email": match.peer.user.email,
        "peer_phone": phone,
        "peer_whatsapp": whatsapp_url(phone),
        "when": selectors.when_text(match),
        "perks": [name for name in found.perk_names(match.perks) if name],
    }


@private_page
@business_page(GET_POST)
def request_edit(request, business, token):
    match_request = selectors.get_request_by_token(business, token)
    program = match_request.program
    try:
        services.check_can_change(match_request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:match_request", business_slug=business.slug, token=token)
    found = selectors.settings_of(program)
    form = MatchRequestForm(
        request.POST or None, program=program, settings=found, match_request=match_request
    )
    valid = request.method == "POST" and form.is_valid()
    if valid:
        updated = _save(form, lambda data: services.update_request(match_request, data))
        if updated is not None:
            messages.success(request, _("Your request is changed."))
            return redirect("web:match_request", business_slug=business.slug, token=token)
    return _form_page(request, program, form, match_request=match_request)


@private_page
@business_page(GET_POST)
def request_cancel(request, business, token):
    match_request = selectors.get_request_by_token(business, token)
    try:
        services.check_can_cancel(match_request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:match_request", business_slug=business.slug, token=token)
    form = CancelRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.cancel_own_request(match_request, form.input)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("Your request is cancelled."))
            return redirect("web:match_request", business_slug=business.slug, token=token)
        for texts in form.errors.values():
            for text in texts:
                messages.error(request, text)
    return render(
        request,
        "web/public/matching/request_cancel.html",
        {
            "match_request": match_request,
            "program": match_request.program,
            "window": selectors.window_text(match_request),
        },
    )
