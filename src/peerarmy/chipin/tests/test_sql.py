"""chipin/sql.py's statements touch only the business they are given: each runs here with a
second business's pledges, credits and campaigns present, with that business's ids, and
leaves them as they were (on SQLite and, in the PostgreSQL run, on PostgreSQL's own form)."""

import pytest
from django.utils import timezone

from peerarmy.chipin import sql
from peerarmy.chipin.models import BankCredit, Campaign, Pledge, PledgeStatus

from .helpers import chipin_program, pledge, start, statement, upload
from .helpers import credit as bank_credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_business):
    from peerarmy.tenancy.tests.factories import OwnerFactory, UserFactory

    owner = OwnerFactory(business=other_business).user
    program = chipin_program(other_business, owner)
    campaign = start(other_business, UserFactory(), program)
    made = pledge(other_business, campaign, 2_000).pledge
    upload(other_business, owner, statement(bank_credit(999, bank_ref="THEIRS-1")))
    return campaign, made


def _state(campaign, made):
    campaign.refresh_from_db()
    made.refresh_from_db()
    credits = list(
        BankCredit.objects.filter(business=campaign.business).values_list("pk", "status")
    )
    return (
        (campaign.received_minor, campaign.pledge_count),
        (
            made.received_minor,
            made.status,
            made.payer_iban,
        ),
        credits,
    )


def test_the_statements_leave_another_business_alone(business, owner, theirs):
    campaign, made = theirs
    before = _state(campaign, made)
    now = timezone.now()
    sql.update_pledges_received(
        business.pk,
        [(2_000, PledgeStatus.RECEIVED, now, "X", "IT02L1234512345123456789012", "", made.pk)],
    )
    sql.add_to_campaigns(business.pk, [(2_000, 1, campaign.pk)])
    mine = upload(business, owner, statement(bank_credit(500, bank_ref="MINE-1"))).value
    sql.insert_credits(
        business.pk,
        mine.pk,
        [
            (
                2,
                "MINE-2",
                now.date(),
                700,
                "EUR",
                "N",
                "",
                "",
                "",
                "",
                "unmatched",
                None,
                None,
                0,
                0,
                "",
            )
        ],
    )
    assert _state(campaign, made) == before
    assert BankCredit.objects.filter(business=business).count() == 2
    assert Pledge.objects.get(pk=made.pk).business_id != business.pk
    assert Campaign.objects.get(pk=campaign.pk).received_minor == before[0][0]


@pytest.mark.skipif(
    __import__("django.db", fromlist=["connection"]).connection.vendor != "postgresql",
    reason="PostgreSQL's array lookups (SQLite reads in chunks through the ORM)",
)
def test_the_array_lookups_see_only_the_business_they_are_given(business, theirs):
    campaign, made = theirs
    assert sql.existing_bank_refs(business.pk, ["THEIRS-1"]) == set()
    assert sql.existing_bank_refs(campaign.business_id, ["THEIRS-1"]) == {"THEIRS-1"}
    assert sql.pledge_rows_by_reference(business.pk, [made.reference]) == []
    (row,) = sql.pledge_rows_by_reference(campaign.business_id, [made.reference])
    assert row[:3] == (made.reference, made.pk, campaign.pk)
