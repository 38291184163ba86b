"""Blocks as iCalendar: what a peer's calendar app sees, and what the claim e-mail carries."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from peerarmy.notifications.models import OutboxMessage
from peerarmy.programs.models import ProgramStatus
from peerarmy.scheduling import ical
from peerarmy.scheduling.inputs import CancelBlockInput
from peerarmy.scheduling.services import (
    cancel_block,
    claim_block,
    join_waitlist,
    release_claim,
    update_block,
)
from peerarmy.tenancy.tests.factories import PeerFactory

from .changes import block_change
from .factories import BlockFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def parse(content):
    return Calendar.from_ical(content)


def only_event(content):
    (event,) = parse(content).events
    return event


def events_by_uid(content):
    return {str(e["uid"]): e for e in parse(content).events}


def last_sunday_of_march(year):
    end = date(year, 3, 31)
    return end - timedelta(days=(end.weekday() + 1) % 7)


def test_a_claimed_block_is_a_valid_confirmed_event_in_the_peers_calendar(peer, program):
    block = BlockFactory(program=program, place_name="Bici Gialla", address="Via del Pratello 10")
    claim_block(peer, block.pk)

    cal = parse(ical.peer_calendar(peer))

    assert str(cal["version"]) == "2.0"
    assert str(cal["prodid"]) == ical.PRODID
    assert str(cal["calscale"]) == "GREGORIAN"
    assert str(cal["method"]) == "PUBLISH"
    (event,) = cal.events
    assert str(event["uid"]) == f"block-{block.pk}@127.0.0.1"
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstamp").tzinfo is not None
    assert event.decoded("dtstart") == block.starts_at
    assert event.decoded("dtend") == block.ends_at
    assert event["dtstart"].params["TZID"] == "Europe/Rome"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert program.title_en in str(event["summary"])
    assert "Bici Gialla" in str(event["summary"])
    assert "Via del Pratello 10" in str(event["location"])
    assert event["geo"].latitude == pytest.approx(44.4949)
    assert "€25.00" in str(event["description"])
    assert str(event["url"]).endswith(f"/{peer.business.slug}/me/")
    assert int(event["sequence"]) == 0
    assert event.decoded("last-modified").tzinfo is not None


def test_the_summary_is_in_the_peers_language(business, program):
    italian = PeerFactory(business=business, user__language="it")
    claim_block(italian, BlockFactory(program=program).pk)

    event = only_event(ical.peer_calendar(italian))

    assert program.title_it in str(event["summary"])


def test_the_uid_is_stable_and_sequence_goes_up_when_the_business_changes_the_block(
    peer, program, owner
):
    block = BlockFactory(program=program)
    claim_block(peer, block.pk)
    before = only_event(ical.peer_calendar(peer))
    again = only_event(ical.peer_calendar(peer))

    update_block(program.business, owner, block, block_change(block, place_name="Piazza Maggiore"))
    after = only_event(ical.peer_calendar(peer))

    assert str(before["uid"]) == str(again["uid"]) == str(after["uid"])
    assert int(after["sequence"]) > int(before["sequence"])
    assert "Piazza Maggiore" in str(after["summary"])


def test_a_cancelled_block_shows_as_cancelled_with_a_higher_sequence(peer, program, owner):
    block = BlockFactory(program=program)
    claim_block(peer, block.pk)
    before = only_event(ical.peer_calendar(peer))

    cancel_block(program.business, owner, block, CancelBlockInput(reason="Rain"))
    after = only_event(ical.peer_calendar(peer))

    assert str(after["status"]) == "CANCELLED"
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])


def test_a_released_block_shows_as_cancelled_for_30_days_then_leaves_the_feed(peer, program):
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value
    before = only_event(ical.peer_calendar(peer))

    release_claim(peer, claim)
    after = only_event(ical.peer_calendar(peer))
    a_month_later = parse(ical.peer_calendar(peer, now=timezone.now() + timedelta(days=31)))

    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) > int(before["sequence"])
    assert a_month_later.events == []


def test_claiming_again_after_releasing_is_newer_than_the_release(peer, program):
    block = BlockFactory(program=program)
    release_claim(peer, claim_block(peer, block.pk).value)
    released = only_event(ical.peer_calendar(peer))

    claim_block(peer, block.pk)
    reclaimed = only_event(ical.peer_calendar(peer))

    assert str(reclaimed["status"]) == "CONFIRMED"
    assert int(reclaimed["sequence"]) > int(released["sequence"])


def test_local_times_are_right_on_both_sides_of_the_daylight_saving_change(program):
    change = last_sunday_of_march(timezone.now().year + 2)  # clocks go 02:00 → 03:00
    released = timezone.now() - timedelta(days=1)
    winter = BlockFactory(
        program=program,
        released_at=released,
        starts_at=datetime.combine(change - timedelta(days=7), datetime.min.time())
        .replace(hour=10, tzinfo=ROME)
        .astimezone(UTC),
        ends_at=datetime.combine(change - timedelta(days=7), datetime.min.time())
        .replace(hour=13, tzinfo=ROME)
        .astimezone(UTC),
    )
    # 01:00 to 04:00 local on the night of the change: only two hours pass.
    across = BlockFactory(
        program=program,
        released_at=released,
        starts_at=datetime.combine(change, datetime.min.time())
        .replace(hour=1, tzinfo=ROME)
        .astimezone(UTC),
        ends_at=datetime.combine(change, datetime.min.time())
        .replace(hour=4, tzinfo=ROME)
        .astimezone(UTC),
    )
    assert across.ends_at - across.starts_at == timedelta(hours=2)

    content = ical.program_calendar(program)
    events = events_by_uid(content)
    text = content.decode()

    w = events[ical.block_uid(winter)]
    a = events[ical.block_uid(across)]
    assert f"DTSTART;TZID=Europe/Rome:{(change - timedelta(days=7)):%Y%m%d}T100000" in text
    assert f"DTSTART;TZID=Europe/Rome:{change:%Y%m%d}T010000" in text
    assert f"DTEND;TZID=Europe/Rome:{change:%Y%m%d}T040000" in text
    assert w.decoded("dtstart").astimezone(UTC).hour == 9  # CET, UTC+1
    assert a.decoded("dtend").astimezone(UTC).hour == 2  # CEST, UTC+2
    assert a.decoded("dtend").astimezone(UTC) - a.decoded("dtstart").astimezone(UTC) == timedelta(
        hours=2
    )
    # A calendar app reading only the VTIMEZONE of the file gets the same offsets.
    (vtimezone,) = parse(content).walk("VTIMEZONE")
    tz = vtimezone.to_tz()
    assert datetime.combine(change, datetime.min.time()).replace(
        hour=1, tzinfo=tz
    ).utcoffset() == timedelta(hours=1)
    assert datetime.combine(change, datetime.min.time()).replace(
        hour=4, tzinfo=tz
    ).utcoffset() == timedelta(hours=2)


def test_the_program_feed_lists_only_open_released_future_blocks(program, owner):
    now = timezone.now()
    open_block = BlockFactory(program=program)
    not_released = BlockFactory(program=program, released_at=now + timedelta(days=1))
    cancelled = BlockFactory(program=program)
    cancel_block(program.business, owner, cancelled, CancelBlockInput(reason="Rain"))
    past = BlockFactory(
        program=program,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=2),
    )

    uids = set(events_by_uid(ical.program_calendar(program)))

    assert ical.block_uid(open_block) in uids
    for left_out in (not_released, cancelled, past):
        assert ical.block_uid(left_out) not in uids


def attachment_event(message):
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert filename == "block.ics"
    assert mimetype == "text/calendar"
    return only_event(content)


def test_the_claim_email_carries_the_block_as_an_ics_attachment(
    peer, program, django_capture_on_commit_callbacks
):
    block = BlockFactory(program=program)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        claim_block(peer, block.pk, idempotency_key="tap-1")

    (message,) = [m for m in mail.outbox if m.to == [peer.user.email]]
    assert program.title_en in message.subject
    event = attachment_event(message)
    assert str(event["uid"]) == ical.block_uid(block)
    assert str(event["status"]) == "CONFIRMED"


def test_an_idempotent_replay_sends_no_second_email(
    peer, program, django_capture_on_commit_callbacks
):
    block = BlockFactory(program=program)
    with django_capture_on_commit_callbacks(execute=True):
        first = claim_block(peer, block.pk, idempotency_key="tap-1").value
    with django_capture_on_commit_callbacks(execute=True):
        replay = claim_block(peer, block.pk, idempotency_key="tap-1").value

    assert replay.pk == first.pk
    assert OutboxMessage.objects.filter(event="block.claimed").count() == 1
    assert len([m for m in mail.outbox if m.to == [peer.user.email]]) == 1


def test_a_refused_claim_sends_nothing(business, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)

    with pytest.raises(Exception):  # noqa: B017, PT011 - block_full, tested elsewhere
        claim_block(PeerFactory(business=business), block.pk)

    assert OutboxMessage.objects.filter(event="block.claimed").count() == 1


def test_the_promotion_email_carries_the_ics_too(
    business, program, django_capture_on_commit_callbacks
):
    block = BlockFactory(program=program, capacity=1)
    holder = PeerFactory(business=business)
    waiting = PeerFactory(business=business)
    claim = claim_block(holder, block.pk).value
    join_waitlist(waiting, block.pk)

    with django_capture_on_commit_callbacks(execute=True):
        release_claim(holder, claim)

    (message,) = [m for m in mail.outbox if m.to == [waiting.user.email]]
    assert str(attachment_event(message)["uid"]) == ical.block_uid(block)


def test_the_cli_prints_the_peers_calendar(peer, program):
    block = BlockFactory(program=program)
    claim_block(peer, block.pk)
    out = StringIO()

    call_command(
        "schedule", "ical", "--business", peer.business.slug, "--peer", peer.user.email, stdout=out
    )

    assert str(only_event(out.getvalue().encode())["uid"]) == ical.block_uid(block)


def test_the_program_feed_of_a_draft_program_is_a_404(client, program):
    program.status = ProgramStatus.DRAFT
    program.save()

    response = client.get(f"/{program.business.slug}/programs/{program.slug}/blocks.ics")

    assert response.status_code == 404


def test_the_program_feed_is_public_icalendar(client, program):
    block = BlockFactory(program=program)

    response = client.get(f"/{program.business.slug}/programs/{program.slug}/blocks.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(only_event(response.content)["uid"]) == ical.block_uid(block)
