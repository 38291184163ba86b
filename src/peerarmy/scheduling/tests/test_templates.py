"""Blocks made from a recurrence rule keep their local time across daylight-saving changes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.scheduling.models import BlockTemplate
from peerarmy.scheduling.services import create_blocks_from_template

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def test_every_saturday_at_ten_stays_ten_local_across_both_dst_changes(business, staff, program):
    # From 22 March to 1 November 2025: DST starts on Sunday 30 March, ends Sunday 26 October.
    blocks = create_blocks_from_template(
        business,
        staff,
        program,
        rrule="FREQ=WEEKLY;BYDAY=SA;UNTIL=20251101T235959",
        start_local="2025-03-22T10:00:00",
        duration_minutes=180,
        exdates=["2025-08-16"],  # Ferragosto weekend: closed
        capacity=3,
        place_name="Piazza Maggiore",
    )

    local = [b.starts_at.astimezone(ROME) for b in blocks]
    assert {(t.hour, t.minute) for t in local} == {(10, 0)}
    assert all(t.weekday() == 5 for t in local)
    assert date(2025, 8, 16) not in {t.date() for t in local}
    assert len(blocks) == 33 - 1  # 33 Saturdays, one closed
    utc_hour = {b.starts_at.astimezone(ZoneInfo("UTC")).date(): b.starts_at.hour for b in blocks}
    assert utc_hour[date(2025, 3, 29)] == 9  # CET, UTC+1
    assert utc_hour[date(2025, 4, 5)] == 8  # CEST, UTC+2
    assert utc_hour[date(2025, 10, 25)] == 8
    assert utc_hour[date(2025, 11, 1)] == 9
    assert all((b.ends_at - b.starts_at).total_seconds() == 3 * 3600 for b in blocks)
    assert all(b.capacity == 3 and b.place_name == "Piazza Maggiore" for b in blocks)
    template = BlockTemplate.objects.get()
    assert template.blocks.count() == 32 and template.timezone == "Europe/Rome"


def test_a_rule_without_an_end_is_refused(business, staff, program):
    with pytest.raises(ValidationFailed) as refused:
        create_blocks_from_template(
            business,
            staff,
            program,
            rrule="FREQ=DAILY",
            start_local=datetime(2025, 5, 1, 9),  # noqa: DTZ001 - a local wall-clock time
            duration_minutes=60,
        )
    assert refused.value.field == "rrule"


def test_a_broken_rule_is_refused_with_the_field(business, staff, program):
    with pytest.raises(ValidationFailed) as refused:
        create_blocks_from_template(
            business,
            staff,
            program,
            rrule="FREQ=SOMETIMES",
            start_local="2025-05-01T09:00",
            duration_minutes=60,
        )
    assert refused.value.field == "rrule"


def test_only_staff_create_blocks(business, peer, program):
    with pytest.raises(PermissionDenied):
        create_blocks_from_template(
            business,
            peer.user,
            program,
            rrule="FREQ=DAILY;COUNT=2",
            start_local="2025-05-01T09:00",
            duration_minutes=60,
        )


def test_a_rule_with_both_count_and_until_is_refused_as_rfc_5545_says(business, staff, program):
    with pytest.raises(ValidationFailed) as refused:
        create_blocks_from_template(
            business,
            staff,
            program,
            rrule="FREQ=WEEKLY;COUNT=3;UNTIL=20310101",
            start_local="2030-03-02T10:00",
            duration_minutes=60,
        )
    assert refused.value.field == "rrule"
