"""Scheduling's changes go through one typed input on the console and the API: the same bad
input is refused on both, naming the same fields with the same words, and nothing is saved.
(Issue 13: the console saved a block dated 2020, one lasting 31 days, and a capacity
PostgreSQL refuses.)"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerarmy.scheduling.models import (
    Block,
    BlockStatus,
    BlockTemplate,
    Claim,
    ClaimStatus,
    FairnessLimits,
    ReliabilityEvent,
    SwapOffer,
)
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory, SkillFactory
from peerarmy.web.tests.paired import assert_same_errors, form_errors

pytestmark = pytest.mark.django_db

BLOCK = {
    "starts_at": "2031-07-01T10:00:00",
    "ends_at": "2031-07-01T13:00:00",
    "place_name": "Piazza Maggiore",
    "capacity": 3,
    "reward_points": 5,
    "min_reliability": 0,
}

BAD_BLOCKS = [
    ({"capacity": 0}, {"capacity"}),
    ({"capacity": 40000}, {"capacity"}),  # beyond PostgreSQL's smallint: refused on SQLite too
    ({"capacity": "many"}, {"capacity"}),
    (
        {"starts_at": "2020-07-01T10:00:00", "ends_at": "2020-07-01T13:00:00"},
        {"starts_at"},
    ),  # long past
    ({"starts_at": "2035-07-01T10:00:00", "ends_at": "2035-07-01T13:00:00"}, {"starts_at"}),
    ({"ends_at": "2031-07-01T09:00:00"}, {"ends_at"}),  # before the start
    ({"ends_at": "2031-08-01T10:00:00"}, {"ends_at"}),  # 31 days
    # 02:30 on 30 March 2031 does not exist in Rome: the clocks go from 02:00 to 03:00.
    ({"starts_at": "2031-03-30T02:30:00", "ends_at": "2031-03-30T05:00:00"}, {"starts_at"}),
    ({"min_reliability": 101}, {"min_reliability"}),
    ({"place_name": "x" * 121}, {"place_name"}),
    ({"address": "a\x00b"}, {"address"}),
    ({"latitude": 44.5}, {"longitude"}),  # the missing half is named
    ({"latitude": 91, "longitude": 11}, {"latitude"}),
    ({"required_languages": ["xx"]}, {"required_languages"}),
    ({"required_skills": ["juggling"]}, {"required_skills"}),
    ({"check_in_radius_m": 0}, {"check_in_radius_m"}),
    (
        {"capacity": 0, "min_reliability": 101, "place_name": "x" * 121},
        {"capacity", "min_reliability", "place_name"},
    ),
    (
        {"starts_at": "2020-07-01T10:00:00", "ends_at": "2020-08-01T10:00:00", "latitude": 44.5},
        {"starts_at", "ends_at", "longitude"},
    ),
]


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def as_form(body):
    """What a browser sends for an API body: the program and the reward as the console's
    fields, lists as repeated fields, numbers and times as text."""
    form = {}
    for key, value in body.items():
        if key == "program_id":
            form["program"] = str(value)
        elif key == "reward_minor":
            form["reward"] = "" if value is None else f"{value / 100:.2f}".replace(".", ",")
        elif value is None:
            form[key] = ""
        elif isinstance(value, list):
            form[key] = value
        elif isinstance(value, bool):
            if value:
                form[key] = "on"
        else:
            form[key] = str(value)
    return form


def block_form(block, business):
    """The edit form as the console shows it for `block`."""
    tz = business.tzinfo
    return {
        "starts_at": block.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": block.ends_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "released_at": block.released_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "place_name": block.place_name,
        "address": block.address,
        "latitude": "" if block.latitude is None else str(block.latitude),
        "longitude": "" if block.longitude is None else str(block.longitude),
        "capacity": str(block.capacity),
        "reward": "25,00",
        "reward_points": str(block.reward_points),
        "min_reliability": str(block.min_reliability),
    }


@pytest.mark.parametrize(("bad", "fields"), BAD_BLOCKS)
def test_a_new_block_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, bad, fields
):
    SkillFactory(business=business, slug="bike-repair")
    body = {"program_id": program.pk, **BLOCK, **bad}

    on_api = staff_api.post("/api/v1/blocks/", body)
    on_page = staff_en.post(url(business, "manage_block_create"), as_form(body))

    assert_same_errors(on_api, on_page, expected=fields)
    assert not Block.objects.exists()


# An edit keeps what it does not send: the missing half of a place is one sent empty.
BAD_EDITS = [
    ({"longitude": None, **bad}, fields) if "latitude" in bad else (bad, fields)
    for bad, fields in BAD_BLOCKS
]


@pytest.mark.parametrize(("bad", "fields"), BAD_EDITS)
def test_an_edit_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, bad, fields
):
    block = BlockFactory(program=program, capacity=2)
    body = dict(bad)

    on_api = staff_api.patch(f"/api/v1/blocks/{block.pk}", body)
    on_page = staff_en.post(
        url(business, "manage_block_edit", block_id=block.pk),
        {**block_form(block, business), **as_form(body)},
    )

    assert_same_errors(on_api, on_page, expected=fields)
    block.refresh_from_db()
    assert (block.capacity, block.sequence) == (2, 0)


# An emptied box on the edit form is a null on the API's PATCH: refused for a field that
# needs a value (it used to fall back to the default and save: capacity 1, no reward).
EMPTIED = [
    ({"capacity": None}, {"capacity"}),
    ({"reward_points": None}, {"reward_points"}),
    ({"min_reliability": None}, {"min_reliability"}),
    # the reward: an emptied box is not "no reward" (the form shows 0,00 for that)
    ({"reward_minor": None}, {"reward_minor"}),
    ({"starts_at": None}, {"starts_at"}),
    (
        {"capacity": None, "reward_minor": None, "min_reliability": None},
        {"capacity", "reward_minor", "min_reliability"},
    ),
]


@pytest.mark.parametrize(("emptied", "fields"), EMPTIED)
def test_an_emptied_box_is_refused_like_a_null_on_both_paths(
    staff_api, staff_en, business, program, emptied, fields
):
    block = BlockFactory(program=program, capacity=4, reward_points=7, min_reliability=50)

    on_api = staff_api.patch(f"/api/v1/blocks/{block.pk}", emptied)
    on_page = staff_en.post(
        url(business, "manage_block_edit", block_id=block.pk),
        {**block_form(block, business), **as_form(emptied)},
    )

    assert_same_errors(on_api, on_page, expected=fields)
    assert {message for e in on_api.json()["errors"] for message in [e["message"]]} == {
        "This field is required."
    }
    block.refresh_from_db()
    assert (block.capacity, block.reward_points, block.min_reliability, block.sequence) == (
        4,
        7,
        50,
        0,
    )


def test_emptied_optional_boxes_clear_their_value_on_both_paths(
    staff_api, staff_en, business, program
):
    """A field that may be empty (a distance limit, a check-in radius, "claimable from") is
    cleared by an emptied box, as by a null on the API."""
    on_api_block = BlockFactory(program=program, max_distance_km=10, check_in_radius_m=200)
    on_page_block = BlockFactory(program=program, max_distance_km=10, check_in_radius_m=200)
    cleared = {"max_distance_km": None, "check_in_radius_m": None}

    on_api = staff_api.patch(f"/api/v1/blocks/{on_api_block.pk}", cleared)
    on_page = staff_en.post(
        url(business, "manage_block_edit", block_id=on_page_block.pk),
        {**block_form(on_page_block, business), "max_distance_km": "", "check_in_radius_m": ""},
    )

    assert on_api.status_code == 200, on_api.content
    assert on_page.status_code == 302, form_errors(on_page)
    for block in (on_api_block, on_page_block):
        block.refresh_from_db()
        assert (block.max_distance_km, block.check_in_radius_m) == (None, None)


def test_an_empty_reward_box_on_a_new_block_is_no_reward_as_a_key_left_out(
    staff_api, staff_en, business, program
):
    body = {"program_id": program.pk, **BLOCK}

    on_api = staff_api.post("/api/v1/blocks/", body)
    on_page = staff_en.post(url(business, "manage_block_create"), {**as_form(body), "reward": ""})

    assert on_api.status_code == 201, on_api.content
    assert on_page.status_code == 302, form_errors(on_page)
    assert [b.reward_minor for b in Block.objects.order_by("pk")] == [0, 0]


def test_a_capacity_below_the_seats_taken_is_refused_alike(staff_api, staff_en, business, program):
    block = BlockFactory(program=program, capacity=2)
    for _ in range(2):
        Claim.objects.create(
            business=business,
            block=block,
            peer=PeerFactory(business=business),
            starts_at=block.starts_at,
            ends_at=block.ends_at,
        )
    Block.objects.filter(pk=block.pk).update(seats_taken=2)
    block.refresh_from_db()

    on_api = staff_api.patch(f"/api/v1/blocks/{block.pk}", {"capacity": 1})
    on_page = staff_en.post(
        url(business, "manage_block_edit", block_id=block.pk),
        {**block_form(block, business), "capacity": "1"},
    )

    assert_same_errors(on_api, on_page, expected={"capacity"})
    block.refresh_from_db()
    assert block.capacity == 2


def test_an_old_block_keeps_its_start_when_edited_on_both_paths(
    staff_api, staff_en, business, program
):
    """The date window is for a new start: a block that happened a month ago can still have
    its reward corrected."""
    month_ago = timezone.now().replace(microsecond=0) - timedelta(days=30)
    block = BlockFactory(
        program=program, starts_at=month_ago, ends_at=month_ago + timedelta(hours=2)
    )

    on_api = staff_api.patch(f"/api/v1/blocks/{block.pk}", {"reward_points": 7})
    on_page = staff_en.post(
        url(business, "manage_block_edit", block_id=block.pk),
        {**block_form(block, business), "reward_points": "8"},
    )

    assert on_api.status_code == 200, on_api.content
    assert on_page.status_code == 302, form_errors(on_page)
    block.refresh_from_db()
    # (the console's form shows minutes: the start is kept to the minute)
    assert (block.reward_points, block.starts_at) == (8, month_ago.replace(second=0))


# --- recurring series ----------------------------------------------------------------------

SERIES = {
    "rrule": "FREQ=WEEKLY;BYDAY=SA;COUNT=4",
    "start_local": "2031-03-15T10:00:00",
    "duration_minutes": 120,
    "capacity": 2,
    "place_name": "Officina",
}

BAD_SERIES = [
    ({"rrule": "FREQ=DAILY"}, {"rrule"}),  # never ends
    ({"rrule": "FREQ=DAILY;COUNT=500"}, {"rrule"}),  # too many
    ({"rrule": "FREQ=SOMETIMES;COUNT=2"}, {"rrule"}),
    ({"rrule": "FREQ=YEARLY;COUNT=20"}, {"rrule"}),  # the last blocks far ahead
    ({"start_local": "2020-03-14T10:00:00"}, {"start_local"}),  # long past
    ({"duration_minutes": 0}, {"duration_minutes"}),
    ({"duration_minutes": 24 * 60 + 1}, {"duration_minutes"}),
    ({"capacity": 40000}, {"capacity"}),
    ({"exdates": ["2031-02-30"]}, {"exdates"}),
    ({"required_skills": ["juggling"]}, {"required_skills"}),
    ({"duration_minutes": 0, "capacity": 0}, {"duration_minutes", "capacity"}),
]


def series_form(body):
    """The recurring form with the advanced rule, as a person fills it in for a body."""
    form = as_form({k: v for k, v in body.items() if k not in ("start_local", "exdates")})
    day, _t, at = body["start_local"].partition("T")
    form.update(first_day=day, start_time=at[:5], exdates=", ".join(body.get("exdates", [])))
    return form


@pytest.mark.parametrize(("bad", "fields"), BAD_SERIES)
def test_a_new_series_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, bad, fields
):
    body = {"program_id": program.pk, **SERIES, **bad}

    on_api = staff_api.post("/api/v1/block-templates/", body)
    on_page = staff_en.post(url(business, "manage_block_template"), series_form(body))

    assert_same_errors(on_api, on_page, expected=fields)
    assert not BlockTemplate.objects.exists() and not Block.objects.exists()


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"capacity": 0}, {"capacity"}),
        ({"min_reliability": 101}, {"min_reliability"}),
        ({"place_name": "x" * 121}, {"place_name"}),
        ({"required_languages": ["xx"]}, {"required_languages"}),
        ({"capacity": 0, "min_reliability": 101}, {"capacity", "min_reliability"}),
    ],
)
def test_a_series_change_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, bad, fields
):
    made = staff_api.post("/api/v1/block-templates/", {"program_id": program.pk, **SERIES})
    template_id = made.json()["template"]["id"]
    block = Block.objects.filter(template_id=template_id).order_by("starts_at").first()

    on_api = staff_api.patch(f"/api/v1/block-templates/{template_id}", bad)
    on_page = staff_en.post(
        url(business, "manage_block_edit", block_id=block.pk),
        {**block_form(block, business), **as_form(bad), "scope": "following"},
    )

    assert_same_errors(on_api, on_page, expected=fields)
    assert {b.capacity for b in Block.objects.filter(template_id=template_id)} == {2}


# --- fairness limits ---------------------------------------------------------------------

LIMITS = {
    "max_hours_per_week": 20,
    "min_rest_minutes": 60,
    "max_future_blocks": 5,
    "forfeit_cutoff_minutes": 60,
}


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"max_hours_per_week": 0}, {"max_hours_per_week"}),
        ({"max_hours_per_week": 81}, {"max_hours_per_week"}),
        ({"min_rest_minutes": -1}, {"min_rest_minutes"}),
        ({"max_future_blocks": "many"}, {"max_future_blocks"}),
        ({"forfeit_cutoff_minutes": 2881}, {"forfeit_cutoff_minutes"}),
        (
            {"max_hours_per_week": 0, "max_future_blocks": 101},
            {"max_hours_per_week", "max_future_blocks"},
        ),
    ],
)
def test_fairness_limits_are_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, bad, fields
):
    on_api = staff_api._send("put", f"/api/v1/programs/{program.pk}/fairness-limits", bad, {})
    on_page = staff_en.post(
        url(business, "manage_fairness_limits", program_id=program.pk),
        as_form({**LIMITS, **bad}),
    )

    assert_same_errors(on_api, on_page, expected=fields)
    assert not FairnessLimits.objects.exists()


# --- cancelling ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "fields"),
    [("   ", {"reason"}), ("", {"reason"}), ("x" * 1001, {"reason"})],
)
def test_a_cancellation_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, reason, fields
):
    block = BlockFactory(program=program)

    on_api = staff_api.post(f"/api/v1/blocks/{block.pk}/cancel", {"reason": reason})
    on_page = staff_en.post(
        url(business, "manage_block_cancel", block_id=block.pk),
        {"reason": reason, "confirm": "on"},
    )

    assert_same_errors(on_api, on_page, form="cancel_form", expected=fields)
    block.refresh_from_db()
    assert block.status == BlockStatus.OPEN


def test_both_paths_speak_italian_to_an_italian(staff_api, staff_client, business, program):
    staff_api.language = "it"
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = {"program_id": program.pk, **BLOCK, "capacity": 0, "ends_at": "2031-08-01T10:00:00"}

    on_api = staff_api.post("/api/v1/blocks/", body)
    on_page = staff_client.post(url(business, "manage_block_create"), as_form(body))

    # the capacity and, judged with the other fields at once, the block's length
    assert_same_errors(on_api, on_page, expected={"capacity", "ends_at"})
    messages = {e["field"]: e["message"] for e in on_api.json()["errors"]}
    assert messages == {
        "capacity": "Inserisci un valore di almeno 1.",
        "ends_at": "Un turno dura al massimo 24 ore.",
    }


# --- the peer's side: the same words in the app and on the API ---------------------------------


def peer_paths(client, business, peer):
    """The peer's API client (their own token, English) and their browser, logged in."""
    from peerarmy.accounts.services import create_peer_token
    from peerarmy.api.tests.conftest import ApiClient

    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return ApiClient(client, raw, language="en"), client


