"""The staff's side of scheduling through the API: blocks with their fill, new and changed
blocks, cancellations, claims marked no-show or completed, recurring templates, the CSV
export and fairness limits; bad input answers a problem naming the field, never a 500."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from peerarmy.accounts.services import create_peer_token
from peerarmy.api.api import endpoints
from peerarmy.notifications.models import OutboxMessage
from peerarmy.scheduling.models import (
    Block,
    BlockStatus,
    Claim,
    ClaimStatus,
    FairnessLimits,
    ReliabilityEvent,
    ScheduleEvent,
    WaitlistEntry,
)
from peerarmy.scheduling.services import claim_block, join_waitlist
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory, SkillFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

BLOCKS = "/api/v1/blocks/"
TEMPLATES = "/api/v1/block-templates/"


def put(api, url, body):
    return api._send("put", url, body, {})


def held_claim(block, peer):
    """A claim on a block that has already started (claims are only made before)."""
    Block.objects.filter(pk=block.pk).update(seats_taken=1)
    return Claim.objects.create(
        business=block.business,
        block=block,
        peer=peer,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )


def started_block(program):
    now = timezone.now().replace(microsecond=0)
    return BlockFactory(
        program=program, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )


def new_block(program, **fields):
    body = {
        "program_id": program.pk,
        "starts_at": "2031-07-01T10:00:00",
        "ends_at": "2031-07-01T13:00:00",
        "place_name": "Piazza Maggiore",
        "capacity": 3,
        "reward_minor": 2500,
    }
    body.update(fields)
    return body


# --- the list, with each block's fill ------------------------------------------------------


def test_the_list_shows_each_blocks_fill_claims_and_waitlist(api, business, program):
    block = BlockFactory(program=program, capacity=1, place_name="Via del Pratello")
    anna = PeerFactory(business=business, display_name="Anna")
    claim_block(anna, block.pk)
    join_waitlist(PeerFactory(business=business), block.pk)

    body = api.get(BLOCKS, HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == block.pk and item["place_name"] == "Via del Pratello"
    assert item["program"] == {"id": program.pk, "title": program.title_en}
    assert (item["capacity"], item["seats_taken"], item["seats_left"]) == (1, 1, 0)
    assert item["waitlist_count"] == 1
    assert [(c["peer_id"], c["peer_name"], c["status"]) for c in item["claims"]] == [
        (anna.pk, "Anna", "active")
    ]


def test_the_list_filters_by_program_local_days_and_status(api, business, program):
    other_program = ProgramFactory(business=business)
    # 23:30 in Rome on 4 July is 21:30 UTC: it belongs to the 4th, not the 5th.
    late = BlockFactory(program=program, starts_at=datetime(2031, 7, 4, 21, 30, tzinfo=UTC))
    next_day = BlockFactory(program=program, starts_at=datetime(2031, 7, 5, 8, 0, tzinfo=UTC))
    elsewhere = BlockFactory(
        program=other_program, starts_at=datetime(2031, 7, 5, 9, 0, tzinfo=UTC)
    )
    cancelled = BlockFactory(
        program=program,
        starts_at=datetime(2031, 7, 6, 8, 0, tzinfo=UTC),
        status=BlockStatus.CANCELLED,
    )

    def ids(**params):
        return [b["id"] for b in api.get(BLOCKS, params).json()["results"]]

    assert ids() == [late.pk, next_day.pk, elsewhere.pk, cancelled.pk]
    assert ids(**{"from": "2031-07-05", "to": "2031-07-05"}) == [next_day.pk, elsewhere.pk]
    assert ids(to="2031-07-04") == [late.pk]
    assert ids(program=other_program.pk) == [elsewhere.pk]
    assert ids(status="cancelled") == [cancelled.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2031-02-30"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"status": "maybe"}, "status"),
        ({"program": "abc"}, "program"),
        ({"program": 0}, "program"),
    ],
)
def test_bad_filters_are_named(api, params, field):
    response = api.get(BLOCKS, params)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


def test_the_list_costs_the_same_queries_for_more_blocks(api, business, program):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(BLOCKS).status_code == 200
        return len(ctx)

    first = BlockFactory(program=program)
    claim_block(PeerFactory(business=business), first.pk)
    queries()  # the token's first use is recorded once
    few = queries()
    for hours in range(4, 40, 4):
        block = BlockFactory(program=program, starts_at=first.starts_at + timedelta(hours=hours))
        claim_block(PeerFactory(business=business), block.pk)

    assert queries() == few


# --- one block: create, read, change, cancel -----------------------------------------------


def test_a_new_block_is_read_in_the_shops_time_zone(api, business, program):
    skill = SkillFactory(business=business, slug="bike-repair")

    response = api.post(BLOCKS, new_block(program, required_skills=["bike-repair"]))

    assert response.status_code == 201
    body = response.json()
    # 10:00 in Rome in July is 08:00 UTC
    assert body["starts_at"].startswith("2031-07-01T08:00:00")
    assert body["ends_at"].startswith("2031-07-01T11:00:00")
    assert body["required_skills"] == ["bike-repair"]
    assert body["claims"] == [] and body["waitlist"] == []
    block = Block.objects.get(pk=body["id"])
    assert block.program == program and list(block.required_skills.all()) == [skill]
    assert block.capacity == 3 and block.reward_minor == 2500


def test_a_time_with_an_offset_is_taken_as_it_is(api, program):
    body = api.post(
        BLOCKS,
        new_block(program, starts_at="2031-01-10T10:00:00+00:00", ends_at="2031-01-10T11:00:00Z"),
    ).json()

    assert body["starts_at"].startswith("2031-01-10T10:00:00")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"capacity": -1}, "capacity"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10**6}, "capacity"),
        ({"capacity": None}, "capacity"),
        ({"starts_at": "tomorrow at ten"}, "starts_at"),
        ({"starts_at": "2031-02-30T10:00:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00"}, "starts_at"),
        ({"ends_at": "2031-07-01T09:00:00"}, "ends_at"),
        ({"required_skills": ["no-such-skill"]}, "required_skills"),
        ({"required_languages": ["xx"]}, "required_languages"),
        ({"reward_minor": -5}, "reward_minor"),
        ({"reward_currency": "euro"}, "reward_currency"),
        ({"latitude": 91}, "latitude"),
        ({"latitude": 44.5}, "longitude"),  # the missing half is named
        ({"min_reliability": 101}, "min_reliability"),
        ({"place_name": "x" * 121}, "place_name"),
        ({"place_name": "a\x00b"}, "place_name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_block_input_is_refused_naming_the_field(api, program, fields, field):
    response = api.post(BLOCKS, new_block(program, **fields))

    assert response.status_code == 422, response.content
    assert problem_fields(response) == [field]
    assert not Block.objects.exists()


def test_a_missing_or_foreign_program_is_not_found(api, program, other_business):
    foreign = ProgramFactory(business=other_business)

    for program_id in (foreign.pk, 10**9):
        response = api.post(BLOCKS, new_block(program, program_id=program_id))
        assert response.status_code == 404
    missing = api.post(BLOCKS, {k: v for k, v in new_block(program).items() if k != "program_id"})
    assert problem_fields(missing) == ["program_id"]
    assert not Block.objects.exists()


def test_a_block_and_its_waitlist_read_like_the_console(api, business, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)
    waiting = PeerFactory(business=business, display_name="Bruno")
    join_waitlist(waiting, block.pk)

    body = api.get(f"{BLOCKS}{block.pk}").json()

    assert body["waitlist_count"] == 1
    assert [(w["peer_id"], w["peer_name"]) for w in body["waitlist"]] == [(waiting.pk, "Bruno")]


def test_another_businesss_block_is_not_found_like_a_missing_one(api, other_business):
    theirs = BlockFactory(program=ProgramFactory(business=other_business))

    for method, suffix, body in [
        ("get", "", None),
        ("patch", "", {"capacity": 9}),
        ("post", "/cancel", {"reason": "Mine"}),
    ]:
        args = (body,) if body is not None else ()
        response = getattr(api, method)(f"{BLOCKS}{theirs.pk}{suffix}", *args)
        missing = getattr(api, method)(f"{BLOCKS}{10**9}{suffix}", *args)
        assert response.status_code == 404
        assert response.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.capacity == 2 and theirs.status == BlockStatus.OPEN


def test_raising_the_capacity_gives_the_seat_to_the_waitlist(api, business, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)
    waiting = PeerFactory(business=business)
    join_waitlist(waiting, block.pk)

    response = api.patch(f"{BLOCKS}{block.pk}", {"capacity": 2, "place_name": "Moved"})

    assert response.status_code == 200
    body = response.json()
    assert body["place_name"] == "Moved" and body["sequence"] == 1
    assert (body["capacity"], body["seats_taken"], body["waitlist_count"]) == (2, 2, 0)
    assert waiting.pk in {c["peer_id"] for c in body["claims"] if c["promoted_from_waitlist"]}


def test_a_capacity_below_the_seats_taken_is_refused(api, business, program):
    block = BlockFactory(program=program, capacity=2)
    claim_block(PeerFactory(business=business), block.pk)
    claim_block(PeerFactory(business=business), block.pk)

    for body, field in [({"capacity": 1}, "capacity"), ({"capacity": None}, "capacity")]:
        response = api.patch(f"{BLOCKS}{block.pk}", body)
        assert response.status_code == 422
        assert problem_fields(response) == [field]
    assert problem_fields(api.patch(f"{BLOCKS}{block.pk}", {"program_id": 3})) == ["program_id"]
    block.refresh_from_db()
    assert block.capacity == 2


def test_cancelling_needs_a_reason_and_tells_the_claimants(api, business, program):
    block = BlockFactory(program=program)
    claim = claim_block(PeerFactory(business=business), block.pk).value
    OutboxMessage.objects.all().delete()

    refused = api.post(f"{BLOCKS}{block.pk}/cancel", {"reason": "  "})
    done = api.post(f"{BLOCKS}{block.pk}/cancel", {"reason": "Rain"})
    again = api.post(f"{BLOCKS}{block.pk}/cancel", {"reason": "Rain"})

    assert refused.status_code == 422 and problem_fields(refused) == ["reason"]
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "cancelled" and body["cancellation_reason"] == "Rain"
    assert body["claims"][0]["status"] == "cancelled"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CANCELLED
    assert OutboxMessage.objects.filter(recipient=claim.peer.user.email).count() == 1
    assert again.status_code == 409 and again.json()["code"] == "block_cancelled"
    assert api.patch(f"{BLOCKS}{block.pk}", {"capacity": 5}).json()["code"] == "block_cancelled"


# --- claims: no-show, completed, staff release ---------------------------------------------


def test_a_no_show_is_marked_once_the_block_has_started(api, business, program, peer):
    future = claim_block(peer, BlockFactory(program=program).pk).value
    too_early = api.post(f"{BLOCKS}claims/{future.pk}/no-show")
    claim = held_claim(started_block(program), PeerFactory(business=business))

    response = api.post(f"{BLOCKS}claims/{claim.pk}/no-show")

    assert too_early.status_code == 409 and too_early.json()["code"] == "invalid_transition"
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"
    assert ReliabilityEvent.objects.filter(claim=claim, kind="no_show").exists()


def test_completing_a_claim_records_the_promised_reward(api, business, program):
    claim = held_claim(started_block(program), PeerFactory(business=business))

    response = api.post(f"{BLOCKS}claims/{claim.pk}/complete")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    event = ScheduleEvent.objects.get(claim=claim)
    assert event.kind == "block.completed" and event.payload["reward_minor"] == 2500
    again = api.post(f"{BLOCKS}claims/{claim.pk}/complete")
    assert again.status_code == 409


def test_staff_release_an_excused_claim_at_any_time(api, business, program, peer):
    now = timezone.now()
    block = BlockFactory(
        program=program, starts_at=now + timedelta(minutes=20), ends_at=now + timedelta(hours=2)
    )
    claim = claim_block(peer, block.pk).value

    response = api.post(f"{BLOCKS}claims/{claim.pk}/release", {"excused": True})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "released" and body["released_late"] is True
    assert body["block_id"] == block.pk
    assert not ReliabilityEvent.objects.filter(claim=claim).exists()
    assert api.post(f"{BLOCKS}claims/{claim.pk}/release").json()["code"] == "invalid_transition"


def test_another_businesss_claims_are_not_found(api, other_business):
    theirs = held_claim(
        started_block(ProgramFactory(business=other_business)),
        PeerFactory(business=other_business),
    )

    for action in ("no-show", "complete", "release"):
        response = api.post(f"{BLOCKS}claims/{theirs.pk}/{action}")
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ClaimStatus.ACTIVE


# --- the CSV export ------------------------------------------------------------------------


def test_the_export_is_the_consoles_file(api, client, business, program, staff):
    start = datetime(2031, 7, 5, 8, 0, tzinfo=UTC)
    block = BlockFactory(
        program=program,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        released_at=timezone.now(),
    )
    claim_block(PeerFactory(business=business, display_name="=HYPERLINK()"), block.pk)
    range_ = {"from": "2031-07-01", "to": "2031-07-07"}

    response = api.get(f"{BLOCKS}export.csv", range_, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    console = client.get(
        reverse("web:manage_blocks_export", kwargs={"business_slug": business.slug}), range_
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content == console.content
    assert response["Content-Disposition"] == console["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Date", "Start", "End"]
    assert rows[1][:3] == ["2031-07-05", "10:00", "12:00"]
    # a name Excel would run as a formula is defused
    assert rows[1][9] == "'=HYPERLINK() (Claimed)"


def test_the_export_refuses_a_bad_day(api):
    response = api.get(f"{BLOCKS}export.csv", {"from": "05/07/2031"})

    assert response.status_code == 422
    assert problem_fields(response) == ["from"]


# --- recurring templates -------------------------------------------------------------------


def template_body(program, **fields):
    body = {
        "program_id": program.pk,
        "rrule": "FREQ=WEEKLY;BYDAY=SA;COUNT=4",
        "start_local": "2031-03-15T10:00:00",
        "duration_minutes": 120,
        "capacity": 2,
        "place_name": "Officina",
    }
    body.update(fields)
    return body


def test_a_weekly_template_keeps_local_time_across_daylight_saving(api, program):
    # Italy moves its clocks on 30 March 2031: 10:00 is 09:00 UTC before, 08:00 UTC after.
    response = api.post(TEMPLATES, template_body(program, exdates=["2031-03-22"]))

    assert response.status_code == 201
    body = response.json()
    starts = [b["starts_at"][:16] for b in body["blocks"]]
    assert starts == ["2031-03-15T09:00", "2031-03-29T09:00", "2031-04-05T08:00"]
    template = body["template"]
    assert template["rrule"] == "FREQ=WEEKLY;BYDAY=SA;COUNT=4"
    assert template["start_local"] == "2031-03-15T10:00:00"
    assert template["exdates"] == ["2031-03-22"] and template["block_count"] == 3
    assert {b["capacity"] for b in body["blocks"]} == {2}
    assert {b["template_id"] for b in body["blocks"]} == {template["id"]}

    listed = api.get(BLOCKS, {"template": template["id"]}).json()
    assert listed["count"] == 3
    assert api.get(f"{TEMPLATES}{template['id']}").json() == template
    assert [t["id"] for t in api.get(TEMPLATES).json()["results"]] == [template["id"]]


def test_claimable_from_a_number_of_minutes_before_each_block(api, program):
    body = api.post(TEMPLATES, template_body(program, release_minutes_before=24 * 60)).json()

    first = body["blocks"][0]
    assert first["released_at"].startswith("2031-03-14T09:00")


def test_a_rule_whose_every_date_is_left_out_makes_no_block(api, program):
    response = api.post(
        TEMPLATES,
        template_body(program, rrule="FREQ=DAILY;COUNT=1", exdates=["2031-03-15"]),
    )

    assert response.status_code == 201
    assert response.json()["blocks"] == []
    assert response.json()["template"]["block_count"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rrule": "every saturday"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=SA"}, "rrule"),  # never ends
        ({"rrule": "FREQ=DAILY;COUNT=500"}, "rrule"),  # too many
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX;COUNT=2"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=soon"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=99999999999999999999"}, "rrule"),
        ({"rrule": "DTSTART:20310315T100000\nRRULE:FREQ=DAILY;COUNT=2\nGARBAGE"}, "rrule"),
        ({"rrule": "FREQ=HOURLY;COUNT=3"}, "rrule"),  # blocks are daily or rarer
        ({"rrule": "FREQ=YEARLY;INTERVAL=0;COUNT=1;BYMONTH=1;BYDAY=99MO"}, "rrule"),
        ({"rrule": "FREQ=YEARLY;BYEASTER=400;COUNT=1"}, "rrule"),
        ({"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=1"}, "rrule"),  # never
        ({"rrule": "FREQ=WEEKLY;COUNT=2;COUNT=3"}, "rrule"),
        ({"rrule": ""}, "rrule"),
        ({"start_local": "2031-03-15T10:00:00+01:00"}, "start_local"),
        ({"start_local": "next week"}, "start_local"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"exdates": ["2031-02-30"]}, "exdates"),
        ({"exdates": ["soon"]}, "exdates"),
        ({"capacity": -2}, "capacity"),
        ({"required_skills": ["nope"]}, "required_skills"),
        ({"release_minutes_before": -1}, "release_minutes_before"),
    ],
)
def test_a_bad_template_is_refused_naming_the_field(api, program, fields, field):
    response = api.post(TEMPLATES, template_body(program, **fields))

    assert response.status_code == 422, response.content
    assert problem_fields(response) == [field]
    assert not Block.objects.exists()


def test_another_businesss_template_is_not_found(api, other_business, other_staff):
    other = ApiClient(api.client, None)
    from peerarmy.accounts.services import create_token

    _token, other.raw = create_token(business=other_business, actor=other_staff).value
    theirs = other.post(TEMPLATES, template_body(ProgramFactory(business=other_business)))
    template_id = theirs.json()["template"]["id"]

    assert api.get(f"{TEMPLATES}{template_id}").status_code == 404
    assert api.get(TEMPLATES).json()["count"] == 0
    assert api.get(BLOCKS, {"template": template_id}).json()["count"] == 0


def test_changing_a_series_moves_its_future_blocks_in_local_time(api, business, program, peer):
    made = api.post(TEMPLATES, template_body(program)).json()
    template_id = made["template"]["id"]
    first, second = made["blocks"][0]["id"], made["blocks"][1]["id"]
    claim = claim_block(peer, Block.objects.get(pk=second).pk).value

    response = api.patch(
        f"{TEMPLATES}{template_id}",
        {"start_time": "11:30", "capacity": 4, "from_block": second},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert [b["id"] for b in body["blocks"]] == [b["id"] for b in made["blocks"][1:]]
    # 11:30 in Rome: 10:30 UTC before the clocks change on 30 March, 09:30 after
    assert [b["starts_at"][:16] for b in body["blocks"]] == [
        "2031-03-22T10:30",
        "2031-03-29T10:30",
        "2031-04-05T09:30",
    ]
    assert {b["capacity"] for b in body["blocks"]} == {4}
    assert body["template"]["capacity"] == 4
    untouched = api.get(f"{BLOCKS}{first}").json()
    assert untouched["starts_at"].startswith("2031-03-15T09:00") and untouched["capacity"] == 2
    claim.refresh_from_db()
    assert claim.starts_at == Block.objects.get(pk=second).starts_at


def test_a_bad_series_change_is_refused_naming_the_field(api, business, program, other_business):
    made = api.post(TEMPLATES, template_body(program)).json()
    url = f"{TEMPLATES}{made['template']['id']}"
    other_series = api.post(TEMPLATES, template_body(program, rrule="FREQ=DAILY;COUNT=1"))
    stray = other_series.json()["blocks"][0]["id"]
    theirs = BlockFactory(program=ProgramFactory(business=other_business))

    for body, field in [
        ({"start_time": "half past ten"}, "start_time"),
        ({"start_time": None}, "start_time"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"capacity": -1}, "capacity"),
        ({"from_block": stray}, "from_block"),
        ({"rrule": "FREQ=DAILY;COUNT=2"}, "rrule"),
    ]:
        response = api.patch(url, body)
        assert response.status_code == 422, (body, response.content)
        assert problem_fields(response) == [field], body
    assert api.patch(url, {"from_block": theirs.pk}).status_code == 404
    assert {b.capacity for b in Block.objects.filter(template_id=made["template"]["id"])} == {2}


# --- fairness limits -----------------------------------------------------------------------


def test_fairness_limits_start_at_the_defaults_and_can_be_set(api, program):
    url = f"/api/v1/programs/{program.pk}/fairness-limits"

    defaults = api.get(url).json()
    changed = put(api, url, {"max_hours_per_week": 8, "forfeit_cutoff_minutes": 120})

    assert defaults == {
        "program_id": program.pk,
        "max_hours_per_week": 20,
        "min_rest_minutes": 60,
        "max_future_blocks": 5,
        "forfeit_cutoff_minutes": 60,
        "is_default": True,
    }
    assert changed.status_code == 200
    assert changed.json()["max_hours_per_week"] == 8 and changed.json()["is_default"] is False
    assert api.get(url).json()["forfeit_cutoff_minutes"] == 120
    limits = FairnessLimits.objects.get(program=program)
    assert (limits.max_hours_per_week, limits.min_rest_minutes) == (8, 60)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_hours_per_week": 0}, "max_hours_per_week"),
        ({"max_hours_per_week": 81}, "max_hours_per_week"),
        ({"min_rest_minutes": -1}, "min_rest_minutes"),
        ({"max_future_blocks": "many"}, "max_future_blocks"),
        ({"forfeit_cutoff_minutes": 2881}, "forfeit_cutoff_minutes"),
        ({"max_hours_per_week": None}, "max_hours_per_week"),
        ({"max_weeks": 2}, "max_weeks"),
    ],
)
def test_fairness_limits_out_of_range_are_named(api, program, body, field):
    response = put(api, f"/api/v1/programs/{program.pk}/fairness-limits", body)

    assert response.status_code == 422
    assert problem_fields(response) == [field]
    assert not FairnessLimits.objects.exists()


def test_another_businesss_program_limits_are_not_found(api, other_business):
    theirs = ProgramFactory(business=other_business)

    url = f"/api/v1/programs/{theirs.pk}/fairness-limits"
    assert api.get(url).status_code == 404
    assert put(api, url, {"max_hours_per_week": 1}).status_code == 404
    assert not FairnessLimits.objects.exists()


# --- who may use these endpoints -----------------------------------------------------------


def test_a_peers_token_is_refused_on_every_staff_endpoint(client, business, peer, program):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    as_peer = ApiClient(client, raw)
    block = BlockFactory(program=program)

    listed = as_peer.get(BLOCKS)
    created = as_peer.post(BLOCKS, new_block(program))
    cancelled = as_peer.post(f"{BLOCKS}{block.pk}/cancel", {"reason": "Mine"})

    for response in (listed, created, cancelled):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert "/api/v1/me/" in response.json()["detail"]
    block.refresh_from_db()
    assert block.status == BlockStatus.OPEN
    assert Block.objects.count() == 1


def test_a_peer_who_is_also_staff_gets_no_staff_power_from_a_peer_token(
    client, business, staff, program
):
    peer = PeerFactory(business=business, user=staff)
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value

    response = ApiClient(client, raw).post(BLOCKS, new_block(program))

    assert response.status_code == 403
    assert not Block.objects.exists()


def test_the_openapi_document_lists_every_scheduling_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    found = {(e.method, e.path) for e in endpoints()}

    expected = {
        ("GET", "/api/v1/blocks/"),
        ("POST", "/api/v1/blocks/"),
        ("GET", "/api/v1/blocks/export.csv"),
        ("GET", "/api/v1/blocks/{block_id}"),
        ("PATCH", "/api/v1/blocks/{block_id}"),
        ("POST", "/api/v1/blocks/{block_id}/cancel"),
        ("POST", "/api/v1/blocks/claims/{claim_id}/no-show"),
        ("POST", "/api/v1/blocks/claims/{claim_id}/complete"),
        ("POST", "/api/v1/blocks/claims/{claim_id}/release"),
        ("GET", "/api/v1/block-templates/"),
        ("POST", "/api/v1/block-templates/"),
        ("GET", "/api/v1/block-templates/{template_id}"),
        ("PATCH", "/api/v1/block-templates/{template_id}"),
        ("GET", "/api/v1/programs/{program_id}/fairness-limits"),
        ("PUT", "/api/v1/programs/{program_id}/fairness-limits"),
        ("GET", "/api/v1/me/"),
        ("GET", "/api/v1/me/blocks/claimable"),
        ("POST", "/api/v1/me/blocks/{block_id}/claim"),
        ("POST", "/api/v1/me/blocks/{block_id}/waitlist"),
        ("DELETE", "/api/v1/me/blocks/{block_id}/waitlist"),
        ("GET", "/api/v1/me/waitlist/"),
        ("GET", "/api/v1/me/claims/"),
        ("GET", "/api/v1/me/claims/{claim_id}"),
        ("POST", "/api/v1/me/claims/{claim_id}/release"),
        ("POST", "/api/v1/me/claims/{claim_id}/check-in"),
        ("POST", "/api/v1/me/claims/{claim_id}/check-out"),
        ("POST", "/api/v1/me/claims/{claim_id}/swap-offers"),
        ("GET", "/api/v1/me/swap-offers/"),
        ("POST", "/api/v1/me/swap-offers/{offer_id}/accept"),
        ("POST", "/api/v1/me/swap-offers/{offer_id}/decline"),
        ("POST", "/api/v1/me/swap-offers/{offer_id}/withdraw"),
        ("GET", "/api/v1/me/schedule.ics"),
    }
    assert expected <= found
    claim = schema["paths"]["/api/v1/me/blocks/{block_id}/claim"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in claim["parameters"]}
    assert {"200", "201", "403", "409"} <= set(claim["responses"])
    assert "application/problem+json" in claim["responses"]["409"]["content"]
    for code in ("block_full", "overlaps_claimed_block", "weekly_hours_exceeded"):
        assert code in claim["description"]
    assert claim["security"] == [{"PeerTokenAuth": []}]
    assert schema["paths"]["/api/v1/blocks/"]["get"]["security"] == [{"ApiTokenAuth": []}]
    assert "peer token" in schema["info"]["description"]


def test_a_waitlist_entry_of_another_business_never_shows(api, other_business):
    theirs = BlockFactory(program=ProgramFactory(business=other_business), capacity=1)
    claim_block(PeerFactory(business=other_business), theirs.pk)
    join_waitlist(PeerFactory(business=other_business, display_name="Secret"), theirs.pk)

    assert api.get(BLOCKS).json()["count"] == 0
    assert WaitlistEntry.objects.count() == 1


RULE_PARTS = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY",
        "FREQ=MONTHLY",
        "FREQ=YEARLY",
        "FREQ=HOURLY",
        "FREQ=SECONDLY",
        "COUNT=3",
        "COUNT=0",
        "COUNT=99999999999",
        "INTERVAL=0",
        "INTERVAL=2",
        "UNTIL=20310601",
        "UNTIL=20310601T100000Z",
        "UNTIL=99991231",
        "BYDAY=MO,SA",
        "BYDAY=-1SU",
        "BYDAY=99MO",
        "BYMONTHDAY=31",
        "BYMONTHDAY=40",
        "BYMONTHDAY=-1",
        "BYMONTH=2",
        "BYMONTH=13",
        "BYSETPOS=1",
        "BYSETPOS=400",
        "BYEASTER=400",
        "BYHOUR=25",
        "WKST=XX",
        "RRULE:",
        "",
        "=",
    ]
)


@hypothesis_settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(parts=st.lists(RULE_PARTS, max_size=6))
def test_any_rule_text_answers_blocks_or_a_problem_never_a_crash(api, program, parts):
    response = api.post(TEMPLATES, template_body(program, rrule=";".join(parts)))

    assert response.status_code in (201, 422), (parts, response.content)
    if response.status_code == 422:
        assert problem_fields(response) == ["rrule"]


# --- what a change returns is what the API shows: nothing is read again --------------------------


def shown_without_a_query(schema, value, django_assert_num_queries):
    """`value` as the API shows it with `schema`, checking that showing it reads nothing."""
    with django_assert_num_queries(0):
        return schema.from_orm(value).model_dump(mode="json")


def test_a_new_changed_or_cancelled_block_is_shown_as_the_service_returns_it(
    business, staff, program, django_assert_num_queries
):
    from peerarmy.api.scheduling import BlockDetailOut
    from peerarmy.scheduling import services
    from peerarmy.scheduling.inputs import CancelBlockInput, NewBlockInput
    from peerarmy.scheduling.tests.changes import block_change

    SkillFactory(business=business, slug="bike-repair")
    made = services.create_block(
        business,
        staff,
        NewBlockInput.parse(
            new_block(program, capacity=1, required_skills=["bike-repair"]),
            context={"business": business},
        ),
    ).value
    shown = shown_without_a_query(BlockDetailOut, made, django_assert_num_queries)
    assert (shown["required_skills"], shown["claims"], shown["waitlist"]) == (
        ["bike-repair"],
        [],
        [],
    )

    skilled = PeerFactory(business=business, display_name="Gino")
    skilled.skills.set(business.skills.all())
    waiting = PeerFactory(business=business, display_name="Wanda")
    waiting.skills.set(business.skills.all())
    claim_block(skilled, made.pk)
    join_waitlist(waiting, made.pk)
    made.refresh_from_db()
    changed = services.update_block(business, staff, made, block_change(made, capacity=2)).value
    shown = shown_without_a_query(BlockDetailOut, changed, django_assert_num_queries)
    assert [c["peer_name"] for c in shown["claims"]] == ["Gino", "Wanda"]
    assert (shown["waitlist"], shown["waitlist_count"], shown["seats_taken"]) == ([], 0, 2)

    cancelled = services.cancel_block(
        business, staff, changed, CancelBlockInput(reason="Rain.")
    ).value
    shown = shown_without_a_query(BlockDetailOut, cancelled, django_assert_num_queries)
    assert shown["status"] == "cancelled"
    assert {c["status"] for c in shown["claims"]} == {"cancelled"}
    assert shown["required_skills"] == ["bike-repair"]


def test_a_new_or_changed_series_is_shown_as_the_service_returns_it(
    business, staff, program, django_assert_num_queries
):
    from peerarmy.api.scheduling import TemplateChangedOut, TemplateCreatedOut
    from peerarmy.scheduling import services
    from peerarmy.scheduling.tests.changes import change_series, series

    SkillFactory(business=business, slug="bike-repair")
    made = services.create_blocks_from_template(
        business,
        staff,
        series(
            program,
            rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=3",
            start_local="2031-03-15T10:00:00",
            duration_minutes=120,
            required_skills=["bike-repair"],
        ),
    ).value
    shown = shown_without_a_query(TemplateCreatedOut, made, django_assert_num_queries)
    assert shown["template"]["block_count"] == 3
    assert shown["template"]["required_skills"] == ["bike-repair"]
    assert [b["required_skills"] for b in shown["blocks"]] == [["bike-repair"]] * 3

    holder = PeerFactory(business=business, display_name="Gino")
    holder.skills.set(business.skills.all())
    claim_block(holder, made.blocks[1].pk)
    changed = change_series(
        business, staff, made.template, {"capacity": 4, "required_skills": []}
    ).value
    shown = shown_without_a_query(TemplateChangedOut, changed, django_assert_num_queries)
    assert shown["template"]["block_count"] == 3
    assert shown["template"]["capacity"] == 4 and shown["template"]["required_skills"] == []
    assert [len(b["claims"]) for b in shown["blocks"]] == [0, 1, 0]
    assert [b["starts_at"] for b in shown["blocks"]] == sorted(
        b["starts_at"] for b in shown["blocks"]
    )
    assert {b["required_skills"] == [] for b in shown["blocks"]} == {True}
