"""Matching's changes go through one input on the console (or the peer's pages) and on the API:
the same bad input is refused on both paths, naming the same fields with the same words, and
nothing is saved. A program's settings (`MatchingSettingsInput`, its lists typed one line an
item on the console), a peer's offer with their weekly slots (`MatchingProfileInput`), days
off (`DayOffInput`) and the reasons to decline or cancel (`MatchReasonInput`), a peer's own
match included."""

from datetime import date, time

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.tests.conftest import ApiClient
from peerarmy.matching import services
from peerarmy.matching.models import (
    CancelledBy,
    DayOff,
    Match,
    MatchingSettings,
    MatchRequest,
    MatchStatus,
    RequestStatus,
    WeeklyAvailability,
)
from peerarmy.matching.tests.factories import confirmed_request, matching_program, offering_peer
from peerarmy.programs.models import ProgramKind
from peerarmy.web.tests.paired import api_errors, assert_same_errors

pytestmark = pytest.mark.django_db

M = "/api/v1/businesses/bicigialla/matching"
NEAR = (44.4960, 11.3450)


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def layover(business):
    return matching_program(business, ProgramKind.LAYOVER)


@pytest.fixture
def owner_en(client, owner):
    return english(client, owner)


@pytest.fixture
def owner_api(client, business, owner):
    _token, raw = create_token(business=business, actor=owner).value
    return ApiClient(client, raw, language="en")


# --- a program's settings ----------------------------------------------------------------------

SETTINGS_PAGE = {
    "interests": "cycling | Ciclismo | Cycling",
    "airports": "BLQ | Bologna Marconi | 44.5354 | 11.2887",
    "perks": "Biglietto del treno | Train ticket | 5,50",
    "meeting_minutes": "90",
    "min_free_minutes": "300",
    "max_group_size": "4",
    "max_distance_km": "",
    "answer_within_hours": "6",
    "per_day": "2",
    "weight_distance": "10",
    "weight_interest": "40",
    "weight_language": "30",
    "weight_reliability": "30",
    "weight_rating": "20",
    "weight_fairness": "50",
}

# (what the console types, what the API sends, the fields at fault)
BAD_SETTINGS = [
    ({"meeting_minutes": "5"}, {"meeting_minutes": 5}, {"meeting_minutes"}),
    ({"weight_distance": "-1"}, {"weight_distance": -1}, {"weight_distance"}),
    ({"per_day": "many"}, {"per_day": "many"}, {"per_day"}),
    ({"max_distance_km": "20001"}, {"max_distance_km": 20001}, {"max_distance_km"}),
    (
        {"interests": "a b | Uno | One"},
        {"interests": [{"slug": "a b", "name_it": "Uno", "name_en": "One"}]},
        {"interests"},
    ),
    (
        {"interests": "art | Arte | Art\nART | Arte | Art"},
        {"interests": [{"slug": "art", "name_it": "Arte"}, {"slug": "ART", "name_it": "Arte"}]},
        {"interests"},
    ),
    (
        {"interests": f"art | {'x' * 81} | Art"},
        {"interests": [{"slug": "art", "name_it": "x" * 81, "name_en": "Art"}]},
        {"interests"},
    ),
    (
        {"perks": " |  | 1,00"},
        {"perks": [{"name_it": "", "name_en": "", "amount_minor": 100}]},
        {"perks"},
    ),
    (
        {"airports": "BLQ | Bologna | 95 | 11"},
        {"airports": [{"code": "BLQ", "name": "Bologna", "lat": 95, "lon": 11}]},
        {"airports"},
    ),
    (
        {"airports": "TOOLONGCODE | Far away"},
        {"airports": [{"code": "TOOLONGCODE", "name": "Far away"}]},
        {"airports"},
    ),
    (
        {"airports": "B1Q | Bologna"},
        {"airports": [{"code": "B1Q", "name": "Bologna"}]},
        {"airports"},
    ),
    (
        {"airports": "BOLOGNA | Bologna"},
        {"airports": [{"code": "BOLOGNA", "name": "Bologna"}]},
        {"airports"},
    ),
    (
        {"meeting_minutes": "2000", "answer_within_hours": "0", "interests": "a/b | X | X"},
        {"meeting_minutes": 2000, "answer_within_hours": 0, "interests": [{"slug": "a/b"}]},
        {"meeting_minutes", "answer_within_hours", "interests"},
    ),
]


@pytest.mark.parametrize(("page", "body", "fields"), BAD_SETTINGS)
def test_settings_are_refused_alike_on_both_paths(
    owner_en, owner_api, business, layover, page, body, fields
):
    before = MatchingSettings.objects.get(program=layover)

    on_api = owner_api.patch(f"{M}/programs/{layover.pk}/settings", body)
    on_page = owner_en.post(
        url(business, "manage_matching_settings", program_id=layover.pk),
        {**SETTINGS_PAGE, **page},
    )

    assert_same_errors(on_api, on_page, expected=fields)
    after = MatchingSettings.objects.get(program=layover)
    assert (after.interests, after.perks, after.airports) == (
        before.interests,
        before.perks,
        before.airports,
    )
    assert (after.meeting_minutes, after.per_day) == (before.meeting_minutes, before.per_day)


