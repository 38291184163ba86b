"""The matching flow through its services: a confirmed request gets the best free peer, the
peer accepts or declines before a deadline, a decline or a timeout matches again without them,
contacts are shared only on acceptance, and a completed layover posts its perks and pays the
rules for `match.completed`."""

from datetime import time, timedelta

import pytest
from django.utils import timezone, translation

from peerarmy.inputs import InvalidInput
from peerarmy.matching import engine, selectors, services
from peerarmy.matching.inputs import (
    CancelRequestInput,
    DayOffInput,
    GuidesRequestInput,
    MatchingProfileInput,
    MatchingSettingsInput,
    MatchReasonInput,
)
from peerarmy.matching.models import (
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
)
from peerarmy.notifications.models import OutboxMessage
from peerarmy.programs.eligibility import PeerFacts, Requirement, eligible
from peerarmy.programs.models import ProgramKind, ProgramStatus
from peerarmy.rewards import checks, ledger
from peerarmy.rewards.inputs import NewRuleInput
from peerarmy.rewards.models import Event, RewardKind
from peerarmy.rewards.services import create_rule
from peerarmy.scheduling.models import Claim
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import OwnerFactory, ProgramFactory, SkillFactory

from .factories import (
    BOLOGNA,
    days_off_for,
    matching_program,
    next_monday,
    offering_peer,
    open_request,
    request_input,
    submitted_request,
)

pytestmark = pytest.mark.django_db

NEAR = (44.4960, 11.3450)  # 200 m from Piazza Maggiore
FAR = (44.5400, 11.4100)  # about 7 km away


def mails_to(address):
    return list(OutboxMessage.objects.filter(recipient=address).order_by("pk"))


def live_match(match_request):
    return Match.objects.get(request=match_request, status__in=["proposed", "accepted"])


@pytest.fixture
def guides(business):
    return matching_program(business)


@pytest.fixture
def layover(business):
    return matching_program(business, ProgramKind.LAYOVER)


def submit_and_confirm(program, **overrides):
    return services.confirm_request(submitted_request(program, **overrides)).value


def moved(match_request, starts_at, ends_at):
    """The request as it is, at another time."""
    return GuidesRequestInput.of(match_request).changed(starts_at=starts_at, ends_at=ends_at)


def test_a_request_waits_for_its_email_to_be_confirmed(business, guides):
    offering_peer(business, at=NEAR)
    outcome = services.submit_request(guides, request_input(guides), language="en")
    match_request = outcome.value

    assert outcome.created
    assert match_request.status == RequestStatus.UNCONFIRMED
    assert not Match.objects.exists()
    (mail,) = mails_to("jane@example.org")
    assert f"/requests/{match_request.token}/confirm/" in mail.body_text

    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE)
    assert not Match.objects.exists(), "an unconfirmed request is never matched"


def test_confirming_proposes_the_nearest_peer_who_speaks_the_language(business, guides):
    offering_peer(business, at=FAR, display_name="Far")
    near = offering_peer(business, at=NEAR, display_name="Near")
    offering_peer(business, at=NEAR, languages=(("it", "native"),), display_name="No English")

    match_request = submit_and_confirm(guides)

    assert match_request.status == RequestStatus.PROPOSED
    match = live_match(match_request)
    assert match.peer == near
    assert match.status == MatchStatus.PROPOSED
    assert match.respond_by <= timezone.now() + timedelta(hours=12, seconds=5)
    assert match.request.starts_at <= match.meets_at < match.request.ends_at
    words = selectors.describe_match(match)
    assert "English" in words and "cycling" in words
    (proposal,) = mails_to(near.user.email)
    assert "Jane" not in proposal.body_text, "the consumer's name waits for acceptance"
    assert "jane@example.org" not in proposal.body_text
    run = MatchRun.objects.get(program=guides)
    assert (run.trigger, run.requests, run.matched) == ("request", 1, 1)
    assert RunResult.objects.get(run=run).peer == near


