"""The isolation walk: every console URL, every peer-app URL and every API endpoint, tried as
(a) an anonymous visitor, (b) a peer of the business, (c) staff of another business, with
every HTTP method. Nobody but the business's own members gets in, nothing leaks, nothing
changes. The API is walked again with peer tokens (of the business and of another one) and
a staff token on the peers' endpoints: each kind of token reaches only its own side, and a
peer only their own claims and offers. A new URL or endpoint that this walk does not know how
to fill in fails the test, so nobody can add one without it being walked."""

import re
from datetime import time, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.api import api
from peerarmy.customers.models import ImportJob, ImportRowError
from peerarmy.matching.models import (
    DayOff,
    Match,
    MatchingProfile,
    MatchingSettings,
    MatchRequest,
    MatchRun,
    RequestStatus,
    RunResult,
    WeeklyAvailability,
)
from peerarmy.peers.models import Peer
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.rewards import inputs as reward_inputs
from peerarmy.rewards import payouts as reward_payouts
from peerarmy.rewards import services as rewards
from peerarmy.rewards.models import (
    PayoutBatch,
    PayoutDetails,
    ProgramRewards,
    Reward,
    RewardRule,
    RewardSettings,
    Transaction,
    Voucher,
)
from peerarmy.scheduling.models import (
    Block,
    BlockTemplate,
    Claim,
    FairnessLimits,
    SwapOffer,
    WaitlistEntry,
)
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.superfans.tests.factories import invite
from peerarmy.tenancy.models import Closure, StaffInvitation
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
    SkillFactory,
)

MARKER = "SECRET-7f3a9c"  # written into the target business's private data
METHODS = ["get", "post", "put", "patch", "delete"]
PERIOD_PARAMS = ("year", "month")