def test_a_line_is_named_alike_on_both_paths(owner_en, owner_api, business, layover):
    on_api = owner_api.patch(
        f"{M}/programs/{layover.pk}/settings",
        {"interests": [{"slug": "art", "name_it": "Arte"}, {"slug": "a b", "name_it": "X"}]},
    )
    on_page = owner_en.post(
        url(business, "manage_matching_settings", program_id=layover.pk),
        {**SETTINGS_PAGE, "interests": "art | Arte\n\na b | X"},
    )

    assert_same_errors(on_api, on_page)
    assert api_errors(on_api) == {
        "interests": ["Line 2: use letters, digits and hyphens for the code."]
    }


def test_an_airports_code_has_3_or_4_letters_as_the_help_says(
    owner_en, owner_api, business, layover
):
    on_api = owner_api.patch(
        f"{M}/programs/{layover.pk}/settings",
        {"airports": [{"code": "blq"}, {"code": "lipe"}, {"code": "BO", "name": "Bo"}]},
    )
    on_page = owner_en.post(
        url(business, "manage_matching_settings", program_id=layover.pk),
        {**SETTINGS_PAGE, "airports": "blq | \nlipe | \nBO | Bo"},
    )

    assert_same_errors(on_api, on_page)
    assert api_errors(on_api) == {
        "airports": ["Line 3: Give the airport's code in 3 or 4 letters, such as BLQ."]
    }


def test_the_default_meeting_point_needs_both_coordinates(owner_api, layover):
    """The console does not set the meeting point; the API's rule is the input's."""
    response = owner_api.patch(f"{M}/programs/{layover.pk}/settings", {"latitude": 44.5})

    assert api_errors(response) == {"latitude": ["Give both latitude and longitude, or neither."]}


# --- the peer's offer --------------------------------------------------------------------------


@pytest.fixture
def guides(business):
    return matching_program(business)


@pytest.fixture
def local(business, guides):
    return offering_peer(business, at=NEAR, slots=[(0, time(9), time(13))])


@pytest.fixture
def local_en(client, local):
    return english(client, local.user)


@pytest.fixture
def local_api(client, business, local):
    _token, raw = create_peer_token(
        business=business, peer_user=local.user, data=TokenInput(name="Phone")
    ).value
    return ApiClient(client, raw, language="en")


def profile_page(rows, **fields):
    """The availability page's form as a browser posts it: the offer, then the slot rows."""
    data = {"accepting": "on", "max_per_week": "2", "interests": ["cycling"], **fields}
    data.update({"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0"})
    for i, (weekday, starts, ends) in enumerate(rows):
        data.update({f"form-{i}-weekday": weekday, f"form-{i}-starts": starts})
        data[f"form-{i}-ends"] = ends
    return data


def profile_body(rows, **fields):
    body = {"accepting": True, "max_per_week": 2, "interests": ["cycling"], **fields}
    body["slots"] = [{"weekday": int(d), "starts": s, "ends": e} for d, s, e in rows]
    return body


BAD_PROFILES = [
    ([("1", "12:00", "11:00")], {}, {"slots"}),
    ([("1", "10:00", "12:00"), ("1", "11:00", "13:00")], {}, {"slots"}),
    ([("2", "10:00", "12:00"), ("2", "18:00", "18:00")], {}, {"slots"}),
    ([], {"max_per_week": 22}, {"max_per_week"}),
    ([], {"max_per_week": "lots"}, {"max_per_week"}),
    ([], {"interests": ["knitting"]}, {"interests"}),
    ([("1", "12:00", "11:00")], {"max_per_week": -1}, {"slots", "max_per_week"}),
]


@pytest.mark.parametrize(("rows", "fields", "at_fault"), BAD_PROFILES)
def test_a_profile_is_refused_alike_on_both_paths(
    local_en, local_api, business, local, rows, fields, at_fault
):
    page_fields = {k: str(v) if not isinstance(v, list) else v for k, v in fields.items()}

    on_api = local_api._send("put", "/api/v1/me/matching", profile_body(rows, **fields), {})
    on_page = local_en.post(url(business, "me_matching"), profile_page(rows, **page_fields))

    assert_same_errors(on_api, on_page, form="profile_form", expected=at_fault)
    local.matching.refresh_from_db()
    assert (local.matching.max_per_week, local.matching.interests) == (3, ["cycling"])
    assert WeeklyAvailability.objects.filter(peer=local).count() == 1


BAD_DAYS_OFF = [
    ({"first": "2031-08-15", "last": "2031-08-01"}, {"last"}),
    ({"first": "2031-01-01", "last": "2032-06-01"}, {"last"}),
    ({"first": "15/08/2031", "last": "2031-08-16"}, {"first"}),
    ({"first": "1031-08-15", "last": "2031-08-16"}, {"first"}),
    ({"first": "2031-08-15", "last": "2031-08-16", "note": "x" * 121}, {"note"}),
    ({"note": "y" * 121}, {"first", "note"}),
    ({"last": "2031-08-16"}, {"first"}),
]


