"""Ratings and reliability on the pages: the visitor rates from their request's link and sees
the local's badge; the peer rates their visitor and reads their score with how to improve it;
staff rate after a block, and a community manager hides a comment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peerarmy.matching import services as matching
from peerarmy.matching.models import MatchStatus
from peerarmy.notifications.models import OutboxMessage
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory
from peerarmy.trust import services
from peerarmy.trust.inputs import RatingInput
from peerarmy.trust.models import Rating

from .factories import completed_claim, completed_match

pytestmark = pytest.mark.django_db


def _url(name, business, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def test_the_visitor_rates_from_the_link_and_sees_the_locals_badge(client, business, peer, staff):
    earlier = completed_claim(peer)
    services.rate_as_staff(
        business,
        staff,
        RatingInput.parse({"subject_kind": "claim", "subject_id": earlier.pk, "stars": 5}),
    )
    services.recompute_business(business)
    match = completed_match(peer)
    token = match.request.token
    page = client.get(_url("match_request", business, token=token))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="peer-badge"' in text and "5.0 ★" in text and "100%" in text
    assert _url("match_request_rate", business, token=token) in text
    form = client.get(_url("match_request_rate", business, token=token))
    assert form.status_code == 200 and "punctual" in form.content.decode()
    sent = client.post(
        _url("match_request_rate", business, token=token),
        {"stars": "5", "tags": ["punctual", "friendly"], "comment": "Lovely walk"},
    )
    assert sent.status_code == 302
    given = Rating.objects.get(match=match)
    assert (given.rater_role, given.stars, given.tags) == ("consumer", 5, ["punctual", "friendly"])
    again = client.post(_url("match_request_rate", business, token=token), {"stars": "4"})
    assert again.status_code == 200
    assert "You have already rated this." in again.content.decode()


def test_a_rating_needs_its_stars(client, business, peer):
    match = completed_match(peer)
    response = client.post(_url("match_request_rate", business, token=match.request.token), {})
    assert response.status_code == 200
    assert not Rating.objects.exists()


def test_the_thank_you_email_carries_the_rating_link(business, peer, owner):
    match = completed_match(peer, status=MatchStatus.ACCEPTED)
    match.completed_at = None
    match.save()
    matching.complete_match(business, owner, match, now=timezone.now())
    mail = OutboxMessage.objects.filter(recipient=match.request.email).last()
    assert f"/requests/{match.request.token}/rate/" in mail.body_text


def test_the_peer_rates_the_visitor_and_reads_their_score(client, business, peer):
    match = completed_match(peer)
    client.force_login(peer.user)
    matches = client.get(_url("me_matches", business)).content.decode()
    assert _url("me_match_rate", business, match_id=match.pk) in matches
    sent = client.post(
        _url("me_match_rate", business, match_id=match.pk), {"stars": "4", "tags": ["respectful"]}
    )
    assert sent.status_code == 302
    assert Rating.objects.get(match=match).rated_party == "consumer"
    page = client.get(_url("me_reliability", business))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Reliability " in text and "How to improve it" in text
    assert "Time with us" in text


def test_staff_rate_a_completed_claim_from_the_block_page(staff_client, business, peer):
    claim = completed_claim(peer)
    block_page = staff_client.get(_url("manage_block", business, block_id=claim.block_id))
    assert _url("manage_claim_rate", business, claim_id=claim.pk) in block_page.content.decode()
    sent = staff_client.post(
        _url("manage_claim_rate", business, claim_id=claim.pk),
        {"stars": "3", "comment": "Arrived a bit late"},
    )
    assert sent.status_code == 302
    assert Rating.objects.get(claim=claim).stars == 3


def test_a_community_manager_hides_a_comment_on_the_peer_page(client, business, peer, staff):
    claim = completed_claim(peer)
    rating = services.rate_as_staff(
        business,
        staff,
        RatingInput.parse(
            {"subject_kind": "claim", "subject_id": claim.pk, "stars": 2, "comment": "Nasty words"}
        ),
    ).value
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    client.force_login(manager)
    page = client.get(_url("manage_peer", business, peer_id=peer.pk)).content.decode()
    assert "Nasty words" in page and "Hide the comment" in page
    response = client.post(
        _url("manage_rating_hide", business, rating_id=rating.pk), {"reason": "Insults"}
    )
    assert response.status_code == 302
    page = client.get(_url("manage_peer", business, peer_id=peer.pk)).content.decode()
    assert "Nasty words" not in page
    assert "Comment hidden: Insults" in page
    rating.refresh_from_db()
    assert rating.stars == 2


def test_the_rating_window_closes(client, business, peer):
    match = completed_match(peer, completed_at=timezone.now() - timedelta(days=20))
    page = client.get(_url("match_request", business, token=match.request.token)).content.decode()
    assert "Rate your meeting" not in page
    response = client.post(
        _url("match_request_rate", business, token=match.request.token), {"stars": "5"}
    )
    assert "The time to rate this is over." in response.content.decode()
