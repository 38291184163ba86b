"""Reads that pages, e-mails and the API share: a match or an unmatched request in words, a
peer's proposals and matches, times in the business's zone."""

from contextlib import nullcontext

from django.utils import formats, timezone
from django.utils.translation import override

from . import engine, explain
from .models import LIVE_MATCH, Match, MatchStatus, RequestStatus


def local_text(moment, business) -> str:
    """A moment as the reader writes it ("sab 6 dic 2026, 15:00"), in the business's zone."""
    return formats.date_format(moment.astimezone(business.tzinfo), "D j M Y, H:i")


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
        return explain.describe_match(engine.MatchReasons.from_dict(reasons), interest_names=names)


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
    with override(language) if language else nullcontext():
        unmatched = engine.Unmatched(
            request_id=match_request.pk, reason=reason, detail=detail or {}
        )
        return explain.describe_unmatched(unmatched, when=_when_phrase(match_request))


def peer_proposals(peer):
    return (
        Match.objects.filter(peer=peer, status=MatchStatus.PROPOSED, respond_by__gt=timezone.now())
        .select_related("request", "program", "business")
        .order_by("respond_by")
    )


def peer_matches(peer, *, upcoming=True):
    matches = Match.objects.filter(peer=peer).select_related("request", "program", "business")
    if upcoming:
        return matches.filter(status=MatchStatus.ACCEPTED).order_by("meets_at")
    return matches.exclude(status__in=LIVE_MATCH).order_by("-meets_at")


def live_match(match_request):
    return (
        match_request.matches.filter(status__in=LIVE_MATCH)
        .select_related("peer__user", "program")
        .first()
    )


def consumer_sees_peer(match_request) -> bool:
    """The peer's name and contact are shown only once they accepted."""
    return match_request.status in (RequestStatus.MATCHED, RequestStatus.COMPLETED)
