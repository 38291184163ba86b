"""Reviews, suspensions and appeals: what sends a peer to review, what a suspension does to
their blocks, the one appeal decided by another member, the lift, and the trail they read."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from peerarmy.errors import DomainError, InvalidTransition, PermissionDenied
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers import selectors
from peerarmy.peers.errors import AppealAlreadyMade
from peerarmy.peers.inputs import (
    AppealDecisionInput,
    AppealInput,
    ClearReviewInput,
    LiftInput,
    ReviewSettingsInput,
    SuspendInput,
)
from peerarmy.peers.models import PeerStatus, ReviewStatus, ReviewStepKind
from peerarmy.peers.review_rules import Threshold, review_triggers
from peerarmy.peers.services import (
    appeal_suspension,
    clear_review,
    decide_appeal,
    lift_suspension,
    suspend_peer,
    update_review_settings,
)
from peerarmy.scheduling.models import ClaimStatus, ReliabilityEvent, WaitlistStatus
from peerarmy.scheduling.reviews import review_every_business, review_peers
from peerarmy.scheduling.services import claim_block, join_waitlist, mark_no_show
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory, ProgramFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _no_shows(business, program, peer, n, *, days_ago=1):
    for i in range(n):
        block = BlockFactory(program=program, starts_at=NOW - timedelta(days=days_ago, hours=i))
        ReliabilityEvent.objects.create(
            business=business, peer=peer, kind="no_show", block=block, created_at=block.starts_at
        )


# --- what sends a peer to review ---------------------------------------------------------------


def test_a_reliability_under_a_programs_threshold_sends_the_peer_to_review(business, owner):
    ProgramFactory(business=business, min_reliability=60, title_en="Deliveries")
    weak = PeerFactory(business=business, reliability=41)
    PeerFactory(business=business, reliability=80)
    PeerFactory(business=business, reliability=None)  # no track record: not judged on it

    opened = review_peers(business, now=NOW)

    assert [o.value.peer for o in opened] == [weak]
    review = opened[0].value
    assert review.status == ReviewStatus.OPEN
    assert review.reasons == ["Reliability 41, under the minimum of 60 that “Deliveries” asks for."]
    assert weak.__class__.objects.get(pk=weak.pk).status == PeerStatus.ACTIVE  # not suspended
    assert OutboxMessage.objects.filter(recipient=owner.email, event="peer.review_opened").exists()


def test_three_no_shows_in_sixty_days_send_the_peer_to_review_but_old_ones_do_not(
    business, program
):
    careless = PeerFactory(business=business)
    long_ago = PeerFactory(business=business)
    _no_shows(business, program, careless, 3)
    _no_shows(business, program, long_ago, 3, days_ago=61)

    opened = review_peers(business, now=NOW)

    assert [o.value.peer for o in opened] == [careless]
    assert opened[0].value.reasons == ["3 no-shows in the last 60 days."]


def test_the_business_sets_how_many_no_shows_and_in_how_many_days(business, program, owner):
    peer = PeerFactory(business=business)
    _no_shows(business, program, peer, 2, days_ago=80)
    update_review_settings(
        business, owner, ReviewSettingsInput(no_show_limit=2, no_show_window_days=90)
    )

    assert len(review_peers(business, now=NOW)) == 1


def test_the_sweep_asks_again_without_opening_a_second_case(business, program):
    peer = PeerFactory(business=business)
    _no_shows(business, program, peer, 3)

    assert review_every_business(now=NOW) == 1
    assert review_every_business(now=NOW) == 0
    assert len(selectors.cases_of_peer(business, peer)) == 1


def test_a_cleared_review_is_not_reopened_on_the_same_facts(business, program, staff):
    ProgramFactory(business=business, min_reliability=60)
    peer = PeerFactory(business=business, reliability=50)
    _no_shows(business, program, peer, 3)
    review_peers(business, now=NOW)
    clear_review(business, staff, peer, ClearReviewInput(reason="Known, handled"), now=NOW)

    assert review_peers(business, now=NOW + timedelta(minutes=1)) == []

    # a lower score, or three new no-shows, open a new case
    peer.__class__.objects.filter(pk=peer.pk).update(reliability=45)
    assert len(review_peers(business, now=NOW + timedelta(minutes=2))) == 1


def test_new_no_shows_after_a_cleared_review_count_again(business, program, staff):
    peer = PeerFactory(business=business)
    _no_shows(business, program, peer, 3, days_ago=5)
    review_peers(business, now=NOW)
    clear_review(business, staff, peer, ClearReviewInput(reason="Bad week"), now=NOW)
    later = NOW + timedelta(days=10)
    for i in range(3):
        block = BlockFactory(program=program, starts_at=later - timedelta(days=1, hours=i))
        ReliabilityEvent.objects.create(
            business=business, peer=peer, kind="no_show", block=block, created_at=block.starts_at
        )

    (opened,) = review_peers(business, now=later)
    assert opened.value.reasons == ["3 no-shows in the last 60 days."]


def test_the_third_no_show_marked_sends_the_peer_to_review_at_once(business, program, staff):
    peer = PeerFactory(business=business)
    _no_shows(business, program, peer, 2)
    block = BlockFactory(program=program, starts_at=NOW + timedelta(days=1))
    claim = claim_block(peer, block.pk, now=NOW).value

    mark_no_show(business, staff, claim, now=block.starts_at + timedelta(minutes=30))

    case = selectors.open_case(business, peer)
    assert case is not None and case.status == ReviewStatus.OPEN


@given(
    reliability=st.none() | st.integers(0, 100),
    minimum=st.integers(0, 100),
    ages=st.lists(st.integers(0, 200), max_size=8),
)
def test_the_rule_sends_to_review_exactly_on_a_threshold_or_enough_recent_no_shows(
    reliability, minimum, ages
):
    now = NOW
    triggers = review_triggers(
        reliability=reliability,
        thresholds=[Threshold(minimum=minimum, program_it="P")],
        no_shows=[now - timedelta(days=a) for a in ages],
        no_show_limit=3,
        window_days=60,
        now=now,
    )
    kinds = {t["kind"] for t in triggers}
    assert ("reliability" in kinds) == (reliability is not None and reliability < minimum)
    assert ("no_shows" in kinds) == (sum(a <= 60 for a in ages) >= 3)


# --- suspension ---------------------------------------------------------------------------------


def test_a_suspension_releases_future_claims_and_promotes_the_waitlist(business, program, staff):
    peer = PeerFactory(business=business)
    waiting = PeerFactory(business=business)
    soon = BlockFactory(program=program, capacity=1)
    claim = claim_block(peer, soon.pk).value
    join_waitlist(waiting, soon.pk)
    review_peers(business)  # nothing to review: staff suspend directly

    review = suspend_peer(business, staff, peer, SuspendInput(reason="Rude to a customer")).value

    claim.refresh_from_db()
    peer.refresh_from_db()
    assert peer.status == PeerStatus.SUSPENDED
    assert review.status == ReviewStatus.SUSPENDED
    assert claim.status == ClaimStatus.RELEASED
    assert not ReliabilityEvent.objects.filter(peer=peer).exists()  # not the peer's late release
    assert soon.claims.get(status=ClaimStatus.ACTIVE).peer == waiting
    assert waiting.waitlist.get().status == WaitlistStatus.PROMOTED
    told = OutboxMessage.objects.get(recipient=peer.user.email, event="peer.suspended")
    assert "Rude to a customer" in told.body_text


def test_the_peer_is_told_of_the_suspension_in_their_language(business, staff):
    peer = PeerFactory(business=business)
    peer.user.language = "it"
    peer.user.save()

    suspend_peer(business, staff, peer, SuspendInput(reason="Motivo"))

    told = OutboxMessage.objects.get(recipient=peer.user.email, event="peer.suspended")
    assert told.language == "it"


def test_a_suspended_peer_cannot_claim(business, program, staff):
    peer = PeerFactory(business=business)
    suspend_peer(business, staff, peer, SuspendInput(reason="Safety"))
    peer.refresh_from_db()

    with pytest.raises(DomainError):
        claim_block(peer, BlockFactory(program=program).pk)


def test_staff_clear_a_review_with_a_reason_and_the_peer_stays_active(business, program, staff):
    peer = PeerFactory(business=business)
    _no_shows(business, program, peer, 3)
    review_peers(business, now=NOW)

    clear_review(business, staff, peer, ClearReviewInput(reason="The bike broke down twice"))

    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    (case,) = selectors.cases_of_peer(business, peer)
    assert case.status == ReviewStatus.CLEARED
    assert [s.kind for s in case.trail] == [ReviewStepKind.OPENED, ReviewStepKind.CLEARED]


def test_only_a_member_suspends(business, peer):
    another_peer = PeerFactory(business=business).user  # a peer, not a member

    with pytest.raises(PermissionDenied):
        suspend_peer(business, another_peer, peer, SuspendInput(reason="x"))


# --- appeal -------------------------------------------------------------------------------------


@pytest.fixture
def suspended(business, staff):
    peer = PeerFactory(business=business)
    suspend_peer(business, staff, peer, SuspendInput(reason="Three no-shows"))
    peer.refresh_from_db()
    return peer


def test_the_peer_appeals_once(business, suspended, owner):
    appeal_suspension(business, suspended.user, suspended, AppealInput(message="My son was ill"))

    with pytest.raises(AppealAlreadyMade) as raised:
        appeal_suspension(business, suspended.user, suspended, AppealInput(message="Again"))
    assert raised.value.code == "appeal_already_made"
    # the owner (not the suspender) hears of it
    assert OutboxMessage.objects.filter(recipient=owner.email, event="peer.appealed").exists()


def test_only_the_peer_appeals(business, suspended, owner):
    with pytest.raises(PermissionDenied):
        appeal_suspension(business, owner, suspended, AppealInput(message="x"))


def test_the_member_who_suspended_may_not_decide_the_appeal(business, suspended, staff, owner):
    appeal_suspension(business, suspended.user, suspended, AppealInput(message="Please"))

    with pytest.raises(PermissionDenied, match="another member"):
        decide_appeal(business, staff, suspended, AppealDecisionInput(grant=True, reason="ok"))

    decide_appeal(business, owner, suspended, AppealDecisionInput(grant=True, reason="Fair"))
    suspended.refresh_from_db()
    assert suspended.status == PeerStatus.ACTIVE
    (case,) = selectors.cases_of_peer(business, suspended)
    assert case.status == ReviewStatus.LIFTED
    assert case.appeal_decided_by == owner
    assert OutboxMessage.objects.filter(recipient=suspended.user.email, event="peer.appeal_decided")


def test_a_refused_appeal_keeps_the_suspension_and_cannot_be_made_again(business, suspended, owner):
    appeal_suspension(business, suspended.user, suspended, AppealInput(message="Please"))
    decide_appeal(business, owner, suspended, AppealDecisionInput(grant=False, reason="No"))

    suspended.refresh_from_db()
    assert suspended.status == PeerStatus.SUSPENDED
    with pytest.raises(AppealAlreadyMade):
        appeal_suspension(business, suspended.user, suspended, AppealInput(message="Again"))


def test_in_a_one_person_business_the_owner_decides_and_the_trail_says_so(business, owner):
    peer = PeerFactory(business=business)
    suspend_peer(business, owner, peer, SuspendInput(reason="Safety"))
    appeal_suspension(business, peer.user, peer, AppealInput(message="Please"))

    decide_appeal(business, owner, peer, AppealDecisionInput(grant=False, reason="Stays"))

    (case,) = selectors.cases_of_peer(business, peer)
    last = case.trail[-1]
    assert last.kind == ReviewStepKind.APPEAL_REFUSED
    assert last.decided_alone is True


def test_a_community_manager_suspends_but_not_decides_the_appeal_on_their_own(business, owner):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    peer = PeerFactory(business=business)
    suspend_peer(business, manager, peer, SuspendInput(reason="Rude"))
    appeal_suspension(business, peer.user, peer, AppealInput(message="Sorry"))

    with pytest.raises(PermissionDenied):
        decide_appeal(business, manager, peer, AppealDecisionInput(grant=True, reason="ok"))
    decide_appeal(business, owner, peer, AppealDecisionInput(grant=True, reason="ok"))


def test_an_appeal_cannot_be_decided_before_it_is_made(business, suspended, owner):
    with pytest.raises(InvalidTransition):
        decide_appeal(business, owner, suspended, AppealDecisionInput(grant=True, reason="x"))


# --- lift -----------------------------------------------------------------------------------------


def test_a_suspension_is_lifted_with_a_reason_and_every_step_is_in_the_trail(
    business, suspended, staff
):
    lift_suspension(business, staff, suspended, LiftInput(reason="Talked it through"))

    suspended.refresh_from_db()
    assert suspended.status == PeerStatus.ACTIVE
    (case,) = selectors.cases_of_peer(business, suspended)
    assert [(s.kind, s.text) for s in case.trail] == [
        (ReviewStepKind.SUSPENDED, "Three no-shows"),
        (ReviewStepKind.LIFTED, "Talked it through"),
    ]
    assert OutboxMessage.objects.filter(
        recipient=suspended.user.email, event="peer.lifted"
    ).exists()
    with pytest.raises(InvalidTransition):
        lift_suspension(business, staff, suspended, LiftInput(reason="again"))


def test_another_business_cannot_suspend_or_lift(business, other_staff, peer):
    with pytest.raises(PermissionDenied):
        suspend_peer(business, other_staff, peer, SuspendInput(reason="x"))


def test_a_reason_is_required():
    from peerarmy.inputs import InvalidInput

    with pytest.raises(InvalidInput) as raised:
        SuspendInput.parse({"reason": "  "})
    assert raised.value.errors[0][0] == "reason"
