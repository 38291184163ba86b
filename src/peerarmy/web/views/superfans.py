"""Finding and recruiting superfans: the console's ranked list, a customer's page with the
timeline and the explanation, the scoring settings, the invitations; and the invitee's way in
from the e-mail link."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from peerarmy.customers.models import (
    Customer,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
)
from peerarmy.errors import DomainError
from peerarmy.peers.models import Peer
from peerarmy.peers.selectors import peer_for_user
from peerarmy.programs.selectors import published_programs
from peerarmy.superfans import invitations
from peerarmy.superfans.explain import component_rows, explanation, format_money
from peerarmy.superfans.models import Invitation, InvitationStatus, ScoringSettings
from peerarmy.superfans.selectors import (
    SEGMENTS,
    ranked_scores,
    score_for_customer,
    scoring_settings,
)
from peerarmy.superfans.services import SETTING_RANGES, score_business, update_scoring_settings
from peerarmy.web.forms.base import DomainErrorsMixin

from .base import business_page, console_page, safe_next

SUPERFANS_PER_PAGE = 50
MAX_INVITES_AT_ONCE = 200
MAX_ID = 2**63 - 1  # database ids are positive 64-bit integers
INVITATIONS_PER_PAGE = 50
TIMELINE_LIMIT = 200  # per kind of event: a customer page stays quick for a big customer
INVITATION_SESSION_KEY = "invitation"
GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)


# --- forms ------------------------------------------------------------------------------


class SuperfanFilterForm(forms.Form):
    segment = forms.ChoiceField(
        label=gettext_lazy("Segment"),
        required=False,
        choices=[("", pgettext_lazy("segment", "All scored customers")), *SEGMENTS],
    )
    min_score = forms.IntegerField(
        label=gettext_lazy("Minimum score"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
    )
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": gettext_lazy("Name or e-mail")}),
    )
    consent = forms.BooleanField(label=gettext_lazy("Only with marketing consent"), required=False)

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "segment": data.get("segment") or None,
            "min_score": data.get("min_score"),
            "q": data.get("q") or None,
            "consent_only": bool(data.get("consent")),
        }


class IdListField(forms.Field):
    """Object ids from checkboxes or hidden inputs: positive whole numbers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str | int):
            value = [value]
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Select customers from the list.")) from None
        if any(not 1 <= item <= MAX_ID for item in ids):
            raise forms.ValidationError(_("Select customers from the list."))
        return list(dict.fromkeys(ids))


class InviteForm(DomainErrorsMixin, forms.Form):
    customer = IdListField(label=gettext_lazy("Customers"), required=False)
    program = forms.ChoiceField(label=gettext_lazy("Invite to"), required=False)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = {p.pk: p for p in programs}
        self.fields["program"].choices = [
            ("", pgettext_lazy("invite to", "The army, no program in particular")),
            *((str(p.pk), p.title) for p in programs),
        ]

    def clean_customer(self):
        ids = self.cleaned_data.get("customer") or []
        if not ids:
            raise forms.ValidationError(_("Select at least one customer to invite."))
        if len(ids) > MAX_INVITES_AT_ONCE:
            raise forms.ValidationError(
                _("Invite at most %(n)d customers at once.") % {"n": MAX_INVITES_AT_ONCE}
            )
        return ids

    def program_object(self):
        value = self.cleaned_data.get("program")
        return self.programs.get(int(value)) if value else None


def _settings_field(name, help_text=""):
    low, high = SETTING_RANGES[name]
    # Only parsed here: the service checks the ranges and its message comes back by the field.
    return forms.IntegerField(
        label=capfirst(ScoringSettings._meta.get_field(name).verbose_name),
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"}),
    )


