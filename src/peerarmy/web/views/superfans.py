"""Finding and recruiting superfans: the console's ranked list, a customer's page with the
timeline and the explanation, the scoring settings, the invitations; and the invitee's way in
from the e-mail link."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from peerarmy.customers.models import Customer
from peerarmy.errors import DomainError
from peerarmy.money import format_money
from peerarmy.peers.selectors import peer_for_user
from peerarmy.privacy import services as privacy
from peerarmy.programs.selectors import published_programs
from peerarmy.superfans import export as superfan_export
from peerarmy.superfans import invitations, selectors
from peerarmy.superfans.explain import component_rows, explanation
from peerarmy.superfans.models import Invitation, InvitationStatus
from peerarmy.superfans.selectors import (
    NotInvitable,
    ranked_scores,
    score_for_customer,
    scoring_settings,
)
from peerarmy.superfans.services import score_business, update_scoring_settings
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.superfans import (
    InvitationFilterForm,
    InviteForm,
    ScoringSettingsForm,
    SuperfanFilterForm,
)

from .base import business_page, console_page, safe_next

SUPERFANS_PER_PAGE = 50
INVITATIONS_PER_PAGE = 50
TIMELINE_LIMIT = 200  # per kind of event: a customer page stays quick for a big customer
INVITATION_SESSION_KEY = "invitation"
GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)


# --- the ranked list --------------------------------------------------------------------


@dataclass
class Row:
    rank: int
    score: object  # SuperfanScore
    customer: Customer
    spend_text: str
    explanation: str
    invitation: Invitation | None
    invitation_status: str
    is_peer: bool
    not_invitable: NotInvitable | None  # why not, by the rule inviting applies

    @property
    def can_invite(self):
        return self.not_invitable is None


def _rows(business, scores, first_rank):
    scores = list(scores)
    customers = [s.customer for s in scores]
    latest = selectors.latest_invitations(business, [c.pk for c in customers])
    peers = selectors.peer_customer_ids(business, customers)
    refused = selectors.not_invitable(business, customers, in_army=peers)
    rows = []
    for offset, score in enumerate(scores):
        invitation = latest.get(score.customer_id)
        rows.append(
            Row(
                rank=first_rank + offset,
                score=score,
                customer=score.customer,
                spend_text=format_money(score.spend_minor, business.currency),
                explanation=explanation(score),
                invitation=invitation,
                invitation_status=invitation.current_status if invitation else "",
                is_peer=score.customer_id in peers,
                not_invitable=refused.get(score.customer_id),
            )
        )
    return rows


@console_page(needs=Capability.PEOPLE)
def superfans(request, business):
    form = SuperfanFilterForm(request.GET)
    try:
        scores = ranked_scores(business, **form.filters())
    except DomainError as exc:
        messages.error(request, exc.message)
        scores = ranked_scores(business)
    page = Paginator(scores, SUPERFANS_PER_PAGE).get_page(request.GET.get("page"))
    programs = list(published_programs(business))
    return render(
        request,
        "web/manage/superfans/list.html",
        {
            "filter_form": form,
            "page": page,
            "rows": _rows(business, page.object_list, page.start_index() or 1),
            "invite_form": InviteForm(programs=programs, business=business),
            "next_url": request.get_full_path(),
            "InvitationStatus": InvitationStatus,
        },
    )


@console_page(needs=Capability.CUSTOMERS)
def superfans_export(request, business):
    """The list as filtered, as a CSV file for Excel."""
    form = SuperfanFilterForm(request.GET)
    try:
        body = superfan_export.superfans_csv(business, **form.filters())
        privacy.list_exported(business, request.user, "superfans_csv")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:manage_superfans", business_slug=business.slug)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{superfan_export.filename(business)}"'
    response["Cache-Control"] = "no-store"
    return response


@console_page(POST, needs=Capability.PEOPLE)
def superfans_score(request, business):
    try:
        result = score_business(business, actor=request.user).value
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "Scores are up to date: %(n)d customer scored.",
                "Scores are up to date: %(n)d customers scored.",
                result.customers,
            )
            % {"n": result.customers},
        )
    return redirect(
        safe_next(request, reverse("web:manage_superfans", kwargs={"business_slug": business.slug}))
    )


@console_page(POST, needs=Capability.PEOPLE)
def superfans_invite(request, business):
    form = InviteForm(request.POST, programs=published_programs(business), business=business)
    fallback = reverse("web:manage_superfans", kwargs={"business_slug": business.slug})
    outcome = None
    if form.is_valid():
        try:
            outcome = invitations.invite_customers(
                business=business, actor=request.user, data=form.input
            )
        except DomainError as exc:
            if exc.status == 404:
                raise  # another business's customer or program, or one that does not exist
            form.add_domain_error(exc)
    if outcome is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(safe_next(request, fallback))
    result = outcome.value
    if result.invited:
        messages.success(
            request,
            ngettext(
                "%(n)d customer invited: the e-mail is on its way.",
                "%(n)d customers invited: the e-mails are on their way.",
                len(result.invited),
            )
            % {"n": len(result.invited)},
        )
    if outcome.warnings:
        messages.warning(
            request,
            ngettext(
                "%(n)d not invited: %(reasons)s.",
                "%(n)d not invited: %(reasons)s.",
                len(outcome.warnings),
            )
            % {"n": len(outcome.warnings), "reasons": "; ".join(outcome.warnings)},
        )
    return redirect(safe_next(request, fallback))


# --- one customer -----------------------------------------------------------------------


@dataclass
class Event:
    when: datetime
    kind: str  # order, review, nps, referral, mention
    kind_label: str
    title: str
    detail: str = ""
    link: str = ""
    status: str = ""


def customer_timeline(business, customer):
    """Everything the business knows the customer did, newest first."""
    history = selectors.customer_history(business, customer, limit=TIMELINE_LIMIT)
    events = []
    for order in history["orders"]:
        amount = format_money(order.total_minor, order.currency or business.currency)
        refunded = format_money(order.refunded_minor, order.currency or business.currency)
        if order.refunded_minor and order.cancelled_at:
            detail = _("%(amount)s refunded · cancelled") % {"amount": refunded}
        elif order.refunded_minor:
            detail = _("%(amount)s refunded") % {"amount": refunded}
        elif order.cancelled_at:
            detail = _("cancelled")
        else:
            detail = ""
        events.append(
            Event(
                when=order.placed_at,
                kind="order",
                kind_label=pgettext("timeline", "Order"),
                # the badge already says "Order": the title is the number and the amount
                title=f"{order.external_id} · {amount}",
                detail=detail,
                status=order.get_financial_status_display(),
            )
        )
    for review in history["reviews"]:
        events.append(
            Event(
                when=review.reviewed_at,
                kind="review",
                kind_label=pgettext("timeline", "Review"),
                title=(
                    ngettext("%(n)d star · %(title)s", "%(n)d stars · %(title)s", review.rating)
                    if review.title
                    else ngettext("%(n)d star", "%(n)d stars", review.rating)
                )
                % {"n": review.rating, "title": review.title},
                detail=review.body,
            )
        )
    for answer in history["nps"]:
        events.append(
            Event(
                when=answer.answered_at,
                kind="nps",
                kind_label=pgettext("timeline", "NPS answer"),
                title=_("Answered %(score)d out of 10") % {"score": answer.score},
                detail=answer.comment,
            )
        )
    for referral in history["referrals"]:
        events.append(
            Event(
                when=referral.referred_at,
                kind="referral",
                kind_label=pgettext("timeline", "Referral"),
                title=_("Referred %(email)s") % {"email": referral.referred_email},
                status=_("became a customer") if referral.converted else _("not a customer yet"),
            )
        )
    for mention in history["mentions"]:
        events.append(
            Event(
                when=mention.posted_at,
                kind="mention",
                kind_label=pgettext("timeline", "Social mention"),
                title=mention.platform,
                detail=ngettext("%(n)d interaction", "%(n)d interactions", mention.engagement)
                % {"n": mention.engagement},
                link=mention.url,
            )
        )
    events.sort(key=lambda event: event.when, reverse=True)
    return events


@console_page(needs=Capability.PEOPLE)
def superfan_detail(request, business, customer_id):
    customer = selectors.get_customer(business, customer_id)
    privacy.customer_viewed(business, request.user, customer.pk)
    score = score_for_customer(business, customer.pk)
    history = selectors.invitations_of_customer(business, customer)
    peer = selectors.peer_of_customer(business, customer)
    return render(
        request,
        "web/manage/superfans/detail.html",
        {
            "customer": customer,
            "score": score,
            "explanation": explanation(score) if score else "",
            "components": component_rows(score, business.currency) if score else [],
            "spend_text": format_money(score.spend_minor, business.currency) if score else "",
            "timeline": customer_timeline(business, customer),
            "invitations": history,
            "peer": peer,
            "not_invitable": selectors.not_invitable(business, [customer]).get(customer.pk),
            "invite_form": InviteForm(programs=published_programs(business), business=business),
            "next_url": request.get_full_path(),
        },
    )


# --- scoring settings -------------------------------------------------------------------


@console_page(GET_POST, needs=Capability.SETUP)
def scoring_settings_view(request, business):
    form = ScoringSettingsForm(
        request.POST or None,
        initial=ScoringSettingsForm.initial_for(scoring_settings(business)),
        business=business,
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_scoring_settings(business=business, actor=request.user, data=form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("The scoring settings are saved; the scores follow them in a moment."),
            )
            return redirect("web:manage_scoring_settings", business_slug=business.slug)
    return render(request, "web/manage/superfans/settings.html", {"form": form})


# --- invitations ------------------------------------------------------------------------


@console_page(needs=Capability.PEOPLE)
def invitation_list(request, business):
    form = InvitationFilterForm(request.GET)
    status = form.cleaned_data.get("status") if form.is_valid() else None
    qs = selectors.invitations_for_business(business, status=status or None)
    page = Paginator(qs, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/manage/superfans/invitations.html",
        {"filter_form": form, "page": page, "invitations": page.object_list},
    )


@console_page(POST, needs=Capability.PEOPLE)
def invitation_revoke(request, business, invitation_id):
    invitation = selectors.get_invitation(business, invitation_id)
    try:
        invitations.revoke_invitation(business=business, actor=request.user, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The invitation to %(name)s is revoked: the link no longer works.")
            % {"name": invitation.customer.full_name or invitation.customer.email},
        )
    return redirect(
        safe_next(
            request, reverse("web:manage_invitations", kwargs={"business_slug": business.slug})
        )
    )


# --- the invitee's way in ---------------------------------------------------------------


@business_page(GET_POST)
def invitation(request, business, token):
    """The link in the invitation e-mail: a welcome, then sign-up (or log-in) and the
    application form, with the invitation remembered in the session on the way."""
    try:
        found = invitations.check_invitation(business=business, token=token)
    except (
        invitations.InvitationInvalid,
        invitations.InvitationExpired,
        invitations.InvitationUsed,
    ) as exc:
        response = render(
            request, "web/public/invitation_invalid.html", {"error": exc}, status=exc.status
        )
        response["Cache-Control"] = "no-store"
        return response
    user = request.user
    other_account = user.is_authenticated and not invitations.is_for_user(found, user)
    already_peer = user.is_authenticated and peer_for_user(business, user) is not None
    apply_url = reverse("web:apply", kwargs={"business_slug": business.slug})
    if request.method == "POST" and not other_account:
        if already_peer:
            return redirect("web:me", business_slug=business.slug)
        request.session[INVITATION_SESSION_KEY] = {
            "business": business.slug,
            "invitation_id": found.pk,
            "token": token,
        }
        if user.is_authenticated:
            return redirect(apply_url)
        email = found.customer.email
        if selectors.has_account(email):
            return redirect(f"{reverse('account_login')}?{urlencode({'next': apply_url})}")
        # The invitation reached this address, so it is verified: allauth signs the person up
        # without a confirmation e-mail, with the address filled in.
        from allauth.account.adapter import get_adapter

        get_adapter(request).stash_verified_email(request, email)
        return redirect(f"{reverse('account_signup')}?{urlencode({'next': apply_url})}")
    response = render(
        request,
        "web/public/invitation.html",
        {
            "invitation": found,
            "customer": found.customer,
            "program": found.program,
            "other_account": other_account,
            "already_peer": already_peer,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@dataclass
class PendingInvitation:
    invitation: Invitation
    token: str


def forget_invitation(request):
    request.session.pop(INVITATION_SESSION_KEY, None)


def invitation_for_application(request, business):
    """The invitation this person followed to the application form, if it is still open,
    for this business and addressed to them; otherwise None (and it is forgotten)."""
    data = request.session.get(INVITATION_SESSION_KEY)
    if not isinstance(data, dict) or data.get("business") != business.slug:
        return None
    try:
        found = invitations.check_invitation(business=business, token=data.get("token"))
    except DomainError:
        forget_invitation(request)
        return None
    if not invitations.is_for_user(found, request.user):
        forget_invitation(request)
        return None
    return PendingInvitation(found, data["token"])
