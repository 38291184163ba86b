"""Changing a recurring series at once: all its future blocks, or one block and the following,
all or nothing, keeping the local time across daylight-saving changes."""

import itertools
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from peerarmy.errors import NotFound, PermissionDenied, ValidationFailed
from peerarmy.notifications.models import OutboxMessage
from peerarmy.scheduling import errors, recurrence
from peerarmy.scheduling.inputs import CancelBlockInput
from peerarmy.scheduling.models import (
    Block,
    BlockStatus,
    Claim,
    ClaimStatus,
    ReliabilityEvent,
    WaitlistStatus,
)
from peerarmy.scheduling.recurrence import describe_rule
from peerarmy.scheduling.services import (
    cancel_block,
    claim_block,
    create_blocks_from_template,
    join_waitlist,
    release_claim,
)
from peerarmy.tenancy.tests.factories import PeerFactory, UserFactory
from peerarmy.tenancy.tests.threads import race, requires_shared_database

from .changes import change_series, series
from .factories import BlockFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
# Saturdays 11 October to 8 November 2031; clocks go back on Sunday 26 October 2031.
OCTOBER_RULE = "FREQ=WEEKLY;BYDAY=SA;COUNT=5"


def make_series(business, staff, program, *, rule=OCTOBER_RULE, start="2031-10-11T10:00", **kw):
    fields = {"capacity": 2, "place_name": "Piazza Maggiore"} | kw
    made = create_blocks_from_template(
        business,
        staff,
        series(program, rrule=rule, start_local=start, duration_minutes=180, **fields),
    ).value
    return made.template, made.blocks


def fresh(blocks):
    return list(Block.objects.filter(pk__in=[b.pk for b in blocks]).order_by("starts_at"))


def local(moment):
    return moment.astimezone(ROME)


def test_a_new_capacity_reaches_every_future_block_and_the_template(business, staff, program):
    template, blocks = make_series(business, staff, program)

    changed = change_series(business, staff, template, {"capacity": 4}).value.blocks

    assert len(changed) == 5
    assert [b.capacity for b in fresh(blocks)] == [4] * 5
    assert [b.sequence for b in fresh(blocks)] == [1] * 5  # calendars pick the change up
    template.refresh_from_db()
    assert template.capacity == 4
    assert not OutboxMessage.objects.exists()  # nobody holds a block; nothing to tell


def test_this_and_following_leaves_the_earlier_blocks_alone(business, staff, program):
    template, blocks = make_series(business, staff, program)

    changed = change_series(
        business, staff, template, {"reward_points": 50}, from_block=blocks[2]
    ).value.blocks

    assert [b.pk for b in changed] == [b.pk for b in blocks[2:]]
    after = fresh(blocks)
    assert [b.reward_points for b in after] == [0, 0, 50, 50, 50]
    assert [b.sequence for b in after] == [0, 0, 1, 1, 1]


def test_past_and_cancelled_blocks_are_not_touched(business, staff, program):
    template, blocks = make_series(business, staff, program)
    cancel_block(business, staff, blocks[3], CancelBlockInput(reason="Road closed"))
    # Two Saturdays are over by then.
    now = blocks[1].ends_at + timedelta(hours=1)

    changed = change_series(
        business, staff, template, {"capacity": 5, "start_time": "09:00"}, now=now
    ).value.blocks

    assert [b.pk for b in changed] == [blocks[2].pk, blocks[4].pk]
    after = fresh(blocks)
    assert [b.capacity for b in after] == [2, 2, 5, 2, 5]
    assert [local(b.starts_at).hour for b in after] == [10, 10, 9, 10, 9]
    assert after[3].status == BlockStatus.CANCELLED and after[3].sequence == 1  # cancel only


def test_a_new_start_time_keeps_the_wall_clock_across_the_end_of_summer_time(
    business, staff, program
):
    template, blocks = make_series(business, staff, program)
    peer = PeerFactory(business=business)
    claim = claim_block(peer, blocks[2].pk).value  # 25 October, the day before the clocks go back

    change_series(business, staff, template, {"start_time": "09:30", "duration_minutes": 240})

    after = fresh(blocks)
    assert [local(b.starts_at).date() for b in after] == [b.starts_at.date() for b in blocks]
    assert {(local(b.starts_at).hour, local(b.starts_at).minute) for b in after} == {(9, 30)}
    assert {b.ends_at - b.starts_at for b in after} == {timedelta(hours=4)}
    utc = [b.starts_at.astimezone(UTC) for b in after]
    assert (utc[2].hour, utc[3].hour) == (7, 8)  # CEST (UTC+2), then CET (UTC+1)
    claim.refresh_from_db()
    assert (claim.starts_at, claim.ends_at) == (after[2].starts_at, after[2].ends_at)
    template.refresh_from_db()
    assert template.dtstart_local == "2031-10-11T09:30:00"
    assert template.duration_minutes == 240


