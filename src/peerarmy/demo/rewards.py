"""The demo's books: five weeks of completed blocks paid through the reward rules, donations,
shop credit, a paid payout batch, one waiting, and a held reward."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.tenancy.models import Membership, Role

from .scheduling import DELIVERY_PLACE


def _demo_iban(number):
    from schwifty import IBAN

    return str(IBAN.generate("IT", bank_code="0306909606", account_code=f"{number:012d}"))


def load_rewards_history(business, now):
    """The past five weeks of delivery blocks, claimed and completed: the reward rules paid
    them (cash, points on weekends, badges at ten), some riders gave theirs to a cause, one
    took shop credit and spent part of it, last month's payouts were approved and paid, this
    month's run waits for the owner's approval, and the month's budget held the last rewards."""
    from peerarmy.rewards import payouts, selectors
    from peerarmy.rewards import services as rewards
    from peerarmy.rewards.inputs import (
        BadgeInput,
        CauseInput,
        NewRuleInput,
        PayoutDetailsInput,
        ProgramRewardsInput,
        RewardChoiceInput,
        RewardSettingsInput,
        VoucherRedemptionInput,
    )
    from peerarmy.rewards.models import Condition, Event, RewardKind
    from peerarmy.scheduling.models import Block, BlockStatus, Claim, ClaimStatus
    from peerarmy.scheduling.services import complete_claim

    program = Program.objects.get(business=business, kind=ProgramKind.DELIVERY)
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    staff = Membership.objects.filter(business=business, role=Role.STAFF).first().user
    settings = RewardSettingsInput.of(selectors.settings_of(business))
    rewards.update_settings(
        business,
        owner,
        settings.changed(
            debtor_name="Bici Gialla Srl",
            debtor_iban="IT60 X054 2811 1010 0000 0123 456",
            debtor_bic="BLOPIT22",
            payout_minimum_minor=2000,
            points_per_euro=100,
            yearly_ceiling_minor=500000,
        ),
    )
    food_bank = rewards.create_cause(
        business,
        owner,
        CauseInput(
            name_it="Banco alimentare di Bologna",
            name_en="Bologna food bank",
            account_holder="Banco Alimentare Bologna ODV",
            iban=_demo_iban(900001),
            description_it="Pasti per chi ne ha bisogno, consegnati in bici.",
            description_en="Meals for people in need, delivered by bike.",
        ),
    ).value
    rewards.create_cause(
        business,
        owner,
        CauseInput(
            name_it="Ciclofficina popolare",
            name_en="Community bike workshop",
            account_holder="Ciclofficina Popolare APS",
            iban=_demo_iban(900002),
        ),
    )
    ten = rewards.create_badge(
        business,
        owner,
        BadgeInput(
            slug="ten-deliveries",
            name_it="10 consegne",
            name_en="10 deliveries",
            description_it="Dieci turni di consegna completati.",
            description_en="Ten delivery blocks completed.",
        ),
    ).value
    for rule in (
        NewRuleInput(
            program_id=program.pk,
            event=Event.BLOCK_COMPLETED,
            reward=RewardKind.CASH,
            from_event=True,
        ),
        NewRuleInput(
            program_id=program.pk,
            event=Event.BLOCK_COMPLETED,
            condition=Condition.WEEKEND,
            reward=RewardKind.POINTS,
            amount=50,
        ),
        NewRuleInput(
            program_id=program.pk,
            event=Event.BLOCK_COMPLETED,
            condition=Condition.NTH,
            threshold=10,
            reward=RewardKind.BADGE,
            badge_id=ten.pk,
        ),
    ):
        rewards.create_rule(business, owner, rule)
    rewards.update_program_rewards(
        business, owner, program, ProgramRewardsInput(monthly_budget_minor=None, peer_chooses=True)
    )

    riders = list(
        Peer.objects.filter(
            business=business, status=PeerStatus.ACTIVE, skills__slug="cargo-bike-delivery"
        )
        .select_related("user")
        .order_by("pk")
    )
    for i, peer in enumerate(riders):
        if i % 7 != 6:  # most riders gave their bank details; one in seven has not yet
            rewards.set_payout_details(
                peer,
                PayoutDetailsInput(
                    account_holder=peer.display_name, iban=_demo_iban(100000 + peer.pk)
                ),
            )
    donors, credit = riders[1:4:2], riders[5]
    for peer in donors:
        rewards.choose_reward_form(peer, RewardChoiceInput(form="donation", cause_id=food_bank.pk))
    rewards.choose_reward_form(credit, RewardChoiceInput(form="credit"))

    # Five weeks of blocks before today, each claimed by one or two riders.
    today = timezone.localtime(now, business.tzinfo).date()
    rng = random.Random(1989)
    history = []
    for days_ago in range(35, 0, -1):
        day = today - timedelta(days=days_ago)
        for hour, minutes, reward in ((8, 240, 4800), (15, 120, 2400)):
            starts = datetime.combine(day, time(hour), tzinfo=business.tzinfo)
            block = Block.objects.create(
                business=business,
                program=program,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                capacity=2,
                seats_taken=0,
                status=BlockStatus.OPEN,
                reward_minor=reward,
                reward_currency="EUR",
                released_at=starts - timedelta(days=7),
                **DELIVERY_PLACE,
            )
            for peer in rng.sample(riders, 2 if rng.random() < 0.5 else 1):
                block.seats_taken += 1
                history.append(
                    Claim.objects.create(
                        business=business,
                        block=block,
                        peer=peer,
                        status=ClaimStatus.ACTIVE,
                        starts_at=block.starts_at,
                        ends_at=block.ends_at,
                        claimed_at=block.starts_at - timedelta(days=3),
                        checked_in_at=block.starts_at,
                        checked_out_at=block.ends_at,
                    )
                )
            block.save(update_fields=["seats_taken"])
    history.sort(key=lambda c: c.starts_at)
    month_start = today.replace(day=1)
    earlier = [c for c in history if timezone.localtime(c.starts_at).date() < month_start]
    this_month = [c for c in history if c not in earlier]
    if len(earlier) < 10:  # early in the month: pay the first half as "last month"
        earlier, this_month = history[: len(history) // 2], history[len(history) // 2 :]

    def complete(claim):
        complete_claim(business, owner, claim, now=claim.ends_at + timedelta(minutes=20))

    for claim in earlier:
        complete(claim)
    paid_batch = payouts.prepare_batch(business, staff).value.batch
    payouts.approve_batch(business, owner, paid_batch)
    payouts.mark_sent(business, staff, paid_batch)
    payouts.mark_paid(business, staff, paid_batch)

    # This month the owner set a budget; the last rewards of the month went over it.
    last = this_month[-2:]
    for claim in this_month[:-2]:
        complete(claim)
    used = selectors.spent_this_month(business, program, now=now)
    rewards.update_program_rewards(
        business,
        owner,
        program,
        ProgramRewardsInput(monthly_budget_minor=used + 3000, peer_chooses=True),
    )
    for claim in last:
        complete(claim)
    payouts.prepare_batch(business, staff)  # waits for the owner's approval

    # The rider who took shop credit spent part of a voucher at the till.
    from peerarmy.rewards.models import Voucher

    voucher = Voucher.objects.filter(business=business, peer=credit).order_by("pk").first()
    if voucher is not None:
        rewards.redeem_voucher(
            business,
            staff,
            VoucherRedemptionInput(code=voucher.code, amount_minor=voucher.value_minor // 2),
        )
    return len(history)
