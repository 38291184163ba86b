"""A peer claims blocks; every refusal tells them why, with a stable code."""

from datetime import timedelta

import pytest
from django.core import mail  # noqa: F401 - the outbox is checked through OutboxMessage
from django.utils import timezone

from peerarmy.errors import IdempotencyKeyReused, NotFound
from peerarmy.inputs import InvalidInput
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import PeerStatus
from peerarmy.scheduling import errors
from peerarmy.scheduling.inputs import CancelBlockInput
from peerarmy.scheduling.models import Claim, ClaimStatus
from peerarmy.scheduling.services import cancel_block, claim_block, update_block
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory, SkillFactory

from .changes import block_change
from .factories import BlockFactory, FairnessLimitsFactory

pytestmark = pytest.mark.django_db


def later(**kwargs):
    return timezone.now().replace(microsecond=0) + timedelta(**kwargs)


def test_a_peer_claims_a_seat_and_the_block_counts_it(peer, program):
    block = BlockFactory(program=program, capacity=2)

    claim = claim_block(peer, block.pk).value

    block.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE
    assert (claim.starts_at, claim.ends_at) == (block.starts_at, block.ends_at)
    assert block.seats_taken == 1


def test_a_full_block_is_refused_with_block_full(business, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)

    with pytest.raises(errors.BlockFull) as refused:
        claim_block(PeerFactory(business=business), block.pk)

    assert refused.value.code == "block_full"
    block.refresh_from_db()
    assert block.seats_taken == 1
    assert Claim.objects.filter(block=block).count() == 1


def test_claiming_the_same_block_twice_is_refused(peer, program):
    block = BlockFactory(program=program, capacity=3)
    claim_block(peer, block.pk)

    with pytest.raises(errors.AlreadyClaimed) as refused:
        claim_block(peer, block.pk)

    assert refused.value.code == "already_claimed"
    block.refresh_from_db()
    assert block.seats_taken == 1


def test_an_overlapping_block_is_refused(peer, program):
    first = BlockFactory(program=program)
    overlapping = BlockFactory(
        program=program,
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
    )
    claim_block(peer, first.pk)

    with pytest.raises(errors.OverlapsClaimedBlock) as refused:
        claim_block(peer, overlapping.pk)

    assert refused.value.code == "overlaps_claimed_block"


def test_too_little_rest_between_blocks_is_refused(peer, program):
    FairnessLimitsFactory(program=program, min_rest_minutes=60)
    first = BlockFactory(program=program)
    soon_after = BlockFactory(
        program=program,
        starts_at=first.ends_at + timedelta(minutes=30),
        ends_at=first.ends_at + timedelta(hours=2),
    )
    claim_block(peer, first.pk)

    with pytest.raises(errors.MinRestViolated) as refused:
        claim_block(peer, soon_after.pk)

    assert refused.value.code == "min_rest_violated"


def test_more_hours_than_the_weekly_maximum_are_refused(peer, program, business):
    FairnessLimitsFactory(program=program, max_hours_per_week=5, min_rest_minutes=0)
    # Two 3-hour blocks on the same local day, so surely in the same ISO week.
    day = (timezone.now() + timedelta(days=8)).astimezone(business.tzinfo)
    morning = day.replace(hour=8, minute=0, second=0, microsecond=0)
    first = BlockFactory(program=program, starts_at=morning, ends_at=morning + timedelta(hours=3))
    afternoon = morning + timedelta(hours=6)
    second = BlockFactory(
        program=program, starts_at=afternoon, ends_at=afternoon + timedelta(hours=3)
    )
    claim_block(peer, first.pk)

    with pytest.raises(errors.WeeklyHoursExceeded) as refused:
        claim_block(peer, second.pk)

    assert refused.value.code == "weekly_hours_exceeded"


def test_holding_the_most_future_blocks_allowed_stops_the_next_claim(peer, program):
    FairnessLimitsFactory(program=program, max_future_blocks=2, max_hours_per_week=100)
    blocks = [
        BlockFactory(
            program=program, starts_at=later(days=2 + 3 * n), ends_at=later(days=2 + 3 * n, hours=2)
        )
        for n in range(3)
    ]
    claim_block(peer, blocks[0].pk)
    claim_block(peer, blocks[1].pk)

    with pytest.raises(errors.TooManyFutureBlocks) as refused:
        claim_block(peer, blocks[2].pk)

    assert refused.value.code == "too_many_future_blocks"


def test_a_block_before_its_release_time_is_refused(peer, program):
    block = BlockFactory(program=program, released_at=later(hours=5))

    with pytest.raises(errors.NotReleasedYet) as refused:
        claim_block(peer, block.pk)

    assert refused.value.code == "not_released_yet"


def test_an_ineligible_peer_is_told_every_reason(business, program):
    wrenching = SkillFactory(business=business, name_en="Bike repair")
    peer = PeerFactory(business=business, languages=["it"], reliability=40)
    block = BlockFactory(
        program=program,
        required_skills=[wrenching],
        required_languages=["de"],
        min_reliability=80,
    )

    with pytest.raises(errors.NotEligible) as refused:
        claim_block(peer, block.pk)

    assert refused.value.code == "not_eligible"
    assert refused.value.reasons == [
        "Needs the skill: Bike repair.",
        "Needs one of these languages: German.",
        "Needs a reliability of at least 80; yours is 40.",
    ]


