"""Rewards in the browser: the owner's overview, payout runs with their bank file, rules,
settings and the journal; vouchers at the till; the peer's wallet and statements; a peer's
public page. Owner-only actions are refused to staff with a message, in either language."""

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.rewards import sepa, services
from peerarmy.rewards.models import (
    BatchStatus,
    Cause,
    PayoutBatch,
    PayoutDetails,
    PayoutStatus,
    ProgramRewards,
    RewardKind,
    RewardRule,
    RewardSettings,
    RewardStatus,
    Showcase,
    Transaction,
)
from peerarmy.rewards.payouts import approve_batch
from peerarmy.rewards.tests.factories import (
    add_badge,
    add_rule,
    change_program_rewards,
    change_settings,
    prepare,
    set_bank,
    set_showcase,
)
from peerarmy.scheduling.models import Claim, ClaimStatus
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import ApplicantFactory, PeerFactory

pytestmark = pytest.mark.django_db

ITALIAN_IBAN = "IT60X0542811101000000123456"
GERMAN_IBAN = "DE89370400440532013000"
_events = itertools.count(1)


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return speaking(client, "en")


@pytest.fixture
def staff_en(client, staff):
    client.force_login(staff)
    return speaking(client, "en")


@pytest.fixture
def peer_client(client, peer):
    client.force_login(peer.user)
    return speaking(client, "en")


def rule(business, owner, program, reward=RewardKind.CASH, amount=1500, **extra):
    return add_rule(
        business, owner, program, event="block.completed", reward=reward, amount=amount, **extra
    )


def complete_block(business, peer, program, *, when=None):
    """The event a completed block sends, as the scheduling app sends it."""
    return services.handle(
        business,
        services.Occurrence(
            event="block.completed",
            key=f"block.completed:test-{next(_events)}",
            peer_id=peer.pk,
            program_id=program.pk,
            occurred_at=when or timezone.now(),
            minutes=120,
        ),
    )


def earned(business, owner, peer, program, cents=1500):
    rule(business, owner, program, amount=cents)
    (reward,) = complete_block(business, peer, program)
    assert reward.status == RewardStatus.POSTED
    return reward


# --- every page, both languages ---------------------------------------------------------------

CONSOLE_PAGES = [
    "rewards",
    "rewards_rules",
    "rewards_settings",
    "rewards_vouchers",
    "rewards_ledger",
]


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("who", ["owner", "staff"])
def test_every_console_page_renders_for_owner_and_staff_in_both_languages(
    client, business, owner, staff, peer, program, language, who
):
    earned(business, owner, peer, program, cents=1250)
    client.force_login(owner if who == "owner" else staff)
    speaking(client, language)

    for name in CONSOLE_PAGES:
        response = client.get(url(business, name))

        page = response.content.decode()
        assert response.status_code == 200, name
        assert f'<html lang="{language}">' in page, name
    overview = client.get(url(business, "rewards")).content.decode()
    owed = "12,50\N{NO-BREAK SPACE}€" if language == "it" else "€12.50"
    assert owed in overview
    journal = client.get(url(business, "rewards_ledger")).content.decode()
    # the accounts in words: whom it is owed to, never the journal's paths
    assert escape(peer.display_name) in journal
    assert "expenses:rewards:" not in journal and ":payable" not in journal


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_wallet_shows_a_posted_reward_in_both_languages(
    client, business, owner, peer, program, language
):
    earned(business, owner, peer, program, cents=1500)
    client.force_login(peer.user)
    speaking(client, language)

    response = client.get(url(business, "me_wallet"))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert ("+15,00\N{NO-BREAK SPACE}€" if language == "it" else "+€15.00") in page
    if language == "en":
        assert "Reward: a block is completed" in page
        assert "In " in page and "you have earned €15.00 in cash and shop credit." in page


def test_the_wallet_is_for_active_peers_only(client, business):
    applicant = ApplicantFactory(business=business)
    client.force_login(applicant.user)

    assert client.get(url(business, "me_wallet"))["Location"] == url(business, "me")
    assert client.post(url(business, "me_wallet_bank"), {"iban": ITALIAN_IBAN}).status_code == 404
    assert not PayoutDetails.objects.exists()


# --- owner-only actions -----------------------------------------------------------------------


