"""Reads that pages, e-mails and the API share: the business's matching programs, requests,
runs and matches (`get_…` raising `NotFound` for any id not of this business), a peer's offer,
proposals and matches, the peers who may take part in a program, a match or an unmatched
request in words, times in the business's zone."""

from contextlib import nullcontext
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy, override

from peerarmy.errors import NotFound
from peerarmy.formats import short_moment
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.selectors import peer_for_user
from peerarmy.programs.eligibility import PeerFacts, Requirement, eligible
from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

from . import explain
from .models import (
    CONTACT_MATCH,
    LIVE_MATCH,
    PAST_MATCH,
    DayOff,
    Match,
    MatchingProfile,
    MatchingSettings,
    MatchRequest,
    MatchRun,
    MatchStatus,
    RequestStatus,
    RunResult,
    WeeklyAvailability,
)

MATCHING_KINDS = (ProgramKind.GUIDES, ProgramKind.LAYOVER)


class NotMatchingProgram(NotFound):
    """A program of the business that does not match requests with peers (a delivery
    program, say): 404 with its own code."""

    code = "not_a_matching_program"
    default_message = gettext_lazy("This program does not match requests with peers.")


# --- programs and settings -----------------------------------------------------------------------


def matching_programs(business, *, published_only=True):
    """The business's guides and layover programs (only the published ones by default)."""
    programs = Program.objects.filter(business=business, kind__in=MATCHING_KINDS)
    if published_only:
        programs = programs.filter(status=ProgramStatus.PUBLISHED)
    return programs.order_by("pk")


def get_matching_program(business, program_id, *, published_only=False) -> Program:
    """The business's guides or layover program `program_id`; `NotFound` for any other."""
    program = matching_programs(business, published_only=published_only).filter(pk=program_id)
    found = program.first()
    if found is None:
        raise NotFound()
    return found


def get_published_matching_program(business, slug) -> Program:
    """The published guides or layover program at address `slug`, which takes requests."""
    found = matching_programs(business).filter(slug=slug).first()
    if found is None:
        raise NotFound()
    return found


def settings_of(program) -> MatchingSettings:
    """The program's matching settings, or the defaults of settings not saved yet: a read
    makes nothing (the first change or run saves them). `NotMatchingProgram` for a program
    that does not match requests."""
    if program.kind not in MATCHING_KINDS:
        raise NotMatchingProgram()
    found = MatchingSettings.objects.filter(
        business_id=program.business_id, program_id=program.pk
    ).first()
    return found or MatchingSettings(business_id=program.business_id, program_id=program.pk)


def settings_by_program(business) -> dict:
    """{program id: MatchingSettings} of the business's programs that have settings."""
    return {s.program_id: s for s in MatchingSettings.objects.filter(business=business)}


def interest_choices(business) -> dict[str, str]:
    """Every interest of the business's matching programs, slug -> name in the active language."""
    names = {}
    for found in MatchingSettings.objects.filter(business=business).order_by("pk"):
        for slug, name in found.interest_names().items():
            names.setdefault(slug, name)
    return names


# --- requests, runs and matches --------------------------------------------------------------------


def requests_for_business(business, *, program=None, status=None):
    """The business's requests (with their program), soonest first; `program` an id."""
    found = MatchRequest.objects.filter(business=business).select_related("program")
    if program is not None:
        found = found.filter(program_id=program)
    if status:
        found = found.filter(status=status)
    return found


def requests_with_live_match(business, *, program=None, status=None):
    """The console's list: the newest requests first, each with `live_matches`, its live
    (or completed) match and that match's peer, read in one query."""
    return (
        requests_for_business(business, program=program, status=status)
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=Match.objects.filter(
                    business=business, status__in=(*LIVE_MATCH, MatchStatus.COMPLETED)
                ).select_related("peer"),
                to_attr="live_matches",
            )
        )
        .order_by("-starts_at", "-pk")
    )


def get_request(business, request_id) -> MatchRequest:
    """The business's request `request_id`; `NotFound` for any other id."""
    found = requests_for_business(business).filter(pk=request_id).first()
    if found is None:
        raise NotFound()
    return found


