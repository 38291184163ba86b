"""Story: a visitor finds a business's landing page, reads its programs in their language,
and clicks "Join the army"."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from peerarmy.programs.models import ProgramStatus
from peerarmy.tenancy.tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programs(business):
    published = ProgramFactory(
        business=business,
        title_it="Consegne in cargo-bike",
        title_en="Cargo-bike deliveries",
        summary_it="Porta la spesa ai vicini",
        summary_en="Bring groceries to the neighbours",
    )
    draft = ProgramFactory(
        business=business,
        status=ProgramStatus.DRAFT,
        title_it="Bozza segreta",
        title_en="Secret draft",
    )
    return published, draft


def test_landing_page_shows_published_programs_in_italian_by_default(client, business, programs):
    # Given a business whose default language is Italian, with a published and a draft program
    # When a visitor with no language preference opens its landing page
    response = client.get("/bicigialla/")

    # Then they read it in Italian, see the published program and never the draft
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "Il negozio di quartiere" in html
    assert "Consegne in cargo-bike" in html
    assert "Porta la spesa ai vicini" in html
    assert "Bozza segreta" not in html and "Secret draft" not in html
    assert reverse("web:join", kwargs={"business_slug": "bicigialla"}) in html


def test_landing_page_follows_the_browser_language(client, business, programs):
    response = client.get("/bicigialla/", headers={"Accept-Language": "en-GB,en;q=0.9"})

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "The neighbourhood shop" in html
    assert "Cargo-bike deliveries" in html
    assert "Consegne in cargo-bike" not in html
    assert "Secret draft" not in html


def test_the_language_switcher_wins_over_the_browser(client, business, programs):
    # Given a visitor whose browser asks for Italian
    # When they press "English" in the language switcher
    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/bicigialla/"},
        headers={"Accept-Language": "it"},
    )
    assert response.status_code == 302
    assert response.cookies["peerarmy_language"].value == "en"

    # Then the landing page is in English from now on
    response = client.get("/bicigialla/", headers={"Accept-Language": "it"})
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Cargo-bike deliveries" in html


def test_the_switcher_offers_both_languages(client, business):
    html = client.get("/bicigialla/").content.decode()
    assert 'name="language" value="it"' in html and "Italiano" in html
    assert 'name="language" value="en"' in html and "English" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_an_unknown_business_is_a_404(client, business):
    response = client.get("/no-such-shop/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_program_page_shows_a_published_program_and_hides_drafts(english, business, programs):
    published, draft = programs

    ok = english.get(f"/bicigialla/programs/{published.slug}/")
    assert ok.status_code == 200
    assert b"Cargo-bike deliveries" in ok.content

    assert english.get(f"/bicigialla/programs/{draft.slug}/").status_code == 404
    assert english.get("/bicigialla/programs/nothing-here/").status_code == 404


def test_index_lists_the_businesses(client, business, other_business):
    html = client.get("/").content.decode()
    assert "Bici Gialla" in html
    assert "Lecce B&amp;B" in html
    assert 'href="/lecce-bnb/"' in html


def test_join_sends_a_newcomer_to_sign_up_and_then_to_the_application(client, business):
    # When a visitor without an account clicks "Join the army"
    response = client.get("/bicigialla/join/")

    # Then they are sent to sign up, coming back to the application form afterwards
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("account_signup")
    assert parse_qs(location.query)["next"] == ["/bicigialla/me/apply/"]
    assert client.session["join_business"] == "bicigialla"


def test_after_sign_up_home_sends_the_newcomer_to_the_application(client, business):
    # Given someone who clicked "Join the army" and then signed up and verified their e-mail
    from peerarmy.tenancy.tests.factories import UserFactory

    client.get("/bicigialla/join/")
    client.force_login(UserFactory())

    # When they land on their home page (allauth's redirect after log-in)
    response = client.get("/home/")

    # Then they go straight to the application form, once
    assert response.status_code == 302
    assert response["Location"] == "/bicigialla/me/apply/"
    assert client.get("/home/").status_code == 200


def test_join_sends_a_logged_in_person_straight_to_the_application(client, business):
    from peerarmy.tenancy.tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/bicigialla/join/")
    assert response.status_code == 302
    assert response["Location"] == "/bicigialla/me/apply/"


def test_home_lists_the_businesses_a_person_runs_and_the_armies_they_are_in(
    client, business, other_business, staff
):
    from peerarmy.tenancy.tests.factories import PeerFactory

    PeerFactory(business=other_business, user=staff)
    client.force_login(staff)
    html = client.get("/home/").content.decode()
    assert 'href="/bicigialla/manage/"' in html
    assert 'href="/lecce-bnb/me/"' in html


def test_account_pages_use_the_site_layout(english):
    html = english.get("/accounts/signup/").content.decode()
    assert 'class="site-header"' in html
    assert '<label for="id_email">' in html
    assert '<label for="id_password2">' in html


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ],
)
def test_every_entrance_page_of_the_account_renders_in_the_site_layout(english, url):
    response = english.get(url)
    assert response.status_code == 200
    assert b'class="site-header"' in response.content
    assert b'class="auth"' in response.content


@pytest.mark.parametrize(
    "url", ["/accounts/email/", "/accounts/password/change/", "/accounts/logout/"]
)
def test_account_management_pages_render_in_the_site_layout(english, url):
    from peerarmy.tenancy.tests.factories import UserFactory

    english.force_login(UserFactory())
    response = english.get(url)
    assert response.status_code == 200
    assert b'class="site-header"' in response.content


def test_a_password_reset_request_keeps_the_layout(english, db):
    from peerarmy.tenancy.tests.factories import UserFactory

    user = UserFactory()
    response = english.post("/accounts/password/reset/", {"email": user.email}, follow=True)
    assert response.status_code == 200
    assert b'class="site-header"' in response.content
