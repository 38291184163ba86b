"""The demo's share links at Bici Gialla (issue 20), made through the services at the moment
each thing happened:

- Giulia (`peer@bicigialla.example`) and Chiara have their links (the shop's page, the programs,
  the chip-in campaign collecting now, a rental, an item on sale, as their Share page makes
  them), opened on many days over the last five months; the shop's counter poster too;
- friends signed up through them: a customer on the shop's newsletter list who had never
  bought anything (the first such customer of the export) and Sofia through Giulia's links,
  Paolo through Chiara's, Andrea at the counter; three applicants to the army came through
  Giulia's and Chiara's links;
- the owner pays 10 € when a friend a peer brought makes a first order (a rule of the
  neighbourhood ambassadors' program, "when a friend brought by a share link makes a first
  order");
- this week's orders export (`ordini-settimana.csv`, imported as the shop would) holds that
  customer's first order, twelve days ago: the import credits Giulia's link with it and the
  rule pays her the reward, a real transaction of the ledger (her wallet shows it).

The newsletter customer's account is made with her customer record's address (an export's
address, not one of the demo's domains): a reset keeps it and the next load uses it again.

Everything is deterministic (a fixed seed, fixed people) and relative to the moment of loading.
"""

from __future__ import annotations

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django_scopes import scope

from peerarmy.customers.inputs import ImportInput
from peerarmy.customers.services import import_file
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program
from peerarmy.rewards import services as rewards
from peerarmy.rewards.inputs import NewRuleInput
from peerarmy.rewards.models import Event, RewardKind
from peerarmy.spread import services
from peerarmy.spread.models import Attribution, LinkDay, ShareLink, TargetKind
from peerarmy.tenancy.models import Membership, Role

from .specs import DEMO_PASSWORD

GIULIA = "peer@bicigialla.example"
CHIARA = "chiara.miglietta@example.it"
REFERRAL_PROGRAM = "ambasciatori-del-quartiere"
REFERRAL_REWARD_MINOR = 1000
HISTORY_DAYS = 150
# The newsletter customer who signed up through Giulia's link to the shop's page, days ago.
CUSTOMER_SIGNED_UP_DAYS_AGO = 38
# Friends who made an account through a link: (e-mail, first name, last name, whose link,
# which page, days ago).
FRIENDS = [
    ("sofia.conti@bicigialla.example", "Sofia", "Conti", GIULIA, TargetKind.PROGRAM, 64),
    ("paolo.neri@bicigialla.example", "Paolo", "Neri", CHIARA, TargetKind.LANDING, 9),
    ("andrea.galli@bicigialla.example", "Andrea", "Galli", None, TargetKind.LANDING, 21),
]
# The friend whose first order this week's export brings: (order id, days ago, total in euros).
FIRST_ORDER = ("BG-2026-7741", 12, "189.00")
ORDERS_FILE = "ordini-settimana.csv"


def load_spread(business, now) -> int:
    """Make Bici Gialla's share links and what they brought; return the rows made."""
    with scope(business=business):
        return _load(business, now)


