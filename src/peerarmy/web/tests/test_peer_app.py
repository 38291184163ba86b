"""Story: a signed-up person applies to a business's army, fixes their mistakes, waits for
staff, and reads the outcome on their page."""

import pytest
from django.core import mail

from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    PeerFactory,
    ProgramFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(english):
    user = UserFactory(email="giulia@example.org", language="it")
    english.force_login(user)
    return user


@pytest.fixture
def repair(business):
    return SkillFactory(business=business, slug="repair", name_it="Riparazioni", name_en="Repair")


def good_application(**changes):
    data = {
        "display_name": "Giulia",
        "bio": "I ride every day.",
        "languages": ["it", "en"],
        "level_it": "native",
        "level_en": "conversational",
        "skills": ["repair"],
        "home_address": "Via del Pratello 10, Bologna",
        "latitude": "44.4951234567",
        "longitude": "11.3334",
        "travel_radius_km": "15",
        "showcase_links_0": "https://example.org/my-rides",
        "showcase_links_1": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_application_form_offers_languages_skills_and_location(english, giulia, repair):
    html = english.get("/bicigialla/me/apply/").content.decode()
    assert '<label for="id_display_name">Name shown to others</label>' in html
    assert 'for="id_languages_0"' in html and "Italian" in html
    assert 'name="level_it"' in html
    assert "Repair" in html
    assert 'id="id_latitude"' in html and 'type="number"' in html
    assert "data-geolocate" in html
    assert html.count('name="showcase_links_') == 5


def test_a_good_application_creates_an_applicant_and_tells_the_staff(
    english, giulia, business, staff, repair, django_capture_on_commit_callbacks
):
    # When Giulia sends a complete application
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/bicigialla/me/apply/", good_application())

    # Then she is an applicant with everything she typed
    assert response.status_code == 302
    assert response["Location"] == "/bicigialla/me/"
    peer = Peer.objects.get(business=business, user=giulia)
    assert peer.status == PeerStatus.APPLICANT
    assert peer.display_name == "Giulia"
    assert {pl.language: pl.level for pl in peer.languages.all()} == {
        "it": "native",
        "en": "conversational",
    }
    assert [s.slug for s in peer.skills.all()] == ["repair"]
    assert str(peer.latitude) == "44.495123"
    assert peer.travel_radius_km == 15
    assert peer.showcase_links == ["https://example.org/my-rides"]
    # her e-mails will be in the language she applied in
    giulia.refresh_from_db()
    assert giulia.language == "en"

    # And the staff get an e-mail linking to the application in the console
    to_staff = [m for m in mail.outbox if staff.email in m.to]
    assert len(to_staff) == 1
    assert f"/bicigialla/manage/peers/{peer.pk}/" in to_staff[0].body
    assert "Giulia" in to_staff[0].subject

    # And her page says she is waiting
    page = english.get("/bicigialla/me/").content.decode()
    assert "waiting for approval" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"languages": None}, "languages", "Choose at least one language you speak."),
        ({"showcase_links_1": "not a link"}, "showcase_links", "is not a web address"),
        ({"longitude": ""}, "longitude", "Give both latitude and longitude, or neither."),
        ({"latitude": "north"}, "latitude", "Enter a number."),
        ({"latitude": "NaN"}, "latitude", "Enter a number."),
        ({"latitude": "1e400"}, "latitude", "Enter a number."),
        ({"latitude": "90.5"}, "latitude", "Enter a value of at most 90."),
        ({"longitude": "-181"}, "longitude", "Enter a value of at least -180."),
        ({"travel_radius_km": "0"}, "travel_radius_km", "Enter a value of at least 1."),
        ({"travel_radius_km": "many"}, "travel_radius_km", "Enter a whole number."),
        ({"display_name": "  "}, "display_name", "Tell us the name to show to others."),
        ({"skills": ["juggling"]}, "skills", "juggling"),
    ],
)
def test_a_bad_application_shows_the_error_next_to_its_field_and_creates_nothing(
    english, giulia, business, repair, changes, field, message
):
    response = english.post("/bicigialla/me/apply/", good_application(**changes))

    assert response.status_code == 200
    html = response.content.decode()
    # the message sits in the error list tied to the field
    error_start = html.index(f'id="id_{field}_error"')
    assert message in html[error_start : error_start + 400]
    # everything typed is still there
    assert 'value="Via del Pratello 10, Bologna"' in html
    assert "I ride every day." in html
    assert not Peer.objects.filter(business=business).exists()
    assert not OutboxMessage.objects.exists()