def feedback(browser, business):
    """The peer's blocks page, where a refusal is shown next to its claim."""
    return browser.get(url(business, "my_blocks")).content.decode()


def checkable_claim(peer, program, **block_fields):
    """A claim of `peer` on a block that starts in ten minutes: check-in is open."""
    from peerarmy.scheduling.services import claim_block

    now = timezone.now().replace(microsecond=0)
    block = BlockFactory(
        program=program,
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        released_at=now - timedelta(days=1),
        **block_fields,
    )
    return claim_block(peer, block.pk).value


BAD_POSITIONS = [
    ({"lat": "95", "lon": "11"}, "lat"),
    ({"lat": "44.5", "lon": "181"}, "lon"),
    ({"lat": "north", "lon": "11"}, "lat"),
]


@pytest.mark.parametrize(("position", "field"), BAD_POSITIONS)
@pytest.mark.parametrize("step", ["check-in", "check-out"])
def test_a_position_is_refused_with_the_same_words_on_check_in_and_out(
    client, business, program, peer, position, field, step
):
    claim = checkable_claim(peer, program, check_in_radius_m=200)
    if step == "check-out":
        claim.checked_in_at = timezone.now()
        claim.save(update_fields=["checked_in_at"])
    peer_api, browser = peer_paths(client, business, peer)

    on_api = peer_api.post(f"/api/v1/me/claims/{claim.pk}/{step}", position)
    browser.post(
        url(
            business,
            "claim_check_in" if step == "check-in" else "claim_check_out",
            claim_id=claim.pk,
        ),
        {"latitude": position["lat"], "longitude": position["lon"]},
    )

    (error,) = on_api.json()["errors"]
    assert on_api.status_code == 422 and error["field"] == field
    assert error["message"] in feedback(browser, business)
    claim.refresh_from_db()
    assert claim.checked_out_at is None
    assert (claim.checked_in_at is None) == (step == "check-in")