def _load(business, now) -> int:
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    peers = {
        p.user.email: p
        for p in Peer.objects.filter(
            business=business, user__email__in=[GIULIA, CHIARA]
        ).select_related("user")
    }
    giulia, chiara = peers[GIULIA], peers[CHIARA]
    program = Program.objects.get(business=business, slug=REFERRAL_PROGRAM)
    rewards.create_rule(
        business,
        owner,
        NewRuleInput(
            program_id=program.pk,
            event=Event.REFERRAL_CONVERTED,
            reward=RewardKind.CASH,
            amount=REFERRAL_REWARD_MINOR,
        ),
    )
    guides = Program.objects.get(business=business, slug="bologna-in-bici")

    links = {
        "giulia": [link for _t, link in services.share_page(business, giulia).rows],
        "chiara": [link for _t, link in services.share_page(business, chiara).rows],
        "shop": [services.shop_link(business)],
    }
    made = sum(len(v) for v in links.values())
    ShareLink.objects.filter(business=business).update(
        created_at=now - timedelta(days=HISTORY_DAYS)
    )
    made += _visits(business, links, now)

    landing = {
        GIULIA: services.link_for(business, giulia),
        CHIARA: services.link_for(business, chiara),
        None: links["shop"][0],
    }
    program_link = services.link_for(business, giulia, TargetKind.PROGRAM, guides.pk)
    newsletter = _newsletter_customer(business)
    user = _account(
        newsletter.email,
        newsletter.first_name,
        newsletter.last_name,
        now - timedelta(days=CUSTOMER_SIGNED_UP_DAYS_AGO),
    )
    signed_up = now - timedelta(days=CUSTOMER_SIGNED_UP_DAYS_AGO)
    made += bool(services.credit_signup(business, landing[GIULIA].pk, user, now=signed_up))
    for email, first, last, whose, page, days in FRIENDS:
        user = _account(email, first, last, now - timedelta(days=days))
        link = program_link if page == TargetKind.PROGRAM else landing[whose]
        if services.credit_signup(business, link.pk, user, now=now - timedelta(days=days)):
            made += 1
    made += _applicants(business, [landing[GIULIA], program_link, landing[CHIARA]], now)

    # This week's export: the newsletter customer's first order, twelve days ago. The import
    # credits Giulia's link and the referral rule pays her (the event `referral.converted`).
    order_id, days, total = FIRST_ORDER
    placed = now - timedelta(days=days)
    csv = (
        "numero ordine,email,data,totale,stato\n"
        f"{order_id},{newsletter.email},{placed:%Y-%m-%d %H:%M},{total},paid\n"
    )
    import_file(
        business,
        ImportInput(kind="orders", format="generic"),
        csv.encode(),
        language="it",
        filename=ORDERS_FILE,
        rescore=False,
    )
    return made + Attribution.objects.filter(business=business, kind="first_order").count()


def _visits(business, links, now) -> int:
    """Visits on many days over the months: more at the counter, bursts when a peer posts."""
    rng = random.Random(2020)
    today = (now.astimezone(business.tzinfo)).date()
    rows = []
    for who, owned in links.items():
        for index, link in enumerate(owned):
            busy = {"giulia": 0.55, "chiara": 0.35, "shop": 0.8}[who] / (1 + index * 0.6)
            for back in range(HISTORY_DAYS, 0, -1):
                if rng.random() > busy:
                    continue
                burst = 4 if rng.random() < 0.06 else 1
                rows.append(
                    LinkDay(
                        business=business,
                        link=link,
                        day=today - timedelta(days=back),
                        visits=rng.randint(1, 3 if who == "shop" else 2) * burst,
                    )
                )
    LinkDay.objects.bulk_create(rows)
    return len(rows)


def _newsletter_customer(business):
    """The first customer (by address) who never ordered and is not in the army: on the shop's
    newsletter list, not yet a buyer."""
    from peerarmy.customers.models import Customer, Order

    buyers = Order.objects.filter(business=business).values("customer_id")
    peers = Peer.objects.filter(business=business).values("user__email")
    return (
        Customer.objects.filter(business=business)
        .exclude(pk__in=buyers)
        .exclude(email__in=peers)
        .order_by("email")
        .first()
    )


def _account(email, first, last, joined):
    """A friend's account, as the sign-up page makes it (verified, the demo's password); the
    one there is when a reset kept it."""
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email,
            first_name=first,
            last_name=last,
            language="it",
            password=make_password(DEMO_PASSWORD),
            date_joined=joined,
            privacy_accepted_at=joined,
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _applicants(business, links, now) -> int:
    """Three of the army's applicants came through a peer's link: their sign-up a day before
    they applied, their application then."""
    applicants = list(
        Peer.objects.filter(business=business, status=PeerStatus.APPLICANT)
        .select_related("user")
        .order_by("pk")[: len(links)]
    )
    made = 0
    for peer, link in zip(applicants, links, strict=False):
        applied = min(peer.applied_at, now)
        services.credit_signup(business, link.pk, peer.user, now=applied - timedelta(days=1))
        if services.credit_application(business, peer, now=applied):
            made += 2
    return made
