"""The demo's sharing at Bici Gialla: a fleet at two stations, peers' own things (one earning its
peer money), rentals past, under way and to come, a late return with its fee, damage kept from a
deposit, a sponsor with last month's report; the books sound, the GBFS feed valid, and a reset
gives the same again."""

import json
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft7Validator, FormatChecker

from peerarmy.demo import load_demo
from peerarmy.peers.models import Peer
from peerarmy.rewards import ledger
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import Entry
from peerarmy.rewards.selectors import wallet
from peerarmy.sharing import gbfs, reports
from peerarmy.sharing.models import (
    Asset,
    AssetPhoto,
    Booking,
    BookingStatus,
    ListingStatus,
    PageViews,
    SponsorReport,
    Station,
)
from peerarmy.tenancy.models import Business

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "data" / "gbfs-v3.0"


def _fleet(shop):
    return Counter(
        (a.kind, a.state, a.listing, a.owner_peer.user.email if a.owner_peer else "shop")
        for a in Asset.objects.filter(business=shop).select_related("owner_peer__user")
    )


def _shape(shop):
    """What a reset must give again (codes and moments aside)."""
    bookings = Booking.objects.filter(business=shop)
    return (
        _fleet(shop),
        Counter(bookings.values_list("status", flat=True)),
        sorted(bookings.values_list("price_minor", "late_fee_minor", "damage_kept_minor")),
        Station.objects.filter(business=shop).count(),
    )


def test_the_demo_rents_a_fleet_with_peers_things_a_sponsor_and_sound_books():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    now = timezone.now()

    # Two stations; the shop's cargo bikes, e-bikes (one in the workshop) and city bike, each
    # with a picture; Giulia's tandem approved, Chiara's trailer waiting for the shop.
    assert Station.objects.filter(business=shop).count() == 2
    assert _fleet(shop) == Counter(
        {
            ("cargo_bike", "active", "approved", "shop"): 2,
            ("ebike", "active", "approved", "shop"): 2,
            ("ebike", "maintenance", "approved", "shop"): 1,
            ("bike", "active", "approved", "shop"): 1,
            ("bike", "active", "approved", "peer@bicigialla.example"): 1,
            ("other", "active", "pending", "chiara.miglietta@example.it"): 1,
        }
    )
    cargo = Asset.objects.filter(business=shop, kind="cargo_bike")
    assert all(a.seats == 2 and a.range_km and a.propulsion == "electric_assist" for a in cargo)
    assert all(a.weekly_hours and a.blocked_dates and a.name_en for a in cargo)
    assert AssetPhoto.objects.filter(business=shop).count() == 8

    # Rentals past, under way (one overdue) and to come.
    bookings = Booking.objects.filter(business=shop)
    statuses = Counter(bookings.values_list("status", flat=True))
    assert statuses[BookingStatus.RETURNED] >= 25
    assert statuses[BookingStatus.CANCELLED] == 1
    assert statuses[BookingStatus.UNCONFIRMED] == 1
    assert statuses[BookingStatus.CONFIRMED] >= 3
    out = bookings.filter(status=BookingStatus.OUT)
    assert out.filter(ends_at__gt=now).count() == 1
    assert out.filter(ends_at__lt=now).count() == 1  # late, on today's page
    assert bookings.filter(status=BookingStatus.CONFIRMED, paid_by_transfer=True).count() == 1
    assert bookings.filter(peer__isnull=False, discount_minor__gt=0).exists()
    assert bookings.exclude(distance_km=None).count() >= 10

    late = bookings.get(late_fee_minor__gt=0)
    assert late.status == BookingStatus.RETURNED and late.returned_at > late.ends_at
    damaged = bookings.get(damage_kept_minor__gt=0)
    assert damaged.damage_ticket is not None and damaged.damage_ticket.category == "damage"

    # Giulia's tandem earned her money: its rentals are in her wallet.
    giulia = Peer.objects.get(business=shop, user__email="peer@bicigialla.example")
    tandem = Asset.objects.get(business=shop, owner_peer=giulia)
    earned = bookings.filter(asset=tandem, status=BookingStatus.RETURNED)
    assert earned.count() >= 3
    payable = ledger.peer_payable(giulia.pk, "EUR").name
    rental_lines = Entry.objects.filter(
        business=shop, account__name=payable, transaction__reason="sharing.rental"
    )
    assert rental_lines.count() == earned.count()
    assert sum(e.amount for e in rental_lines) < 0  # owed to her
    assert wallet(giulia).payable > 0

    # The sponsor's last month's report is made, with rentals and page views, and not sent.
    report = SponsorReport.objects.get(business=shop)
    assert report.sponsor.name == "Banca di Quartiere" and report.sponsor.logo
    assert report.sponsor.fee_received_at is not None
    assert report.month == reports.previous_month(timezone.localdate(now, shop.tzinfo))
    assert report.figures["rentals"] > 0 and report.figures["views"] > 0
    assert report.sent_at is None
    assert PageViews.objects.filter(business=shop).exists()

    assert check_business(shop.pk) == []

    # The GBFS feed of the program validates against the official v3.0 schemas.
    program = tandem.program
    for feed in gbfs.FEEDS:
        schema = json.loads((SCHEMAS / f"{feed}.json").read_text())
        document = json.loads(json.dumps(gbfs.document(shop, program, feed)))
        errors = list(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(document))
        assert errors == [], (feed, [e.message for e in errors][:3])


def test_a_reset_gives_the_same_sharing_and_sound_books():
    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    before = _shape(shop)
    assert Asset.objects.filter(business=shop, listing=ListingStatus.PENDING).count() == 1

    load_demo(reset=True)

    shop = Business.objects.get(slug="bicigialla")
    assert _shape(shop) == before
    assert check_business(shop.pk) == []