# Public pages of a business: anyone may read them, and they must still show no private data.
PUBLIC_ROUTE_NAMES = {
    "landing",
    "program_detail",
    "join",
    "showcase",
    "invitation",
    "team_join",
    # the peer's app on a phone: the manifest, its icon and the service worker's script
    "app_manifest",
    "app_icon",
    "app_service_worker",
    "peer_calendar",
    "program_calendar",
    # matching: the consumer's request form and the pages their e-mailed link opens
    "match_request_new",
    "match_request_sent",
    "match_request",
    "match_request_confirm",
    "match_request_edit",
    "match_request_cancel",
    # trust: the visitor rates their local from the same link
    "match_request_rate",
    # support: the visitor's ticket form, the FAQ it searches, and the ticket's e-mailed link
    "support_new",
    "support_sent",
    "support_faq_search",
    "support_faq_helped",
    "support_ticket",
    "support_ticket_file",
    # chip in: the campaigns, a campaign's page, its QR code and the pledge form (anyone), the
    # pledge's e-mailed link, and starting one's own campaign or seeing one's own (signed in)
    "chipin_campaigns",
    "chipin_campaign",
    "chipin_campaign_qr",
    "chipin_campaign_close",
    "chipin_pledge_new",
    "chipin_pledge_sent",
    "chipin_pledge",
    "chipin_pledge_confirm",
    "chipin_start",
    "chipin_mine",
    # sharing: the programs, the search, a station's and an asset's page, the quote and the
    # booking form (anyone), the booking's e-mailed link and its files, the calendar feeds
    # (a signed token is the key) and the open-data feed
    "sharing_programs",
    "sharing_program",
    "sharing_station",
    "sharing_asset",
    "sharing_quote",
    "sharing_book",
    "sharing_booked",
    "sharing_booking",
    "sharing_booking_confirm",
    "sharing_booking_cancel",
    "sharing_booking_ics",
    "sharing_booking_qr",
    "sharing_calendar",
    "sharing_gbfs",
    "sharing_gbfs_feed",
    # resale: the programs, the search, an item's page and its reservation form (anyone), and
    # the reservation's e-mailed link, its confirmation, cancellation and QR code
    "resale_programs",
    "resale_program",
    "resale_listing",
    "resale_reserve",
    "resale_reserved",
    "resale_reservation",
    "resale_reservation_confirm",
    "resale_reservation_cancel",
    "resale_reservation_qr",
    # privacy: the form asking for the link to one's data, and the pages that link opens
    "privacy_request",
    "privacy_request_sent",
    "privacy_link",
    "privacy_link_download",
    "privacy_link_erase",
    "privacy_link_withdraw",
    "spread_go",  # a share link: counts the visit and opens its page (anyone)
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
            _ = ns
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def business_routes():
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if "<business_slug>" in route or "<slug:business_slug>" in route:
            routes.append((route, pattern.name))
    return routes


@pytest.fixture
def world(db):
    target = BusinessFactory(slug="target", name="Target Shop")
    outsider_business = BusinessFactory(slug="outsider", name="Outsider")
    owner = OwnerFactory(business=target).user
    staff = MembershipFactory(business=target).user
    skill = SkillFactory(business=target, slug="secret-skill", name_en=f"{MARKER} skill")
    peer = PeerFactory(
        business=target, bio=f"{MARKER} bio of an active peer", display_name="Peer Target"
    )
    applicant = ApplicantFactory(
        business=target, bio=f"{MARKER} applicant bio", display_name="Applicant Target"
    )
    # the peer who visits: their own page may show their own data, so it holds no marker
    visiting_peer = PeerFactory(business=target, display_name="Visiting Peer")
    program = ProgramFactory(business=target, description_en=f"{MARKER} program", status="draft")
    customer = CustomerFactory(
        business=target, email=f"{MARKER.lower()}@example.org", first_name=MARKER
    )
    token, _raw = create_token(
        business=target, actor=owner, data=TokenInput(name=f"{MARKER} token")
    ).value
    job = ImportJob.objects.create(
        business=target, kind="orders", format="shopify", filename=f"{MARKER}.csv", rows=1
    )
    ImportRowError.objects.create(
        business=target, job=job, line=2, column="Email", value=MARKER, message="bad"
    )
    invited = CustomerFactory(business=target, accepts_marketing=True, first_name=MARKER)
    invitation = invite(target, owner, [invited]).invited[0]
    block = BlockFactory(program=program, place_name=f"{MARKER} place", seats_taken=1)
    claim = Claim.objects.create(
        business=target, block=block, peer=peer, starts_at=block.starts_at, ends_at=block.ends_at
    )
    offer = SwapOffer.objects.create(
        business=target,
        claim=claim,
        from_peer=peer,
        to_peer=applicant,
        expires_at=block.starts_at,
    )
    template = BlockTemplate.objects.create(
        business=target,
        program=program,
        rrule="FREQ=WEEKLY;COUNT=2",
        dtstart_local="2031-03-01T10:00:00",
        timezone=target.timezone,
        duration_minutes=60,
        place_name=f"{MARKER} template place",
    )
    # rewards: a rule, a cause, a badge, a posted and a held reward, a voucher, a payout batch
    cause = rewards.create_cause(
        target,
        owner,
        reward_inputs.CauseInput(
            name_it=f"{MARKER} causa",
            name_en=f"{MARKER} cause",
            account_holder=f"{MARKER} holder",
            iban="IT60X0542811101000000123456",
        ),
    ).value
    badge = rewards.create_badge(
        target, owner, reward_inputs.BadgeInput(slug="secret-badge", name_it=f"{MARKER} badge")
    ).value
    rule = rewards.create_rule(
        target,
        owner,
        reward_inputs.NewRuleInput(
            program_id=program.pk, event="block.completed", reward="cash", amount=2500
        ),
    ).value
    rewards.create_rule(
        target,
        owner,
        reward_inputs.NewRuleInput(
            program_id=program.pk, event="block.completed", reward="voucher", amount=1000
        ),
    )
    rewards.update_program_rewards(
        target, owner, program, reward_inputs.ProgramRewardsInput(monthly_budget_minor=3000)
    )
    rewards.set_payout_details(
        peer,
        reward_inputs.PayoutDetailsInput(
            account_holder=f"{MARKER} peer", iban="DE89370400440532013000"
        ),
    )
    granted = rewards.handle(
        target,
        rewards.Occurrence(
            event="block.completed",
            key="block.completed:isolation",
            peer_id=peer.pk,
            program_id=program.pk,
            occurred_at=block.ends_at,
            claim_id=claim.pk,
        ),
    )
    held = next(r for r in granted if r.status == "held")
    posted = next(r for r in granted if r.status == "posted")
    rewards.adjust_peer_balance(
        target,
        owner,
        peer,
        reward_inputs.BalanceAdjustmentInput(amount_minor=100, memo=f"{MARKER} adjustment"),
    )
    voucher = rewards._new_voucher(
        target, peer.pk, 500, "EUR", block.ends_at, code="SECR-ET00-0001"
    )
    batch = reward_payouts.prepare_batch(target, staff).value.batch
    payout = batch.payouts.get()
    outsider = OwnerFactory(business=outsider_business).user
    _t, outsider_raw = create_token(business=outsider_business, actor=outsider).value
    outsider_peer = PeerFactory(business=outsider_business, display_name="Outsider Peer")
    _t, outsider_peer_raw = create_peer_token(
        business=outsider_business, peer_user=outsider_peer.user
    ).value
    _t, visiting_peer_raw = create_peer_token(business=target, peer_user=visiting_peer.user).value
    _t, staff_raw = create_token(business=target, actor=staff).value
    matching = _matching_world(target, peer)
    from peerarmy.tenancy import team
    from peerarmy.tenancy.inputs import StaffInviteInput
    from peerarmy.tenancy.models import Membership

    staff_invitation = team.invite(
        target, owner, StaffInviteInput(email=f"{MARKER.lower()}-invited@example.org")
    ).value
    return {
        **matching,
        "target": target,
        "owner": owner,
        "staff": staff,
        "skill": skill,
        "peer": peer,
        "applicant": applicant,
        "visiting_peer": visiting_peer,
        "program": program,
        "customer": customer,
        "token": token,
        "invitation": invitation,
        "job": job,
        "block": block,
        "claim": claim,
        "rating": _trust_world(target, claim, staff),
        "offer": offer,
        "template": template,
        "cause": cause,
        "badge": badge,
        "rule": rule,
        "held": held,
        "posted": posted,
        "voucher": voucher,
        "batch": batch,
        "payout": payout,
        "outsider": outsider,
        "outsider_raw": outsider_raw,
        "outsider_peer_raw": outsider_peer_raw,
        "visiting_peer_raw": visiting_peer_raw,
        "staff_raw": staff_raw,
        "staff_membership": Membership.objects.get(business=target, user=staff),
        "staff_invitation": staff_invitation,
        "support": _support_world(target, peer, staff),
        "chipin": _chipin_world(target, owner),
        "sharing": _sharing_world(target, owner),
        "resale": _resale_world(target, owner, peer),
        "closure": Closure.objects.create(
            business=target,
            first=timezone.localdate(),
            last=timezone.localdate() + timedelta(days=3),
            note="Summer holidays",  # public: the landing page shows it
        ),
    }


def _support_world(target, peer, staff):
    """A ticket of `peer` with a file, an internal note, a canned reply and an FAQ entry."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from peerarmy.support.models import Attachment, CannedReply, FaqEntry, Message, Ticket

    now = timezone.now()
    ticket = Ticket.objects.create(
        business=target,
        category="payment",
        subject=f"{MARKER} ticket",
        requester_kind="peer",
        peer=peer,
        requester_name="Peer Target",
        created_at=now,
        due_at=now + timedelta(hours=2),
    )
    post = Message.objects.create(
        business=target, ticket=ticket, body=f"{MARKER} my reward is wrong", created_at=now
    )
    Message.objects.create(
        business=target,
        ticket=ticket,
        author=staff,
        from_staff=True,
        internal=True,
        body=f"{MARKER} internal note",
        created_at=now,
    )
    stored = default_storage.save(
        "support/isolation-test", ContentFile(b"%PDF-1.4 " + MARKER.encode())
    )
    attachment = Attachment.objects.create(
        business=target,
        ticket=ticket,
        message=post,
        name="statement.pdf",
        content_type="application/pdf",
        size=20,
        stored=stored,
    )
    canned = CannedReply.objects.create(
        business=target, title=f"{MARKER} canned", body_it=MARKER, body_en=MARKER
    )
    # public: the ticket forms show it to anyone
    faq = FaqEntry.objects.create(
        business=target,
        question_it="Dove parcheggio?",
        answer_it="In piazza.",
        question_en="Where do I park?",
        answer_en="In the square.",
    )
    return {"ticket": ticket, "attachment": attachment, "canned": canned, "faq": faq}


def _matching_world(target, peer):
    """A guides program with its settings, a consumer's request proposed to `peer`, the run
    that proposed it, and `peer`'s matching profile, weekly slot and days off."""
    program = ProgramFactory(business=target, kind=ProgramKind.GUIDES, slug="secret-guides")
    MatchingSettings.objects.create(
        business=target,
        program=program,
        # interests are public (the request form lists them); perks are for staff and peers
        interests=[{"slug": "street-art", "name_it": "Arte di strada", "name_en": "Street art"}],
        perks=[{"name_it": MARKER, "name_en": MARKER, "amount_minor": 500}],
    )
    MatchingProfile.objects.create(business=target, peer=peer, interests=["street-art"])
    WeeklyAvailability.objects.create(
        business=target, peer=peer, weekday=0, starts=time(9), ends=time(18)
    )
    day_off = DayOff.objects.create(
        business=target,
        peer=peer,
        first=timezone.localdate(),
        last=timezone.localdate() + timedelta(days=2),
        note=f"{MARKER} holiday",
    )
    starts = timezone.now() + timedelta(days=3)
    match_request = MatchRequest.objects.create(
        business=target,
        program=program,
        status=RequestStatus.PROPOSED,
        name=f"{MARKER} consumer",
        email="secret-consumer@example.org",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        meeting_address=f"{MARKER} square",
        latitude="44.493700",
        longitude="11.343000",
        languages=["en"],
        note=f"{MARKER} note",
        confirmed_at=timezone.now(),
    )
    run = MatchRun.objects.create(
        business=target, program=program, trigger=MatchRun.Trigger.STAFF, requests=1, matched=1
    )
    RunResult.objects.create(business=target, run=run, request=match_request, peer=peer, cost=120)
    match = Match.objects.create(
        business=target,
        program=program,
        request=match_request,
        peer=peer,
        run=run,
        meets_at=starts,
        ends_at=starts + timedelta(hours=2),
        respond_by=timezone.now() + timedelta(hours=12),
    )
    return {
        "matching_program": program,
        "match_request": match_request,
        "run": run,
        "match": match,
        "day_off": day_off,
    }


def _chipin_world(target, owner):
    """Chip in: a product, a campaign not on the shop's page (someone else's: a peer may not
    share it), a friend's pledge, and a statement with a credit nobody placed yet. The
    pledger's and the payer's details are private."""
    from peerarmy.chipin import bankfiles, reconcile, statement_files
    from peerarmy.chipin import services as chipin
    from peerarmy.chipin.inputs import CampaignInput, PledgeInput
    from peerarmy.chipin.models import Product

    program = ProgramFactory(business=target, kind=ProgramKind.CHIP_IN)
    product = Product.objects.create(
        business=target, handle="e-bike", name_it="E-bike", price_minor=129_000
    )
    beneficiary = PeerFactory(business=target, display_name="Beneficiary").user
    campaign = chipin.start_campaign(
        target,
        beneficiary,
        CampaignInput(
            program_id=program.pk,
            goal_minor=50_000,
            title="A bike",
            deadline=timezone.now() + timedelta(days=20),
            public=False,
        ),
    ).value
    pledge = chipin.make_pledge(
        target,
        campaign,
        PledgeInput(
            name=f"{MARKER} friend",
            email=f"{MARKER.lower()}-friend@example.org",
            amount_minor=2_500,
            anonymous=True,
            message=f"{MARKER} pledge message",
        ),
    ).value.pledge
    credit = bankfiles.BankCredit(
        line=1,
        bank_ref="ISOLATION-1",
        booked_on=timezone.localdate(),
        amount_minor=999,
        currency="EUR",
        debtor_name=f"{MARKER} PAYER",
        debtor_iban="IT02L1234512345123456789012",
        debtor_bic="",
        reference="",
        remittance=f"{MARKER} remittance",
        end_to_end_id="",
    )
    statement = reconcile.reconcile_statement(
        target,
        owner,
        statement_files.camt053([credit], account_iban="IT60X0542811101000000123456"),
        filename=f"{MARKER}.xml",
    ).value
    from peerarmy.rewards import ledger, money_in
    from peerarmy.rewards.models import AccountKind

    refund = money_in.owe_refund(
        target,
        key="chipin-isolation",
        source=ledger.house(AccountKind.BANK, "EUR"),
        amount_minor=999,
        currency="EUR",
        holder=f"{MARKER} PAYER",
        remittance="Refund",
    )
    return {
        "product": product,
        "campaign": campaign,
        "pledge": pledge,
        "statement": statement,
        "credit": statement.credits.get(),
        "refund": refund,
    }


def _sharing_world(target, owner):
    """Sharing: a station, an asset with a photo, a visitor's booking (their details are
    private), a sponsor and its report."""
    from datetime import date

    from peerarmy.sharing import reports
    from peerarmy.sharing import services as sharing
    from peerarmy.sharing.inputs import SponsorInput
    from peerarmy.sharing.tests.helpers import asset, book, sharing_program
    from peerarmy.support.tests.factories import jpeg_with_gps

    program = sharing_program(target, owner)
    bike = asset(target, owner, program)
    photo = sharing.add_asset_photo(target, owner, bike, jpeg_with_gps((400, 300))).value
    booking = book(
        target,
        bike,
        name=f"{MARKER} rider",
        email=f"{MARKER.lower()}-rider@example.org",
        phone="+39 333 1234567",
    ).booking
    sponsor = sharing.save_sponsor(
        target,
        owner,
        SponsorInput(
            program_id=program.pk,
            name="Banca",
            contact_email=f"{MARKER.lower()}-sponsor@example.org",
            starts_on=date(2026, 1, 1),
            ends_on=date(2030, 12, 31),
            amount_minor=100_000,
        ),
    ).value
    report = reports.make_report(target, sponsor, date(2026, 1, 1))
    return {
        "program": program,
        "station": bike.station,
        "asset": bike,
        "photo": photo,
        "booking": booking,
        "sponsor": sponsor,
        "report": report,
    }


def _resale_world(target, owner, seller):
    """Resale: a category, a seller's item on sale with its photo, reserved by a visitor, a
    draft of theirs, and a trade-in offered at the till. Who sells, who buys and how they are
    paid are private; what is on sale is public."""
    from peerarmy.resale import services as resale
    from peerarmy.resale.inputs import TradeInInput
    from peerarmy.resale.tests.helpers import category, listing, public_listing, reserve
    from peerarmy.resale.tests.helpers import resale_program as make_program

    program = make_program(target, owner)
    seats = category(target, owner, program)
    on_sale = public_listing(
        target,
        seller.user,
        owner,
        program,
        seats,
        payout="money",
        payout_holder=f"{MARKER} holder",
        payout_iban="IT60X0542811101000000123456",
    )
    listing(target, seller.user, program, seats, description=f"{MARKER} draft")
    reservation = reserve(
        target,
        on_sale,
        name=f"{MARKER} buyer",
        email=f"{MARKER.lower()}-buyer@example.org",
        phone="+39 333 7654321",
    ).reservation
    trade_in = resale.offer_trade_in(
        target,
        owner,
        program.pk,
        TradeInInput(
            category_id=seats.pk,
            title="Casco",
            description=f"{MARKER} trade-in",
            grade="good",
            original_minor=5000,
        ),
        seller_email=f"{MARKER.lower()}-seller@example.org",
    ).value
    return {
        "program": program,
        "category": seats,
        "listing": on_sale,
        "photo": on_sale.photos.get(),
        "reservation": reservation,
        "trade_in": trade_in,
    }


def _resale_rows(target):
    from peerarmy.resale.models import (
        Category,
        Listing,
        ListingPhoto,
        ResaleSettings,
        Reservation,
        TradeIn,
    )

    return [
        sorted(
            Listing.objects.filter(business=target).values_list(
                "pk", "status", "title", "price_minor", "review_note"
            )
        ),
        ("listing photos", ListingPhoto.objects.filter(business=target).count()),
        sorted(
            Reservation.objects.filter(business=target).values_list(
                "pk", "status", "holding", "sold_at", "returned_at"
            )
        ),
        sorted(TradeIn.objects.filter(business=target).values_list("pk", "status", "voucher_id")),
        sorted(
            Category.objects.filter(business=target).values_list(
                "pk", "name_it", "active", "commission_percent"
            )
        ),
        sorted(
            ResaleSettings.objects.filter(business=target).values_list(
                "pk", "reservation_hours", "return_days", "trade_in_percent"
            )
        ),
    ]


def _sharing_rows(target):
    from peerarmy.sharing.models import Asset, Booking, SharingSettings, Sponsor, Station

    return [
        sorted(
            Asset.objects.filter(business=target).values_list(
                "pk", "name_it", "state", "listing", "hour_minor"
            )
        ),
        sorted(Station.objects.filter(business=target).values_list("pk", "name_it", "capacity")),
        sorted(
            Booking.objects.filter(business=target).values_list(
                "pk", "status", "held", "taken_minor", "checked_out_at", "returned_at"
            )
        ),
        sorted(
            Sponsor.objects.filter(business=target).values_list("pk", "name", "fee_received_at")
        ),
        sorted(
            SharingSettings.objects.filter(business=target).values_list(
                "pk", "peer_discount_percent", "commission_percent"
            )
        ),
    ]


def _chipin_rows(target):
    from peerarmy.chipin.models import (
        BankCredit,
        Campaign,
        Pledge,
        Product,
        ShareLink,
        StatementUpload,
    )
    from peerarmy.rewards.models import Refund

    return [
        sorted(
            Product.objects.filter(business=target).values_list(
                "pk", "name_it", "price_minor", "active"
            )
        ),
        sorted(
            Campaign.objects.filter(business=target).values_list(
                "pk", "status", "message", "public", "pledged_minor", "received_minor"
            )
        ),
        sorted(
            Pledge.objects.filter(business=target).values_list("pk", "status", "received_minor")
        ),
        ("share links", ShareLink.objects.filter(business=target).count()),
        ("statements", StatementUpload.objects.filter(business=target).count()),
        sorted(BankCredit.objects.filter(business=target).values_list("pk", "status")),
        sorted(Refund.objects.filter(business=target).values_list("pk", "settled_at", "at_till")),
    ]


def _trust_world(target, claim, staff):
    """A staff rating of the claim, with a comment only staff and the peer may read."""
    from peerarmy.trust.models import Rating

    return Rating.objects.create(
        business=target,
        subject_kind="claim",
        claim=claim,
        peer=claim.peer,
        rater_role="staff",
        rated_party="peer",
        rater=staff,
        stars=4,
        comment=f"{MARKER} rating comment",
        closes_at=timezone.now() + timedelta(days=14),
    )


def kwarg_values(world):
    """How to fill in each URL parameter with an object of the target business.
    A parameter missing here fails the walk: add it when you add a URL."""
    return {
        "business_slug": world["target"].slug,
        "peer_id": world["applicant"].pk,
        "program_id": world["program"].pk,
        # a program's matching pages and endpoints need a guides or layover program
        "matching_program_id": world["matching_program"].pk,
        "token_id": world["token"].pk,
        "member_id": world["staff_membership"].pk,
        "staff_invitation_id": world["staff_invitation"].pk,
        "invitation_id": world["invitation"].pk,
        "job_id": world["job"].pk,
        "block_id": world["block"].pk,
        "claim_id": world["claim"].pk,
        "offer_id": world["offer"].pk,
        "template_id": world["template"].pk,
        "token": "not-a-valid-token",
        "skill_id": world["skill"].pk,
        "customer_id": world["customer"].pk,
        "cause_id": world["cause"].pk,
        "badge_id": world["badge"].pk,
        "rule_id": world["rule"].pk,
        "reward_id": world["held"].pk,
        "transaction_id": world["posted"].transaction_id,
        "batch_id": world["batch"].pk,
        "payout_id": world["payout"].pk,
        "request_id": world["match_request"].pk,
        "match_id": world["match"].pk,
        "rating_id": world["rating"].pk,
        "run_id": world["run"].pk,
        "day_off_id": world["day_off"].pk,
        "closure_id": world["closure"].pk,
        "ticket_id": world["support"]["ticket"].pk,
        "attachment_id": world["support"]["attachment"].pk,
        "canned_id": world["support"]["canned"].pk,
        "faq_id": world["support"]["faq"].pk,
        "product_id": world["chipin"]["product"].pk,
        "campaign_id": world["chipin"]["campaign"].pk,
        "pledge_id": world["chipin"]["pledge"].pk,
        "statement_id": world["chipin"]["statement"].pk,
        "credit_id": world["chipin"]["credit"].pk,
        "refund_id": world["chipin"]["refund"].pk,
        "station_id": world["sharing"]["station"].pk,
        "asset_id": world["sharing"]["asset"].pk,
        "photo_id": world["sharing"]["photo"].pk,
        "booking_id": world["sharing"]["booking"].pk,
        "sponsor_id": world["sharing"]["sponsor"].pk,
        "report_id": world["sharing"]["report"].pk,
        # resale: an API path under /resale/ takes the resale program and the listing's photo
        "resale_program_id": world["resale"]["program"].pk,
        "category_id": world["resale"]["category"].pk,
        "listing_id": world["resale"]["listing"].pk,
        "resale_photo_id": world["resale"]["photo"].pk,
        "reservation_id": world["resale"]["reservation"].pk,
        "trade_in_id": world["resale"]["trade_in"].pk,
        "erasure_id": world["applicant"].pk,  # privacy: an erasure request (none: 404 or 403)
        "feed": "vehicle_status",
        # the dashboard's CSV of a section, and the report's format
        "section": "blocks",
        "file_format": "pdf",
        "code": world["voucher"].code,
        "size": 192,
        "year": 2031,
        "month": 3,
        "program_slug": world["program"].slug,
        "slug": world["program"].slug,
        "pk": world["applicant"].pk,
        "id": world["applicant"].pk,
    }


def fill(route, values):
    def sub(match):
        name = match.group(2)
        if name not in values:
            raise AssertionError(
                f"The isolation walk does not know how to fill <{name}> in {route!r}: "
                "add it to kwarg_values() in tests/test_isolation.py."
            )
        if name == "program_id" and "matching/" in route:
            return str(values["matching_program_id"])
        if name == "photo_id" and "resale/" in route:
            return str(values["resale_photo_id"])
        return str(values[name])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)
    return "/" + path.lstrip("^").rstrip("$")