def test_accepting_shares_first_name_meeting_point_and_contact(business, guides):
    near = offering_peer(business, at=NEAR)
    near.user.first_name = "Giulia Maria"
    near.user.save()
    match_request = submit_and_confirm(guides)
    consumer_mails_before = len(mails_to("jane@example.org"))

    services.accept(near, live_match(match_request))

    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.MATCHED
    consumer_mail = mails_to("jane@example.org")[consumer_mails_before:]
    assert len(consumer_mail) == 1
    body = consumer_mail[0].body_text
    assert "Giulia" in body and "Maria" not in body
    assert "Piazza Maggiore" in body
    assert near.user.email in body
    assert f"/requests/{match_request.token}/" in body, "a way to cancel"
    peer_mail = mails_to(near.user.email)[-1].body_text
    assert "Jane Traveller" in peer_mail and "jane@example.org" in peer_mail


def test_a_decline_matches_again_without_that_peer(business, guides):
    first = offering_peer(business, at=NEAR)
    second = offering_peer(business, at=FAR)
    match_request = submit_and_confirm(guides)
    assert live_match(match_request).peer == first

    services.decline(first, live_match(match_request), MatchReasonInput(reason="Busy that day"))

    again = live_match(match_request)
    assert again.peer == second
    declined = Match.objects.get(request=match_request, peer=first)
    assert (declined.status, declined.decline_reason) == ("declined", "Busy that day")
    assert MatchRun.objects.filter(trigger="rematch").count() == 1


def test_when_nobody_else_can_go_the_request_stays_open_with_a_reason(business, guides):
    only = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides)

    services.decline(only, live_match(match_request))

    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.OPEN
    assert match_request.unmatched_reason == "excluded"
    assert selectors.describe_unmatched(match_request)


def test_an_unanswered_proposal_expires_and_goes_to_the_next_peer(business, guides):
    first = offering_peer(business, at=NEAR)
    second = offering_peer(business, at=FAR)
    match_request = submit_and_confirm(guides)
    proposal = live_match(match_request)

    assert services.expire_proposals(now=timezone.now()) == 0
    expired = services.expire_proposals(now=proposal.respond_by + timedelta(minutes=1))

    assert expired == 1
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.EXPIRED
    assert live_match(match_request).peer == second
    with pytest.raises(services.InvalidTransition):
        services.accept(first, proposal)


def test_nobody_speaking_the_language_is_explained(business, guides):
    offering_peer(business, at=NEAR, languages=(("it", "native"),))

    match_request = submit_and_confirm(guides, languages=["ja"])

    assert match_request.status == RequestStatus.OPEN
    assert match_request.unmatched_reason == "no_language"
    assert "Japanese" in selectors.describe_unmatched(match_request)


def test_a_claimed_block_and_a_day_off_are_not_free_time(business, guides, program):
    busy = offering_peer(business, at=NEAR, display_name="Busy")
    away = offering_peer(business, at=NEAR, display_name="Away")
    free = offering_peer(business, at=FAR, display_name="Free")
    start = next_monday(business, 10)
    block = BlockFactory(
        program=program, starts_at=start - timedelta(hours=1), ends_at=start + timedelta(hours=5)
    )
    Claim.objects.create(
        business=business,
        block=block,
        peer=busy,
        status="active",
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )
    days_off_for(away, start.date(), note="Holiday")

    match_request = submit_and_confirm(guides)

    assert live_match(match_request).peer == free


def test_weekly_limit_and_fairness_spread_the_work(business, guides):
    capped = offering_peer(business, at=NEAR, max_per_week=1, display_name="Capped")
    other = offering_peer(business, at=NEAR, display_name="Other")
    monday = next_monday(business, 10)
    requests = [
        open_request(
            guides,
            email=f"t{n}@example.org",
            starts_at=monday + timedelta(days=n),
            ends_at=monday + timedelta(days=n, hours=4),
        )
        for n in range(3)
    ]

    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value

    assert run.matched == 3
    peers = [live_match(r).peer for r in requests]
    assert peers.count(capped) == 1, "at most one a week for the capped peer"
    assert peers.count(other) == 2
    assert {row["name"] for row in run.loads} == {"Capped", "Other"}
    assert run.gini is not None


def test_one_peer_is_not_proposed_twice_on_one_day(business, guides):
    offering_peer(business, at=NEAR)
    monday = next_monday(business, 9)
    first = open_request(
        guides, email="a@example.org", starts_at=monday, ends_at=monday + timedelta(hours=3)
    )
    second = open_request(
        guides,
        email="b@example.org",
        starts_at=monday + timedelta(hours=5),
        ends_at=monday + timedelta(hours=9),
    )

    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value

    assert run.matched == 1
    statuses = sorted(
        MatchRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == ["open", "proposed"]


def test_a_blocked_pair_is_never_matched_again(business, guides):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides)
    services.accept(peer, live_match(match_request))
    services.block_pair(peer, live_match(match_request))
    services.cancel_own_request(match_request)

    again = submit_and_confirm(guides)

    assert again.status == RequestStatus.OPEN
    assert again.unmatched_reason == "excluded"


