"""Which peers a request waiting for a local is near: matching's own hard rules, asked of every
peer as though they were free for the whole request (new work offered to peers).

A confirmed request that is still open found nobody free in the last run. The peers worth
telling are those a run *could* propose if they made the time: the peers a run considers
(`selectors.eligible_peers`: the one eligibility rule, accepting requests, with a home) whose
engine entries (`services.build_inputs`, with their room that week and day, and without the
peers who declined the request or were blocked) the engine pairs with the request
(`engine.candidates`: a shared language, within the peer's radius and the program's limit),
once each peer's free time is the whole week instead of their weekly slots. The distance is
therefore the engine's, from the peer's home to the meeting point."""

from dataclasses import replace
from datetime import date as date_type
from datetime import datetime, time, timedelta

from django.utils import timezone

from . import selectors, services
from .models import MatchRequest, RequestStatus


def waiting_requests(program, request_ids, *, now) -> list[MatchRequest]:
    """Those of `request_ids` of `program` still waiting for a local: confirmed, open (no live
    proposal, not matched), not over."""
    return list(
        MatchRequest.objects.filter(
            business_id=program.business_id,
            program=program,
            pk__in=list(request_ids),
            status=RequestStatus.OPEN,
            ends_at__gt=now + services.LEAD,
        )
        .select_related("business", "program")
        .order_by("starts_at", "pk")
    )


def peers_near(program, requests, *, now=None) -> dict[int, set[int]]:
    """{request id: ids of the peers near it who could take it if free} for `requests` (open
    requests of `program`, a guides or layover program)."""
    if not requests:
        return {}
    now = now or timezone.now()
    found = selectors.settings_of(program)
    inputs, peers, _meta = services.build_inputs(program, found, requests, now)
    if not peers:
        return {}
    tz = program.business.tzinfo

    def whole_week(entry):
        # entry.id is (peer id, ordinal of the local Monday of the week it stands for)
        monday = datetime.combine(date_type.fromordinal(entry.id[1]), time(), tzinfo=tz)
        start = services._minute(monday)
        end = services._minute(monday + timedelta(days=7))
        return replace(entry, windows=((start, end),))

    free = [whole_week(entry) for entry in peers]
    pairs = services._engine().candidates(inputs, free, services._weights(found))
    near: dict[int, set[int]] = {}
    for request_index, peer_index in zip(pairs.request, pairs.peer, strict=True):
        near.setdefault(inputs[int(request_index)].id, set()).add(free[int(peer_index)].id[0])
    return near
