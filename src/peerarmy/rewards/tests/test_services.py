"""Rewards as the people involved see them: a completed block pays once, the rules' conditions,
badges and points, the form a peer chose, budgets and the owner's decisions, the yearly ceiling,
vouchers at the till and when they expire, and a payout run from preparation to the bank's
return."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from peerarmy import events
from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.inputs import InvalidInput
from peerarmy.notifications.models import OutboxMessage
from peerarmy.rewards import checks, ledger, payouts, selectors, sepa, services
from peerarmy.rewards.models import (
    AccountKind,
    BatchKind,
    BatchStatus,
    Condition,
    Event,
    PeerBadge,
    PeerRewardChoice,
    Reward,
    RewardKind,
    RewardRule,
    RewardStatus,
    Transaction,
    TransactionKind,
    Voucher,
)
from peerarmy.scheduling.models import ScheduleEvent
from peerarmy.scheduling.services import claim_block, complete_claim
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory

from .factories import (
    BAD_IBAN,
    IBANS,
    BadgeFactory,
    CauseFactory,
    RuleFactory,
    add_cause,
    add_rule,
    change_program_rewards,
    change_rule,
    change_settings,
    choose_form,
    convert,
    decline,
    give_back,
    occurrence,
    prepare,
    redeem,
    set_bank,
)

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def sound(business):
    assert checks.check_business(business.pk) == []
    assert set(checks.totals_by_unit(business.pk).values()) <= {0}
    return True


def mails(event):
    return list(OutboxMessage.objects.filter(event=event).order_by("pk"))


def house_shown(business, kind):
    spec = ledger.house(kind, "EUR")
    return ledger.shown_balances(business.pk, [(spec.name, "EUR")]).get((spec.name, "EUR"), 0)


def completed_block(business, staff, peer, program, **block):
    """`peer` claims a block of `program` and staff mark it done when it ends."""
    block = BlockFactory(program=program, **block)
    claim = claim_block(peer, block.pk).value
    complete_claim(business, staff, claim, now=block.ends_at)
    return claim


def earns(business, peer, program, cents):
    """One reward of `cents` for `peer` (from a rule used once)."""
    rule = RuleFactory(program=program, amount=cents)
    services.handle(business, occurrence(peer, program))
    RewardRule.objects.filter(pk=rule.pk).update(active=False)


# --- a completed block pays ------------------------------------------------------------------


def test_a_completed_block_pays_the_rules_cash_reward_once(business, staff, peer, program):
    RuleFactory(program=program, amount=1500)

    claim = completed_block(business, staff, peer, program, reward_minor=2500)

    assert selectors.wallet(peer).payable == 1500
    reward = Reward.objects.get(peer=peer)
    assert (reward.status, reward.claim_id) == (RewardStatus.POSTED, claim.pk)
    assert reward.transaction.claim_id == claim.pk

    # the same event published again (a retried task, a double click) pays nothing more
    done = ScheduleEvent.objects.get(claim=claim, kind="block.completed")
    events.publish(
        business, "block.completed", key=f"block.completed:{claim.pk}", payload=done.payload
    )

    assert selectors.wallet(peer).payable == 1500
    assert Transaction.objects.filter(business=business).count() == 1
    assert sound(business)


def test_a_rule_paying_what_the_block_promised_pays_the_blocks_amount(
    business, staff, peer, program
):
    RuleFactory(program=program, amount=0, from_event=True)

    completed_block(business, staff, peer, program, reward_minor=3250)

    assert selectors.wallet(peer).payable == 3250


def test_a_rule_of_another_program_or_a_paused_rule_pays_nothing(
    business, owner, staff, peer, program
):
    from peerarmy.tenancy.tests.factories import ProgramFactory

    RuleFactory(program=ProgramFactory(business=business), amount=1500)
    paused = add_rule(
        business, owner, program, event=Event.BLOCK_COMPLETED, reward=RewardKind.CASH, amount=900
    )
    change_rule(business, owner, paused, active=False)

    completed_block(business, staff, peer, program)

    assert selectors.wallet(peer).payable == 0
    assert not Reward.objects.exists()


# --- conditions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "pays"),
    [
        (datetime(2026, 11, 28, 10, 0, tzinfo=ROME), True),  # Saturday morning
        (datetime(2026, 11, 25, 10, 0, tzinfo=ROME), False),  # Wednesday
        # Friday 23:30 in UTC is already Saturday in Rome: the business's week counts
        (datetime(2026, 11, 27, 23, 30, tzinfo=UTC), True),
        # Sunday 23:30 in UTC is Monday in Rome
        (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), False),
    ],
)
def test_a_weekend_bonus_pays_on_saturdays_and_sundays_in_the_business_time(
    business, peer, program, when, pays
):
    RuleFactory(program=program, condition=Condition.WEEKEND, amount=500)

    services.handle(business, occurrence(peer, program, when=when))

    assert selectors.wallet(peer).payable == (500 if pays else 0)


def test_a_long_shift_bonus_pays_from_its_minutes_on(business, peer, program):
    RuleFactory(program=program, condition=Condition.MIN_MINUTES, threshold=240, amount=800)

    services.handle(business, occurrence(peer, program, minutes=239))
    assert selectors.wallet(peer).payable == 0
    services.handle(business, occurrence(peer, program, minutes=240))
    assert selectors.wallet(peer).payable == 800


def test_the_nth_time_pays_once_and_every_nth_time_pays_each_time(business, peer, program):
    RuleFactory(program=program, condition=Condition.NTH, threshold=3, amount=1000)
    RuleFactory(program=program, condition=Condition.EVERY_NTH, threshold=2, amount=100)
    other = PeerFactory(business=business)  # their blocks do not count towards peer's

    paid = []
    for _ in range(6):
        services.handle(business, occurrence(other, program))
        services.handle(business, occurrence(peer, program))
        paid.append(selectors.wallet(peer).payable)

    #            1st  2nd  3rd          4th          5th          6th
    assert paid == [0, 100, 100 + 1000, 1200, 1200, 1300]


def test_a_badge_at_a_threshold_is_awarded_once(business, owner, peer, program):
    badge = BadgeFactory(business=business, slug="ten-deliveries", name_en="Ten deliveries")
    add_rule(
        business,
        owner,
        program,
        event=Event.BLOCK_COMPLETED,
        condition=Condition.EVERY_NTH,
        threshold=3,
        reward=RewardKind.BADGE,
        badge=badge.pk,
    )

    for times in range(1, 8):
        services.handle(business, occurrence(peer, program))
        assert PeerBadge.objects.filter(peer=peer).count() == (0 if times < 3 else 1)

    assert [b.badge for b in selectors.wallet(peer).badges] == [badge]
    assert not Transaction.objects.exists()  # a badge is not money


def test_a_points_rule_adds_points_not_money(business, staff, peer, program):
    RuleFactory(program=program, reward=RewardKind.POINTS, amount=50)
    RuleFactory(program=program, reward=RewardKind.POINTS, amount=0, from_event=True)

    completed_block(business, staff, peer, program, reward_points=12)

    wallet = selectors.wallet(peer)
    assert (wallet.points, wallet.payable) == (62, 0)


def test_points_become_a_voucher_in_whole_euros(business, owner, peer, program):
    change_settings(business, owner, points_per_euro=100)
    RuleFactory(program=program, reward=RewardKind.POINTS, amount=550)
    services.handle(business, occurrence(peer, program))

    voucher = convert(peer, 550)

    assert voucher.value_minor == 500  # 5 €: the 50 points left over stay
    assert selectors.wallet(peer).points == 50
    with pytest.raises(ledger.InsufficientBalance):
        convert(peer, 100)
    with pytest.raises(ValidationFailed) as refused:
        convert(peer, 99)
    assert refused.value.field == "points"
    assert sound(business)


def test_a_peer_who_chose_a_donation_gives_their_reward_to_the_cause(
    business, owner, staff, peer, program
):
    cause = CauseFactory(business=business, name_en="Dog shelter")
    change_program_rewards(business, owner, program, peer_chooses=True)
    choose_form(peer, form=PeerRewardChoice.Form.DONATION, cause=cause.pk)
    RuleFactory(program=program, amount=1500)

    completed_block(business, staff, peer, program)

    wallet = selectors.wallet(peer)
    assert wallet.payable == 0
    assert wallet.donations == [(cause, 1500)]
    owed = ledger.donations_payable(cause.pk, "EUR").name
    assert ledger.shown_balances(business.pk, [(owed, "EUR")]) == {(owed, "EUR"): 1500}

    # the donations run pays the cause
    batch, _skipped = prepare(business, staff, kind=BatchKind.DONATIONS)
    assert [(p.cause, p.amount_minor, p.iban) for p in batch.payouts.all()] == [
        (cause, 1500, cause.iban)
    ]


def test_without_the_programs_leave_a_choice_of_form_is_ignored(business, staff, peer, program):
    choose_form(peer, form=PeerRewardChoice.Form.POINTS)
    RuleFactory(program=program, amount=1500)

    completed_block(business, staff, peer, program)

    assert (selectors.wallet(peer).payable, selectors.wallet(peer).points) == (1500, 0)


# --- budgets and the owner's decisions -------------------------------------------------------


def over_budget(business, owner, peer, program):
    """A 20 € monthly budget and two 15 € rewards: the second is held."""
    change_program_rewards(business, owner, program, monthly_budget_minor=2000)
    RuleFactory(program=program, amount=1500)
    when = timezone.now()
    services.handle(business, occurrence(peer, program, when=when))
    (held,) = services.handle(business, occurrence(peer, program, when=when))
    return held


def test_a_reward_over_the_budget_is_held_and_the_owner_is_told(business, owner, peer, program):
    held = over_budget(business, owner, peer, program)

    assert held.status == RewardStatus.HELD
    wallet = selectors.wallet(peer)
    assert (wallet.payable, wallet.pending) == (1500, 1500)
    (mail,) = mails("rewards.over_budget")
    assert mail.recipient == owner.email
    assert peer.display_name in mail.subject
    assert "/rewards/" in mail.body_text


def test_the_owner_pays_a_held_reward_over_the_budget(business, owner, staff, peer, program):
    held = over_budget(business, owner, peer, program)

    with pytest.raises(PermissionDenied):
        services.approve_held_reward(business, staff, held.pk)  # money out is the owner's
    services.approve_held_reward(business, owner, held.pk)

    assert selectors.wallet(peer).payable == 3000
    month = services.local_month(business, timezone.now())
    assert ledger.budget_spent(business.pk, program.pk, month) == 3000  # over, knowingly
    with pytest.raises(InvalidTransition):
        services.approve_held_reward(business, owner, held.pk)  # paid once
    assert selectors.wallet(peer).payable == 3000
    assert sound(business)


def test_the_owner_declines_a_held_reward_and_the_peer_is_told_why(business, owner, peer, program):
    held = over_budget(business, owner, peer, program)

    with pytest.raises(ValidationFailed) as refused:
        decline(business, owner, held.pk, reason=" ")
    assert refused.value.field == "reason"
    decline(business, owner, held.pk, reason="We ran out of budget")

    assert selectors.wallet(peer).payable == 1500
    assert selectors.wallet(peer).pending == 0
    (mail,) = mails("rewards.declined")
    assert mail.recipient == peer.user.email
    assert "We ran out of budget" in mail.body_text
    assert sound(business)


def test_the_owner_is_warned_once_when_a_peer_crosses_the_yearly_ceiling(
    business, owner, peer, program
):
    change_settings(business, owner, yearly_ceiling_minor=10000, ceiling_warning_percent=80)
    earns(business, peer, program, 5000)
    earns(business, peer, program, 2999)
    assert mails("rewards.ceiling") == []  # 79.99 € of 80 €: not yet

    earns(business, peer, program, 1)  # 80 €: warn
    earns(business, peer, program, 1000)  # past it: warned already

    (mail,) = mails("rewards.ceiling")
    assert mail.recipient == owner.email
    assert peer.display_name in mail.subject


# --- vouchers --------------------------------------------------------------------------------


def a_voucher(business, owner, peer, program, cents=1500):
    change_program_rewards(business, owner, program, peer_chooses=True)
    choose_form(peer, form=PeerRewardChoice.Form.CREDIT)
    RuleFactory(program=program, amount=cents)
    services.handle(business, occurrence(peer, program))
    return Voucher.objects.get(peer=peer)


def test_a_voucher_is_redeemed_in_parts_at_the_till(business, owner, staff, peer, program):
    voucher = a_voucher(business, owner, peer, program)

    redeem(business, staff, voucher.code.lower(), 400)

    assert services.voucher_remaining(voucher) == 1100
    with pytest.raises(ledger.InsufficientBalance) as refused:
        redeem(business, staff, voucher.code, 1101)
    assert "11.00" in str(refused.value)  # what is left, in words
    assert services.voucher_remaining(voucher) == 1100
    with pytest.raises(ValidationFailed) as unknown:
        redeem(business, staff, "NOPE-NOPE-NOPE", 100)
    assert unknown.value.field == "code"
    assert sound(business)


def test_what_is_left_on_an_expired_voucher_is_booked_as_income_once(
    business, owner, staff, peer, program
):
    voucher = a_voucher(business, owner, peer, program)
    redeem(business, staff, voucher.code, 400)

    # a year goes by
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(days=1))

    assert services.expire_vouchers() == 1
    assert services.expire_vouchers() == 0  # the periodic task runs again

    assert services.voucher_remaining(voucher) == 0
    assert house_shown(business, AccountKind.EXPIRED) == 1100
    assert house_shown(business, AccountKind.REDEEMED) == 400
    with pytest.raises(ValidationFailed) as refused:
        redeem(business, staff, voucher.code, 100)
    assert refused.value.field == "code"
    assert sound(business)


# --- payouts ---------------------------------------------------------------------------------


@pytest.fixture
def bank(business, owner):
    return change_settings(
        business,
        owner,
        debtor_name="Bici Gialla srl",
        debtor_iban=IBANS[1],
        payout_minimum_minor=2000,
    )


def test_a_payout_run_from_preparation_to_the_bank_and_back(
    business, bank, owner, staff, peer, program
):
    set_bank(peer, account_holder="Giulia Rossi", iban="it60 x054 2811 1010 0000 0123 456")
    earns(business, peer, program, 2500)

    # staff prepare, the owner is asked to approve
    batch, skipped = prepare(business, staff)
    assert (batch.status, batch.total_minor, skipped) == (BatchStatus.PREPARED, 2500, [])
    (asked,) = mails("payouts.prepared")
    assert asked.recipient == owner.email
    with pytest.raises(InvalidTransition):
        payouts.sepa_file(business, staff, batch.pk)  # not before the owner approves
    with pytest.raises(PermissionDenied):
        payouts.approve_batch(business, staff, batch.pk)  # staff cannot approve money out

    payouts.approve_batch(business, owner, batch.pk)
    xml = payouts.sepa_file(business, staff, batch.pk)

    sepa.validate_pain001(xml)
    summary = sepa.summary(xml)
    assert summary["ctrl_sum_minor"] == batch.total_minor == 2500
    assert [(iban, cents) for _id, iban, cents in summary["transfers"]] == [(IBANS[0], 2500)]

    payouts.mark_sent(business, staff, batch.pk)
    wallet = selectors.wallet(peer)
    assert (wallet.payable, wallet.in_transit, wallet.paid) == (0, 2500, 0)
    (sent,) = mails("payouts.sent")
    assert sent.recipient == peer.user.email
    assert "0123456" not in sent.body_text  # the IBAN is masked

    payouts.mark_paid(business, staff, batch.pk)
    wallet = selectors.wallet(peer)
    assert (wallet.payable, wallet.in_transit, wallet.paid) == (0, 0, 2500)
    bank_account = ledger.house(AccountKind.BANK, "EUR").name
    assert ledger.shown_balances(business.pk, [(bank_account, "EUR")]) == {
        (bank_account, "EUR"): -2500
    }

    payout = batch.payouts.get()
    give_back(business, staff, payout.pk, reason="Account closed")
    wallet = selectors.wallet(peer)
    assert (wallet.payable, wallet.in_transit, wallet.paid) == (2500, 0, 0)
    (returned,) = mails("payouts.returned")
    assert returned.recipient == peer.user.email
    assert "Account closed" in returned.body_text
    assert Transaction.objects.filter(kind=TransactionKind.PAYOUT_RETURNED).count() == 2
    assert sound(business)


def test_an_owner_alone_approves_their_own_run_once_they_confirm_it(
    business, bank, owner, peer, program
):
    """A shop with one member can pay its peers: the owner prepares and approves, with an
    explicit confirmation instead of a second person."""
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    earns(business, peer, program, 2500)
    batch, _skipped = prepare(business, owner)

    with pytest.raises(InvalidInput) as unconfirmed:
        payouts.approve_batch(business, owner, batch.pk)
    assert [field for field, _m in unconfirmed.value.field_errors] == ["confirm"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED
    assert mails("payouts.prepared") == []  # nobody else to ask

    approved = payouts.approve_batch(business, owner, batch.pk, confirmed=True).value

    assert (approved.status, approved.approved_by, approved.approved_alone) == (
        BatchStatus.APPROVED,
        owner,
        True,
    )
    sepa.validate_pain001(payouts.sepa_file(business, owner, batch.pk))


def test_two_people_when_the_settings_ask_and_there_are_two(
    business, bank, owner, staff, peer, program
):
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    earns(business, peer, program, 2500)
    change_settings(business, owner, payouts_need_two_people=True)
    batch, _skipped = prepare(business, owner)

    with pytest.raises(PermissionDenied) as refused:
        payouts.approve_batch(business, owner, batch.pk, confirmed=True)

    assert "two people" in str(refused.value)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED
    payouts.cancel_batch(business, owner, batch.pk)
    # prepared by someone else, the owner approves it as usual, with no confirmation
    batch, _skipped = prepare(business, staff)
    approved = payouts.approve_batch(business, owner, batch.pk).value
    assert (approved.status, approved.approved_alone) == (BatchStatus.APPROVED, False)


def test_two_people_asked_for_by_a_lone_owner_do_not_lock_the_money(
    business, bank, owner, peer, program
):
    """The setting applies once there is a second member: alone, the owner still pays."""
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    earns(business, peer, program, 2500)
    change_settings(business, owner, payouts_need_two_people=True)
    batch, _skipped = prepare(business, owner)

    approved = payouts.approve_batch(business, owner, batch.pk, confirmed=True).value

    assert approved.status == BatchStatus.APPROVED


def test_a_peer_without_bank_details_is_left_out_and_listed(business, bank, staff, peer, program):
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    no_bank = PeerFactory(business=business)
    earns(business, peer, program, 2500)
    earns(business, no_bank, program, 3000)

    batch, skipped = prepare(business, staff)

    assert [p.peer for p in batch.payouts.all()] == [peer]
    assert [peer_id for peer_id, _why in skipped] == [no_bank.pk]
    assert "bank" in str(skipped[0][1])


def test_a_balance_under_the_payout_minimum_waits_for_a_later_run(
    business, bank, staff, peer, program
):
    small = PeerFactory(business=business)
    for someone in (peer, small):
        set_bank(someone, account_holder="Someone", iban=IBANS[0])
    earns(business, small, program, 1999)

    with pytest.raises(ValidationFailed, match="nothing to pay"):
        prepare(business, staff)

    earns(business, peer, program, 2000)
    batch, _skipped = prepare(business, staff)
    assert [p.peer for p in batch.payouts.all()] == [peer]
    assert selectors.wallet(small).payable == 1999


@pytest.mark.parametrize(
    ("iban", "says"),
    [
        (BAD_IBAN, "check digits"),
        ("DE00 1234", "22 characters"),
        ("BR1800360305000010009795493C1", "SEPA"),
        ("", "Enter an IBAN"),
    ],
)
def test_a_wrong_iban_is_refused_naming_the_field(business, owner, peer, iban, says):
    with pytest.raises(ValidationFailed, match=says) as peer_side:
        set_bank(peer, account_holder="Giulia Rossi", iban=iban)
    assert peer_side.value.field == "iban"

    with pytest.raises(ValidationFailed, match=says) as cause_side:
        add_cause(business, owner, name_it="Canile", account_holder="Amici del canile", iban=iban)
    assert cause_side.value.field == "iban"

    if iban:  # an empty IBAN in the settings means "not set yet"
        with pytest.raises(ValidationFailed, match=says) as settings_side:
            change_settings(business, owner, debtor_iban=iban)
        assert settings_side.value.field == "debtor_iban"


def test_bank_details_need_the_account_holder(peer):
    with pytest.raises(ValidationFailed) as refused:
        set_bank(peer, account_holder="  ", iban=IBANS[0])
    assert refused.value.field == "account_holder"


# --- the peer's side is an active peer's ------------------------------------------------------


@pytest.mark.parametrize("status", ["applicant", "rejected", "suspended"])
def test_a_peer_who_is_not_active_cannot_change_their_wallet(
    business, owner, peer, program, status
):
    """The services check it themselves (the pages ask the same rule before they show the
    wallet; the API's peer tokens refuse such a peer first)."""
    from peerarmy.peers.models import Peer, PeerStatus
    from peerarmy.rewards import inputs
    from peerarmy.rewards.models import PayoutDetails, Showcase

    change_settings(business, owner, points_per_euro=100)
    RuleFactory(program=program, reward=RewardKind.POINTS, amount=500)
    services.handle(business, occurrence(peer, program))
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus(status))
    peer.refresh_from_db()
    changes = [
        lambda: services.choose_reward_form(
            peer, inputs.RewardChoiceInput.parse({"form": "points"})
        ),
        lambda: services.set_payout_details(
            peer, inputs.PayoutDetailsInput.parse({"account_holder": "G", "iban": IBANS[0]})
        ),
        lambda: services.update_showcase(peer, inputs.ShowcasePageInput.parse({"public": True})),
        lambda: services.convert_points(peer, inputs.PointsConversionInput.parse({"points": 500})),
    ]

    for change in changes:
        with pytest.raises(PermissionDenied, match="not active"):
            change()

    assert not PeerRewardChoice.objects.filter(peer=peer).exists()
    assert not PayoutDetails.objects.filter(peer=peer).exists()
    assert not Showcase.objects.filter(peer=peer).exists()
    assert not Voucher.objects.filter(peer=peer).exists()
    assert selectors.wallet(peer).points == 500