def _not_own(queryset, user):
    """Without the matching profile, slots and days off of `user`'s own peer: theirs to change."""
    return queryset if user is None else queryset.exclude(peer__user=user)


def snapshot(target, *, own_tokens_of=None):
    """The target's data an outsider must not change. `own_tokens_of`: a visitor whose own
    personal tokens (which they may create for themselves) are left out."""
    tokens = target.api_tokens.filter(revoked_at__isnull=True)
    if own_tokens_of is not None:
        tokens = tokens.exclude(kind="peer", user=own_tokens_of)
    return (
        sorted(Peer.objects.filter(business=target).values_list("pk", "status", "bio")),
        sorted(Program.objects.filter(business=target).values_list("pk", "status", "title_en")),
        tokens.count(),
        sorted(
            Block.objects.filter(business=target).values_list(
                "pk", "status", "seats_taken", "capacity", "sequence", "starts_at"
            )
        ),
        sorted(
            Claim.objects.filter(business=target).values_list(
                "pk", "status", "peer_id", "checked_in_at"
            )
        ),
        sorted(SwapOffer.objects.filter(business=target).values_list("pk", "status")),
        sorted(WaitlistEntry.objects.filter(business=target).values_list("pk", "status")),
        BlockTemplate.objects.filter(business=target).count(),
        sorted(
            FairnessLimits.objects.filter(business=target).values_list("pk", "max_hours_per_week")
        ),
        Transaction.objects.filter(business=target).count(),
        sorted(Reward.objects.filter(business=target).values_list("pk", "status")),
        sorted(PayoutBatch.objects.filter(business=target).values_list("pk", "status")),
        sorted(RewardRule.objects.filter(business=target).values_list("pk", "active", "amount")),
        sorted(Voucher.objects.filter(business=target).values_list("pk", "code")),
        list(RewardSettings.objects.filter(business=target).values_list("debtor_iban")),
        list(ProgramRewards.objects.filter(business=target).values_list("monthly_budget_minor")),
        list(PayoutDetails.objects.filter(business=target).values_list("peer_id", "iban")),
        sorted(MatchRequest.objects.filter(business=target).values_list("pk", "status", "note")),
        sorted(Match.objects.filter(business=target).values_list("pk", "status", "peer_id")),
        MatchRun.objects.filter(business=target).count(),
        RunResult.objects.filter(business=target).count(),
        sorted(
            MatchingSettings.objects.filter(business=target).values_list(
                "pk", "meeting_minutes", "weight_distance", "interests", "perks"
            )
        ),
        sorted(
            _not_own(MatchingProfile.objects.filter(business=target), own_tokens_of).values_list(
                "peer_id", "accepting", "max_per_week", "interests"
            )
        ),
        sorted(
            _not_own(WeeklyAvailability.objects.filter(business=target), own_tokens_of).values_list(
                "peer_id", "weekday", "starts", "ends"
            )
        ),
        sorted(
            _not_own(DayOff.objects.filter(business=target), own_tokens_of).values_list(
                "pk", "peer_id", "first", "last"
            )
        ),
        _support_rows(target),
        _chipin_rows(target),
        _sharing_rows(target),
        _resale_rows(target),
        # the team: nobody outside it joins, leaves, changes a role or an invitation
        sorted(target.memberships.values_list("pk", "user_id", "role")),
        sorted(Closure.objects.filter(business=target).values_list("pk", "first", "last")),
        list(
            type(target)
            .objects.filter(pk=target.pk)
            .values_list("name", "logo", "cover", "opening_hours", "phone", "address")
        ),
        sorted(
            StaffInvitation.objects.filter(business=target).values_list(
                "pk", "accepted_at", "cancelled_at"
            )
        ),
    )