def test_checking_in_twice_keeps_the_first_time_and_says_so(client, business, program, peer):
    from peerarmy.scheduling.services import check_in

    claim = checkable_claim(peer, program)
    first = check_in(peer, claim)
    again = check_in(peer, claim)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.value.checked_in_at == first.value.checked_in_at


BAD_SWAP_TARGETS = [
    (None, "Choose the peer to offer the block to."),
    ("bruno", "Enter a whole number."),
    ("0", "Enter a value of at least 1."),
    ("999999", "Choose a peer of this army."),
    ("self", "Choose another peer than yourself."),
    ("other business", "Choose a peer of this army."),
]


@pytest.mark.parametrize(("to_peer", "message"), BAD_SWAP_TARGETS)
def test_a_swap_offer_is_refused_with_the_same_words_on_both_paths(
    client, business, other_business, program, peer, to_peer, message
):
    from peerarmy.scheduling.services import claim_block

    claim = claim_block(peer, BlockFactory(program=program).pk).value
    to_peer = {
        "self": str(peer.pk),
        "other business": str(PeerFactory(business=other_business).pk),
    }.get(to_peer, to_peer)
    peer_api, browser = peer_paths(client, business, peer)

    body = {} if to_peer is None else {"peer_id": to_peer}
    on_api = peer_api.post(f"/api/v1/me/claims/{claim.pk}/swap-offers", body)
    browser.post(url(business, "claim_swap_offer", claim_id=claim.pk), {"to_peer": to_peer or ""})

    assert on_api.status_code == 422, on_api.content
    assert [(e["field"], e["message"]) for e in on_api.json()["errors"]] == [("peer_id", message)]
    assert message in feedback(browser, business)
    assert not SwapOffer.objects.exists()


