"""The demo holds a peer under review, a suspended one with an appeal waiting (the trail to
show for it), and a peer with verification badges."""

import pytest

from peerarmy.demo import load_demo
from peerarmy.peers.models import Peer, PeerReview, PeerStatus, ReviewStatus, ReviewStepKind
from peerarmy.peers.selectors import badges_of
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_suspended_peer_whose_appeal_waits_and_a_peer_under_review():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")

    cases = {c.status: c for c in PeerReview.objects.filter(business=shop)}

    appealed = cases[ReviewStatus.SUSPENDED]
    assert appealed.peer.status == PeerStatus.SUSPENDED
    assert appealed.appeal_pending
    assert [s.kind for s in appealed.steps.all()] == [
        ReviewStepKind.OPENED,
        ReviewStepKind.SUSPENDED,
        ReviewStepKind.APPEALED,
    ]
    assert appealed.suspended_by.email == "staff@bicigialla.example"  # the owner may decide
    assert cases[ReviewStatus.OPEN].peer.status == PeerStatus.ACTIVE
    giulia = Peer.objects.get(business=shop, user__email="peer@bicigialla.example")
    assert {b.kind for b in badges_of(shop, giulia)} >= {"phone", "identity"}
