"""Alliances on the web and the API: the public page (both languages, previews, only public
things, 404 while dormant), the console's page per role, the peer's consent card and their
one-click application, and the partner's console showing where the applicant comes from."""

import pytest
from django.utils import timezone

from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.alliances import selectors
from peerarmy.alliances.models import AllianceApplication, AllianceConsent, MemberStatus
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
    OwnerFactory,
    ProgramFactory,
)

from .helpers import allied, consent, found, giulia, guide_program, two_businesses

pytestmark = pytest.mark.django_db

PRIVATE = "PRIVATE-9c1e"


@pytest.fixture(autouse=True)
def _in_english(client):
    """The pages in English (the businesses speak Italian by default)."""
    client.cookies["peerarmy_language"] = "en"


def _text(response):
    return response.content.decode()


# --- the public page ---------------------------------------------------------------------------


def test_the_public_page_shows_every_member_and_only_public_things(client):
    pair = allied()
    guide_program(
        pair.partner, title_it="Lecce barocca", title_en="Baroque Lecce", slug="lecce-barocca"
    )
    ProgramFactory(business=pair.shop, title_it="Consegne", title_en="Deliveries")
    ProgramFactory(business=pair.shop, status="draft", title_it=PRIVATE, title_en=PRIVATE)
    peer = giulia(pair.shop, bio=PRIVATE)
    consent(peer, reliability=True)
    CustomerFactory(business=pair.shop, email=f"{PRIVATE.lower()}@example.org")

    page = client.get("/a/amici/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = _text(page)
    assert "Amici della bici" in text and "Bici Gialla" in text and "Lecce B&amp;B" in text
    assert "Baroque Lecce" in text and "Deliveries" in text
    assert "/lecce/programs/lecce-barocca/" in text and 'href="/bici/"' in text
    assert '<meta property="og:title" content="Amici della bici">' in text
    assert PRIVATE not in text and "Giulia" not in text
    client.cookies["peerarmy_language"] = "it"
    italian = _text(client.get("/a/amici/"))
    assert "Lecce barocca" in italian and "Insieme" in italian
    assert client.post("/a/amici/").status_code == 405

    api = client.get("/api/v1/alliances/amici")
    assert api.status_code == 200
    body = api.json()
    assert [m["business"] for m in body["members"]] == ["bici", "lecce"]
    assert PRIVATE not in api.content.decode()


def test_a_dormant_or_unknown_alliance_is_not_found(client):
    pair = two_businesses()
    found(pair.shop, pair.shop_owner)
    assert client.get("/a/amici/").status_code == 404
    assert client.get("/a/nessuna/").status_code == 404
    assert client.get("/api/v1/alliances/amici").status_code == 404


# --- the console ---------------------------------------------------------------------------------


def test_an_owner_founds_invites_and_the_partner_accepts_in_the_console(client):
    pair = two_businesses()
    client.force_login(pair.shop_owner)
    page = client.get("/bici/manage/alliance/")
    assert page.status_code == 200 and "Found the alliance" in _text(page)
    bad = client.post("/bici/manage/alliance/found/", {"name": "", "slug": "No good"})
    assert bad.status_code == 400 and "field--error" in _text(bad)
    client.post(
        "/bici/manage/alliance/found/",
        {"name": "Amici della bici", "slug": "amici", "description_it": "Insieme"},
    )
    client.post("/bici/manage/alliance/invite/", {"business": "lecce"})
    sent = _text(client.get("/bici/manage/alliance/"))
    assert "Lecce B&amp;B" in sent and "Withdraw" in sent
    wrong = client.post("/bici/manage/alliance/invite/", {"business": "nowhere"})
    assert wrong.status_code == 400 and "nowhere" in _text(wrong)

    client.force_login(pair.partner_owner)
    received = _text(client.get("/lecce/manage/alliance/"))
    assert "invites you to the alliance" in received and "Accept" in received
    client.post("/lecce/manage/alliance/accept/", {"alliance": "amici"})
    assert selectors.partners(pair.partner) == [pair.shop]
    joined = _text(client.get("/lecce/manage/alliance/"))
    assert "/a/amici/" in joined and "Leave" in joined


def test_staff_see_the_alliance_and_change_nothing_and_community_managers_do_not_see_it(client):
    pair = allied()
    client.force_login(pair.shop_staff)
    page = _text(client.get("/bici/manage/alliance/"))
    assert "Lecce B&amp;B" in page and "Send the invitation" not in page
    client.post("/bici/manage/alliance/leave/")
    client.post("/bici/manage/alliance/edit/", {"name": "Altro"})
    assert selectors.alliance_of(pair.shop).name == "Amici della bici"
    assert selectors.membership(pair.shop).status == MemberStatus.ACTIVE

    community = MembershipFactory(business=pair.shop, role=Role.COMMUNITY).user
    client.force_login(community)
    assert client.get("/bici/manage/alliance/").status_code == 403
    assert client.post("/bici/manage/alliance/leave/").status_code == 403


def test_an_owner_leaves_from_the_console(client):
    pair = allied()
    client.force_login(pair.partner_owner)
    client.post("/lecce/manage/alliance/leave/")
    assert selectors.partners(pair.shop) == []


# --- the peer's side and the partner's console ---------------------------------------------------


def test_a_peer_agrees_on_their_profile_applies_with_one_click_and_the_partner_sees_where_from(
    client,
):
    pair = allied()
    program = guide_program(pair.partner, title_en="Baroque Lecce")
    peer = giulia(pair.shop, decided_at=timezone.now())
    client.force_login(peer.user)

    profile = _text(client.get("/bici/me/profile/"))
    assert "Partner businesses" in profile and "Lecce B&amp;B" in profile
    assert (
        'name="share_profile"' in profile
        and "checked" not in profile.split("share_profile")[1][:40]
    )
    before = _text(client.get("/bici/me/alliance/"))
    assert "Baroque Lecce" not in before  # nothing offered before consent

    client.post(
        "/bici/me/alliance/consent/",
        {"share_profile": "on", "share_reliability": "on", "next": "/bici/me/profile/"},
    )
    assert AllianceConsent.objects.get(peer=peer).share_reliability is True
    page = _text(client.get("/bici/me/alliance/"))
    assert "Baroque Lecce" in page and "Apply with one click" in page

    client.post("/bici/me/alliance/apply/", {"business": "lecce", "program_id": program.pk})
    there = Peer.objects.get(business=pair.partner, user=peer.user)
    assert there.status == PeerStatus.APPLICANT
    after = _text(client.get("/bici/me/alliance/"))
    assert "You applied to Lecce B&amp;B" in after
    client.post("/bici/me/alliance/apply/", {"business": "lecce"})
    assert AllianceApplication.objects.count() == 1  # a second click makes nothing

    client.force_login(pair.partner_owner)
    detail = _text(client.get(f"/lecce/manage/peers/{there.pk}/"))
    assert "Comes through the alliance from Bici Gialla" in detail
    assert "92/100 (shared with consent)" in detail
    console = _text(client.get("/lecce/manage/alliance/"))
    assert "Giulia R." in console


def test_a_consent_without_the_profile_is_refused_with_words(client):
    pair = allied()
    peer = giulia(pair.shop)
    client.force_login(peer.user)
    response = client.post("/bici/me/alliance/consent/", {"share_reliability": "on"}, follow=True)
    assert "share your profile too" in _text(response)
    assert not AllianceConsent.objects.exists()


def test_the_card_is_not_shown_without_partners(client):
    pair = two_businesses()
    peer = giulia(pair.shop)
    client.force_login(peer.user)
    assert "Partner businesses" not in _text(client.get("/bici/me/profile/"))
    assert "in no alliance" in _text(client.get("/bici/me/alliance/"))


# --- the API -------------------------------------------------------------------------------------


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_api_shows_the_alliance_and_only_an_owners_token_changes_it(client):
    pair = two_businesses()
    _t, owner_raw = create_token(business=pair.shop, actor=pair.shop_owner).value
    _t, staff_raw = create_token(business=pair.shop, actor=pair.shop_staff).value
    _t, partner_raw = create_token(business=pair.partner, actor=pair.partner_owner).value
    json = {"content_type": "application/json"}

    empty = client.get("/api/v1/alliance/", **_bearer(owner_raw)).json()
    assert empty["alliance"] is None and empty["members"] == []
    refused = client.post(
        "/api/v1/alliance/", {"slug": "amici", "name": "Amici"}, **json, **_bearer(staff_raw)
    )
    assert refused.status_code == 403
    made = client.post(
        "/api/v1/alliance/", {"slug": "amici", "name": "Amici"}, **json, **_bearer(owner_raw)
    )
    assert made.status_code == 201 and made.json()["slug"] == "amici"
    invited = client.post(
        "/api/v1/alliance/invitations", {"business": "lecce"}, **json, **_bearer(owner_raw)
    )
    assert invited.status_code == 201 and invited.json()["status"] == "invited"
    unknown = client.post(
        "/api/v1/alliance/invitations", {"business": "nowhere"}, **json, **_bearer(owner_raw)
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "business"
    waiting = client.get("/api/v1/alliance/", **_bearer(partner_raw)).json()
    assert [i["alliance"] for i in waiting["invitations_received"]] == ["amici"]
    not_invited = client.post(
        "/api/v1/alliance/accept", {"alliance": "altra"}, **json, **_bearer(partner_raw)
    )
    assert not_invited.status_code == 404
    accepted = client.post(
        "/api/v1/alliance/accept", {"alliance": "amici"}, **json, **_bearer(partner_raw)
    )
    assert accepted.status_code == 200
    seen = client.get("/api/v1/alliance/", **_bearer(staff_raw)).json()
    assert seen["live"] and [m["business"] for m in seen["members"]] == ["bici", "lecce"]
    left = client.post("/api/v1/alliance/leave", **_bearer(partner_raw))
    assert left.status_code == 200 and left.json()["status"] == "left"


def test_a_community_managers_token_is_refused(client):
    pair = allied()
    community = MembershipFactory(business=pair.shop, role=Role.COMMUNITY).user
    _t, raw = create_token(business=pair.shop, actor=community).value
    assert client.get("/api/v1/alliance/", **_bearer(raw)).status_code == 403


def test_a_peer_agrees_and_applies_through_the_api(client):
    pair = allied()
    program = guide_program(pair.partner)
    peer = giulia(pair.shop)
    _t, raw = create_peer_token(business=pair.shop, peer_user=peer.user).value
    json = {"content_type": "application/json"}
    mine = client.get("/api/v1/me/alliance", **_bearer(raw)).json()
    assert mine["partners"] == ["lecce"] and mine["offers"] == []
    assert mine["consent"]["share_profile"] is False
    no = client.post("/api/v1/me/alliance/apply", {"business": "lecce"}, **json, **_bearer(raw))
    assert no.status_code == 403 and no.json()["code"] == "no_consent"
    bad = client.put(
        "/api/v1/me/alliance/consent", {"share_reliability": True}, **json, **_bearer(raw)
    )
    assert bad.status_code == 422
    client.put("/api/v1/me/alliance/consent", {"share_profile": True}, **json, **_bearer(raw))
    offers = client.get("/api/v1/me/alliance", **_bearer(raw)).json()["offers"]
    assert [p["id"] for p in offers[0]["programs"]] == [program.pk]
    applied = client.post(
        "/api/v1/me/alliance/apply",
        {"business": "lecce", "program_id": program.pk},
        **json,
        **_bearer(raw),
    )
    assert applied.status_code == 201
    assert applied.json()["reliability_shared"] is False
    again = client.post("/api/v1/me/alliance/apply", {"business": "lecce"}, **json, **_bearer(raw))
    assert again.status_code == 409 and again.json()["code"] == "already_applied"


def test_a_business_outside_the_alliance_sees_nothing_of_it(client):
    pair = allied()
    peer = giulia(pair.shop)
    consent(peer, reliability=True)
    outsider = BusinessFactory(slug="fuori")
    owner = OwnerFactory(business=outsider).user
    _t, raw = create_token(business=outsider, actor=owner).value
    seen = client.get("/api/v1/alliance/", **_bearer(raw)).json()
    assert seen["alliance"] is None and seen["consenting_partner_peers"] == 0
    accept = client.post(
        "/api/v1/alliance/accept",
        {"alliance": "amici"},
        content_type="application/json",
        **_bearer(raw),
    )
    assert accept.status_code == 404
    client.force_login(owner)
    page = _text(client.get("/fuori/manage/alliance/"))
    assert "Amici della bici" not in page and "Giulia" not in page


def test_the_public_page_costs_the_same_queries_for_few_or_many_programs_and_rentals(
    client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from peerarmy.sharing.tests.helpers import asset, sharing_program

    pair = allied()
    rentals = sharing_program(pair.shop, pair.shop_owner)
    asset(pair.shop, pair.shop_owner, rentals)
    ProgramFactory(business=pair.partner)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/a/amici/").status_code == 200
    for _ in range(5):
        ProgramFactory(business=pair.partner)
        ProgramFactory(business=pair.shop)
        asset(pair.shop, pair.shop_owner, rentals)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/a/amici/")
    text = page.content.decode()
    assert text.count('class="card program-card"') == 12  # 6 of each, the rentals' included
    assert text.count("/sharing/") == 7  # the rentals program and its 6 assets