def test_a_conversion_answers_its_voucher_and_what_is_left_on_it(business, owner, peer, program):
    from peerarmy.rewards import inputs

    change_settings(business, owner, points_per_euro=100)
    RuleFactory(program=program, reward=RewardKind.POINTS, amount=550)
    services.handle(business, occurrence(peer, program))

    made = services.convert_points(peer, inputs.PointsConversionInput.parse({"points": 550}))

    assert made.created and not made.replayed
    conversion = made.value
    assert (conversion.points, conversion.remaining_minor) == (500, 500)
    assert conversion.remaining_minor == selectors.voucher_remaining(conversion.voucher)


# --- the steps of a payout run are the batch's own ---------------------------------------------


def _batch_at(business, owner, staff, peer, program, status):
    """A batch of one payout, taken to `status` through the services."""
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    earns(business, peer, program, 2500)
    batch, _skipped = prepare(business, staff)
    if status == BatchStatus.CANCELLED:
        payouts.cancel_batch(business, staff, batch)
    for step, then in (
        (lambda: payouts.approve_batch(business, owner, batch), BatchStatus.APPROVED),
        (lambda: payouts.mark_sent(business, staff, batch), BatchStatus.SENT),
        (lambda: payouts.mark_paid(business, staff, batch), BatchStatus.PAID),
    ):
        if status in (BatchStatus.PREPARED, BatchStatus.CANCELLED):
            break
        step()
        if status == then:
            break
    return selectors.get_batch(business, batch.pk, with_lines=True)


