"""The demo's alliance: Bici Gialla and Lecce B&B in "Amici della bici", a Bici Gialla guide
active in both armies who came through it bringing their score, and Giulia, who agreed and has
not applied yet; a reset gives the same again."""

import pytest

from peerarmy.alliances import selectors
from peerarmy.alliances.models import Alliance, AllianceApplication
from peerarmy.demo import load_demo
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_the_demo_allies_bici_gialla_and_lecce_bnb_with_a_peer_active_in_both():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    partner = Business.objects.get(slug="lecce-bnb")
    alliance = Alliance.objects.get(slug="amici-della-bici")
    assert alliance.name == "Amici della bici"
    assert selectors.partners(shop) == [partner]
    assert [m.business for m in selectors.public_alliance(alliance.slug).members] == [
        shop,
        partner,
    ]

    application = AllianceApplication.objects.get(business=partner)
    there = application.peer
    here = Peer.objects.get(business=shop, user=there.user)
    assert here.status == there.status == PeerStatus.ACTIVE
    assert application.from_business == shop and application.reliability == here.reliability
    assert application.program.slug == "lecce-barocca"
    assert selectors.consenting_peers_of_partners(partner) == 2  # the guide and Giulia

    giulia = Peer.objects.get(business=shop, user__email="peer@bicigialla.example")
    assert selectors.consent_of(giulia).share_reliability is True
    assert not Peer.objects.filter(business=partner, user=giulia.user).exists()
    offers = selectors.offers_for(giulia)
    assert [o.business for o in offers] == [partner] and offers[0].status is None
    assert {p.slug for p in offers[0].programs} >= {"lecce-barocca"}

    load_demo(reset=True)
    assert Alliance.objects.filter(slug="amici-della-bici").count() == 1
    again = AllianceApplication.objects.get(business__slug="lecce-bnb")
    assert again.peer.user.email == there.user.email
