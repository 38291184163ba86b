"""An erasure, end to end: Marta, a customer and peer of Bici Gialla with data in every app, asks
for her data to be erased; staff complete the request. Afterwards nothing in any text column of
any model names her at the shop (only the payment records the law keeps), nothing of the shop
points at her account, the ledger is exactly as it was and still balances, and Paolo (another
peer) and the other business she belongs to are untouched."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from peerarmy.customers.models import Customer
from peerarmy.errors import InvalidTransition, PermissionDenied
from peerarmy.notifications.models import OutboxMessage
from peerarmy.notifications.services import deliver_due
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.privacy import services
from peerarmy.privacy.inputs import ErasureInput, RefusalInput
from peerarmy.privacy.models import AccessRecord, ErasureRequest, ErasureStatus
from peerarmy.rewards import services as rewards
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Account, Entry, Payout, Transaction
from peerarmy.rewards.tests.factories import IBANS, RuleFactory, change_settings, occurrence
from peerarmy.support.models import Message, Ticket
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
)

from . import search
from .world import MARTA_EMAIL, NEEDLES, build

pytestmark = pytest.mark.django_db

# What the law keeps (ten years of accounting records): where money went to or came from.
PAYMENT_RECORDS = {
    "rewards.Payout.account_holder",
    "chipin.Pledge.payer_name",
    "chipin.BankCredit.debtor_name",
}


def ledger(business):
    return (
        sorted(
            Transaction.objects.filter(business=business).values_list(
                "pk", "key", "kind", "memo", "peer_id"
            )
        ),
        sorted(
            Entry.objects.filter(business=business).values_list(
                "pk", "transaction_id", "account_id", "amount"
            )
        ),
        sorted(Account.objects.filter(business=business).values_list("pk", "name", "peer_id")),
    )


def paolo_and_the_other_shop(world):
    paolo = Peer.objects.get(pk=world.paolo.pk)
    return (
        (paolo.display_name, paolo.bio, paolo.user_id, paolo.status),
        sorted(
            Customer.objects.filter(business=world.shop, email__startswith="paolo").values_list(
                "email", "first_name", "phone"
            )
        ),
        sorted(Message.objects.filter(ticket__peer=paolo).values_list("pk", "body")),
        sorted(Ticket.objects.filter(peer=paolo).values_list("subject", "requester_email")),
        sorted(
            Peer.objects.filter(business=world.other_shop).values_list(
                "pk", "display_name", "bio", "user_id"
            )
        ),
        sorted(
            Customer.objects.filter(business=world.other_shop).values_list(
                "email", "first_name", "last_name", "phone"
            )
        ),
    )


def test_an_erasure_leaves_nothing_of_the_person_but_the_payment_records_and_sound_books():
    world = build()
    shop = world.shop
    before = search.everywhere(NEEDLES)
    assert {hit.model for hit in before if hit.business_id == shop.pk} >= {
        "customers.Customer",
        "peers.Peer",
        "support.Message",
        "matching.MatchRequest",
        "sharing.Booking",
        "chipin.Campaign",
        "trust.Rating",
        "notifications.OutboxMessage",
    }, "the world holds Marta's data everywhere"
    books = ledger(shop)
    others = paolo_and_the_other_shop(world)

    marta = services.identify(shop, user=world.marta)
    assert services.blockers(shop, marta) == []
    asked = services.request_erasure(shop, marta, ErasureInput(confirm=True)).value
    assert asked.due_at.date() > (timezone.now() + timedelta(days=27)).date()
    done = services.complete_erasure(shop, world.staff, asked.pk).value

    assert done.status == ErasureStatus.COMPLETED and done.outcome["rows"] > 40
    assert done.email == "" and done.user is None  # the request no longer names her
    # the last e-mail she gets is deleted once it has left
    deliver_due()
    # (in her language, Italian)
    erased = [m.to for m in mail.outbox if "sono stati cancellati" in m.subject]
    assert erased == [[MARTA_EMAIL]]
    assert services.forget_sent_outcomes() == 1

    after = search.everywhere(NEEDLES)
    at_the_shop = {
        hit.column
        for hit in after
        if hit.business_id == shop.pk
        or (hit.business_id is None and hit.model not in {"accounts.User", "account.EmailAddress"})
    }
    assert at_the_shop == PAYMENT_RECORDS
    assert search.pointing_at(world.marta, shop) == []
    assert ledger(shop) == books
    assert check_business(shop.pk) == []
    assert paolo_and_the_other_shop(world) == others

    # what she is at the shop now: a number
    peer = Peer.objects.get(pk=world.peer.pk)
    assert str(peer.pk) in peer.display_name and "Marta" not in peer.display_name
    assert peer.status == PeerStatus.REJECTED and peer.latitude is None and not peer.bio
    assert peer.user.is_active is False and peer.user != world.marta
    # her account stays for the other shop, with its address and name
    world.marta.refresh_from_db()
    assert world.marta.is_active and world.marta.email == MARTA_EMAIL
    # the payment records are hers still, as the law keeps them
    assert Payout.objects.filter(business=shop, peer=peer, account_holder="Marta Zanetti").exists()
    # and the audit trail says it happened, by whom, naming nobody
    erased = AccessRecord.objects.get(business=shop, action="erased")
    assert erased.actor == world.staff and erased.subject.startswith("person ")
    assert "zanetti" not in erased.subject.lower()


def test_money_still_owed_blocks_the_erasure_until_it_is_paid(
    business, owner, staff, peer, program
):
    change_settings(business, owner, debtor_name="Bici Gialla srl", debtor_iban=IBANS[1])
    RuleFactory(program=program, amount=1800)
    rewards.handle(business, occurrence(peer, program))
    person = services.identify(business, user=peer.user)
    found = services.blockers(business, person)
    assert len(found) == 1 and "18.00" in found[0] and "owed" in found[0]

    asked = services.request_erasure(business, person, ErasureInput(confirm=True)).value
    with pytest.raises(InvalidTransition) as refused:
        services.complete_erasure(business, staff, asked.pk)
    assert refused.value.code == "erasure_blocked" and "18.00" in str(refused.value.message)
    assert ErasureRequest.objects.get(pk=asked.pk).is_pending
    assert Peer.objects.get(pk=peer.pk).display_name == peer.display_name  # nothing erased


def test_a_second_request_is_the_same_request_and_a_community_manager_cannot_decide_it(
    business, staff, peer
):
    person = services.identify(business, user=peer.user)
    first = services.request_erasure(business, person, ErasureInput(confirm=True))
    again = services.request_erasure(business, person, ErasureInput(confirm=True))
    assert first.created and again.replayed and again.value.pk == first.value.pk
    community = MembershipFactory(business=business, role=Role.COMMUNITY).user
    with pytest.raises(PermissionDenied):
        services.complete_erasure(business, community, first.value.pk)
    with pytest.raises(PermissionDenied):
        services.refuse_erasure(business, community, first.value.pk, RefusalInput(reason="no"))
    # staff of another business do not find it at all
    other = BusinessFactory()
    outsider = OwnerFactory(business=other).user
    with pytest.raises(PermissionDenied):
        services.complete_erasure(business, outsider, first.value.pk)
    from peerarmy.errors import NotFound

    with pytest.raises(NotFound):
        services.complete_erasure(other, outsider, first.value.pk)


def test_a_refusal_tells_the_person_why_and_keeps_their_data(business, staff, peer):
    person = services.identify(business, user=peer.user)
    asked = services.request_erasure(business, person, ErasureInput(confirm=True)).value
    mail.outbox.clear()
    done = services.refuse_erasure(
        business, staff, asked.pk, RefusalInput(reason="An invoice of yours is under audit.")
    ).value
    assert done.status == ErasureStatus.REFUSED
    deliver_due()
    (told,) = [m for m in mail.outbox if m.to == [peer.user.email] and "cannot" in m.body]
    assert "An invoice of yours is under audit." in told.body
    assert Peer.objects.get(pk=peer.pk).bio == peer.bio
    with pytest.raises(InvalidTransition):
        services.complete_erasure(business, staff, asked.pk)


def test_the_account_is_closed_only_when_asked_and_no_other_business_holds_the_person(
    business, staff, other_business
):
    alone = PeerFactory(business=business)
    person = services.identify(business, user=alone.user)
    assert services.preview(business, person).can_close_account
    asked = services.request_erasure(
        business, person, ErasureInput(confirm=True, close_account=True)
    ).value
    services.complete_erasure(business, staff, asked.pk)
    alone.user.refresh_from_db()
    assert not alone.user.is_active and not alone.user.has_usable_password()
    assert alone.user.email.endswith("@erased.invalid") and not alone.user.last_name

    # held by another business: the box is not even offered, and asking for it changes nothing
    twice = PeerFactory(business=business)
    PeerFactory(business=other_business, user=twice.user)
    person = services.identify(business, user=twice.user)
    assert not services.preview(business, person).can_close_account
    asked = services.request_erasure(
        business, person, ErasureInput(confirm=True, close_account=True)
    ).value
    assert not asked.close_account
    services.complete_erasure(business, staff, asked.pk)
    twice.user.refresh_from_db()
    assert twice.user.is_active
    assert Peer.objects.get(business=other_business, user=twice.user).status == PeerStatus.ACTIVE


def test_a_member_of_the_team_must_leave_it_before_an_erasure(business, staff):
    person = services.identify(business, user=staff)
    (reason,) = services.blockers(business, person)
    assert "team" in reason


def test_the_worker_reminds_staff_once_of_requests_due_within_a_week(business, owner, staff, peer):
    from peerarmy.privacy import tasks

    person = services.identify(business, user=peer.user)
    asked = services.request_erasure(business, person, ErasureInput(confirm=True)).value
    OutboxMessage.objects.all().delete()
    assert services.remind_due() == 0  # a month ahead: nothing yet
    ErasureRequest.objects.filter(pk=asked.pk).update(due_at=timezone.now() + timedelta(days=5))
    assert tasks.remind_erasures_due.call() == 1
    assert services.remind_due() == 0  # told once
    told = sorted(
        m.recipient for m in OutboxMessage.objects.filter(event="privacy.erasure_reminder")
    )
    assert told == sorted([owner.email, staff.email])
    assert tasks.remind_erasures_due in tasks.PERIODIC


def test_the_due_date_is_a_calendar_month_later_in_the_business_zone(business):
    from zoneinfo import ZoneInfo

    rome = ZoneInfo("Europe/Rome")
    received = timezone.make_aware(timezone.datetime(2027, 1, 31, 23, 30), rome)
    due = services.one_month_after(received, rome)
    assert (due.year, due.month, due.day, due.hour) == (2027, 2, 28, 23)
    december = timezone.make_aware(timezone.datetime(2027, 12, 15, 10, 0), rome)
    assert services.one_month_after(december, rome).date() == timezone.datetime(2028, 1, 15).date()