@pytest.mark.parametrize("status", list(BatchStatus))
def test_a_batch_says_which_steps_it_may_take_and_the_services_agree(
    business, bank, owner, staff, peer, program, status
):
    """The batch page offers a step when the batch says it may take it
    (`PayoutBatch.can_approve`, ...); the services refuse exactly the others."""
    batch = _batch_at(business, owner, staff, peer, program, status)
    assert batch.status == status
    steps = {
        "can_approve": lambda: payouts.approve_batch(business, owner, batch.pk),
        "can_send": lambda: payouts.mark_sent(business, staff, batch.pk),
        "can_mark_paid": lambda: payouts.mark_paid(business, staff, batch.pk),
        "can_cancel": lambda: payouts.cancel_batch(business, staff, batch.pk),
        "has_file": lambda: payouts.sepa_file(business, staff, batch.pk),
    }

    for may, step in steps.items():
        try:
            with transaction.atomic():
                step()
                raise _Undo
        except _Undo:
            allowed = True
        except InvalidTransition:
            allowed = False
        assert allowed == getattr(batch, may), (status, may)
    (line,) = batch.lines
    try:
        with transaction.atomic():
            give_back(business, staff, line.pk, reason="Account closed")
            raise _Undo
    except _Undo:
        returned = True  # allowed, then rolled back
    except InvalidTransition:
        returned = False
    assert returned == line.can_return, status


class _Undo(Exception):
    """Take back a step that was allowed, so that the next one starts from the same batch."""


def test_each_step_answers_the_batch_with_its_payouts(business, bank, owner, staff, peer, program):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    earns(business, peer, program, 2500)
    prepared = payouts.prepare_batch(business, staff).value.batch

    assert prepared.payout_count == 1 and prepared.lines[0].pk is not None
    for step, actor in (
        (payouts.approve_batch, owner),
        (payouts.mark_sent, staff),
        (payouts.mark_paid, staff),
    ):
        batch = step(business, actor, prepared.pk).value
        with CaptureQueriesContext(connection) as reads:
            lines = [(line.pk, line.status, line.batch_id) for line in batch.lines]
        assert reads.captured_queries == []  # what the adapters show, without reading again
        assert batch.payout_count == 1
        assert lines == [(p.pk, p.status, p.batch_id) for p in selectors.batch_lines(batch)]
