"""`peerarmy payouts …` runs a payout run through the same inputs and services as the console
and the API (a day in the past is refused here too), and says what it did in one line; the
operator commands start without Django's system checks. Loading the app imports none of the
heavy libraries rewards uses for bank files, statements and IBANs."""

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from peerarmy.rewards.management.commands import ledger as ledger_command
from peerarmy.rewards.management.commands import payouts as payouts_command
from peerarmy.rewards.models import BatchStatus, PayoutBatch, PayoutStatus

from .factories import IBANS, adjust, change_settings, set_bank

pytestmark = pytest.mark.django_db


def payouts(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("payouts", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def owed(business, owner, peer):
    change_settings(business, owner, debtor_name="Bici Gialla srl", debtor_iban=IBANS[1])
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    return peer


def test_a_payout_run_from_the_command_line(business, owner, staff, owed, tmp_path):
    slug = ["--business", business.slug]

    out, _err = payouts("prepare", *slug, "--by", staff.email)
    batch = PayoutBatch.objects.get(business=business)
    assert out.strip() == (
        f"batch {batch.pk} prepared: 1 payouts, 50.00 EUR; waiting for the owner's approval"
    )
    assert payouts("approve", *slug, "--by", owner.email, "--batch", str(batch.pk))[0].strip() == (
        f"batch {batch.pk} approved"
    )
    _out, err = payouts(
        "sepa", *slug, "--by", staff.email, "--batch", str(batch.pk), "-o", str(tmp_path / "f")
    )
    assert err.strip() == f"SEPA file written to {tmp_path / 'f'}"
    assert b"pain.001.001.03" in (tmp_path / "f").read_bytes()
    payouts("sent", *slug, "--by", staff.email, "--batch", str(batch.pk))
    payout = batch.payouts.get()
    out, _err = payouts(
        "return", *slug, "--by", staff.email, "--payout", str(payout.pk), "--reason", "Closed"
    )
    assert out.strip() == f"payout {payout.pk} returned; the balance is restored"
    listed, _err = payouts("list", *slug)
    assert listed.split("\t")[:5] == [str(batch.pk), "peers", "sent", "50.00 EUR", "1 payouts"]
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED


def test_the_command_refuses_what_the_console_and_the_api_refuse(business, staff, owed):
    yesterday = timezone.localdate(timezone.now(), business.tzinfo) - timedelta(days=1)
    slug = ["--business", business.slug, "--by", staff.email]

    with pytest.raises(CommandError, match="a day in the past"):
        payouts("prepare", *slug, "--date", yesterday.isoformat())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        payouts("prepare", *slug, "--date", "next tuesday")
    with pytest.raises(CommandError, match="No such payout batch"):
        payouts("cancel", *slug, "--batch", "999999")
    with pytest.raises(CommandError, match="bank's reason"):
        payouts("return", *slug, "--payout", "1", "--reason", " ")
    assert not PayoutBatch.objects.filter(status=BatchStatus.PREPARED).exists()


def test_the_command_names_every_field_at_fault(business, staff, owed):
    yesterday = timezone.localdate(timezone.now(), business.tzinfo) - timedelta(days=1)

    with pytest.raises(CommandError) as refused:
        payouts(
            "prepare",
            *["--business", business.slug, "--by", staff.email],
            *["--kind", "friends", "--date", yesterday.isoformat()],
        )

    # as `peerarmy business create` says them: each field with what is wrong with it
    assert str(refused.value) == (
        "kind: Choose peers, donations or refunds.; execution_date: The bank cannot pay on a day in "
        "the past: choose today or later."
    )
    assert not PayoutBatch.objects.exists()


@pytest.mark.parametrize("who", ["\udcff", "giulia\x00@example.com"])
def test_a_user_no_database_can_hold_is_not_found(business, owed, who):
    """What a shell passes for bytes that are not UTF-8 (`--by $'\\xff'`) is a lone
    surrogate: one line, not a traceback."""
    with pytest.raises(CommandError, match="No user with the e-mail"):
        payouts("prepare", "--business", business.slug, "--by", who)
    assert not PayoutBatch.objects.exists()


def test_the_operator_commands_skip_the_system_checks():
    assert ledger_command.Command.requires_system_checks == []
    assert payouts_command.Command.requires_system_checks == []


HEAVY = ("schwifty", "pycountry", "fpdf", "sepaxml", "xmlschema", "text_unidecode")


def test_loading_the_app_and_its_urls_imports_no_heavy_library_of_rewards():
    code = (
        "import os, sys, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'peerarmy.settings'\n"
        "django.setup()\n"
        "import peerarmy.urls\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter and a fixed program
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=os.environ,
    )
    loaded = set(done.stdout.split())
    assert "peerarmy" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
