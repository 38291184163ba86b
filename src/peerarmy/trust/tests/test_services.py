"""Ratings' rules (participants only, once, within the window, both sides shown together,
a hidden comment keeps its stars) and the recompute that feeds matching and programs."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from peerarmy.errors import InvalidTransition, PermissionDenied
from peerarmy.matching.models import MatchStatus
from peerarmy.peers.models import Peer
from peerarmy.programs.eligibility import PeerFacts, Requirement, reasons
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory
from peerarmy.trust import reliability, selectors, services
from peerarmy.trust.inputs import HideCommentInput, RatingInput
from peerarmy.trust.models import Rating, RatingModeration, ReliabilityScore, TrustSettings

from .factories import completed_claim, completed_match, no_show


def rating(kind, subject_id, stars=5, **extra):
    return RatingInput.parse(
        {"subject_kind": kind, "subject_id": subject_id, "stars": stars, **extra}
    )


def test_the_visitor_and_the_peer_rate_a_match_and_see_both_only_when_both_have(
    peer, django_capture_on_commit_callbacks
):
    match = completed_match(peer)
    first = services.rate_as_consumer(
        match.request, rating("match", match.pk, 5, tags=["punctual"], comment="Great!")
    ).value
    assert not first.is_revealed()
    assert selectors.peer_summary(peer.business, peer)["ratings"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.rate_as_peer(peer, rating("match", match.pk, 4, tags=["respectful"]))
    first.refresh_from_db()
    assert first.is_revealed()
    summary = selectors.peer_summary(peer.business, peer)
    assert summary["ratings"] == 1
    assert summary["stars"] == 5.0
    # The peer's score was recomputed when the ratings were revealed.
    peer.refresh_from_db()
    assert peer.reliability is not None


def test_a_rating_is_shown_when_the_window_closes_even_if_the_other_side_never_rates(peer):
    match = completed_match(peer)
    given = services.rate_as_consumer(match.request, rating("match", match.pk, 3)).value
    later = match.completed_at + timedelta(days=15)
    assert given.is_revealed(later)
    assert selectors.peer_summary(peer.business, peer, now=later)["ratings"] == 1


def test_only_participants_rate(peer, business):
    match = completed_match(peer)
    stranger = PeerFactory(business=business)
    with pytest.raises(services.NotAParticipant) as exc:
        services.rate_as_peer(stranger, rating("match", match.pk))
    assert exc.value.code == "not_a_participant"
    other_request = completed_match(PeerFactory(business=business), email="bob@example.org")
    with pytest.raises(services.NotAParticipant):
        services.rate_as_consumer(other_request.request, rating("match", match.pk))
    claim = completed_claim(peer)
    with pytest.raises(services.NotAParticipant):
        services.rate_as_peer(peer, rating("claim", claim.pk))


def test_another_business_cannot_rate_or_even_see_the_subject(peer, other_staff, other_business):
    claim = completed_claim(peer)
    with pytest.raises(services.NotAParticipant):
        services.rate_as_staff(peer.business, other_staff, rating("claim", claim.pk))
    from peerarmy.errors import NotFound

    with pytest.raises(NotFound):
        services.rate_as_staff(other_business, other_staff, rating("claim", claim.pk))


def test_once_per_side(peer, staff):
    claim = completed_claim(peer)
    services.rate_as_staff(peer.business, staff, rating("claim", claim.pk, 4))
    with pytest.raises(services.AlreadyRated) as exc:
        services.rate_as_staff(peer.business, staff, rating("claim", claim.pk, 5))
    assert exc.value.code == "already_rated"
    assert Rating.objects.count() == 1


def test_a_staff_rating_of_a_block_is_shown_at_once(peer, staff):
    claim = completed_claim(peer)
    given = services.rate_as_staff(peer.business, staff, rating("claim", claim.pk, 4)).value
    assert given.is_revealed()


def test_the_window_is_a_business_setting(peer, staff):
    claim = completed_claim(peer, ends_at=timezone.now() - timedelta(days=15))
    with pytest.raises(services.RatingWindowClosed) as exc:
        services.rate_as_staff(peer.business, staff, rating("claim", claim.pk))
    assert exc.value.code == "rating_window_closed"
    TrustSettings.objects.update_or_create(
        business=peer.business, defaults={"rating_window_days": 30}
    )
    assert services.rate_as_staff(peer.business, staff, rating("claim", claim.pk)).created


def test_only_completed_things_are_rated_and_tags_fit_the_party(peer, staff):
    match = completed_match(peer, status=MatchStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        services.rate_as_peer(peer, rating("match", match.pk))
    done = completed_match(peer, email="carla@example.org")
    with pytest.raises(Exception) as exc:
        services.rate_as_peer(peer, rating("match", done.pk, tags=["knowledgeable"]))
    assert exc.value.field == "tags"


def test_a_hidden_comment_keeps_its_stars_and_is_logged(peer, staff, owner):
    claim = completed_claim(peer)
    given = services.rate_as_staff(
        peer.business, staff, rating("claim", claim.pk, 2, comment="Rude words")
    ).value
    services.hide_comment(
        peer.business, owner, given, HideCommentInput.parse({"reason": "Offensive language"})
    )
    given.refresh_from_db()
    assert given.visible_comment == ""
    assert given.stars == 2
    log = RatingModeration.objects.get()
    assert (log.reason, log.actor, log.action) == ("Offensive language", owner, "hide")
    summary = selectors.peer_summary(peer.business, peer)
    assert summary["ratings"] == 1 and summary["stars"] == 2.0
    assert [r.visible_comment for r in selectors.public_ratings(peer.business, peer)] == [""]


def test_a_community_manager_moderates_but_a_peer_cannot(peer, staff, business):
    claim = completed_claim(peer)
    given = services.rate_as_staff(business, staff, rating("claim", claim.pk, comment="x")).value
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    services.hide_comment(business, manager, given, HideCommentInput.parse({"reason": "Spam"}))
    with pytest.raises(PermissionDenied):
        services.show_comment(
            business, peer.user, given, HideCommentInput.parse({"reason": "Nope"})
        )


def test_recompute_feeds_matching_and_programs(business, peer):
    steady = PeerFactory(business=business)
    new = PeerFactory(business=business)
    for days in range(1, 6):
        completed_claim(steady, ends_at=timezone.now() - timedelta(days=days))
    for days in range(1, 4):
        no_show(peer, at=timezone.now() - timedelta(days=days))
    result = services.recompute_business(business).value
    assert result.peers == 3 and result.with_history == 2
    steady.refresh_from_db()
    peer.refresh_from_db()
    new.refresh_from_db()
    assert steady.reliability > reliability.prior_score() > peer.reliability
    assert new.reliability is None  # no track record: programs say so
    assert ReliabilityScore.objects.get(peer=new).score == reliability.prior_score()
    assert reasons(PeerFacts.of(peer), Requirement(min_reliability=80)) == [
        f"Needs a reliability of at least 80; yours is {peer.reliability}."
    ]


def test_the_nightly_recompute_runs_once_a_night(business, peer):
    completed_claim(peer)
    now = timezone.now()
    assert services.recompute_nightly(business, now=now)
    assert not services.recompute_nightly(business, now=now + timedelta(minutes=1))
    assert services.recompute_nightly(business, now=now + timedelta(days=1))


def test_a_completed_block_recomputes_its_peer(
    business, peer, staff, django_capture_on_commit_callbacks
):
    from peerarmy.scheduling import services as scheduling

    claim = completed_claim(peer, status="active")
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.complete_claim(business, staff, claim)
    assert Peer.objects.get(pk=peer.pk).reliability is not None


def test_a_no_show_lowers_the_peers_score_at_once(
    business, peer, staff, django_capture_on_commit_callbacks
):
    from peerarmy.scheduling import services as scheduling

    completed_claim(peer, ends_at=timezone.now() - timedelta(days=3))
    services.recompute_business(business)
    before = Peer.objects.get(pk=peer.pk).reliability
    missed = completed_claim(peer, status="active")
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.mark_no_show(business, staff, missed)
    after = Peer.objects.get(pk=peer.pk).reliability
    assert before is not None and after is not None and after < before


def test_the_cli_recomputes_a_business(business, peer, capsys):
    completed_claim(peer)
    type(business).objects.filter(pk=business.pk).update(default_language="en")
    call_command("trust", "recompute", "--business", business.slug)
    out = capsys.readouterr().out
    assert "Recomputed the reliability of 1 peers of Bici Gialla" in out
    assert ReliabilityScore.objects.filter(peer=peer).exists()


def test_matching_weighs_the_peers_stars(business, peer, staff):
    from peerarmy.matching import services as matching

    claim = completed_claim(peer)
    services.rate_as_staff(business, staff, rating("claim", claim.pk, 5))
    services.recompute_business(business)
    unrated = PeerFactory(business=business)
    stars = matching.peer_ratings(business, [peer.pk, unrated.pk])
    assert set(stars) == {peer.pk}
    assert 4.0 < stars[peer.pk] < 5.0  # one five-star rating, pulled towards the prior
