"""The demo holds ratings on its completed blocks and meetings (some one-sided, one comment
hidden with its reason) and every peer's reliability computed from them."""

import pytest

from peerarmy.demo import load_demo
from peerarmy.peers.models import Peer
from peerarmy.tenancy.models import Business
from peerarmy.trust.models import Rating, RatingModeration, ReliabilityScore

pytestmark = pytest.mark.django_db


def test_the_demo_has_ratings_both_ways_and_scores():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    ratings = Rating.objects.filter(business=shop)
    assert ratings.filter(subject_kind="claim", rater_role="staff").exists()
    by_match = {}
    for match_id, role in ratings.filter(subject_kind="match").values_list(
        "match_id", "rater_role"
    ):
        by_match.setdefault(match_id, set()).add(role)
    assert {"consumer", "peer"} in by_match.values()  # both sides rated
    assert any(len(sides) == 1 for sides in by_match.values())  # one side only
    hidden = RatingModeration.objects.get(business=shop)
    assert hidden.rating.hidden_at is not None and hidden.reason
    assert (
        ReliabilityScore.objects.filter(business=shop).count()
        == Peer.objects.filter(business=shop).count()
    )
    rated = ReliabilityScore.objects.filter(business=shop, has_history=True, ratings__gt=0)
    assert rated.exists()
    assert Peer.objects.filter(business=shop, reliability__isnull=False).exists()
