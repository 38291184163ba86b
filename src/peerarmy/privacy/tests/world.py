"""A business full of one person's data, made through the apps' own services wherever they have
one: Marta Zanetti is a customer and a peer of Bici Gialla, who earned, was paid, rode, sold,
bought, chipped in, asked for a local, rated and was rated, opened tickets and got e-mails. Paolo
is another peer of the same shop with the same kinds of data; and Marta is a peer of a second
business too. The privacy tests erase Marta at Bici Gialla and look everywhere for her."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token
from peerarmy.chipin import services as chipin
from peerarmy.chipin.inputs import CloseReasonInput
from peerarmy.chipin.tests import helpers as chipin_helpers
from peerarmy.customers.models import (
    ImportJob,
    ImportRowError,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
)
from peerarmy.matching.models import MatchRequest, PairBlock, RequestStatus
from peerarmy.matching.tests.factories import days_off_for, set_profile
from peerarmy.notifications.models import PushSubscription
from peerarmy.peers.models import PeerReview, PhoneCode, ReviewStep, Verification
from peerarmy.resale import services as resale
from peerarmy.resale.inputs import SaleInput, TradeInInput
from peerarmy.resale.tests import helpers as resale_helpers
from peerarmy.rewards import payouts
from peerarmy.rewards import services as rewards
from peerarmy.rewards.models import RewardRule
from peerarmy.rewards.tests.factories import (
    IBANS,
    RuleFactory,
    change_settings,
    occurrence,
    prepare,
    set_bank,
    set_showcase,
)
from peerarmy.scheduling.models import CalendarFeed, WaitlistEntry
from peerarmy.sharing import services as sharing
from peerarmy.sharing.inputs import AssetInput
from peerarmy.sharing.tests import helpers as sharing_helpers
from peerarmy.superfans.models import SuperfanScore
from peerarmy.support import services as support
from peerarmy.support.inputs import ReplyInput
from peerarmy.support.tests.factories import consumer_ticket, image_upload, peer_ticket
from peerarmy.tenancy.models import StaffInvitation
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)
from peerarmy.trust.models import Rating, RatingModeration
from peerarmy.trust.tests.factories import completed_claim, completed_match

MARTA_EMAIL = "marta.zanetti@example.org"
MARTA_NAME = "Marta Zanetti"
MARTA_PHONE = "+393331234567"
MARTA_IBAN = IBANS[2]
# What must not be found anywhere in the business once Marta is erased.
NEEDLES = (MARTA_EMAIL, "Zanetti", "Marta Z", MARTA_PHONE, "Via Marta")

_numbers = itertools.count(1)


@dataclass
class World:
    shop: object
    owner: object
    staff: object
    marta: object  # her account
    peer: object  # her peer profile at the shop
    customer: object
    paolo: object  # another peer of the shop, with data of the same kinds
    other_shop: object
    other_peer: object  # Marta at the other shop
    extras: dict = field(default_factory=dict)


def _imported(model, business, customer, email, **fields):
    return model.objects.create(
        business=business,
        customer=customer,
        email=email,
        source="shopify",
        external_id=f"X{next(_numbers)}",
        **fields,
    )


def customer_history(business, customer, *, name):
    """Orders, a review, an NPS answer, a referral and a social mention of `customer`."""
    now = timezone.now()
    email = customer.email
    _imported(
        Order,
        business,
        customer,
        email,
        placed_at=now - timedelta(days=200),
        total_minor=12900,
        items=[{"name": "Casco", "sku": "H1", "quantity": 1, "price_minor": 12900}],
    )
    _imported(
        Review,
        business,
        customer,
        email,
        rating=5,
        title=f"{name} recommends",
        body=f"I am {name} and I love this shop.",
        reviewed_at=now - timedelta(days=100),
    )
    _imported(
        NpsResponse,
        business,
        customer,
        email,
        score=9,
        comment=f"Signed, {name}",
        answered_at=now - timedelta(days=90),
    )
    _imported(
        Referral,
        business,
        customer,
        email,
        referred_email=f"friend-of-{customer.pk}@example.org",
        referred_at=now - timedelta(days=80),
    )
    _imported(
        Mention,
        business,
        customer,
        email,
        platform="instagram",
        url=f"https://instagram.example/{email.split('@')[0]}",
        posted_at=now - timedelta(days=70),
    )
    SuperfanScore.objects.create(
        business=business,
        customer=customer,
        score=77,
        components=[{"name": "orders", "value": 1}],
        computed_at=now,
    )
    job = ImportJob.objects.create(
        business=business, kind="orders", format="shopify", filename="orders.csv", rows=3
    )
    ImportRowError.objects.create(
        business=business, job=job, line=3, column="Email", value=email, message="bad date"
    )


def peer_life(business, owner, staff, peer, *, name, email, phone):
    """What a peer of the shop leaves behind: work, money, matching, trust, support."""
    now = timezone.now()
    program = ProgramFactory(business=business)
    # paid for a block, through a payout run that reached the bank
    set_bank(peer, account_holder=name, iban=MARTA_IBAN if "Marta" in name else IBANS[3])
    rule = RuleFactory(program=program, amount=2500)
    rewards.handle(business, occurrence(peer, program))
    RewardRule.objects.filter(pk=rule.pk).update(active=False)
    batch, _skipped = prepare(business, staff)
    payouts.approve_batch(business, owner, batch.pk)
    payouts.mark_sent(business, staff, batch.pk)
    payouts.mark_paid(business, staff, batch.pk)
    set_showcase(peer, public=True, headline=f"{name} rides")
    create_peer_token(business=business, peer_user=peer.user, data=TokenInput(name=f"{name} app"))
    # work, and what trust says of it
    claim = completed_claim(peer)
    WaitlistEntry.objects.create(business=business, block=claim.block, peer=peer, status="left")
    CalendarFeed.objects.create(business=business, peer=peer, token_hash=f"hash-{next(_numbers)}")
    Rating.objects.create(
        business=business,
        subject_kind="claim",
        claim=claim,
        peer=peer,
        rater_role="staff",
        rated_party="peer",
        rater=staff,
        stars=4,
        comment=f"{name} was on time",
        closes_at=now,
    )
    match = completed_match(peer, email=f"visitor{next(_numbers)}@example.org")
    rating = Rating.objects.create(
        business=business,
        subject_kind="match",
        match=match,
        peer=peer,
        rater_role="consumer",
        rated_party="peer",
        stars=5,
        comment=f"{name} showed us the city",
        hidden_at=now,
        hidden_reason=f"Names {name}",
        hidden_by=staff,
        closes_at=now,
    )
    RatingModeration.objects.create(
        business=business, rating=rating, action="hide", reason=f"It names {name}", actor=staff
    )
    Rating.objects.create(
        business=business,
        subject_kind="match",
        match=match,
        peer=peer,
        rater_role="peer",
        rated_party="consumer",
        rater=peer.user,
        stars=5,
        comment=f"Lovely visitors, says {name}",
        closes_at=now,
    )
    # matching: their profile, their days off, a visitor they asked never to meet again
    set_profile(peer, phone=phone)
    days_off_for(peer, timezone.localdate() + timedelta(days=30), note=f"{name} on holiday")
    PairBlock.objects.create(
        business=business, peer=peer, email=f"rude{next(_numbers)}@example.org"
    )
    # their conduct: a review, an appeal, the steps
    review = PeerReview.objects.create(
        business=business,
        peer=peer,
        status="cleared",
        opened_at=now - timedelta(days=20),
        appeal_message=f"I, {name}, was ill",
        closed_at=now - timedelta(days=10),
    )
    ReviewStep.objects.create(
        business=business,
        review=review,
        kind="cleared",
        actor=staff,
        text=f"{name} explained",
        created_at=now,
    )
    Verification.objects.create(
        business=business, peer=peer, kind="phone", phone=phone, verified_at=now
    )
    PhoneCode.objects.create(
        business=business,
        peer=peer,
        phone=phone,
        code_hash="x" * 64,
        created_at=now,
        expires_at=now,
    )
    PushSubscription.objects.create(
        business=business,
        owner=f"peer:{peer.pk}",
        endpoint=f"https://push.example/{next(_numbers)}",
        endpoint_hash=f"{next(_numbers):064d}",
        p256dh="key",
        auth="auth",
    )
    # support: their ticket with a file and the staff's answer naming them
    ticket = peer_ticket(
        peer,
        files=[image_upload()],
        subject=f"Payment for {name}",
        body=f"Hello, I am {name}: was I paid?",
    )
    support.reply_as_staff(ticket, staff, ReplyInput(body=f"Yes {name}, on Monday."))
    return {"program": program, "claim": claim, "match": match, "ticket": ticket}


def as_customer_elsewhere(business, owner, staff, user, *, name, email, phone):
    """What a person does at the shop as a customer: a visitor's request for a local, a
    ticket without an account, a rental, a purchase of a used item, a pledge."""
    now = timezone.now()
    program = ProgramFactory(business=business, kind="guides")
    MatchRequest.objects.create(
        business=business,
        program=program,
        status=RequestStatus.COMPLETED,
        name=name,
        email=email,
        phone=phone,
        language="it",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3, hours=-4),
        meeting_address=f"Via {name.split()[0]} 3",
        latitude="44.494900",
        longitude="11.342600",
        languages=["it"],
        note=f"{name} loves bikes",
    )
    consumer_ticket(business, email=email, name=name, subject=f"Question from {name}")
    # sharing: a rental, picked up and brought back; and a thing of their own to lend
    rides = sharing_helpers.sharing_program(business, owner)
    bike = sharing_helpers.asset(business, owner, rides)
    made = sharing_helpers.book(business, bike, user=user, name=name, email=email, phone=phone)
    sharing_helpers.pick_up(business, staff, made.booking)
    sharing_helpers.bring_back(business, staff, made.booking)
    # resale: a draft of theirs with a photo, an item bought at the till, a declined trade-in
    used = resale_helpers.resale_program(business, owner)
    seats = resale_helpers.category(business, owner, used)
    draft = resale_helpers.listing(
        business, user, used, seats, description=f"Used by {name}'s daughter"
    )
    resale.add_photo(business, user, draft, resale_helpers.jpeg())
    seller = UserFactory()
    item = resale_helpers.public_listing(business, seller, staff, used, seats)
    reserved = resale_helpers.reserve(business, item, email=email, name=name, phone=phone)
    if reserved.token and reserved.reservation.status == "unconfirmed":
        resale.confirm_reservation(business, reserved.token)
    reservation = reserved.reservation
    reservation.refresh_from_db()
    resale.mark_sold(business, owner, reservation, SaleInput(paid_by="till"))
    offer = resale.offer_trade_in(
        business,
        staff,
        used.pk,
        TradeInInput(
            category_id=seats.pk,
            title="Old seat",
            description=f"{name} used it twice",
            grade="good",
            original_minor=10000,
            age_months=12,
        ),
        seller_email=email,
    ).value
    resale.decide_trade_in(business, staff, offer, accept=False)
    return {"rides": rides, "booking": made.booking, "draft": draft, "reservation": reservation}


def chipped_in(business, owner, staff, user, *, name, email):
    """A campaign for them that was cancelled, and their pledge to a friend's funded one,
    paid by a bank transfer."""
    chipin_helpers.shop_bank(business, owner)
    program = chipin_helpers.chipin_program(business, owner)
    theirs = chipin_helpers.start(
        business,
        user,
        program,
        goal=50_000,
        title=f"An e-bike for {name}",
        message=f"{name} turns 30",
    )
    chipin.cancel_campaign(business, owner, theirs, CloseReasonInput(reason="Changed plans"))
    friend = UserFactory()
    campaign = chipin_helpers.start(business, friend, program, goal=2_000, title="Luca's helmet")
    made = chipin_helpers.pledge(
        business,
        campaign,
        campaign.pledge_ceiling_minor or 2_000,
        name=name,
        email=email,
        message=f"From {name}, with love",
    )
    surname, first = name.split()[1], name.split()[0]
    chipin_helpers.pay_by_bank(
        business, staff, made.pledge, name=f"{surname.upper()} {first.upper()}", iban=MARTA_IBAN
    )
    campaign.refresh_from_db()
    if not campaign.is_closed:
        chipin.close_early(business, friend, campaign)
    return {"campaign": theirs, "pledge": made.pledge}


def build() -> World:
    shop = BusinessFactory(slug="bicigialla", name="Bici Gialla")
    owner = OwnerFactory(business=shop).user
    staff = MembershipFactory(business=shop).user
    change_settings(shop, owner, debtor_name="Bici Gialla srl", debtor_iban=IBANS[1])

    marta = UserFactory(email=MARTA_EMAIL, first_name="Marta", last_name="Zanetti", language="it")
    customer = CustomerFactory(
        business=shop,
        email=MARTA_EMAIL,
        first_name="Marta",
        last_name="Zanetti",
        phone=MARTA_PHONE,
        city="Bologna",
        tags="vip",
    )
    peer = PeerFactory(
        business=shop,
        user=marta,
        customer=customer,
        display_name="Marta Z.",
        bio="I am Marta Zanetti, I ride every day.",
        home_address="Via Marta Zanetti 1, Bologna",
        showcase_links=["https://marta-zanetti.example"],
    )
    customer_history(shop, customer, name=MARTA_NAME)
    StaffInvitation.objects.create(
        business=shop,
        email=MARTA_EMAIL,
        nonce_hash="y" * 64,
        created_at=timezone.now(),
        expires_at=timezone.now(),
        cancelled_at=timezone.now(),
    )
    extras = {}
    extras["peer"] = peer_life(
        shop, owner, staff, peer, name=MARTA_NAME, email=MARTA_EMAIL, phone=MARTA_PHONE
    )
    extras["customer"] = as_customer_elsewhere(
        shop, owner, staff, marta, name=MARTA_NAME, email=MARTA_EMAIL, phone=MARTA_PHONE
    )
    extras["chipin"] = chipped_in(shop, owner, staff, marta, name=MARTA_NAME, email=MARTA_EMAIL)
    own_bike = sharing.list_peer_asset(
        peer,
        AssetInput(
            program_id=extras["customer"]["rides"].pk,
            kind="bike",
            name_it="Bici rossa",
            description_it="La bici rossa di Marta Zanetti",
            position_note="Cortile di Via Marta Zanetti 1",
            latitude=44.5,
            longitude=11.34,
            hour_minor=300,
        ),
    ).value
    extras["own_bike"] = own_bike

    # Paolo: another peer of the same shop, with the same kinds of data
    paolo_user = UserFactory(
        email="paolo.bianchi@example.org", first_name="Paolo", last_name="Bianchi"
    )
    paolo_customer = CustomerFactory(
        business=shop, email=paolo_user.email, first_name="Paolo", last_name="Bianchi"
    )
    paolo = PeerFactory(
        business=shop,
        user=paolo_user,
        customer=paolo_customer,
        display_name="Paolo B.",
        bio="Paolo Bianchi here",
    )
    customer_history(shop, paolo_customer, name="Paolo Bianchi")
    extras["paolo"] = peer_life(
        shop,
        owner,
        staff,
        paolo,
        name="Paolo Bianchi",
        email=paolo_user.email,
        phone="+393337654321",
    )

    # Marta at another business: none of this may change
    other_shop = BusinessFactory(slug="lecce-bnb", name="Lecce B&B")
    OwnerFactory(business=other_shop)
    other_customer = CustomerFactory(
        business=other_shop,
        email=MARTA_EMAIL,
        first_name="Marta",
        last_name="Zanetti",
        phone=MARTA_PHONE,
    )
    other_peer = PeerFactory(
        business=other_shop,
        user=marta,
        customer=other_customer,
        display_name="Marta Z.",
        bio="Marta Zanetti, guide in Lecce",
    )
    return World(
        shop=shop,
        owner=owner,
        staff=staff,
        marta=marta,
        peer=peer,
        customer=customer,
        paolo=paolo,
        other_shop=other_shop,
        other_peer=other_peer,
        extras=extras,
    )


def user_model():
    return get_user_model()
