"""Matching in the peer's app: what they offer (accepting or paused, a weekly limit, interests,
weekly slots and days off) and the requests proposed to them (accept or decline before the
deadline, then cancel, mark completed or never be matched with that consumer again).

Until a peer accepts, a proposal shows everything about the request except who asked: the
consumer's name and e-mail appear only on an accepted match. The matching services decide
what is valid, and that the peer is active; their refusals come back as a message on the page
the peer came from."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError, NotFound
from peerarmy.matching import selectors, services
from peerarmy.matching.inputs import MAX_SLOTS
from peerarmy.rewards import selectors as rewards_selectors
from peerarmy.rewards.models import Event
from peerarmy.web.forms.matching import DayOffForm, DeclineForm, ProfileForm, SlotFormSet

from .base import peer_page

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)


# --- shared helpers --------------------------------------------------------------------------


def _peer_or_home(request, business):
    """The peer the pages are for, or None: the page then sends the visitor to their home
    in the army (their application, or how to join)."""
    try:
        return selectors.get_matching_peer(business, request.user)
    except NotFound:
        return None


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _interest_choices(business):
    """Every interest of the business's matching programs, by name."""
    names = selectors.interest_choices(business)
    return sorted(names.items(), key=lambda item: str(item[1]).lower())


# --- availability ----------------------------------------------------------------------------


def _availability_page(request, business, peer, *, profile_form=None, slots=None, day_off=None):
    # Read, not made: a GET writes nothing; the first save creates the profile.
    offer = selectors.offer_of(peer)
    profile = offer.profile
    interests = _interest_choices(business)
    if profile_form is None:
        profile_form = ProfileForm(
            interests=interests,
            initial={
                "accepting": profile.accepting,
                "max_per_week": profile.max_per_week,
                "interests": profile.interests,
                "phone": profile.phone,
            },
        )
    return render(
        request,
        "web/me/matching/availability.html",
        {
            "peer": peer,
            "profile_form": profile_form,
            "slots": slots
            if slots is not None
            else SlotFormSet(
                initial=[
                    {"weekday": s.weekday, "starts": s.starts, "ends": s.ends} for s in offer.slots
                ]
            ),
            "max_slots": MAX_SLOTS,
            "day_off_form": day_off or DayOffForm(),
            "days_off": selectors.days_off(peer, since=timezone.localdate(None, business.tzinfo)),
            "languages": selectors.spoken_languages(peer),
        },
    )


@peer_page(GET_POST)
def availability(request, business):
    peer = _peer_or_home(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    if request.method != "POST":
        return _availability_page(request, business, peer)
    # No initial rows here: what the browser sent replaces the slots, whatever they were.
    slots = SlotFormSet(request.POST)
    profile_form = ProfileForm(request.POST, interests=_interest_choices(business), slots=slots)
    rows_read = slots.is_valid()
    if profile_form.is_valid() and rows_read:
        try:
            services.update_profile(peer, profile_form.input)
        except DomainError as exc:
            profile_form.add_domain_error(exc)
        else:
            messages.success(request, _("Your availability is saved."))
            return redirect("web:me_matching", business_slug=business.slug)
    return _availability_page(request, business, peer, profile_form=profile_form, slots=slots)


@peer_page(POST)
def day_off_add(request, business):
    peer = selectors.get_matching_peer(business, request.user)
    form = DayOffForm(request.POST)
    if form.is_valid():
        try:
            services.add_day_off(peer, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Your day off is saved: no proposals on those days."))
            return redirect(_url(business, "me_matching") + "#days-off")
    return _availability_page(request, business, peer, day_off=form)


@peer_page(POST)
def day_off_delete(request, business, day_off_id):
    peer = selectors.get_matching_peer(business, request.user)
    services.remove_day_off(peer, day_off_id)
    messages.success(request, _("The day off is removed."))
    return redirect(_url(business, "me_matching") + "#days-off")


# --- proposals and matches -------------------------------------------------------------------


def _describe(match, settings, promised=None):
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
    # what the program's reward rules give the peer once the meeting is done
    match.promised = (promised or {}).get(match.program_id, [])
    return match


@peer_page()
def matches(request, business):
    peer = _peer_or_home(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    now = timezone.now()
    settings = selectors.settings_by_program(business)
    promised = rewards_selectors.promised_rewards(business, Event.MATCH_COMPLETED)
    proposals = [_describe(m, settings, promised) for m in selectors.peer_proposals(peer)]
    for match in proposals:
        match.explanation = selectors.describe_match(match)
    upcoming = [
        _describe(m, settings, promised) for m in selectors.peer_upcoming_matches(peer, now=now)
    ]
    past = [_describe(m, settings) for m in selectors.peer_past_matches(peer, now=now)]
    return render(
        request,
        "web/me/matching/matches.html",
        {"peer": peer, "proposals": proposals, "upcoming": upcoming, "past": past},
    )


def _match_action(request, business, match_id, call, done, *, with_reason=False):
    """Run `call(peer, match)` (with the reason typed, `call(peer, match, reason)`); its
    refusal becomes a message. Back to the list either way."""
    peer = selectors.get_matching_peer(business, request.user)
    match = selectors.get_peer_match(peer, match_id)
    try:
        if with_reason:
            form = DeclineForm(request.POST)
            if not form.is_valid():
                for texts in form.errors.values():
                    for text in texts:
                        messages.error(request, text)
                return redirect(_url(business, "me_matches") + f"#match-{match.pk}")
            call(peer, match, form.input)
        else:
            call(peer, match)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(_url(business, "me_matches") + f"#match-{match.pk}")


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
    return _match_action(
        request,
        business,
        match_id,
        lambda peer, match, reason: services.decline(peer, match, reason),
        _("Declined. We will look for someone else."),
        with_reason=True,
    )


@peer_page(POST)
def cancel(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        lambda peer, match, reason: services.cancel_own_match(peer, match, reason),
        _("The meeting is cancelled; we told them and will look for someone else."),
        with_reason=True,
    )


@peer_page(POST)
def complete(request, business, match_id):
    return _match_action(
        request,
        business,
        match_id,
        # The service lets a peer complete only their own match, once it has ended.
        lambda peer, match: services.complete_own_match(peer, match),
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
