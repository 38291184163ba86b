"""The whole life of a used item, through the services, with the books checked at each step:
listed from the seller's order history with the shop's suggested price, reviewed, reserved,
sold, brought back or paid to its seller; and traded in at the till."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.errors import DomainError, InvalidTransition, PermissionDenied
from peerarmy.resale import services
from peerarmy.resale.inputs import ListingInput, ReturnInput, ReviewInput, SaleInput, TradeInInput
from peerarmy.resale.models import ListingStatus, ReservationStatus, TradeInStatus
from peerarmy.rewards import ledger
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import AccountKind, PayoutDetails, Refund, Voucher
from peerarmy.tenancy.tests.factories import PeerFactory, UserFactory

from .helpers import category, jpeg, listing, order_of, public_listing, resale_program, reserve

pytestmark = pytest.mark.django_db


def _shown(business, spec):
    ref = ledger.accounts(business.pk, [spec])[spec]
    return -ledger.balance(business.pk, ref.id)


def _till(business):
    ref = ledger.accounts(business.pk, [ledger.house(AccountKind.TILL, "EUR")])
    return ledger.balance(business.pk, next(iter(ref.values())).id)


@pytest.fixture
def program(business, owner):
    return resale_program(business, owner, return_days=14, credit_bonus_percent=20)


@pytest.fixture
def seats(business, owner, program):
    return category(business, owner, program)


@pytest.fixture
def giulia(business):
    return UserFactory(email="giulia@example.org")


def test_an_item_from_her_orders_is_bought_here_with_the_suggested_price(
    business, program, seats, giulia
):
    order = order_of(business, giulia, items=[("Rack", 3500), ("Child seat Hamax", 8900)])
    item = listing(business, giulia, program, seats, bought_order=order.external_id, bought_line=1)
    assert item.bought_here and item.bought_name == "Child seat Hamax"
    assert item.original_minor == 8900
    # 89 € two years ago in excellent condition: 89 × 65 % × 80 % = 46.28 → 46 €
    assert item.suggested_minor == 4600
    assert item.bought_on == order.placed_at.astimezone(business.tzinfo).date()


def test_someone_elses_order_is_not_bought_here(business, program, seats, giulia):
    order = order_of(business, UserFactory(email="other@example.org"), items=[("Seat", 8900)])
    with pytest.raises(DomainError) as refused:
        listing(business, giulia, program, seats, bought_order=order.external_id, bought_line=0)
    assert refused.value.code == "not_bought_here" and refused.value.field == "bought_order"


def test_a_refunded_order_is_not_bought_here(business, program, seats, giulia):
    order = order_of(business, giulia, items=[("Seat", 8900)])
    order.refunded_minor = order.total_minor
    order.save()
    with pytest.raises(DomainError) as refused:
        listing(business, giulia, program, seats, bought_order=order.external_id, bought_line=0)
    assert refused.value.code == "not_bought_here"


def test_money_needs_a_bank_account_unless_the_seller_is_a_paid_peer(
    business, program, seats, giulia
):
    with pytest.raises(DomainError) as refused:
        listing(business, giulia, program, seats, payout="money")
    fields = {field for field, _m in refused.value.errors}
    assert fields == {"payout_iban", "payout_holder"}
    item = listing(
        business,
        giulia,
        program,
        seats,
        payout="money",
        payout_holder="Giulia Rossi",
        payout_iban="IT60 X054 2811 1010 0000 0123 456",
    )
    assert item.payout_iban == "IT60X0542811101000000123456"


def test_review_needs_a_photo_and_tells_the_seller(business, owner, program, seats, giulia):
    from peerarmy.chipin.tests.helpers import sent_mail

    item = listing(business, giulia, program, seats)
    with pytest.raises(InvalidTransition):
        services.submit_listing(business, giulia, item)
    services.add_photo(business, giulia, item, jpeg())
    services.submit_listing(business, giulia, item)
    ask = ReviewInput(decision="changes", note="Una foto del retro, per favore.")
    services.review_listing(business, owner, item, ask)
    item.refresh_from_db()
    assert item.status == ListingStatus.CHANGES
    mail = sent_mail("giulia@example.org")
    assert "Una foto del retro" in mail[-1].body
    services.submit_listing(business, giulia, item)
    services.review_listing(business, owner, item, ReviewInput(decision="approve"))
    item.refresh_from_db()
    assert item.status == ListingStatus.PUBLIC and item.published_at is not None


def test_a_peer_without_the_work_capability_cannot_review(business, program, seats, giulia):
    item = listing(business, giulia, program, seats)
    with pytest.raises(PermissionDenied):
        services.review_listing(business, giulia, item, ReviewInput(decision="approve"))


def test_a_sale_keeps_the_commission_and_holds_the_share_until_the_window_closes(
    business, owner, program, seats, giulia
):
    item = public_listing(business, giulia, owner, program, seats, price_minor=4650)
    made = reserve(business, item)
    services.confirm_reservation(business, made.token)
    services.mark_sold(business, owner, made.reservation, SaleInput(paid_by="till"))
    sale = made.reservation
    sale.refresh_from_db()
    assert sale.status == ReservationStatus.SOLD
    assert (sale.commission_minor, sale.share_minor) == (930, 3720)
    assert _till(business) == 4650
    assert _shown(business, ledger.resale_commissions(program.pk, "EUR")) == 930
    assert _shown(business, ledger.house(AccountKind.RESALE_HELD, "EUR")) == 3720
    assert check_business(business.pk) == []
    # nothing is paid before the window closes; then the shop credit with the 20 % bonus
    assert services.release_shares(now=timezone.now() + timedelta(days=13)) == 0
    assert services.release_shares(now=timezone.now() + timedelta(days=15)) == 1
    voucher = Voucher.objects.get(business=business, user=giulia)
    assert voucher.value_minor == 3720 + 744
    assert _shown(business, ledger.house(AccountKind.RESALE_HELD, "EUR")) == 0
    assert check_business(business.pk) == []
    assert services.release_shares(now=timezone.now() + timedelta(days=16)) == 0


def test_a_peer_with_bank_details_is_paid_through_the_payout_runs(business, owner, program, seats):
    peer = PeerFactory(business=business)
    PayoutDetails.objects.create(
        business=business, peer=peer, account_holder="Anna", iban="IT60X0542811101000000123456"
    )
    item = public_listing(business, peer.user, owner, program, seats, payout="money")
    made = reserve(business, item)
    services.mark_sold(business, owner, made.reservation, SaleInput(paid_by="transfer"))
    services.release_shares(now=timezone.now() + timedelta(days=15))
    assert _shown(business, ledger.peer_payable(peer.pk, "EUR")) == 3200  # 40 € less 20 %
    assert check_business(business.pk) == []


def test_a_customer_paid_in_money_is_owed_on_her_account(business, owner, program, seats, giulia):
    item = public_listing(
        business,
        giulia,
        owner,
        program,
        seats,
        payout="money",
        payout_holder="Giulia Rossi",
        payout_iban="IT60X0542811101000000123456",
    )
    made = reserve(business, item)
    services.mark_sold(business, owner, made.reservation, SaleInput())
    services.release_shares(now=timezone.now() + timedelta(days=15))
    owed = Refund.objects.get(business=business)
    assert (owed.amount_minor, owed.iban, owed.holder) == (
        3200,
        "IT60X0542811101000000123456",
        "Giulia Rossi",
    )
    assert check_business(business.pk) == []


def test_a_return_within_the_window_reverses_the_sale(business, owner, program, seats, giulia):
    item = public_listing(business, giulia, owner, program, seats)
    made = reserve(business, item)
    services.mark_sold(business, owner, made.reservation, SaleInput())
    services.return_sale(business, owner, made.reservation, ReturnInput(reason="Non va bene"))
    item.refresh_from_db()
    assert item.status == ListingStatus.PUBLIC
    assert _till(business) == 0
    assert _shown(business, ledger.resale_commissions(program.pk, "EUR")) == 0
    assert services.release_shares(now=timezone.now() + timedelta(days=15)) == 0
    assert check_business(business.pk) == []
    # on sale again: a second buyer can reserve it
    assert reserve(business, item, email="second@example.org").reservation.holding


def test_no_return_after_the_window(business, owner, program, seats, giulia):
    item = public_listing(business, giulia, owner, program, seats)
    made = reserve(business, item)
    services.mark_sold(business, owner, made.reservation, SaleInput())
    later = timezone.now() + timedelta(days=15)
    with pytest.raises(InvalidTransition):
        services.return_sale(business, owner, made.reservation, ReturnInput(), now=later)


def test_a_second_buyer_is_refused_and_an_expired_reservation_frees_the_item(
    business, owner, program, seats, giulia
):
    item = public_listing(business, giulia, owner, program, seats)
    first = reserve(business, item)
    with pytest.raises(DomainError) as refused:
        reserve(business, item, email="second@example.org")
    assert refused.value.code == "listing_not_available"
    assert services.expire_reservations(now=timezone.now() + timedelta(hours=2)) == 1
    item.refresh_from_db()
    assert item.status == ListingStatus.PUBLIC
    with pytest.raises(DomainError) as late:
        services.confirm_reservation(business, first.token)
    assert late.value.code == "reservation_expired"
    with pytest.raises(DomainError) as gone:
        services.mark_sold(business, owner, first.reservation, SaleInput())
    assert gone.value.code == "reservation_expired"
    assert reserve(business, item, email="second@example.org").reservation.holding


def test_the_same_idempotency_key_answers_the_first_reservation(
    business, owner, program, seats, giulia
):
    from peerarmy.resale.inputs import ReservationInput

    item = public_listing(business, giulia, owner, program, seats)
    data = ReservationInput(name="Marco", email="marco@example.org")
    first = services.reserve(business, item, data, idempotency_key="k-1")
    again = services.reserve(business, item, data, idempotency_key="k-1")
    assert again.replayed and again.value.reservation.pk == first.value.reservation.pk


def test_a_trade_in_at_the_till_gives_a_voucher_and_the_shop_sells_the_item(
    business, owner, program, seats, giulia
):
    order = order_of(business, giulia, items=[("Rack", 3500)], months_ago=14)
    data = TradeInInput(
        category_id=seats.pk,
        title="Portapacchi",
        grade="good",
        bought_order=order.external_id,
        bought_line=0,
    )
    offer = services.offer_trade_in(
        business, owner, program.pk, data, seller_email=giulia.email
    ).value
    # 35 € × 50 % (good) × 90 % (one year) = 15.75 → 16 €; the shop pays half, 8 €
    assert (offer.suggested_minor, offer.offer_minor) == (1600, 800)
    accepted = services.decide_trade_in(business, owner, offer, accept=True).value
    assert accepted.status == TradeInStatus.ACCEPTED
    assert accepted.voucher.value_minor == 800 and accepted.voucher.user_id == giulia.pk
    shop_item = accepted.listing
    assert shop_item.by_shop and shop_item.seller_id is None and shop_item.price_minor == 1600
    assert _shown(business, ledger.trade_ins(program.pk, "EUR")) == -800  # an expense
    services.add_photo(business, owner, shop_item, jpeg())
    services.review_listing(business, owner, shop_item, ReviewInput(decision="approve"))
    made = reserve(business, shop_item)
    services.mark_sold(business, owner, made.reservation, SaleInput())
    assert _shown(business, ledger.resale_sales(program.pk, "EUR")) == 1600
    assert check_business(business.pk) == []


def test_from_the_app_only_what_the_shop_sold_can_be_traded_in(
    business, owner, program, seats, giulia
):
    data = TradeInInput(category_id=seats.pk, title="Casco", grade="good", original_minor=5000)
    with pytest.raises(DomainError) as refused:
        services.offer_trade_in(business, giulia, program.pk, data, seller=giulia)
    assert "bought_order" in {field for field, _m in refused.value.errors}


def test_a_trade_in_offer_expires(business, owner, program, seats, giulia):
    data = TradeInInput(category_id=seats.pk, title="Casco", grade="good", original_minor=5000)
    offer = services.offer_trade_in(
        business, owner, program.pk, data, seller_email=giulia.email
    ).value
    with pytest.raises(InvalidTransition):
        services.decide_trade_in(
            business, owner, offer, accept=True, now=timezone.now() + timedelta(days=8)
        )
    offer.refresh_from_db()
    assert offer.status == TradeInStatus.EXPIRED and offer.voucher is None


def test_a_bonus_changed_after_the_sale_does_not_change_it(business, owner, program, seats, giulia):
    from peerarmy.resale.inputs import ResaleSettingsInput

    item = public_listing(business, giulia, owner, program, seats)  # 40 €, as shop credit
    made = reserve(business, item)
    services.mark_sold(business, owner, made.reservation, SaleInput())
    services.save_settings(
        business, owner, program.pk, ResaleSettingsInput(credit_bonus_percent=50)
    )
    services.release_shares(now=timezone.now() + timedelta(days=15))
    assert Voucher.objects.get(business=business, user=giulia).value_minor == 3200 + 640


def test_editing_a_public_listing_sends_it_back_to_review(business, owner, program, seats, giulia):
    item = public_listing(business, giulia, owner, program, seats)
    data = ListingInput(category_id=seats.pk, title="Seggiolino Hamax", grade="good",
                        price_minor=3500, payout="credit")  # fmt: skip
    services.update_listing(business, giulia, item, data)
    item.refresh_from_db()
    assert item.status == ListingStatus.SUBMITTED and item.price_minor == 3500


def test_a_walk_in_customer_without_an_account_trades_in_what_she_bought(
    business, owner, program, seats
):
    from peerarmy.customers.models import Customer, Order

    customer = Customer.objects.create(business=business, email="walkin@example.org")
    Order.objects.create(
        business=business, customer=customer, email=customer.email, source="manual",
        external_id="SC-1", placed_at=timezone.now() - timedelta(days=40), total_minor=6000,
        items=[{"name": "Casco Abus", "sku": "", "quantity": 1, "price_minor": 6000}],
    )  # fmt: skip
    data = TradeInInput(category_id=seats.pk, title="Casco", grade="good", bought_order="SC-1",
                        bought_line=0)  # fmt: skip
    offer = services.offer_trade_in(
        business, owner, program.pk, data, seller_email="WalkIn@example.org"
    ).value
    assert offer.seller is None and offer.seller_email == "walkin@example.org"
    assert (offer.original_minor, offer.suggested_minor, offer.offer_minor) == (6000, 3000, 1500)
    accepted = services.decide_trade_in(business, owner, offer, accept=True).value
    assert accepted.voucher.value_minor == 1500 and accepted.voucher.user_id is None
    assert check_business(business.pk) == []
