"""Who gets the credit: a sign-up and an application made with a link's cookie are credited to
it, the referrer never for themselves; a friend's first order found in an import converts once,
and `referral.converted` lets a reward rule pay the referrer through the ledger."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from peerarmy import events
from peerarmy.peers.inputs import PeerProfileInput
from peerarmy.peers.services import apply_as_peer
from peerarmy.rewards import checks
from peerarmy.rewards.models import Reward, RewardStatus
from peerarmy.rewards.selectors import wallet
from peerarmy.spread import services
from peerarmy.spread.models import Attribution, AttributionKind, TargetKind
from peerarmy.tenancy.tests.factories import (
    CustomerFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

from .helpers import PASSWORD, friend, go, import_orders, landing_link, referral_rule, sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(business):
    return PeerFactory(business=business, display_name="Giulia R.")


@pytest.fixture
def owner(business):
    return OwnerFactory(business=business).user


def _apply(business, user):
    return apply_as_peer(
        business=business,
        user=user,
        data=PeerProfileInput(
            display_name="Marta",
            languages=[{"code": "it", "level": "native"}],
            home_address="Via Zamboni 1, Bologna",
            latitude=44.4949,
            longitude=11.3426,
        ),
        language="it",
    ).value


def test_a_sign_up_through_a_link_is_credited_to_it(client, business, giulia):
    link = landing_link(business, giulia)
    go(client, business, link)

    response = sign_up(client, "marta@example.org")

    assert response.status_code == 302
    marta = get_user_model().objects.get(email="marta@example.org")
    credited = Attribution.objects.get(kind=AttributionKind.SIGNUP)
    assert (credited.link, credited.user, credited.business) == (link, marta, business)
    assert credited.email_hash == services.email_hash("marta@example.org")


def test_a_sign_up_without_a_link_is_credited_to_nobody(client, business, giulia):
    sign_up(client, "marta@example.org")
    assert not Attribution.objects.exists()


def test_an_application_after_the_sign_up_is_credited_to_the_same_link(client, business, giulia):
    link = landing_link(business, giulia)
    go(client, business, link)
    sign_up(client, "marta@example.org")
    marta = get_user_model().objects.get(email="marta@example.org")

    peer = _apply(business, marta)

    credited = Attribution.objects.get(kind=AttributionKind.APPLICATION)
    assert (credited.link, credited.user, credited.peer) == (link, marta, peer)


def test_a_signed_in_person_who_opens_a_link_and_applies_is_credited(client, business, giulia):
    marta = UserFactory()
    client.force_login(marta)
    go(client, business, landing_link(business, giulia))

    _apply(business, marta)

    assert Attribution.objects.filter(kind=AttributionKind.APPLICATION, user=marta).exists()


def test_a_sign_in_with_the_cookie_remembers_the_link_for_the_application(client, business, giulia):
    marta = UserFactory()
    go(client, business, landing_link(business, giulia))
    client.post("/accounts/login/", {"login": marta.email, "password": PASSWORD})

    _apply(business, marta)

    assert Attribution.objects.filter(kind=AttributionKind.APPLICATION, user=marta).exists()


def test_an_application_a_month_after_the_link_is_not_its_doing(business, giulia):
    marta = UserFactory()
    link = landing_link(business, giulia)
    services.note_touch(business, link, marta, timezone.now() - timedelta(days=31))

    _apply(business, marta)

    assert not Attribution.objects.exists()


def test_the_referrer_is_never_credited_for_themselves(client, business, giulia):
    link = landing_link(business, giulia)
    # Giulia opens her own link signed out (a visit: nobody knows it is her), then signs in
    go(client, business, link)
    client.post("/accounts/login/", {"login": giulia.user.email, "password": PASSWORD})

    assert services.credit_signup(business, link.pk, giulia.user) is None
    assert services.credit_application(business, giulia) is None
    assert not Attribution.objects.exists()


def test_a_person_is_credited_once_per_kind(business, giulia):
    other = PeerFactory(business=business)
    marta = UserFactory()
    services.credit_signup(business, landing_link(business, giulia).pk, marta)

    again = services.credit_signup(business, landing_link(business, other).pk, marta)

    assert again is None
    assert Attribution.objects.get(kind=AttributionKind.SIGNUP).link.peer == giulia


def test_the_shop_s_own_link_counts_a_sign_up_too(client, business):
    shop = services.shop_link(business)
    go(client, business, shop)

    sign_up(client, "marta@example.org")

    assert Attribution.objects.get(kind=AttributionKind.SIGNUP).link == shop


# --- first orders ----------------------------------------------------------------------------


def test_a_friend_s_first_order_in_an_import_converts_and_pays_the_referrer(
    business, owner, giulia
):
    program = ProgramFactory(business=business)
    referral_rule(business, owner, program, amount=1000)
    link = services.link_for(business, giulia, TargetKind.PROGRAM, program.pk)
    marta, _signup = friend(business, link, days_ago=10, email="marta@example.org")
    placed = timezone.now() - timedelta(days=2)

    import_orders(business, [("#5001", "marta@example.org", placed, "64.90")])

    converted = Attribution.objects.get(kind=AttributionKind.FIRST_ORDER)
    assert (converted.link, converted.user) == (link, marta)
    assert converted.customer.email == "marta@example.org"
    assert (converted.order_total_minor, converted.currency) == (6490, "EUR")
    reward = Reward.objects.get(peer=giulia)
    assert (reward.event, reward.amount, reward.status) == (
        "referral.converted",
        1000,
        RewardStatus.POSTED,
    )
    assert wallet(giulia).payable == 1000
    assert checks.check_business(business.pk) == []


def test_importing_the_same_orders_again_converts_nothing_more(business, owner, giulia):
    program = ProgramFactory(business=business)
    referral_rule(business, owner, program)
    link = landing_link(business, giulia)
    friend(business, link, email="marta@example.org")
    placed = timezone.now() - timedelta(days=2)
    rows = [("#5001", "marta@example.org", placed, "64.90")]

    import_orders(business, rows)
    import_orders(business, rows + [("#5002", "marta@example.org", timezone.now(), "10.00")])
    services.convert_first_orders(business)

    assert Attribution.objects.filter(kind=AttributionKind.FIRST_ORDER).count() == 1
    assert Reward.objects.filter(peer=giulia).count() == 1
    assert wallet(giulia).payable == 1000


def test_a_landing_link_is_paid_by_the_program_that_has_a_referral_rule(business, owner, giulia):
    ProgramFactory(business=business)  # no referral rule
    with_rule = ProgramFactory(business=business)
    referral_rule(business, owner, with_rule, amount=500)
    friend(business, landing_link(business, giulia), email="marta@example.org")

    import_orders(business, [("#1", "marta@example.org", timezone.now(), "20.00")])

    reward = Reward.objects.get(peer=giulia)
    assert (reward.program, reward.amount) == (with_rule, 500)


def test_without_a_referral_rule_the_first_order_counts_and_pays_nobody(business, giulia):
    friend(business, landing_link(business, giulia), email="marta@example.org")

    import_orders(business, [("#1", "marta@example.org", timezone.now(), "20.00")])

    assert Attribution.objects.filter(kind=AttributionKind.FIRST_ORDER).count() == 1
    assert not Reward.objects.exists()


def test_a_customer_who_ordered_before_the_link_brought_them_does_not_convert(
    business, owner, giulia
):
    referral_rule(business, owner, ProgramFactory(business=business))
    friend(business, landing_link(business, giulia), days_ago=5, email="marta@example.org")

    import_orders(
        business,
        [
            ("#1", "marta@example.org", timezone.now() - timedelta(days=40), "20.00"),
            ("#2", "marta@example.org", timezone.now(), "30.00"),
        ],
    )

    assert not Attribution.objects.filter(kind=AttributionKind.FIRST_ORDER).exists()
    assert not Reward.objects.exists()


def test_an_order_placed_on_the_day_of_the_sign_up_counts(business, giulia):
    link = landing_link(business, giulia)
    friend(business, link, days_ago=0, email="marta@example.org")
    midnight = timezone.localtime(timezone.now(), business.tzinfo).replace(
        hour=0, minute=0, second=0, microsecond=0
    )

    import_orders(business, [("#1", "marta@example.org", midnight, "20.00")])

    assert Attribution.objects.filter(kind=AttributionKind.FIRST_ORDER).count() == 1


def test_the_first_order_goes_to_the_last_link_before_it(business, giulia):
    chiara = PeerFactory(business=business)
    marta = UserFactory(email="marta@example.org")
    now = timezone.now()
    services.credit_signup(
        business, landing_link(business, giulia).pk, marta, now=now - timedelta(days=20)
    )
    services.note_touch(business, landing_link(business, chiara), marta, now - timedelta(days=8))
    _apply(business, marta)  # credited to Chiara's link, the last one
    CustomerFactory(business=business, email="marta@example.org")

    import_orders(
        business, [("#1", "marta@example.org", timezone.now() + timedelta(minutes=5), "20.00")]
    )

    converted = Attribution.objects.get(kind=AttributionKind.FIRST_ORDER)
    assert converted.link.peer == chiara
    assert converted.source.kind == AttributionKind.APPLICATION


def test_the_event_says_who_to_pay_and_for_what(business, giulia, monkeypatch):
    published = []
    monkeypatch.setattr(
        events, "publish", lambda b, name, *, key, payload: published.append((name, key, payload))
    )
    link = landing_link(business, giulia)
    marta, _s = friend(business, link, email="marta@example.org")
    customer = CustomerFactory(business=business, email="marta@example.org")
    from peerarmy.customers.models import Order

    Order.objects.create(
        business=business,
        customer=customer,
        email=customer.email,
        source="generic",
        external_id="#9",
        placed_at=timezone.now(),
        total_minor=4200,
    )

    made = services.convert_first_orders(business)

    name, key, payload = published[0]
    assert name == "referral.converted" and key == f"referral.converted:{made[0].pk}"
    assert payload["peer_id"] == giulia.pk and payload["link_id"] == link.pk
    assert payload["customer_id"] == customer.pk and payload["order_total_minor"] == 4200
    assert payload["currency"] == "EUR" and payload["program_id"] is None
    assert payload["converted_at"]


def test_a_cancelled_or_unpaid_order_is_no_first_order(business, giulia):
    friend(business, landing_link(business, giulia), email="marta@example.org")
    customer = CustomerFactory(business=business, email="marta@example.org")
    from peerarmy.customers.models import Order

    Order.objects.create(
        business=business,
        customer=customer,
        email=customer.email,
        source="generic",
        external_id="#9",
        placed_at=timezone.now(),
        total_minor=4200,
        financial_status="pending",
    )

    assert services.convert_first_orders(business) == []


def test_a_sign_up_made_in_another_browser_is_not_credited(business, giulia):
    go(Client(), business, landing_link(business, giulia))
    sign_up(Client(), "marta@example.org")
    assert not Attribution.objects.exists()