def _support_rows(target):
    from peerarmy.support.models import CannedReply, FaqEntry, Message, Ticket

    return [
        sorted(Ticket.objects.filter(business=target).values_list("pk", "status", "assignee_id")),
        ("messages", Message.objects.filter(business=target).count()),
        ("canned", CannedReply.objects.filter(business=target).count()),
        ("faq", FaqEntry.objects.filter(business=target).count()),
    ]


def assert_no_leak(response, who, url):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert MARKER.encode() not in body, f"{who} saw private data at {url}"


def test_every_business_url_is_classified():
    routes = business_routes()
    assert routes, "no business URLs found"
    for route, name in routes:
        assert "manage/" in route or "me/" in route or name in PUBLIC_ROUTE_NAMES, (
            f"{route!r} ({name}) is neither console, peer app nor a known public page: "
            "classify it in tests/test_isolation.py"
        )


@pytest.mark.django_db
def test_console_and_peer_app_let_in_nobody_from_outside(client, world):
    values = kwarg_values(world)
    before = snapshot(world["target"], own_tokens_of=world["visiting_peer"].user)
    outsider_peer = PeerFactory(business=BusinessFactory(slug="third"))
    visitors = {
        "anonymous": None,
        "peer of the business": world["visiting_peer"].user,
        "staff of another business": world["outsider"],
        "peer of another business": outsider_peer.user,
    }
    checked = 0
    for route, _name in business_routes():
        url = fill(route, values)
        console = "manage/" in route
        for who, user in visitors.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            for method in METHODS:
                response = getattr(client, method)(url)
                checked += 1
                if console:
                    if user is None:
                        assert response.status_code in (302, 401, 403, 404, 405), (who, url)
                        if response.status_code == 302:
                            assert "/accounts/login/" in response["Location"], (who, url)
                    else:
                        assert response.status_code in (403, 404, 405), (
                            f"{who} got {response.status_code} on {method.upper()} {url}"
                        )
                elif user is None and "me/" in route:
                    assert response.status_code in (302, 401, 403, 404, 405), (who, url)
                assert response.status_code < 500, (who, method, url)
                assert_no_leak(response, who, url)
    assert checked > 0
    assert snapshot(world["target"], own_tokens_of=world["visiting_peer"].user) == before, (
        "an outsider changed the business's data"
    )


