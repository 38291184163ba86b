"""Matching in the peer's app: what they offer (accepting or paused, a weekly limit, interests,
weekly slots and days off) and the requests proposed to them (accept or decline before the
deadline, then cancel, mark completed or never be matched with that consumer again).

Until a peer accepts, a proposal shows everything about the request except who asked: the
consumer's name and e-mail appear only on an accepted match. The matching services decide
what is valid; their refusals come back as a message on the page the peer came from."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.errors import DomainError
from peerarmy.matching import selectors, services
from peerarmy.matching.models import (
    DayOff,
    Match,
    MatchingProfile,
    MatchingSettings,
    MatchStatus,
)
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.selectors import peer_for_user
from peerarmy.web.forms.base import DomainErrorsMixin

from .base import peer_page

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)
MAX_SLOTS = 14
EMPTY_SLOT_ROWS = 3


# --- forms -----------------------------------------------------------------------------------


def validation_messages(exc):
    """A ValidationError's messages by field (None for those that name no field)."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {None: exc.messages}


def add_validation_error(form, exc):
    """Put a service's ValidationError next to the fields it names; the rest above the form."""
    for field, texts in validation_messages(exc).items():
        target = field if field in form.fields else None
        for text in texts:
            form.add_error(target, text)


class ProfileForm(DomainErrorsMixin, forms.Form):
    accepting = forms.BooleanField(
        label=gettext_lazy("I accept requests"),
        required=False,
        help_text=gettext_lazy("Untick to pause: no new proposals until you tick it again."),
    )
    max_per_week = forms.IntegerField(
        label=gettext_lazy("Most matches a week"), min_value=0, max_value=21
    )
    interests = forms.MultipleChoiceField(
        label=gettext_lazy("What you love to show"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Requests that share your interests come to you first."),
    )

    def __init__(self, *args, interests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = [(k, capfirst(v)) for k, v in interests]


class SlotForm(forms.Form):
    """One weekly slot. A row left empty, or ticked for removal, is no slot."""

    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day"),
        choices=[("", "—")] + list(WEEKDAYS.items()),
        coerce=int,
        empty_value=None,
        required=False,
    )
    starts = forms.TimeField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ends = forms.TimeField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def clean(self):
        data = super().clean()
        values = [data.get(name) for name in ("weekday", "starts", "ends")]
        if self.errors or all(v is None for v in values):
            return data
        if self.cleaned_data.get("DELETE"):
            return data
        for name, value in zip(("weekday", "starts", "ends"), values, strict=True):
            if value is None:
                self.add_error(name, _("Fill in the day and both times, or leave the row empty."))
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("The end must come after the start."))
        return data

    def slot(self):
        """(weekday, starts, ends), or None for an empty or removed row."""
        d = self.cleaned_data
        if d.get("DELETE") or d.get("weekday") is None:
            return None
        return (d["weekday"], d["starts"], d["ends"])


class BaseSlotFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": gettext_lazy("Give at most %(num)d weekly slots."),
    }


SlotFormSet = forms.formset_factory(
    SlotForm,
    formset=BaseSlotFormSet,
    extra=EMPTY_SLOT_ROWS,
    max_num=MAX_SLOTS,
    validate_max=True,
    can_delete=True,
)