def test_a_layover_shorter_than_the_minimum_is_refused_naming_the_field(business, layover):
    arrival = next_monday(business, 8)
    data = request_input(
        layover, airport="BLQ", arrival=arrival, departure=arrival + timedelta(hours=4)
    )

    with pytest.raises(InvalidInput) as caught:
        services.submit_request(layover, data, language="en")

    (message,) = caught.value.messages_for("departure")
    assert "4 h" in message and "6 h" in message
    assert not MatchRequest.objects.exists()


def test_a_completed_layover_posts_its_perks_and_pays_the_match_rule(business, layover, owner):
    peer = offering_peer(business, at=NEAR)
    create_rule(
        business,
        owner,
        NewRuleInput(
            program_id=layover.pk, event=Event.MATCH_COMPLETED, reward=RewardKind.CASH, amount=1500
        ),
    )
    arrival = next_monday(business, 8)
    match_request = submit_and_confirm(
        layover, airport="BLQ", arrival=arrival, departure=arrival + timedelta(hours=9)
    )
    match = live_match(match_request)
    assert match.perks and sum(p["amount_minor"] for p in match.perks) == 1900
    services.accept(peer, match)

    with pytest.raises(services.InvalidTransition):
        services.complete_own_match(peer, match, now=match.meets_at)
    services.complete_own_match(peer, match, now=match.ends_at + timedelta(minutes=5))

    match.refresh_from_db()
    assert match.status == MatchStatus.COMPLETED
    payable = ledger.accounts(business.pk, [ledger.peer_payable(peer.pk, "EUR")])
    assert -ledger.balance(business.pk, next(iter(payable.values())).id) == 1900 + 1500
    assert checks.check_business(business.pk) == []
    # Completing twice neither pays twice nor fails silently.
    with pytest.raises(services.InvalidTransition):
        services.complete_own_match(peer, match, now=match.ends_at + timedelta(hours=1))


def test_changing_the_time_withdraws_the_proposal_and_looks_again(business, guides):
    morning_only = offering_peer(
        business, at=NEAR, slots=[(d, time(9), time(13)) for d in range(7)]
    )
    evening = offering_peer(business, at=FAR, slots=[(d, time(17), time(22)) for d in range(7)])
    match_request = submit_and_confirm(guides)
    assert live_match(match_request).peer == morning_only

    monday = next_monday(business, 18)
    services.update_request(
        match_request, moved(match_request, monday, monday + timedelta(hours=3))
    )

    assert live_match(match_request).peer == evening
    assert Match.objects.get(peer=morning_only).status == MatchStatus.CANCELLED
    assert "changed" in mails_to(morning_only.user.email)[-1].body_text


def test_the_batch_runs_once_per_interval(business, guides):
    offering_peer(business, at=NEAR)
    open_request(guides)
    now = timezone.now()

    assert services.run_due_batches(now=now) == 1
    assert services.run_due_batches(now=now + timedelta(minutes=1)) == 0
    assert MatchRun.objects.filter(trigger="schedule").count() == 1


def test_far_from_home_is_explained(business, guides):
    offering_peer(business, at=(45.4642, 9.19), radius=10)  # Milan

    match_request = submit_and_confirm(guides)

    assert match_request.unmatched_reason == "too_far"


def test_peer_outside_their_hours_is_not_free(business, guides):
    offering_peer(business, at=BOLOGNA, slots=[(5, time(9), time(12))])

    match_request = submit_and_confirm(guides)  # a Monday

    assert match_request.unmatched_reason == "no_time"


def test_only_members_run_on_demand_change_settings_or_complete_for_others(
    business, guides, other_staff
):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides)
    match = live_match(match_request)
    services.accept(peer, match)

    with pytest.raises(services.PermissionDenied):
        services.run_matching(guides, trigger=MatchRun.Trigger.STAFF, actor=peer.user)
    with pytest.raises(services.PermissionDenied):
        services.update_settings(
            business, other_staff, guides, MatchingSettingsInput.of(guides.matching)
        )
    with pytest.raises(services.PermissionDenied):
        services.complete_match(business, other_staff, match, now=match.ends_at)
    with pytest.raises(services.PermissionDenied):
        services.cancel_match(business, peer.user, match)
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED


