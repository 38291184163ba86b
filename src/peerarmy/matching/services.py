"""Matching's use cases: the consumer's request, the peer's offer, the runs that propose a peer
for each open request, and the answers, cancellations and completions that follow.

Every change takes its typed input (`matching.inputs`) and returns an `Outcome`; the rules that
need the program's settings or the clock are checked here and reported together.

A run reads a program's open requests and the peers who may take part (the one eligibility
rule, `programs.eligibility`), hands plain data to the pure engine (`engine.match`), and writes
one proposal per matched request. Runs of one program are serialised by a lock on its settings
row, so two runs never propose for the same request; a request has at most one live match,
which the database enforces as well. The engine (NumPy, SciPy, OR-Tools) is imported by the
first run, not when the site starts.

Time is split in weeks for the engine: each peer is offered once per local week the requests
fall in, with that week's remaining matches as capacity and that week's matches so far as the
load the fairness term grows with.
"""

import logging
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override

from peerarmy import events
from peerarmy.errors import InvalidTransition, NotFound, PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome, stored_degrees
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers import geocoding
from peerarmy.programs.eligibility import Failure, Requirement, describe
from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
from peerarmy.scheduling.models import Claim, ClaimStatus
from peerarmy.tenancy.services import check_can_manage, check_is_owner

from . import selectors
from .inputs import (
    AFTER_ARRIVAL,
    BEFORE_DEPARTURE,
    SCALAR_SETTINGS,
    CancelRequestInput,
    DayOffInput,
    LayoverRequestInput,
    MatchingProfileInput,
    MatchingSettingsInput,
    MatchReasonInput,
    MatchRequestInput,
    request_input_class,
)
from .models import (
    HELD_MATCH,
    LIVE_MATCH,
    CancelledBy,
    DayOff,
    Match,
    MatchingProfile,
    MatchingSettings,
    MatchRequest,
    MatchRun,
    MatchStatus,
    PairBlock,
    RequestStatus,
    RunResult,
    WeeklyAvailability,
)
from .selectors import MATCHING_KINDS, MatchingOffer, NotMatchingProgram

__all__ = ["AFTER_ARRIVAL", "BEFORE_DEPARTURE", "MATCHING_KINDS", "NotMatchingProgram"]

logger = logging.getLogger(__name__)

LEVELS = {"basic": 1, "conversational": 2, "fluent": 3, "native": 4}
# A proposal leaves the peer at least this long to answer and get there.
LEAD = timedelta(minutes=30)

# Where the peers' stars come from: the trust app registers its reader at start-up
# (`trust.apps`; matching sits below trust and cannot import it). Without one, every peer
# counts as unrated (`engine.UNRATED`).
RATING_SOURCES = []


def peer_ratings(business, peer_ids) -> dict:
    """{peer id: stars 1-5} of the rated peers among `peer_ids`."""
    for source in RATING_SOURCES:
        return source(business, peer_ids)
    return {}


# How far ahead a request may be, and how far back a run looks for a peer's commitments.
HORIZON = timedelta(days=90)
# The worker's sweep runs every minute; a program's batch runs this often.
BATCH_EVERY = timedelta(minutes=getattr(django_settings, "MATCHING_BATCH_MINUTES", 5))


def _engine():
    """The pure core, imported when a run needs it: it brings NumPy, SciPy and OR-Tools."""
    from . import engine

    return engine


def _is_open(program) -> bool:
    """Whether peers may take part in `program` now: the eligibility rule's own answer."""
    return Requirement.of_program(program).is_open


def _check_active(peer):
    """Only an active peer offers time and answers proposals (`selectors.is_active`)."""
    if not selectors.is_active(peer):
        raise PermissionDenied()


# --- settings and the peer's offer -------------------------------------------------------------


def _settings_row(program) -> tuple[MatchingSettings, bool]:
    """The program's settings row, locked for the transaction, and whether this made it: a
    change or a run makes it with the defaults the first time (a read uses
    `selectors.settings_of`, which makes nothing). A program that does not match requests
    raises `NotMatchingProgram`."""
    if program.kind not in MATCHING_KINDS:
        raise NotMatchingProgram()
    found, created = MatchingSettings.objects.get_or_create(
        program=program, defaults={"business_id": program.business_id}
    )
    return MatchingSettings.objects.select_for_update().get(pk=found.pk), created


@transaction.atomic
def update_settings(
    business, actor, program, data: MatchingSettingsInput
) -> Outcome[MatchingSettings]:
    """Set how a program matches (the owner only): every setting at once, as `data` says
    (a PATCH overlays what it sends on `MatchingSettingsInput.of(settings)`); `created`
    when this saved the program's settings for the first time."""
    check_is_owner(actor, business)
    if program.business_id != business.pk:
        raise NotFound()
    found, created = _settings_row(program)
    found.interests = [item.model_dump() for item in data.interests]
    found.airports = [item.model_dump() for item in data.airports]
    found.perks = [item.model_dump() for item in data.perks]
    found.latitude = stored_degrees(data.latitude)
    found.longitude = stored_degrees(data.longitude)
    for name in SCALAR_SETTINGS:
        setattr(found, name, getattr(data, name))
    found.save()
    return Outcome(found, created=created)


@transaction.atomic
def update_profile(peer, data: MatchingProfileInput) -> Outcome[MatchingOffer]:
    """What the peer offers and every weekly slot, both or neither; the value is the offer
    as saved (the profile and its slots, in order); `created` when this made the peer's
    matching profile."""
    _check_active(peer)
    known = selectors.interest_choices(peer.business)
    unknown = [slug for slug in data.interests if slug not in known]
    errors = FieldErrors()
    if unknown:
        errors.add("interests", _("Unknown interest: %(slug)s.") % {"slug": unknown[0]})
    errors.raise_if_any()
    profile, created = MatchingProfile.objects.get_or_create(
        peer=peer, defaults={"business_id": peer.business_id}
    )
    profile.accepting = data.accepting
    profile.max_per_week = data.max_per_week
    profile.interests = list(data.interests)
    profile.phone = data.phone
    profile.save()
    WeeklyAvailability.objects.filter(peer=peer).delete()
    slots = WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(
            business_id=peer.business_id,
            peer=peer,
            weekday=slot.weekday,
            starts=slot.starts,
            ends=slot.ends,
        )
        for slot in data.slots  # in order: the input sorts them
    )
    return Outcome(MatchingOffer(profile=profile, slots=tuple(slots)), created=created)