def get_request_by_token(business, token) -> MatchRequest:
    """The request whose link holds `token`, under its own business only."""
    found = (
        MatchRequest.objects.filter(business=business, token=token)
        .select_related("program", "business")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def request_matches(match_request):
    """Every proposal made for a request, newest first, with what explains it."""
    return (
        Match.objects.filter(business_id=match_request.business_id, request=match_request)
        .select_related("peer", "program__matching")
        .order_by("-created_at", "-pk")
    )


def request_results(match_request):
    """What each run made of a request, the newest run first."""
    return (
        RunResult.objects.filter(business_id=match_request.business_id, request=match_request)
        .select_related("run", "peer", "request")
        .order_by("-run__created_at", "-pk")
    )


def accepted_match(match_request):
    """The request's accepted (or completed) match with its peer, or None."""
    return (
        Match.objects.filter(
            business_id=match_request.business_id,
            request=match_request,
            status__in=CONTACT_MATCH,
        )
        .select_related("peer__user", "program", "business")
        .first()
    )


def runs_for_business(business, *, program=None):
    """The business's runs, newest first; `program` an id."""
    found = MatchRun.objects.filter(business=business).select_related("program", "started_by")
    if program is not None:
        found = found.filter(program_id=program)
    return found


def get_run(business, run_id) -> MatchRun:
    found = runs_for_business(business).filter(pk=run_id).first()
    if found is None:
        raise NotFound()
    return found


def run_results(run):
    """One result per request that went into the run, with what explains it."""
    return RunResult.objects.filter(business_id=run.business_id, run=run).select_related(
        "request__business", "peer", "run__program__matching"
    )


def get_match(business, match_id) -> Match:
    """The business's match `match_id`, with its peer, request and program; `NotFound`
    for any other id."""
    found = (
        Match.objects.filter(business=business, pk=match_id)
        .select_related("peer", "program__matching", "request")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def get_peer_match(peer, match_id) -> Match:
    """One of the peer's own matches; `NotFound` for another peer's or business's."""
    found = (
        Match.objects.filter(business_id=peer.business_id, peer=peer, pk=match_id)
        .select_related("program__matching", "request")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def peer_held_matches(peer, *, status=None):
    """The matches the peer accepted or completed (those that show who the consumer is,
    `Match.consumer_contact`), soonest first; `status` one of them."""
    statuses = [status] if status else CONTACT_MATCH
    return (
        Match.objects.filter(business_id=peer.business_id, peer=peer, status__in=statuses)
        .select_related("program__matching", "request")
        .order_by("meets_at", "pk")
    )


# --- the peer's offer -------------------------------------------------------------------------------


def is_active(peer) -> bool:
    """Whether `peer` takes part in matching (offers time, answers proposals): an active
    peer, the eligibility rule's first fact. The services refuse anyone else."""
    return peer.status == PeerStatus.ACTIVE


def get_matching_peer(business, user) -> Peer:
    """The user's active peer in this business, whom the matching pages are for; `NotFound`
    for anyone else (not a peer here, or not active)."""
    peer = peer_for_user(business, user)
    if peer is None or not is_active(peer):
        raise NotFound()
    peer.business = business  # the pages and services read it; spare them the query
    return peer


@dataclass(frozen=True, slots=True)
class MatchingOffer:
    """What a peer offers: their matching profile and weekly slots, in order."""

    profile: MatchingProfile
    slots: tuple[WeeklyAvailability, ...]


def offer_of(peer) -> MatchingOffer:
    """The peer's offer as it is (unsaved defaults before their first save)."""
    return MatchingOffer(profile=profile_of(peer), slots=tuple(weekly_slots(peer)))


def missing_for_matching(peer) -> list:
    """What keeps requests from reaching the peer, when the business matches requests in
    a program the peer may join: their weekly hours, or their offer switched off. Only an
    active peer is asked: the availability page is theirs alone, so an applicant would be
    sent to a page that sends them back; they are asked once approved."""
    from peerarmy.peers.selectors import Missing

    if not is_active(peer):
        return []
    programs = Program.objects.filter(
        business_id=peer.business_id,
        status=ProgramStatus.PUBLISHED,
        kind__in=[ProgramKind.GUIDES, ProgramKind.LAYOVER],
    )
    if not programs.exists():
        return []
    found = []
    if not weekly_slots(peer).exists():
        found.append(
            Missing(
                "hours",
                gettext_lazy(
                    "Your weekly hours, so that visitors' requests can be offered to you."
                ),
                gettext_lazy("Weekly hours: without them no request is offered to them."),
                where="availability",
            )
        )
    elif not profile_of(peer).accepting:
        found.append(
            Missing(
                "paused",
                gettext_lazy("You paused requests: switch them back on in your availability."),
                gettext_lazy("They paused requests."),
                where="availability",
            )
        )
    return found


def missing_for_any_work(peer) -> list:
    """Everything the peer has yet to tell us before work can reach them: their profile's
    gaps (`peers.selectors.missing_for_work`) and matching's."""
    from peerarmy.peers.selectors import missing_for_work

    return missing_for_work(peer) + missing_for_matching(peer)


def profile_of(peer) -> MatchingProfile:
    """The peer's matching profile, or the defaults of one not saved yet (a read writes
    nothing; the first save makes it)."""
    found = MatchingProfile.objects.filter(business_id=peer.business_id, peer=peer).first()
    return found or MatchingProfile(business_id=peer.business_id, peer=peer)


def weekly_slots(peer):
    return WeeklyAvailability.objects.filter(business_id=peer.business_id, peer=peer).order_by(
        "weekday", "starts"
    )


def days_off(peer, *, since=None):
    """The peer's days off in order; with `since`, only those not over before that day."""
    found = DayOff.objects.filter(business_id=peer.business_id, peer=peer)
    if since is not None:
        found = found.filter(last__gte=since)
    return found.order_by("first", "pk")


def get_day_off(peer, day_off_id) -> DayOff:
    found = DayOff.objects.filter(business_id=peer.business_id, peer=peer, pk=day_off_id).first()
    if found is None:
        raise NotFound()
    return found


def spoken_languages(peer):
    return peer.languages.order_by("pk")


def eligible_peers(program) -> list[Peer]:
    """The peers a run may propose for `program`: those who may take part in it (the one
    eligibility rule) and offer their time (accepting requests, with a home to measure the
    distance from). The database only narrows to active peers of the business."""
    requirement = Requirement.of_program(program)
    peers = (
        Peer.objects.filter(
            business_id=program.business_id,
            status=PeerStatus.ACTIVE,
            matching__accepting=True,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .select_related("matching", "user")
        .prefetch_related("skills", "languages", "verifications", "weekly_availability", "days_off")
    )
    return [peer for peer in peers if eligible(PeerFacts.of(peer), requirement)]


# --- in words ---------------------------------------------------------------------------------------


def local_text(moment, business) -> str:
    """A moment as the reader writes it ("sab 6 dic 2026, 15:00"), in the business's zone."""
    return short_moment(moment.astimezone(business.tzinfo))


class InReadersLanguage:
    """Text made when it is shown: an e-mail's context is built in the language of whoever
    caused it, and rendered in its recipient's (`enqueue_email` switches language)."""

    def __init__(self, func, *args, **kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __str__(self):
        return str(self.func(*self.args, **self.kwargs))

    def __bool__(self):
        return bool(str(self))


def when_text(match) -> str:
    business = match.business
    start = match.meets_at.astimezone(business.tzinfo)
    end = match.ends_at.astimezone(business.tzinfo)
    return (
        f"{local_text(match.meets_at, business)}–{formats.time_format(end, 'H:i')}"
        if (start.date() == end.date())
        else f"{local_text(match.meets_at, business)} – {local_text(match.ends_at, business)}"
    )


def window_text(match_request) -> str:
    business = match_request.business
    start = match_request.starts_at.astimezone(business.tzinfo)
    end = match_request.ends_at.astimezone(business.tzinfo)
    if start.date() == end.date():
        return f"{local_text(start, business)}–{formats.time_format(end, 'H:i')}"
    return f"{local_text(start, business)} – {local_text(end, business)}"


def first_name(peer) -> str:
    """What the consumer learns of the peer before meeting: the first word of their name."""
    name = (peer.user.first_name or peer.display_name or "").strip()
    return name.split()[0] if name else peer.display_name


def describe_reasons(reasons: dict, program, language=None) -> str:
    if not reasons:
        return ""
    with override(language) if language else nullcontext():
        names = program.matching.interest_names(language) if hasattr(program, "matching") else {}
        from .engine import MatchReasons  # the engine's data types, with the engine: lazily

        return explain.describe_match(MatchReasons.from_dict(reasons), interest_names=names)


def describe_match(match, language=None) -> str:
    """Why this peer was chosen, in words ("speaks Italian and English, 2 km away, ...")."""
    return describe_reasons(match.reasons, match.program, language)


def _when_phrase(match_request) -> str:
    from django.utils.translation import gettext as _

    start = match_request.starts_at.astimezone(match_request.business.tzinfo)
    hour = start.hour
    if hour < 12:
        part = _("that morning")
    elif hour < 18:
        part = _("that afternoon")
    else:
        part = _("that evening")
    return part


def describe_unmatched(match_request, language=None, *, reason=None, detail=None) -> str:
    """Why nobody was proposed for this request yet, in words; empty when there is no reason."""
    reason = reason if reason is not None else match_request.unmatched_reason
    if not reason:
        return ""
    detail = detail if detail is not None else match_request.unmatched_detail
    from .engine import Unmatched

    with override(language) if language else nullcontext():
        unmatched = Unmatched(request_id=match_request.pk, reason=reason, detail=detail or {})
        return explain.describe_unmatched(unmatched, when=_when_phrase(match_request))


def peer_proposals(peer):
    """Proposals waiting for the peer's answer, the soonest deadline first."""
    return (
        Match.objects.filter(
            business_id=peer.business_id,
            peer=peer,
            status=MatchStatus.PROPOSED,
            respond_by__gt=timezone.now(),
        )
        .select_related("request", "program__matching", "business")
        .order_by("respond_by")
    )


def _peer_matches(peer):
    return Match.objects.filter(business_id=peer.business_id, peer=peer).select_related(
        "request", "program", "business"
    )


def peer_upcoming_matches(peer, *, now=None):
    """The meetings the peer accepted that have not ended, soonest first."""
    now = now or timezone.now()
    return (
        _peer_matches(peer)
        .filter(status=MatchStatus.ACCEPTED, ends_at__gt=now)
        .order_by("meets_at", "pk")
    )


def peer_past_matches(peer, *, now=None) -> list[Match]:
    """The peer's past meetings: first those accepted that have ended and wait to be marked
    completed (soonest first), then those completed or cancelled, newest first. Proposals
    they declined or let expire were never meetings: not listed."""
    now = now or timezone.now()
    ended = _peer_matches(peer).filter(status=MatchStatus.ACCEPTED, ends_at__lte=now)
    over = _peer_matches(peer).filter(status__in=PAST_MATCH)
    return [*ended.order_by("meets_at", "pk"), *over.order_by("-meets_at", "-pk")]


def live_match(match_request):
    return (
        match_request.matches.filter(status__in=LIVE_MATCH)
        .select_related("peer__user", "program")
        .first()
    )


def consumer_sees_peer(match_request) -> bool:
    """The peer's name and contact are shown only once they accepted."""
    return match_request.status in (RequestStatus.MATCHED, RequestStatus.COMPLETED)


def waiting_requests_count(business) -> int:
    """Visitors' requests confirmed and still looking for a local."""
    return MatchRequest.objects.filter(business=business, status=RequestStatus.OPEN).count()


def has_requests(business) -> bool:
    return (
        MatchRequest.objects.filter(business=business)
        .exclude(status=RequestStatus.UNCONFIRMED)
        .exists()
    )


def search_requests(business, text, *, limit=10):
    """Visitors' requests whose name or e-mail holds `text`, newest first."""
    from django.db.models import Q

    return list(
        MatchRequest.objects.filter(business=business)
        .filter(Q(name__icontains=text) | Q(email__icontains=text))
        .select_related("program")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def completed_match_spans(peer, *, since=None, until=None) -> list[tuple]:
    """(meets at, ends at, program kind, group size) of each meeting the peer completed that
    began in [since, until) (either end open when None), oldest first: the visitors they
    guided and the travellers they met on a layover."""
    rows = Match.objects.filter(
        business_id=peer.business_id, peer=peer, status=MatchStatus.COMPLETED
    )
    if since is not None:
        rows = rows.filter(meets_at__gte=since)
    if until is not None:
        rows = rows.filter(meets_at__lt=until)
    return list(
        rows.order_by("meets_at", "pk").values_list(
            "meets_at", "ends_at", "program__kind", "request__group_size"
        )
    )
