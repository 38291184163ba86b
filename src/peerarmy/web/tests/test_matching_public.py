"""Story: a traveller asks a business for a local without an account. They fill in the form
of a guides or layover program, confirm their e-mail from the link they receive, follow the
request from that link, change or cancel it, and learn who meets them only once a local has
accepted."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peerarmy.matching import services
from peerarmy.matching.models import (
    Match,
    MatchingSettings,
    MatchRequest,
    MatchStatus,
    RequestStatus,
)
from peerarmy.matching.tests.factories import (
    matching_program,
    next_monday,
    offering_peer,
    open_request,
    submitted_request,
)
from peerarmy.notifications.models import OutboxMessage
from peerarmy.notifications.services import render_email
from peerarmy.programs.models import ProgramKind, ProgramStatus
from peerarmy.tenancy.tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

NEAR = (44.4960, 11.3450)


@pytest.fixture
def guides(business):
    program = matching_program(business)
    program.title_it, program.title_en = "Passeggiate in centro", "Walks with a local"
    program.save()
    return program


@pytest.fixture
def layover(business):
    return matching_program(business, ProgramKind.LAYOVER)


def ask_url(program):
    return reverse(
        "web:match_request_new",
        kwargs={"business_slug": program.business.slug, "program_slug": program.slug},
    )


def request_url(match_request, name="web:match_request", business=None):
    slug = (business or match_request.business).slug
    return reverse(name, kwargs={"business_slug": slug, "token": match_request.token})


def guides_form(business, **overrides):
    start = next_monday(business, 10)
    data = {
        "name": "Jane Traveller",
        "email": "jane@example.org",
        "day": start.date().isoformat(),
        "starts": "10:00",
        "ends": "14:00",
        "meeting_address": "Piazza Maggiore",
        "latitude": "44.4937",
        "longitude": "11.3430",
        "group_size": "2",
        "languages": ["en"],
        "interests": ["cycling"],
        "accessibility": "",
        "note": "",
        "website": "",
    }
    data.update(overrides)
    return data


def layover_form(business, *, hours, **overrides):
    arrival = next_monday(business, 8)
    departure = arrival + timedelta(hours=hours)
    data = {
        "name": "Jane Traveller",
        "email": "jane@example.org",
        "airport": "BLQ",
        "arrival": arrival.strftime("%Y-%m-%dT%H:%M"),
        "departure": departure.strftime("%Y-%m-%dT%H:%M"),
        "group_size": "1",
        "languages": ["en"],
    }
    data.update(overrides)
    return data


def field_errors(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


# --- asking --------------------------------------------------------------------------------------


def test_the_landing_page_offers_to_ask_for_a_local_only_in_matching_programs(
    english, business, guides
):
    ProgramFactory(business=business, title_en="Cargo-bike deliveries")  # another kind

    html = english.get(f"/{business.slug}/").content.decode()

    assert html.count(f"/{business.slug}/ask/") == 1
    assert f'href="{ask_url(guides)}"' in html and ">Ask for a local<" in html
    detail = english.get(
        reverse(
            "web:program_detail",
            kwargs={"business_slug": business.slug, "program_slug": guides.slug},
        )
    )
    assert ask_url(guides) in detail.content.decode()


def test_the_form_speaks_the_visitors_language(client, business, guides):
    italian = client.get(ask_url(guides), headers={"Accept-Language": "it"})
    html = italian.content.decode()
    assert italian.status_code == 200
    assert '<html lang="it">' in html
    assert "Passeggiate in centro" in html
    assert "Latitudine" in html and "Italiano" in html
    assert "Ciclismo" in html  # the program's interests, in Italian

    client.cookies.load({"peerarmy_language": "en"})
    html = client.get(ask_url(guides), headers={"Accept-Language": "it"}).content.decode()
    assert '<html lang="en">' in html
    assert "Walks with a local" in html and "Latitude" in html and "cycling" in html


def test_the_layover_form_asks_for_the_airport_and_flights(english, business, layover):
    html = english.get(ask_url(layover)).content.decode()

    assert 'name="arrival"' in html and 'name="departure"' in html
    assert '<option value="BLQ">Bologna (BLQ)</option>' in html
    assert 'name="day"' not in html


def test_only_published_matching_programs_take_requests(client, business, guides):
    draft = matching_program(business)
    draft.status = ProgramStatus.DRAFT
    draft.save()
    delivery = ProgramFactory(business=business)

    assert client.get(ask_url(draft)).status_code == 404
    assert client.get(ask_url(delivery)).status_code == 404
    assert client.post(ask_url(draft), guides_form(business)).status_code == 404
    assert not MatchRequest.objects.exists()


def test_submitting_sends_one_confirmation_email_and_matches_nobody_yet(english, business, guides):
    offering_peer(business, at=NEAR)

    response = english.post(ask_url(guides), guides_form(business))

    assert response.status_code == 302
    page = english.get(response["Location"])
    match_request = MatchRequest.objects.get()
    assert "Check your e-mail" in page.content.decode()
    assert match_request.token not in page.content.decode(), "the link is the proof of the address"
    assert match_request.status == RequestStatus.UNCONFIRMED
    assert match_request.language == "en"
    local_start = match_request.starts_at.astimezone(business.tzinfo)
    assert (local_start.hour, local_start.minute) == (10, 0), "times are the business's"
    assert not Match.objects.exists(), "nobody is proposed before the e-mail is confirmed"
    (mail,) = OutboxMessage.objects.filter(recipient="jane@example.org")
    assert request_url(match_request, "web:match_request_confirm") in mail.body_text
    assert mail.body_text.startswith("Hello Jane Traveller")


def test_a_layover_shorter_than_the_minimum_is_refused_saying_the_minimum(
    english, business, layover
):
    response = english.post(ask_url(layover), layover_form(business, hours=4))

    assert response.status_code == 200
    (error,) = field_errors(response, "departure")
    assert "4 h" in error and "6 h" in error
    assert not MatchRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_long_enough_layover_is_accepted(english, business, layover):
    response = english.post(ask_url(layover), layover_form(business, hours=8))

    assert response.status_code == 302
    match_request = MatchRequest.objects.get()
    assert match_request.airport == "BLQ"
    assert match_request.ends_at - match_request.starts_at < timedelta(hours=8)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"email": "jane-at-example"}, "email", "valid email"),
        ({"languages": []}, "languages", "at least one language"),
        ({"ends": "09:00"}, "ends", "after the start"),
        ({"group_size": "40"}, "group_size", "1 to 6"),
        ({"group_size": "0"}, "group_size", "at least 1"),
        ({"group_size": "-3"}, "group_size", "at least 1"),
        ({"interests": ["skydiving"]}, "interests", "skydiving"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(english, business, guides, changes, field, words):
    response = english.post(ask_url(guides), guides_form(business, **changes))

    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and words in " ".join(errors), errors
    assert not MatchRequest.objects.exists()


def test_a_window_in_the_past_is_refused(english, business, guides):
    yesterday = (timezone.now() - timedelta(days=1)).astimezone(business.tzinfo).date()

    response = english.post(ask_url(guides), guides_form(business, day=yesterday.isoformat()))

    assert "in the past" in " ".join(field_errors(response, "starts"))
    assert not MatchRequest.objects.exists()


def test_a_filled_in_bot_trap_stores_nothing_but_looks_like_success(english, business, guides):
    response = english.post(ask_url(guides), guides_form(business, website="http://spam.example"))

    assert response.status_code == 302
    assert not MatchRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


# --- confirming and following --------------------------------------------------------------------


def submitted(program):
    return submitted_request(program)


def test_opening_the_confirmation_link_does_not_confirm_pressing_the_button_does(
    english, business, guides
):
    match_request = submitted(guides)
    url = request_url(match_request, "web:match_request_confirm")

    page = english.get(url)  # a mail scanner following the link
    match_request.refresh_from_db()
    assert page.status_code == 200 and "Confirm my request" in page.content.decode()
    assert match_request.status == RequestStatus.UNCONFIRMED

    response = english.post(url)

    assert response["Location"] == request_url(match_request)
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.OPEN
    assert match_request.confirmed_at is not None
    assert OutboxMessage.objects.filter(
        recipient="jane@example.org", subject__startswith="We are looking"
    ).exists()


def test_confirming_too_late_says_the_request_expired(english, business, guides):
    match_request = submitted(guides)
    ago = timezone.now() - timedelta(hours=3)
    MatchRequest.objects.filter(pk=match_request.pk).update(
        starts_at=ago, ends_at=ago + timedelta(hours=2)
    )

    response = english.post(request_url(match_request, "web:match_request_confirm"), follow=True)

    page = response.content.decode()
    assert "Thank you: your e-mail is confirmed." not in page
    assert "Your request has expired" in page
    assert "the time you asked for passed before you confirmed it." in page
    match_request.refresh_from_db()
    assert (match_request.status, match_request.confirmed_at) == (RequestStatus.EXPIRED, None)
    assert not OutboxMessage.objects.filter(subject__startswith="We are looking").exists()


def test_confirming_twice_thanks_once(english, business, guides):
    match_request = submitted(guides)
    url = request_url(match_request, "web:match_request_confirm")

    first = english.post(url, follow=True).content.decode()
    second = english.post(url, follow=True).content.decode()

    assert "Thank you: your e-mail is confirmed." in first
    assert "Thank you: your e-mail is confirmed." not in second
    assert english.get(url)["Location"] == request_url(match_request), "nothing to confirm"


def test_a_closed_request_is_neither_changed_nor_cancelled(english, business, guides):
    match_request = open_request(guides)
    services.cancel_own_request(match_request)

    changing = english.get(request_url(match_request, "web:match_request_edit"), follow=True)
    cancelling = english.post(request_url(match_request, "web:match_request_cancel"), follow=True)

    assert "This request can no longer be changed." in changing.content.decode()
    assert "This request is already closed." in cancelling.content.decode()
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.CANCELLED


def test_the_public_pages_save_no_settings(english, business):
    """A program's matching settings are saved by its owner's first change (or a run), never
    by a visitor opening a page."""
    program = ProgramFactory(business=business, kind=ProgramKind.GUIDES)

    assert english.get(ask_url(program)).status_code == 200
    response = english.post(ask_url(program), guides_form(business, interests=[]))

    assert response.status_code == 302
    match_request = MatchRequest.objects.get()
    assert english.get(request_url(match_request)).status_code == 200
    assert english.get(request_url(match_request, "web:match_request_edit")).status_code == 200
    assert not MatchingSettings.objects.exists()


def test_the_request_page_says_we_are_still_looking_and_why(english, business, guides):
    match_request = services.confirm_request(submitted(guides)).value  # no local offers time

    html = english.get(request_url(match_request)).content.decode()

    assert match_request.status == RequestStatus.OPEN
    assert "Looking for a local" in html
    assert match_request.unmatched_reason
    assert 'id="unmatched"' in html
    assert "Piazza Maggiore" in html
    assert request_url(match_request, "web:match_request_edit") in html
    assert request_url(match_request, "web:match_request_cancel") in html


def test_token_pages_leak_no_referrer_and_stay_out_of_search_engines(english, business, guides):
    match_request = submitted(guides)

    for name in ("web:match_request", "web:match_request_confirm", "web:match_request_cancel"):
        response = english.get(request_url(match_request, name))
        assert response["Referrer-Policy"] == "same-origin"
        assert "noindex" in response["X-Robots-Tag"]


def test_a_token_works_only_under_its_own_business(english, business, other_business, guides):
    match_request = open_request(guides)

    assert english.get(request_url(match_request, business=other_business)).status_code == 404
    for name in ("web:match_request_confirm", "web:match_request_edit", "web:match_request_cancel"):
        url = request_url(match_request, name, business=other_business)
        assert english.get(url).status_code == 404
        assert english.post(url).status_code == 404
    assert english.get(f"/{business.slug}/requests/no-such-token/").status_code == 404
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.OPEN


def test_changing_the_request(english, business, guides):
    match_request = open_request(guides)
    url = request_url(match_request, "web:match_request_edit")

    form = english.get(url)
    html = form.content.decode()
    assert 'value="Jane Traveller"' in html and 'value="10:00"' in html
    assert 'name="email"' not in html, "the confirmed address cannot be swapped"

    data = guides_form(business, starts="11:00", group_size="3", note="We walk slowly.")
    data.pop("email")
    response = english.post(url, data)

    assert response["Location"] == request_url(match_request)
    match_request.refresh_from_db()
    assert match_request.group_size == 3
    assert match_request.note == "We walk slowly."
    assert match_request.starts_at.astimezone(business.tzinfo).hour == 11
    assert match_request.email == "jane@example.org"


def test_changing_a_layover_shows_the_flights_as_typed(english, business, layover):
    english.post(ask_url(layover), layover_form(business, hours=8))
    match_request = MatchRequest.objects.get()

    html = english.get(request_url(match_request, "web:match_request_edit")).content.decode()

    arrival = next_monday(business, 8)
    assert f'value="{arrival:%Y-%m-%dT%H:%M}"' in html
    assert f'value="{arrival + timedelta(hours=8):%Y-%m-%dT%H:%M}"' in html


def test_a_change_is_checked_like_a_new_request(english, business, guides):
    match_request = open_request(guides)
    data = guides_form(business, languages=[])

    response = english.post(request_url(match_request, "web:match_request_edit"), data)

    assert field_errors(response, "languages")
    match_request.refresh_from_db()
    assert match_request.languages == ["en"]


def test_cancelling_asks_first_then_cancels(english, business, guides):
    match_request = open_request(guides)
    url = request_url(match_request, "web:match_request_cancel")

    assert "Cancel my request" in english.get(url).content.decode()
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.OPEN

    response = english.post(url, {"reason": "Flight changed"})

    assert response["Location"] == request_url(match_request)
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.CANCELLED
    html = english.get(request_url(match_request)).content.decode()
    assert request_url(match_request, "web:match_request_edit") not in html


def test_a_reason_too_long_is_refused_and_the_request_stays(english, business, guides):
    match_request = open_request(guides)

    response = english.post(
        request_url(match_request, "web:match_request_cancel"), {"reason": "x" * 301}
    )

    assert response.status_code == 200
    assert "Use at most 300 characters." in response.content.decode()
    match_request.refresh_from_db()
    assert match_request.status == RequestStatus.OPEN


def test_every_fault_of_a_request_is_named_at_once(english, business, guides):
    response = english.post(
        ask_url(guides),
        guides_form(business, name="", email="nobody", languages=[], latitude="95"),
    )

    assert response.status_code == 200
    assert field_errors(response, "name") == ["Tell us your name."]
    assert field_errors(response, "email") == ["Enter a valid email address."]
    assert field_errors(response, "languages") == ["Choose at least one language you speak."]
    assert field_errors(response, "latitude") == ["Enter a value of at most 90."]
    assert not MatchRequest.objects.exists()


def test_the_programs_own_rules_come_together(english, business, guides):
    """After the form's own rules, those of the program: the largest group and its
    interests, both named at once."""
    response = english.post(
        ask_url(guides), guides_form(business, group_size="40", interests=["skydiving"])
    )

    assert field_errors(response, "group_size") == ["A group of 1 to 6 people."]
    assert field_errors(response, "interests") == ["Unknown interest: skydiving."]


# --- who meets you -------------------------------------------------------------------------------


@pytest.fixture
def proposed(business, guides):
    peer = offering_peer(business, at=NEAR, display_name="Giulia R.")
    peer.user.first_name = "Giulia Maria"
    peer.user.email = "giulia@example.org"
    peer.user.save()
    match_request = services.confirm_request(submitted(guides)).value
    assert match_request.status == RequestStatus.PROPOSED
    return match_request, peer


def test_before_the_local_accepts_the_page_shows_nothing_of_them(english, proposed):
    match_request, peer = proposed

    html = english.get(request_url(match_request)).content.decode()

    assert "Waiting for a local" in html
    assert "Giulia" not in html and "giulia@example.org" not in html


def test_once_the_local_accepts_the_page_shows_their_first_name_time_and_email(
    english, business, proposed
):
    match_request, peer = proposed
    match = Match.objects.get(request=match_request, status=MatchStatus.PROPOSED)
    services.accept(peer, match)

    html = english.get(request_url(match_request)).content.decode()

    assert "Giulia" in html and "Maria" not in html
    assert "giulia@example.org" in html
    assert "Piazza Maggiore" in html
    meets = match.meets_at.astimezone(business.tzinfo)
    assert meets.strftime("%H:%M") in html
    assert request_url(match_request, "web:match_request_cancel") in html


def test_cancelling_after_acceptance_tells_the_local(english, proposed):
    match_request, peer = proposed
    services.accept(peer, Match.objects.get(request=match_request))

    english.post(request_url(match_request, "web:match_request_cancel"), {"reason": "Ill"})

    match = Match.objects.get(request=match_request)
    assert match.status == MatchStatus.CANCELLED
    assert OutboxMessage.objects.filter(
        recipient="giulia@example.org", subject__startswith="Cancelled"
    ).exists()


# --- the e-mails ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["it", "en"])
def test_every_matching_email_renders_in_both_languages(business, proposed, language):
    match_request, peer = proposed
    match = Match.objects.get(request=match_request)
    program = match_request.program
    context = {
        "request": match_request,
        "program": program,
        "match": match,
        "peer": peer,
        "confirm_url": "/confirm/",
        "request_url": "/follow/",
        "proposals_url": "/proposals/",
        "matches_url": "/matches/",
        "url": "/details/",
        "when": "lun 7 dic 2026, 10:00–12:00",
        "explanation": "speaks English",
        "respond_by": "lun 7 dic 2026, 09:00",
        "peer_first_name": "Giulia",
        "peer_email": "giulia@example.org",
        "consumer_name": "Jane Traveller",
        "consumer_email": "jane@example.org",
        "meets_at": "lun 7 dic 2026, 10:00",
        "meeting_address": "Piazza Maggiore",
        "group_size": 2,
        "accessibility": "No stairs",
        "note": "Hello!",
        "by": "consumer",
        "reason": "Ill",
        "perks": ["Train ticket"],
    }
    for template in (
        "request_confirm",
        "request_received",
        "proposal",
        "match_accepted_consumer",
        "match_accepted_peer",
        "request_cancelled",
        "match_cancelled",
        "request_expired",
        "match_completed",
    ):
        subject, body = render_email(
            business=business,
            template=f"matching/email/{template}",
            context=context,
            language=language,
        )
        assert subject and "{" not in subject, template
        assert body.strip() and "{%" not in body, template
