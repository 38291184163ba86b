"""Matching in the console: staff see every request with its local or the reason nobody was
found, run the matcher on demand and read each run (the cost's components, the unmatched, the
fairness spread); the owner sets how a program matches, and a mistyped line is named."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from peerarmy.matching import selectors, services
from peerarmy.matching.inputs import MatchReasonInput
from peerarmy.matching.models import (
    Match,
    MatchingSettings,
    MatchRun,
    MatchStatus,
    RequestStatus,
)
from peerarmy.matching.tests.factories import (
    INTERESTS,
    matching_program,
    offering_peer,
    open_request,
)
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

NEAR = (44.4960, 11.3450)  # 200 m from Piazza Maggiore, where the requests meet


def words(text):
    """Words as a page shows them: escaped, and the first letter may be a capital."""
    return escape(text)[1:]


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def speaking(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def guides(business):
    return matching_program(business)


@pytest.fixture
def layover(business):
    return matching_program(business, ProgramKind.LAYOVER)


@pytest.fixture
def staff_en(client, staff):
    return speaking(client, staff)


@pytest.fixture
def owner_en(client, owner):
    return speaking(client, owner)


def settings_post(**overrides):
    data = {
        "interests": "cycling | Ciclismo | Cycling\nfood | Cibo | Food",
        "airports": "BLQ | Bologna Marconi | 44.5354 | 11.2887",
        "perks": "Biglietto del treno | Train ticket | 5,50\nPrimo drink | First drink | 8",
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
    data.update(overrides)
    return data


# --- requests --------------------------------------------------------------------------------


def test_requests_show_their_local_or_why_nobody_was_found(staff_en, business, guides):
    local = offering_peer(business, at=NEAR, display_name="Giulia")
    found = open_request(guides, name="Jane Traveller")
    lonely = open_request(guides, name="Kenji Sato", languages=["ja"], email="kenji@example.org")
    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE)
    lonely.refresh_from_db()
    assert lonely.unmatched_reason == "no_language"

    page = staff_en.get(url(business, "manage_matching")).content.decode()

    assert "Jane Traveller" in page and "Kenji Sato" in page
    assert local.display_name in page and "Proposed" in page
    assert words(selectors.describe_unmatched(lonely)) in page
    assert url(business, "manage_match_request", request_id=found.pk) in page
    assert url(business, "manage_match_run_now", program_id=guides.pk) in page
    assert url(business, "manage_matching_settings", program_id=guides.pk) in page


def test_requests_filter_by_program_and_status(staff_en, business, guides, layover):
    open_request(guides, name="Jane Traveller")
    page = staff_en.get(
        url(business, "manage_matching"), {"program": layover.pk, "status": "open"}
    ).content.decode()
    assert "Jane Traveller" not in page

    page = staff_en.get(
        url(business, "manage_matching"), {"program": guides.pk, "status": "open"}
    ).content.decode()
    assert "Jane Traveller" in page

    response = staff_en.get(url(business, "manage_matching"), {"program": "x", "status": "?"})
    assert response.status_code == 200, "a bad filter is ignored, not an error"


def test_a_request_page_shows_each_proposal_with_why_and_the_decline_reason(
    staff_en, business, guides
):
    first = offering_peer(business, at=NEAR, display_name="Giulia")
    second = offering_peer(business, at=NEAR, display_name="Marco")
    match_request = open_request(guides)
    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE)
    proposed = Match.objects.get(request=match_request)
    declining = first if proposed.peer_id == first.pk else second
    services.decline(declining, proposed, MatchReasonInput(reason="Away that weekend"))

    page = staff_en.get(
        url(business, "manage_match_request", request_id=match_request.pk)
    ).content.decode()

    assert "Away that weekend" in page
    assert "Giulia" in page and "Marco" in page
    assert words(selectors.describe_match(proposed)) in page
    assert "jane@example.org" in page, "staff see who asked"
    for value in proposed.components.values():
        assert f"<td>{value}</td>" in page


def test_staff_cancel_a_request_and_complete_a_match(staff_en, business, guides):
    local = offering_peer(business, at=NEAR)
    match_request = open_request(guides)
    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE)
    match = Match.objects.get(request=match_request)
    services.accept(local, match)
    ago = timezone.now() - timedelta(hours=3)
    Match.objects.filter(pk=match.pk).update(meets_at=ago, ends_at=ago + timedelta(hours=2))

    response = staff_en.post(url(business, "manage_match_complete", match_id=match.pk))

    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.COMPLETED

    other = open_request(guides, name="Kenji", languages=["ja"], email="k@example.org")
    response = staff_en.post(
        url(business, "manage_match_request_cancel", request_id=other.pk), {"reason": "Spam"}
    )
    other.refresh_from_db()
    assert other.status == RequestStatus.CANCELLED

    response = staff_en.post(
        url(business, "manage_match_request_cancel", request_id=other.pk), follow=True
    )
    assert "This request is already closed." in response.content.decode()


def test_staff_cancel_a_proposal_and_the_request_looks_again(staff_en, business, guides):
    offering_peer(business, at=NEAR)
    match_request = open_request(guides)
    services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE)
    match = Match.objects.get(request=match_request)

    staff_en.post(url(business, "manage_match_cancel", match_id=match.pk), {"reason": "Wrong"})

    match.refresh_from_db()
    assert (match.status, match.cancelled_by) == (MatchStatus.CANCELLED, "staff")
    match_request.refresh_from_db()
    assert match_request.status in (RequestStatus.OPEN, RequestStatus.PROPOSED)


# --- runs ------------------------------------------------------------------------------------


def test_run_now_solves_and_shows_the_run(staff_en, business, guides):
    local = offering_peer(business, at=NEAR, display_name="Giulia")
    match_request = open_request(guides, name="Jane Traveller")
    lonely = open_request(guides, name="Kenji Sato", languages=["ja"], email="k@example.org")

    response = staff_en.post(url(business, "manage_match_run_now", program_id=guides.pk))

    run = MatchRun.objects.get(program=guides)
    assert (run.trigger, run.matched, run.unmatched) == ("staff", 1, 1)
    assert response["Location"] == url(business, "manage_match_run", run_id=run.pk)
    page = staff_en.get(response["Location"]).content.decode()
    match = Match.objects.get(request=match_request)
    assert match.peer_id == local.pk
    assert "Giulia" in page and "Jane Traveller" in page
    for value in match.components.values():
        assert f">{value}</td>" in page
    assert words(selectors.describe_match(match)) in page
    lonely.refresh_from_db()
    assert words(selectors.describe_unmatched(lonely)) in page
    assert "Fairness spread" in page


def test_run_detail_shows_the_loads_before_and_after_and_the_gini(staff_en, business, guides):
    offering_peer(business, at=NEAR, display_name="Giulia")
    offering_peer(business, at=NEAR, display_name="Marco")
    open_request(guides)
    open_request(guides, email="two@example.org", name="Two")
    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value
    assert run.loads, "the run recorded who got what"

    page = staff_en.get(url(business, "manage_match_run", run_id=run.pk)).content.decode()

    for row in run.loads:
        assert row["name"] in page
    assert f"{run.gini:.2f}" in page or f"{run.gini:.2f}".replace(".", ",") in page
    assert "How unevenly the matches were spread" in page
    runs_page = staff_en.get(url(business, "manage_match_runs")).content.decode()
    assert url(business, "manage_match_run", run_id=run.pk) in runs_page


def test_run_now_is_only_for_this_business_matching_programs(staff_en, business, other_business):
    delivery = ProgramFactory(business=business)
    theirs = matching_program(other_business)

    assert (
        staff_en.post(url(business, "manage_match_run_now", program_id=delivery.pk)).status_code
        == 404
    )
    assert (
        staff_en.post(url(business, "manage_match_run_now", program_id=theirs.pk)).status_code
        == 404
    )
    assert not MatchRun.objects.exists()


# --- settings --------------------------------------------------------------------------------


def test_the_owner_saves_the_settings_of_a_layover_program(owner_en, business, layover):
    response = owner_en.post(
        url(business, "manage_matching_settings", program_id=layover.pk), settings_post()
    )

    assert response.status_code == 302
    saved = MatchingSettings.objects.get(program=layover)
    assert saved.interests == [
        {"slug": "cycling", "name_it": "Ciclismo", "name_en": "Cycling"},
        {"slug": "food", "name_it": "Cibo", "name_en": "Food"},
    ]
    assert saved.perks == [
        {"name_it": "Biglietto del treno", "name_en": "Train ticket", "amount_minor": 550},
        {"name_it": "Primo drink", "name_en": "First drink", "amount_minor": 800},
    ]
    assert saved.airports[0]["code"] == "BLQ" and saved.airports[0]["lat"] == 44.5354
    assert (saved.meeting_minutes, saved.min_free_minutes, saved.per_day) == (90, 300, 2)
    assert saved.weight_fairness == 50


def test_the_form_shows_the_settings_as_lines_to_edit(owner_en, business, layover):
    page = owner_en.get(
        url(business, "manage_matching_settings", program_id=layover.pk)
    ).content.decode()

    assert "cycling | Ciclismo | cycling" in page
    assert "Biglietto del treno | Train ticket | 11.00" in page
    assert "BLQ | Bologna" in page
    assert "spread more evenly" in page, "each weight says what it does"


def test_a_mistyped_line_is_named_and_nothing_is_saved(owner_en, business, layover):
    before = MatchingSettings.objects.get(program=layover).interests

    response = owner_en.post(
        url(business, "manage_matching_settings", program_id=layover.pk),
        settings_post(
            interests="cycling | Ciclismo | Cycling\njust one part",
            perks="Drink | Drink | 5,50\nTicket | Ticket | five",
            airports="BLQ | Bologna\nnot an airport",
        ),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 2: write “code | Italian name | English name”." in page
    assert "Line 2: enter the amount such as 5,50 or 5.50 (euros)." in page
    assert "Line 2: write “CODE | name”" in page
    assert MatchingSettings.objects.get(program=layover).interests == before


def test_a_guides_program_has_no_airports_nor_perks_to_set(owner_en, business, guides):
    page = owner_en.get(
        url(business, "manage_matching_settings", program_id=guides.pk)
    ).content.decode()
    assert 'name="airports"' not in page
    # perks are a layover's, paid when its match is completed: a guides program pays none,
    # so it does not offer them either
    assert 'name="perks"' not in page

    data = settings_post(airports="whatever", perks="Caffè | Coffee | 3,00")
    owner_en.post(url(business, "manage_matching_settings", program_id=guides.pk), data)
    saved = MatchingSettings.objects.get(program=guides)
    assert saved.meeting_minutes == 90
    assert saved.perks == []


def test_the_settings_page_saves_nothing_until_the_owner_does(owner_en, business):
    program = ProgramFactory(business=business, kind=ProgramKind.GUIDES)
    page = url(business, "manage_matching_settings", program_id=program.pk)

    assert owner_en.get(page).status_code == 200
    assert not MatchingSettings.objects.exists()
    assert owner_en.post(page, settings_post(per_day="2")).status_code == 302
    assert MatchingSettings.objects.get(program=program).per_day == 2


def test_staff_read_the_settings_but_only_the_owner_changes_them(staff_en, business, guides):
    page = staff_en.get(
        url(business, "manage_matching_settings", program_id=guides.pk)
    ).content.decode()
    assert "Only the owner of the business can change these settings." in page
    assert 'name="weight_fairness"' not in page

    response = staff_en.post(
        url(business, "manage_matching_settings", program_id=guides.pk),
        settings_post(weight_fairness="0"),
        follow=True,
    )

    assert "Only the owner of the business can do this." in response.content.decode()
    assert MatchingSettings.objects.get(program=guides).weight_fairness == 15
    assert MatchingSettings.objects.get(program=guides).interests == INTERESTS


# --- who gets in -----------------------------------------------------------------------------


def test_peers_and_other_businesses_cannot_open_the_console(client, business, guides, other_staff):
    local = offering_peer(business, at=NEAR)
    match_request = open_request(guides)
    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value
    match = Match.objects.get(request=match_request)
    pages = [
        url(business, "manage_matching"),
        url(business, "manage_match_request", request_id=match_request.pk),
        url(business, "manage_match_runs"),
        url(business, "manage_match_run", run_id=run.pk),
        url(business, "manage_matching_settings", program_id=guides.pk),
    ]
    actions = [
        url(business, "manage_match_run_now", program_id=guides.pk),
        url(business, "manage_match_cancel", match_id=match.pk),
        url(business, "manage_match_request_cancel", request_id=match_request.pk),
    ]

    for user in (local.user, other_staff):
        browser = speaking(client, user)
        for page in pages:
            assert browser.get(page).status_code == 403, page
        for action in actions:
            assert browser.post(action).status_code == 403, action

    assert MatchRun.objects.count() == 1
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_console_pages_render_in_both_languages(client, owner, business, guides, language):
    offering_peer(business, at=NEAR)
    match_request = open_request(guides)
    run = services.run_matching(guides, trigger=MatchRun.Trigger.SCHEDULE).value
    browser = speaking(client, owner, language)

    for page in (
        url(business, "manage_matching"),
        url(business, "manage_match_request", request_id=match_request.pk),
        url(business, "manage_match_runs"),
        url(business, "manage_match_run", run_id=run.pk),
        url(business, "manage_matching_settings", program_id=guides.pk),
    ):
        response = browser.get(page)
        assert response.status_code == 200, page
        assert f'<html lang="{language}">' in response.content.decode()
