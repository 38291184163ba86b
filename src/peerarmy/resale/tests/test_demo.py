"""The demo's resale at Bici Gialla: terms and categories, listings in every state with their
pictures, items bought here at the shop's suggested price, a reservation about to expire,
sales paid at the till and by transfer, a seller paid in shop credit, a return, a trade-in at
the till and one waiting for its seller; the books sound, and a reset gives the same again."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.demo import load_demo
from peerarmy.peers.models import Peer
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.resale import pricing, selectors, services
from peerarmy.resale.models import (
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    Reservation,
    ReservationStatus,
    TradeIn,
    TradeInStatus,
)
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Refund
from peerarmy.rewards.selectors import wallet
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db

GIULIA = "peer@bicigialla.example"


def _shape(shop):
    """What a reset must give again (codes, ids and moments aside)."""
    listings = Listing.objects.filter(business=shop)
    return (
        sorted(listings.values_list("title", "status", "price_minor", "suggested_minor")),
        sorted(
            Reservation.objects.filter(business=shop).values_list(
                "listing__title", "status", "paid_by", "commission_minor", "share_minor"
            )
        ),
        sorted(TradeIn.objects.filter(business=shop).values_list("title", "status", "offer_minor")),
        ListingPhoto.objects.filter(business=shop).count(),
    )


def test_the_demo_resells_in_every_state_with_sound_books_and_a_reset_gives_the_same():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    now = timezone.now()
    program = Program.objects.get(business=shop, slug="usato-garantito")
    assert program.status == ProgramStatus.PUBLISHED

    # The program's terms as its page tells them: 80 % of the price in money, or 100 % in
    # shop credit; four categories in both languages, the bikes' commission at least 30 €.
    terms = selectors.resale_settings(shop, program)
    assert (terms.return_days, terms.credit_bonus_percent) == (14, 25)
    categories = {c.name_en: c for c in Category.objects.filter(business=shop)}
    assert set(categories) == {"Child seats", "Racks and bags", "Clothing and helmets", "Bikes"}
    assert all(c.name_it and c.commission_percent == 20 for c in categories.values())
    assert categories["Bikes"].commission_min_minor == max(
        c.commission_min_minor for c in categories.values()
    )

    # Listings in every state; each one sent to the shop has its picture.
    listings = Listing.objects.filter(business=shop)
    assert Counter(listings.values_list("status", flat=True)) == {
        ListingStatus.DRAFT: 1,
        ListingStatus.SUBMITTED: 1,
        ListingStatus.CHANGES: 1,
        ListingStatus.REFUSED: 1,
        ListingStatus.PUBLIC: 7,
        ListingStatus.RESERVED: 2,
        ListingStatus.SOLD: 3,
        ListingStatus.WITHDRAWN: 1,
    }
    assert not listings.exclude(status=ListingStatus.DRAFT).filter(photos__isnull=True).exists()
    assert listings.get(status=ListingStatus.SUBMITTED) in selectors.review_queue(shop)
    assert listings.get(status=ListingStatus.CHANGES).review_note
    assert listings.get(status=ListingStatus.REFUSED).review_note

    # Bought here: from the sellers' own orders, the shop's suggested price worked out from
    # what the item cost and when it was bought; the Hamax seat among them.
    bought = listings.exclude(bought_order="")
    assert bought.count() >= 6
    for item in bought.select_related("category"):
        suggested = services.suggestion(
            shop, item.category, item.grade, item.original_minor, item.bought_on
        ).price_minor
        assert item.suggested_minor == suggested and item.bought_name, item.title
    for item in bought.filter(by_shop=False).select_related("seller"):
        lines = selectors.bought_items(shop, item.seller)
        assert (item.bought_order, item.bought_name) in [
            (line.order_external_id, line.name) for line in lines
        ], item.title
    hamax = bought.get(bought_name="Seggiolino posteriore Hamax Siesta")
    assert hamax.status == ListingStatus.PUBLIC and hamax.price_minor == hamax.suggested_minor
    assert hamax.bought_on < (now - timedelta(days=2 * 365)).date()

    # Reserved: a visitor's hold ends within the hour, nobody has collected it yet; Chiara,
    # signed in, holds another for two days; one visitor cancelled by the e-mailed link.
    reservations = Reservation.objects.filter(business=shop)
    holding = reservations.filter(status=ReservationStatus.ACTIVE)
    assert holding.count() == 2
    soon = holding.get(user__isnull=True)
    assert now < soon.expires_at <= now + timedelta(hours=1)
    assert soon.confirmed_at is not None
    assert selectors.to_collect(shop)[0] == soon
    chiara = holding.get(user__isnull=False)
    assert chiara.email == "chiara.miglietta@example.it"
    assert chiara.expires_at > now + timedelta(hours=24)
    assert reservations.filter(status=ReservationStatus.CANCELLED).count() == 1

    # Sales at the till and by transfer; the shop kept its commission, the seller the rest.
    sales = reservations.filter(status=ReservationStatus.SOLD)
    assert set(sales.values_list("paid_by", flat=True)) == {"till", "transfer"}
    for sale in sales:
        category = sale.listing.category
        assert (sale.commission_minor, sale.share_minor) == pricing.commission(
            sale.price_minor, category.commission_percent, category.commission_min_minor
        )
    # Once the return window closed, a seller was paid in money (to the payable of a peer
    # with bank details, or owed to the account on the listing) and Giulia in shop credit.
    released = sales.filter(released_at__isnull=False)
    assert released.count() == 2
    assert all(s.released_at >= s.release_after for s in released)
    money = released.get(listing__payout="money")
    owed = Refund.objects.filter(business=shop, key=f"resale:{money.pk}").exists()
    payee = Peer.objects.get(business=shop, user=money.listing.seller)
    assert owed != selectors.has_payout_details(shop, payee)

    giulia = Peer.objects.get(business=shop, user__email=GIULIA)
    credit = released.get(listing__payout="credit")
    assert credit.listing.seller == giulia.user
    in_her_wallet = [voucher.value_minor for voucher, _left in wallet(giulia).vouchers]
    assert pricing.credit_with_bonus(credit.share_minor, 25) in in_her_wallet
    # … and her panniers, sold by transfer three days ago, wait for the window to close.
    waiting = selectors.waiting_shares(shop, giulia.user)
    assert [(s.paid_by, s.listing.payout) for s in waiting] == [("transfer", "money")]
    assert now < waiting[0].release_after < now + timedelta(days=14)

    # Brought back within the window: the sale undone, the item on sale again.
    back = reservations.get(status=ReservationStatus.RETURNED)
    assert back.returned_at <= back.release_after and back.released_at is None
    assert back.listing.status == ListingStatus.PUBLIC

    # A city bike traded in at the till: a voucher to its owner at once, and the shop's own
    # listing, photographed and on sale; a helmet's offer waits for its owner in the app.
    traded = TradeIn.objects.get(business=shop, at_till=True)
    assert traded.status == TradeInStatus.ACCEPTED
    assert traded.voucher.value_minor == traded.offer_minor
    assert traded.seller is not None and traded.voucher.user_id == traded.seller_id
    assert traded.offer_minor == pricing.trade_in_offer(traded.suggested_minor, 50)
    shop_listing = traded.listing
    assert shop_listing.by_shop and shop_listing.status == ListingStatus.PUBLIC
    assert shop_listing.photos.exists() and shop_listing.bought_here
    asked = TradeIn.objects.get(business=shop, at_till=False)
    assert asked.status == TradeInStatus.OFFERED and asked.expires_at > now
    assert asked.bought_order and asked.seller is not None

    # The books add up, the resale checks included.
    assert check_business(shop.pk) == []

    # Loading again changes nothing; a reset gives the same resale and sound books.
    before = _shape(shop)
    assert load_demo() is None
    assert _shape(shop) == before

    load_demo(reset=True)

    shop = Business.objects.get(slug="bicigialla")
    assert _shape(shop) == before
    assert check_business(shop.pk) == []
