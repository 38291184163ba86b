"""Releasing a block, the waitlist that takes the seat, no-shows, completion, check-in."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.errors import InvalidTransition, NotFound, PermissionDenied
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import PeerStatus
from peerarmy.scheduling import errors
from peerarmy.scheduling.inputs import PositionInput, StaffReleaseInput
from peerarmy.scheduling.models import (
    ClaimStatus,
    ReliabilityEvent,
    ReliabilityEventKind,
    ScheduleEvent,
    WaitlistStatus,
)
from peerarmy.scheduling.services import (
    check_in,
    check_out,
    claim_block,
    complete_claim,
    join_waitlist,
    leave_waitlist,
    mark_no_show,
    release_claim,
    staff_release_claim,
    update_block,
)
from peerarmy.tenancy.tests.factories import PeerFactory

from .changes import block_change
from .factories import BlockFactory, FairnessLimitsFactory

pytestmark = pytest.mark.django_db


def test_a_peer_releases_days_ahead_without_a_mark_and_the_seat_is_free(peer, program):
    block = BlockFactory(program=program, capacity=1)
    claim = claim_block(peer, block.pk).value

    release_claim(peer, claim)

    claim.refresh_from_db()
    block.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED and not claim.released_late
    assert block.seats_taken == 0
    assert not ReliabilityEvent.objects.exists()


def test_a_release_within_a_day_of_the_start_is_recorded_as_late(peer, program):
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value

    release_claim(peer, claim, now=block.starts_at - timedelta(hours=3))

    claim.refresh_from_db()
    assert claim.released_late
    event = ReliabilityEvent.objects.get(peer=peer)
    assert event.kind == ReliabilityEventKind.LATE_RELEASE


def test_after_the_forfeit_cutoff_only_staff_can_release(business, staff, peer, program):
    FairnessLimitsFactory(program=program, forfeit_cutoff_minutes=60)
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value
    too_late = block.starts_at - timedelta(minutes=30)

    with pytest.raises(errors.PastForfeitCutoff) as refused:
        release_claim(peer, claim, now=too_late)
    assert refused.value.code == "past_forfeit_cutoff"

    staff_release_claim(business, staff, claim, StaffReleaseInput(excused=True), now=too_late)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED
    assert not ReliabilityEvent.objects.exists()  # excused by staff


def test_another_peer_cannot_release_someone_elses_claim(business, peer, program):
    claim = claim_block(peer, BlockFactory(program=program).pk).value

    with pytest.raises(PermissionDenied):
        release_claim(PeerFactory(business=business), claim)


def test_a_freed_seat_goes_to_the_first_eligible_waitlisted_peer(business, program):
    block = BlockFactory(program=program, capacity=1)
    holder = PeerFactory(business=business)
    claim = claim_block(holder, block.pk).value
    first = PeerFactory(business=business, display_name="First")
    second = PeerFactory(business=business, display_name="Second")
    join_waitlist(first, block.pk)
    join_waitlist(second, block.pk)
    # The first in line has been suspended since joining: they are skipped.
    first.status = PeerStatus.SUSPENDED
    first.save()

    release_claim(holder, claim)

    block.refresh_from_db()
    assert block.seats_taken == 1
    assert [c.peer for c in block.claims.filter(status=ClaimStatus.ACTIVE)] == [second]
    statuses = dict(block.waitlist.values_list("peer__display_name", "status"))
    assert statuses == {"First": WaitlistStatus.SKIPPED, "Second": WaitlistStatus.PROMOTED}
    told = OutboxMessage.objects.get(event="block.promoted")
    assert told.recipient == second.user.email
    assert "it is now yours" in told.body_text


def test_raising_the_capacity_gives_the_new_seat_to_the_waitlist(business, staff, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)
    waiting = PeerFactory(business=business)
    join_waitlist(waiting, block.pk)

    update_block(business, staff, block, block_change(block, capacity=2))

    block.refresh_from_db()
    assert block.seats_taken == 2
    assert block.claims.get(peer=waiting).promoted_from_waitlist


def test_the_waitlist_is_only_for_full_blocks_and_only_once(business, peer, program):
    block = BlockFactory(program=program, capacity=1)
    with pytest.raises(errors.NotFull):
        join_waitlist(peer, block.pk)
    claim_block(PeerFactory(business=business), block.pk)
    entry = join_waitlist(peer, block.pk).value

    with pytest.raises(errors.AlreadyWaiting):
        join_waitlist(peer, block.pk)
    leave_waitlist(peer, block.pk)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT


def test_staff_mark_a_no_show_which_is_recorded_for_reliability(business, staff, peer, program):
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value

    with pytest.raises(InvalidTransition):
        mark_no_show(business, staff, claim)  # not started yet
    mark_no_show(business, staff, claim, now=block.starts_at + timedelta(minutes=20))

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NO_SHOW
    assert ReliabilityEvent.objects.get(peer=peer).kind == ReliabilityEventKind.NO_SHOW


def test_a_completed_claim_records_the_promised_reward_for_the_rewards_capability(
    business, staff, peer, program
):
    block = BlockFactory(program=program, reward_minor=2500, reward_points=10)
    claim = claim_block(peer, block.pk).value

    complete_claim(business, staff, claim, now=block.ends_at)

    event = ScheduleEvent.objects.get(kind="block.completed")
    assert event.payload["peer_id"] == peer.pk
    assert event.payload["reward_minor"] == 2500
    assert event.payload["reward_currency"] == "EUR"
    assert event.payload["reward_points"] == 10


def test_staff_of_another_business_cannot_complete(other_business, other_staff, peer, program):
    claim = claim_block(peer, BlockFactory(program=program).pk).value

    with pytest.raises(NotFound):  # as if the claim did not exist
        complete_claim(other_business, other_staff, claim)


def test_check_in_works_in_the_window_and_near_the_place(peer, program):
    block = BlockFactory(program=program, check_in_radius_m=200)
    claim = claim_block(peer, block.pk).value
    at_the_shop = PositionInput.parse({"lat": "44.495000", "lon": "11.334400"})

    with pytest.raises(errors.OutsideCheckInWindow):
        check_in(peer, claim, at_the_shop, now=block.starts_at - timedelta(hours=1))
    with pytest.raises(errors.TooFarToCheckIn):
        check_in(peer, claim, PositionInput(lat=44.51, lon=11.35), now=block.starts_at)
    with pytest.raises(errors.TooFarToCheckIn):
        check_in(peer, claim, now=block.starts_at)  # no location shared
    check_in(peer, claim, at_the_shop, now=block.starts_at - timedelta(minutes=10))
    check_out(peer, claim, at_the_shop, now=block.ends_at + timedelta(minutes=5))

    claim.refresh_from_db()
    assert claim.checked_in_at == block.starts_at - timedelta(minutes=10)
    assert claim.checked_out_at == block.ends_at + timedelta(minutes=5)


def test_check_out_needs_a_check_in(peer, program):
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value

    with pytest.raises(InvalidTransition):
        check_out(peer, claim, now=block.ends_at)
    assert timezone.now() < block.starts_at


@pytest.mark.parametrize("status", [PeerStatus.SUSPENDED, PeerStatus.REJECTED])
def test_only_an_active_peer_releases_checks_in_or_out_or_leaves_a_waitlist(
    business, peer, program, status
):
    """The rule is the services' own: the API's peer token refuses earlier, the pages do
    not, and a script calling the service gets the same answer."""
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value
    full = BlockFactory(
        program=program,
        capacity=1,
        starts_at=block.starts_at + timedelta(days=2),
        ends_at=block.ends_at + timedelta(days=2),
    )
    claim_block(PeerFactory(business=business), full.pk)
    join_waitlist(peer, full.pk)
    peer.status = status
    peer.save(update_fields=["status"])

    for attempt in (
        lambda: release_claim(peer, claim),
        lambda: check_in(peer, claim, now=block.starts_at),
        lambda: check_out(peer, claim, now=block.ends_at),
        lambda: leave_waitlist(peer, full.pk),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.message == "Your membership of this army is not active."
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE and claim.checked_in_at is None
    assert full.waitlist.get().status == WaitlistStatus.WAITING
