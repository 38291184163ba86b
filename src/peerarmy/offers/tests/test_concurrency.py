"""Two workers sweeping at the same instant: every peer still gets one message about the new
work, and every offer is recorded once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.notifications.models import OutboxMessage
from peerarmy.offers import services
from peerarmy.peers.models import OfferedWork, OfferStatus
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.tenancy.tests.threads import race, requires_shared_database

pytestmark = requires_shared_database


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_send_one_message_per_peer(business, program):
    peers = [PeerFactory(business=business) for _ in range(4)]
    now = timezone.now().replace(microsecond=0)
    for day in (1, 2, 3):
        BlockFactory(program=program, starts_at=now + timedelta(days=day, hours=2))
    # the same minute, as two workers' sweeps would run it
    quiet_free = now.astimezone(business.tzinfo).replace(hour=12, minute=0, second=0)

    outcomes = race([lambda: services.offer_new_work(now=quiet_free)] * 2)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(outcomes) == len(peers)
    for peer in peers:
        sent = OutboxMessage.objects.filter(event="offers.new_work", recipient=peer.user.email)
        assert sent.count() == 1
    assert OfferedWork.objects.count() == 12
    assert set(OfferedWork.objects.values_list("status", flat=True)) == {OfferStatus.SENT}