def api_url(path, values, world):
    """The operation's address filled in with the target business's objects, and the names
    of its path parameters."""
    url = path
    params = re.findall(r"\{(\w+)\}", url)
    for param in params:
        if param not in values:
            raise AssertionError(
                f"The isolation walk does not know how to fill {{{param}}} in {path}: "
                "add it to kwarg_values() in tests/test_isolation.py."
            )
        candidates = {"slug": world["target"].slug}
        value = candidates.get(param, values[param])
        if "program" in path and param in ("id", "pk"):
            value = world["program"].pk
        if "token" in path and param in ("id", "pk"):
            value = world["token"].pk
        if "/resale/" in path and param in ("program_id", "photo_id"):
            value = values[f"resale_{param}"]
        if "/matching/" in path and param == "program_id":
            value = values["matching_program_id"]
        url = url.replace("{" + param + "}", str(value))
    # A period (a statement's year and month) names nothing of anyone else's.
    return url, [p for p in params if p not in PERIOD_PARAMS]


def api_operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


@pytest.mark.django_db
def test_every_api_endpoint_refuses_outsiders(client, world):
    values = kwarg_values(world)
    before = snapshot(world["target"])
    operations = list(api_operations())
    assert len(operations) >= 10, "the API walk found too few endpoints"
    peer_client_user = world["visiting_peer"].user
    for path, method, operation in operations:
        needs_auth = bool(operation.get("security"))
        url, params = api_url(path, values, world)
        call = getattr(client, method)
        kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}

        client.logout()
        anonymous = call(url, **kwargs)
        if needs_auth:
            assert anonymous.status_code == 401, f"anonymous {method.upper()} {url}"
            assert anonymous["Content-Type"].startswith("application/problem+json")
        assert_no_leak(anonymous, "anonymous", url)

        client.force_login(peer_client_user)  # a session is not an API credential
        as_peer = call(url, **kwargs)
        if needs_auth:
            assert as_peer.status_code == 401, f"peer session {method.upper()} {url}"
        assert_no_leak(as_peer, "peer", url)
        client.logout()

        outsider = call(url, HTTP_AUTHORIZATION=f"Bearer {world['outsider_raw']}", **kwargs)
        assert outsider.status_code < 500, f"outsider {method.upper()} {url}"
        if params:
            assert outsider.status_code in (403, 404), (
                f"staff of another business got {outsider.status_code} on {method.upper()} {url}"
            )
        assert_no_leak(outsider, "staff of another business", url)
    assert snapshot(world["target"]) == before, "an outsider changed the business's data"


