"""Matching through the API: the staff follow requests, run the matcher and read every run's
results with the reasons in words, complete and cancel matches and tune a program's settings;
a peer's own token sets their availability and answers proposals, and sees who the consumer
is only once they accept. Another business's
ids answer 404, each kind of token reaches only its own side, bad input a problem naming the
field, never a 500."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.matching import selectors, services
from peerarmy.matching.models import (
    DayOff,
    Match,
    MatchingSettings,
    MatchRequest,
    MatchRun,
    MatchStatus,
    RequestStatus,
    WeeklyAvailability,
)
from peerarmy.matching.tests.factories import (
    confirmed_request,
    days_off_for,
    matching_program,
    next_monday,
    offering_peer,
    open_request,
    submitted_request,
)
from peerarmy.notifications.models import OutboxMessage
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards.models import Transaction
from peerarmy.tenancy.tests.factories import ProgramFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

M = "/api/v1/businesses/bicigialla/matching"
ME = "/api/v1/me"


class EnglishApiClient(ApiClient):
    def _headers(self, extra):
        return {"HTTP_ACCEPT_LANGUAGE": "en", **super()._headers(extra)}


def put(api, url, body):
    return api._send("put", url, body, {})


def peer_client(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    return EnglishApiClient(client, raw)


def refused(response, status, code, fields=()):
    assert response.status_code == status, response.content
    assert problem_fields(response) == list(fields)
    assert response.json()["code"] == code
    return response.json()


@pytest.fixture
def api(client, raw_token):
    return EnglishApiClient(client, raw_token)


@pytest.fixture
def owner_api(client, business, owner):
    _token, raw = create_token(
        business=business, actor=owner, data=TokenInput(name="Owner's laptop")
    ).value
    return EnglishApiClient(client, raw)


@pytest.fixture
def guides(business):
    return matching_program(business)


@pytest.fixture
def anna(business, guides):
    # after the program: a peer's interests are the ones its programs list
    return offering_peer(business, display_name="Anna")


@pytest.fixture
def anna_api(client, business, anna):
    return peer_client(client, business, anna)


def proposed(match_request):
    return Match.objects.get(request=match_request, status=MatchStatus.PROPOSED)


def on_day(business, day, **fields):
    """A request's fields for `day` days after next Monday, 10:00 to 14:00: a peer takes one
    match a day."""
    start = next_monday(business, 10) + timedelta(days=day)
    return {"starts_at": start, "ends_at": start + timedelta(hours=4), **fields}


def held_in_the_past(match_request):
    """The match of `match_request`, accepted, its meeting over."""
    match = proposed(match_request)
    services.accept(match.peer, match)
    past = timezone.now() - timedelta(hours=3)
    Match.objects.filter(pk=match.pk).update(meets_at=past, ends_at=past + timedelta(hours=2))
    match.refresh_from_db()
    return match


# --- requests, for the staff ---------------------------------------------------------------


def test_the_staff_list_requests_by_program_and_status(api, business, guides, anna):
    found = confirmed_request(guides, name="Jane Traveller")
    submitted_request(guides, email="tom@example.org")
    other_program = matching_program(business)
    confirmed_request(other_program, email="lou@example.org")

    everything = api.get(f"{M}/requests").json()
    of_guides = api.get(f"{M}/requests", {"program": guides.pk}).json()
    unconfirmed = api.get(f"{M}/requests", {"status": "unconfirmed"}).json()

    assert everything["count"] == 3
    assert of_guides["count"] == 2
    assert [r["email"] for r in unconfirmed["results"]] == ["tom@example.org"]
    row = next(r for r in of_guides["results"] if r["id"] == found.pk)
    assert row["name"] == "Jane Traveller"
    assert row["status"] == "proposed"
    assert row["program"] == {"id": guides.pk, "title": guides.title_en}
    assert row["languages"] == ["en"]
    # the token is the consumer's key to the request: never shown, not even to staff
    assert "token" not in row
    assert found.token not in str(everything)


def test_the_request_list_costs_the_same_queries_however_long(api, business, guides, anna):
    confirmed_request(guides)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{M}/requests").status_code == 200
        return len(ctx.captured_queries)

    queries()  # a token records its use at most once a minute: not part of the list
    few = queries()
    for n in range(4):
        submitted_request(guides, email=f"guest{n}@example.org")
    assert queries() == few


def test_a_request_shows_every_proposal_and_why_in_words(api, business, guides, anna):
    match_request = confirmed_request(guides)

    body = api.get(f"{M}/requests/{match_request.pk}").json()

    assert body["status"] == "proposed"
    assert body["unmatched"] == ""
    [match] = body["matches"]
    assert match["peer"] == {"id": anna.pk, "display_name": "Anna"}
    assert match["status"] == "proposed"
    assert match["explanation"]
    assert set(match["components"]) >= {"distance", "language", "fairness"}
    assert match["cost"] == sum(match["components"].values())


def test_a_request_nobody_can_take_says_why_as_a_code_and_in_words(api, guides, anna):
    match_request = confirmed_request(guides, languages=["ja"])

    body = api.get(f"{M}/requests/{match_request.pk}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["status"] == "open"
    assert body["matches"] == []
    assert body["unmatched_reason"] == "no_language"
    assert body["unmatched"]


def test_the_staff_cancel_a_request_and_its_peer_is_told(api, guides, anna):
    match_request = confirmed_request(guides)
    outbox = OutboxMessage.objects.filter(recipient=anna.user.email).count()

    response = api.post(f"{M}/requests/{match_request.pk}/cancel", {"reason": "Storm warning"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["matches"][0]["status"] == "cancelled"
    assert body["matches"][0]["cancelled_by"] == "staff"
    assert OutboxMessage.objects.filter(recipient=anna.user.email).count() == outbox + 1
    again = api.post(f"{M}/requests/{match_request.pk}/cancel")
    refused(again, 409, "invalid_transition")


# --- runs ----------------------------------------------------------------------------------


def test_running_now_proposes_and_answers_the_run_with_its_results(api, staff, guides, anna):
    match_request = open_request(guides)
    lost = open_request(guides, email="ken@example.org", languages=["ja"])

    response = api.post(f"{M}/programs/{guides.pk}/runs")

    assert response.status_code == 201, response.content
    run = response.json()
    assert run["trigger"] == "staff"
    assert run["started_by"] == (staff.get_full_name() or staff.email)
    assert (run["requests"], run["matched"], run["unmatched"]) == (2, 1, 1)
    by_request = {r["request_id"]: r for r in run["results"]}
    won = by_request[match_request.pk]
    assert won["peer"] == {"id": anna.pk, "display_name": "Anna"}
    assert won["explanation"] and won["unmatched_reason"] == ""
    assert won["cost"] == sum(won["components"].values())
    nobody = by_request[lost.pk]
    assert nobody["peer"] is None
    assert nobody["unmatched_reason"] == "no_language"
    assert nobody["unmatched"]
    assert run["loads"][0]["peer_id"] == anna.pk
    assert (run["loads"][0]["before"], run["loads"][0]["after"]) == (0, 1)
    assert run["gini"] is not None
    assert set(run["weights"]) >= {"distance", "fairness"}
    assert proposed(match_request).peer == anna


def test_runs_are_listed_newest_first_and_read_back(api, business, guides, anna):
    layover = matching_program(business, kind=ProgramKind.LAYOVER)
    first = api.post(f"{M}/programs/{guides.pk}/runs").json()
    second = api.post(f"{M}/programs/{layover.pk}/runs").json()

    everything = api.get(f"{M}/runs").json()
    of_guides = api.get(f"{M}/runs", {"program": guides.pk}).json()
    detail = api.get(f"{M}/runs/{first['id']}").json()

    assert [r["id"] for r in everything["results"]] == [second["id"], first["id"]]
    assert [r["id"] for r in of_guides["results"]] == [first["id"]]
    assert detail == first


def test_a_program_that_does_not_match_cannot_be_run(api, business):
    deliveries = ProgramFactory(business=business)

    refused(api.post(f"{M}/programs/{deliveries.pk}/runs"), 404, "not_a_matching_program")
    refused(api.get(f"{M}/programs/{deliveries.pk}/settings"), 404, "not_a_matching_program")
    assert not MatchRun.objects.exists()


# --- matches, for the staff ----------------------------------------------------------------


def test_the_staff_complete_a_match_and_the_perks_are_posted(api, business, anna):
    layover = matching_program(business, kind=ProgramKind.LAYOVER)
    arrival = next_monday(business, 8)
    match_request = confirmed_request(
        layover,
        airport="BLQ",
        arrival=arrival,
        departure=arrival + timedelta(hours=9),
        starts_at=None,
        ends_at=None,
    )
    match = held_in_the_past(match_request)

    response = api.post(f"{M}/matches/{match.pk}/complete")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert response.json()["perks"] == ["Train ticket", "First drink"]
    perks = Transaction.objects.get(business=business, key=f"match.perks:{match.pk}")
    assert perks.peer_id == anna.pk
    again = api.post(f"{M}/matches/{match.pk}/complete")
    refused(again, 409, "invalid_transition")


def test_a_proposal_cannot_be_completed(api, guides, anna):
    match = proposed(confirmed_request(guides))

    refused(api.post(f"{M}/matches/{match.pk}/complete"), 409, "invalid_transition")
    assert Match.objects.get(pk=match.pk).status == MatchStatus.PROPOSED


def test_the_staff_cancel_a_match_and_the_request_goes_to_another_peer(api, business, guides, anna):
    match = proposed(confirmed_request(guides))
    bruno = offering_peer(business, display_name="Bruno")

    response = api.post(f"{M}/matches/{match.pk}/cancel", {"reason": "Anna is ill"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by"] == "staff"
    assert proposed(match.request).peer == bruno


# --- settings ------------------------------------------------------------------------------


def test_staff_read_the_settings_and_only_the_owner_changes_them(api, owner_api, guides):
    before = api.get(f"{M}/programs/{guides.pk}/settings").json()
    refused(
        api.patch(f"{M}/programs/{guides.pk}/settings", {"weight_fairness": 0}),
        403,
        "permission_denied",
    )

    response = owner_api.patch(
        f"{M}/programs/{guides.pk}/settings",
        {
            "meeting_minutes": 90,
            "weight_fairness": 50,
            "interests": [{"slug": "Wine", "name_it": "Vino"}],
            "perks": [{"name_en": "Gelato", "amount_minor": 350}],
        },
    )

    assert response.status_code == 200, response.content
    after = response.json()
    assert before["meeting_minutes"] == 120
    assert after["program_id"] == guides.pk
    assert after["meeting_minutes"] == 90
    assert after["weight_fairness"] == 50
    assert after["weight_distance"] == before["weight_distance"]
    assert after["interests"] == [{"slug": "wine", "name_it": "Vino", "name_en": "Vino"}]
    assert after["perks"] == [{"name_it": "Gelato", "name_en": "Gelato", "amount_minor": 350}]


def test_reading_the_settings_saves_nothing_the_first_change_does(api, owner_api, business):
    program = ProgramFactory(business=business, kind=ProgramKind.GUIDES)

    read = api.get(f"{M}/programs/{program.pk}/settings")

    assert read.status_code == 200, read.content
    assert (read.json()["program_id"], read.json()["meeting_minutes"]) == (program.pk, 120)
    assert read.json()["updated_at"] is None
    assert not MatchingSettings.objects.exists()
    changed = owner_api.patch(f"{M}/programs/{program.pk}/settings", {"per_day": 2})
    assert changed.status_code == 200, changed.content
    assert changed.json()["updated_at"] is not None
    assert MatchingSettings.objects.get(program=program).per_day == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"meeting_minutes": 5}, "meeting_minutes"),
        ({"meeting_minutes": None}, "meeting_minutes"),
        ({"weight_distance": -1}, "weight_distance"),
        ({"interests": [{"slug": "a b"}]}, "interests"),
        ({"interests": [{"slug": "art"}, {"slug": "ART"}]}, "interests"),
        ({"perks": [{"amount_minor": 100}]}, "perks"),
        ({"latitude": 44.5}, "latitude"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(owner_api, guides, body, field):
    response = owner_api.patch(f"{M}/programs/{guides.pk}/settings", body)

    refused(response, 422, "validation_failed", [field])
    assert owner_api.get(f"{M}/programs/{guides.pk}/settings").json()["meeting_minutes"] == 120


# --- across businesses and kinds of token --------------------------------------------------


def test_another_businesss_matching_does_not_exist(api, other_api, other_business, guides, anna):
    theirs = matching_program(other_business)
    offering_peer(other_business)
    their_request = confirmed_request(theirs)
    their_match = proposed(their_request)
    their_run = services.run_matching(theirs, trigger=MatchRun.Trigger.SCHEDULE).value
    ours = confirmed_request(guides)
    other = "/api/v1/businesses/lecce-bnb/matching"

    missing = api.get(f"{M}/requests/{10**9}")
    for response in (
        api.get(f"{M}/requests/{their_request.pk}"),
        api.post(f"{M}/requests/{their_request.pk}/cancel"),
        api.get(f"{M}/runs/{their_run.pk}"),
        api.post(f"{M}/programs/{theirs.pk}/runs"),
        api.get(f"{M}/programs/{theirs.pk}/settings"),
        api.patch(f"{M}/programs/{theirs.pk}/settings", {"meeting_minutes": 60}),
        api.post(f"{M}/matches/{their_match.pk}/complete"),
        api.post(f"{M}/matches/{their_match.pk}/cancel"),
        # their business's address with our token, and ours with theirs
        api.get(f"{other}/requests"),
        other_api.get(f"{M}/requests/{ours.pk}"),
        other_api.get(f"{M}/runs"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["code"] == missing.json()["code"] == "not_found"
    assert api.get(f"{M}/requests").json()["count"] == 1
    assert Match.objects.get(pk=their_match.pk).status == MatchStatus.PROPOSED
    assert MatchRun.objects.filter(program=theirs).count() == 2


def test_a_peer_token_cannot_call_the_staff_operations(anna_api, guides):
    match = proposed(confirmed_request(guides))

    for response in (
        anna_api.get(f"{M}/requests"),
        anna_api.post(f"{M}/programs/{guides.pk}/runs"),
        anna_api.post(f"{M}/matches/{match.pk}/cancel"),
        anna_api.patch(f"{M}/programs/{guides.pk}/settings", {"meeting_minutes": 60}),
    ):
        refused(response, 403, "permission_denied")
    assert Match.objects.get(pk=match.pk).status == MatchStatus.PROPOSED


def test_a_staff_token_cannot_call_the_peer_operations(api, guides, anna):
    match = proposed(confirmed_request(guides))

    for response in (
        api.get(f"{ME}/matching"),
        api.get(f"{ME}/proposals"),
        api.post(f"{ME}/proposals/{match.pk}/accept"),
        api.get(f"{ME}/matches"),
    ):
        body = refused(response, 403, "permission_denied")
        assert "peer" in body["detail"]
    assert Match.objects.get(pk=match.pk).status == MatchStatus.PROPOSED


@pytest.mark.parametrize("bad", ["abc", "0", "-1", str(2**63)])
def test_bad_ids_are_refused_naming_the_parameter(api, anna_api, bad):
    refused(api.get(f"{M}/requests/{bad}"), 422, "validation_failed", ["request_id"])
    refused(api.get(f"{M}/runs/{bad}"), 422, "validation_failed", ["run_id"])
    refused(anna_api.post(f"{ME}/proposals/{bad}/accept"), 422, "validation_failed", ["match_id"])
    refused(
        anna_api.delete(f"{ME}/matching/days-off/{bad}"), 422, "validation_failed", ["day_off_id"]
    )


def test_a_body_that_is_not_json_is_refused(api, anna_api, guides):
    refused(
        api._send("patch", f"{M}/programs/{guides.pk}/settings", "{oops", {}), 400, "invalid_json"
    )
    refused(anna_api._send("put", f"{ME}/matching", "[1,", {}), 400, "invalid_json")


# --- the peer's availability ---------------------------------------------------------------


def test_a_peer_reads_their_matching_profile(anna_api, anna, guides):
    body = anna_api.get(f"{ME}/matching").json()

    assert body["accepting"] is True
    assert body["max_per_week"] == 3
    assert body["interests"] == ["cycling"]
    assert {"slug": "food", "name": "food"} in body["interest_choices"]
    assert len(body["slots"]) == 7
    assert body["slots"][0] == {"weekday": 0, "starts": "09:00:00", "ends": "21:00:00"}
    assert body["days_off"] == []
    assert {"language": "it", "level": "native"} in body["languages"]
    assert body["travel_radius_km"] == 10


def test_a_peer_sets_their_profile_and_weekly_slots(anna_api, anna, guides):
    response = put(
        anna_api,
        f"{ME}/matching",
        {
            "accepting": False,
            "max_per_week": 1,
            "interests": ["food", "art"],
            "slots": [
                {"weekday": 5, "starts": "10:00", "ends": "13:00"},
                {"weekday": 5, "starts": "15:00", "ends": "18:30"},
            ],
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepting"], body["max_per_week"]) == (False, 1)
    assert body["interests"] == ["art", "food"]
    assert [(s["weekday"], s["starts"], s["ends"]) for s in body["slots"]] == [
        (5, "10:00:00", "13:00:00"),
        (5, "15:00:00", "18:30:00"),
    ]
    assert WeeklyAvailability.objects.filter(peer=anna).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interests": ["knitting"]}, "interests"),
        ({"max_per_week": 22}, "max_per_week"),
        ({"slots": [{"weekday": 7, "starts": "10:00", "ends": "11:00"}]}, "slots.0.weekday"),
        ({"slots": [{"weekday": 1, "starts": "12:00", "ends": "11:00"}]}, "slots"),
        ({"slots": [{"weekday": 1, "starts": "25:00", "ends": "23:00"}]}, "slots.0.starts"),
        (
            {
                "slots": [
                    {"weekday": 1, "starts": "10:00", "ends": "12:00"},
                    {"weekday": 1, "starts": "11:00", "ends": "13:00"},
                ]
            },
            "slots",
        ),
    ],
)
def test_a_bad_profile_is_refused_naming_the_field_and_nothing_changes(
    anna_api, anna, guides, change, field
):
    body = {"accepting": False, "max_per_week": 1, "interests": [], "slots": [], **change}

    refused(put(anna_api, f"{ME}/matching", body), 422, "validation_failed", [field])
    assert selectors.profile_of(anna).accepting is True
    assert WeeklyAvailability.objects.filter(peer=anna).count() == 7


def test_a_peer_adds_and_removes_days_off(anna_api, anna, business):
    other = offering_peer(business)
    theirs = days_off_for(other, timezone.localdate())

    added = anna_api.post(
        f"{ME}/matching/days-off", {"first": "2031-08-01", "last": "2031-08-15", "note": "Sea"}
    )

    assert added.status_code == 201, added.content
    day_off = added.json()
    assert day_off == {
        "id": day_off["id"],
        "first": "2031-08-01",
        "last": "2031-08-15",
        "note": "Sea",
    }
    assert anna_api.get(f"{ME}/matching").json()["days_off"] == [day_off]
    refused(anna_api.delete(f"{ME}/matching/days-off/{theirs.pk}"), 404, "not_found")
    assert anna_api.delete(f"{ME}/matching/days-off/{day_off['id']}").status_code == 204
    refused(anna_api.delete(f"{ME}/matching/days-off/{day_off['id']}"), 404, "not_found")
    assert list(DayOff.objects.values_list("pk", flat=True)) == [theirs.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first": "2031-08-15", "last": "2031-08-01"}, "last"),
        ({"last": "2031-08-15"}, "first"),
        ({"first": "2031-01-01", "last": "2032-06-01"}, "last"),
        ({"first": "15/08/2031", "last": "2031-08-16"}, "first"),
        ({"first": "1031-08-15", "last": "2031-08-16"}, "first"),
        ({"first": "2031-08-15", "last": "2031-08-16", "note": "x" * 121}, "note"),
    ],
)
def test_bad_days_off_are_refused_naming_the_field(anna_api, body, field):
    refused(anna_api.post(f"{ME}/matching/days-off", body), 422, "validation_failed", [field])
    assert not DayOff.objects.exists()


@pytest.mark.parametrize("last", [{}, {"last": None}])
def test_a_single_day_off_needs_only_its_first_day(anna_api, anna, last):
    """As on the availability page: without a last day, the first is the only one."""
    added = anna_api.post(f"{ME}/matching/days-off", {"first": "2031-08-15", **last})

    assert added.status_code == 201, added.content
    assert (added.json()["first"], added.json()["last"]) == ("2031-08-15", "2031-08-15")
    assert DayOff.objects.get(peer=anna).last.isoformat() == "2031-08-15"


# --- proposals and matches, for the peer ---------------------------------------------------


def test_a_proposal_hides_the_consumer_until_the_peer_accepts(anna_api, guides, anna):
    match_request = confirmed_request(
        guides, name="Jane Traveller", note="Call me on +39 333", accessibility="Step-free"
    )
    match = proposed(match_request)

    listing = anna_api.get(f"{ME}/proposals")
    accepted = anna_api.post(f"{ME}/proposals/{match.pk}/accept")

    assert listing.status_code == 200
    [proposal] = listing.json()["results"]
    assert proposal["id"] == match.pk
    assert proposal["meeting_address"] == "Piazza Maggiore"
    assert proposal["accessibility"] == "Step-free"
    assert proposal["interests"] == ["cycling"]
    assert proposal["explanation"]
    for secret in (b"Jane", b"jane@example.org", b"+39 333"):
        assert secret not in listing.content
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == "accepted"
    assert body["consumer_name"] == "Jane Traveller"
    assert body["consumer_email"] == "jane@example.org"
    assert body["note"] == "Call me on +39 333"
    assert MatchRequest.objects.get(pk=match_request.pk).status == RequestStatus.MATCHED


def test_accepting_twice_answers_a_clear_conflict(anna_api, guides, anna):
    match = proposed(confirmed_request(guides))
    assert anna_api.post(f"{ME}/proposals/{match.pk}/accept").status_code == 200

    again = refused(anna_api.post(f"{ME}/proposals/{match.pk}/accept"), 409, "invalid_transition")

    assert again["detail"] == "This proposal is no longer open."
    assert Match.objects.get(pk=match.pk).status == MatchStatus.ACCEPTED


def test_declining_proposes_the_request_to_another_peer(client, business, guides, anna):
    bruno = offering_peer(business, display_name="Bruno")
    match_request = confirmed_request(guides)
    first = proposed(match_request)
    first_api = peer_client(client, business, first.peer)

    response = first_api.post(f"{ME}/proposals/{first.pk}/decline", {"reason": "Busy"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "declined"
    assert body["consumer_name"] is None
    second = proposed(match_request)
    assert {first.peer, second.peer} == {anna, bruno}
    refused(first_api.post(f"{ME}/proposals/{first.pk}/decline"), 409, "invalid_transition")


def test_a_declined_request_with_nobody_else_stays_open(anna_api, guides, anna):
    match_request = confirmed_request(guides)
    match = proposed(match_request)

    anna_api.post(f"{ME}/proposals/{match.pk}/decline")

    assert MatchRequest.objects.get(pk=match_request.pk).status == RequestStatus.OPEN
    assert not Match.objects.filter(request=match_request, status=MatchStatus.PROPOSED).exists()


def test_another_peers_proposals_and_matches_do_not_exist(client, business, guides, anna):
    match = proposed(confirmed_request(guides))
    intruder = offering_peer(business, display_name="Carla")
    intruder_api = peer_client(client, business, intruder)

    for response in (
        intruder_api.post(f"{ME}/proposals/{match.pk}/accept"),
        intruder_api.post(f"{ME}/proposals/{match.pk}/decline"),
        intruder_api.post(f"{ME}/matches/{match.pk}/cancel"),
        intruder_api.post(f"{ME}/matches/{match.pk}/complete"),
    ):
        refused(response, 404, "not_found")
    assert intruder_api.get(f"{ME}/proposals").json()["count"] == 0
    assert Match.objects.get(pk=match.pk).status == MatchStatus.PROPOSED


def test_a_peers_matches_carry_the_consumers_contact(anna_api, business, guides, anna):
    accepted = proposed(confirmed_request(guides, name="Jane Traveller"))
    services.accept(anna, accepted)
    tom = confirmed_request(guides, **on_day(business, 1, email="tom@example.org", name="Tom"))
    done = held_in_the_past(tom)
    services.complete_own_match(anna, done)
    proposed(confirmed_request(guides, **on_day(business, 2, email="lou@example.org")))

    everything = anna_api.get(f"{ME}/matches").json()
    completed = anna_api.get(f"{ME}/matches", {"status": "completed"}).json()

    assert [m["consumer_name"] for m in everything["results"]] == ["Tom", "Jane Traveller"]
    assert [m["consumer_email"] for m in completed["results"]] == ["tom@example.org"]
    refused(
        anna_api.get(f"{ME}/matches", {"status": "proposed"}), 422, "validation_failed", ["status"]
    )


def test_a_peer_completes_their_match_once_it_is_over(anna_api, guides, anna):
    match = held_in_the_past(confirmed_request(guides))

    response = anna_api.post(f"{ME}/matches/{match.pk}/complete")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert response.json()["consumer_email"] == "jane@example.org"


def test_a_peer_cannot_complete_a_match_before_it_ends(anna_api, guides, anna):
    match = proposed(confirmed_request(guides))
    services.accept(anna, match)

    refused(anna_api.post(f"{ME}/matches/{match.pk}/complete"), 409, "invalid_transition")


def test_a_peer_cancels_an_accepted_match_and_hides_the_contact_again(anna_api, guides, anna):
    match_request = confirmed_request(guides)
    match = proposed(match_request)
    services.accept(anna, match)

    response = anna_api.post(f"{ME}/matches/{match.pk}/cancel", {"reason": "Flu"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["cancelled_by"]) == ("cancelled", "peer")
    assert body["consumer_email"] is None
    # nobody else offers: the request waits for the next run
    assert MatchRequest.objects.get(pk=match_request.pk).status == RequestStatus.OPEN


# --- what stays cheap and documented -------------------------------------------------------


def _queries(api, url):
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_proposals_and_runs_cost_the_same_queries_however_many(
    api, anna_api, business, guides, anna
):
    confirmed_request(guides)
    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value
    open_request(guides, email="ken@example.org", languages=["ja"])
    proposals, run_url = f"{ME}/proposals", f"{M}/runs/{run.pk}"
    _queries(anna_api, proposals)  # a token records its use at most once a minute
    _queries(api, run_url)
    few = (_queries(anna_api, proposals), _queries(api, run_url))

    for day in (1, 2):
        open_request(guides, **on_day(business, day, email=f"guest{day}@example.org"))
    bigger = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value
    run_url = f"{M}/runs/{bigger.pk}"

    assert anna_api.get(proposals).json()["count"] == 3
    assert len(api.get(run_url).json()["results"]) == 3
    assert (_queries(anna_api, proposals), _queries(api, run_url)) == few


def test_the_openapi_document_lists_every_matching_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    base = "/api/v1/businesses/{slug}/matching"

    expected = {
        ("get", f"{base}/requests"),
        ("get", f"{base}/requests/{{request_id}}"),
        ("post", f"{base}/requests/{{request_id}}/cancel"),
        ("post", f"{base}/programs/{{program_id}}/runs"),
        ("get", f"{base}/runs"),
        ("get", f"{base}/runs/{{run_id}}"),
        ("post", f"{base}/matches/{{match_id}}/complete"),
        ("post", f"{base}/matches/{{match_id}}/cancel"),
        ("get", f"{base}/programs/{{program_id}}/settings"),
        ("patch", f"{base}/programs/{{program_id}}/settings"),
        ("get", "/api/v1/me/matching"),
        ("put", "/api/v1/me/matching"),
        ("post", "/api/v1/me/matching/days-off"),
        ("delete", "/api/v1/me/matching/days-off/{day_off_id}"),
        ("get", "/api/v1/me/proposals"),
        ("post", "/api/v1/me/proposals/{match_id}/accept"),
        ("post", "/api/v1/me/proposals/{match_id}/decline"),
        ("get", "/api/v1/me/matches"),
        ("post", "/api/v1/me/matches/{match_id}/complete"),
        ("post", "/api/v1/me/matches/{match_id}/cancel"),
    }
    found = {
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if "/matching" in path or path.startswith(("/api/v1/me/proposals", "/api/v1/me/matches"))
    }

    assert found == expected
    for method, path in expected:
        operation = schema["paths"][path][method]
        assert operation["summary"] and operation["security"]
        assert "application/problem+json" in operation["responses"]["403"]["content"]