def test_each_email_tells_the_time_in_its_readers_language(business, guides):
    peer = offering_peer(business, at=NEAR)
    peer.user.language = "it"
    peer.user.save()
    match_request = submit_and_confirm(guides)  # an English-speaking traveller, on a Monday
    proposal = mails_to(peer.user.email)[-1].body_text
    assert "lun " in proposal and "Mon" not in proposal  # Italian, in lower case
    assert "parla inglese" in proposal or "inglese" in proposal.lower()

    with translation.override("it"):  # the peer clicks in Italian
        services.accept(peer, live_match(match_request))

    to_traveller = mails_to("jane@example.org")[-1].body_text
    assert "Mon" in to_traveller and "lun " not in to_traveller
    assert "lun " in mails_to(peer.user.email)[-1].body_text


def test_a_traveller_who_cancels_can_refuse_that_local_for_good(business, guides):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides)
    services.accept(peer, live_match(match_request))

    services.cancel_own_request(match_request, CancelRequestInput(block_peer=True))
    again = submit_and_confirm(guides)

    assert again.status == RequestStatus.OPEN
    assert again.unmatched_reason == "excluded"


def test_a_failing_instant_run_does_not_undo_the_confirmation(
    business, guides, monkeypatch, caplog
):
    offering_peer(business, at=NEAR)
    match_request = submitted_request(guides)

    def broken(*args, **kwargs):
        raise RuntimeError("solver down")

    monkeypatch.setattr(engine, "match", broken)
    confirmed = services.confirm_request(match_request).value

    assert confirmed.status == RequestStatus.OPEN, "the batch will try again"
    assert "instant matching run" in caplog.text
    assert "jane@example.org" not in caplog.text
    monkeypatch.undo()
    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE)
    assert live_match(confirmed)


def test_before_accepting_the_peer_never_learns_the_travellers_name_or_note(business, guides):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides, note="Call me on +39 333 1234567")
    assert "+39" not in mails_to(peer.user.email)[-1].body_text

    services.cancel_own_request(match_request, CancelRequestInput(reason="I am Jane, sorry"))

    withdrawn = mails_to(peer.user.email)[-1].body_text
    assert "Jane" not in withdrawn and "withdrawn" in withdrawn


def test_two_meetings_of_one_peer_in_one_run_never_overlap(business):
    guides = matching_program(business, per_day=2)
    offering_peer(business, at=NEAR)
    monday = next_monday(business, 10)
    for n in range(2):
        open_request(
            guides, email=f"t{n}@example.org", starts_at=monday, ends_at=monday + timedelta(hours=2)
        )

    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value

    assert run.matched == 1
    assert Match.objects.filter(status="proposed").count() == 1


def test_a_layover_too_short_for_a_meeting_is_refused_whatever_the_setting(business):
    layover = matching_program(business, ProgramKind.LAYOVER, min_free_minutes=60)
    arrival = next_monday(business, 8)
    data = request_input(
        layover, airport="BLQ", arrival=arrival, departure=arrival + timedelta(minutes=90)
    )

    with pytest.raises(InvalidInput) as caught:
        services.submit_request(layover, data, language="en")

    assert caught.value.messages_for("departure")


def test_a_request_that_already_started_gets_time_to_answer(business, guides):
    peer = offering_peer(business, at=NEAR)
    match_request = open_request(guides)
    later = match_request.starts_at + timedelta(minutes=7, seconds=30)

    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE, now=later)

    match = live_match(match_request)
    assert match.peer == peer
    assert match.respond_by >= later + timedelta(minutes=29)
    assert match.meets_at >= match.respond_by


def test_the_peer_of_a_changed_request_may_be_proposed_again(business, guides):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides)
    services.accept(peer, live_match(match_request))

    later = next_monday(business, 15)
    services.update_request(match_request, moved(match_request, later, later + timedelta(hours=3)))

    assert live_match(match_request).peer == peer


def test_blocking_from_a_proposal_answers_it(business, guides):
    first = offering_peer(business, at=NEAR)
    second = offering_peer(business, at=FAR)
    match_request = submit_and_confirm(guides)

    services.block_pair(first, live_match(match_request))

    assert live_match(match_request).peer == second