def test_offering_again_answers_with_the_pending_offer_on_both_paths(
    client, business, program, peer
):
    from peerarmy.scheduling.services import claim_block

    bruno = PeerFactory(business=business, display_name="Bruno")
    claim = claim_block(peer, BlockFactory(program=program).pk).value
    peer_api, browser = peer_paths(client, business, peer)
    path = f"/api/v1/me/claims/{claim.pk}/swap-offers"

    first = peer_api.post(path, {"peer_id": bruno.pk})
    again = peer_api.post(path, {"peer_id": bruno.pk})
    browser.post(url(business, "claim_swap_offer", claim_id=claim.pk), {"to_peer": bruno.pk})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert "We offered the block to Bruno." in feedback(browser, business)
    assert SwapOffer.objects.count() == 1


# What the console's "Excused" box and the API's `excused` take: the same values, the same
# refusal (the console used to read anything but "1" as "not excused").
STAFF_RELEASES = [
    ({"excused": "maybe"}, "Enter true or false."),
    ({"excused": ""}, "Enter true or false."),
]


@pytest.mark.parametrize(("body", "message"), STAFF_RELEASES)
def test_a_staff_release_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, program, peer, body, message
):
    from peerarmy.scheduling.services import claim_block

    claim = claim_block(peer, BlockFactory(program=program).pk).value

    on_api = staff_api.post(f"/api/v1/blocks/claims/{claim.pk}/release", body)
    staff_en.post(url(business, "manage_claim_release", claim_id=claim.pk), body)
    page = staff_en.get(url(business, "manage_block", block_id=claim.block_id)).content.decode()

    assert on_api.status_code == 422
    assert [(e["field"], e["message"]) for e in on_api.json()["errors"]] == [("excused", message)]
    assert message in page
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE


@pytest.mark.parametrize(
    ("sent", "excused"),
    [({"excused": "1"}, True), ({"excused": "true"}, True), ({"excused": "0"}, False), ({}, False)],
)
def test_a_staff_release_reads_excused_alike_on_both_paths(
    staff_api, staff_en, business, program, sent, excused
):
    """A late release (within 24 hours) is excused, or counts against the peer, the same
    way whichever path the staff use."""
    from peerarmy.scheduling.services import claim_block

    now = timezone.now()
    claims = [
        claim_block(
            PeerFactory(business=business),
            BlockFactory(
                program=program,
                starts_at=now + timedelta(hours=3 + i),
                ends_at=now + timedelta(hours=4 + i),
                released_at=now - timedelta(days=1),
            ).pk,
        ).value
        for i in range(2)
    ]
    api_body = {k: v in ("1", "true") for k, v in sent.items()}

    on_api = staff_api.post(f"/api/v1/blocks/claims/{claims[0].pk}/release", api_body)
    on_page = staff_en.post(url(business, "manage_claim_release", claim_id=claims[1].pk), sent)

    assert on_api.status_code == 200, on_api.content
    assert on_page.status_code == 302
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.RELEASED and claim.released_late
    assert ReliabilityEvent.objects.count() == (0 if excused else 2)


def test_a_new_block_is_for_a_program_that_schedules_blocks_by_default(staff_en, business):
    from peerarmy.programs.models import ProgramKind, ProgramStatus
    from peerarmy.tenancy.tests.factories import ProgramFactory

    ProgramFactory(business=business, kind=ProgramKind.CHIP_IN, title_it="Aaa", title_en="Aaa")
    ProgramFactory(business=business, kind=ProgramKind.DELIVERY, status=ProgramStatus.DRAFT)
    deliveries = ProgramFactory(business=business, kind=ProgramKind.DELIVERY, title_en="Rounds")

    page = staff_en.get(url(business, "manage_block_create"))

    assert page.context["form"]["program"].value() == deliveries.pk
