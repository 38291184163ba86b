"""A peer's app or script, with the peer's own token: finds blocks to claim, claims one
safely across retries, is told exactly why a claim is refused, releases, waits, swaps,
checks in and out, reads their calendar; and never reaches another peer's claims."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.peers.models import PeerStatus
from peerarmy.scheduling.models import (
    Block,
    Claim,
    ClaimStatus,
    SwapOffer,
    SwapStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from peerarmy.scheduling.services import claim_block, join_waitlist
from peerarmy.scheduling.tests.factories import BlockFactory, FairnessLimitsFactory
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory, SkillFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


class PeerApiClient(ApiClient):
    """A peer's app, in English."""

    def _headers(self, extra):
        return {"HTTP_ACCEPT_LANGUAGE": "en", **super()._headers(extra)}


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    return PeerApiClient(client, raw)


def other_peer_api(client, business, **fields):
    other = PeerFactory(business=business, **fields)
    _token, raw = create_peer_token(business=business, peer_user=other.user).value
    return other, PeerApiClient(client, raw)


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert problem_fields(response) == []
    assert response.json()["code"] == code
    return response.json()


def soon(program, minutes=10, **fields):
    """A block starting in a few minutes: inside the check-in window."""
    now = timezone.now().replace(microsecond=0)
    return BlockFactory(
        program=program,
        starts_at=now + timedelta(minutes=minutes),
        ends_at=now + timedelta(minutes=minutes, hours=2),
        **fields,
    )


# --- who am I, and what can I claim --------------------------------------------------------


def test_the_token_says_which_peer_it_acts_for(peer_api, peer):
    body = peer_api.get(ME).json()

    assert body == {
        "id": peer.pk,
        "display_name": peer.display_name,
        "status": "active",
        "business": "bicigialla",
        "reliability": None,
    }


def test_claimable_blocks_show_distance_duration_reward_and_whether_they_can_be_claimed(
    peer_api, business, program
):
    block = BlockFactory(program=program, place_name="Piazza Maggiore", capacity=3)

    body = peer_api.get(f"{ME}blocks/claimable").json()

    assert [item["block"]["id"] for item in body] == [block.pk]
    item = body[0]
    assert item["block"]["place_name"] == "Piazza Maggiore"
    assert item["block"]["duration_minutes"] == 180
    assert (item["block"]["reward_minor"], item["block"]["reward_points"]) == (2500, 10)
    assert item["block"]["seats_left"] == 3
    assert 1 < item["distance_km"] < 2  # Via Zamboni to Via del Pratello
    assert item["can_claim"] is True and item["refusal"] is None and item["reasons"] == []
    assert "claims" not in item["block"]  # no other peer's name reaches a peer


def test_a_full_or_overlapping_block_says_why_it_cannot_be_claimed(
    peer_api, business, program, peer
):
    mine = BlockFactory(program=program)
    claim_block(peer, mine.pk)
    overlapping = BlockFactory(
        program=program, starts_at=mine.starts_at + timedelta(hours=1), place_name="Overlap"
    )
    full = BlockFactory(program=program, starts_at=mine.starts_at + timedelta(days=1), capacity=1)
    claim_block(PeerFactory(business=business), full.pk)

    body = {i["block"]["id"]: i for i in peer_api.get(f"{ME}blocks/claimable").json()}

    assert mine.pk not in body  # already theirs
    assert body[overlapping.pk]["refusal"]["code"] == "overlaps_claimed_block"
    assert body[overlapping.pk]["can_claim"] is False
    assert body[full.pk]["refusal"] == {
        "code": "block_full",
        "message": "This block is full. You can join its waitlist.",
    }
    assert body[full.pk]["can_join_waitlist"] is True