class DayOffForm(DomainErrorsMixin, forms.Form):
    first = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label=gettext_lazy("To (included)"),
        required=False,
        help_text=gettext_lazy("Empty: just that day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=120, required=False)

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", _("The last day cannot come before the first."))
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


# --- shared helpers --------------------------------------------------------------------------


def _active_peer(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None or peer.status != PeerStatus.ACTIVE:
        return None
    return peer


def _active_peer_or_404(request, business):
    peer = _active_peer(request, business)
    if peer is None:
        raise Http404
    return peer


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _interest_choices(business):
    """Every interest of the business's matching programs, by name."""
    names = services.interest_choices(business)
    return sorted(names.items(), key=lambda item: str(item[1]).lower())


def _slot_initial(peer):
    return [
        {"weekday": slot.weekday, "starts": slot.starts, "ends": slot.ends}
        for slot in peer.weekly_availability.filter(business=peer.business_id)
    ]


# --- availability ----------------------------------------------------------------------------


def _availability_page(request, business, peer, *, profile_form=None, slots=None, day_off=None):
    # Read, not made: a GET writes nothing; the first save creates the profile.
    profile = MatchingProfile.objects.filter(business=business, peer=peer).first()
    profile = profile or MatchingProfile(business=business, peer=peer)
    interests = _interest_choices(business)
    if profile_form is None:
        profile_form = ProfileForm(
            interests=interests,
            initial={
                "accepting": profile.accepting,
                "max_per_week": profile.max_per_week,
                "interests": profile.interests,
            },
        )
    return render(
        request,
        "web/me/matching/availability.html",
        {
            "peer": peer,
            "profile_form": profile_form,
            "slots": slots if slots is not None else SlotFormSet(initial=_slot_initial(peer)),
            "max_slots": MAX_SLOTS,
            "day_off_form": day_off or DayOffForm(),
            "days_off": DayOff.objects.filter(
                business=business, peer=peer, last__gte=timezone.localdate(None, business.tzinfo)
            ),
            "languages": peer.languages.all(),
        },
    )


@peer_page(GET_POST)
def availability(request, business):
    peer = _active_peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    if request.method != "POST":
        return _availability_page(request, business, peer)
    profile_form = ProfileForm(request.POST, interests=_interest_choices(business))
    # No initial rows here: what the browser sent replaces the slots, whatever they were.
    slots = SlotFormSet(request.POST)
    if profile_form.is_valid() and slots.is_valid():
        try:
            # Both or neither: a refused slot must not leave the profile half saved.
            with transaction.atomic():
                d = profile_form.cleaned_data
                services.update_profile(
                    peer,
                    accepting=d["accepting"],
                    max_per_week=d["max_per_week"],
                    interests=d["interests"],
                )
                services.set_weekly_availability(
                    peer, [s for s in (form.slot() for form in slots) if s is not None]
                )
        except ValidationError as exc:
            add_validation_error(profile_form, exc)
        except DomainError as exc:
            profile_form.add_domain_error(exc)
        else:
            messages.success(request, _("Your availability is saved."))
            return redirect("web:me_matching", business_slug=business.slug)
    return _availability_page(request, business, peer, profile_form=profile_form, slots=slots)


@peer_page(POST)
def day_off_add(request, business):
    peer = _active_peer_or_404(request, business)
    form = DayOffForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_day_off(peer, d["first"], d["last"] or d["first"], d["note"])
        except ValidationError as exc:
            add_validation_error(form, exc)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Your day off is saved: no proposals on those days."))
            return redirect(_url(business, "me_matching") + "#days-off")
    return _availability_page(request, business, peer, day_off=form)


@peer_page(POST)
def day_off_delete(request, business, day_off_id):
    peer = _active_peer_or_404(request, business)
    if not DayOff.objects.filter(business=business, peer=peer, pk=day_off_id).exists():
        raise Http404
    try:
        services.remove_day_off(peer, day_off_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The day off is removed."))
    return redirect(_url(business, "me_matching") + "#days-off")


# --- proposals and matches -------------------------------------------------------------------


def _describe(match, settings):
    """What the peer reads about a match's request (never who asked: the template adds the
    consumer's name and e-mail only once the peer has accepted)."""
    found = settings.get(match.program_id)
    interest_names = found.interest_names() if found else {}
    match.interest_words = [interest_names.get(slug, slug) for slug in match.request.interests]
    perk_names = found.perk_names(match.perks) if found else []
    match.perk_lines = [
        (name, perk.get("amount_minor") or 0)
        for name, perk in zip(perk_names, match.perks, strict=False)
    ]
    match.place = match.request.meeting_address or match.request.airport
    return match


PAST_SHOWN = (MatchStatus.COMPLETED, MatchStatus.CANCELLED)


@peer_page()
def matches(request, business):
    peer = _active_peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    now = timezone.now()
    settings = {s.program_id: s for s in MatchingSettings.objects.filter(business=business)}
    proposals = [_describe(m, settings) for m in selectors.peer_proposals(peer)]
    for match in proposals:
        match.explanation = selectors.describe_match(match)
    upcoming, past = [], []
    for match in selectors.peer_matches(peer):
        _describe(match, settings)
        match.ended = match.ends_at <= now
        (past if match.ended else upcoming).append(match)
    # Accepted meetings that ended wait for "completed" at the top of the past ones.
    # Proposals the peer declined or let expire were never meetings: not listed.
    past += [
        _describe(m, settings)
        for m in selectors.peer_matches(peer, upcoming=False)
        if m.status in PAST_SHOWN
    ]
    return render(
        request,
        "web/me/matching/matches.html",
        {"peer": peer, "proposals": proposals, "upcoming": upcoming, "past": past},
    )


def _own_match_or_404(business, peer, match_id):
    match = (
        Match.objects.filter(business=business, peer=peer, pk=match_id)
        .select_related("request", "program")
        .first()
    )
    if match is None:
        raise Http404
    return match


def _match_action(request, business, match_id, call, done):
    """Run `call(peer, match)`; its refusal becomes a message. Back to the list either way."""
    peer = _active_peer_or_404(request, business)
    match = _own_match_or_404(business, peer, match_id)
    try:
        call(peer, match)
    except ValidationError as exc:
        for texts in validation_messages(exc).values():
            for text in texts:
                messages.error(request, text)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(_url(business, "me_matches") + f"#match-{match.pk}")


def _reason(request):
    form = DeclineForm(request.POST)
    return form.cleaned_data["reason"].strip() if form.is_valid() else ""


@peer_page(POST)
def accept(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        lambda peer, match: services.accept(peer, match),
        _("Thank you! We sent them your first name and the meeting point; their contact is below."),
    )


@peer_page(POST)
def decline(request, business, match_id):
    reason = _reason(request)
    return _match_action(
        request,
        business,
        match_id,
        lambda peer, match: services.decline(peer, match, reason=reason),
        _("Declined. We will look for someone else."),
    )


@peer_page(POST)
def cancel(request, business, match_id):
    reason = _reason(request)
    return _match_action(
        request,
        business,
        match_id,
        lambda peer, match: services.cancel_match(match, by="peer", actor=peer, reason=reason),
        _("The meeting is cancelled; we told them and will look for someone else."),
    )


@peer_page(POST)
def complete(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        # The peer, not the user: the service lets a peer complete only their own ended match.
        lambda peer, match: services.complete_match(business, peer, match),
        _("Marked as completed. Thank you!"),
    )


@peer_page(POST)
def block(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        lambda peer, match: services.block_pair(peer, match),
        _("You will not be matched with this person again."),
    )
