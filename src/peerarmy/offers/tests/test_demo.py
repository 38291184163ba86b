"""The demo's peers hear of new work as real peers would: most at once with quiet nights, some
in an evening digest, one not at all; and the demo's schedule is not sent to everyone the first
time the worker runs, while a block opened afterwards reaches the peers who can claim it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from peerarmy.demo import load_demo
from peerarmy.offers import services
from peerarmy.peers.models import NotificationSettings, OfferedWork
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_demo_peers_have_sensible_settings_and_new_work_reaches_them():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    chosen = NotificationSettings.objects.filter(business=shop)
    modes = set(chosen.values_list("new_work", flat=True))
    assert {"instant", "digest", "off"} <= modes
    giulia = chosen.get(peer__user__email="peer@bicigialla.example")
    assert (giulia.quiet_start.hour, giulia.quiet_end.hour) == (21, 8)

    soon = timezone.now() + timedelta(minutes=1)
    assert services.look_for_new_work(shop, now=soon) == 0  # the loaded schedule is not news

    delivery = Program.objects.filter(business=shop, kind=ProgramKind.DELIVERY).first()
    with scope(business=shop):
        block = BlockFactory(program=delivery, starts_at=soon + timedelta(days=2))
    assert services.look_for_new_work(shop, now=soon + timedelta(minutes=1)) > 0
    offered = OfferedWork.objects.filter(business=shop, item_id=block.pk)
    assert offered.exists()
    # nobody who switched new-work messages off is among them
    assert not offered.filter(peer__notification_settings__new_work="off").exists()