def test_a_field_with_an_error_is_marked_invalid_for_screen_readers(english, giulia, repair):
    html = english.post("/bicigialla/me/apply/", good_application(display_name="")).content
    html = html.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_display_name_error"' in html


def test_applying_twice_goes_back_to_the_status_page(english, giulia, business):
    ApplicantFactory(business=business, user=giulia)
    response = english.get("/bicigialla/me/apply/")
    assert response.status_code == 302
    assert response["Location"] == "/bicigialla/me/"
    assert english.post("/bicigialla/me/apply/", good_application()).status_code == 302
    assert Peer.objects.filter(business=business, user=giulia).count() == 1


def test_someone_not_in_the_army_is_invited_to_apply(english, giulia, business):
    html = english.get("/bicigialla/me/").content.decode()
    assert 'href="/bicigialla/me/apply/"' in html
    assert "You are not in the Bici Gialla army yet" in html


def test_the_peer_app_asks_visitors_to_log_in(client, business):
    for url in ("/bicigialla/me/", "/bicigialla/me/apply/", "/bicigialla/me/profile/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_rejected_applicant_reads_the_reason(english, giulia, business):
    ApplicantFactory(
        business=business,
        user=giulia,
        status=PeerStatus.REJECTED,
        rejection_reason="We need riders who live inside the ring road.",
    )
    business.contact_email = "ciao@bicigialla.example"
    business.save()

    html = english.get("/bicigialla/me/").content.decode()
    assert "Your application was not accepted." in html
    assert "We need riders who live inside the ring road." in html
    assert "ciao@bicigialla.example" in html


def test_an_active_peer_sees_which_programs_they_can_join_and_why_not(english, business, repair):
    peer = PeerFactory(business=business, languages=["it"], skills=[repair])
    english.force_login(peer.user)
    ProgramFactory(business=business, title_en="Repairs on call").required_skills.set([repair])
    ProgramFactory(business=business, title_en="Airport layovers", required_languages=["ja"])
    ProgramFactory(business=business, title_en="Draft thing", status="draft")

    html = english.get("/bicigialla/me/").content.decode()
    assert "You are an active member of the army." in html
    assert "Repairs on call" in html and "You can join" in html
    assert "Airport layovers" in html and "Needs one of these languages: Japanese." in html
    assert "Draft thing" not in html


def test_a_peer_edits_the_profile(english, business, repair):
    peer = PeerFactory(business=business, languages=["it"])
    english.force_login(peer.user)

    form = english.get("/bicigialla/me/profile/").content.decode()
    assert f'value="{peer.display_name}"' in form

    response = english.post(
        "/bicigialla/me/profile/", good_application(display_name="Gigi", languages=["fr"])
    )
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.display_name == "Gigi"
    assert peer.language_codes == {"fr"}
    assert peer.status == PeerStatus.ACTIVE


def test_profile_errors_come_back_next_to_the_field(english, business, repair):
    peer = PeerFactory(business=business)
    english.force_login(peer.user)
    response = english.post("/bicigialla/me/profile/", good_application(travel_radius_km="900"))
    html = response.content.decode()
    assert "Enter a value of at most 500." in html
    assert 'id="id_travel_radius_km_error"' in html


def test_the_profile_form_takes_its_hints_from_the_input():
    from peerarmy.web.forms.peers import PeerProfileForm

    form = PeerProfileForm()
    attrs = form.fields["travel_radius_km"].widget.attrs
    assert (attrs["min"], attrs["max"]) == (1, 500)
    assert form.fields["display_name"].widget.attrs["maxlength"] == 80
