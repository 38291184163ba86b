"""The demo data: what `peerarmy demo` loads, that loading twice changes nothing, --reset."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from peerarmy.customers.models import Customer
from peerarmy.demo import DEMO_PASSWORD, load_demo
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerLanguage, PeerStatus, Skill
from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
from peerarmy.scheduling.models import (
    Block,
    Claim,
    ClaimStatus,
    FairnessLimits,
    WaitlistEntry,
    WaitlistStatus,
)
from peerarmy.tenancy.models import Business, Membership


def counts():
    """How many rows of each kind the database holds: equal counts mean nothing changed."""
    models = [
        get_user_model(),
        EmailAddress,
        Business,
        Membership,
        Skill,
        Customer,
        Peer,
        PeerLanguage,
        Peer.skills.through,
        Program,
        Program.required_skills.through,
    ]
    return {model.__name__: model.objects.count() for model in models}


def run_demo(**options):
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_holds_a_bike_shop_with_its_customers_peers_and_programs():
    load_demo()

    shop = Business.objects.get(slug="bicigialla")
    assert shop.name == "Bici Gialla"
    assert (shop.default_language, shop.timezone, shop.currency) == ("it", "Europe/Rome", "EUR")
    assert shop.tagline_it and shop.tagline_en and shop.about_it and shop.about_en
    assert Customer.objects.filter(business=shop).count() == 300
    statuses = [p.status for p in Peer.objects.filter(business=shop)]
    assert len(statuses) == 40
    assert statuses.count(PeerStatus.ACTIVE) == 28
    assert statuses.count(PeerStatus.APPLICANT) == 9
    assert statuses.count(PeerStatus.REJECTED) == 2
    assert statuses.count(PeerStatus.SUSPENDED) == 1
    rejected = Peer.objects.filter(business=shop, status=PeerStatus.REJECTED)
    assert all(peer.rejection_reason for peer in rejected)
    assert Peer.objects.filter(business=shop, customer__isnull=False).count() >= 20

    published = Program.objects.filter(business=shop, status=ProgramStatus.PUBLISHED)
    assert sorted(p.kind for p in published) == sorted(ProgramKind.values)
    for program in published:
        for field in ("title", "summary", "description"):
            assert getattr(program, f"{field}_it"), (program.slug, field)
            assert getattr(program, f"{field}_en"), (program.slug, field)
    assert Program.objects.filter(business=shop, status=ProgramStatus.DRAFT).count() == 1


@pytest.mark.django_db
def test_the_delivery_program_has_a_month_of_blocks_some_full_with_a_waitlist():
    load_demo()
    now = timezone.now()

    delivery = Program.objects.get(business__slug="bicigialla", kind=ProgramKind.DELIVERY)
    blocks = Block.objects.filter(program=delivery).annotate(
        held=Count(
            "claims",
            filter=Q(
                claims__status__in=[ClaimStatus.ACTIVE, ClaimStatus.COMPLETED, ClaimStatus.NO_SHOW]
            ),
        )
    )
    waiting = Counter(
        WaitlistEntry.objects.filter(
            block__program=delivery, status=WaitlistStatus.WAITING
        ).values_list("block_id", flat=True)
    )
    # A month of blocks, some claimable only from next week
    assert blocks.filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=31)).count() >= 40
    assert blocks.filter(released_at__gt=now).exists()
    # Some partly filled, several full with someone waiting
    assert any(0 < b.seats_taken < b.capacity for b in blocks)
    full_with_waitlist = [b for b in blocks if b.is_full and waiting[b.pk]]
    assert len(full_with_waitlist) >= 3
    assert all(1 <= waiting[b.pk] <= 3 for b in full_with_waitlist)
    # No overbooking, and every seat taken is someone's claim
    for block in blocks:
        assert block.seats_taken <= block.capacity, block
        assert block.seats_taken == block.held, block
    # The demo peer holds upcoming blocks
    assert Claim.objects.filter(
        peer__user__email="peer@bicigialla.example",
        status=ClaimStatus.ACTIVE,
        starts_at__gt=now,
    ).exists()
    limits = FairnessLimits.objects.get(program=delivery)
    assert (limits.max_hours_per_week, limits.max_future_blocks) == (16, 6)


@pytest.mark.django_db
def test_a_second_smaller_business_keeps_its_own_rows():
    load_demo()

    shop = Business.objects.get(slug="bicigialla")
    bnb = Business.objects.get(slug="lecce-bnb")
    assert 0 < Customer.objects.filter(business=bnb).count() < 300 / 5
    assert 0 < Peer.objects.filter(business=bnb).count() < 40 / 4
    assert {p.kind for p in Program.objects.filter(business=bnb, status="published")} == {
        ProgramKind.GUIDES,
        ProgramKind.CUSTOM,
    }
    # Nothing of one business points at the other's.
    for peer in Peer.objects.select_related("customer").prefetch_related("skills"):
        assert peer.customer is None or peer.customer.business_id == peer.business_id
        assert all(skill.business_id == peer.business_id for skill in peer.skills.all())
    for language in PeerLanguage.objects.select_related("peer"):
        assert language.business_id == language.peer.business_id
    assert not Membership.objects.filter(business=bnb, user__email__endswith="bicigialla.example")
    assert shop.pk != bnb.pk


@pytest.mark.django_db
def test_every_demo_row_passes_the_models_own_validation():
    load_demo()

    for model in (Business, Skill, Customer, Peer, PeerLanguage, Program):
        for row in model.objects.all():
            row.full_clean()


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    run_demo()
    before = counts()
    blocks_and_claims = (Block.objects.count(), Claim.objects.count())

    output = run_demo()

    assert "demo data already loaded" in output
    assert counts() == before
    assert (Block.objects.count(), Claim.objects.count()) == blocks_and_claims


@pytest.mark.django_db
def test_reset_starts_over_with_the_same_data():
    run_demo()
    before = counts()
    # Given the owner approved the demo applicant in the meantime.
    applicant = Peer.objects.get(user__email="applicant@bicigialla.example")
    applicant.status = PeerStatus.ACTIVE
    applicant.save()

    output = run_demo(reset=True)

    assert "Loaded the demo data" in output
    assert counts() == before
    assert Peer.objects.get(user__email="applicant@bicigialla.example").status == (
        PeerStatus.APPLICANT
    )


@pytest.mark.django_db
def test_the_demo_people_can_log_in_with_the_demo_password(client):
    load_demo()

    for email in (
        "owner@bicigialla.example",
        "staff@bicigialla.example",
        "peer@bicigialla.example",
        "applicant@bicigialla.example",
        "owner@leccebnb.example",
        "admin@peerarmy.example",
    ):
        assert client.login(email=email, password=DEMO_PASSWORD), email
        assert EmailAddress.objects.filter(email=email, verified=True, primary=True).exists()
        client.logout()
    assert get_user_model().objects.get(email="admin@peerarmy.example").is_superuser
    owner = Membership.objects.get(
        business__slug="bicigialla", user__email="owner@bicigialla.example"
    )
    assert owner.is_owner
    peer = Peer.objects.get(user__email="peer@bicigialla.example")
    assert peer.status == PeerStatus.ACTIVE and peer.business.slug == "bicigialla"


@pytest.mark.django_db
def test_the_demo_sends_no_email():
    load_demo()

    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_command_prints_where_to_go_and_how_to_log_in(settings):
    settings.SITE_URL = "https://demo.example"

    output = run_demo()

    for path in (
        "/bicigialla/",
        "/bicigialla/manage/",
        "/bicigialla/me/",
        "/lecce-bnb/",
        "/admin/",
        "/api/v1/docs",
    ):
        assert f"https://demo.example{path}" in output
    assert "owner@bicigialla.example" in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_the_demo_paid_its_riders_through_the_rules_and_its_books_are_sound(tmp_path):
    import shutil
    import subprocess

    from peerarmy.rewards import checks, payouts, sepa
    from peerarmy.rewards.models import (
        BatchStatus,
        PayoutBatch,
        Reward,
        RewardKind,
        RewardStatus,
        Transaction,
    )

    load_demo()
    shop = Business.objects.get(slug="bicigialla")
    owner = Membership.objects.get(business=shop, role="owner").user

    # Completed blocks were paid by the rules; a few riders gave theirs to a cause, one took
    # shop credit and spent part of a voucher, the month's budget held the last reward.
    rewards = Reward.objects.filter(business=shop)
    assert rewards.filter(status=RewardStatus.POSTED, kind=RewardKind.CASH).count() >= 20
    assert rewards.filter(status=RewardStatus.POSTED, kind=RewardKind.DONATION).exists()
    assert rewards.filter(status=RewardStatus.HELD).exists()
    assert Transaction.objects.filter(business=shop, kind="redemption").exists()
    # One batch paid, one waiting for the owner
    statuses = set(PayoutBatch.objects.filter(business=shop).values_list("status", flat=True))
    assert {BatchStatus.PAID, BatchStatus.PREPARED} <= statuses
    paid = PayoutBatch.objects.get(business=shop, status=BatchStatus.PAID)
    sepa.validate_pain001(payouts.sepa_file(shop, owner, paid.pk))
    # The books pass every check, and hledger reads the export and finds it balanced
    assert checks.check_business(shop.pk) == []
    journal = tmp_path / "books.journal"
    call_command("ledger", "export", "--business", "bicigialla", "--output", str(journal))
    if shutil.which("hledger"):
        total = (
            subprocess.run(  # noqa: S603
                ["hledger", "-f", str(journal), "balance", "--output-format=csv"],  # noqa: S607
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        assert total.replace('"', "").split(",")[-1] in ("0", "")
