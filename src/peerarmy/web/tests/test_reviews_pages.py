"""Reviews, suspensions and appeals on the web and the API: staff suspend from the peer's
console page, the peer reads the trail and appeals once in their app, another member decides;
the same bad reason is refused alike on both paths; other businesses and roles stay out."""

import pytest
from django.conf import settings

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.tests.conftest import ApiClient
from peerarmy.peers.inputs import AppealInput, SuspendInput
from peerarmy.peers.models import PeerStatus, ReviewStatus
from peerarmy.peers.services import appeal_suspension, suspend_peer
from peerarmy.scheduling.models import ClaimStatus
from peerarmy.scheduling.services import claim_block
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory
from peerarmy.web.tests.paired import assert_same_errors

pytestmark = pytest.mark.django_db

PAGE = "/bicigialla/manage/peers/{}/"


def _english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_staff_suspend_from_the_peers_page_and_the_claims_go_back(staff_en, business, program):
    peer = PeerFactory(business=business, display_name="Marta")
    claim = claim_block(peer, BlockFactory(program=program).pk).value

    response = staff_en.post(PAGE.format(peer.pk) + "suspend/", {"reason": "Rude to a guest"})

    assert response.status_code == 302
    peer.refresh_from_db()
    claim.refresh_from_db()
    assert peer.status == PeerStatus.SUSPENDED
    assert claim.status == ClaimStatus.RELEASED
    page = staff_en.get(PAGE.format(peer.pk))
    assert "Rude to a guest" in page.content.decode()
    assert "Lift the suspension" in page.content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [({"reason": ""}, "Write the reason; the peer reads it."), ({"reason": "x" * 2001}, None)],
)
def test_a_bad_reason_is_refused_alike_on_both_paths(staff_api, staff_en, business, body, message):
    peer = PeerFactory(business=business)

    on_api = staff_api.post(f"/api/v1/peers/{peer.pk}/suspend", body)
    on_page = staff_en.post(PAGE.format(peer.pk) + "suspend/", body)

    assert_same_errors(on_api, on_page, form="suspend_form", expected={"reason"})
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE


def test_the_peer_reads_why_and_appeals_once_in_their_app(client, business, staff):
    peer = PeerFactory(business=business)
    suspend_peer(business, staff, peer, SuspendInput(reason="Three no-shows in May"))
    _english(client, peer.user)

    page = client.get("/bicigialla/me/standing/")
    assert "Three no-shows in May" in page.content.decode()
    assert "Send the appeal" in page.content.decode()

    client.post("/bicigialla/me/standing/", {"message": "My bike was stolen"})
    again = client.post("/bicigialla/me/standing/", {"message": "Please"})

    assert "Send the appeal" not in again.content.decode()
    (case,) = peer.reviews.all()
    assert case.appeal_message == "My bike was stolen"
    assert "/me/standing/" in client.get("/bicigialla/me/").content.decode()


def test_the_suspender_cannot_decide_the_appeal_but_another_member_can(
    client, business, staff, owner
):
    peer = PeerFactory(business=business)
    suspend_peer(business, staff, peer, SuspendInput(reason="Rude"))
    appeal_suspension(business, peer.user, peer, AppealInput(message="Sorry"))
    body = {"grant": "true", "reason": "First time"}

    _english(client, staff).post(PAGE.format(peer.pk) + "appeal/", body)
    peer.refresh_from_db()
    assert peer.status == PeerStatus.SUSPENDED

    _english(client, owner).post(PAGE.format(peer.pk) + "appeal/", body)
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE


def test_a_community_manager_sees_the_queue_and_suspends(client, business, program):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    peer = PeerFactory(business=business, display_name="Gino")
    _english(client, manager)

    client.post(PAGE.format(peer.pk) + "suspend/", {"reason": "Safety"})

    queue = client.get("/bicigialla/manage/reviews/")
    assert queue.status_code == 200
    assert "Gino" in queue.content.decode()


def test_the_business_sets_when_no_shows_lead_to_a_review(staff_en, business):
    staff_en.post(
        "/bicigialla/manage/reviews/", {"no_show_limit": "4", "no_show_window_days": "30"}
    )

    from peerarmy.peers.selectors import review_settings

    found = review_settings(business)
    assert (found.no_show_limit, found.no_show_window_days) == (4, 30)


# --- the API --------------------------------------------------------------------------------------


def test_the_api_suspends_and_the_peer_appeals_with_their_token_while_suspended(
    client, business, staff, owner
):
    peer = PeerFactory(business=business)
    staff_api = ApiClient(client, create_token(business=business, actor=staff).value.raw, "en")
    owner_api = ApiClient(client, create_token(business=business, actor=owner).value.raw, "en")
    _t, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    peer_api = ApiClient(client, raw, "en")

    suspended = staff_api.post(f"/api/v1/peers/{peer.pk}/suspend", {"reason": "Late again"})
    assert suspended.status_code == 200, suspended.content
    assert suspended.json()["status"] == ReviewStatus.SUSPENDED

    mine = peer_api.get("/api/v1/me/reviews")
    assert mine.status_code == 200, mine.content
    assert mine.json()[0]["steps"][0]["text"] == "Late again"
    assert "by" not in mine.json()[0]["steps"][0]

    assert peer_api.post("/api/v1/me/appeal", {"message": "Please"}).status_code == 200
    second = peer_api.post("/api/v1/me/appeal", {"message": "Again"})
    assert second.status_code == 409
    assert second.json()["code"] == "appeal_already_made"

    by_suspender = staff_api.post(
        f"/api/v1/peers/{peer.pk}/appeal/decision", {"grant": True, "reason": "ok"}
    )
    assert by_suspender.status_code == 403
    decided = owner_api.post(
        f"/api/v1/peers/{peer.pk}/appeal/decision", {"grant": True, "reason": "Fair enough"}
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == ReviewStatus.LIFTED
    trail = owner_api.get(f"/api/v1/peers/{peer.pk}/reviews").json()[0]["steps"]
    assert [s["kind"] for s in trail] == ["suspended", "appealed", "appeal_granted"]
    assert trail[0]["by"] == staff.email


def test_another_business_cannot_reach_a_peers_reviews(
    client, business, other_business, other_staff
):
    peer = PeerFactory(business=business)
    other = ApiClient(client, create_token(business=other_business, actor=other_staff).value.raw)

    assert other.get(f"/api/v1/peers/{peer.pk}/reviews").status_code == 404
    assert other.post(f"/api/v1/peers/{peer.pk}/suspend", {"reason": "x"}).status_code == 404
    assert other.post(f"/api/v1/peers/{peer.pk}/suspend", {}).status_code == 404
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