def test_a_block_beyond_the_peers_radius_or_the_blocks_limit_is_refused(business, program):
    peer = PeerFactory(business=business, travel_radius_km=50)  # lives in Bologna
    in_modena = BlockFactory(
        program=program, latitude="44.647100", longitude="10.925200", max_distance_km=20
    )
    in_milan = BlockFactory(program=program, latitude="45.464200", longitude="9.190000")

    with pytest.raises(errors.NotEligible) as modena:
        claim_block(peer, in_modena.pk)
    with pytest.raises(errors.NotEligible) as milan:
        claim_block(peer, in_milan.pk)

    assert "Only for peers within 20 km; you are 3" in modena.value.reasons[0]
    assert "beyond your travel radius of 50 km" in milan.value.reasons[0]


def test_a_remote_block_ignores_distance(business, program):
    peer = PeerFactory(business=business, travel_radius_km=1)
    remote = BlockFactory(program=program, is_remote=True, latitude=None, longitude=None)

    assert claim_block(peer, remote.pk).value.status == ClaimStatus.ACTIVE


def test_a_suspended_peer_cannot_claim(business, program):
    peer = PeerFactory(business=business, status=PeerStatus.SUSPENDED)

    with pytest.raises(errors.NotEligible):
        claim_block(peer, BlockFactory(program=program).pk)


def test_a_cancelled_block_cannot_be_claimed_and_its_claimants_are_told(business, staff, program):
    block = BlockFactory(program=program, capacity=3)
    holder = PeerFactory(business=business)
    claim = claim_block(holder, block.pk).value

    cancel_block(business, staff, block, CancelBlockInput(reason="Rain storm forecast."))

    claim.refresh_from_db()
    block.refresh_from_db()
    assert claim.status == ClaimStatus.CANCELLED  # the record for compensation
    assert block.seats_taken == 0 and block.sequence == 1
    message = OutboxMessage.objects.get(event="block.cancelled")
    assert message.recipient == holder.user.email
    assert "Rain storm forecast." in message.body_text
    with pytest.raises(errors.BlockCancelled) as refused:
        claim_block(PeerFactory(business=business), block.pk)
    assert refused.value.code == "block_cancelled"


def test_the_same_idempotency_key_returns_the_first_claim(peer, program):
    block = BlockFactory(program=program)

    first = claim_block(peer, block.pk, idempotency_key="tap-1")
    retry = claim_block(peer, block.pk, idempotency_key=" tap-1 ")

    assert (first.created, first.replayed) == (True, False)
    assert (retry.created, retry.replayed) == (False, True)
    assert retry.value.pk == first.value.pk
    block.refresh_from_db()
    assert block.seats_taken == 1
    assert Claim.objects.filter(peer=peer).count() == 1


def test_the_same_key_for_another_block_is_refused_by_the_service(peer, program):
    """The key's reuse rule is the claim's own (not the API's): the page gets it too."""
    block = BlockFactory(program=program)
    other = BlockFactory(program=program, starts_at=later(days=5), ends_at=later(days=5, hours=1))
    claim_block(peer, block.pk, idempotency_key="tap-1")

    with pytest.raises(IdempotencyKeyReused) as refused:
        claim_block(peer, other.pk, idempotency_key="tap-1")

    assert refused.value.code == "idempotency_key_reused" and refused.value.status == 409
    assert not Claim.objects.filter(block=other).exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("k" * 101, "Use at most 100 characters."),
        ("a\x00b", "Remove the invisible NUL character from this text."),
        ("\ud800", "Enter a text."),
    ],
)
def test_a_key_that_cannot_be_kept_is_refused_not_cut(peer, program, key, message):
    block = BlockFactory(program=program)

    with pytest.raises(InvalidInput) as refused:
        claim_block(peer, block.pk, idempotency_key=key)

    assert refused.value.errors == [("Idempotency-Key", message)]
    assert not Claim.objects.exists()


def test_moving_a_block_raises_its_sequence_and_moves_its_claims(business, staff, peer, program):
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value

    update_block(
        business, staff, block, block_change(block, starts_at=block.starts_at + timedelta(hours=1))
    )

    block.refresh_from_db()
    claim.refresh_from_db()
    assert block.sequence == 1
    assert claim.starts_at == block.starts_at


def test_lowering_capacity_below_the_seats_taken_is_refused(business, staff, peer, program):
    block = BlockFactory(program=program, capacity=2)
    claim_block(peer, block.pk)
    claim_block(PeerFactory(business=business), block.pk)

    from peerarmy.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        update_block(business, staff, block, block_change(block, capacity=1))
    assert refused.value.field == "capacity"


def test_a_block_of_another_business_does_not_exist_for_a_peer_even_when_full(peer, other_business):
    theirs = BlockFactory(program=ProgramFactory(business=other_business), capacity=1)
    claim_block(PeerFactory(business=other_business), theirs.pk)  # now full

    # Neither "full" nor any other answer that would tell the block exists.
    with pytest.raises(NotFound):
        claim_block(peer, theirs.pk)
    assert not Claim.objects.filter(peer=peer).exists()


def test_a_claim_says_whether_it_was_made_now_or_given_back(peer, program):
    block = BlockFactory(program=program)

    first = claim_block(peer, block.pk, idempotency_key="tap-9")
    retry = claim_block(peer, block.pk, idempotency_key="tap-9")

    assert (first.created, first.replayed) == (True, False)
    assert (retry.created, retry.replayed) == (False, True)
    assert retry.value.pk == first.value.pk
    # The claim carries what the API answers with: its block, program and limits.
    assert first.value.block.pk == block.pk and first.value.block.program.pk == program.pk
    assert first.value.block.program.title == program.title