def test_claimable_blocks_filter_by_day_and_place(peer_api, business, program):
    first = BlockFactory(program=program, place_name="Officina")
    later = BlockFactory(
        program=program, starts_at=first.starts_at + timedelta(days=1), place_name="Mercato"
    )
    day = timezone.localtime(later.starts_at, business.tzinfo).date().isoformat()

    by_day = peer_api.get(f"{ME}blocks/claimable", {"day": day}).json()
    by_place = peer_api.get(f"{ME}blocks/claimable", {"place": "offic"}).json()
    bad = peer_api.get(f"{ME}blocks/claimable", {"day": "tomorrow"})

    assert [i["block"]["id"] for i in by_day] == [later.pk]
    assert [i["block"]["id"] for i in by_place] == [first.pk]
    assert bad.status_code == 422 and problem_fields(bad) == ["day"]


# --- claiming, and every way a claim is refused --------------------------------------------


def test_a_retry_with_the_same_idempotency_key_gets_the_same_claim(peer_api, program, peer):
    block = BlockFactory(program=program)
    url = f"{ME}blocks/{block.pk}/claim"

    first = peer_api.post(url, HTTP_IDEMPOTENCY_KEY="4b1d-retry")
    retry = peer_api.post(url, HTTP_IDEMPOTENCY_KEY="4b1d-retry")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert first.json()["status"] == "active" and first.json()["block"]["id"] == block.pk
    assert Claim.objects.filter(peer=peer).count() == 1
    block.refresh_from_db()
    assert block.seats_taken == 1


def test_without_a_key_a_second_claim_is_refused_not_doubled(peer_api, program, peer):
    block = BlockFactory(program=program)

    assert peer_api.post(f"{ME}blocks/{block.pk}/claim").status_code == 201
    refused(peer_api.post(f"{ME}blocks/{block.pk}/claim"), 409, "already_claimed")
    assert Claim.objects.filter(peer=peer).count() == 1


def test_one_key_for_two_blocks_is_refused(peer_api, program, peer):
    first = BlockFactory(program=program)
    second = BlockFactory(program=program, starts_at=first.starts_at + timedelta(days=1))
    peer_api.post(f"{ME}blocks/{first.pk}/claim", HTTP_IDEMPOTENCY_KEY="k1")

    response = peer_api.post(f"{ME}blocks/{second.pk}/claim", HTTP_IDEMPOTENCY_KEY="k1")

    refused(response, 409, "idempotency_key_reused")
    assert not Claim.objects.filter(block=second).exists()


def test_an_overlong_idempotency_key_is_named(peer_api, program):
    block = BlockFactory(program=program)

    response = peer_api.post(f"{ME}blocks/{block.pk}/claim", HTTP_IDEMPOTENCY_KEY="k" * 101)

    assert response.status_code == 422
    assert problem_fields(response) == ["Idempotency-Key"]
    assert not Claim.objects.exists()


def test_a_full_block_is_refused_as_block_full(peer_api, business, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)

    body = refused(peer_api.post(f"{ME}blocks/{block.pk}/claim"), 409, "block_full")

    assert body["detail"] == "This block is full. You can join its waitlist."
    assert body["type"] == "https://peerarmy.dev/problems/block_full"


def test_an_overlap_is_refused_as_overlaps_claimed_block(peer_api, program, peer):
    mine = BlockFactory(program=program)
    claim_block(peer, mine.pk)
    other = BlockFactory(program=program, starts_at=mine.starts_at + timedelta(hours=1))

    refused(peer_api.post(f"{ME}blocks/{other.pk}/claim"), 409, "overlaps_claimed_block")


def test_too_many_hours_in_a_week_are_refused(peer_api, program):
    FairnessLimitsFactory(program=program, max_hours_per_week=2)
    block = BlockFactory(program=program)  # three hours

    refused(peer_api.post(f"{ME}blocks/{block.pk}/claim"), 409, "weekly_hours_exceeded")


def test_a_block_not_released_yet_is_refused(peer_api, program):
    block = BlockFactory(program=program, released_at=timezone.now() + timedelta(days=1))

    body = refused(peer_api.post(f"{ME}blocks/{block.pk}/claim"), 409, "not_released_yet")

    assert "can be claimed from" in body["detail"]