def test_staff_cannot_change_the_settings_and_are_told_so(staff_en, business):
    response = staff_en.post(
        url(business, "rewards_settings"),
        {
            "debtor_name": "Bici Gialla srl",
            "debtor_iban": GERMAN_IBAN,
            "payout_minimum_minor": "1,00",
            "points_per_euro": "10",
            "voucher_validity_days": "30",
            "yearly_ceiling_minor": "0",
            "ceiling_warning_percent": "50",
        },
    )

    assert response.status_code == 200
    assert "Only the owner of the business can do this." in response.content.decode()
    assert services.rewards_settings(business).debtor_iban == ""


def test_staff_cannot_decide_on_a_held_reward(staff_en, business, owner, peer, program):
    rule(business, owner, program, amount=3000)
    change_program_rewards(business, owner, program, monthly_budget_minor=1000)
    (held,) = complete_block(business, peer, program)
    assert held.status == RewardStatus.HELD

    for name, data in (("rewards_held_approve", {}), ("rewards_held_decline", {"reason": "no"})):
        response = staff_en.post(url(business, name, reward_id=held.pk), data, follow=True)

        assert response.status_code == 200
        assert "Only the owner of the business can do this." in response.content.decode()
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD


def test_staff_cannot_correct_the_journal_nor_add_causes_nor_set_budgets(
    staff_en, business, owner, peer, program
):
    reward = earned(business, owner, peer, program)

    corrected = staff_en.post(
        url(business, "rewards_transaction_correct", transaction_id=reward.transaction_id),
        {"memo": "wrong peer"},
        follow=True,
    )
    cause = staff_en.post(
        url(business, "rewards_causes"),
        {"name_it": "Canile", "account_holder": "Canile", "iban": ITALIAN_IBAN},
    )
    budget = staff_en.post(
        url(business, "rewards_program", program_id=program.pk),
        {f"program-{program.pk}-monthly_budget_minor": "100"},
    )

    for response in (corrected, cause, budget):
        assert response.status_code == 200
        assert "Only the owner of the business can do this." in response.content.decode()
    assert not Transaction.objects.filter(reverses_id=reward.transaction_id).exists()
    assert not Cause.objects.exists()
    assert not ProgramRewards.objects.filter(monthly_budget_minor__isnull=False).exists()