class ScoringSettingsForm(DomainErrorsMixin, forms.Form):
    """The weights of the score's parts (only their ratios matter) and the segments."""

    WEIGHTS = [
        "weight_recency",
        "weight_frequency",
        "weight_monetary",
        "weight_nps",
        "weight_reviews",
        "weight_referrals",
        "weight_mentions",
    ]
    SEGMENT_FIELDS = ["superfan_threshold", "top_percent", "lapsed_after_days"]
    FIELDS = [*WEIGHTS, *SEGMENT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.WEIGHTS:
            self.fields[name] = _settings_field(name)
        self.fields["superfan_threshold"] = _settings_field(
            "superfan_threshold",
            _("A customer with at least this score (0 to 100) is a superfan."),
        )
        self.fields["top_percent"] = _settings_field(
            "top_percent", _("…and so is everyone in this top share of your scored customers.")
        )
        self.fields["lapsed_after_days"] = _settings_field(
            "lapsed_after_days", _("A superfan without an order for this many days is lapsed.")
        )

    @classmethod
    def initial_for(cls, settings):
        return {name: getattr(settings, name) for name in cls.FIELDS}

    def weight_fields(self):
        return [self[name] for name in self.WEIGHTS]

    def segment_fields(self):
        return [self[name] for name in self.SEGMENT_FIELDS]


class InvitationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any status")), *InvitationStatus.choices],
    )


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

    @property
    def can_invite(self):
        return (
            self.customer.accepts_marketing
            and not self.is_peer
            and self.invitation_status != InvitationStatus.SENT
        )


def _effective_status(invitation, now):
    if invitation is None:
        return ""
    if invitation.status == InvitationStatus.SENT and invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return invitation.status


def _latest_invitations(business, customer_ids):
    latest = {}
    for invitation in Invitation.objects.filter(
        business=business, customer_id__in=customer_ids
    ).order_by("customer_id", "-sent_at", "-pk"):
        latest.setdefault(invitation.customer_id, invitation)
    return latest


def _peer_customer_ids(business, customers):
    """Of these customers, those already in the army (linked, or same e-mail address)."""
    by_email = {c.email.strip().lower(): c.pk for c in customers}
    found = set()
    rows = (
        Peer.objects.filter(business=business)
        .annotate(email_lower=Lower("user__email"))
        .filter(Q(customer_id__in=[c.pk for c in customers]) | Q(email_lower__in=list(by_email)))
    )
    for customer_id, email in rows.values_list("customer_id", "email_lower"):
        if customer_id:
            found.add(customer_id)
        if email in by_email:
            found.add(by_email[email])
    return found


def _rows(business, scores, first_rank):
    scores = list(scores)
    customers = [s.customer for s in scores]
    latest = _latest_invitations(business, [c.pk for c in customers])
    peers = _peer_customer_ids(business, customers)
    now = timezone.now()
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
                invitation_status=_effective_status(invitation, now),
                is_peer=score.customer_id in peers,
            )
        )
    return rows


@console_page()
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
            "invite_form": InviteForm(programs=programs),
            "next_url": request.get_full_path(),
            "InvitationStatus": InvitationStatus,
        },
    )


@console_page(POST)
def superfans_score(request, business):
    try:
        result = score_business(business=business)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        count = getattr(result, "customers", None)
        if isinstance(count, int):
            messages.success(
                request,
                ngettext(
                    "Scores are up to date: %(n)d customer scored.",
                    "Scores are up to date: %(n)d customers scored.",
                    count,
                )
                % {"n": count},
            )
        else:
            messages.success(request, _("Scores are up to date."))
    return redirect(
        safe_next(request, reverse("web:manage_superfans", kwargs={"business_slug": business.slug}))
    )


def _skipped_text(skipped):
    return "; ".join(
        _("%(name)s: %(reason)s") % {"name": customer.full_name or customer.email, "reason": reason}
        for customer, reason in skipped
    )


