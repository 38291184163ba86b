"""Blocks made from a recurrence rule keep their local time across daylight-saving changes;
the series' input refuses what no series may be."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from peerarmy.errors import NotFound, PermissionDenied, ValidationFailed
from peerarmy.scheduling.models import Block, BlockTemplate
from peerarmy.scheduling.services import create_blocks_from_template
from peerarmy.tenancy.tests.factories import ProgramFactory

from .changes import series

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def test_every_saturday_at_ten_stays_ten_local_across_both_dst_changes(business, staff, program):
    # From 20 March to 6 November 2027: DST starts on Sunday 28 March, ends Sunday 31 October.
    outcome = create_blocks_from_template(
        business,
        staff,
        series(
            program,
            rrule="FREQ=WEEKLY;BYDAY=SA;UNTIL=20271106T235959",
            start_local="2027-03-20T10:00:00",
            duration_minutes=180,
            exdates=["2027-08-14"],  # Ferragosto weekend: closed
            capacity=3,
            place_name="Piazza Maggiore",
        ),
    )

    assert outcome.created
    blocks = outcome.value.blocks
    local = [b.starts_at.astimezone(ROME) for b in blocks]
    assert {(t.hour, t.minute) for t in local} == {(10, 0)}
    assert all(t.weekday() == 5 for t in local)
    assert date(2027, 8, 14) not in {t.date() for t in local}
    assert len(blocks) == 34 - 1  # 34 Saturdays, one closed
    utc_hour = {b.starts_at.astimezone(ZoneInfo("UTC")).date(): b.starts_at.hour for b in blocks}
    assert utc_hour[date(2027, 3, 27)] == 9  # CET, UTC+1
    assert utc_hour[date(2027, 4, 3)] == 8  # CEST, UTC+2
    assert utc_hour[date(2027, 10, 30)] == 8
    assert utc_hour[date(2027, 11, 6)] == 9
    assert all((b.ends_at - b.starts_at).total_seconds() == 3 * 3600 for b in blocks)
    assert all(b.capacity == 3 and b.place_name == "Piazza Maggiore" for b in blocks)
    template = BlockTemplate.objects.get()
    assert outcome.value.template == template
    assert template.blocks.count() == 33 and template.timezone == "Europe/Rome"


def test_a_rule_whose_every_date_is_left_out_still_says_which_template_it_made(
    business, staff, program
):
    outcome = create_blocks_from_template(
        business,
        staff,
        series(
            program,
            rrule="FREQ=DAILY;COUNT=1",
            start_local="2027-05-01T09:00",
            duration_minutes=60,
            exdates=["2027-05-01"],
        ),
    )

    assert outcome.value.blocks == []
    assert outcome.value.template == BlockTemplate.objects.get()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rrule": "FREQ=DAILY"}, "rrule"),  # no end
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=3;UNTIL=20310101"}, "rrule"),  # RFC 5545: not both
        ({"rrule": "FREQ=DAILY;COUNT=201"}, "rrule"),  # more than 200 blocks
        ({"rrule": "FREQ=YEARLY;COUNT=10"}, "rrule"),  # the last ones too far ahead
        ({"start_local": "2020-05-01T09:00"}, "start_local"),  # in the past
        ({"start_local": "2027-05-01T09:00+02:00"}, "start_local"),  # not a wall-clock time
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"exdates": ["2027-02-30"]}, "exdates"),
    ],
)
def test_what_no_series_may_be_is_refused_with_the_field(business, staff, program, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        series(
            program,
            **{
                "rrule": "FREQ=DAILY;COUNT=2",
                "start_local": datetime(2027, 5, 1, 9),  # noqa: DTZ001 - a wall-clock time
                "duration_minutes": 60,
                **fields,
            },
        )
    assert refused.value.field == field
    assert not Block.objects.exists()


def test_only_staff_create_blocks(business, peer, program):
    data = series(
        program, rrule="FREQ=DAILY;COUNT=2", start_local="2027-05-01T09:00", duration_minutes=60
    )

    with pytest.raises(PermissionDenied):
        create_blocks_from_template(business, peer.user, data)


def test_a_program_of_another_business_does_not_exist_here(business, staff, other_business):
    theirs = ProgramFactory(business=other_business)
    data = series(
        theirs, rrule="FREQ=DAILY;COUNT=2", start_local="2027-05-01T09:00", duration_minutes=60
    )

    with pytest.raises(NotFound):
        create_blocks_from_template(business, staff, data)
    assert not BlockTemplate.objects.exists()