def test_the_owner_pays_a_held_reward_anyway_or_declines_it(
    owner_client, business, owner, peer, program
):
    rule(business, owner, program, amount=3000)
    change_program_rewards(business, owner, program, monthly_budget_minor=1000)
    (first,) = complete_block(business, peer, program)
    (second,) = complete_block(business, peer, program)
    page = owner_client.get(url(business, "rewards")).content.decode()
    assert "Approve (pay anyway)" in page and peer.display_name in page

    owner_client.post(url(business, "rewards_held_approve", reward_id=first.pk))
    refused = owner_client.post(
        url(business, "rewards_held_decline", reward_id=second.pk), {"reason": ""}, follow=True
    )
    assert "Tell the peer why." in refused.content.decode()
    owner_client.post(
        url(business, "rewards_held_decline", reward_id=second.pk), {"reason": "Double entry"}
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RewardStatus.POSTED
    assert second.status == RewardStatus.DECLINED and second.decline_reason == "Double entry"


# --- rules, budgets, causes, badges, settings -------------------------------------------------


def test_a_rule_typed_in_euros_with_a_decimal_comma(staff_en, business, program):
    response = staff_en.post(
        url(business, "rewards_rules"),
        {
            "program": program.pk,
            "event": "block.completed",
            "condition": "always",
            "threshold": "",
            "reward": "cash",
            "amount": "1.234,50",
        },
    )

    assert response.status_code == 302
    saved = RewardRule.objects.get(program=program)
    assert saved.amount == 123450 and saved.active
    page = staff_en.get(url(business, "rewards_rules")).content.decode()
    assert "€1,234.50" in page and "Deactivate" in page

    staff_en.post(url(business, "rewards_rule_toggle", rule_id=saved.pk), {"active": "false"})
    saved.refresh_from_db()
    assert not saved.active
    # the switch says which way: sent twice, the rule stays off (it used to flip back on)
    again = staff_en.post(
        url(business, "rewards_rule_toggle", rule_id=saved.pk), {"active": "false"}, follow=True
    )
    saved.refresh_from_db()
    assert not saved.active and "The rule is switched off." in again.content.decode()
    unsaid = staff_en.post(url(business, "rewards_rule_toggle", rule_id=saved.pk), follow=True)
    saved.refresh_from_db()
    assert not saved.active and "Say whether the rule is on or off." in unsaid.content.decode()


def test_a_rule_without_an_amount_is_explained_next_to_the_field(staff_en, business, program):
    response = staff_en.post(
        url(business, "rewards_rules"),
        {
            "program": program.pk,
            "event": "block.completed",
            "condition": "always",
            "reward": "cash",
        },
    )

    assert response.status_code == 200
    assert "Enter an amount, or pay what the block promised." in response.content.decode()
    assert not RewardRule.objects.exists()


def test_the_owner_sets_a_budget_adds_a_cause_and_staff_add_a_badge(
    owner_client, client, staff, business, program
):
    owner_client.post(
        url(business, "rewards_program", program_id=program.pk),
        {
            f"program-{program.pk}-monthly_budget_minor": "250,00",
            f"program-{program.pk}-peer_chooses": "on",
        },
    )
    bad = owner_client.post(
        url(business, "rewards_causes"),
        {"name_it": "Canile", "account_holder": "Canile", "iban": "IT60X0542811101000000123457"},
    )
    owner_client.post(
        url(business, "rewards_causes"),
        {
            "name_it": "Canile",
            "name_en": "Dog shelter",
            "account_holder": "Canile",
            "iban": ITALIAN_IBAN,
        },
    )
    client.force_login(staff)
    client.post(url(business, "rewards_badges"), {"name_en": "Night owl", "name_it": "Nottambulo"})

    settings_ = ProgramRewards.objects.get(program=program)
    assert settings_.monthly_budget_minor == 25000 and settings_.peer_chooses
    assert "check digits are wrong" in bad.content.decode()
    assert Cause.objects.get().name_en == "Dog shelter"
    page = client.get(url(business, "rewards_rules")).content.decode()
    assert "Night owl" in page and "Dog shelter" in page


def test_the_owner_saves_settings_typed_in_euros(owner_client, business):
    response = owner_client.post(
        url(business, "rewards_settings"),
        {
            "debtor_name": "Bici Gialla srl",
            "debtor_iban": "de89 3704 0044 0532 0130 00",
            "debtor_bic": "",
            "payout_minimum_minor": "1.234,50",
            "points_per_euro": "10",
            "voucher_validity_days": "30",
            "yearly_ceiling_minor": "4000.50",
            "ceiling_warning_percent": "75",
        },
    )

    assert response.status_code == 302
    saved = RewardSettings.objects.get(business=business)
    assert saved.debtor_iban == GERMAN_IBAN
    assert saved.payout_minimum_minor == 123450 and saved.yearly_ceiling_minor == 400050
    assert saved.points_per_euro == 10 and saved.ceiling_warning_percent == 75
    page = owner_client.get(url(business, "rewards_settings")).content.decode()
    assert 'value="1234.50"' in page or 'value="1,234.50"' in page


# --- payout runs and the bank file ------------------------------------------------------------


@pytest.fixture
def payable(business, owner, program):
    """Two peers who earned 25 €: one has given a bank account, the other not yet."""
    change_settings(business, owner, debtor_name="Bici Gialla srl", debtor_iban=GERMAN_IBAN)
    rule(business, owner, program, amount=2500)
    with_bank = PeerFactory(business=business, display_name="Giulia")
    set_bank(with_bank, account_holder="Giulia Rossi", iban=ITALIAN_IBAN)
    without = PeerFactory(business=business, display_name="Marco")
    complete_block(business, with_bank, program)
    complete_block(business, without, program)
    return with_bank, without


def test_staff_prepare_a_run_and_are_told_who_is_left_out(staff_en, business, payable):
    with_bank, _without = payable

    response = staff_en.post(
        url(business, "rewards_batch_prepare"), {"kind": "peers", "execution_date": ""}, follow=True
    )

    page = response.content.decode()
    batch = PayoutBatch.objects.get()
    assert response.redirect_chain[-1][0] == url(business, "rewards_batch", batch_id=batch.pk)
    assert "Left out of this run: Marco (no bank account yet)." in page
    assert "Giulia" in page and "IT60 **** **** **** **** ***3 456" in page
    assert ITALIAN_IBAN not in page
    assert "€25.00" in page and "Waiting for approval" in page
    assert batch.payouts.get().peer_id == with_bank.pk


def test_the_bank_file_is_valid_pain001_once_the_owner_approved(
    client, staff, owner, business, payable
):
    batch, _skipped = prepare(business, staff)
    client.force_login(staff)
    speaking(client, "en")
    sepa_url = url(business, "rewards_batch_sepa", batch_id=batch.pk)

    too_early = client.get(sepa_url, follow=True)
    assert "The owner must approve the batch before it goes to the bank." in (
        too_early.content.decode()
    )
    staff_approves = client.post(url(business, "rewards_batch_approve", batch_id=batch.pk))
    assert staff_approves.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED

    client.force_login(owner)
    client.post(url(business, "rewards_batch_approve", batch_id=batch.pk))
    response = client.get(sepa_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{batch.message_id}.xml"'
    sepa.validate_pain001(response.content)
    assert sepa.summary(response.content)["ctrl_sum_minor"] == 2500


def test_a_run_goes_sent_then_paid(client, staff, owner, business, payable):
    with_bank, _without = payable
    batch, _skipped = prepare(business, staff)
    approve_batch(business, owner, batch.pk)
    client.force_login(staff)
    speaking(client, "it")

    client.post(url(business, "rewards_batch_sent", batch_id=batch.pk))
    client.post(url(business, "rewards_batch_paid", batch_id=batch.pk))

    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAID
    assert batch.payouts.get().status == PayoutStatus.PAID
    page = client.get(url(business, "rewards_batch", batch_id=batch.pk)).content.decode()
    assert '<html lang="it">' in page and "25,00\N{NO-BREAK SPACE}€" in page
    client.force_login(with_bank.user)
    speaking(client, "en")
    wallet = client.get(url(business, "me_wallet")).content.decode()
    assert "Payout to your bank account" in wallet and "-€25.00" in wallet
    paid = wallet.index("Paid to you so far")
    assert "€25.00" in wallet[paid - 80 : paid]


def test_a_payment_returned_by_the_bank_restores_the_balance(
    client, staff, owner, business, payable
):
    with_bank, _without = payable
    batch, _skipped = prepare(business, staff)
    approve_batch(business, owner, batch.pk)
    client.force_login(staff)
    speaking(client, "en")
    client.post(url(business, "rewards_batch_sent", batch_id=batch.pk))
    payout = batch.payouts.get()
    page = client.get(url(business, "rewards_batch", batch_id=batch.pk)).content.decode()
    assert "Returned by the bank" in page

    client.post(
        url(business, "rewards_payout_return", payout_id=payout.pk), {"reason": "Account closed"}
    )

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED and payout.return_reason == "Account closed"
    client.force_login(with_bank.user)
    wallet = client.get(url(business, "me_wallet")).content.decode()
    assert "Payout returned by the bank: Account closed" in wallet
    assert "€25.00" in wallet  # back on the balance, to be paid in the next run


def test_a_prepared_run_can_be_cancelled_and_the_balance_waits_for_the_next(
    staff_en, staff, business, payable
):
    batch, _skipped = prepare(business, staff)

    response = staff_en.post(url(business, "rewards_batch_cancel", batch_id=batch.pk), follow=True)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert "The payout run is cancelled" in response.content.decode()
    again, _skipped = prepare(business, staff)
    assert again.total_minor == 2500


# --- vouchers at the till ---------------------------------------------------------------------


@pytest.fixture
def voucher(business, owner, peer, program):
    rule(business, owner, program, reward=RewardKind.VOUCHER, amount=2000)
    complete_block(business, peer, program)
    return peer.vouchers.get()


def test_a_voucher_is_redeemed_in_part_and_shows_what_is_left(staff_en, business, voucher):
    response = staff_en.post(
        url(business, "rewards_vouchers"),
        {"code": voucher.code.lower(), "amount_minor": "12,50", "key": "0123456789abcdef"},
        follow=True,
    )

    page = response.content.decode()
    assert f"€12.50 taken off voucher {voucher.code}: €7.50 left on it." in page
    assert services.voucher_remaining(voucher) == 750

    again = staff_en.post(
        url(business, "rewards_vouchers"),
        {"code": voucher.code, "amount_minor": "12,50", "key": "0123456789abcdef"},
    )
    assert again.status_code == 302  # the same form sent twice takes the amount once
    assert services.voucher_remaining(voucher) == 750


def test_redeeming_more_than_is_left_or_an_unknown_code_is_explained(staff_en, business, voucher):
    too_much = staff_en.post(
        url(business, "rewards_vouchers"), {"code": voucher.code, "amount_minor": "25"}
    )
    unknown = staff_en.post(
        url(business, "rewards_vouchers"), {"code": "NOPE-NOPE-NOPE", "amount_minor": "1"}
    )

    assert "is left on this voucher." in too_much.content.decode()
    assert "No voucher has this code." in unknown.content.decode()
    assert services.voucher_remaining(voucher) == 2000


def test_an_expired_voucher_is_refused(staff_en, business, voucher):
    voucher.expires_at = timezone.now() - timedelta(days=1)
    voucher.save()

    response = staff_en.post(
        url(business, "rewards_vouchers"), {"code": voucher.code, "amount_minor": "1"}
    )

    assert "This voucher expired on" in response.content.decode()
    assert services.voucher_remaining(voucher) == 2000


def test_a_voucher_is_looked_up_as_a_till_types_its_code(staff_en, business, voucher):
    typed = voucher.code.lower().replace("-", " - ")  # "abcd - efgh - jklm"

    response = staff_en.get(url(business, "rewards_vouchers"), {"code": f"  {typed} "})

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="voucher-{voucher.code}"' in page and "€20.00" in page


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        # PostgreSQL cannot hold a NUL: it used to reach the query and answer 500
        ("AB\x00CD", "Remove the invisible NUL character from this text."),
        # the lookup used to cut the code at 30 characters, the redemption takes 40
        ("X" * 41, "Use at most 40 characters."),
    ],
)
def test_a_code_no_voucher_can_have_is_refused_by_the_lookup_as_by_the_redemption(
    staff_en, business, voucher, typed, says
):
    response = staff_en.get(url(business, "rewards_vouchers"), {"code": typed})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="lookup-error"' in page and says in page
    assert 'id="voucher-' not in page