@pytest.mark.parametrize(("body", "fields"), BAD_DAYS_OFF)
def test_days_off_are_refused_alike_on_both_paths(local_en, local_api, business, body, fields):
    on_api = local_api.post("/api/v1/me/matching/days-off", body)
    on_page = local_en.post(url(business, "me_day_off_add"), body)

    assert_same_errors(on_api, on_page, form="day_off_form", expected=fields)
    assert not DayOff.objects.exists()


# --- reasons -------------------------------------------------------------------------------------


def page_errors(response):
    return sorted(str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error")


def test_a_too_long_reason_to_decline_is_refused_alike(
    local_en, local_api, business, guides, local
):
    match = Match.objects.get(request=confirmed_request(guides), peer=local)
    body = {"reason": "r" * 301}

    on_api = local_api.post(f"/api/v1/me/proposals/{match.pk}/decline", body)
    on_page = local_en.post(url(business, "me_match_decline", match_id=match.pk), body)

    assert api_errors(on_api) == {"reason": page_errors(on_page)}
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED


@pytest.mark.parametrize("what", ["match", "request"])
def test_a_too_long_reason_to_cancel_is_refused_alike(owner_en, owner_api, business, guides, what):
    offering_peer(business, at=NEAR)
    match_request = confirmed_request(guides)
    match = Match.objects.get(request=match_request)
    if what == "match":
        api_path = f"{M}/matches/{match.pk}/cancel"
        page = url(business, "manage_match_cancel", match_id=match.pk)
    else:
        api_path = f"{M}/requests/{match_request.pk}/cancel"
        page = url(business, "manage_match_request_cancel", request_id=match_request.pk)
    body = {"reason": "r" * 301}

    on_api = owner_api.post(api_path, body)
    on_page = owner_en.post(page, body)

    assert api_errors(on_api) == {"reason": page_errors(on_page)}
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED
    assert MatchRequest.objects.get(pk=match_request.pk).status == RequestStatus.PROPOSED


def test_a_single_day_off_is_the_same_on_both_paths(local_en, local_api, business, local):
    """Without a last day, the first is the only one: the input's rule, on both paths."""
    on_api = local_api.post("/api/v1/me/matching/days-off", {"first": "2031-08-15"})
    on_page = local_en.post(url(business, "me_day_off_add"), {"first": "2031-09-01", "last": ""})

    assert on_api.status_code == 201, on_api.content
    assert on_page.status_code == 302
    assert sorted(DayOff.objects.filter(peer=local).values_list("first", "last")) == [
        (date(2031, 8, 15), date(2031, 8, 15)),
        (date(2031, 9, 1), date(2031, 9, 1)),
    ]


# --- a peer cancels their own match ---------------------------------------------------------------


@pytest.fixture
def accepted(guides, local):
    match = Match.objects.get(request=confirmed_request(guides), peer=local)
    return services.accept(local, match).value


def test_a_too_long_reason_to_cancel_ones_own_match_is_refused_alike(
    local_en, local_api, business, accepted
):
    body = {"reason": "r" * 301}

    on_api = local_api.post(f"/api/v1/me/matches/{accepted.pk}/cancel", body)
    on_page = local_en.post(url(business, "me_match_cancel", match_id=accepted.pk), body)

    assert api_errors(on_api) == {"reason": page_errors(on_page)}
    assert page_errors(on_page) == ["Use at most 300 characters."]
    accepted.refresh_from_db()
    assert (accepted.status, accepted.decline_reason) == (MatchStatus.ACCEPTED, "")


def test_a_proposal_is_declined_not_cancelled_alike(local_en, local_api, business, guides, local):
    proposal = Match.objects.get(request=confirmed_request(guides), peer=local)

    on_api = local_api.post(f"/api/v1/me/matches/{proposal.pk}/cancel", {"reason": "Busy"})
    on_page = local_en.post(
        url(business, "me_match_cancel", match_id=proposal.pk), {"reason": "Busy"}
    )

    assert on_api.status_code == 409
    assert [on_api.json()["detail"]] == page_errors(on_page) == ["Decline the proposal instead."]
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED


@pytest.mark.parametrize("path", ["api", "page"])
def test_a_peer_cancels_their_own_match_alike(local_en, local_api, business, accepted, path):
    if path == "api":
        response = local_api.post(f"/api/v1/me/matches/{accepted.pk}/cancel", {"reason": "Ill"})
        assert response.status_code == 200, response.content
        assert response.json()["cancelled_by"] == "peer"
    else:
        response = local_en.post(
            url(business, "me_match_cancel", match_id=accepted.pk), {"reason": "Ill"}
        )
        assert response.status_code == 302

    accepted.refresh_from_db()
    assert (accepted.status, accepted.cancelled_by, accepted.decline_reason) == (
        MatchStatus.CANCELLED,
        CancelledBy.PEER,
        "Ill",
    )
