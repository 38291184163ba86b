"""Story: the staff of Bici Gialla run their army from the console: programs, applications,
API tokens. Nobody else gets in."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerarmy.accounts.models import ApiToken, hash_token
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import PeerStatus
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    PeerFactory,
    ProgramFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- who gets in ------------------------------------------------------------------------

CONSOLE_PAGES = [
    "/bicigialla/manage/",
    "/bicigialla/manage/programs/",
    "/bicigialla/manage/programs/new/",
    "/bicigialla/manage/peers/",
    "/bicigialla/manage/tokens/",
    "/bicigialla/manage/tokens/new/",
]


def test_staff_open_every_console_page(staff_en):
    for url in CONSOLE_PAGES:
        assert staff_en.get(url).status_code == 200, url


def test_anonymous_visitors_are_asked_to_log_in(client, business):
    for url in CONSOLE_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_peer_of_the_business_is_refused(english, business, peer, program):
    english.force_login(peer.user)
    for url in [*CONSOLE_PAGES, f"/bicigialla/manage/programs/{program.pk}/"]:
        response = english.get(url)
        assert response.status_code == 403, url
        assert b"Not allowed" in response.content
    response = english.post(f"/bicigialla/manage/programs/{program.pk}/close/")
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.status == ProgramStatus.PUBLISHED


def test_staff_of_another_business_never_see_or_change_its_data(
    english, business, other_business, other_staff
):
    applicant = ApplicantFactory(business=business, display_name="Secret Sara")
    draft = ProgramFactory(business=business, status="draft", title_en="Secret plan")
    english.force_login(other_staff)

    # through the other business's console: 403
    for url in CONSOLE_PAGES:
        assert english.get(url).status_code == 403
    # through their own console with this business's ids: 404
    assert english.get(f"/lecce-bnb/manage/peers/{applicant.pk}/").status_code == 404
    assert english.get(f"/lecce-bnb/manage/programs/{draft.pk}/").status_code == 404
    assert english.post(f"/lecce-bnb/manage/peers/{applicant.pk}/approve/").status_code == 404
    assert english.post(f"/lecce-bnb/manage/programs/{draft.pk}/publish/").status_code == 404
    listing = english.get("/lecce-bnb/manage/peers/").content.decode()
    assert "Secret Sara" not in listing
    assert "Secret plan" not in english.get("/lecce-bnb/manage/programs/").content.decode()

    applicant.refresh_from_db()
    draft.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT
    assert draft.status == ProgramStatus.DRAFT


def test_actions_only_accept_post(staff_en, program):
    assert staff_en.get(f"/bicigialla/manage/programs/{program.pk}/close/").status_code == 405


# --- programs ---------------------------------------------------------------------------


def test_staff_create_edit_publish_and_close_a_program(staff_en, business):
    repair = SkillFactory(business=business, slug="repair", name_en="Repair")

    # create: a draft, texts in both languages
    response = staff_en.post(
        "/bicigialla/manage/programs/new/",
        {
            "kind": "delivery",
            "title_it": "Consegne in cargo-bike",
            "title_en": "Cargo-bike deliveries",
            "summary_it": "Porta la spesa",
            "summary_en": "Bring groceries",
            "required_skills": ["repair"],
            "required_languages": ["it"],
            "min_reliability": "20",
        },
    )
    program = Program.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == f"/bicigialla/manage/programs/{program.pk}/"
    assert program.status == ProgramStatus.DRAFT
    assert program.slug == "cargo-bike-deliveries"
    assert list(program.required_skills.all()) == [repair]
    assert program.required_languages == ["it"]
    assert program.min_reliability == 20
    assert b"Cargo-bike deliveries" not in staff_en.get("/bicigialla/").content

    # edit: both languages side by side, the address kept
    page = staff_en.get(f"/bicigialla/manage/programs/{program.pk}/").content.decode()
    assert 'name="title_it"' in page and 'name="title_en"' in page
    response = staff_en.post(
        f"/bicigialla/manage/programs/{program.pk}/",
        {"kind": "delivery", "title_it": "Consegne veloci", "title_en": "Fast deliveries"},
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.title_en == "Fast deliveries"
    assert program.slug == "cargo-bike-deliveries"

    # publish: on the landing page at once
    response = staff_en.post(f"/bicigialla/manage/programs/{program.pk}/publish/")
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.status == ProgramStatus.PUBLISHED
    assert b"Fast deliveries" in staff_en.get("/bicigialla/").content

    # close: gone from the landing page, no longer editable
    staff_en.post(f"/bicigialla/manage/programs/{program.pk}/close/")
    program.refresh_from_db()
    assert program.status == ProgramStatus.CLOSED
    assert b"Fast deliveries" not in staff_en.get("/bicigialla/").content
    response = staff_en.post(
        f"/bicigialla/manage/programs/{program.pk}/",
        {"kind": "delivery", "title_it": "X", "title_en": "Y"},
    )
    assert response.status_code == 200
    assert b"A closed program cannot be edited." in response.content

    # closing again is an error message, not a crash
    response = staff_en.post(f"/bicigialla/manage/programs/{program.pk}/close/", follow=True)
    assert response.status_code == 200
    assert b"This program is already closed." in response.content


def test_a_program_needs_a_title_in_both_languages(staff_en, business):
    response = staff_en.post(
        "/bicigialla/manage/programs/new/", {"kind": "guides", "title_it": "Guide locali"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    error = html.index('id="id_title_en_error"')
    assert "A title is required in both languages." in html[error : error + 300]
    assert 'value="Guide locali"' in html
    assert not Program.objects.filter(business=business).exists()


def test_the_kind_of_a_published_program_cannot_change(staff_en, program):
    page = staff_en.get(f"/bicigialla/manage/programs/{program.pk}/").content.decode()
    assert re.search(r'<select name="kind"[^>]* disabled', page)
    staff_en.post(
        f"/bicigialla/manage/programs/{program.pk}/",
        {"kind": "guides", "title_it": program.title_it, "title_en": "Renamed"},
    )
    program.refresh_from_db()
    assert program.kind == "delivery"
    assert program.title_en == "Renamed"


def test_programs_list_filters_by_status_and_kind(staff_en, business):
    ProgramFactory(business=business, title_en="Published delivery", kind="delivery")
    ProgramFactory(business=business, title_en="Draft guides", kind="guides", status="draft")

    drafts = staff_en.get("/bicigialla/manage/programs/?status=draft").content.decode()
    assert "Draft guides" in drafts and "Published delivery" not in drafts
    deliveries = staff_en.get("/bicigialla/manage/programs/?kind=delivery").content.decode()
    assert "Published delivery" in deliveries and "Draft guides" not in deliveries


def test_the_dashboard_counts_what_needs_attention(staff_en, business):
    ApplicantFactory.create_batch(3, business=business)
    PeerFactory(business=business)
    ProgramFactory(business=business, status="draft")
    html = staff_en.get("/bicigialla/manage/").content.decode()
    assert '<span class="num">3</span>' in html
    assert '<span class="num">1</span>' in html


def test_the_dashboard_lists_the_first_five_applicants_by_name(staff_en, business):
    for name in ["Fabio", "Bea", "Gino", "Ada", "Carla", "Dino", "Elsa"]:
        ApplicantFactory(business=business, display_name=name)
    PeerFactory(business=business, display_name="Aldo")  # active: not an applicant

    html = staff_en.get("/bicigialla/manage/").content.decode()

    shown = [
        n for n in ["Ada", "Aldo", "Bea", "Carla", "Dino", "Elsa", "Fabio", "Gino"] if n in html
    ]
    assert shown == ["Ada", "Bea", "Carla", "Dino", "Elsa"]


# --- applications -----------------------------------------------------------------------


@pytest.fixture
def applicant(business):
    user = UserFactory(email="marco@example.org", language="it")
    return ApplicantFactory(
        business=business,
        user=user,
        display_name="Marco",
        bio="Guida in bici da vent'anni.",
        showcase_links=["https://example.org/marco"],
    )


def test_the_detail_page_shows_everything_the_applicant_entered(staff_en, applicant):
    html = staff_en.get(f"/bicigialla/manage/peers/{applicant.pk}/").content.decode()
    assert "marco@example.org" in html
    assert "Guida in bici da vent&#x27;anni." in html
    assert "https://example.org/marco" in html
    assert "Via Zamboni 33, Bologna" in html
    assert "44.496800" in html
    assert ">Approve</button>" in html
    assert 'name="reason"' in html


def test_staff_approve_an_applicant_who_gets_an_email_in_their_language(
    staff_en, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_en.post(f"/bicigialla/manage/peers/{applicant.pk}/approve/")

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.ACTIVE
    sent = [m for m in mail.outbox if m.to == ["marco@example.org"]]
    assert len(sent) == 1
    assert "/bicigialla/me/" in sent[0].body
    assert OutboxMessage.objects.get(event="peer.approved").language == "it"
    follow = staff_en.get(response["Location"]).content.decode()
    assert "Marco is now in the army." in follow


def test_an_english_speaking_applicant_is_welcomed_in_english(
    staff_en, business, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business, user=UserFactory(language="en"))
    with django_capture_on_commit_callbacks(execute=True):
        staff_en.post(f"/bicigialla/manage/peers/{applicant.pk}/approve/")
    (message,) = [m for m in mail.outbox if m.to == [applicant.user.email]]
    assert message.subject == "Welcome to the Bici Gialla army!"
    assert "You are now an active member of the army." in message.body


def test_rejecting_needs_a_reason(staff_en, applicant):
    response = staff_en.post(f"/bicigialla/manage/peers/{applicant.pk}/reject/", {"reason": " "})

    assert response.status_code == 200
    html = response.content.decode()
    error = html.index('id="id_reason_error"')
    assert "Give the applicant a reason." in html[error : error + 300]
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT
    assert not OutboxMessage.objects.filter(event="peer.rejected").exists()


def test_staff_reject_with_a_reason_the_applicant_reads_by_email(
    staff_en, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_en.post(
            f"/bicigialla/manage/peers/{applicant.pk}/reject/",
            {"reason": "We only take riders with a cargo bike."},
        )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.REJECTED
    assert applicant.rejection_reason == "We only take riders with a cargo bike."
    (message,) = [m for m in mail.outbox if m.to == ["marco@example.org"]]
    assert "We only take riders with a cargo bike." in message.body
    assert OutboxMessage.objects.get(event="peer.rejected").language == "it"


def test_approving_with_htmx_swaps_the_panel_in_place(staff_en, applicant):
    response = staff_en.post(
        f"/bicigialla/manage/peers/{applicant.pk}/approve/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="decision"')
    assert "Active member of the army." in html
    assert 'hx-swap-oob="true"' in html and "Marco is now in the army." in html
    # the status badge at the top of the page follows the decision (no "Applicant" left)
    assert re.search(
        r'<span id="peer-status" class="badge badge-active" hx-swap-oob="true">(<svg.*?</svg>)?Active',
        html,
    )


def test_approving_a_row_of_the_list_with_htmx_swaps_the_row(staff_en, applicant):
    response = staff_en.post(
        f"/bicigialla/manage/peers/{applicant.pk}/approve/",
        {"part": "row", "next": "/bicigialla/manage/peers/?status=applicant"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.startswith(f'<tr id="peer-{applicant.pk}">')
    assert "badge-active" in html
    assert "Marco is now in the army." in html
    # the row shows what the service's result carries: the languages, the e-mail
    assert "English, Italian" in html and "marco@example.org" in html


def test_rejecting_with_htmx_and_no_reason_shows_the_error_in_the_panel(staff_en, applicant):
    response = staff_en.post(
        f"/bicigialla/manage/peers/{applicant.pk}/reject/",
        {"reason": ""},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="decision"')
    assert "Give the applicant a reason." in html


def test_deciding_twice_is_a_message_not_a_crash(staff_en, applicant):
    staff_en.post(f"/bicigialla/manage/peers/{applicant.pk}/reject/", {"reason": "No."})
    response = staff_en.post(
        f"/bicigialla/manage/peers/{applicant.pk}/reject/", {"reason": "Still no."}, follow=True
    )
    assert response.status_code == 200
    assert (
        "This application was already rejected; only applicants can be decided on."
        in response.content.decode()
    )


# --- the peers list ---------------------------------------------------------------------


@pytest.fixture
def army(business):
    repair = SkillFactory(business=business, slug="repair", name_en="Repair")
    guide = SkillFactory(business=business, slug="guide", name_en="Guiding")
    return {
        "anna": PeerFactory(
            business=business, display_name="Anna", languages=["it"], skills=[repair]
        ),
        "ben": PeerFactory(business=business, display_name="Ben", languages=["en"], skills=[guide]),
        "carla": ApplicantFactory(
            business=business,
            display_name="Carla",
            languages=["it", "fr"],
            home_address="Bolognina",
        ),
    }


def names(response):
    html = response.content.decode()
    return {name for name in ("Anna", "Ben", "Carla") if f"<strong>{name}</strong>" in html}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Anna", "Ben", "Carla"}),
        ("?status=applicant", {"Carla"}),
        ("?status=active", {"Anna", "Ben"}),
        ("?skill=repair", {"Anna"}),
        ("?language=fr", {"Carla"}),
        ("?language=it&status=active", {"Anna"}),
        ("?q=bolognina", {"Carla"}),
        ("?q=ben", {"Ben"}),
        ("?status=bogus", {"Anna", "Ben", "Carla"}),
    ],
)
def test_the_peers_list_filters(staff_en, army, query, expected):
    response = staff_en.get(f"/bicigialla/manage/peers/{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_the_peers_list_is_paginated(staff_en, business):
    PeerFactory.create_batch(30, business=business)
    first = staff_en.get("/bicigialla/manage/peers/").content.decode()
    assert first.count('<tr id="peer-') == 25
    assert "Page 1 of 2" in first
    second = staff_en.get("/bicigialla/manage/peers/?page=2").content.decode()
    assert second.count('<tr id="peer-') == 5
    assert staff_en.get("/bicigialla/manage/peers/?page=99").status_code == 200


def test_the_peers_list_costs_the_same_queries_for_3_or_25_peers(
    staff_en, business, django_assert_max_num_queries
):
    skills = SkillFactory.create_batch(3, business=business)

    def make(n):
        for _ in range(n):
            PeerFactory(business=business, languages=["it", "en"], skills=skills)
            ApplicantFactory(business=business, languages=["fr"], skills=skills[:1])

    make(2)
    with CaptureQueriesContext(connection) as few:
        staff_en.get("/bicigialla/manage/peers/")
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_en.get("/bicigialla/manage/peers/")
    assert response.content.decode().count('<tr id="peer-') == 25
    assert len(few.captured_queries) <= 12


# --- API tokens -------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_stored_only_as_a_hash(staff_en, business, staff):
    response = staff_en.post("/bicigialla/manage/tokens/new/", {"name": "Shop website"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(business=business)
    html = response.content.decode()
    raw = html.split('id="raw-token"')[1].split('value="')[1].split('"')[0]
    assert raw.startswith("pa_") and len(raw) > 30
    assert "cannot be shown again" in html
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.name, token.prefix, token.key_hash}
    assert token.user == staff

    # never again: the list shows the name and the prefix only
    listing = staff_en.get("/bicigialla/manage/tokens/").content.decode()
    assert "Shop website" in listing and token.prefix in listing
    assert raw not in listing


def test_staff_revoke_a_token(staff_en, business, staff):
    from peerarmy.accounts.inputs import TokenInput
    from peerarmy.accounts.services import create_token

    token, _raw = create_token(
        business=business, actor=staff, data=TokenInput(name="Old import")
    ).value
    response = staff_en.post(f"/bicigialla/manage/tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in response.content.decode()


def test_a_token_of_another_business_cannot_be_revoked(staff_en, other_business, other_staff):
    from peerarmy.accounts.inputs import TokenInput
    from peerarmy.accounts.services import create_token

    token, _raw = create_token(
        business=other_business, actor=other_staff, data=TokenInput(name="Theirs")
    ).value
    assert staff_en.post(f"/bicigialla/manage/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_peer_and_the_staff_are_told_what_stops_work_reaching_a_peer(staff_en, business):
    """An address with no town, and no weekly hours while the business matches requests."""
    from django.conf import settings
    from django.test import Client

    from peerarmy.programs.models import ProgramKind, ProgramStatus
    from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory

    ProgramFactory(business=business, kind=ProgramKind.GUIDES, status=ProgramStatus.PUBLISHED)
    peer = PeerFactory(business=business, latitude=None, longitude=None, home_address="Bolognina")
    client = Client()  # the peer's own browser
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(f"/{business.slug}/me/").content.decode()
    console = staff_en.get(f"/{business.slug}/manage/peers/{peer.pk}/").content.decode()

    assert "Before we can offer you work, tell us:" in page
    assert "We could not find a town or a postcode in “Bolognina”" in page
    assert "Your weekly hours" in page and f"/{business.slug}/me/matching/" in page
    assert "Before work can reach them, they still have to give:" in console
    assert "A position: their home area names no town or postcode we know." in console
    assert "Weekly hours: without them no request is offered to them." in console


def test_an_applicant_is_not_sent_to_the_availability_page_they_cannot_open_yet(business):
    """The weekly hours are asked once the peer is approved: before, the link would only lead
    back to their page."""
    from django.conf import settings
    from django.test import Client

    from peerarmy.programs.models import ProgramKind, ProgramStatus
    from peerarmy.tenancy.tests.factories import ApplicantFactory, ProgramFactory

    ProgramFactory(business=business, kind=ProgramKind.GUIDES, status=ProgramStatus.PUBLISHED)
    applicant = ApplicantFactory(business=business)
    client = Client()
    client.force_login(applicant.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(f"/{business.slug}/me/").content.decode()

    assert "Your application is waiting for approval." in page
    assert "Your weekly hours" not in page
    assert f"/{business.slug}/me/matching/" not in page
    assert client.get(f"/{business.slug}/me/matching/").url == f"/{business.slug}/me/"


def test_the_dashboard_says_what_needs_someone_today_and_the_first_steps(staff_en, business, owner):
    """A new business sees its way to a first reward, each step linked; today's list counts
    the unfilled blocks of the next 48 hours (and names them), the waiting requests,
    applications, held rewards, payout runs to approve and undelivered e-mails."""
    from datetime import timedelta

    from django.utils import timezone

    from peerarmy.notifications.models import OutboxMessage, OutboxStatus
    from peerarmy.programs.models import ProgramStatus
    from peerarmy.scheduling.tests.factories import BlockFactory
    from peerarmy.tenancy.tests.factories import ProgramFactory

    program = ProgramFactory(business=business, status=ProgramStatus.PUBLISHED)
    soon = BlockFactory(
        program=program,
        starts_at=timezone.now() + timedelta(hours=5),
        ends_at=timezone.now() + timedelta(hours=7),
        capacity=2,
    )
    BlockFactory(  # next week: not today's business
        program=program,
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=7, hours=2),
    )
    OutboxMessage.objects.create(
        business=business,
        recipient="gone@example.org",
        subject="s",
        body_text="b",
        event="x",
        status=OutboxStatus.FAILED,
        next_attempt_at=timezone.now(),
    )

    page = staff_en.get(f"/{business.slug}/manage/").content.decode()

    assert "First steps" in page
    assert "Publish a first program" in page and "Import your customers" in page
    assert f'href="/{business.slug}/manage/imports/"' in page
    assert "<strong>1</strong> block in the next 48 hours still has a free seat" in page
    assert f"/{business.slug}/manage/blocks/{soon.pk}/" in page
    assert "0 of 2 seats taken" in page
    assert "<strong>1</strong> e-mail could not be delivered" in page


def test_the_console_searches_peers_customers_and_requests_by_name_or_email(
    staff_en, business, other_business
):
    from peerarmy.matching.tests.factories import matching_program, submitted_request
    from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory

    PeerFactory(business=business, display_name="Giulia Rossi")
    customer = CustomerFactory(business=business, email="g.rossi@example.org", last_name="Rossi")
    guides = matching_program(business)
    submitted_request(guides, name="Rossi family", email="family@example.org")
    PeerFactory(business=other_business, display_name="Mario Rossi")  # not ours
    CustomerFactory(business=other_business, email="rossi@theirs.example")

    page = staff_en.get(f"/{business.slug}/manage/search/", {"q": "rossi"}).content.decode()
    short = staff_en.get(f"/{business.slug}/manage/search/", {"q": "r"}).content.decode()

    assert 'role="search"' in page  # the box sits under every console tab
    assert "Giulia Rossi" in page and "Rossi family" in page
    assert f"/{business.slug}/manage/superfans/{customer.pk}/" in page
    assert "Mario Rossi" not in page and "rossi@theirs.example" not in page
    assert "Type at least two letters." in short
