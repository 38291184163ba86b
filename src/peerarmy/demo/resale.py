"""The demo's resale at Bici Gialla (issue 19), made through the services at the moment each
thing happened, so that the books add up as they would have:

- the terms of the program `usato-garantito` (the shop keeps 20 %, the seller gets 80 % in
  money or, with a 25 % bonus, 100 % in shop credit, as the program's page says) and four
  categories with their pricing rules: child seats, racks and bags, clothing and helmets,
  bikes (with a higher smallest commission);
- listings in every state, each with a picture (`resale_pictures`): a draft, one waiting for
  review, one with changes asked, one refused, several on sale, two reserved (one by a visitor
  whose hold ends within the hour, one by Chiara, signed in), sold at the till and paid to the
  seller once the return window closed, sold by bank transfer and waiting for the window, sold
  and paid out as shop credit (a voucher), one brought back within the window and on sale
  again, one withdrawn;
- the **bought here** items come from the peers' own orders as the shop's Shopify export
  gave them (a helmet, a rack, a bag, a gravel bike, a city bike), with the shop's suggested
  price; one peer also bought a Hamax child seat and a rear rack at the till, an order added
  here (the export sells no child seat);
- Giulia (`peer@bicigialla.example`) sells what her family outgrew: a child seat sold six weeks
  ago and paid to her as shop credit, panniers sold three days ago whose money waits for the
  return window (her wallet's "From your sales"), and a rain jacket on sale;
- a city bike traded in at the till (a voucher to its owner at once, the bike the shop's
  listing, photographed and on sale) and a helmet offered from the app, waiting for its
  owner's answer.

Everything is deterministic (a fixed list, the peers in their order) and relative to the
moment of loading: the same day gives the same demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from peerarmy.customers.models import Order, Source
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program
from peerarmy.resale import selectors, services
from peerarmy.resale.inputs import (
    CategoryInput,
    ListingInput,
    ResaleSettingsInput,
    ReservationInput,
    ReturnInput,
    ReviewInput,
    SaleInput,
    TradeInInput,
)
from peerarmy.resale.models import Listing, ListingPhoto, Reservation, TradeIn
from peerarmy.tenancy.models import Membership, Role

from . import resale_pictures as pictures
from .rewards import _demo_iban

PROGRAM_SLUG = "usato-garantito"
GIULIA = "peer@bicigialla.example"
CHIARA = "chiara.miglietta@example.it"
# A purchase is listed long after it was made: the order lines a seller lists are older.
BOUGHT_AT_LEAST_DAYS_AGO = 180

TERMS = {
    "reservation_hours": 48,
    "confirm_minutes": 60,
    "return_days": 14,
    "trade_in_percent": 50,
    "credit_bonus_percent": 25,
}
# The categories' names and rules (CategoryInput's fields): what each grade keeps of the
# price new, what an item loses a year and keeps however old, and the shop's commission.
CATEGORIES = {
    "seats": {
        "name_it": "Seggiolini",
        "name_en": "Child seats",
        "commission_min_minor": 300,
    },
    "racks": {
        "name_it": "Portapacchi e borse",
        "name_en": "Racks and bags",
        "keep_excellent_percent": 70,
        "keep_good_percent": 55,
        "keep_worn_percent": 35,
        "yearly_loss_percent": 8,
        "floor_percent": 45,
        "commission_min_minor": 300,
    },
    "clothing": {
        "name_it": "Abbigliamento e caschi",
        "name_en": "Clothing and helmets",
        "keep_new_percent": 70,
        "keep_excellent_percent": 55,
        "keep_good_percent": 40,
        "keep_worn_percent": 20,
        "keep_parts_percent": 0,
        "yearly_loss_percent": 15,
        "floor_percent": 30,
        "commission_min_minor": 200,
    },
    "bikes": {
        "name_it": "Bici",
        "name_en": "Bikes",
        "keep_new_percent": 85,
        "keep_excellent_percent": 70,
        "keep_good_percent": 55,
        "keep_worn_percent": 35,
        "keep_parts_percent": 15,
        "yearly_loss_percent": 8,
        "commission_min_minor": 3000,  # a bike takes a workshop check before it is sold
    },
}

# What the peers bought at the shop's till and the export does not hold: (name, sku, price).
TILL_ORDER = [
    ("Seggiolino posteriore Hamax Siesta", "SG-HMX", 8990),
    ("Portapacchi Racktime Addit", "PP-RTA", 4990),
]
TILL_ORDER_MONTHS_AGO = 32

# Visitors who reserve without an account: (name, e-mail, language).
BUYERS = {
    "anna": ("Anna Ferretti", "anna.ferretti@example.com", "it"),
    "marco": ("Marco Bergonzoni", "marco.bergonzoni@example.com", "it"),
    "lisa": ("Lisa Wagner", "lisa.wagner@example.com", "en"),
    "giacomo": ("Giacomo Serra", "giacomo.serra@example.com", "it"),
    "elisa": ("Elisa Montanari", "elisa.montanari@example.com", "it"),
    "tommaso": ("Tommaso Sarti", "tommaso.sarti@example.com", "it"),
}


def ago(days=0, hours=0, minutes=0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)


@dataclass(frozen=True)
class Item:
    """A used item and what happened to it, step by step: (what, how long ago, details…)."""

    key: str
    category: str
    title: str
    description: str
    grade: str
    story: tuple
    picture: Callable[[], bytes] | None = None
    size: str = ""
    price_minor: int | None = None  # None: the shop's suggested price (bought here)
    bought: str = ""  # the name of the order line it came from
    seller: str = ""  # an e-mail; else the next peer of the army
    payout: str = "money"
    delivery: str = "pickup"


ITEMS = [
    # --- bought here, from the peers' orders ---------------------------------------------
    Item(
        "hamax",
        "seats",
        "Seggiolino posteriore Hamax Siesta",
        "Il seggiolino di nostra figlia, comprato da Bici Gialla: schienale reclinabile, "
        "cinture a tre punti e poggiapiedi regolabili. Per bimbi da 9 a 22 kg. Mai caduto, "
        "sempre tenuto in garage; con il suo attacco al telaio e due chiavi.",
        "excellent",
        (("listed", ago(10, 3)), ("sent", ago(10, 2)), ("published", ago(9, 5))),
        picture=lambda: pictures.child_seat(),
        bought="Seggiolino posteriore Hamax Siesta",
        payout="credit",
    ),
    Item(
        "hamax-rack",
        "racks",
        "Portapacchi Racktime Addit",
        "Il portapacchi comprato insieme al seggiolino, con l'attacco a clip per le borse: "
        "ora che la bimba pedala da sola lo vendiamo.",
        "good",
        (("listed", ago(1, 2)),),
        bought="Portapacchi Racktime Addit",
        payout="credit",
    ),
    Item(
        "rack",
        "racks",
        "Portapacchi posteriore in alluminio",
        "Portapacchi in alluminio per ruote da 26 a 28 pollici, con molla ferma-borse. "
        "Qualche graffio sulla piastra, nessuna crepa: regge ancora 25 kg.",
        "good",
        (("listed", ago(17, 6)), ("sent", ago(17, 5)), ("published", ago(16, 4))),
        picture=lambda: pictures.rack(),
        bought="Portapacchi posteriore",
        delivery="shipping",
    ),
    Item(
        "helmet",
        "clothing",
        "Casco urbano con luce posteriore",
        "Casco da città con visiera e luce posteriore ricaricabile. Mai preso un colpo: lo "
        "vendo perché ne ho ricevuto uno in regalo.",
        "good",
        (("listed", ago(13, 4)), ("sent", ago(13, 3)), ("published", ago(12, 6))),
        picture=lambda: pictures.helmet(),
        size="L (59–61 cm)",
        bought="Casco urbano",
    ),
    Item(
        "gravel",
        "bikes",
        "Bici gravel Bici Gialla, telaio 54",
        "La mia gravel comprata in negozio: telaio in alluminio, freni a disco idraulici, "
        "gomme da 40. Tagliando fatto da Bici Gialla in primavera. La vendo perché passo a "
        "una bici da corsa.",
        "good",
        (
            ("listed", ago(21, 5)),
            ("sent", ago(21, 4)),
            ("published", ago(20, 2)),
            ("reserved", ago(14, 3), "marco", 6),
            ("cancelled", ago(13, 8)),
        ),
        picture=lambda: pictures.bike((40, 90, 80), wall=(226, 232, 236)),
        size="54 cm",
        bought="Bici gravel Bici Gialla",
    ),
    Item(
        "bag",
        "racks",
        "Borsa da portapacchi 20 l",
        "Borsa impermeabile da 20 litri con gancio rapido al portapacchi e striscia "
        "riflettente. Usata per un'estate, come nuova.",
        "excellent",
        (
            ("listed", ago(9, 6)),
            ("sent", ago(9, 5)),
            ("published", ago(8, 3)),
            # reserved two days ago less 25 minutes and confirmed 10 minutes later: its hold
            # ends within the hour, and nobody has come to collect it yet
            ("reserved", ago(2, 0, -25), "lisa", 10),
        ),
        picture=lambda: pictures.pannier((30, 110, 190)),
        bought="Borsa da portapacchi 20 l",
        delivery="shipping",
    ),
    Item(
        "queued",
        "racks",
        "Borsa da portapacchi 20 l, con tracolla",
        "Borsa da portapacchi con tracolla per portarla in ufficio. Qualche segno sul fondo.",
        "good",
        (("listed", ago(1, 5)), ("sent", ago(1, 4))),
        picture=lambda: pictures.pannier((60, 60, 64), wall=(226, 232, 236)),
        bought="Borsa da portapacchi 20 l",
    ),
    # --- Giulia's -------------------------------------------------------------------------
    Item(
        "thule",
        "seats",
        "Seggiolino anteriore Thule Yepp Mini",
        "Il seggiolino anteriore dei miei bimbi, da montare sull'attacco al manubrio (che "
        "è compreso). Per bimbi fino a 15 kg; imbottitura lavabile.",
        "good",
        (
            ("listed", ago(47, 5)),
            ("sent", ago(47, 4)),
            ("published", ago(46, 6)),
            ("reserved", ago(42, 7), "anna", 9),
            ("sold", ago(41, 4), "till"),
        ),
        picture=lambda: pictures.child_seat((90, 150, 200), (240, 240, 240), wall=(226, 232, 236)),
        price_minor=4500,
        seller=GIULIA,
        payout="credit",
    ),
    Item(
        "ortlieb",
        "racks",
        "Borse laterali Ortlieb Back-Roller, la coppia",
        "Le mie borse da viaggio: fatte la Ciclovia del Sole e la Via degli Dei. "
        "Impermeabili, chiusura a rullo, ganci regolabili; una ha un graffio sul fondo.",
        "good",
        (
            ("listed", ago(14, 5)),
            ("sent", ago(14, 4)),
            ("published", ago(13, 3)),
            ("reserved", ago(4, 6), "giacomo", 4),
            ("sold", ago(3, 2), "transfer"),
        ),
        picture=lambda: pictures.pannier((200, 40, 40), wall=(226, 232, 236)),
        price_minor=7000,
        seller=GIULIA,
        delivery="shipping",
    ),
    Item(
        "jacket",
        "clothing",
        "Giacca antipioggia da ciclismo",
        "Giacca impermeabile e traspirante con strisce riflettenti e cappuccio che sta sotto "
        "il casco. Indossata poche volte: ne ho ricevuta una uguale in regalo.",
        "excellent",
        (("listed", ago(6, 4)), ("sent", ago(6, 3)), ("published", ago(5, 6))),
        picture=lambda: pictures.jacket(),
        size="M",
        price_minor=3500,
        seller=GIULIA,
        payout="credit",
        delivery="shipping",
    ),
    # --- the army's other peers -------------------------------------------------------------
    Item(
        "kids-bike",
        "bikes",
        "Bici da bambina 20 pollici",
        "Sei marce, parafanghi e cavalletto; va bene dai 6 ai 9 anni. Gomme nuove a "
        "settembre, cestino in regalo.",
        "good",
        (
            ("listed", ago(8, 5)),
            ("sent", ago(8, 4)),
            ("published", ago(7, 2)),
            ("reserved_by", ago(0, 3), CHIARA),
        ),
        picture=lambda: pictures.bike((230, 110, 160), basket=True, step_through=True),
        size="20 pollici",
        price_minor=9000,
    ),
    Item(
        "dutch",
        "bikes",
        "Bici da città olandese, telaio 56",
        "Bici olandese in acciaio, tre marce nel mozzo, freno a contropedale e carter. "
        "Pesante ma indistruttibile.",
        "worn",
        (
            ("listed", ago(35, 5)),
            ("sent", ago(35, 4)),
            ("published", ago(34, 6)),
            ("reserved", ago(31, 2), "tommaso", 3),
            ("sold", ago(30, 5), "till"),
        ),
        picture=lambda: pictures.bike((30, 30, 36), wall=(226, 232, 236)),
        size="56 cm",
        price_minor=14000,
    ),
    Item(
        "softshell",
        "clothing",
        "Giacca softshell da donna",
        "Softshell antivento, tasca posteriore con zip e polsini in lycra. Lavata a mano.",
        "excellent",
        (
            ("listed", ago(12, 5)),
            ("sent", ago(12, 4)),
            ("published", ago(11, 3)),
            ("reserved", ago(8, 6), "elisa", 7),
            ("sold", ago(7, 5), "till"),
            ("returned", ago(6, 4), "La taglia era piccola: riportata il giorno dopo, intatta."),
        ),
        picture=lambda: pictures.jacket((40, 90, 170)),
        size="S",
        price_minor=3000,
        payout="credit",
        delivery="shipping",
    ),
    Item(
        "handlebar-bag",
        "racks",
        "Borsa da manubrio con porta-cartina",
        "Borsa da manubrio da 5 litri con tasca trasparente per la cartina o il telefono.",
        "good",
        (
            ("listed", ago(26, 5)),
            ("sent", ago(26, 4)),
            ("published", ago(25, 3)),
            ("withdrawn", ago(10, 2)),
        ),
        picture=lambda: pictures.pannier((50, 130, 60)),
        price_minor=1800,
    ),
    Item(
        "road-bike",
        "bikes",
        "Bici da corsa in acciaio anni '80",
        "Telaio in acciaio Columbus, cambio Campagnolo a sei velocità. Da rimettere a punto.",
        "worn",
        (
            ("listed", ago(3, 6)),
            ("sent", ago(3, 5)),
            (
                "changes",
                ago(2, 3),
                "Ci servono una foto del telaio da vicino, con il numero di serie sotto il "
                "movimento centrale, e la misura del telaio: le aggiungi?",
            ),
        ),
        picture=lambda: pictures.bike((40, 80, 190), wall=(226, 232, 236)),
        price_minor=25000,
    ),
    Item(
        "broken-seat",
        "seats",
        "Seggiolino posteriore, cinture da cambiare",
        "Seggiolino posteriore senza marca: le cinture sono sfilacciate, il resto funziona.",
        "for_parts",
        (
            ("listed", ago(6, 6)),
            ("sent", ago(6, 5)),
            (
                "refused",
                ago(5, 2),
                "Per la sicurezza dei bambini non rivendiamo seggiolini con cinture o attacchi "
                "danneggiati. Se vuoi, portacelo in negozio e lo smaltiamo noi.",
            ),
        ),
        picture=lambda: pictures.child_seat((120, 150, 190), (190, 190, 180)),
        price_minor=1000,
    ),
]


@dataclass(frozen=True)
class TradeInItem:
    """An item the shop takes in trade for a voucher: offered at the till (accepted there, then
    photographed and put on sale), or asked for from the seller's app."""

    key: str
    category: str
    title: str
    description: str
    grade: str
    bought: str
    story: tuple  # ("at_till", ago), ("accepted", ago), ("on_sale", ago) | ("asked", ago)
    picture: Callable[[], bytes] | None = None
    size: str = ""