@console_page(POST)
def superfans_invite(request, business):
    form = InviteForm(request.POST, programs=list(published_programs(business)))
    fallback = reverse("web:manage_superfans", kwargs={"business_slug": business.slug})
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(safe_next(request, fallback))
    ids = form.cleaned_data["customer"]
    customers = list(Customer.objects.filter(business=business, pk__in=ids))
    if len(customers) != len(set(ids)):
        raise Http404  # another business's customer, or one that does not exist
    try:
        result = invitations.invite_customers(
            business=business,
            actor=request.user,
            customers=customers,
            program=form.program_object(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
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
        if result.skipped:
            messages.warning(
                request,
                ngettext(
                    "%(n)d not invited: %(reasons)s.",
                    "%(n)d not invited: %(reasons)s.",
                    len(result.skipped),
                )
                % {"n": len(result.skipped), "reasons": _skipped_text(result.skipped)},
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


def _imported(model, business, customer, *, order_by):
    rows = model.objects.filter(business=business).filter(
        Q(customer=customer) | Q(customer__isnull=True, email__iexact=customer.email)
    )
    return rows.order_by(order_by)[:TIMELINE_LIMIT]


def customer_timeline(business, customer):
    """Everything the business knows the customer did, newest first."""
    events = []
    for order in _imported(Order, business, customer, order_by="-placed_at"):
        amount = format_money(order.total_minor, order.currency or business.currency)
        detail = ""
        if order.refunded_minor:
            detail = _("%(amount)s refunded") % {
                "amount": format_money(order.refunded_minor, order.currency or business.currency)
            }
        if order.cancelled_at:
            detail = " · ".join(filter(None, [detail, _("cancelled")]))
        events.append(
            Event(
                when=order.placed_at,
                kind="order",
                kind_label=pgettext("timeline", "Order"),
                title=_("Order %(id)s, %(amount)s") % {"id": order.external_id, "amount": amount},
                detail=detail,
                status=order.get_financial_status_display(),
            )
        )
    for review in _imported(Review, business, customer, order_by="-reviewed_at"):
        events.append(
            Event(
                when=review.reviewed_at,
                kind="review",
                kind_label=pgettext("timeline", "Review"),
                title=ngettext("%(n)d star", "%(n)d stars", review.rating) % {"n": review.rating}
                + (f" · {review.title}" if review.title else ""),
                detail=review.body,
            )
        )
    for answer in _imported(NpsResponse, business, customer, order_by="-answered_at"):
        events.append(
            Event(
                when=answer.answered_at,
                kind="nps",
                kind_label=pgettext("timeline", "NPS answer"),
                title=_("Answered %(score)d out of 10") % {"score": answer.score},
                detail=answer.comment,
            )
        )
    for referral in _imported(Referral, business, customer, order_by="-referred_at"):
        events.append(
            Event(
                when=referral.referred_at,
                kind="referral",
                kind_label=pgettext("timeline", "Referral"),
                title=_("Referred %(email)s") % {"email": referral.referred_email},
                status=_("became a customer") if referral.converted else _("not a customer yet"),
            )
        )
    for mention in _imported(Mention, business, customer, order_by="-posted_at"):
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


def _customer_or_404(business, customer_id):
    customer = Customer.objects.filter(business=business, pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


@console_page()
def superfan_detail(request, business, customer_id):
    customer = _customer_or_404(business, customer_id)
    score = score_for_customer(business, customer.pk)
    history = list(
        Invitation.objects.filter(business=business, customer=customer).select_related(
            "program", "invited_by", "peer"
        )
    )
    now = timezone.now()
    for invitation in history:
        invitation.effective_status = _effective_status(invitation, now)
    peer = (
        Peer.objects.filter(business=business)
        .filter(Q(customer=customer) | Q(user__email__iexact=customer.email))
        .first()
    )
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
            "open_invitation": any(i.effective_status == InvitationStatus.SENT for i in history),
            "invite_form": InviteForm(programs=list(published_programs(business))),
            "next_url": request.get_full_path(),
        },
    )


# --- scoring settings -------------------------------------------------------------------


@console_page(GET_POST)
def scoring_settings_view(request, business):
    form = ScoringSettingsForm(
        request.POST or None, initial=ScoringSettingsForm.initial_for(scoring_settings(business))
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ScoringSettingsForm.FIELDS}
        try:
            update_scoring_settings(business=business, actor=request.user, data=data)
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


@console_page()
def invitation_list(request, business):
    invitations.mark_expired(business=business)
    form = InvitationFilterForm(request.GET)
    qs = Invitation.objects.filter(business=business).select_related(
        "customer", "program", "invited_by", "peer"
    )
    if form.is_valid() and form.cleaned_data.get("status"):
        qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs.order_by("-sent_at", "-pk"), INVITATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/manage/superfans/invitations.html",
        {"filter_form": form, "page": page, "invitations": page.object_list},
    )


@console_page(POST)
def invitation_revoke(request, business, invitation_id):
    invitation = Invitation.objects.filter(business=business, pk=invitation_id).first()
    if invitation is None:
        raise Http404
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
        if get_user_model().objects.filter(email__iexact=email).exists():
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
