"""The books stay sound whatever happens, in whatever order: a hypothesis state machine runs
random sequences of rewards (some over budget, some in the form the peer chose), repeated
causes, the owner's decisions, corrections, redemptions at the till, points conversions and
payout runs, and after every step checks the ledger's invariants and that every balance is
what a simple model of the business says it should be."""

import dataclasses
from collections import defaultdict

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from peerarmy.errors import ValidationFailed
from peerarmy.inputs import InvalidInput
from peerarmy.rewards import checks, ledger, payouts, sepa, services
from peerarmy.rewards.models import (
    Account,
    AccountKind,
    Balance,
    BatchKind,
    BatchStatus,
    BudgetMonth,
    Entry,
    Event,
    Payout,
    PayoutStatus,
    PeerRewardChoice,
    Reward,
    RewardKind,
    RewardStatus,
    Transaction,
    TransactionKind,
    Voucher,
)
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)

from .factories import (
    IBANS,
    CauseFactory,
    add_rule,
    change_program_rewards,
    change_settings,
    choose_form,
    convert,
    correct,
    decline,
    give_back,
    prepare,
    redeem,
    set_bank,
)

pytestmark = pytest.mark.django_db

RATE = 150  # points for one euro of voucher: not 100, so that rounding shows
MINIMUM = 500  # the payout minimum, in cents
BUDGETS = (6000, 4000)  # the two programs' monthly budgets, in cents
FORMS = PeerRewardChoice.Form.values
CORRECTABLE = (TransactionKind.REWARD, TransactionKind.REDEMPTION, TransactionKind.CONVERSION)


