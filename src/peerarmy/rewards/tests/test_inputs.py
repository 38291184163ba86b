"""The typed inputs of rewards hold every rule that needs no data of the business: a rule's
reward and what it needs, the texts the owner must give, bank details, a payout run's day.
Every fault of a submission is named at once, in the reader's words."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from peerarmy.inputs import InvalidInput
from peerarmy.rewards.inputs import (
    BadgeInput,
    BalanceAdjustmentInput,
    CauseInput,
    DeclineRewardInput,
    NewRuleInput,
    PayoutBatchInput,
    RewardChoiceInput,
    RewardSettingsInput,
    RuleChange,
    VoucherRedemptionInput,
)

from .factories import IBANS, BadgeFactory, CauseFactory, RuleFactory

CASH = {"program_id": 1, "event": "block.completed", "reward": "cash", "amount": 1500}


def faults(model, data, **kwargs):
    with pytest.raises(InvalidInput) as refused:
        model.parse(data, **kwargs)
    return dict(refused.value.errors)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"event": "birthday"}, {"event": "Choose when the rule gives its reward."}),
        ({"condition": "sometimes"}, {"condition": "Choose a condition."}),
        ({"reward": "gold"}, {"reward": "Choose the reward."}),
        ({"condition": "min_minutes"}, {"threshold": "This condition needs N of at least 1."}),
        (
            {"condition": "nth", "threshold": 0},
            {"threshold": "This condition needs N of at least 1."},
        ),
        ({"amount": 0}, {"amount": "Enter an amount, or pay what the block promised."}),
        ({"reward": "badge"}, {"badge_id": "Choose the badge to give."}),
        ({"reward": "donation"}, {"cause_id": "Choose the cause to donate to."}),
        ({"threshold": 1_000_001}, {"threshold": "Enter a value of at most 1000000."}),
        ({"amount": -1}, {"amount": "Enter a value of at least 0."}),
        ({"badge_id": 0}, {"badge_id": "Enter a value of at least 1."}),
        (
            {"condition": "every_nth", "reward": "donation", "amount": 0},
            {
                "threshold": "This condition needs N of at least 1.",
                "amount": "Enter an amount, or pay what the block promised.",
                "cause_id": "Choose the cause to donate to.",
            },
        ),
    ],
)
def test_a_rule_names_every_fault_at_once(changes, expected):
    with translation.override("en"):
        assert faults(NewRuleInput, {**CASH, **changes}) == expected


def test_a_rule_keeps_only_what_its_reward_uses():
    badge = NewRuleInput.parse({**CASH, "reward": "badge", "badge_id": 7, "cause_id": 3})
    donation = NewRuleInput.parse({**CASH, "reward": "donation", "badge_id": 7, "cause_id": 3})
    from_event = NewRuleInput.parse({**CASH, "amount": 0, "from_event": True})

    assert badge.stored() == {
        "event": "block.completed",
        "condition": "always",
        "threshold": 0,
        "reward": "badge",
        "amount": 0,
        "from_event": False,
        "badge_id": 7,
        "cause_id": None,
    }
    assert (donation.stored()["badge_id"], donation.stored()["cause_id"]) == (None, 3)
    assert (from_event.stored()["amount"], from_event.stored()["from_event"]) == (0, True)


@pytest.mark.django_db
def test_a_rule_as_it_is_is_its_own_change(business, program):
    badge = BadgeFactory(business=business)
    rule = RuleFactory(program=program, reward="badge", amount=0, badge=badge, active=False)

    same = RuleChange.parse(RuleChange.of(rule).model_dump())

    assert (same.badge_id, same.active, same.reward) == (badge.pk, False, "badge")


def test_a_cause_and_a_badge_need_a_name():
    with translation.override("en"):
        assert faults(CauseInput, {"account_holder": "A", "iban": IBANS[0]}) == {
            "name_it": "Give the cause a name."
        }
        assert faults(BadgeInput, {"slug": "x"}) == {"name_it": "Give the badge a name."}


def test_bank_details_say_what_is_wrong_with_them():
    with translation.override("en"):
        found = faults(
            CauseInput,
            {"name_it": "C", "account_holder": " ", "iban": "IT60X054", "bic": "NOTABIC"},
        )

    assert set(found) == {"account_holder", "iban", "bic"}
    assert found["account_holder"] == "Enter the account holder's name."
    assert "27 characters" in found["iban"]


def test_the_businesss_account_may_be_left_empty_but_not_wrong():
    base = {
        "payout_minimum_minor": 2000,
        "points_per_euro": 100,
        "voucher_validity_days": 365,
        "yearly_ceiling_minor": 0,
        "ceiling_warning_percent": 80,
    }

    assert RewardSettingsInput.parse({**base, "debtor_iban": ""}).debtor_iban == ""
    assert RewardSettingsInput.parse({**base, "debtor_iban": "it60 x054 2811 1010 0000 0123 456"})
    assert set(faults(RewardSettingsInput, {**base, "debtor_iban": "IT00"})) == {"debtor_iban"}


def test_a_field_called_form_is_named_as_such():
    with translation.override("en"):
        assert faults(RewardChoiceInput, {"form": "gold"}) == {
            "form": "Choose how you want your rewards."
        }
        assert faults(RewardChoiceInput, {"form": "donation"}) == {
            "cause_id": "Choose the cause to donate to."
        }


def test_a_voucher_code_is_read_as_the_till_types_it():
    assert VoucherRedemptionInput.parse({"code": " abcd efgh-jklm ", "amount_minor": 1}).code == (
        "ABCDEFGH-JKLM"
    )


@pytest.mark.django_db
def test_a_payout_run_is_for_today_or_later_in_the_businesss_time(business):
    today = timezone.localdate(timezone.now(), business.tzinfo)
    context = {"business": business}

    assert PayoutBatchInput.parse({"execution_date": today}, context=context).execution_date
    with translation.override("en"):
        assert faults(
            PayoutBatchInput, {"execution_date": today - timedelta(days=1)}, context=context
        ) == {"execution_date": "The bank cannot pay on a day in the past: choose today or later."}


def test_the_texts_an_owner_must_give_are_asked_for_once_the_object_is_found():
    """An empty body is a valid input: the service asks for the text after finding the object,
    so another business's id is "not found" whatever the body says."""
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            DeclineRewardInput.parse({}).require()
        assert refused.value.errors == [("reason", "Tell the peer why.")]
        with pytest.raises(InvalidInput) as refused:
            BalanceAdjustmentInput.parse({"amount_minor": 0}).require()
        assert dict(refused.value.errors) == {
            "amount_minor": "Enter an amount other than zero.",
            "memo": "Say why the balance is adjusted.",
        }


@pytest.mark.django_db
def test_a_cause_of_another_business_is_no_choice_for_a_rule(
    business, other_business, owner, program
):
    from .factories import add_rule

    theirs = CauseFactory(business=other_business)

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        add_rule(
            business,
            owner,
            program,
            event="block.completed",
            reward="donation",
            amount=100,
            cause=theirs,
        )

    assert refused.value.errors == [("cause_id", "No such choice.")]
