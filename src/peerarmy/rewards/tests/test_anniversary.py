"""A year of service: the sweep gives the anniversary's rewards once per year and program."""

from datetime import timedelta

from django.utils import timezone

from peerarmy.rewards import services
from peerarmy.rewards.models import PeerBadge

from .factories import add_badge, add_rule


def test_a_year_in_the_army_earns_the_badge_once(business, owner, peer, program):
    badge = add_badge(business, owner, slug="one-year", name_it="Un anno")
    add_rule(business, owner, program, event="service.year", reward="badge", badge=badge)
    peer.decided_at = timezone.now() - timedelta(days=400)
    peer.save()

    assert services.service_anniversaries() == 1
    assert services.service_anniversaries() == 0  # the next sweep finds it done

    assert PeerBadge.objects.filter(peer=peer, badge=badge).count() == 1


def test_nobody_is_rewarded_before_their_first_year(business, owner, peer, program):
    badge = add_badge(business, owner, slug="one-year", name_it="Un anno")
    add_rule(business, owner, program, event="service.year", reward="badge", badge=badge)
    peer.decided_at = timezone.now() - timedelta(days=300)
    peer.save()

    assert services.service_anniversaries() == 0
    assert not PeerBadge.objects.exists()