def test_an_ineligible_peer_is_told_every_reason(peer_api, business, program):
    skill = SkillFactory(business=business, name_en="Bike repair")
    block = BlockFactory(program=program, required_languages=["de"], required_skills=[skill])

    body = refused(
        peer_api.post(f"{ME}blocks/{block.pk}/claim"),
        403,
        "not_eligible",
    )

    assert body["reasons"] == [
        "Needs the skill: Bike repair.",
        "Needs one of these languages: German.",
    ]
    assert not Claim.objects.exists()


def test_a_cancelled_or_missing_block(peer_api, program):
    block = BlockFactory(program=program, status="cancelled")

    refused(peer_api.post(f"{ME}blocks/{block.pk}/claim"), 409, "block_cancelled")
    refused(peer_api.post(f"{ME}blocks/{10**9}/claim"), 404, "not_found")


# --- my claims: list, release ----------------------------------------------------------------


def test_my_claims_list_only_mine(peer_api, business, program, peer):
    block = BlockFactory(program=program, capacity=3)
    mine = claim_block(peer, block.pk).value
    claim_block(PeerFactory(business=business), block.pk)

    body = peer_api.get(f"{ME}claims/").json()

    assert body["count"] == 1
    assert body["results"][0]["id"] == mine.pk
    cutoff = body["results"][0]["release_until"]
    assert cutoff.startswith((block.starts_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    assert peer_api.get(f"{ME}claims/", {"status": "released"}).json()["count"] == 0


def test_my_lists_cost_the_same_queries_for_more_items(client, peer_api, business, program, peer):
    friend = PeerFactory(business=business)

    def queries():
        counts = []
        for url in (f"{ME}claims/", f"{ME}swap-offers/", f"{ME}waitlist/", f"{ME}blocks/claimable"):
            with CaptureQueriesContext(connection) as ctx:
                assert peer_api.get(url).status_code == 200
            counts.append(len(ctx))
        return counts

    def add(day):
        start = timezone.now().replace(microsecond=0) + timedelta(days=day)
        claim = claim_block(peer, BlockFactory(program=program, starts_at=start).pk).value
        peer_api.post(f"{ME}claims/{claim.pk}/swap-offers", {"peer_id": friend.pk})
        full = BlockFactory(program=program, starts_at=start + timedelta(hours=5), capacity=1)
        claim_block(PeerFactory(business=business), full.pk)
        join_waitlist(peer, full.pk)
        BlockFactory(program=program, starts_at=start + timedelta(hours=10))

    add(1)
    queries()  # the token's first use is recorded once
    few = queries()
    for day in (2, 3, 4):
        add(day)

    assert queries() == few


def test_a_release_frees_the_seat(peer_api, program, peer):
    claim = claim_block(peer, BlockFactory(program=program).pk).value

    response = peer_api.post(f"{ME}claims/{claim.pk}/release")

    assert response.status_code == 200
    assert response.json()["status"] == "released"
    assert response.json()["block"]["seats_left"] == 2


def test_a_release_past_the_cutoff_is_refused(peer_api, program, peer):
    claim = claim_block(peer, soon(program, minutes=30).pk).value

    body = refused(peer_api.post(f"{ME}claims/{claim.pk}/release"), 409, "past_forfeit_cutoff")

    assert "ask the staff" in body["detail"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE


def test_another_peers_claim_is_not_found(client, peer_api, business, program):
    someone = PeerFactory(business=business)
    theirs = claim_block(someone, BlockFactory(program=program).pk).value
    missing = 10**9

    for method, suffix in [
        ("get", ""),
        ("post", "/release"),
        ("post", "/check-in"),
        ("post", "/check-out"),
        ("post", "/swap-offers"),
    ]:
        response = getattr(peer_api, method)(f"{ME}claims/{theirs.pk}{suffix}")
        other = getattr(peer_api, method)(f"{ME}claims/{missing}{suffix}")
        assert response.status_code == 404, suffix
        assert response.json() == other.json()
    theirs.refresh_from_db()
    assert theirs.status == ClaimStatus.ACTIVE
    assert not SwapOffer.objects.exists()


def test_another_businesss_blocks_are_not_found(peer_api, other_business):
    theirs = BlockFactory(program=ProgramFactory(business=other_business))

    for method, suffix in [("post", "claim"), ("post", "waitlist"), ("delete", "waitlist")]:
        response = getattr(peer_api, method)(f"{ME}blocks/{theirs.pk}/{suffix}")
        assert response.status_code == 404
    assert not Claim.objects.exists()
    assert peer_api.get(f"{ME}blocks/claimable").json() == []


# --- waitlist --------------------------------------------------------------------------------


def test_join_and_leave_a_waitlist(peer_api, business, program, peer):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)

    joined = peer_api.post(f"{ME}blocks/{block.pk}/waitlist")
    twice = peer_api.post(f"{ME}blocks/{block.pk}/waitlist")
    listed = peer_api.get(f"{ME}waitlist/").json()
    left = peer_api.delete(f"{ME}blocks/{block.pk}/waitlist")
    again = peer_api.delete(f"{ME}blocks/{block.pk}/waitlist")

    assert joined.status_code == 201
    assert joined.json()["status"] == "waiting" and joined.json()["block"]["id"] == block.pk
    refused(twice, 409, "already_waiting")
    assert [e["id"] for e in listed["results"]] == [joined.json()["id"]]
    assert left.status_code == 204
    assert again.status_code == 404
    assert WaitlistEntry.objects.get(peer=peer).status == WaitlistStatus.LEFT


def test_a_block_with_seats_is_claimed_not_waited_for(peer_api, program):
    block = BlockFactory(program=program)

    refused(peer_api.post(f"{ME}blocks/{block.pk}/waitlist"), 409, "block_not_full")


def test_a_released_seat_goes_to_the_waiting_peer(client, peer_api, business, program, peer):
    block = BlockFactory(program=program, capacity=1)
    claim = claim_block(peer, block.pk).value
    waiting, waiting_api = other_peer_api(client, business)
    join_waitlist(waiting, block.pk)

    peer_api.post(f"{ME}claims/{claim.pk}/release")

    claims = waiting_api.get(f"{ME}claims/").json()["results"]
    assert [(c["block"]["id"], c["promoted_from_waitlist"]) for c in claims] == [(block.pk, True)]


# --- swaps -----------------------------------------------------------------------------------


def test_offer_a_block_and_the_other_peer_accepts_it(client, peer_api, business, program, peer):
    claim = claim_block(peer, BlockFactory(program=program).pk).value
    friend, friend_api = other_peer_api(client, business, display_name="Carla")

    offered = peer_api.post(f"{ME}claims/{claim.pk}/swap-offers", {"peer_id": friend.pk})
    again = peer_api.post(f"{ME}claims/{claim.pk}/swap-offers", {"peer_id": friend.pk})
    received = friend_api.get(f"{ME}swap-offers/", {"direction": "received"}).json()
    own_accept = peer_api.post(f"{ME}swap-offers/{offered.json()['id']}/accept")
    accepted = friend_api.post(f"{ME}swap-offers/{offered.json()['id']}/accept")

    assert offered.status_code == 201
    offer = offered.json()
    assert offer["to_peer"] == {"id": friend.pk, "display_name": "Carla"}
    assert offer["status"] == "pending" and offer["claim_id"] == claim.pk
    assert again.status_code == 200 and again.json()["id"] == offer["id"]
    assert [o["id"] for o in received["results"]] == [offer["id"]]
    refused(own_accept, 403, "swap_not_yours")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    new_claim = Claim.objects.get(pk=accepted.json()["new_claim_id"])
    assert new_claim.peer == friend and new_claim.status == ClaimStatus.ACTIVE
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED
    assert friend_api.get(f"{ME}claims/{new_claim.pk}").status_code == 200
    assert peer_api.get(f"{ME}claims/{new_claim.pk}").status_code == 404


def test_decline_and_withdraw_a_swap_offer(client, peer_api, business, program, peer):
    first = claim_block(peer, BlockFactory(program=program).pk).value
    second = claim_block(
        peer, BlockFactory(program=program, starts_at=first.starts_at + timedelta(days=1)).pk
    ).value
    friend, friend_api = other_peer_api(client, business)
    to_decline = peer_api.post(f"{ME}claims/{first.pk}/swap-offers", {"peer_id": friend.pk})
    to_withdraw = peer_api.post(f"{ME}claims/{second.pk}/swap-offers", {"peer_id": friend.pk})

    declined = friend_api.post(f"{ME}swap-offers/{to_decline.json()['id']}/decline")
    not_theirs = friend_api.post(f"{ME}swap-offers/{to_withdraw.json()['id']}/withdraw")
    withdrawn = peer_api.post(f"{ME}swap-offers/{to_withdraw.json()['id']}/withdraw")
    late = friend_api.post(f"{ME}swap-offers/{to_withdraw.json()['id']}/accept")

    assert declined.json()["status"] == "declined"
    refused(not_theirs, 403, "swap_not_yours")
    assert withdrawn.json()["status"] == "withdrawn"
    refused(late, 409, "swap_not_pending")
    made = peer_api.get(f"{ME}swap-offers/", {"direction": "made", "status": "declined"})
    assert [o["id"] for o in made.json()["results"]] == [to_decline.json()["id"]]


def test_an_offer_names_a_peer_of_this_army(client, peer_api, business, other_business, peer):
    claim = claim_block(peer, BlockFactory(program=ProgramFactory(business=business)).pk).value
    stranger = PeerFactory(business=other_business)

    for body in ({}, {"peer_id": stranger.pk}, {"peer_id": 10**9}, {"peer_id": peer.pk}):
        response = peer_api.post(f"{ME}claims/{claim.pk}/swap-offers", body)
        assert response.status_code == 422, body
        assert problem_fields(response) == ["peer_id"]
    bad = peer_api.post(f"{ME}claims/{claim.pk}/swap-offers", {"peer_id": "Carla"})
    assert problem_fields(bad) == ["peer_id"]
    assert not SwapOffer.objects.exists()


def test_an_offer_to_a_peer_who_could_not_take_it_is_refused(
    client, peer_api, business, program, peer
):
    claim = claim_block(peer, BlockFactory(program=program).pk).value
    busy, _busy_api = other_peer_api(client, business)
    claim_block(
        busy, BlockFactory(program=program, starts_at=claim.starts_at + timedelta(hours=1)).pk
    )

    response = peer_api.post(f"{ME}claims/{claim.pk}/swap-offers", {"peer_id": busy.pk})

    refused(response, 409, "overlaps_claimed_block")


def test_other_peers_offers_are_not_found(client, peer_api, business, program):
    offerer, offerer_api = other_peer_api(client, business)
    friend = PeerFactory(business=business)
    claim = claim_block(offerer, BlockFactory(program=program).pk).value
    offer = offerer_api.post(f"{ME}claims/{claim.pk}/swap-offers", {"peer_id": friend.pk})
    offer_id = offer.json()["id"]

    for action in ("accept", "decline", "withdraw"):
        assert peer_api.post(f"{ME}swap-offers/{offer_id}/{action}").status_code == 404
    assert peer_api.get(f"{ME}swap-offers/").json()["count"] == 0
    assert SwapOffer.objects.get(pk=offer_id).status == SwapStatus.PENDING


# --- check-in and check-out ------------------------------------------------------------------


def test_check_in_and_out_within_the_window(peer_api, program, peer):
    claim = claim_block(peer, soon(program).pk).value

    before_in = peer_api.post(f"{ME}claims/{claim.pk}/check-out")
    checked_in = peer_api.post(f"{ME}claims/{claim.pk}/check-in")
    checked_out = peer_api.post(f"{ME}claims/{claim.pk}/check-out", {"lat": None})

    refused(before_in, 409, "invalid_transition")
    assert checked_in.status_code == 200 and checked_in.json()["checked_in_at"]
    assert checked_out.status_code == 200 and checked_out.json()["checked_out_at"]


def test_check_in_is_refused_outside_the_window(peer_api, program, peer):
    claim = claim_block(peer, BlockFactory(program=program).pk).value  # in two days

    refused(peer_api.post(f"{ME}claims/{claim.pk}/check-in"), 409, "outside_check_in_window")


def test_check_in_at_a_place_with_a_radius_needs_the_position(peer_api, program, peer):
    claim = claim_block(peer, soon(program, check_in_radius_m=200).pk).value
    url = f"{ME}claims/{claim.pk}/check-in"

    refused(peer_api.post(url), 409, "too_far_to_check_in")
    refused(peer_api.post(url, {"lat": 44.5, "lon": 11.4}), 409, "too_far_to_check_in")
    assert peer_api.post(url, {"lat": 44.4949, "lon": 11.3343}).status_code == 200
    bad = peer_api.post(url, {"lat": 95, "lon": "east"})
    assert bad.status_code == 422 and set(problem_fields(bad)) == {"lat", "lon"}


# --- the calendar ----------------------------------------------------------------------------


def test_my_calendar_holds_my_blocks(peer_api, business, program, peer):
    block = BlockFactory(program=program)
    claim_block(peer, block.pk)
    someone_elses = BlockFactory(program=program, starts_at=block.starts_at + timedelta(days=3))
    claim_block(PeerFactory(business=business), someone_elses.pk)

    response = peer_api.get(f"{ME}schedule.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR")
    assert f"UID:block-{block.pk}@" in body
    assert f"UID:block-{someone_elses.pk}@" not in body


# --- who may use these endpoints -----------------------------------------------------------


def test_a_staff_token_is_refused_on_the_peer_endpoints(api, program):
    block = BlockFactory(program=program)

    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    for response in (
        api.get(f"{ME}blocks/claimable", **en),
        api.post(f"{ME}blocks/{block.pk}/claim", **en),
    ):
        body = refused(response, 403, "permission_denied")
        assert "not one of them" in body["detail"]
    assert not Claim.objects.exists()


def test_staff_who_are_also_peers_are_told_to_use_a_personal_token(client, business, staff):
    PeerFactory(business=business, user=staff)
    _token, raw = create_token(business=business, actor=staff).value

    body = refused(PeerApiClient(client, raw).get(f"{ME}claims/"), 403, "permission_denied")

    assert "personal token" in body["detail"]


@pytest.mark.parametrize("status", [PeerStatus.SUSPENDED, PeerStatus.REJECTED])
def test_a_peer_who_is_no_longer_active_is_refused(peer_api, program, peer, status):
    block = BlockFactory(program=program)
    peer.status = status
    peer.save()

    for response in (peer_api.get(ME), peer_api.post(f"{ME}blocks/{block.pk}/claim")):
        body = refused(response, 403, "permission_denied")
        assert "not active" in body["detail"]
    assert not Claim.objects.exists()


def test_a_removed_peer_is_refused(peer_api, peer):
    peer.delete()

    refused(peer_api.get(f"{ME}claims/"), 403, "permission_denied")


def test_another_businesss_peer_token_sees_nothing_here(client, other_business, peer, program):
    stranger = PeerFactory(business=other_business)
    _token, raw = create_peer_token(business=other_business, peer_user=stranger.user).value
    claim = claim_block(peer, BlockFactory(program=program).pk).value

    stranger_api = ApiClient(client, raw)
    assert stranger_api.get(f"{ME}claims/{claim.pk}").status_code == 404
    assert stranger_api.get(f"{ME}claims/").json()["count"] == 0
    assert stranger_api.post(f"{ME}blocks/{claim.block_id}/claim").status_code == 404
    assert Block.objects.get(pk=claim.block_id).seats_taken == 1
