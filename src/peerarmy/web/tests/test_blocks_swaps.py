"""In the browser: a peer offers a claimed block to another peer, who accepts or declines it
on their blocks page; the offerer can withdraw; staff set a program's fairness limits."""

import pytest
from django.conf import settings
from django.urls import reverse

from peerarmy.peers.models import PeerStatus
from peerarmy.scheduling.inputs import SwapOfferInput
from peerarmy.scheduling.models import ClaimStatus, FairnessLimits, SwapOffer, SwapStatus
from peerarmy.scheduling.services import claim_block
from peerarmy.scheduling.swaps import offer_swap
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db


def to(peer):
    """An offer to `peer`."""
    return SwapOfferInput(peer_id=peer.pk)


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def browser(client, peer):
    client.force_login(peer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def alice(business):
    return PeerFactory(business=business, display_name="Alice")


@pytest.fixture
def bruno(business):
    return PeerFactory(business=business, display_name="Bruno")


def test_a_peer_offers_a_block_and_the_other_accepts_it(client, business, program, alice, bruno):
    block = BlockFactory(program=program, place_name="Piazza Maggiore")
    claim = claim_block(alice, block.pk).value
    browser(client, alice)

    page = client.get(url(business, "my_blocks")).content.decode()
    assert "Offer to…" in page and ">Bruno</option>" in page
    assert ">Alice</option>" not in page  # not to oneself

    client.post(url(business, "claim_swap_offer", claim_id=claim.pk), {"to_peer": bruno.pk})

    offer = SwapOffer.objects.get(claim=claim)
    page = client.get(url(business, "my_blocks")).content.decode()
    assert "Offered to Bruno" in page and "Withdraw</button>" in page

    browser(client, bruno)
    page = client.get(url(business, "my_blocks")).content.decode()
    assert "Swap offers for you" in page and "Alice offers you this block" in page

    response = client.post(url(business, "swap_accept", offer_id=offer.pk))

    assert response.status_code == 302
    held = block.claims.get(status=ClaimStatus.ACTIVE)
    assert held.peer == bruno
    page = client.get(url(business, "my_blocks")).content.decode()
    assert f'id="claim-{held.pk}"' in page and "Swap offers for you" not in page


def test_the_receiver_declines_and_the_offerer_withdraws(client, business, program, alice, bruno):
    carla = PeerFactory(business=business, display_name="Carla")
    claim = claim_block(alice, BlockFactory(program=program).pk).value
    to_bruno = offer_swap(alice, claim, to(bruno)).value
    to_carla = offer_swap(alice, claim, to(carla)).value

    browser(client, bruno)
    client.post(url(business, "swap_decline", offer_id=to_bruno.pk))
    browser(client, alice)
    client.post(url(business, "swap_withdraw", offer_id=to_carla.pk))

    to_bruno.refresh_from_db()
    to_carla.refresh_from_db()
    assert (to_bruno.status, to_carla.status) == (SwapStatus.DECLINED, SwapStatus.WITHDRAWN)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE and claim.peer == alice


def test_an_ineligible_peer_is_refused_with_the_reason_next_to_the_block(
    client, business, program, alice
):
    applicant = PeerFactory(business=business, status=PeerStatus.SUSPENDED)
    claim = claim_block(alice, BlockFactory(program=program).pk).value
    browser(client, alice)

    response = client.post(
        url(business, "claim_swap_offer", claim_id=claim.pk), {"to_peer": applicant.pk}, follow=True
    )

    assert "not been approved" in response.content.decode()
    assert not SwapOffer.objects.exists()


def test_nobody_else_can_answer_or_withdraw_an_offer(client, business, program, alice, bruno):
    intruder = PeerFactory(business=business)
    offer = offer_swap(
        alice, claim_block(alice, BlockFactory(program=program).pk).value, to(bruno)
    ).value
    browser(client, intruder)

    for name in ("swap_accept", "swap_decline", "swap_withdraw"):
        assert client.post(url(business, name, offer_id=offer.pk)).status_code == 404
    offer.refresh_from_db()
    assert offer.status == SwapStatus.PENDING


def test_staff_set_the_fairness_limits_and_see_errors_by_field(staff_client, business, program):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    limits_url = url(business, "manage_fairness_limits", program_id=program.pk)
    page = staff_client.get(limits_url).content.decode()
    assert "Maximum hours per peer per week" in page

    bad = staff_client.post(
        limits_url,
        {
            "max_hours_per_week": 100,
            "min_rest_minutes": 30,
            "max_future_blocks": 3,
            "forfeit_cutoff_minutes": 90,
        },
    )
    assert bad.status_code == 200
    assert "Enter a value of at most 80." in bad.content.decode()
    assert not FairnessLimits.objects.filter(program=program).exists()

    good = staff_client.post(
        limits_url,
        {
            "max_hours_per_week": 10,
            "min_rest_minutes": 30,
            "max_future_blocks": 3,
            "forfeit_cutoff_minutes": 90,
        },
    )
    assert good.status_code == 302
    limits = FairnessLimits.objects.get(program=program)
    assert (limits.max_hours_per_week, limits.forfeit_cutoff_minutes) == (10, 90)
