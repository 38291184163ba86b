"""Factories for rewards tests: causes, badges, rules, bank details, the occurrences that pay
(an event as the rules see it), and each change made through its typed input."""

from datetime import datetime

import factory
from django.utils import timezone

from peerarmy.rewards import inputs, payouts, selectors, services
from peerarmy.rewards.models import Badge, Cause, Event, PayoutDetails, RewardKind, RewardRule
from peerarmy.rewards.services import Occurrence
from peerarmy.tenancy.tests.factories import BusinessFactory, PeerFactory, ProgramFactory

# Real IBANs from the banks' documentation: the checksum is right.
IBANS = [
    "IT60X0542811101000000123456",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
]
BAD_IBAN = "IT60X0542811101000000123457"  # one digit off: the check digits are wrong


class CauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cause

    business = factory.SubFactory(BusinessFactory)
    name_it = factory.Sequence(lambda n: f"Canile di quartiere {n}")
    name_en = factory.Sequence(lambda n: f"Neighbourhood dog shelter {n}")
    account_holder = "Associazione Amici del Canile"
    iban = IBANS[3]


class BadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Badge

    business = factory.SubFactory(BusinessFactory)
    slug = factory.Sequence(lambda n: f"badge-{n}")
    name_it = factory.Sequence(lambda n: f"Distintivo {n}")
    name_en = factory.Sequence(lambda n: f"Badge {n}")


class RuleFactory(factory.django.DjangoModelFactory):
    """A rule as the owner's form saves it: on a completed block, pay 15 € (use services
    .create_rule where the validation itself is under test)."""

    class Meta:
        model = RewardRule

    program = factory.SubFactory(ProgramFactory)
    business = factory.SelfAttribute("program.business")
    event = Event.BLOCK_COMPLETED
    reward = RewardKind.CASH
    amount = 1500


class PayoutDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutDetails

    peer = factory.SubFactory(PeerFactory)
    business = factory.SelfAttribute("peer.business")
    account_holder = factory.LazyAttribute(lambda o: o.peer.display_name or "Peer")
    iban = IBANS[0]


_counter = iter(range(1, 10**9))


def occurrence(
    peer,
    program,
    *,
    key: str | None = None,
    when: datetime | None = None,
    amount_minor: int = 2500,
    points: int = 10,
    minutes: int = 180,
    event: str = Event.BLOCK_COMPLETED,
) -> Occurrence:
    """One completed block for `peer` in `program`; a fresh cause unless `key` is given."""
    return Occurrence(
        event=event,
        key=key or f"{event}:test-{next(_counter)}",
        peer_id=peer.pk,
        program_id=program.pk,
        occurred_at=when or timezone.now(),
        minutes=minutes,
        amount_minor=amount_minor,
        points=points,
    )


# --- changes through their typed inputs -------------------------------------------------------
# What the console and the API do: the input is parsed from plain values (so a test of a rule
# sees the input's errors), then the service runs with it. Each returns what the service made.


def _cause_id(cause):
    return getattr(cause, "pk", cause) or None


def change_settings(business, owner, **changes):
    current = inputs.RewardSettingsInput.of(selectors.settings_of(business)).model_dump()
    data = inputs.RewardSettingsInput.parse({**current, **changes})
    return services.update_settings(business, owner, data).value


def change_program_rewards(business, owner, program, **changes):
    found = selectors.program_rewards_of(business, program)
    current = inputs.ProgramRewardsInput.of(found).model_dump()
    data = inputs.ProgramRewardsInput.parse({**current, **changes})
    return services.update_program_rewards(business, owner, program, data).value


def add_cause(business, owner, **fields):
    return services.create_cause(business, owner, inputs.CauseInput.parse(fields)).value


def add_badge(business, owner, **fields):
    return services.create_badge(business, owner, inputs.BadgeInput.parse(fields)).value


def _rule_fields(fields):
    for name in ("badge", "cause"):
        if name in fields:
            fields[f"{name}_id"] = _cause_id(fields.pop(name))
    return fields


def add_rule(business, actor, program, **fields):
    data = inputs.NewRuleInput.parse({"program_id": program.pk, **_rule_fields(fields)})
    return services.create_rule(business, actor, data).value


def change_rule(business, actor, rule, **changes):
    current = inputs.RuleChange.of(rule).model_dump()
    data = inputs.RuleChange.parse({**current, **_rule_fields(changes)})
    return services.update_rule(business, actor, rule, data).value


def choose_form(peer, *, form, cause=None):
    data = inputs.RewardChoiceInput.parse({"form": form, "cause_id": _cause_id(cause)})
    return services.choose_reward_form(peer, data).value


def set_bank(peer, **fields):
    return services.set_payout_details(peer, inputs.PayoutDetailsInput.parse(fields)).value


def convert(peer, points, **kwargs):
    data = inputs.PointsConversionInput.parse({"points": points})
    return services.convert_points(peer, data, **kwargs).value.voucher


def redeem(business, actor, code, amount_minor, **kwargs):
    """The redemption's transaction."""
    data = inputs.VoucherRedemptionInput.parse({"code": code, "amount_minor": amount_minor})
    return services.redeem_voucher(business, actor, data, **kwargs).value.transaction


def correct(business, owner, transaction, *, memo):
    data = inputs.TransactionCorrectionInput.parse({"memo": memo})
    return services.correct_transaction(business, owner, transaction, data).value


def adjust(business, owner, peer, amount_minor, *, memo, **kwargs):
    data = inputs.BalanceAdjustmentInput.parse({"amount_minor": amount_minor, "memo": memo})
    return services.adjust_peer_balance(business, owner, peer, data, **kwargs).value


def decline(business, owner, reward, *, reason):
    data = inputs.DeclineRewardInput.parse({"reason": reason})
    return services.decline_held_reward(business, owner, reward, data).value


def prepare(business, actor, **fields):
    """(the batch, [(peer id, why left out)])."""
    data = inputs.PayoutBatchInput.parse(fields, context={"business": business})
    prepared = payouts.prepare_batch(business, actor, data).value
    return prepared.batch, [(left.peer_id, left.reason) for left in prepared.skipped]


def give_back(business, actor, payout, *, reason):
    data = inputs.PayoutReturnInput.parse({"reason": reason})
    return payouts.return_payout(business, actor, payout, data).value


def set_showcase(peer, **fields):
    return services.update_showcase(peer, inputs.ShowcasePageInput.parse(fields)).value
