"""A peer in the browser: finds blocks to claim, claims one, releases it, waits for a full
one, checks in; and cannot touch another peer's claim."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerarmy.scheduling.models import Claim, ClaimStatus, WaitlistEntry, WaitlistStatus
from peerarmy.scheduling.services import claim_block
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer_client(client, peer):
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def test_a_peer_sees_a_block_and_claims_it_with_one_tap(peer_client, business, peer, program):
    block = BlockFactory(program=program, place_name="Piazza Maggiore")

    page = peer_client.get(url(business, "my_blocks")).content.decode()

    assert "Piazza Maggiore" in page
    assert "€25.00" in page and "10 points" in page
    assert "2 seats left" in page and "km away" in page
    assert "Claim</button>" in page

    response = peer_client.post(
        url(business, "block_claim", block_id=block.pk), {"idempotency_key": "render-1"}
    )

    assert response.status_code == 302
    claim = Claim.objects.get(peer=peer, block=block)
    assert claim.status == ClaimStatus.ACTIVE
    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert f'id="claim-{claim.pk}"' in page
    assert f'id="block-{block.pk}"' not in page  # no longer offered: it is already theirs
    assert "Release…</summary>" in page and "Yes, release it</button>" in page  # asks first


def test_a_double_submit_with_the_same_key_claims_once(peer_client, business, peer, program):
    block = BlockFactory(program=program)
    claim_url = url(business, "block_claim", block_id=block.pk)

    peer_client.post(claim_url, {"idempotency_key": "same-render"})
    peer_client.post(claim_url, {"idempotency_key": "same-render"})

    assert Claim.objects.filter(peer=peer).count() == 1
    block.refresh_from_db()
    assert block.seats_taken == 1


def test_a_refused_claim_is_explained_next_to_the_block(peer_client, business, peer, program):
    block = BlockFactory(program=program)
    claim_block(PeerFactory(business=business), block.pk)
    claim_block(PeerFactory(business=business), block.pk)  # now full

    response = peer_client.post(url(business, "block_claim", block_id=block.pk), follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "This block is full. You can join its waitlist." in page
    assert not Claim.objects.filter(peer=peer).exists()


def test_a_full_block_offers_the_waitlist_and_the_peer_can_leave_it(
    peer_client, business, peer, program
):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)

    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Join waitlist</button>" in page

    peer_client.post(url(business, "block_waitlist", block_id=block.pk))

    entry = WaitlistEntry.objects.get(peer=peer, block=block)
    assert entry.status == WaitlistStatus.WAITING
    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "On the waitlist" in page and "Leave</button>" in page

    peer_client.post(url(business, "block_waitlist_leave", block_id=block.pk))

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT


def test_release_before_the_cutoff_frees_the_seat(peer_client, business, peer, program):
    block = BlockFactory(program=program)
    claim = claim_block(peer, block.pk).value

    peer_client.post(url(business, "claim_release", claim_id=claim.pk))

    claim.refresh_from_db()
    block.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED
    assert block.seats_taken == 0


def test_release_after_the_cutoff_is_refused_with_the_reason(peer_client, business, peer, program):
    soon = timezone.now().replace(microsecond=0) + timedelta(minutes=90)
    block = BlockFactory(program=program, starts_at=soon, ends_at=soon + timedelta(hours=1))
    claim = claim_block(peer, block.pk).value

    later = timezone.now() + timedelta(minutes=45)  # 45 minutes before the start
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = peer_client.post(url(business, "claim_release", claim_id=claim.pk), follow=True)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE
    assert "It is too late to release this block; ask the staff." in response.content.decode()


def test_another_peers_claim_is_not_found(peer_client, business, program):
    other = PeerFactory(business=business)
    claim = claim_block(other, BlockFactory(program=program).pk).value

    for name in ("claim_release", "claim_check_in", "claim_check_out"):
        assert peer_client.post(url(business, name, claim_id=claim.pk)).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE


def test_a_peer_checks_in_and_out_during_the_window(peer_client, business, peer, program):
    soon = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    block = BlockFactory(program=program, starts_at=soon, ends_at=soon + timedelta(hours=2))
    claim = claim_block(peer, block.pk).value

    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Check in</button>" in page
    peer_client.post(url(business, "claim_check_in", claim_id=claim.pk))
    claim.refresh_from_db()
    assert claim.checked_in_at is not None

    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "You are checked in." in page and "Check out</button>" in page
    peer_client.post(url(business, "claim_check_out", claim_id=claim.pk))
    claim.refresh_from_db()
    assert claim.checked_out_at is not None


def test_check_in_far_from_the_place_is_refused(peer_client, business, peer, program):
    soon = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    block = BlockFactory(
        program=program, starts_at=soon, ends_at=soon + timedelta(hours=2), check_in_radius_m=200
    )
    claim = claim_block(peer, block.pk).value

    response = peer_client.post(
        url(business, "claim_check_in", claim_id=claim.pk),
        {"latitude": "45.4642", "longitude": "9.19"},  # Milan
        follow=True,
    )

    assert "check-in works within 200 m" in response.content.decode()
    claim.refresh_from_db()
    assert claim.checked_in_at is None


def test_the_list_costs_the_same_queries_with_more_blocks(
    peer_client, business, peer, program, django_assert_max_num_queries
):
    claim_block(peer, BlockFactory(program=program).pk)
    BlockFactory(program=program, starts_at=timezone.now() + timedelta(days=5))
    with CaptureQueriesContext(connection) as few:
        peer_client.get(url(business, "my_blocks"))
    for day in range(6, 20):
        BlockFactory(program=program, starts_at=timezone.now() + timedelta(days=day))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = peer_client.get(url(business, "my_blocks"))

    assert response.content.decode().count('class="card block-card"') == 1 + 15


# --- what the page sends that the service refuses: in words next to the block, never a 500 ---


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("a\x00b", "Remove the invisible NUL character from this text."),  # a 500 on PostgreSQL
        ("k" * 101, "Use at most 100 characters."),  # it used to be cut to 100
    ],
)
def test_a_claim_key_the_service_refuses_is_explained(
    peer_client, business, peer, program, key, message
):
    block = BlockFactory(program=program)

    response = peer_client.post(
        url(business, "block_claim", block_id=block.pk), {"idempotency_key": key}
    )

    assert response.status_code == 302
    assert message in peer_client.get(url(business, "my_blocks")).content.decode()
    assert not Claim.objects.exists()


def test_a_key_used_for_another_block_is_refused_on_the_page_too(
    peer_client, business, peer, program
):
    first = BlockFactory(program=program)
    second = BlockFactory(
        program=program,
        starts_at=first.starts_at + timedelta(days=1),
        ends_at=first.ends_at + timedelta(days=1),
    )
    claim_block(peer, first.pk, idempotency_key="render-1")

    peer_client.post(
        url(business, "block_claim", block_id=second.pk), {"idempotency_key": "render-1"}
    )

    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "This Idempotency-Key was already used to claim another block." in page
    assert not Claim.objects.filter(block=second).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_no_block_can_be_on_is_refused_in_the_filter(peer_client, business, program, day):
    BlockFactory(program=program, place_name="Piazza Maggiore")

    response = peer_client.get(url(business, "my_blocks"), {"day": day})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a date between 2000-01-01 and 2200-12-31." in page
    assert "Piazza Maggiore" in page  # the list, unfiltered


# --- only an active peer acts: the services' rule, on the page as on the API -------------------


@pytest.mark.parametrize("status", ["suspended", "applicant"])
def test_a_peer_who_is_no_longer_active_cannot_release_or_check_in(
    peer_client, business, peer, program, status
):
    now = timezone.now().replace(microsecond=0)
    block = BlockFactory(
        program=program,
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        released_at=now - timedelta(days=1),
    )
    claim = claim_block(peer, block.pk).value
    peer.status = status
    peer.save(update_fields=["status"])

    peer_client.post(url(business, "claim_release", claim_id=claim.pk))
    peer_client.post(url(business, "claim_check_in", claim_id=claim.pk))

    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Your membership of this army is not active." in page
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE and claim.checked_in_at is None


# --- the private calendar link, on the peer's blocks page ----------------------------------------


def test_a_peer_gets_renews_and_stops_their_calendar_link(peer_client, business, peer, program):
    from urllib.parse import urlsplit

    from peerarmy.scheduling.models import CalendarFeed

    feed_url = url(business, "my_calendar_feed")
    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Get a calendar link" in page and f"/{business.slug}/calendar/" not in page
    assert not CalendarFeed.objects.exists()

    response = peer_client.post(feed_url, {"action": "link"})
    assert response.status_code == 302 and response["Location"].endswith("#calendar")
    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Your calendar link is ready." in page
    (feed,) = CalendarFeed.objects.filter(peer=peer)
    first = page.split(f"/{business.slug}/calendar/")[1].split('"')[0]
    assert peer_client.get(f"/{business.slug}/calendar/{first}").status_code == 200

    peer_client.post(feed_url, {"action": "new"})
    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "the old one no longer works" in page
    assert peer_client.get(f"/{business.slug}/calendar/{first}").status_code == 404
    assert CalendarFeed.objects.filter(peer=peer, revoked_at__isnull=True).count() == 1

    peer_client.post(feed_url, {"action": "stop"})
    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Your calendar link no longer works." in page and "Get a calendar link" in page
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
    assert urlsplit(feed_url).path.startswith(f"/{business.slug}/me/")


def test_an_unknown_calendar_action_changes_nothing(peer_client, business, peer):
    from peerarmy.scheduling.models import CalendarFeed

    response = peer_client.post(url(business, "my_calendar_feed"), {"action": "explode"})

    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_a_peer_who_is_not_active_gets_no_calendar_link(peer_client, business, peer):
    from peerarmy.scheduling.models import CalendarFeed

    peer.status = "suspended"
    peer.save(update_fields=["status"])

    peer_client.post(url(business, "my_calendar_feed"), {"action": "link"})

    page = peer_client.get(url(business, "my_blocks")).content.decode()
    assert "Your membership of this army is not active." in page
    assert not CalendarFeed.objects.exists()