class Books(RuleBasedStateMachine):
    """One fresh business per example (the database is not rolled back between examples):
    three peers, two programs with small budgets; the first lets peers choose the form of
    their rewards and pays what the block promised, the second pays 10 € and the block's
    points. Peer 3 has no bank account."""

    @initialize(forms=st.lists(st.sampled_from(FORMS), min_size=3, max_size=3))
    def open_the_shop(self, forms):
        b = self.business = BusinessFactory()
        self.owner = OwnerFactory(business=b).user
        self.staff = MembershipFactory(business=b).user
        change_settings(
            b,
            self.owner,
            payout_minimum_minor=MINIMUM,
            points_per_euro=RATE,
            debtor_name="Bici Gialla srl",
            debtor_iban=IBANS[1],
        )
        self.cause = CauseFactory(business=b)
        self.peers = [PeerFactory(business=b) for _ in range(3)]
        for peer, iban in zip(self.peers[:2], IBANS, strict=False):
            set_bank(peer, account_holder=peer.display_name, iban=iban)
        self.programs = [ProgramFactory(business=b), ProgramFactory(business=b)]
        chooser, plain = self.programs
        change_program_rewards(
            b, self.owner, chooser, monthly_budget_minor=BUDGETS[0], peer_chooses=True
        )
        change_program_rewards(b, self.owner, plain, monthly_budget_minor=BUDGETS[1])
        done = Event.BLOCK_COMPLETED
        self.rules = {
            chooser.pk: [
                add_rule(
                    b, self.owner, chooser, event=done, reward=RewardKind.CASH, from_event=True
                )
            ],
            plain.pk: [
                add_rule(b, self.owner, plain, event=done, reward=RewardKind.CASH, amount=1000),
                add_rule(
                    b, self.owner, plain, event=done, reward=RewardKind.POINTS, from_event=True
                ),
            ],
        }
        self.limit = {chooser.pk: BUDGETS[0], plain.pk: BUDGETS[1]}
        self.when = timezone.now()
        # The model: what every floored account should show, by account name; what is in
        # transit; what each program spent this month; the held rewards; the causes fired and
        # the rewards each granted.
        self.owed = defaultdict(int)
        self.in_transit = 0
        self.spent = {p.pk: 0 for p in self.programs}
        self.held = {}  # reward id -> (program id, budget)
        self.choice = {p.pk: PeerRewardChoice.Form.CASH for p in self.peers}
        for peer, form in zip(self.peers, forms, strict=True):
            self._choose(peer, form)
        self.fired = []  # (occurrence, {reward ids})
        self.batches = {}  # batch id -> [who prepared it, status]

    # --- helpers -------------------------------------------------------------------------

    def _credited(self, reward) -> str:
        """The account name a posted reward credits."""
        if reward.kind == RewardKind.CASH:
            return ledger.peer_payable(reward.peer_id, "EUR").name
        if reward.kind == RewardKind.POINTS:
            return ledger.peer_points(reward.peer_id).name
        if reward.kind == RewardKind.DONATION:
            return ledger.donations_payable(reward.cause_id, "EUR").name
        code = reward.transaction.reason_args["voucher"]
        return ledger.voucher_account(code, "EUR").name

    def _expected_grants(self, occ):
        """[(rule id, kind, amount, unit, posted?, budget)] as the rules, the peer's choice and
        the budget say; updates the model's spending."""
        grants = []
        for r in self.rules[occ.program_id]:
            if r.reward == RewardKind.POINTS:
                kind, amount, unit = RewardKind.POINTS, occ.points, "PTS"
            else:
                kind, unit = RewardKind.CASH, "EUR"
                amount = occ.amount_minor if r.from_event else r.amount
            if amount <= 0:
                continue
            if kind == RewardKind.CASH and occ.program_id == self.programs[0].pk:
                form = self.choice[occ.peer_id]
                if form == PeerRewardChoice.Form.POINTS:
                    kind, amount, unit = RewardKind.POINTS, amount * RATE // 100, "PTS"
                elif form == PeerRewardChoice.Form.CREDIT:
                    kind = RewardKind.VOUCHER
                elif form == PeerRewardChoice.Form.DONATION:
                    kind = RewardKind.DONATION
            budget = -(-amount * 100 // RATE) if kind == RewardKind.POINTS else amount
            posted = self.spent[occ.program_id] + budget <= self.limit[occ.program_id]
            if posted:
                self.spent[occ.program_id] += budget
            grants.append((r.pk, kind, amount, unit, posted, budget))
        return grants

    def _snapshot(self):
        return (
            Transaction.objects.filter(business=self.business).count(),
            # accounts may appear on first use (with zero balances): only money counts
            sorted(
                Balance.objects.filter(account__business=self.business)
                .exclude(amount=0)
                .values_list("account_id", "slot", "amount")
            ),
            sorted(Reward.objects.filter(business=self.business).values_list("pk", "status")),
        )

    def _owed_name(self, payout):
        if payout.peer_id:
            return ledger.peer_payable(payout.peer_id, "EUR").name
        return ledger.donations_payable(payout.cause_id, "EUR").name

    # --- rewards -------------------------------------------------------------------------

    @rule(
        blocks=st.lists(
            st.tuples(
                st.integers(0, 2),  # which peer
                st.integers(0, 1),  # which program
                st.sampled_from([0, 250, 800, 1200, 2500, 4100]),  # what the block promised
                st.integers(0, 400),  # its points
            ),
            min_size=1,
            max_size=4,
        )
    )
    def blocks_are_completed(self, blocks):
        for peer, program, amount, points in blocks:
            self._complete(self.peers[peer], self.programs[program], amount, points)

    def _complete(self, peer, program, amount, points):
        occ = services.Occurrence(
            event=Event.BLOCK_COMPLETED,
            key=f"block.completed:{len(self.fired) + 1}",
            peer_id=peer.pk,
            program_id=program.pk,
            occurred_at=self.when,
            minutes=180,
            amount_minor=amount,
            points=points,
        )
        expected = self._expected_grants(occ)

        granted = services.handle(self.business, occ)

        assert [
            (g.rule_id, g.kind, g.amount, g.unit, g.status == RewardStatus.POSTED, g.budget_minor)
            for g in granted
        ] == expected
        for reward in granted:
            event(f"reward {reward.kind} {reward.status}")
            if reward.status == RewardStatus.POSTED:
                self.owed[self._credited(reward)] += reward.amount
            else:
                self.held[reward.pk] = (reward.program_id, reward.budget_minor)
        self.fired.append((occ, {g.pk for g in granted}))

    @precondition(lambda self: self.fired)
    @rule(data=st.data(), changed=st.booleans())
    def the_same_block_completed_again(self, data, changed):
        occ, rewards = data.draw(st.sampled_from(self.fired))
        if changed:  # a retry whose payload differs still pays once
            occ = dataclasses.replace(occ, amount_minor=occ.amount_minor + 100)
        before = self._snapshot()

        granted = services.handle(self.business, occ)

        assert {g.pk for g in granted} == rewards
        assert self._snapshot() == before

    def _choose(self, peer, form):
        choose_form(
            peer, form=form, cause=self.cause if form == PeerRewardChoice.Form.DONATION else None
        )
        self.choice[peer.pk] = form

    @rule(peer=st.integers(0, 2), form=st.sampled_from(FORMS))
    def a_peer_chooses_how_to_be_rewarded(self, peer, form):
        self._choose(self.peers[peer], form)

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def the_owner_pays_a_held_reward(self, data):
        reward_id = data.draw(st.sampled_from(sorted(self.held)))
        program_id, budget = self.held.pop(reward_id)

        reward = services.approve_held_reward(self.business, self.owner, reward_id).value
        event("held reward paid")

        assert reward.status == RewardStatus.POSTED
        self.spent[program_id] += budget  # over the budget: the owner said so
        self.owed[self._credited(reward)] += reward.amount

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def the_owner_declines_a_held_reward(self, data):
        reward_id = data.draw(st.sampled_from(sorted(self.held)))
        before = self._snapshot()[:2]

        reward = decline(self.business, self.owner, reward_id, reason="Over budget this month")

        assert reward.status == RewardStatus.DECLINED
        del self.held[reward_id]
        assert self._snapshot()[:2] == before  # nothing posted

    # --- corrections ---------------------------------------------------------------------

    @rule(data=st.data())
    def the_owner_corrects_a_transaction(self, data):
        candidates = list(
            Transaction.objects.filter(
                business=self.business, kind__in=CORRECTABLE, reversed_by__isnull=True
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not candidates:
            return
        txn_id = data.draw(st.sampled_from(candidates))
        # Reversing gives back what the original took: each floored account's shown balance
        # moves by the original entry's amount (liabilities are credit-normal).
        moves = [
            (name, amount)
            for name, amount, floored in Entry.objects.filter(transaction_id=txn_id).values_list(
                "account__name", "amount", "account__floored"
            )
            if floored
        ]
        fits = all(self.owed[name] + amount >= 0 for name, amount in moves)
        before = self._snapshot()

        event(f"correction {'fits' if fits else 'refused'}")
        if not fits:
            with pytest.raises(ledger.InsufficientBalance):
                correct(self.business, self.owner, txn_id, memo="Entered twice")
            assert self._snapshot() == before
            return
        reversal = correct(self.business, self.owner, txn_id, memo="Entered twice")
        assert reversal.reverses_id == txn_id
        for name, amount in moves:
            self.owed[name] += amount

    # --- vouchers and points -------------------------------------------------------------

    def _vouchers(self):
        # In the order they were issued: their codes are random, so sorting by code would
        # make a replay pick another voucher (and hypothesis call the strategy flaky).
        return list(
            Voucher.objects.filter(
                business=self.business,
                code__in=[
                    name.removeprefix("liabilities:vouchers:")
                    for name in self.owed
                    if name.startswith("liabilities:vouchers:")
                ],
            )
            .order_by("pk")
            .values_list("code", flat=True)
        )

    @precondition(lambda self: any(n.startswith("liabilities:vouchers:") for n in self.owed))
    @rule(data=st.data())
    def a_voucher_is_redeemed_at_the_till(self, data):
        code = data.draw(st.sampled_from(self._vouchers()))
        name = ledger.voucher_account(code, "EUR").name
        left = self.owed[name]
        amount = data.draw(st.one_of(st.just(max(left, 1)), st.integers(1, left + 500)))
        before = self._snapshot()

        event(f"redemption {'refused' if amount > left else 'fits'}")
        if amount > left:
            with pytest.raises(ledger.InsufficientBalance):
                redeem(self.business, self.staff, code, amount)
            assert self._snapshot() == before
            return
        redeem(self.business, self.staff, code.lower(), amount)
        self.owed[name] -= amount

    @rule(peer=st.integers(0, 2), data=st.data())
    def a_peer_converts_points(self, peer, data):
        peer = self.peers[peer]
        name = ledger.peer_points(peer.pk).name
        have = self.owed[name]
        asked = data.draw(st.one_of(st.just(max(have, 1)), st.integers(1, have + 2 * RATE)))
        whole = asked - asked % RATE
        before = self._snapshot()

        if asked < RATE:
            with pytest.raises(ValidationFailed) as refused:
                convert(peer, asked)
            assert refused.value.field == "points"
        elif whole > have:
            with pytest.raises(ledger.InsufficientBalance):
                convert(peer, asked)
        else:
            voucher = convert(peer, asked)
            event("points converted")
            assert voucher.value_minor == whole // RATE * 100
            self.owed[name] -= whole
            self.owed[ledger.voucher_account(voucher.code, "EUR").name] += voucher.value_minor
            return
        assert self._snapshot() == before

    # --- payouts -------------------------------------------------------------------------

    def _in(self, *statuses):
        return sorted(b for b, (_who, status) in self.batches.items() if status in statuses)

    def _busy(self):
        return {
            p.peer_id or ("cause", p.cause_id)
            for p in Payout.objects.filter(business=self.business, status__in=payouts.OPEN_PAYOUT)
        }

    def _anything_owed(self):
        return any(
            value > 0
            for name, value in self.owed.items()
            if name.endswith(":payable") or name.startswith("liabilities:donations:")
        )

    def _prepare(self, kind, actor):
        busy = self._busy()
        lines, skipped = set(), []
        if kind == BatchKind.PEERS:
            for peer in self.peers:
                owed = self.owed[ledger.peer_payable(peer.pk, "EUR").name]
                if peer.pk in busy or owed < MINIMUM:
                    continue
                if peer is self.peers[2]:  # no bank account
                    skipped.append(peer.pk)
                else:
                    lines.add((peer.pk, None, owed))
        else:  # every donation owed, however small
            owed = self.owed[ledger.donations_payable(self.cause.pk, "EUR").name]
            if owed > 0 and ("cause", self.cause.pk) not in busy:
                lines.add((None, self.cause.pk, owed))

        event(f"payout run of {kind}: {'prepared' if lines else 'nothing to pay'}")
        if not lines:
            with pytest.raises(ValidationFailed):
                prepare(self.business, actor, kind=kind)
            return None
        batch, left_out = prepare(self.business, actor, kind=kind)

        assert {(p.peer_id, p.cause_id, p.amount_minor) for p in batch.payouts.all()} == lines
        assert batch.total_minor == sum(amount for *_, amount in lines)
        assert [peer_id for peer_id, _why in left_out] == skipped
        self.batches[batch.pk] = [actor, BatchStatus.PREPARED]
        return batch.pk

    def _approve(self, batch_id):
        own = self.batches[batch_id][0] == self.owner
        event(f"approval {'of an own batch, confirmed' if own else 'given'}")
        if own:  # the owner's own run: only once they confirm it (no two-people setting)
            with pytest.raises(InvalidInput):
                payouts.approve_batch(self.business, self.owner, batch_id)
        batch = payouts.approve_batch(self.business, self.owner, batch_id, confirmed=own).value
        assert batch.approved_alone == own
        assert batch.status == BatchStatus.APPROVED
        self.batches[batch_id][1] = BatchStatus.APPROVED
        summary = sepa.summary(payouts.sepa_file(self.business, self.staff, batch_id))
        assert summary["ctrl_sum_minor"] == batch.total_minor
        return True

    def _send(self, batch_id):
        lines = list(Payout.objects.filter(batch_id=batch_id, status=PayoutStatus.INCLUDED))
        fits = all(self.owed[self._owed_name(p)] >= p.amount_minor for p in lines)
        before = self._snapshot()

        event(f"run sent: {'fits' if fits else 'refused, a balance no longer covers it'}")
        if not fits:  # a correction took the balance below the payout since it was prepared
            with pytest.raises(ledger.InsufficientBalance):
                payouts.mark_sent(self.business, self.staff, batch_id)
            assert self._snapshot() == before
            return False
        payouts.mark_sent(self.business, self.staff, batch_id)
        self.batches[batch_id][1] = BatchStatus.SENT
        for payout in lines:
            self.owed[self._owed_name(payout)] -= payout.amount_minor
            self.in_transit += payout.amount_minor
        return True

    def _pay(self, batch_id):
        leaving = Payout.objects.filter(batch_id=batch_id, status=PayoutStatus.SENT).aggregate(
            total=Sum("amount_minor")
        )["total"]
        payouts.mark_paid(self.business, self.staff, batch_id)
        event("run paid")
        self.batches[batch_id][1] = BatchStatus.PAID
        self.in_transit -= leaving or 0

    def _return(self, payout):
        give_back(self.business, self.staff, payout.pk, reason="Account closed")
        event(f"payout returned after {payout.status}")
        self.owed[self._owed_name(payout)] += payout.amount_minor
        if payout.status == PayoutStatus.SENT:
            self.in_transit -= payout.amount_minor

    @precondition(_anything_owed)
    @rule(
        kind=st.sampled_from([BatchKind.PEERS, BatchKind.DONATIONS]),
        by_owner=st.sampled_from([False, False, True]),
        stages=st.integers(1, 4),
    )
    def a_payout_run(self, kind, by_owner, stages):
        """Prepared, and as far as `stages` says: approved, sent, paid."""
        batch_id = self._prepare(kind, self.owner if by_owner else self.staff)
        steps = [self._approve, self._send, self._pay][: stages - 1]
        for step in steps:
            if batch_id is None or step(batch_id) is False:
                return

    @precondition(lambda self: self._in(BatchStatus.PREPARED))
    @rule(data=st.data())
    def the_owner_approves_a_run(self, data):
        self._approve(data.draw(st.sampled_from(self._in(BatchStatus.PREPARED))))

    @precondition(lambda self: self._in(BatchStatus.PREPARED, BatchStatus.APPROVED))
    @rule(data=st.data())
    def staff_cancel_a_run(self, data):
        batch_id = data.draw(st.sampled_from(self._in(BatchStatus.PREPARED, BatchStatus.APPROVED)))
        before = self._snapshot()[:2]
        payouts.cancel_batch(self.business, self.staff, batch_id)
        assert self._snapshot()[:2] == before
        self.batches[batch_id][1] = BatchStatus.CANCELLED

    @precondition(lambda self: self._in(BatchStatus.APPROVED))
    @rule(data=st.data())
    def staff_send_a_run_to_the_bank(self, data):
        self._send(data.draw(st.sampled_from(self._in(BatchStatus.APPROVED))))

    @precondition(lambda self: self._in(BatchStatus.SENT))
    @rule(data=st.data())
    def the_bank_pays_a_run(self, data):
        self._pay(data.draw(st.sampled_from(self._in(BatchStatus.SENT))))

    @precondition(lambda self: self._in(BatchStatus.SENT, BatchStatus.PAID))
    @rule(data=st.data())
    def the_bank_returns_a_payout(self, data):
        out = list(
            Payout.objects.filter(
                business=self.business, status__in=[PayoutStatus.SENT, PayoutStatus.PAID]
            ).order_by("pk")
        )
        if out:
            self._return(data.draw(st.sampled_from(out)))

    # --- after every step ----------------------------------------------------------------

    @invariant()
    def the_books_are_sound(self):
        assert checks.check_business(self.business.pk) == []
        assert set(checks.totals_by_unit(self.business.pk).values()) <= {0}

    @invariant()
    def every_running_balance_is_the_sum_of_its_entries(self):
        accounts = list(Account.objects.filter(business=self.business))
        sums = dict(
            Entry.objects.filter(business=self.business)
            .values("account")
            .annotate(total=Sum("amount"))
            .values_list("account", "total")
        )
        for account in accounts:
            assert ledger.balance(account.business_id, account.pk) == sums.get(account.pk, 0), (
                account.name
            )

    @invariant()
    def every_balance_is_what_the_model_says(self):
        floored = list(
            Account.objects.filter(business=self.business, floored=True).values_list("name", "unit")
        )
        shown = ledger.shown_balances(self.business.pk, floored)
        for (name, _unit), value in shown.items():
            assert value >= 0, name  # no peer, voucher or cause below zero
            assert value == self.owed[name], name
        assert {n for n, v in self.owed.items() if v} <= {n for n, _u in floored}
        transit = ledger.shown_balances(
            self.business.pk, [(ledger.house(AccountKind.IN_TRANSIT, "EUR").name, "EUR")]
        )
        assert sum(transit.values()) == self.in_transit
        in_sent = Payout.objects.filter(business=self.business, status=PayoutStatus.SENT).aggregate(
            total=Sum("amount_minor")
        )["total"]
        assert (in_sent or 0) == self.in_transit

    @invariant()
    def budgets_and_held_rewards_are_what_the_model_says(self):
        spent = {}
        for program_id, amount in BudgetMonth.objects.filter(business=self.business).values_list(
            "program_id", "spent_minor"
        ):
            spent[program_id] = spent.get(program_id, 0) + amount
        assert {p: s for p, s in self.spent.items() if s} == {p: s for p, s in spent.items() if s}
        held = Reward.objects.filter(business=self.business, status=RewardStatus.HELD)
        assert set(held.values_list("pk", flat=True)) == set(self.held)

    @invariant()
    def a_cause_never_pays_twice(self):
        keys = list(Transaction.objects.filter(business=self.business).values_list("key", "kind"))
        assert len(keys) == len({key for key, _kind in keys})
        rewards = list(
            Reward.objects.filter(business=self.business).values_list("pk", "key", "status")
        )
        assert len(rewards) == len({key for _pk, key, _status in rewards})
        # every reward belongs to the cause that granted it, and only the posted ones have a
        # reward transaction: one each
        by_cause = defaultdict(set)
        for pk, key, _status in rewards:
            by_cause[key.rsplit(":rule-", 1)[0]].add(pk)
        assert by_cause == {occ.key: pks for occ, pks in self.fired if pks}
        posted = {key for _pk, key, status in rewards if status == RewardStatus.POSTED}
        assert {key for key, kind in keys if kind == TransactionKind.REWARD} == posted


def test_the_books_stay_sound_whatever_happens(db):
    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
