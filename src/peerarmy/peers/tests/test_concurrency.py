"""Two staff members deciding on the same applicant at the same instant: one decision wins,
the other is told, and the applicant gets exactly one e-mail."""

import threading

import pytest
from django.db import connections
from django_scopes import scopes_disabled

from peerarmy.errors import InvalidTransition
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.inputs import RejectInput
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.services import approve_peer, reject_peer
from peerarmy.tenancy.tests.factories import ApplicantFactory, MembershipFactory
from peerarmy.tenancy.tests.threads import requires_shared_database

pytestmark = requires_shared_database


@pytest.mark.django_db(transaction=True)
def test_racing_decisions_on_one_applicant_leave_exactly_one(business, staff):
    other = MembershipFactory(business=business).user
    applicant = ApplicantFactory(business=business)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(action):
        try:
            with scopes_disabled():
                barrier.wait()
                action()
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=decide,
            args=(lambda: approve_peer(business=business, actor=staff, peer=applicant),),
        ),
        threading.Thread(
            target=decide,
            args=(
                lambda: reject_peer(
                    business=business,
                    actor=other,
                    peer=applicant,
                    data=RejectInput(reason="Too far away."),
                ),
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["ok", "refused"]
    applicant.refresh_from_db()
    assert applicant.status in (PeerStatus.ACTIVE, PeerStatus.REJECTED)
    decided = OutboxMessage.objects.filter(event__in=["peer.approved", "peer.rejected"])
    assert decided.count() == 1