def test_who_may_be_proposed_is_the_one_eligibility_rule(business):
    """The program's skills, languages and minimum reliability decide, as for every app
    (`programs.eligibility`): a run proposes only peers the rule lets in."""
    guides = matching_program(business)
    guiding = SkillFactory(business=business)
    guides.required_skills.add(guiding)
    guides.required_languages = ["en"]
    guides.min_reliability = 60
    guides.save()
    fits = offering_peer(business, at=NEAR, reliability=80, display_name="Fits")
    fits.skills.add(guiding)
    unskilled = offering_peer(business, at=NEAR, reliability=90, display_name="Unskilled")
    new = offering_peer(business, at=NEAR, display_name="New")  # no track record yet
    new.skills.add(guiding)
    french = offering_peer(
        business, at=NEAR, reliability=95, languages=(("fr", "native"),), display_name="French"
    )
    french.skills.add(guiding)
    paused = offering_peer(business, at=NEAR, reliability=99, display_name="Paused")
    paused.skills.add(guiding)
    MatchingProfile.objects.filter(peer=paused).update(accepting=False)

    found = selectors.eligible_peers(guides)

    assert found == [fits]
    requirement = Requirement.of_program(guides)
    for peer in (fits, unskilled, new, french):
        assert eligible(PeerFacts.of(peer), requirement) == (peer in found)
    assert live_match(submit_and_confirm(guides)).peer == fits


def test_a_program_that_is_not_open_does_not_run(business, owner):
    guides = matching_program(business)
    offering_peer(business, at=NEAR)
    match_request = open_request(guides)
    guides.status = ProgramStatus.CLOSED
    guides.save()

    with pytest.raises(services.InvalidTransition):
        services.run_matching(guides, trigger=MatchRun.Trigger.STAFF, actor=owner)

    assert not MatchRun.objects.exists()
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.OPEN


# --- what each change says it did ----------------------------------------------------------------


def test_confirming_after_the_window_expires_the_request_and_says_so(business, guides):
    match_request = submitted_request(guides)
    later = match_request.ends_at + timedelta(minutes=1)

    outcome = services.confirm_request(match_request, now=later)

    assert outcome.value.status == RequestStatus.EXPIRED
    assert not outcome.replayed and not outcome.created
    assert outcome.warnings and "expired" in outcome.warnings[0]
    assert outcome.value.confirmed_at is None
    again = services.confirm_request(match_request, now=later)
    assert again.replayed and not again.warnings
    assert again.value.status == RequestStatus.EXPIRED


def test_confirming_twice_is_a_replay(business, guides):
    match_request = submitted_request(guides)

    first = services.confirm_request(match_request)
    second = services.confirm_request(match_request)

    assert not first.replayed and not first.warnings
    assert second.replayed and second.value.pk == first.value.pk
    assert len(mails_to("jane@example.org")) == 2, "the link, then 'received' once"


def test_blocking_a_pair_twice_is_a_replay(business, guides):
    peer = offering_peer(business, at=NEAR)
    match = live_match(submit_and_confirm(guides))
    services.accept(peer, match)

    first = services.block_pair(peer, match)
    second = services.block_pair(peer, match)

    assert (first.created, first.replayed) == (True, False)
    assert (second.created, second.replayed) == (False, True)
    assert second.value.pk == first.value.pk


def test_who_cancelled_is_recorded_by_who_acted(business, guides, owner):
    peer = offering_peer(business, at=NEAR)
    other = offering_peer(business, at=FAR)
    match_request = submit_and_confirm(guides)
    services.accept(peer, live_match(match_request))

    by_peer = services.cancel_own_match(peer, live_match(match_request)).value
    by_staff = services.cancel_match(business, owner, live_match(match_request)).value

    assert (by_peer.peer, by_peer.cancelled_by) == (peer, services.CancelledBy.PEER)
    assert (by_staff.peer, by_staff.cancelled_by) == (other, services.CancelledBy.STAFF)
    assert by_staff.get_cancelled_by_display() == "staff"
    cancelled = services.cancel_request(business, owner, match_request).value
    assert cancelled.status == RequestStatus.CANCELLED