def test_the_start_of_summer_time_keeps_the_wall_clock_too(business, staff, program):
    # Saturdays and Sundays around Sunday 30 March 2031, when the clocks go forward.
    template, blocks = make_series(
        business, staff, program, rule="FREQ=WEEKLY;BYDAY=SA,SU;COUNT=4", start="2031-03-22"
    )

    change_series(business, staff, template, {"start_time": "08:15"})

    after = fresh(blocks)
    assert [local(b.starts_at).date() for b in after] == [
        date(2031, 3, 22),
        date(2031, 3, 23),
        date(2031, 3, 29),
        date(2031, 3, 30),
    ]
    assert {(local(b.starts_at).hour, local(b.starts_at).minute) for b in after} == {(8, 15)}
    assert [b.starts_at.astimezone(UTC).hour for b in after] == [7, 7, 7, 6]
    assert {b.ends_at - b.starts_at for b in after} == {timedelta(hours=3)}  # kept


def test_a_capacity_below_the_seats_taken_is_refused_and_nothing_changes(business, staff, program):
    template, blocks = make_series(business, staff, program)
    for _i in range(2):
        claim_block(PeerFactory(business=business), blocks[3].pk)

    with pytest.raises(ValidationFailed) as refused:
        change_series(business, staff, template, {"capacity": 1, "reward_points": 9})

    assert refused.value.field == "capacity"
    message = str(refused.value.message)
    assert "2 peers already hold it" in message
    assert message.startswith(
        "Block of Saturday 1 November 2031, 10:00:"
    )  # the block, in local time
    assert [(b.capacity, b.reward_points, b.sequence) for b in fresh(blocks)] == [(2, 0, 0)] * 5
    template.refresh_from_db()
    assert template.capacity == 2


def test_a_claimant_who_would_hold_two_overlapping_blocks_stops_the_change(
    business, staff, program
):
    template, blocks = make_series(business, staff, program)
    peer = PeerFactory(business=business, display_name="Giulia")
    held = claim_block(peer, blocks[1].pk).value
    # Giulia also holds a one-off block that afternoon, 14:00-16:00.
    afternoon = BlockFactory(
        program=program,
        starts_at=datetime(2031, 10, 18, 12, 0, tzinfo=UTC),
        ends_at=datetime(2031, 10, 18, 14, 0, tzinfo=UTC),
        released_at=timezone.now(),
    )
    claim_block(peer, afternoon.pk)

    with pytest.raises(ValidationFailed) as refused:
        change_series(business, staff, template, {"start_time": "12:00", "capacity": 3})

    assert refused.value.field == "start_time"
    message = str(refused.value.message)
    assert "Giulia" in message and "overlapping" in message and "18 October 2031" in message
    after = fresh(blocks)
    assert [local(b.starts_at).hour for b in after] == [10] * 5
    assert [(b.capacity, b.sequence) for b in after] == [(2, 0)] * 5
    held.refresh_from_db()
    assert held.starts_at == blocks[1].starts_at and held.status == ClaimStatus.ACTIVE
    assert not OutboxMessage.objects.filter(event="block.series_changed").exists()


def test_longer_blocks_that_would_overlap_another_of_the_claimant_are_refused(
    business, staff, program
):
    template, blocks = make_series(business, staff, program)
    peer = PeerFactory(business=business)
    claim_block(peer, blocks[0].pk)
    # 15:00-17:00 in Rome on 11 October (summer time, UTC+2).
    claim_block(
        peer,
        BlockFactory(
            program=program,
            starts_at=datetime(2031, 10, 11, 13, 0, tzinfo=UTC),
            ends_at=datetime(2031, 10, 11, 15, 0, tzinfo=UTC),
            released_at=timezone.now(),
        ).pk,
    )

    with pytest.raises(ValidationFailed) as refused:
        change_series(business, staff, template, {"duration_minutes": 6 * 60})

    assert refused.value.field == "duration_minutes"
    assert "overlapping" in str(refused.value.message)
    assert [(b.ends_at - b.starts_at) for b in fresh(blocks)] == [timedelta(hours=3)] * 5


