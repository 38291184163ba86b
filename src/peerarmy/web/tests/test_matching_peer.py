"""Matching in the peer's app: a peer says when they are free (weekly slots, days off, a weekly
limit, interests), sees what is proposed to them without the consumer's contact, and once they
accept, meets the consumer by name and e-mail. Nobody reaches another peer's matches."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from peerarmy.matching import selectors, services
from peerarmy.matching.inputs import MAX_SLOTS
from peerarmy.matching.models import (
    DayOff,
    Match,
    MatchingProfile,
    MatchStatus,
    PairBlock,
    RequestStatus,
    WeeklyAvailability,
)
from peerarmy.matching.tests.factories import (
    confirmed_request,
    days_off_for,
    matching_program,
    offering_peer,
)
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db

NEAR = (44.4960, 11.3450)  # 200 m from Piazza Maggiore, where the requests meet


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def logged_in(client, peer, language="en"):
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def guides(business):
    return matching_program(business)


@pytest.fixture
def local(business, guides):
    return offering_peer(business, at=NEAR, slots=[(0, time(9), time(13)), (5, time(15), time(19))])


@pytest.fixture
def local_client(client, local):
    return logged_in(client, local)


def proposal_for(peer, guides):
    match_request = confirmed_request(guides)
    match = Match.objects.get(request=match_request, status=MatchStatus.PROPOSED)
    assert match.peer_id == peer.pk
    return match


def slot_rows(rows, total=None):
    """The slots formset as a browser posts it: `rows` filled, then empty rows up to `total`."""
    total = total or len(rows) + 3
    data = {
        "form-TOTAL_FORMS": str(total),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "14",
    }
    for i in range(total):
        weekday, starts, ends = rows[i] if i < len(rows) else ("", "", "")
        data.update(
            {f"form-{i}-weekday": weekday, f"form-{i}-starts": starts, f"form-{i}-ends": ends}
        )
    return data


# --- availability ----------------------------------------------------------------------------


def test_availability_shows_the_offer_slots_languages_and_where_to_change_them(
    local_client, business, local
):
    response = local_client.get(url(business, "me_matching"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="interests" value="cycling"' in page and "checked" in page
    assert 'value="09:00"' in page and 'value="13:00"' in page and 'value="19:00"' in page
    assert 'name="form-TOTAL_FORMS" value="5"' in page, "two slots and three empty rows"
    assert "Italian (Native)" in page
    assert url(business, "profile") in page


def test_a_peer_saves_their_offer_and_weekly_slots(local_client, business, local):
    data = {"accepting": "", "max_per_week": "5", "interests": ["food", "art"]}
    data.update(slot_rows([("2", "18:00", "22:00"), ("6", "10:00", "12:30")]))

    response = local_client.post(url(business, "me_matching"), data)

    assert response.status_code == 302
    profile = MatchingProfile.objects.get(peer=local)
    assert (profile.accepting, profile.max_per_week, profile.interests) == (
        False,
        5,
        ["art", "food"],
    )
    slots = list(
        WeeklyAvailability.objects.filter(peer=local).values_list("weekday", "starts", "ends")
    )
    assert slots == [(2, time(18), time(22)), (6, time(10), time(12, 30))]


def test_a_slot_that_ends_before_it_starts_is_refused_and_nothing_is_saved(
    local_client, business, local
):
    data = {"accepting": "on", "max_per_week": "7", "interests": ["cycling"]}
    data.update(slot_rows([("1", "10:00", "12:00"), ("3", "18:00", "17:00")]))

    response = local_client.post(url(business, "me_matching"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Slot 2: the end must come after the start." in page, "the slot is named"
    assert MatchingProfile.objects.get(peer=local).max_per_week == 3
    assert WeeklyAvailability.objects.filter(peer=local).count() == 2


def test_at_most_one_slot_an_hour_a_week_as_on_the_api(local_client, business, local):
    rows = [
        (str(n % 7), f"{n // 7 % 24:02d}:00", f"{n // 7 % 24:02d}:30") for n in range(MAX_SLOTS + 1)
    ]
    data = {"accepting": "on", "max_per_week": "3"}
    data.update(slot_rows(rows, total=len(rows)))

    response = local_client.post(url(business, "me_matching"), data)

    assert response.status_code == 200
    assert f"Give at most {MAX_SLOTS} weekly slots." in response.content.decode()
    assert WeeklyAvailability.objects.filter(peer=local).count() == 2


def test_a_half_filled_slot_row_names_what_is_missing(local_client, business, local):
    data = {"accepting": "on", "max_per_week": "3"}
    data.update(slot_rows([("4", "", "12:00")]))

    response = local_client.post(url(business, "me_matching"), data)

    assert response.status_code == 200
    assert "Fill in the day and both times" in response.content.decode()
    assert WeeklyAvailability.objects.filter(peer=local).count() == 2


def test_a_ticked_row_is_removed(local_client, business, local):
    data = {"accepting": "on", "max_per_week": "3"}
    data.update(slot_rows([("0", "09:00", "13:00"), ("5", "15:00", "19:00")]))
    data["form-1-DELETE"] = "on"

    local_client.post(url(business, "me_matching"), data)

    assert list(
        WeeklyAvailability.objects.filter(peer=local).values_list("weekday", flat=True)
    ) == [0]


def test_days_off_are_added_and_removed(local_client, business, local):
    today = timezone.localdate(None, business.tzinfo)
    first, last = today + timedelta(days=3), today + timedelta(days=5)

    response = local_client.post(
        url(business, "me_day_off_add"),
        {"first": first.isoformat(), "last": last.isoformat(), "note": "Holiday"},
    )

    assert response.status_code == 302
    day_off = DayOff.objects.get(peer=local)
    assert (day_off.first, day_off.last, day_off.note) == (first, last, "Holiday")
    assert "Holiday" in local_client.get(url(business, "me_matching")).content.decode()

    response = local_client.post(url(business, "me_day_off_delete", day_off_id=day_off.pk))

    assert response.status_code == 302
    assert not DayOff.objects.filter(peer=local).exists()


def test_a_single_day_off_needs_only_its_day_and_a_backwards_range_is_named(
    local_client, business, local
):
    day = timezone.localdate(None, business.tzinfo) + timedelta(days=2)
    local_client.post(url(business, "me_day_off_add"), {"first": day.isoformat()})
    assert DayOff.objects.get(peer=local).last == day

    response = local_client.post(
        url(business, "me_day_off_add"),
        {"first": day.isoformat(), "last": (day - timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 200
    assert "The last day cannot come before the first." in response.content.decode()
    assert DayOff.objects.filter(peer=local).count() == 1


def test_another_peers_day_off_cannot_be_removed(client, business, local):
    other = offering_peer(business)
    day = timezone.localdate(None, business.tzinfo) + timedelta(days=2)
    theirs = days_off_for(other, day)

    response = logged_in(client, local).post(
        url(business, "me_day_off_delete", day_off_id=theirs.pk)
    )

    assert response.status_code == 404
    assert DayOff.objects.filter(pk=theirs.pk).exists()


# --- proposals and matches -------------------------------------------------------------------


def test_a_proposal_shows_the_request_and_why_but_not_who_asked(
    local_client, business, guides, local
):
    match = proposal_for(local, guides)

    page = local_client.get(url(business, "me_matches")).content.decode()

    assert f'id="match-{match.pk}"' in page
    assert "Piazza Maggiore" in page
    assert "Answer by" in page
    assert escape(selectors.describe_match(match)) in page
    assert url(business, "me_match_accept", match_id=match.pk) in page
    assert "Jane Traveller" not in page
    assert "jane@example.org" not in page


def test_accepting_shows_the_consumers_name_and_email(local_client, business, guides, local):
    match = proposal_for(local, guides)

    response = local_client.post(url(business, "me_match_accept", match_id=match.pk))

    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED
    page = local_client.get(url(business, "me_matches")).content.decode()
    assert "Jane Traveller" in page
    assert "mailto:jane@example.org" in page
    assert url(business, "me_match_accept", match_id=match.pk) not in page


def test_a_declined_proposal_leaves_the_list_with_its_reason_kept(
    local_client, business, guides, local
):
    match = proposal_for(local, guides)

    local_client.post(
        url(business, "me_match_decline", match_id=match.pk), {"reason": "Away that day"}
    )

    match.refresh_from_db()
    assert (match.status, match.decline_reason) == (MatchStatus.DECLINED, "Away that day")
    page = local_client.get(url(business, "me_matches")).content.decode()
    assert f'id="match-{match.pk}"' not in page
    assert "No requests are waiting for you." in page


def test_answering_twice_is_a_message_not_an_error(local_client, business, guides, local):
    match = proposal_for(local, guides)
    local_client.post(url(business, "me_match_accept", match_id=match.pk))

    response = local_client.post(url(business, "me_match_decline", match_id=match.pk), follow=True)

    assert response.status_code == 200
    assert "This proposal is no longer open." in response.content.decode()
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED


def test_another_peers_match_is_not_found(client, business, guides, local):
    match = proposal_for(local, guides)
    other = logged_in(client, offering_peer(business))

    for name in ("me_match_accept", "me_match_decline", "me_match_cancel", "me_match_block"):
        assert other.post(url(business, name, match_id=match.pk)).status_code == 404
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED
    assert not PairBlock.objects.exists()
    assert "Piazza Maggiore" not in other.get(url(business, "me_matches")).content.decode()


def test_a_peer_cancels_an_accepted_meeting(local_client, business, guides, local):
    match = proposal_for(local, guides)
    services.accept(local, match)

    local_client.post(url(business, "me_match_cancel", match_id=match.pk), {"reason": "Ill"})

    match.refresh_from_db()
    assert (match.status, match.cancelled_by, match.decline_reason) == (
        MatchStatus.CANCELLED,
        "peer",
        "Ill",
    )


def test_a_peer_marks_a_meeting_completed_once_it_has_ended(local_client, business, guides, local):
    match = proposal_for(local, guides)
    services.accept(local, match)
    complete = url(business, "me_match_complete", match_id=match.pk)

    local_client.post(complete)
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED, "not before it has ended"

    ago = timezone.now() - timedelta(hours=3)
    Match.objects.filter(pk=match.pk).update(meets_at=ago, ends_at=ago + timedelta(hours=2))
    page = local_client.get(url(business, "me_matches")).content.decode()
    assert complete in page

    local_client.post(complete)
    match.refresh_from_db()
    assert match.status == MatchStatus.COMPLETED
    assert match.request.status == RequestStatus.COMPLETED


def test_a_peer_is_never_matched_again_with_a_consumer_they_blocked(
    local_client, business, guides, local
):
    match = proposal_for(local, guides)

    local_client.post(url(business, "me_match_block", match_id=match.pk))

    assert PairBlock.objects.filter(peer=local, email="jane@example.org").exists()


def test_only_active_peers_of_this_business_get_in(client, business, other_business, guides):
    stranger = PeerFactory(business=other_business)
    visitor = logged_in(client, stranger)

    assert visitor.get(url(business, "me_matching")).status_code == 302
    assert visitor.get(url(business, "me_matches")).status_code == 302
    assert visitor.post(url(business, "me_day_off_add"), {"first": "2030-01-01"}).status_code == 404
    assert not DayOff.objects.exists()

    client.logout()
    response = client.get(url(business, "me_matches"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_pages_render_in_both_languages(client, business, guides, local, language):
    proposal_for(local, guides)
    browser = logged_in(client, local, language)

    for name in ("me_matching", "me_matches"):
        response = browser.get(url(business, name))
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()


def test_a_proposal_says_what_the_peer_earns_once_it_is_done(
    local_client, business, guides, local, owner
):
    """The program's reward rules for a completed meeting, in words, on the proposal."""
    from peerarmy.rewards import inputs as reward_inputs
    from peerarmy.rewards import services as rewards

    for reward, amount in (("cash", 1500), ("points", 200)):
        rewards.create_rule(
            business,
            owner,
            reward_inputs.NewRuleInput(
                program_id=guides.pk, event="match.completed", reward=reward, amount=amount
            ),
        )
    rewards.create_rule(  # another event: not promised for a meeting
        business,
        owner,
        reward_inputs.NewRuleInput(
            program_id=guides.pk, event="block.completed", reward="cash", amount=9900
        ),
    )
    proposal_for(local, guides)

    page = local_client.get(url(business, "me_matches")).content.decode()

    assert "You earn, once it is done" in page
    assert "€15.00 + 200 points" in page
    assert "€99.00" not in page