def test_a_peer_acts_only_on_their_own_match(business, guides):
    peer = offering_peer(business, at=NEAR)
    other = offering_peer(business, at=FAR)
    match = live_match(submit_and_confirm(guides))
    services.accept(peer, match)

    with pytest.raises(services.PermissionDenied):
        services.cancel_own_match(other, match)
    with pytest.raises(services.PermissionDenied):
        services.complete_own_match(other, match, now=match.ends_at)
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED


def test_staff_act_only_on_their_own_business(business, other_business, guides, owner):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides)
    match = live_match(match_request)
    services.accept(peer, match)
    theirs = OwnerFactory(business=other_business).user
    elsewhere = matching_program(other_business)

    with pytest.raises(services.NotFound):
        services.update_settings(
            business, owner, elsewhere, MatchingSettingsInput.of(elsewhere.matching)
        )
    with pytest.raises(services.NotFound):
        services.cancel_match(other_business, theirs, match)
    with pytest.raises(services.NotFound):
        services.complete_match(other_business, theirs, match, now=match.ends_at)
    with pytest.raises(services.NotFound):
        services.cancel_request(other_business, theirs, match_request)
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED


@pytest.mark.parametrize("status", ["applicant", "suspended", "rejected"])
def test_only_an_active_peer_offers_time_and_answers(business, guides, status):
    peer = offering_peer(business, at=NEAR)
    match = live_match(submit_and_confirm(guides))
    day_off = days_off_for(peer, timezone.localdate() + timedelta(days=9))
    peer.status = status
    peer.save()
    profile = MatchingProfileInput.parse(
        {"accepting": True, "max_per_week": 1, "interests": [], "slots": []}
    )
    day = DayOffInput.parse({"first": "2031-08-15"})

    for change in (
        lambda: services.update_profile(peer, profile),
        lambda: services.add_day_off(peer, day),
        lambda: services.remove_day_off(peer, day_off.pk),
        lambda: services.accept(peer, match),
        lambda: services.decline(peer, match),
        lambda: services.cancel_own_match(peer, match),
        lambda: services.complete_own_match(peer, match, now=match.ends_at),
        lambda: services.block_pair(peer, match),
    ):
        with pytest.raises(services.PermissionDenied):
            change()

    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED
    assert DayOff.objects.filter(peer=peer).count() == 1
    assert not PairBlock.objects.exists()


def test_a_saved_offer_comes_back_as_saved(business, guides):
    peer = offering_peer(business, at=NEAR, slots=[])
    data = MatchingProfileInput.parse(
        {
            "accepting": False,
            "max_per_week": 4,
            "interests": [],
            "slots": [
                {"weekday": 5, "starts": "15:00", "ends": "18:00"},
                {"weekday": 1, "starts": "09:00", "ends": "12:00"},
            ],
        }
    )

    offer = services.update_profile(peer, data).value

    assert (offer.profile.accepting, offer.profile.max_per_week) == (False, 4)
    assert [(s.weekday, s.starts) for s in offer.slots] == [(1, time(9)), (5, time(15))]
    assert all(s.pk for s in offer.slots)
    assert selectors.offer_of(peer) == offer


def test_reading_settings_makes_nothing_the_first_change_does(business, owner):
    guides = ProgramFactory(business=business, kind=ProgramKind.GUIDES)
    assert not MatchingSettings.objects.filter(program=guides).exists()

    defaults = selectors.settings_of(guides)

    assert defaults.pk is None and defaults.meeting_minutes == 120
    assert not MatchingSettings.objects.filter(program=guides).exists()
    outcome = services.update_settings(
        business, owner, guides, MatchingSettingsInput.of(defaults).changed(per_day=2)
    )
    assert outcome.created and outcome.value.pk
    again = services.update_settings(
        business, owner, guides, MatchingSettingsInput.of(outcome.value).changed(per_day=3)
    )
    assert not again.created
    assert selectors.settings_of(guides).per_day == 3


def test_what_a_match_shows_its_peer_of_who_asked(business, guides):
    peer = offering_peer(business, at=NEAR)
    match_request = submit_and_confirm(guides, note="Call me")
    match = live_match(match_request)

    assert match.consumer_contact is None, "not before they accept"
    accepted = services.accept(peer, match).value
    contact = accepted.consumer_contact
    assert (contact.name, contact.email, contact.note) == (
        match_request.name,
        "jane@example.org",
        "Call me",
    )
    cancelled = services.cancel_own_match(peer, accepted).value
    assert cancelled.consumer_contact is None