def test_a_code_the_lookup_takes_is_a_code_the_redemption_takes(staff_en, business, voucher):
    """40 characters with spaces: both read it the same way (not found, said as such)."""
    typed = "NOPE " * 8

    looked_up = staff_en.get(url(business, "rewards_vouchers"), {"code": typed})
    redeemed = staff_en.post(
        url(business, "rewards_vouchers"), {"code": typed, "amount_minor": "1"}
    )

    assert "No voucher has this code." in looked_up.content.decode()
    assert "No voucher has this code." in redeemed.content.decode()


# --- the peer's wallet ------------------------------------------------------------------------


def test_a_wrong_iban_is_explained_next_to_the_field(peer_client, business, peer):
    response = peer_client.post(
        url(business, "me_wallet_bank"),
        {"account_holder": "Giulia Rossi", "iban": "IT60X0542811101000000123457"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    field = page[page.index('id="id_iban"') :]
    assert field.index("check digits are wrong") < field.index("</div>")
    assert not PayoutDetails.objects.filter(peer=peer).exists()


def test_a_saved_iban_is_shown_masked(peer_client, business, peer):
    peer_client.post(
        url(business, "me_wallet_bank"),
        {"account_holder": "Giulia Rossi", "iban": "it60 x054 2811 1010 0000 0123 456"},
    )

    page = peer_client.get(url(business, "me_wallet")).content.decode()
    assert PayoutDetails.objects.get(peer=peer).iban == ITALIAN_IBAN
    assert "IT60 **** **** **** **** ***3 456" in page and ITALIAN_IBAN not in page


def test_points_become_a_voucher(peer_client, business, owner, peer, program):
    rule(business, owner, program, reward=RewardKind.POINTS, amount=250)
    complete_block(business, peer, program)

    response = peer_client.post(url(business, "me_wallet_points"), {"points": "200"}, follow=True)

    page = response.content.decode()
    voucher = peer.vouchers.get()
    assert voucher.value_minor == 200
    assert f"Your points are now voucher {voucher.code}, worth €2.00." in page
    assert "50 points" in page


def test_the_reward_choice_shows_only_where_a_program_lets_peers_choose(
    peer_client, business, owner, peer, program
):
    assert (
        "How I want my rewards" not in peer_client.get(url(business, "me_wallet")).content.decode()
    )
    change_program_rewards(business, owner, program, peer_chooses=True)

    page = peer_client.get(url(business, "me_wallet")).content.decode()
    assert "How I want my rewards" in page
    peer_client.post(url(business, "me_wallet_choice"), {"form": "points"})
    assert peer.reward_choice.form == "points"


def test_the_peer_makes_their_page_public(peer_client, client, business, peer):
    page_url = url(business, "showcase", peer_id=peer.pk)
    assert client.get(page_url).status_code == 404

    peer_client.post(
        url(business, "me_wallet_showcase"), {"public": "on", "headline": "Bike mechanic"}
    )

    assert Showcase.objects.get(peer=peer).public
    assert url(business, "showcase", peer_id=peer.pk) in (
        peer_client.get(url(business, "me_wallet")).content.decode()
    )


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_a_monthly_statement_downloads(peer_client, business, owner, peer, program, fmt):
    earned(business, owner, peer, program, cents=1500)
    today = timezone.localdate(timezone.now(), business.tzinfo)

    picked = peer_client.get(
        url(business, "me_wallet_statement_pick"),
        {"year": today.year, "month": today.month, "format": fmt},
    )
    response = peer_client.get(picked["Location"])

    assert (
        picked["Location"]
        == url(business, "me_wallet_statement", year=today.year, month=today.month)
        + f"?format={fmt}"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{business.slug}-statement-{today.year}-{today.month:02d}.{fmt}"'
    )
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        text = response.content.decode("utf-8-sig")
        assert "Reward: a block is completed" in text and "15.00" in text
    else:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_a_whole_year_statement_in_italian(client, business, owner, peer, program):
    earned(business, owner, peer, program, cents=1500)
    client.force_login(peer.user)
    speaking(client, "it")
    year = timezone.localdate(timezone.now(), business.tzinfo).year

    response = client.get(url(business, "me_wallet_statement", year=year, month=0) + "?format=csv")

    assert response.status_code == 200
    assert "15,00" in response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].endswith(f'-statement-{year}.csv"')


def test_a_statement_of_no_such_month_is_not_found(peer_client, business):
    assert (
        peer_client.get(url(business, "me_wallet_statement", year=2026, month=13)).status_code
        == 404
    )
    assert (
        peer_client.get(
            url(business, "me_wallet_statement", year=2026, month=1) + "?format=exe"
        ).status_code
        == 404
    )


def test_the_wallet_costs_the_same_queries_with_more_movements(
    peer_client, business, owner, peer, program, django_assert_max_num_queries
):
    earned(business, owner, peer, program, cents=1000)
    with CaptureQueriesContext(connection) as few:
        peer_client.get(url(business, "me_wallet"))
    for _n in range(12):
        complete_block(business, peer, program)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = peer_client.get(url(business, "me_wallet"))

    assert response.content.decode().count("Reward: a block is completed") == 13


# --- the journal ------------------------------------------------------------------------------


def test_the_owner_corrects_a_transaction_and_downloads_the_journal(
    owner_client, business, owner, peer, program
):
    reward = earned(business, owner, peer, program, cents=1500)

    owner_client.post(
        url(business, "rewards_transaction_correct", transaction_id=reward.transaction_id),
        {"memo": "Wrong peer"},
    )
    journal = owner_client.get(url(business, "rewards_ledger_export") + "?format=ledger")
    rows = owner_client.get(url(business, "rewards_ledger_export") + "?format=csv")

    assert Transaction.objects.filter(reverses_id=reward.transaction_id, memo="Wrong peer").exists()
    assert journal.status_code == 200 and "attachment" in journal["Content-Disposition"]
    text = journal.content.decode()
    assert f"liabilities:peers:{peer.pk}:payable  -15.00 EUR" in text
    assert f"reverses:{reward.transaction_id}" in text
    assert rows["Content-Type"].startswith("text/csv")
    assert rows.content.decode().splitlines()[0].startswith("transaction,date,cause")
    page = owner_client.get(url(business, "rewards_ledger")).content.decode()
    assert "Corrected" in page and "Wrong peer" in page


# --- a peer's public page ---------------------------------------------------------------------


def test_a_public_page_shows_what_the_peer_chose_to_show_and_nothing_private(
    client, business, owner, program
):
    peer = PeerFactory(business=business, display_name="Giulia", bio="Fixing bikes since 2010")
    # A surname no page shows by accident (a random one was once "English", the language menu).
    peer.user.last_name = "Zanardelli"
    peer.user.save()
    set_showcase(peer, public=True, headline="Bike mechanic on Saturdays")
    badge = add_badge(business, owner, slug="", name_en="Night owl", name_it="Gufo")
    rule(business, owner, program, reward=RewardKind.BADGE, amount=0, badge=badge)
    complete_block(business, peer, program)
    block = BlockFactory(program=program)
    Claim.objects.create(
        business=business,
        block=block,
        peer=peer,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
        status=ClaimStatus.COMPLETED,
    )
    speaking(client, "en")

    response = client.get(url(business, "showcase", peer_id=peer.pk))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Giulia" in page and "Bike mechanic on Saturdays" in page
    assert "Fixing bikes since 2010" in page and "Night owl" in page
    assert "Blocks completed" in page and "<dd>1</dd>" in page
    assert peer.user.email not in page and peer.user.last_name not in page
    assert peer.home_address not in page


def test_a_private_page_or_an_inactive_peer_is_not_found(client, business):
    private = PeerFactory(business=business)
    set_showcase(private, public=False)
    suspended = PeerFactory(business=business)
    set_showcase(suspended, public=True)  # made public while active, then suspended
    Peer.objects.filter(pk=suspended.pk).update(status=PeerStatus.SUSPENDED)

    for peer in (private, suspended):
        assert client.get(url(business, "showcase", peer_id=peer.pk)).status_code == 404


def test_a_public_page_in_italian(client, business):
    peer = PeerFactory(business=business, display_name="Giulia")
    set_showcase(peer, public=True, headline="Meccanica")
    speaking(client, "it")

    response = client.get(url(business, "showcase", peer_id=peer.pk))

    assert response.status_code == 200
    assert '<html lang="it">' in response.content.decode()


def test_an_owner_alone_approves_their_own_run_with_a_tick_and_their_password(
    owner_client, owner, business, payable
):
    """A shop run by one person pays its peers: the owner prepares the run, and approves it
    after ticking that they checked it and typing their password."""
    from peerarmy.tenancy.tests.factories import PASSWORD

    batch, _skipped = prepare(business, owner)
    page_url = url(business, "rewards_batch", batch_id=batch.pk)
    approve_url = url(business, "rewards_batch_approve", batch_id=batch.pk)

    page = owner_client.get(page_url).content.decode()
    assert "You prepared this run yourself" in page
    assert "I checked the payment of this run: €25.00." in page

    no_tick = owner_client.post(approve_url, {"password": PASSWORD})
    wrong = owner_client.post(approve_url, {"confirm": "on", "password": "not-it"})
    for refused in (no_tick, wrong):
        assert refused.status_code == 400
        batch.refresh_from_db()
        assert batch.status == BatchStatus.PREPARED
    assert "Tick the box to confirm that you checked the payments." in no_tick.content.decode()
    assert "This is not your password." in wrong.content.decode()

    done = owner_client.post(approve_url, {"confirm": "on", "password": PASSWORD}, follow=True)

    batch.refresh_from_db()
    assert (batch.status, batch.approved_alone) == (BatchStatus.APPROVED, True)
    assert "The payout run is approved" in done.content.decode()
    assert "who prepared it too, and confirmed it with their password" in (done.content.decode())
    sepa.validate_pain001(
        owner_client.get(url(business, "rewards_batch_sepa", batch_id=batch.pk)).content
    )


def test_with_two_people_asked_for_the_owner_is_told_who_approves(
    owner_client, owner, staff, business, payable
):
    change_settings(business, owner, payouts_need_two_people=True)
    batch, _skipped = prepare(business, owner)

    page = owner_client.get(url(business, "rewards_batch", batch_id=batch.pk)).content.decode()
    refused = owner_client.post(
        url(business, "rewards_batch_approve", batch_id=batch.pk), follow=True
    )

    assert "Your payout runs need two people" in page
    assert 'name="password"' not in page
    assert "Your payout runs need two people" in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED


def test_the_owner_turns_two_people_on_in_the_settings(owner_client, owner, business):
    data = {
        "debtor_name": "",
        "debtor_iban": "",
        "debtor_bic": "",
        "payout_minimum_minor": "20",
        "points_per_euro": "100",
        "voucher_validity_days": "365",
        "yearly_ceiling_minor": "5000",
        "ceiling_warning_percent": "80",
        "payouts_need_two_people": "on",
    }
    response = owner_client.post(url(business, "rewards_settings"), data)

    assert response.status_code == 302, response.content.decode()
    assert RewardSettings.objects.get(business=business).payouts_need_two_people is True