def test_a_change_that_overlaps_only_while_it_is_applied_goes_through(business, staff, program):
    """Monday's block moves into Tuesday's old hours while Tuesday's moves on too: the
    final times do not overlap, so neither the rules nor PostgreSQL's constraint object."""
    template, blocks = make_series(business, staff, program, rule="FREQ=DAILY;COUNT=2")
    peer = PeerFactory(business=business)
    claims = [claim_block(peer, blocks[0].pk).value, claim_block(peer, blocks[1].pk).value]

    change_series(business, staff, template, {"start_time": "22:00", "duration_minutes": 13 * 60})

    for claim, block in zip(claims, fresh(blocks), strict=True):
        claim.refresh_from_db()
        assert local(claim.starts_at).hour == 22 and local(claim.ends_at).hour == 11
        assert (claim.starts_at, claim.ends_at) == (block.starts_at, block.ends_at)


def test_a_higher_capacity_goes_to_the_waitlist_at_once(business, staff, program):
    template, blocks = make_series(business, staff, program, capacity=1)
    claim_block(PeerFactory(business=business), blocks[0].pk)
    waiting = PeerFactory(business=business)
    entry = join_waitlist(waiting, blocks[0].pk).value

    change_series(business, staff, template, {"capacity": 2})

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED
    assert Claim.objects.get(block=blocks[0], peer=waiting).promoted_from_waitlist
    assert fresh(blocks)[0].seats_taken == 2
    assert OutboxMessage.objects.filter(recipient=waiting.user.email, event="block.promoted")


def test_claimants_get_one_email_in_their_language_listing_their_changed_blocks(
    business, staff, program
):
    template, blocks = make_series(business, staff, program)
    italian = PeerFactory(business=business, user=UserFactory(language="it"))
    english = PeerFactory(business=business, user=UserFactory(language="en"))
    claim_block(italian, blocks[2].pk)
    claim_block(italian, blocks[4].pk)
    claim_block(english, blocks[3].pk)
    OutboxMessage.objects.all().delete()  # the claim confirmations

    change_series(
        business, staff, template, {"start_time": "11:00", "place_name": "Via del Pratello"}
    )

    to_italian = OutboxMessage.objects.get(recipient=italian.user.email)
    assert to_italian.language == "it" and to_italian.event == "block.series_changed"
    body = to_italian.body_text
    assert body.startswith("Ciao ")
    assert "sabato 25 ottobre 2031, 10:00" in body and "sabato 8 novembre 2031, 10:00" in body
    assert "11:00" in body and "Via del Pratello" in body
    assert "1 novembre" not in body  # not hers
    to_english = OutboxMessage.objects.get(recipient=english.user.email)
    assert to_english.language == "en" and "Saturday 1 November 2031, 10:00" in to_english.body_text
    assert to_english.subject == f"Changed: your block in {program.title}"
    assert OutboxMessage.objects.count() == 2


def test_a_new_reward_is_not_worth_an_email(business, staff, program):
    template, blocks = make_series(business, staff, program)
    claim_block(PeerFactory(business=business), blocks[0].pk)
    OutboxMessage.objects.all().delete()

    change_series(business, staff, template, {"reward_points": 20})

    assert not OutboxMessage.objects.exists()


def test_the_business_change_records_nothing_for_reliability(business, staff, program):
    template, blocks = make_series(business, staff, program)
    claim_block(PeerFactory(business=business), blocks[0].pk)

    change_series(business, staff, template, {"start_time": "15:00"})

    assert not ReliabilityEvent.objects.exists()
    assert Claim.objects.get().status == ClaimStatus.ACTIVE