TRADE_INS = [
    TradeInItem(
        "city-bike",
        "bikes",
        "City bike Bici Gialla, telaio 50",
        "Presa in permuta in negozio e controllata in officina: freni e cambio regolati, "
        "gomme nuove. Telaio basso, cestino e parafanghi.",
        "good",
        "City bike Bici Gialla usata",
        (("at_till", ago(11, 5)), ("accepted", ago(11, 4, 48)), ("on_sale", ago(10, 3))),
        picture=lambda: pictures.bike(basket=True, step_through=True),
        size="50 cm",
    ),
    TradeInItem(
        "app-helmet",
        "clothing",
        "Casco urbano",
        "Il casco che ho comprato da voi: lo cambio con uno più leggero.",
        "good",
        "Casco urbano",
        (("asked", ago(1, 1)),),
        size="M (55–58 cm)",
    ),
]


# --- the steps, through the services -------------------------------------------------------


@dataclass
class _Held:
    """What an item's steps made so far."""

    listing: Listing | None = None
    reservation: Reservation | None = None
    token: str = ""
    trade_in: TradeIn | None = None


@dataclass
class _Demo:
    business: object
    owner: object
    staff: object
    program: Program
    now: datetime
    categories: dict = field(default_factory=dict)
    sellers: dict = field(default_factory=dict)  # item key → (user, bought line or None)
    held: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    return_days: int = TERMS["return_days"]

    def at(self, moment: datetime, step: Callable, *args) -> None:
        self.steps.append((moment, len(self.steps), step, args))

    def run(self) -> None:
        """Every step in the order it happened, whatever item it belongs to: the worker's
        sweeps then find the sales and reservations that were due at their moment."""
        for moment, _n, step, args in sorted(self.steps, key=lambda s: (s[0], s[1])):
            step(moment, *args)

    # --- a seller's listing --------------------------------------------------------------

    def listed(self, moment, item: Item):
        user, bought = self.sellers[item.key]
        category = self.categories[item.category]
        price = item.price_minor
        fields = {}
        if bought is not None:
            fields = {"bought_order": bought.order, "bought_line": bought.line}
            if price is None:
                price = services.suggestion(
                    self.business, category, item.grade, bought.unit_minor, bought.placed_on
                ).price_minor
        if item.payout == "money" and not _has_payout_details(self.business, user):
            fields |= {
                "payout_holder": user.get_full_name(),
                "payout_iban": _demo_iban(200000 + user.pk),
            }
        data = ListingInput(
            category_id=category.pk,
            title=item.title,
            description=item.description,
            grade=item.grade,
            size=item.size,
            price_minor=price,
            delivery=item.delivery,
            payout=item.payout,
            **fields,
        )
        listing = services.create_listing(
            self.business, user, self.program.pk, data, now=moment
        ).value
        self.held[item.key].listing = listing

    def sent(self, moment, item: Item):
        user, _bought = self.sellers[item.key]
        listing = self.held[item.key].listing
        services.add_photo(self.business, user, listing, item.picture())
        services.submit_listing(self.business, user, listing, now=moment)

    def reviewed(self, moment, item: Item, decision, note=""):
        listing = self.held[item.key].listing
        data = ReviewInput(decision=decision, note=note)
        services.review_listing(self.business, self.staff, listing, data, now=moment)

    def reserved(self, moment, item: Item, buyer, confirm_after_minutes):
        name, email, language = BUYERS[buyer]
        made = services.reserve(
            self.business,
            self.held[item.key].listing,
            ReservationInput(name=name, email=email),
            language=language,
            now=moment,
        ).value
        held = self.held[item.key]
        held.reservation, held.token = made.reservation, made.token
        confirmed = moment + ago(minutes=confirm_after_minutes)
        services.confirm_reservation(self.business, made.token, now=confirmed)

    def reserved_by(self, moment, item: Item, email):
        user = selectors.user_by_email(email)
        made = services.reserve(
            self.business,
            self.held[item.key].listing,
            ReservationInput(name=user.get_full_name(), email=user.email),
            user=user,
            language=(user.language or "it")[:2],
            now=moment,
        ).value
        self.held[item.key].reservation = made.reservation

    def cancelled(self, moment, item: Item):
        held = self.held[item.key]
        services.cancel_reservation(self.business, None, token=held.token, now=moment)

    def sold(self, moment, item: Item, paid_by):
        reservation = self.held[item.key].reservation
        data = SaleInput(paid_by=paid_by)
        services.mark_sold(self.business, self.staff, reservation, data, now=moment)

    def returned(self, moment, item: Item, reason):
        reservation = self.held[item.key].reservation
        data = ReturnInput(reason=reason)
        services.return_sale(self.business, self.staff, reservation, data, now=moment)

    def withdrawn(self, moment, item: Item):
        user, _bought = self.sellers[item.key]
        services.withdraw_listing(self.business, user, self.held[item.key].listing)

    def release(self, moment):
        """The worker's sweep, a few minutes after a return window closed."""
        services.release_shares(now=moment, business=self.business)

    def schedule(self, item: Item):
        self.held[item.key] = _Held()
        steps = {
            "listed": self.listed,
            "sent": self.sent,
            "published": lambda m, i: self.reviewed(m, i, "approve"),
            "changes": lambda m, i, note: self.reviewed(m, i, "changes", note),
            "refused": lambda m, i, note: self.reviewed(m, i, "refuse", note),
            "reserved": self.reserved,
            "reserved_by": self.reserved_by,
            "cancelled": self.cancelled,
            "sold": self.sold,
            "returned": self.returned,
            "withdrawn": self.withdrawn,
        }
        returned = any(what == "returned" for what, *_rest in item.story)
        for what, before, *details in item.story:
            moment = self.now - before
            self.at(moment, steps[what], item, *details)
            window_closed = moment + ago(self.return_days, minutes=7)
            if what == "sold" and not returned and window_closed < self.now:
                self.at(window_closed, self.release)

    # --- a trade-in ----------------------------------------------------------------------

    def at_till(self, moment, item: TradeInItem):
        user, bought = self.sellers[item.key]
        trade_in = services.offer_trade_in(
            self.business,
            self.staff,
            self.program.pk,
            self._trade_in_input(item, bought),
            seller_email=user.email,
            now=moment,
        ).value
        self.held[item.key].trade_in = trade_in

    def asked(self, moment, item: TradeInItem):
        user, bought = self.sellers[item.key]
        trade_in = services.offer_trade_in(
            self.business,
            user,
            self.program.pk,
            self._trade_in_input(item, bought),
            seller=user,
            now=moment,
        ).value
        self.held[item.key].trade_in = trade_in

    def accepted(self, moment, item: TradeInItem):
        held = self.held[item.key]
        held.trade_in = services.decide_trade_in(
            self.business, self.staff, held.trade_in, accept=True, now=moment
        ).value

    def on_sale(self, moment, item: TradeInItem):
        listing = self.held[item.key].trade_in.listing
        services.add_photo(self.business, self.staff, listing, item.picture())
        services.review_listing(
            self.business, self.staff, listing, ReviewInput(decision="approve"), now=moment
        )

    def _trade_in_input(self, item: TradeInItem, bought):
        return TradeInInput(
            category_id=self.categories[item.category].pk,
            title=item.title,
            description=item.description,
            grade=item.grade,
            size=item.size,
            bought_order=bought.order,
            bought_line=bought.line,
        )

    def schedule_trade_in(self, item: TradeInItem):
        self.held[item.key] = _Held()
        steps = {
            "at_till": self.at_till,
            "accepted": self.accepted,
            "on_sale": self.on_sale,
            "asked": self.asked,
        }
        for what, before in item.story:
            self.at(self.now - before, steps[what], item)


