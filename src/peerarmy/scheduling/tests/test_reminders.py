"""Reminders a day and an hour before a block: each sent once, in the peer's language, never
for a released claim or a cancelled block, and never twice even when two workers sweep at
the same instant."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_scopes import scopes_disabled

from peerarmy.notifications.models import OutboxMessage
from peerarmy.scheduling.inputs import CancelBlockInput
from peerarmy.scheduling.models import Claim
from peerarmy.scheduling.reminders import send_due_reminders
from peerarmy.scheduling.services import cancel_block, claim_block, release_claim
from peerarmy.scheduling.tasks import send_block_reminders
from peerarmy.tenancy.tests.factories import PeerFactory, UserFactory
from peerarmy.tenancy.tests.threads import requires_shared_database
from peerarmy.worker import periodic_jobs

from .factories import BlockFactory


def reminders(**filters):
    return OutboxMessage.objects.filter(event__startswith="block.reminder", **filters)


def a_block_in_two_days(program, **fields):
    starts = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)
    return BlockFactory(program=program, starts_at=starts, **fields)


@pytest.mark.django_db
def test_a_peer_is_reminded_a_day_before_and_an_hour_before(peer, program):
    # Given a peer holds a block that starts in two days
    block = a_block_in_two_days(program, place_name="Bici Gialla, Via del Pratello")
    claim = claim_block(peer, block.pk).value
    start = block.starts_at

    # When the sweep runs 30 hours before, nothing is due yet
    assert send_due_reminders(now=start - timedelta(hours=30)) == 0
    # 23 hours before, the day-before reminder goes out
    assert send_due_reminders(now=start - timedelta(hours=23)) == 1
    # 50 minutes before, the hour-before one
    assert send_due_reminders(now=start - timedelta(minutes=50)) == 1

    claim.refresh_from_db()
    assert claim.reminded_24h_at == start - timedelta(hours=23)
    assert claim.reminded_1h_at == start - timedelta(minutes=50)
    day, hour = reminders().order_by("pk")
    assert day.event == "block.reminder_24h" and hour.event == "block.reminder_1h"
    assert day.recipient == hour.recipient == peer.user.email
    assert "Reminder" in day.subject and "In one hour" in hour.subject
    # The local (Bologna) time, the place and the link to the peer's blocks
    local = timezone.localtime(start, block.business.tzinfo)
    with translation.override(peer.user.language):
        assert date_format(local, "DATETIME_FORMAT") in day.body_text
    assert "Via del Pratello" in day.body_text
    assert f"/{block.business.slug}/me/blocks/" in day.body_text


@pytest.mark.django_db
def test_each_reminder_is_sent_once_however_often_the_sweep_runs(peer, program):
    block = a_block_in_two_days(program)
    claim_block(peer, block.pk)
    start = block.starts_at

    sent = [
        send_due_reminders(now=start - timedelta(hours=20)),
        send_due_reminders(now=start - timedelta(hours=20)),
        send_due_reminders(now=start - timedelta(hours=10)),
        send_due_reminders(now=start - timedelta(minutes=30)),
        send_due_reminders(now=start - timedelta(minutes=30)),
        send_due_reminders(now=start - timedelta(minutes=5)),
    ]

    assert sent == [1, 0, 0, 1, 0, 0]
    assert reminders(event="block.reminder_24h").count() == 1
    assert reminders(event="block.reminder_1h").count() == 1


@pytest.mark.django_db
def test_a_claim_made_within_the_last_hour_gets_only_the_hour_reminder(peer, program):
    # Given a peer claims a block 45 minutes before it starts
    starts = timezone.now().replace(microsecond=0) + timedelta(minutes=45)
    block = BlockFactory(program=program, starts_at=starts)
    claim = claim_block(peer, block.pk).value

    # When the sweep runs
    sent = send_due_reminders()

    # Then only the hour-before reminder goes out
    assert sent == 1
    claim.refresh_from_db()
    assert claim.reminded_24h_at is None and claim.reminded_1h_at is not None
    assert list(reminders().values_list("event", flat=True)) == ["block.reminder_1h"]


@pytest.mark.django_db
def test_a_started_block_gets_no_reminder(peer, program):
    block = a_block_in_two_days(program)
    claim_block(peer, block.pk)

    assert send_due_reminders(now=block.starts_at + timedelta(minutes=1)) == 0
    assert not reminders().exists()


@pytest.mark.django_db
def test_no_reminder_for_a_released_claim_or_a_cancelled_block(business, owner, program):
    # Given one peer released their block, and another block was cancelled by the shop
    released_block = a_block_in_two_days(program)
    leaver = PeerFactory(business=business)
    release_claim(leaver, claim_block(leaver, released_block.pk).value)
    cancelled_block = a_block_in_two_days(program, capacity=3)
    claim_block(PeerFactory(business=business), cancelled_block.pk)
    cancel_block(business, owner, cancelled_block, CancelBlockInput(reason="Rain"))

    # When the sweep runs a day and an hour before
    start = released_block.starts_at
    sent = send_due_reminders(now=start - timedelta(hours=23)) + send_due_reminders(
        now=start - timedelta(minutes=30)
    )

    # Then nobody is reminded
    assert sent == 0
    assert not reminders().exists()


@pytest.mark.django_db
def test_the_reminder_speaks_the_peers_language(business, program):
    italian = PeerFactory(business=business, user=UserFactory(language="it"))
    english = PeerFactory(business=business, user=UserFactory(language="en"))
    block = a_block_in_two_days(program)
    claim_block(italian, block.pk)
    claim_block(english, block.pk)

    send_due_reminders(now=block.starts_at - timedelta(hours=23))

    assert reminders(recipient=italian.user.email).get().language == "it"
    assert reminders(recipient=english.user.email).get().language == "en"


@pytest.mark.django_db
def test_every_business_is_swept_and_the_worker_runs_the_task_every_sweep(
    peer, program, other_business
):
    from peerarmy.tenancy.tests.factories import ProgramFactory

    # Given peers of two businesses hold blocks starting within the day
    starts = timezone.now().replace(microsecond=0) + timedelta(hours=5)
    claim_block(peer, BlockFactory(program=program, starts_at=starts).pk)
    other_program = ProgramFactory(business=other_business)
    other_peer = PeerFactory(business=other_business)
    claim_block(other_peer, BlockFactory(program=other_program, starts_at=starts).pk)

    # When the background task runs
    result = send_block_reminders.enqueue()

    # Then both are reminded, each by their own business
    assert result.return_value == 2
    assert {m.business_id for m in reminders()} == {program.business_id, other_business.pk}
    assert send_block_reminders in periodic_jobs()


@requires_shared_database
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_the_same_instant_send_each_reminder_once(business, program):
    # Given eight peers hold blocks starting in 50 minutes, eight more in 20 hours
    now = timezone.now().replace(microsecond=0)
    for lead in (timedelta(minutes=50), timedelta(hours=20)):
        block = BlockFactory(program=program, starts_at=now + lead, capacity=8)
        for _ in range(8):
            claim_block(PeerFactory(business=business), block.pk)

    # When four workers sweep at the same instant
    barrier = threading.Barrier(4)
    results = []

    def sweep():
        try:
            with scopes_disabled():
                barrier.wait()
                results.append(send_due_reminders(now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # Then each of the 16 peers got exactly one reminder
    assert len(results) == 4
    assert sum(results) == 16
    assert reminders().count() == 16
    assert reminders().values("recipient").distinct().count() == 16
    assert Claim.objects.filter(reminded_1h_at__isnull=False).count() == 8
    assert Claim.objects.filter(reminded_24h_at__isnull=False).count() == 8
