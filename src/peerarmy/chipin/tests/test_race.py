"""Many friends pledging the last euros of a campaign at the same instant, with real threads,
each on its own database connection: the promised total never passes the ceiling, and exactly
the accepted pledges exist. A control shows that a naive read-then-write would overshoot, so
that the race cannot pass vacuously.

200 pledges come from 40 threads (five each, all released at once by a barrier): as many
connections as PostgreSQL's default limit leaves room for, and plenty to race on SQLite."""

import threading
from datetime import timedelta

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from peerarmy.chipin import funding, services
from peerarmy.chipin.inputs import PledgeInput
from peerarmy.chipin.models import Campaign, Pledge
from peerarmy.errors import DomainError
from peerarmy.notifications.models import OutboxMessage
from peerarmy.tenancy.tests.factories import UserFactory
from peerarmy.tenancy.tests.threads import in_threads as race_threads
from peerarmy.tenancy.tests.threads import requires_shared_database

from .helpers import chipin_program, pledge, start

pytestmark = [requires_shared_database, pytest.mark.django_db(transaction=True)]

THREADS = 40
EACH = 5  # pledges per thread: 200 in all
LEFT = 10_000  # what the campaign still needs when the race starts
AMOUNTS = (500, 700, 1_100, 1_300)  # all above the smallest pledge, none dividing LEFT evenly


def in_threads(work, threads=THREADS):
    return race_threads(work, threads)


def test_pledges_racing_for_the_last_euros_never_pass_the_ceiling(business, owner):
    program = chipin_program(business, owner, match_percent=10, match_cap_minor=10_000)
    campaign = start(business, UserFactory(), program, goal=100_000)
    ceiling = campaign.pledge_ceiling_minor
    assert ceiling == funding.pledge_ceiling(100_000, 10, 10_000)
    pledge(business, campaign, ceiling - LEFT, name="First Friend")
    accepted, refused = [], []
    lock = threading.Lock()

    def friend(i, barrier):
        barrier.wait()
        for n in range(EACH):
            amount = AMOUNTS[(i + n) % len(AMOUNTS)]
            data = PledgeInput(
                name=f"Friend {i}-{n}", email=f"f{i}-{n}@example.com", amount_minor=amount
            )
            try:
                made = services.make_pledge(business, campaign.pk, data).value
            except DomainError as exc:
                with lock:
                    refused.append(exc)
            else:
                with lock:
                    accepted.append(made.pledge)

    assert in_threads(friend) == []
    assert len(accepted) + len(refused) == THREADS * EACH
    assert accepted and refused
    assert all(
        isinstance(e, services.GoalAlreadyReached) or e.field == "amount_minor" for e in refused
    )
    campaign.refresh_from_db()
    assert campaign.pledged_minor <= ceiling
    promised = Pledge.objects.filter(campaign=campaign).aggregate(total=Sum("amount_minor"))
    assert promised["total"] == campaign.pledged_minor
    first = Pledge.objects.get(campaign=campaign, name="First Friend")
    assert set(Pledge.objects.filter(campaign=campaign).values_list("pk", flat=True)) == {
        first.pk,
        *(p.pk for p in accepted),
    }
    confirmations = OutboxMessage.objects.filter(
        business=business, event="chipin.pledge_confirm"
    ).count()
    assert confirmations == len(accepted) + 1  # one e-mail per pledge that exists


def test_control_a_naive_check_then_write_overshoots(business, owner):
    """The same race without the guard: each friend reads the promised total, compares it
    with the ceiling in Python, waits until every friend has read, then adds their amount.

    On a campaign with a ceiling the database's CHECK (`chipin_campaign_not_overpledged`)
    would refuse the overshoot and hide it, so the control runs on a campaign that takes
    over-funding (no ceiling in the row, so no CHECK) and compares against the ceiling the
    same terms would have had. The reads run outside any transaction (autocommit), before the
    barrier, and the writes after it, so every friend saw the same total: on SQLite too,
    where writers queue, the writes are all made and the sum passes the would-be ceiling."""
    program = chipin_program(
        business, owner, match_percent=10, match_cap_minor=10_000, allow_overfunding=True
    )
    campaign = start(business, UserFactory(), program, goal=100_000)
    assert campaign.pledge_ceiling_minor is None
    would_be = funding.pledge_ceiling(100_000, 10, 10_000)
    Campaign.objects.filter(pk=campaign.pk).update(pledged_minor=would_be - LEFT)
    amount = 1_000
    threads = 20  # twice what fits

    def naive(i, barrier):
        seen = Campaign.objects.get(pk=campaign.pk).pledged_minor
        fits = seen + amount <= would_be
        barrier.wait()
        if fits:
            Campaign.objects.filter(pk=campaign.pk).update(
                pledged_minor=F("pledged_minor") + amount
            )

    assert in_threads(naive, threads) == []
    campaign.refresh_from_db()
    assert campaign.pledged_minor == would_be - LEFT + threads * amount
    assert campaign.pledged_minor > would_be


def test_the_guard_on_the_same_terms_stops_at_the_ceiling(business, owner):
    """The control's race through `services.hold`, the guard the pledges use."""
    program = chipin_program(business, owner, match_percent=10, match_cap_minor=10_000)
    campaign = start(
        business,
        UserFactory(),
        program,
        goal=100_000,
        days=3,
    )
    ceiling = campaign.pledge_ceiling_minor
    Campaign.objects.filter(pk=campaign.pk).update(pledged_minor=ceiling - LEFT)
    held = []
    lock = threading.Lock()

    def guarded(i, barrier):
        barrier.wait()
        if services.hold(campaign.pk, 1_000):
            with lock:
                held.append(i)

    assert in_threads(guarded, 20) == []
    campaign.refresh_from_db()
    assert len(held) == LEFT // 1_000
    assert campaign.pledged_minor == ceiling
    assert campaign.deadline > timezone.now() + timedelta(days=2)