# --- who sells what ------------------------------------------------------------------------


def _has_payout_details(business, user) -> bool:
    peer = selectors.peer_of(business, user)
    return peer is not None and selectors.has_payout_details(business, peer)


def _team(business):
    members = Membership.objects.filter(business=business).select_related("user")
    owner = next(m.user for m in members if m.role == Role.OWNER)
    staff = next((m.user for m in members if m.role != Role.OWNER), owner)
    return owner, staff


def _add_till_order(business, peer, placed):
    """The Hamax seat and its rack the peer paid at the shop's till, keyed in by hand (the
    Shopify export sells no child seat)."""
    items = [
        {"name": name, "sku": sku, "quantity": 1, "price_minor": price}
        for name, sku, price in TILL_ORDER
    ]
    return Order.objects.create(
        business=business,
        customer=peer.customer,
        email=peer.customer.email,
        source=Source.MANUAL,
        external_id=f"SC-{timezone.localtime(placed, business.tzinfo):%Y%m%d-%H%M}",
        placed_at=placed,
        total_minor=sum(item["price_minor"] for item in items),
        line_count=len(items),
        items=items,
    )


def _line(business, user, name, *, bought_by):
    """The newest line called `name` of the user's orders placed by the day `bought_by`, as
    the shop vouches for it; None when there is none."""
    for item in selectors.bought_items(business, user):
        if item.name == name and item.placed_on <= bought_by:
            return services.bought_line(business, user, item.order_external_id, item.position)
    return None


