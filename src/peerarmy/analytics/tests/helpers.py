"""A shift done and paid, as the dashboard's tests need them: a block, its completed claims
and each rider's posted cash reward (the rows the figures are made from)."""

from datetime import timedelta

from peerarmy.rewards.models import Reward, RewardStatus
from peerarmy.scheduling.models import Block, Claim, ClaimStatus


def paid_shift(business, program, starts, riders, *, hours=2, reward_minor=3000, capacity=None):
    block = Block.objects.create(
        business=business,
        program=program,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity or len(riders),
    )
    for rider in riders:
        Claim.objects.create(
            business=business,
            block=block,
            peer=rider,
            status=ClaimStatus.COMPLETED,
            starts_at=block.starts_at,
            ends_at=block.ends_at,
        )
        Reward.objects.create(
            business=business,
            key=f"shift:{block.pk}:{rider.pk}",
            program=program,
            peer=rider,
            event="block.completed",
            kind="cash",
            amount=reward_minor,
            unit="EUR",
            status=RewardStatus.POSTED,
            budget_minor=reward_minor,
            created_at=block.ends_at,
        )
    return block