def test_values_no_block_can_take_are_refused_with_the_field(business, staff, program):
    template, blocks = make_series(business, staff, program)

    for data, field in [
        ({"required_languages": ["xx"]}, "required_languages"),
        ({"capacity": 0}, "capacity"),
        ({"start_time": "25:00"}, "start_time"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"starts_at": "2031-10-11T09:00"}, "starts_at"),
        ({"required_skills": ["juggling"]}, "required_skills"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            change_series(business, staff, template, data)
        assert refused.value.field == field, data

    assert [(b.capacity, b.sequence) for b in fresh(blocks)] == [(2, 0)] * 5


def test_staff_of_another_business_cannot_change_the_series(
    business, other_business, staff, other_staff, program
):
    template, blocks = make_series(business, staff, program)

    with pytest.raises(PermissionDenied):
        change_series(business, other_staff, template, {"capacity": 9})
    with pytest.raises(NotFound):  # their series does not exist for them
        change_series(other_business, other_staff, template, {"capacity": 9})

    assert [b.capacity for b in fresh(blocks)] == [2] * 5


def test_peers_cannot_change_the_series(business, staff, peer, program):
    template, blocks = make_series(business, staff, program)

    with pytest.raises(PermissionDenied):
        change_series(business, peer.user, template, {"capacity": 9})

    assert [b.capacity for b in fresh(blocks)] == [2] * 5


def test_a_block_of_another_series_is_not_a_starting_point(business, staff, program):
    template, blocks = make_series(business, staff, program)
    _other, other_blocks = make_series(business, staff, program, start="2031-11-01T10:00")

    with pytest.raises(ValidationFailed):
        change_series(business, staff, template, {"capacity": 3}, from_block=other_blocks[0])

    assert [b.capacity for b in fresh(blocks + other_blocks)] == [2] * 10


def test_the_rule_is_told_in_words(business, staff, program):
    template, _blocks = make_series(business, staff, program)

    assert describe_rule(template) == "Every week on Saturday at 10:00"
    template.rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA;COUNT=4"
    assert describe_rule(template) == "Every 2 weeks on Tuesday, Saturday at 10:00"
    template.rrule = "FREQ=YEARLY;COUNT=2"
    assert describe_rule(template) == ""


# --- races (real threads; PostgreSQL, or SQLite in a file) -----------------------------------


@requires_shared_database
@pytest.mark.django_db(transaction=True)
def test_a_series_move_racing_a_claim_never_leaves_a_peer_two_overlapping_blocks(
    business, staff, program
):
    template, blocks = make_series(business, staff, program)
    peer = PeerFactory(business=business)
    claim_block(peer, blocks[0].pk)  # Saturday 11 October, 10:00-13:00
    # 15:00-17:00 the same afternoon: no overlap now, but one after a move to 13:30-16:30.
    afternoon = BlockFactory(
        program=program,
        starts_at=datetime(2031, 10, 11, 13, 0, tzinfo=UTC),
        ends_at=datetime(2031, 10, 11, 15, 0, tzinfo=UTC),
        released_at=timezone.now(),
    )

    outcomes = race(
        [
            lambda: claim_block(peer, afternoon.pk).value,
            lambda: change_series(business, staff, template, {"start_time": "13:30"}),
        ]
    )

    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(won) == 1, outcomes  # one of them, never both
    assert all(
        isinstance(o, ValidationFailed | errors.SchedulingError) for o in outcomes if o not in won
    )
    spans = sorted(
        Claim.objects.filter(peer=peer, status=ClaimStatus.ACTIVE).values_list(
            "starts_at", "ends_at"
        )
    )
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans


@requires_shared_database
@pytest.mark.django_db(transaction=True)
def test_a_series_change_racing_claims_and_releases_keeps_every_count_right(
    business, staff, program
):
    template, blocks = make_series(business, staff, program, capacity=2)
    holders = [PeerFactory(business=business) for _ in range(2)]
    held = [claim_block(p, blocks[1].pk).value for p in holders]
    waiting = PeerFactory(business=business)
    join_waitlist(waiting, blocks[1].pk)
    racers = [PeerFactory(business=business) for _ in range(4)]

    outcomes = race(
        [
            *[
                lambda p=p, b=b: claim_block(p, b.pk).value
                for p, b in zip(racers, blocks[2:], strict=False)
            ],
            lambda: release_claim(holders[0], held[0]),
            lambda: change_series(
                business, staff, template, {"capacity": 3, "start_time": "11:00"}
            ),
        ]
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes  # no deadlock
    for block in fresh(blocks):
        active = Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE)
        assert block.seats_taken == active.count() <= block.capacity == 3
        assert local(block.starts_at).hour == 11
    # (Whether a claim racing the change gets the new times: see the next test.)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time from BEGIN"
)
@pytest.mark.django_db(transaction=True)
def test_a_claim_waiting_on_a_series_change_gets_the_new_times(
    business, staff, program, monkeypatch
):
    template, blocks = make_series(business, staff, program)
    peer = PeerFactory(business=business)
    tell = recurrence._tell_claimants
    locked = threading.Event()

    def hold_until_a_claim_waits(*args, **kwargs):
        # The blocks are changed and locked: let the claim go, and wait until it queues.
        locked.set()
        with connection.cursor() as cursor:
            for _i in range(200):
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh within a transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
        return tell(*args, **kwargs)

    monkeypatch.setattr(recurrence, "_tell_claimants", hold_until_a_claim_waits)

    def claim_once_locked():
        locked.wait(timeout=10)
        return claim_block(peer, blocks[2].pk).value

    outcomes = race(
        [
            lambda: change_series(business, staff, template, {"start_time": "15:00"}),
            claim_once_locked,
        ]
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    block = Block.objects.get(pk=blocks[2].pk)
    claim = Claim.objects.get(block=block, peer=peer)
    assert (claim.starts_at, claim.ends_at) == (block.starts_at, block.ends_at)