def _sellers(business, now) -> dict:
    """Who sells each item, item key → (user, the order line it came from or None): the
    Hamax seat and its rack the first peer who is a customer bought at the till; any other
    item bought here, the first peer whose orders hold it, bought months ago; the rest, the
    seller named, or the next peer. Peers who write Italian, as the listings do; one item
    each (but the Hamax seat's buyer)."""
    today = timezone.localdate(now, timezone=business.tzinfo)
    long_ago = today - timedelta(days=BOUGHT_AT_LEAST_DAYS_AGO)
    army = Peer.objects.filter(business=business).select_related("user", "customer")
    named = {p.user.email: p.user for p in army.filter(user__email__in=[GIULIA, CHIARA])}
    free = list(
        army.filter(status=PeerStatus.ACTIVE, user__language="it")
        .exclude(user__email__in=named)
        .order_by("pk")
    )
    found = {}

    def take(peer):
        free.remove(peer)
        return peer.user

    till_buyer = next(p for p in free if p.customer_id)
    placed = now - timedelta(days=round(TILL_ORDER_MONTHS_AGO * 30.44))
    _add_till_order(business, till_buyer, placed)
    till_user = take(till_buyer)
    till_names = {name for name, _sku, _price in TILL_ORDER}
    for item in [*ITEMS, *TRADE_INS]:
        if item.bought in till_names:
            found[item.key] = (till_user, _line(business, till_user, item.bought, bought_by=today))
        elif item.bought:
            for peer in (p for p in free if p.customer_id):
                line = _line(business, peer.user, item.bought, bought_by=long_ago)
                if line is not None:
                    found[item.key] = (take(peer), line)
                    break
            else:
                raise ValueError(f"no peer of the demo bought {item.bought!r} long enough ago")
    for item in ITEMS:
        if item.key not in found:
            found[item.key] = (named[item.seller], None) if item.seller else (take(free[0]), None)
    return found


def load_resale(business, now) -> dict:
    """Write the demo's resale; how many of each."""
    owner, staff = _team(business)
    program = Program.objects.get(business=business, slug=PROGRAM_SLUG)
    services.save_settings(business, owner, program.pk, ResaleSettingsInput(**TERMS))
    categories = {
        key: services.save_category(
            business, owner, CategoryInput(program_id=program.pk, commission_percent=20, **fields)
        ).value
        for key, fields in CATEGORIES.items()
    }
    demo = _Demo(business, owner, staff, program, now, categories, _sellers(business, now))
    for item in ITEMS:
        demo.schedule(item)
    for item in TRADE_INS:
        demo.schedule_trade_in(item)
    demo.run()
    return {
        "categories": len(categories),
        "listings": Listing.objects.filter(business=business).count(),
        "photos": ListingPhoto.objects.filter(business=business).count(),
        "reservations": Reservation.objects.filter(business=business).count(),
        "trade-ins": TradeIn.objects.filter(business=business).count(),
    }