def add_day_off(peer, data: DayOffInput) -> Outcome[DayOff]:
    """Days away (`data.until`: the first day when no last day is given)."""
    _check_active(peer)
    day_off = DayOff.objects.create(
        business_id=peer.business_id, peer=peer, first=data.first, last=data.until, note=data.note
    )
    return Outcome(day_off, created=True)


def remove_day_off(peer, day_off_id) -> Outcome[None]:
    """Remove one of the peer's own days off; any other id is `NotFound`."""
    _check_active(peer)
    selectors.get_day_off(peer, day_off_id).delete()
    return Outcome(None)


# --- the consumer's request --------------------------------------------------------------------


def _minutes_text(minutes):
    hours, rest = divmod(int(minutes), 60)
    if rest == 0:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


def minimum_layover(found) -> timedelta:
    """The shortest layover a program takes: its setting, and never less than the time out of
    the airport and back plus one meeting."""
    return max(
        timedelta(minutes=found.min_free_minutes),
        AFTER_ARRIVAL + timedelta(minutes=found.meeting_minutes) + BEFORE_DEPARTURE,
    )


def _check_request(found, data: MatchRequestInput, now) -> dict:
    """The rules of a request that need the program's settings (`found`) and the clock, all
    reported at once; returns the request's fields."""
    errors = FieldErrors()
    starts, ends = data.window
    airports = {a["code"]: a for a in found.airports}
    airport = None
    if isinstance(data, LayoverRequestInput):
        start_field = "arrival"
        if airports and data.airport not in airports:
            errors.add("airport", _("Choose one of the airports listed."))
        airport = airports.get(data.airport)
        free, minimum = data.departure - data.arrival, minimum_layover(found)
        if free < minimum:
            errors.add(
                "departure",
                _(
                    "Your layover leaves %(free)s between arrival and departure; this "
                    "program needs at least %(minimum)s so that you can leave the airport "
                    "and be back in time."
                )
                % {
                    "free": _minutes_text(free.total_seconds() // 60),
                    "minimum": _minutes_text(minimum.total_seconds() // 60),
                },
            )
        elif data.arrival < now:
            errors.add("arrival", _("The arrival is in the past."))
    else:
        start_field = "starts_at"
        if starts < now:
            errors.add("starts_at", _("The start is in the past."))
        elif ends - starts < timedelta(minutes=found.meeting_minutes):
            errors.add(
                "ends_at",
                _("A meeting takes %(length)s; give a window at least that long.")
                % {"length": _minutes_text(found.meeting_minutes)},
            )
    window_valid = not errors
    if window_valid and starts > now + HORIZON:
        errors.add(start_field, _("Ask at most 90 days ahead."))

    latitude, longitude = stored_degrees(data.latitude), stored_degrees(data.longitude)
    if (latitude is None or longitude is None) and data.meeting_address:
        # An address with its town or postcode is placed there (the shipped gazetteer, or
        # the geocoding service where one is configured).
        place = geocoding.locate(data.meeting_address)
        if place is not None:
            latitude, longitude = stored_degrees(place.latitude), stored_degrees(place.longitude)
    if latitude is None or longitude is None:
        if (
            airport
            and airport.get("lat") is not None
            and airport.get("lon") is not None
            and not data.meeting_address
        ):
            latitude, longitude = stored_degrees(airport["lat"]), stored_degrees(airport["lon"])
        elif found.latitude is not None:
            latitude, longitude = found.latitude, found.longitude
        else:
            errors.add(
                "meeting_address",
                _("Tell us where to meet: an address with its town, or a postcode."),
            )
    if data.group_size > found.max_group_size:  # at least 1: the input's own rule
        errors.add(
            "group_size", _("A group of 1 to %(max)d people.") % {"max": found.max_group_size}
        )
    known = {item["slug"] for item in found.interests}
    unknown = [slug for slug in data.interests if slug not in known]
    if unknown:
        errors.add("interests", _("Unknown interest: %(slug)s.") % {"slug": unknown[0]})
    errors.raise_if_any()
    return {
        "name": data.name,
        "email": data.email,
        "starts_at": starts,
        "ends_at": ends,
        "meeting_minutes": min(found.meeting_minutes, int((ends - starts).total_seconds() // 60)),
        "airport": getattr(data, "airport", ""),
        "meeting_address": data.meeting_address,
        "phone": data.phone,
        "latitude": latitude,
        "longitude": longitude,
        "group_size": data.group_size,
        "languages": list(data.languages),
        "interests": list(data.interests),
        "accessibility": data.accessibility,
        "note": data.note,
    }


def _request_input_for(program, data):
    expected = request_input_class(program.kind)
    if not isinstance(data, expected):
        raise TypeError(f"a {program.kind} program's request is a {expected.__name__}")


def _request_url(match_request, name="web:match_request"):
    return reverse(
        name, kwargs={"business_slug": match_request.business.slug, "token": match_request.token}
    )


def _email_consumer(match_request, template, event, **context):
    business = match_request.business
    with timezone.override(business.tzinfo), translation_override(match_request.language):
        enqueue_email(
            business=business,
            to=match_request.email,
            language=match_request.language,
            template=f"matching/email/{template}",
            event=event,
            context={
                "request": match_request,
                "program": match_request.program,
                "request_url": _request_url(match_request),
                **context,
            },
            # The request's link is the consumer's key to it (no account needed).
            secret_keys=("request_url", "confirm_url"),
        )


def _peer_language(peer):
    return getattr(peer.user, "language", "") or peer.business.default_language


def _email_peer(peer, template, event, **context):
    business = peer.business
    with timezone.override(business.tzinfo), translation_override(_peer_language(peer)):
        enqueue_email(
            business=business,
            to=peer.user.email,
            language=_peer_language(peer),
            template=f"matching/email/{template}",
            event=event,
            context={"peer": peer, **context},
        )


def submit_request(
    program, data: MatchRequestInput, *, language, now=None
) -> Outcome[MatchRequest]:
    """Store a consumer's request, unconfirmed, and e-mail them the confirmation link. `data`
    is the variant of the program's kind (`inputs.request_input_class`); `language` is the
    page's, in which the consumer is written to (context, not something they type)."""
    now = now or timezone.now()
    if program.kind not in MATCHING_KINDS or not _is_open(program):
        raise NotMatchingProgram()
    _request_input_for(program, data)
    values = _check_request(selectors.settings_of(program), data, now)
    language = (language or program.business.default_language)[:2]
    if language not in dict(django_settings.LANGUAGES):
        language = program.business.default_language
    with transaction.atomic():
        match_request = MatchRequest.objects.create(
            business_id=program.business_id, program=program, language=language, **values
        )
        _email_consumer(
            match_request,
            "request_confirm",
            "matching.request_confirm",
            confirm_url=_request_url(match_request, "web:match_request_confirm"),
        )
    return Outcome(match_request, created=True)


def confirm_request(match_request, *, now=None) -> Outcome[MatchRequest]:
    """The consumer followed the link: the request is open, and a run looks for a peer now.
    A request no longer waiting for its confirmation (confirmed before, cancelled, expired)
    is answered as it is, `replayed`. One whose window has passed expires instead, and the
    Outcome warns that it did."""
    now = now or timezone.now()
    with transaction.atomic():
        match_request = MatchRequest.objects.select_for_update().get(pk=match_request.pk)
        if not match_request.awaits_confirmation:
            return Outcome(match_request, replayed=True)
        if match_request.ends_at <= now:
            match_request.status = RequestStatus.EXPIRED
            match_request.save(update_fields=["status", "updated_at"])
            return Outcome(
                match_request,
                warnings=(
                    _(
                        "Your request has expired: the time you asked for passed before you "
                        "confirmed it, so it was not sent to our locals."
                    ),
                ),
            )
        match_request.status = RequestStatus.OPEN
        match_request.confirmed_at = now
        match_request.save(update_fields=["status", "confirmed_at", "updated_at"])
        _email_consumer(match_request, "request_received", "matching.request_received")
    _run_now(match_request.program, trigger=MatchRun.Trigger.REQUEST, now=now)
    match_request.refresh_from_db()
    return Outcome(match_request)


CHANGES_THAT_REMATCH = {
    "meeting_address",
    "starts_at",
    "ends_at",
    "latitude",
    "longitude",
    "languages",
    "group_size",
    "airport",
    "meeting_minutes",
}


def check_can_change(match_request):
    """Refuse a change of a request that is over (`MatchRequest.is_closed`): the rule every
    change of a request asks first, and the words the consumer reads."""
    if match_request.is_closed:
        raise InvalidTransition(_("This request can no longer be changed."))


def check_can_cancel(match_request):
    """Refuse to cancel a request that is over (`MatchRequest.is_closed`)."""
    if match_request.is_closed:
        raise InvalidTransition(_("This request is already closed."))


def update_request(match_request, data: MatchRequestInput, *, now=None) -> Outcome[MatchRequest]:
    """The consumer changes their request (`data`: the whole request, as on the form; the
    confirmed e-mail address stays). A change of time, place, group or languages withdraws a
    proposal or an accepted match (the peer is told) and looks again."""
    now = now or timezone.now()
    rematch = False
    with transaction.atomic():
        match_request = (
            MatchRequest.objects.select_for_update()
            .select_related("program", "business")
            .get(pk=match_request.pk)
        )
        check_can_change(match_request)
        _request_input_for(match_request.program, data)
        values = _check_request(selectors.settings_of(match_request.program), data, now)
        values.pop("email")  # the address was confirmed; a new one would need confirming again
        if (values["starts_at"], values["ends_at"]) == (
            match_request.starts_at,
            match_request.ends_at,
        ):
            # The meeting's length was set when the request was made; a later change of the
            # program's settings does not make a typo fix a new request.
            values["meeting_minutes"] = match_request.meeting_minutes
        changed = {k for k, v in values.items() if getattr(match_request, k) != v}
        for key in changed:
            setattr(match_request, key, values[key])
        match_request.save()
        live = (
            match_request.matches.filter(status__in=LIVE_MATCH)
            .select_for_update(of=("self",))
            .select_related("peer__user")
            .first()
        )
        if live and changed & CHANGES_THAT_REMATCH:
            was_accepted = live.status == MatchStatus.ACCEPTED
            _end_match(live, MatchStatus.CANCELLED, now, by=CancelledBy.CONSUMER)
            _email_peer(
                live.peer,
                "match_cancelled",
                "matching.match_cancelled",
                match=live,
                request=match_request,
                program=match_request.program,
                by=CancelledBy.CONSUMER,
                was_accepted=was_accepted,
                reason=_("The traveller changed their request."),
                url=reverse(
                    "web:me_matches", kwargs={"business_slug": match_request.business.slug}
                ),
            )
            match_request.status = RequestStatus.OPEN
            match_request.save(update_fields=["status", "updated_at"])
            rematch = True
        elif match_request.status == RequestStatus.OPEN and changed:
            rematch = True
    if rematch:
        _run_now(match_request.program, trigger=MatchRun.Trigger.REMATCH, now=now)
        match_request.refresh_from_db()
    return Outcome(match_request)


def cancel_own_request(
    match_request, data: CancelRequestInput | None = None, *, now=None
) -> Outcome[MatchRequest]:
    """The consumer, who holds the request's link, cancels it with an optional reason (their
    words reach the peer only if the peer had accepted); with `data.block_peer`, the peer of
    its live match is never proposed to them again."""
    return _cancel_request(match_request, data, by=CancelledBy.CONSUMER, now=now)


def cancel_request(
    business, actor, match_request, data: MatchReasonInput | None = None, *, now=None
) -> Outcome[MatchRequest]:
    """Staff cancel a request of their business with an optional reason: the consumer is
    told, and so is the peer of its live match."""
    check_can_manage(actor, business)
    if match_request.business_id != business.pk:
        raise NotFound()
    return _cancel_request(match_request, data, by=CancelledBy.STAFF, now=now)


def _cancel_request(match_request, data, *, by: CancelledBy, now) -> Outcome[MatchRequest]:
    """Cancel a request; a live match goes with it and its peer is told."""
    now = now or timezone.now()
    reason = data.reason if data is not None else ""
    block_peer = isinstance(data, CancelRequestInput) and data.block_peer
    with transaction.atomic():
        match_request = (
            MatchRequest.objects.select_for_update()
            .select_related("program", "business")
            .get(pk=match_request.pk)
        )
        check_can_cancel(match_request)
        live = (
            match_request.matches.filter(status__in=LIVE_MATCH)
            .select_for_update(of=("self",))
            .select_related("peer__user")
            .first()
        )
        was_accepted = live is not None and live.status == MatchStatus.ACCEPTED
        if live is not None:
            if block_peer and by == CancelledBy.CONSUMER:
                PairBlock.objects.get_or_create(
                    business_id=match_request.business_id,
                    peer_id=live.peer_id,
                    email=match_request.email,
                    defaults={"by_peer": False},
                )
            _end_match(live, MatchStatus.CANCELLED, now, by=by, reason=reason)
            _email_peer(
                live.peer,
                "match_cancelled",
                "matching.match_cancelled",
                match=live,
                request=match_request,
                program=match_request.program,
                by=by,
                was_accepted=was_accepted,
                # A consumer's words reach the peer only once they had met their contact.
                reason=reason if (was_accepted or by != CancelledBy.CONSUMER) else "",
                url=reverse(
                    "web:me_matches", kwargs={"business_slug": match_request.business.slug}
                ),
            )
        match_request.status = RequestStatus.CANCELLED
        match_request.cancelled_at = now
        match_request.save(update_fields=["status", "cancelled_at", "updated_at"])
        if by == CancelledBy.STAFF:
            _email_consumer(
                match_request,
                "request_cancelled",
                "matching.request_cancelled",
                reason=reason,
                was_matched=was_accepted,
                match=live if was_accepted else None,
            )
    return Outcome(match_request)


# --- runs --------------------------------------------------------------------------------------


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=UTC)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _subtract(windows, busy):
    """`windows` minus the `busy` intervals; both lists of (start, end) minutes."""
    if not busy:
        return windows
    busy = sorted(busy)
    result = []
    for start, end in windows:
        cursor = start
        for b_start, b_end in busy:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                result.append((cursor, b_start))
            cursor = max(cursor, b_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def _week_windows(peer, monday, tz):
    """The peer's free windows (minutes) in the local week starting `monday`, before commitments."""
    off = [(d.first, d.last) for d in peer.days_off.all()]
    windows = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        if any(first <= day <= last for first, last in off):
            continue
        for slot in peer.weekly_availability.all():
            if slot.weekday != day.weekday():
                continue
            start = datetime.combine(day, slot.starts, tzinfo=tz)
            end = datetime.combine(day, slot.ends, tzinfo=tz)
            windows.append((_minute(start), _minute(end)))
    return sorted(windows)


def _commitments(peer_ids, start, end):
    """Busy intervals per peer: active claims and live matches overlapping [start, end)."""
    busy = {}
    claims = Claim.objects.filter(
        peer_id__in=peer_ids,
        status=ClaimStatus.ACTIVE,
        starts_at__lt=end,
        ends_at__gt=start,
    ).values_list("peer_id", "starts_at", "ends_at")
    for peer_id, b_start, b_end in claims:
        busy.setdefault(peer_id, []).append((_minute(b_start), _minute(b_end)))
    matches = Match.objects.filter(
        peer_id__in=peer_ids, status__in=LIVE_MATCH, meets_at__lt=end, ends_at__gt=start
    ).values_list("peer_id", "meets_at", "ends_at")
    for peer_id, m_start, m_end in matches:
        busy.setdefault(peer_id, []).append((_minute(m_start), _minute(m_end)))
    return busy


def _held_matches(peer_ids, mondays, tz):
    """Matches held per (peer, local Monday) and per (peer, local day) in the given weeks."""
    if not mondays:
        return {}, {}
    first = datetime.combine(min(mondays), time(), tzinfo=tz)
    last = datetime.combine(max(mondays) + timedelta(days=7), time(), tzinfo=tz)
    weeks, days = {}, {}
    rows = Match.objects.filter(
        peer_id__in=peer_ids, status__in=HELD_MATCH, meets_at__gte=first, meets_at__lt=last
    ).values_list("peer_id", "meets_at")
    for peer_id, meets_at in rows:
        local = meets_at.astimezone(tz).date()
        week = (peer_id, _monday(local))
        weeks[week] = weeks.get(week, 0) + 1
        day = days.setdefault(week, {})
        day[local.toordinal()] = day.get(local.toordinal(), 0) + 1
    return weeks, days


def _weights(found):
    return _engine().Weights(
        distance=found.weight_distance,
        interest=found.weight_interest,
        language=found.weight_language,
        reliability=found.weight_reliability,
        rating=found.weight_rating,
        fairness=found.weight_fairness,
        max_distance_km=float(found.max_distance_km) if found.max_distance_km else None,
    )


def _excluded(requests):
    """Peers each request may not go to: those who declined it or let it expire, and pairs
    blocked by either side."""
    excluded = {r.pk: set() for r in requests}
    # A peer whose match the consumer cancelled (to change the request) may be proposed again.
    past = Match.objects.filter(
        Q(status__in=(MatchStatus.DECLINED, MatchStatus.EXPIRED))
        | Q(status=MatchStatus.CANCELLED, cancelled_by__in=(CancelledBy.PEER, CancelledBy.STAFF)),
        request__in=requests,
    ).values_list("request_id", "peer_id")
    for request_id, peer_id in past:
        excluded[request_id].add(peer_id)
    emails = {r.email for r in requests}
    blocked = {}
    for peer_id, email in PairBlock.objects.filter(
        business_id=requests[0].business_id, email__in=emails
    ).values_list("peer_id", "email"):
        blocked.setdefault(email, set()).add(peer_id)
    for r in requests:
        excluded[r.pk] |= blocked.get(r.email, set())
    return excluded


def build_inputs(program, found, requests, now):
    """The engine's plain data for `requests`: one engine request each, one engine peer per
    eligible peer and local week the requests fall in (`found`: the program's settings)."""
    engine = _engine()
    tz = program.business.tzinfo
    weeks = {}
    engine_requests = []
    excluded = _excluded(requests)
    for r in requests:
        start = max(r.starts_at, now + LEAD)
        local_start = start.astimezone(tz)
        monday = _monday(local_start.date())
        weeks.setdefault(monday, []).append(r)
        engine_requests.append((r, monday, start))
    peers = selectors.eligible_peers(program)
    peer_ids = [p.pk for p in peers]
    horizon_start = datetime.combine(min(weeks), time(), tzinfo=tz) if weeks else now
    horizon_end = (
        datetime.combine(max(weeks) + timedelta(days=7), time(), tzinfo=tz) if weeks else now
    )
    busy = _commitments(peer_ids, horizon_start, horizon_end)
    loads, booked = _held_matches(peer_ids, list(weeks), tz)
    ratings = peer_ratings(program.business, peer_ids)
    engine_peers = []
    meta = {}
    now_minute = _minute(now + LEAD)
    for peer in peers:
        languages = {pl.language: LEVELS.get(pl.level, 3) for pl in peer.languages.all()}
        for monday in weeks:
            windows = _subtract(_week_windows(peer, monday, tz), busy.get(peer.pk, []))
            windows = [(max(s, now_minute), e) for s, e in windows if e > now_minute]
            load = loads.get((peer.pk, monday), 0)
            capacity = max(0, peer.matching.max_per_week - load)
            # Offered even when not free or at their limit, so that the engine can tell the
            # consumer which it was.
            key = (peer.pk, monday.toordinal())
            meta[key] = {"peer": peer, "load": load, "capacity": capacity, "windows": windows}
            engine_peers.append(
                engine.PeerIn(
                    id=key,
                    lat=float(peer.latitude),
                    lon=float(peer.longitude),
                    radius_km=float(peer.travel_radius_km),
                    languages=languages,
                    windows=tuple(windows),
                    capacity=capacity,
                    per_day=found.per_day,
                    load=load,
                    interests=frozenset(peer.matching.interests),
                    reliability=float(peer.reliability) if peer.reliability is not None else None,
                    rating=ratings.get(peer.pk),
                    booked=booked.get((peer.pk, monday), {}),
                )
            )
    inputs = []
    for r, monday, start in engine_requests:
        inputs.append(
            engine.RequestIn(
                id=r.pk,
                lat=float(r.latitude),
                lon=float(r.longitude),
                start=_minute(start),
                end=_minute(r.ends_at),
                minutes=r.meeting_minutes,
                languages=frozenset(r.languages),
                interests=frozenset(r.interests),
                day=start.astimezone(tz).date().toordinal(),
                excluded=frozenset((peer_id, monday.toordinal()) for peer_id in excluded[r.pk]),
            )
        )
    return inputs, engine_peers, meta


def _meeting_time(request_in, windows):
    """The first moment inside the request's window where the peer is free long enough, or
    None."""
    for start, end in windows:
        begin = max(start, request_in.start)
        if min(end, request_in.end) - begin >= request_in.minutes:
            return begin
    return None


def _open_requests(program, now):
    """The program's open requests, locked: a cancellation waits for the run, then sees its
    proposal."""
    return list(
        MatchRequest.objects.select_for_update(of=("self",))
        .filter(program=program, status=RequestStatus.OPEN, ends_at__gt=now)
        .select_related("business")
        .order_by("pk")
    )


def _run_now(program, *, trigger, now):
    """The instant run after a confirmation, a decline or an expiry. What caused it is already
    committed; if the run fails, the next batch (within BATCH_EVERY) tries again, so the
    consumer or peer who clicked is not shown an error for it."""
    try:
        return run_matching(program, trigger=trigger, now=now).value
    except InvalidTransition:
        return None  # closed since: nobody may take part, so there is nothing to propose
    except Exception:  # noqa: BLE001 - logged; the batch retries
        logger.exception("instant matching run of program %s failed", program.pk)
        return None


def run_matching(program, *, trigger, actor=None, now=None) -> Outcome[MatchRun]:
    """Solve the program's open requests now and propose the chosen peers. A run started by
    staff needs a member of the business as `actor`."""
    now = now or timezone.now()
    if trigger == MatchRun.Trigger.STAFF:
        check_can_manage(actor, program.business)
    if not _is_open(program):
        # Nobody may take part in a program that is not open (the eligibility rule): a run
        # would only tell every request that nobody fits.
        raise InvalidTransition(describe(Failure("not_open")))
    engine = _engine()
    started = timezone.now()
    with transaction.atomic():
        # One run of a program at a time: its requests are proposed once.
        found, _created = _settings_row(program)
        _expire_past_requests(program, now)
        requests = _open_requests(program, now)
        by_id = {r.pk: r for r in requests}
        inputs, peers, meta = (
            build_inputs(program, found, requests, now) if requests else ([], [], {})
        )
        weights = _weights(found)
        result = engine.match(inputs, peers, weights, fairness=True, explain=True)
        run = MatchRun.objects.create(
            business_id=program.business_id,
            program=program,
            trigger=trigger,
            started_by=actor if getattr(actor, "pk", None) else None,
            requests=len(inputs),
            peers=len({key[0] for key in meta}),
            candidates=int(result.stats.get("candidates", 0)),
            matched=len(result.assignments),
            unmatched=len(result.unmatched),
            total_cost=int(result.stats.get("total_cost", 0)),
            weights={k: v for k, v in asdict(weights).items() if v is not None},
        )
        inputs_by_id = {r.id: r for r in inputs}
        after = {}
        results = []
        booked = {}  # meetings given to each peer in this run, so two never overlap
        total_cost = 0
        for assignment in sorted(
            result.assignments, key=lambda a: (a.start or 0, str(a.request_id))
        ):
            peer_key = assignment.peer_id
            info = meta[peer_key]
            match_request = by_id[assignment.request_id]
            request_in = inputs_by_id[assignment.request_id]
            begin = _meeting_time(request_in, _subtract(info["windows"], booked.get(peer_key, [])))
            if begin is None:
                # With more than one a day, the engine may give a peer two requests whose
                # only times overlap: the second waits for the next run.
                result.unmatched.append(
                    engine.Unmatched(
                        request_id=assignment.request_id,
                        reason="taken",
                        detail={"languages": sorted(request_in.languages), "candidates": 1},
                    )
                )
                continue
            booked.setdefault(peer_key, []).append((begin, begin + request_in.minutes))
            total_cost += assignment.cost
            reasons = assignment.reasons.as_dict() if assignment.reasons else {}
            _propose(
                run,
                match_request,
                info["peer"],
                found,
                now,
                meets_at=_from_minute(begin),
                minutes=request_in.minutes,
                cost=assignment.cost,
                components=dict(assignment.components),
                reasons=reasons,
            )
            after[peer_key] = after.get(peer_key, 0) + 1
            results.append(
                RunResult(
                    business_id=program.business_id,
                    run=run,
                    request=match_request,
                    peer=info["peer"],
                    cost=assignment.cost,
                    components=dict(assignment.components),
                    reasons=reasons,
                )
            )
        for unmatched in result.unmatched:
            match_request = by_id[unmatched.request_id]
            match_request.unmatched_reason = unmatched.reason
            match_request.unmatched_detail = _plain(unmatched.detail)
            match_request.save(update_fields=["unmatched_reason", "unmatched_detail", "updated_at"])
            results.append(
                RunResult(
                    business_id=program.business_id,
                    run=run,
                    request=match_request,
                    unmatched_reason=unmatched.reason,
                    reasons=_plain(unmatched.detail),
                )
            )
        RunResult.objects.bulk_create(results)
        run.loads = sorted(
            (
                {
                    "peer_id": key[0],
                    "week": date.fromordinal(key[1]).isoformat(),
                    "name": info["peer"].display_name,
                    "before": info["load"],
                    "after": info["load"] + after.get(key, 0),
                    "capacity": info["peer"].matching.max_per_week,
                }
                for key, info in meta.items()
                if info["load"] or after.get(key)
            ),
            key=lambda row: (-row["after"], row["name"]),
        )
        # The spread staff see: each offering peer's matches this week after the run.
        spread = [
            info["load"] + after.get(key, 0)
            for key, info in meta.items()
            if info["peer"].matching.max_per_week > 0
        ]
        run.gini = engine.gini(spread) if spread else None
        run.matched = sum(after.values())
        run.total_cost = total_cost
        run.unmatched = len(result.unmatched)
        run.seconds = (timezone.now() - started).total_seconds()
        run.save(update_fields=["loads", "gini", "matched", "unmatched", "total_cost", "seconds"])
    logger.info(
        "matching run %s of program %s: %d requests, %d matched",
        run.pk,
        program.pk,
        run.requests,
        run.matched,
    )
    return Outcome(run, created=True)


def _plain(value):
    """JSON-safe copy of engine data (sets and tuples become sorted lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _plain(asdict(value))
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    return value


def _propose(run, match_request, peer, found, now, *, meets_at, minutes, cost, components, reasons):
    respond_by = min(now + timedelta(hours=found.answer_within_hours), meets_at)
    match = Match.objects.create(
        business_id=match_request.business_id,
        program_id=match_request.program_id,
        request=match_request,
        peer=peer,
        run=run,
        meets_at=meets_at,
        ends_at=meets_at + timedelta(minutes=minutes),
        respond_by=respond_by,
        cost=cost,
        components=components,
        reasons=reasons,
        perks=list(found.perks) if match_request.program.kind == ProgramKind.LAYOVER else [],
    )
    match_request.status = RequestStatus.PROPOSED
    match_request.unmatched_reason = ""
    match_request.unmatched_detail = {}
    match_request.save(
        update_fields=["status", "unmatched_reason", "unmatched_detail", "updated_at"]
    )
    _email_peer(
        peer,
        "proposal",
        "matching.proposal",
        match=match,
        request=match_request,
        program=match_request.program,
        when=selectors.InReadersLanguage(selectors.when_text, match),
        explanation=selectors.InReadersLanguage(selectors.describe_match, match),
        respond_by=selectors.InReadersLanguage(
            selectors.local_text, match.respond_by, match_request.business
        ),
        proposals_url=reverse("web:me_matches", kwargs={"business_slug": peer.business.slug}),
    )
    return match


def _expire_past_requests(program, now):
    """Open requests whose window has passed: nobody was found in time; tell the consumer."""
    past = MatchRequest.objects.filter(
        program=program, status=RequestStatus.OPEN, ends_at__lte=now
    ).select_related("business", "program")
    for match_request in past:
        match_request.status = RequestStatus.EXPIRED
        match_request.save(update_fields=["status", "updated_at"])
        _email_consumer(
            match_request,
            "request_expired",
            "matching.request_expired",
            explanation=selectors.describe_unmatched(
                match_request, language=match_request.language
            ),
        )


def run_due_batches(now=None) -> int:
    """Run every matching program with open requests whose last run is older than BATCH_EVERY
    (the worker's sweep calls it every minute)."""
    now = now or timezone.now()
    from django_scopes import scopes_disabled

    runs = 0
    with scopes_disabled():
        programs = Program.objects.filter(
            kind__in=MATCHING_KINDS,
            status=ProgramStatus.PUBLISHED,
        ).select_related("business")
        for program in programs:
            has_work = MatchRequest.objects.filter(
                program=program, status=RequestStatus.OPEN
            ).exists()
            if not has_work:
                continue
            last = MatchRun.objects.filter(program=program).order_by("-created_at").first()
            if last is not None and last.created_at > now - BATCH_EVERY:
                continue
            try:
                run_matching(program, trigger=MatchRun.Trigger.SCHEDULE, now=now)
            except Exception:  # noqa: BLE001 - one program's failure must not stop the others
                logger.exception("matching batch of program %s failed", program.pk)
                continue
            runs += 1
    return runs


# --- answers -----------------------------------------------------------------------------------


def _locked_match(match_id, **filters):
    """Lock the match's request, then the match. Every path that changes both locks them in
    this order (a run locks its requests before it writes matches), so an acceptance racing a
    cancellation waits instead of deadlocking, and the second sees what the first did."""
    request_id = (
        Match.objects.filter(pk=match_id, **filters).values_list("request_id", flat=True).first()
    )
    if request_id is None:
        raise Match.DoesNotExist()
    list(MatchRequest.objects.select_for_update().filter(pk=request_id).values_list("pk"))
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("request", "program", "business", "peer__user")
        .get(pk=match_id)
    )


def _business_match(business, match):
    """The match locked as `_locked_match` does; `NotFound` if it is not `business`'s."""
    try:
        return _locked_match(match.pk, business_id=business.pk)
    except Match.DoesNotExist:
        raise NotFound() from None


def _own_match(peer, match, statuses):
    _check_active(peer)
    match = _locked_match(match.pk)
    if match.peer_id != peer.pk:
        raise PermissionDenied()
    if match.status not in statuses:
        raise InvalidTransition(_("This proposal is no longer open."))
    return match


def _end_match(match, status, now, *, by: CancelledBy | str = "", reason=""):
    match.status = status
    match.responded_at = match.responded_at or now
    match.cancelled_by = by if status == MatchStatus.CANCELLED else match.cancelled_by
    match.decline_reason = reason or match.decline_reason
    match.save(update_fields=["status", "responded_at", "cancelled_by", "decline_reason"])


def accept(peer, match, *, now=None) -> Outcome[Match]:
    """The peer accepts: both sides now get each other's contact."""
    now = now or timezone.now()
    with transaction.atomic():
        match = _own_match(peer, match, (MatchStatus.PROPOSED,))
        if now > match.respond_by:
            raise InvalidTransition(_("The time to answer this proposal has passed."))
        match.status = MatchStatus.ACCEPTED
        match.responded_at = now
        match.save(update_fields=["status", "responded_at"])
        match_request = match.request
        match_request.status = RequestStatus.MATCHED
        match_request.save(update_fields=["status", "updated_at"])
        business = match.business
        meets_at = selectors.InReadersLanguage(selectors.local_text, match.meets_at, business)
        _email_consumer(
            match_request,
            "match_accepted_consumer",
            "matching.match_accepted",
            match=match,
            peer_first_name=selectors.first_name(match.peer),
            meets_at=meets_at,
            meeting_address=match_request.meeting_address,
            peer_email=match.peer.user.email,
            perks=match.program.matching.perk_names(match.perks, match_request.language),
        )
        _email_peer(
            match.peer,
            "match_accepted_peer",
            "matching.match_accepted",
            match=match,
            request=match_request,
            program=match.program,
            consumer_name=match_request.name,
            consumer_email=match_request.email,
            meets_at=meets_at,
            meeting_address=match_request.meeting_address,
            group_size=match_request.group_size,
            accessibility=match_request.accessibility,
            note=match_request.note,
            matches_url=reverse("web:me_matches", kwargs={"business_slug": business.slug}),
        )
    return Outcome(match)


def _reopen(match_request, now):
    """A proposal ended without a match: the request looks again, without that peer."""
    match_request.status = RequestStatus.OPEN
    match_request.save(update_fields=["status", "updated_at"])


def decline(peer, match, data: MatchReasonInput | None = None, *, now=None) -> Outcome[Match]:
    """The peer declines, with an optional reason only the staff read: the request is
    matched again without them."""
    now = now or timezone.now()
    with transaction.atomic():
        match = _own_match(peer, match, (MatchStatus.PROPOSED,))
        _end_match(match, MatchStatus.DECLINED, now, reason=data.reason if data else "")
        _reopen(match.request, now)
    _run_now(match.program, trigger=MatchRun.Trigger.REMATCH, now=now)
    return Outcome(match)


def expire_proposals(now=None) -> int:
    """Proposals not answered by their deadline expire; their requests are matched again."""
    now = now or timezone.now()
    from django_scopes import scopes_disabled

    programs = {}
    with scopes_disabled():
        due = list(
            Match.objects.filter(status=MatchStatus.PROPOSED, respond_by__lt=now).values_list(
                "pk", flat=True
            )
        )
        for match_id in due:
            with transaction.atomic():
                match = _locked_match(match_id)
                if match.status != MatchStatus.PROPOSED:
                    continue
                _end_match(match, MatchStatus.EXPIRED, now)
                _reopen(match.request, now)
                programs[match.program_id] = match.program
        for program in programs.values():
            _run_now(program, trigger=MatchRun.Trigger.REMATCH, now=now)
    return len(due)


def cancel_match(
    business, actor, match, data: MatchReasonInput | None = None, *, now=None
) -> Outcome[Match]:
    """Staff cancel a live match (proposed or accepted) with an optional reason: both sides
    are told and the request is matched again without that peer. (A consumer who no longer
    wants to meet cancels the request: `cancel_own_request`.)"""
    check_can_manage(actor, business)
    return _cancel_match(business, match, data, by=CancelledBy.STAFF, now=now)


def cancel_own_match(peer, match, data: MatchReasonInput | None = None, *, now=None):
    """The peer cancels a match they accepted, with an optional reason the consumer reads;
    the request is matched again without them. (A proposal is declined: `decline`.)"""
    _check_active(peer)
    return _cancel_match(peer.business, match, data, by=CancelledBy.PEER, peer=peer, now=now)


def _cancel_match(business, match, data, *, by: CancelledBy, peer=None, now=None):
    now = now or timezone.now()
    reason = data.reason if data else ""
    with transaction.atomic():
        match = _business_match(business, match)
        if peer is not None and match.peer_id != peer.pk:
            raise PermissionDenied()
        if match.status not in LIVE_MATCH:
            raise InvalidTransition(_("This match is no longer live."))
        if by == CancelledBy.PEER and match.status == MatchStatus.PROPOSED:
            raise InvalidTransition(_("Decline the proposal instead."))
        was_accepted = match.status == MatchStatus.ACCEPTED
        _end_match(match, MatchStatus.CANCELLED, now, by=by, reason=reason)
        match_request = match.request
        if was_accepted:
            _email_consumer(
                match_request,
                "match_cancelled",
                "matching.match_cancelled",
                match=match,
                by=by,
                reason=reason,
                url=_request_url(match_request),
            )
        if by == CancelledBy.STAFF:
            _email_peer(
                match.peer,
                "match_cancelled",
                "matching.match_cancelled",
                match=match,
                request=match_request,
                program=match.program,
                by=by,
                reason=reason,
                url=reverse("web:me_matches", kwargs={"business_slug": match.business.slug}),
            )
        _reopen(match_request, now)
    _run_now(match.program, trigger=MatchRun.Trigger.REMATCH, now=now)
    return Outcome(match)


def complete_match(business, actor, match, *, now=None) -> Outcome[Match]:
    """Staff mark a match of their business completed once it has started: the perks are
    posted to the peer through the ledger, and `match.completed` is published for the reward
    rules, in one transaction."""
    check_can_manage(actor, business)
    return _complete(business, match, actor_id=actor.pk, now=now)


def complete_own_match(peer, match, *, now=None) -> Outcome[Match]:
    """The peer marks their own match completed, once it has ended (`Match.has_ended`)."""
    _check_active(peer)
    return _complete(peer.business, match, peer=peer, actor_id=peer.user_id, now=now)


def _complete(business, match, *, actor_id, peer=None, now=None) -> Outcome[Match]:
    from peerarmy.rewards import ledger
    from peerarmy.rewards.models import TransactionKind

    now = now or timezone.now()
    with transaction.atomic():
        match = _business_match(business, match)
        if peer is not None:
            if match.peer_id != peer.pk:
                raise PermissionDenied()
            if not match.has_ended(now):
                raise InvalidTransition(_("A match can be marked completed once it has ended."))
        if match.status != MatchStatus.ACCEPTED:
            raise InvalidTransition(_("Only an accepted match can be completed."))
        if now < match.meets_at:
            raise InvalidTransition(_("This match has not started yet."))
        match.status = MatchStatus.COMPLETED
        match.completed_at = now
        match.save(update_fields=["status", "completed_at"])
        match_request = match.request
        match_request.status = RequestStatus.COMPLETED
        match_request.save(update_fields=["status", "updated_at"])
        total = sum(int(p.get("amount_minor") or 0) for p in match.perks)
        if total:
            currency = business.currency
            expense = ledger.perks_expense(match.program_id, currency)
            payable = ledger.peer_payable(match.peer_id, currency)
            refs = ledger.accounts(business.pk, [expense, payable])
            ledger.post(
                business.pk,
                key=f"match.perks:{match.pk}",
                kind=TransactionKind.PERK,
                legs=[ledger.Leg(refs[expense], total), ledger.Leg(refs[payable], -total)],
                occurred_at=now,
                reason="match.perks",
                reason_args={
                    "match": match.pk,
                    "perks_it": [p.get("name_it") for p in match.perks],
                    "perks_en": [p.get("name_en") for p in match.perks],
                },
                peer_id=match.peer_id,
                program_id=match.program_id,
                actor_id=actor_id,
            )
        payload = {
            "match_id": match.pk,
            "request_id": match_request.pk,
            "peer_id": match.peer_id,
            "program_id": match.program_id,
            "starts_at": match.meets_at.isoformat(),
            "ends_at": match.ends_at.isoformat(),
            "completed_at": now.isoformat(),
            "group_size": match_request.group_size,
            "perks_minor": total,
        }
        events.publish(
            business, "match.completed", key=f"match.completed:{match.pk}", payload=payload
        )
        _email_consumer(
            match_request,
            "match_completed",
            "matching.match_completed",
            match=match,
            peer_first_name=selectors.first_name(match.peer),
        )
    return Outcome(match)


def block_pair(peer, match, *, now=None) -> Outcome[PairBlock]:
    """The peer never wants to be matched with this consumer again: `created` when this made
    the block, `replayed` when they had blocked them before."""
    _check_active(peer)
    if match.peer_id != peer.pk:
        raise PermissionDenied()
    try:
        with transaction.atomic():
            block = PairBlock.objects.create(
                business_id=peer.business_id, peer=peer, email=match.request.email
            )
    except IntegrityError:
        outcome = Outcome(
            PairBlock.objects.get(peer=peer, email=match.request.email), replayed=True
        )
    else:
        outcome = Outcome(block, created=True)
    match.refresh_from_db(fields=["status"])
    if match.status == MatchStatus.PROPOSED:
        # Blocking a proposal answers it: the request goes to someone else at once.
        decline(peer, match, now=now)
    return outcome
