"""Factories for rewards tests: causes, badges, rules, bank details, and the occurrences that
pay (an event as the rules see it)."""

from datetime import datetime

import factory
from django.utils import timezone

from peerarmy.rewards.models import Badge, Cause, Event, PayoutDetails, RewardKind, RewardRule
from peerarmy.rewards.services import Occurrence
from peerarmy.tenancy.tests.factories import BusinessFactory, PeerFactory, ProgramFactory

# Real IBANs from the banks' documentation: the checksum is right.
IBANS = [
    "IT60X0542811101000000123456",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
]
BAD_IBAN = "IT60X0542811101000000123457"  # one digit off: the check digits are wrong


class CauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cause

    business = factory.SubFactory(BusinessFactory)
    name_it = factory.Sequence(lambda n: f"Canile di quartiere {n}")
    name_en = factory.Sequence(lambda n: f"Neighbourhood dog shelter {n}")
    account_holder = "Associazione Amici del Canile"
    iban = IBANS[3]


class BadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Badge

    business = factory.SubFactory(BusinessFactory)
    slug = factory.Sequence(lambda n: f"badge-{n}")
    name_it = factory.Sequence(lambda n: f"Distintivo {n}")
    name_en = factory.Sequence(lambda n: f"Badge {n}")


class RuleFactory(factory.django.DjangoModelFactory):
    """A rule as the owner's form saves it: on a completed block, pay 15 € (use services
    .create_rule where the validation itself is under test)."""

    class Meta:
        model = RewardRule

    program = factory.SubFactory(ProgramFactory)
    business = factory.SelfAttribute("program.business")
    event = Event.BLOCK_COMPLETED
    reward = RewardKind.CASH
    amount = 1500


class PayoutDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutDetails

    peer = factory.SubFactory(PeerFactory)
    business = factory.SelfAttribute("peer.business")
    account_holder = factory.LazyAttribute(lambda o: o.peer.display_name or "Peer")
    iban = IBANS[0]


_counter = iter(range(1, 10**9))


def occurrence(
    peer,
    program,
    *,
    key: str | None = None,
    when: datetime | None = None,
    amount_minor: int = 2500,
    points: int = 10,
    minutes: int = 180,
    event: str = Event.BLOCK_COMPLETED,
) -> Occurrence:
    """One completed block for `peer` in `program`; a fresh cause unless `key` is given."""
    return Occurrence(
        event=event,
        key=key or f"{event}:test-{next(_counter)}",
        peer_id=peer.pk,
        program_id=program.pk,
        occurred_at=when or timezone.now(),
        minutes=minutes,
        amount_minor=amount_minor,
        points=points,
    )
