"""Races with real threads against a real database: runs of one program started at once
propose each request once and no peer beyond their limit; an acceptance racing the
consumer's cancellation never leaves an accepted match on a cancelled request. The control
shows that without the run's lock two runs do propose one request twice (the database's
unique constraint then refuses the second), so the first race cannot pass vacuously."""

from datetime import timedelta

import pytest
from django.db import IntegrityError

from peerarmy.matching import services
from peerarmy.matching.models import Match, MatchRequest, MatchRun, MatchStatus, RequestStatus
from peerarmy.tenancy.tests.threads import race, requires_shared_database

from .factories import matching_program, next_monday, offering_peer, open_request

pytestmark = [requires_shared_database, pytest.mark.django_db(transaction=True)]


def week_of_requests(program, count):
    monday = next_monday(program.business, 10)
    return [
        open_request(
            program,
            email=f"t{n}@example.org",
            starts_at=monday + timedelta(days=n % 7),
            ends_at=monday + timedelta(days=n % 7, hours=4),
        )
        for n in range(count)
    ]


def test_runs_started_at_once_propose_each_request_once(business):
    program = matching_program(business)
    peers = [offering_peer(business, max_per_week=2) for _ in range(3)]
    requests = week_of_requests(program, 7)

    outcomes = race([lambda: services.run_matching(program, trigger=MatchRun.Trigger.SCHEDULE)] * 4)

    assert all(isinstance(getattr(o, "value", o), MatchRun) for o in outcomes), outcomes
    live = Match.objects.filter(status=MatchStatus.PROPOSED)
    assert live.count() == 6, "three peers, two a week each"
    assert live.values("request").distinct().count() == live.count()
    for peer in peers:
        assert live.filter(peer=peer).count() <= 2
    statuses = MatchRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list(
        "status", flat=True
    )
    assert sorted(statuses).count(RequestStatus.PROPOSED) == 6


def test_control_without_the_lock_two_runs_propose_one_request_twice(business, monkeypatch):
    """Take the run's lock out: the second run proposes the same request again, and only the
    database's one-live-match constraint stops it."""
    program = matching_program(business)
    offering_peer(business)
    offering_peer(business)
    (match_request,) = week_of_requests(program, 1)
    # Both runs read the request while it is still open, as two unlocked runs would.
    monkeypatch.setattr(
        services,
        "_open_requests",
        lambda program, now: [MatchRequest.objects.get(pk=match_request.pk)],
    )

    services.run_matching(program, trigger=MatchRun.Trigger.SCHEDULE)
    with pytest.raises(IntegrityError):
        services.run_matching(program, trigger=MatchRun.Trigger.SCHEDULE)

    assert Match.objects.filter(request=match_request, status="proposed").count() == 1


def test_an_acceptance_racing_a_cancellation_never_leaves_a_live_match(business):
    program = matching_program(business)
    for _ in range(6):
        peer = offering_peer(business)
        match_request = week_of_requests(program, 1)[0]
        services.run_matching(program, trigger=MatchRun.Trigger.SCHEDULE)
        match = Match.objects.get(request=match_request, status="proposed")

        race(
            [
                lambda m=match: services.accept(m.peer, m),
                lambda r=match_request: services.cancel_own_request(r),
            ]
        )

        match_request.refresh_from_db()
        match.refresh_from_db()
        assert match_request.status == RequestStatus.CANCELLED
        assert match.status == MatchStatus.CANCELLED
        peer.delete()
        MatchRequest.objects.filter(pk=match_request.pk).delete()