# API operations that take no token: each is declared here, and any other without one fails.
PUBLIC_API_OPERATIONS = {
    # the pledger confirms a pledge with the token of the e-mailed link
    ("post", "/api/v1/chipin/pledges/confirm"),
    ("get", "/api/v1/alliances/{slug}"),  # an alliance's public page, as its /a/<slug>/
}


def test_only_the_declared_api_operations_are_public():
    public = {
        (method, path)
        for path, method, operation in api_operations()
        if not operation.get("security")
    }
    assert public == PUBLIC_API_OPERATIONS


def _is_peer_endpoint(path):
    return path.startswith("/api/v1/me/")


@pytest.mark.django_db
def test_peer_and_staff_tokens_reach_only_their_own_side(client, world):
    """A peer's token: 403 on every staff endpoint, and on the peer endpoints nothing of
    another peer (404) or of another business; a staff token: 403 on every peer endpoint."""
    values = kwarg_values(world)
    own = world["visiting_peer"].user
    before = snapshot(world["target"], own_tokens_of=own)
    walked = 0
    for path, method, operation in api_operations():
        url, params = api_url(path, values, world)
        call = getattr(client, method)
        kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
        # a public operation (the pledger's confirmation) takes no token: none is refused
        public = not operation.get("security")

        def as_token(raw, url=url, call=call, kwargs=kwargs):
            return call(url, HTTP_AUTHORIZATION=f"Bearer {raw}", **kwargs)

        own_peer = as_token(world["visiting_peer_raw"])
        other_peer = as_token(world["outsider_peer_raw"])
        for who, response in (("peer", own_peer), ("peer of another business", other_peer)):
            where = f"{who} {method.upper()} {url}"
            assert response.status_code < 500, where
            assert_no_leak(response, who, url)
            if not _is_peer_endpoint(path) and not public:
                assert response.status_code == 403, where
                assert response.json()["code"] == "permission_denied", where
        if _is_peer_endpoint(path):
            if params:
                # the target's block is in a draft program (not eligible: 403); its claim,
                # offer, match and days off are another peer's (404)
                assert own_peer.status_code in (403, 404), f"peer {method.upper()} {url}"
                assert other_peer.status_code == 404, f"other peer {method.upper()} {url}"
            staff = as_token(world["staff_raw"])
            assert staff.status_code == 403, f"staff token {method.upper()} {url}"
            assert "peer" in staff.json()["detail"], url
            assert_no_leak(staff, "staff", url)
        walked += 1
    assert walked >= 40
    assert snapshot(world["target"], own_tokens_of=own) == before, (
        "a token changed what it may not reach"
    )
