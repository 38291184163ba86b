"""The console's schedule: the week and month views with fill rates, new and recurring
blocks (typed in the business's time zone), the block page's actions, CSV export."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerarmy.scheduling.models import (
    Block,
    BlockStatus,
    Claim,
    ClaimStatus,
    ScheduleEvent,
)
from peerarmy.scheduling.services import claim_block, join_waitlist
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def local_day(block, business):
    return block.starts_at.astimezone(business.tzinfo).date()


def started_claim(business, program):
    """An active claim on a block that began an hour ago."""
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    block = BlockFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=3), seats_taken=1
    )
    peer = PeerFactory(business=business, display_name="Giulia")
    claim = Claim.objects.create(
        business=business, block=block, peer=peer, starts_at=block.starts_at, ends_at=block.ends_at
    )
    return block, claim


def test_the_week_view_lists_blocks_with_fill_rate_and_waitlist(staff_en, business, program):
    full = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business, display_name="Marco"), full.pk)
    join_waitlist(PeerFactory(business=business), full.pk)

    response = staff_en.get(
        url(business, "manage_blocks") + f"?week={local_day(full, business).isoformat()}"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert program.title_en in page
    assert "1/1" in page and '<meter min="0" max="1" value="1"' in page
    assert "1 waiting" in page and "Marco" in page
    assert full.starts_at.astimezone(business.tzinfo).strftime("%H:%M") in page


def test_the_month_view_shows_the_blocks_of_the_month(staff_en, business, program):
    block = BlockFactory(program=program)
    day = local_day(block, business)

    page = staff_en.get(
        url(business, "manage_blocks") + f"?view=month&month={day:%Y-%m}"
    ).content.decode()

    assert program.title_en in page and "0/2" in page
    assert url(business, "manage_block", block_id=block.pk) in page


def test_a_block_typed_in_rome_time_is_stored_in_utc(staff_en, business, program):
    response = staff_en.post(
        url(business, "manage_block_create"),
        {
            "program": program.pk,
            "starts_at": "2031-07-01T10:00",  # summer time in Rome: UTC+2
            "ends_at": "2031-07-01T13:30",
            "place_name": "Shop",
            "capacity": "3",
            "reward": "12,50",
            "reward_points": "5",
            "min_reliability": "0",
        },
    )

    block = Block.objects.get(program=program)
    assert response.status_code == 302
    assert block.starts_at == datetime(2031, 7, 1, 8, 0, tzinfo=UTC)
    assert block.ends_at == datetime(2031, 7, 1, 11, 30, tzinfo=UTC)
    assert block.reward_minor == 1250 and block.capacity == 3
    page = staff_en.get(response["Location"]).content.decode()
    assert "10:00" in page and "€12.50" in page


def test_a_block_ending_before_it_starts_is_refused_next_to_the_field(staff_en, business, program):
    response = staff_en.post(
        url(business, "manage_block_create"),
        {
            "program": program.pk,
            "starts_at": "2031-07-01T10:00",
            "ends_at": "2031-07-01T09:00",
            "capacity": "1",
            "reward": "abc",
            "reward_points": "0",
            "min_reliability": "0",
        },
    )

    assert response.status_code == 200
    assert "Enter an amount such as 12,50 or 12.50." in response.content.decode()
    assert not Block.objects.exists()


def test_weekly_blocks_from_a_template_keep_their_local_time(staff_en, business, program):
    response = staff_en.post(
        url(business, "manage_block_template"),
        {
            "program": program.pk,
            "first_day": "2031-03-17",  # a Monday; summer time starts on 30 March
            "weekdays": ["SA"],
            "start_time": "10:00",
            "duration_minutes": "180",
            "weeks": "4",
            "exdates": "2031-03-29",
            "capacity": "2",
            "reward": "",
            "reward_points": "0",
            "min_reliability": "0",
        },
    )

    assert response.status_code == 302
    blocks = list(Block.objects.filter(program=program).order_by("starts_at"))
    local = [b.starts_at.astimezone(business.tzinfo) for b in blocks]
    assert [d.date() for d in local] == [date(2031, 3, 22), date(2031, 4, 5), date(2031, 4, 12)]
    assert {d.strftime("%H:%M") for d in local} == {"10:00"}
    assert all(b.ends_at - b.starts_at == timedelta(hours=3) for b in blocks)


def test_staff_mark_a_completion_and_a_no_show(staff_en, business, program):
    block, claim = started_claim(business, program)
    page = staff_en.get(url(business, "manage_block", block_id=block.pk)).content.decode()
    assert "Giulia" in page and "Mark completed" in page

    staff_en.post(url(business, "manage_claim_complete", claim_id=claim.pk))

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    assert ScheduleEvent.objects.filter(kind="block.completed", claim=claim).exists()

    _block, other = started_claim(business, program)
    staff_en.post(url(business, "manage_claim_no_show", claim_id=other.pk))
    other.refresh_from_db()
    assert other.status == ClaimStatus.NO_SHOW


def test_a_refused_action_is_explained_on_the_block_page(staff_en, business, program):
    block = BlockFactory(program=program)
    claim = claim_block(PeerFactory(business=business), block.pk).value

    response = staff_en.post(url(business, "manage_claim_no_show", claim_id=claim.pk), follow=True)

    assert "A no-show can be marked once the block has started." in response.content.decode()


def test_cancelling_needs_a_reason_and_confirmation(staff_en, business, program):
    block = BlockFactory(program=program)
    claim = claim_block(PeerFactory(business=business), block.pk).value
    cancel = url(business, "manage_block_cancel", block_id=block.pk)

    unconfirmed = staff_en.post(cancel, {"reason": "Rain"})
    no_reason = staff_en.post(cancel, {"reason": " ", "confirm": "on"})
    block.refresh_from_db()
    assert block.status == BlockStatus.OPEN
    # The block's page again, with what is missing next to each field.
    assert unconfirmed.status_code == no_reason.status_code == 200
    assert list(unconfirmed.context["cancel_form"].errors) == ["confirm"]
    assert no_reason.context["cancel_form"].errors["reason"] == [
        "Give a reason: the peers who claimed the block read it."
    ]

    staff_en.post(cancel, {"reason": "Rain", "confirm": "on"})

    block.refresh_from_db()
    claim.refresh_from_db()
    assert block.status == BlockStatus.CANCELLED and block.cancellation_reason == "Rain"
    assert claim.status == ClaimStatus.CANCELLED


def test_the_schedule_exports_as_csv_in_local_time(staff_en, business, program):
    start = datetime(2031, 7, 5, 8, 0, tzinfo=UTC)  # 10:00 in Rome
    block = BlockFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=2), seats_taken=1
    )
    Claim.objects.create(
        business=business,
        block=block,
        peer=PeerFactory(business=business, display_name="Anna"),
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )

    response = staff_en.get(
        url(business, "manage_blocks_export") + "?from=2031-07-01&to=2031-07-07"
    )

    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffDate;Start;End;Program;")
    row = body.splitlines()[1].split(";")
    assert row[:3] == ["2031-07-05", "10:00", "12:00"]
    assert row[3] == program.title_en and row[7] == "1" and row[9] == "Anna (Claimed)"
    assert row[10] == "25,00"


def test_a_peer_cannot_open_the_console_schedule(client, business, peer):
    client.force_login(peer.user)

    for name in ("manage_blocks", "manage_block_create", "manage_blocks_export"):
        assert client.get(url(business, name)).status_code == 403


def test_the_week_view_costs_the_same_queries_with_more_blocks(
    staff_en, business, program, django_assert_max_num_queries
):
    first = BlockFactory(program=program)
    week = url(business, "manage_blocks") + f"?week={local_day(first, business).isoformat()}"
    with CaptureQueriesContext(connection) as few:
        staff_en.get(week)
    for hours in range(1, 12):
        block = BlockFactory(program=program, starts_at=first.starts_at + timedelta(hours=hours))
        claim_block(PeerFactory(business=business), block.pk).value if hours % 2 else None

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_en.get(week)

    assert response.content.decode().count('class="schedule-block') == 12


def test_the_forms_open_and_an_edit_keeps_local_times(staff_en, business, program):
    start = datetime(2031, 1, 10, 9, 0, tzinfo=UTC)  # 10:00 in Rome in winter
    block = BlockFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2))

    assert staff_en.get(url(business, "manage_blocks")).status_code == 200
    assert staff_en.get(url(business, "manage_blocks") + "?view=month").status_code == 200
    assert staff_en.get(url(business, "manage_block_create")).status_code == 200
    assert staff_en.get(url(business, "manage_block_template")).status_code == 200
    edit = staff_en.get(url(business, "manage_block_edit", block_id=block.pk)).content.decode()
    assert 'value="2031-01-10T10:00"' in edit and 'value="25,00"' in edit

    staff_en.post(
        url(business, "manage_block_edit", block_id=block.pk),
        {
            "starts_at": "2031-01-10T11:00",
            "ends_at": "2031-01-10T13:00",
            "capacity": "4",
            "reward": "30",
            "reward_points": "10",
            "min_reliability": "0",
        },
    )

    block.refresh_from_db()
    assert block.starts_at == datetime(2031, 1, 10, 10, 0, tzinfo=UTC)
    assert block.capacity == 4 and block.reward_minor == 3000 and block.sequence == 1


# --- weeks and months no block can be in: refused with a message, never a crash --------------


@pytest.mark.parametrize(
    ("query", "view"),
    [
        ("?week=0001-01-01", "week"),
        ("?week=9999-12-31", "week"),
        ("?view=month&month=9999-12", "month"),
        ("?view=month&month=0001-01", "month"),
        ("?view=month&month=1999-12-31", "month"),
    ],
)
def test_a_week_or_month_out_of_range_is_refused_with_a_message(staff_en, business, query, view):
    response = staff_en.get(url(business, "manage_blocks") + query, follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["view"] == view
    assert "Enter a date between 2000-01-01 and 2200-12-31." in page
    today = timezone.localtime(timezone.now(), business.tzinfo).date()
    shown = response.context["start" if view == "week" else "month"]
    assert shown.year == today.year  # this week's or this month's schedule instead


@pytest.mark.parametrize("query", ["?week=someday", "?view=month&month=march"])
def test_a_week_or_month_that_is_not_a_date_says_so(staff_en, business, query):
    response = staff_en.get(url(business, "manage_blocks") + query)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages in (["Enter a valid date."], ["Enter a month as YYYY-MM."])


def test_the_edges_of_the_range_still_show(staff_en, business):
    for query in ("?week=2000-01-01", "?week=2200-12-31", "?view=month&month=2200-12"):
        response = staff_en.get(url(business, "manage_blocks") + query)
        assert response.status_code == 200, query
        assert not list(response.context["messages"]), query


# --- the block page follows the services' rules ------------------------------------------------


def test_the_block_page_offers_what_the_services_allow_once_it_has_started(
    staff_en, business, program
):
    block, _claim = started_claim(business, program)

    page = staff_en.get(url(business, "manage_block", block_id=block.pk)).content.decode()

    # Completions and no-shows once it has started; cancelling until it is over, as the
    # service allows (the API cancels a block under way too).
    assert "Mark completed" in page and "Mark no-show" in page
    assert 'id="cancel"' in page


def test_the_block_page_shows_the_names_of_its_skills(staff_en, business, program):
    from peerarmy.tenancy.tests.factories import SkillFactory

    block = BlockFactory(program=program)
    block.required_skills.set([SkillFactory(business=business, name_en="Bike repair")])

    page = staff_en.get(url(business, "manage_block", block_id=block.pk)).content.decode()

    assert "Required skills" in page and "Bike repair" in page


# --- a weekly series for many weeks: the input's limits, not the form's ------------------------


def weekly_form(program, **fields):
    first = timezone.localdate() + timedelta(days=7)
    return {
        "program": str(program.pk),
        "first_day": first.isoformat(),
        "weekdays": ["SA"],
        "start_time": "10:00",
        "duration_minutes": "120",
        "capacity": "2",
        **fields,
    }


def test_a_weekly_series_may_run_longer_than_a_year(staff_en, business, program):
    """The console used to stop at 52 weeks, which the API never did: the series' limits
    (200 blocks, five years ahead) are the input's, on both paths."""
    response = staff_en.post(
        url(business, "manage_block_template"), weekly_form(program, weeks="60")
    )

    assert response.status_code == 302, response.context["form"].errors
    assert Block.objects.count() == 60


@pytest.mark.parametrize("weeks", ["0", "-3"])
def test_no_weeks_is_asked_for(staff_en, business, program, weeks):
    response = staff_en.post(
        url(business, "manage_block_template"), weekly_form(program, weeks=weeks)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["weeks"] == ["Say for how many weeks, or until when."]
    assert not Block.objects.exists()


def test_a_count_of_weeks_beyond_the_calendar_is_refused_by_the_series_limits(
    staff_en, business, program
):
    response = staff_en.post(
        url(business, "manage_block_template"), weekly_form(program, weeks=str(10**12))
    )

    assert response.status_code == 200
    (message,) = response.context["form"].errors["weeks"]
    assert "more than 200 blocks" in message
    assert not Block.objects.exists()
