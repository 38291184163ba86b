"""The typed inputs of every change to rewards (see `peerarmy.inputs`): the console's forms,
the API's bodies, the commands and the demo fill these, so each limit and rule is written once.

Amounts are whole minor units (cents) or points; the console's forms turn euros typed with a
decimal comma into cents before they reach an input.

Four changes name an object and need a text (declining a held reward, correcting a
transaction, adjusting a balance, a payment the bank returned): their texts are required, but
checked once the object is found (`require()`, which the service calls), so that an id of
another business answers "not found" whatever the body says."""

from datetime import date
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    field_validator,
    model_validator,
)

from peerarmy.errors import ValidationFailed
from peerarmy.inputs import (
    ID,
    Day,
    Input,
    InvalidInput,
    broken,
    context_business,
    rule_errors,
    text,
    whole,
)

from .models import BatchKind, Condition, Event, PeerRewardChoice, RewardKind

# Far beyond any real reward or balance (ten billion euros), and far from the 64-bit columns'
# limit, so that sums of them cannot overflow either.
MAX_MINOR = 10**12
MAX_THRESHOLD = 1_000_000  # minutes, or times: the column is a 32-bit integer
MAX_POINTS_RATE = 1_000_000
MAX_VALIDITY_DAYS = 3653  # ten years
VOUCHER_CODE_MAX = 40  # codes are 14 characters; room for spaces a till may add

Minor = whole(0, MAX_MINOR)


class RewardsInput(Input):
    """An input of rewards. Its validator is built on first use rather than when the app
    starts: the worker and the commands load the services without validating anything."""

    model_config = ConfigDict(defer_build=True)


def _chosen(message):
    """An enumeration whose wrong value is refused in the change's own words."""

    def validate(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise broken(message) from None

    return WrapValidator(validate)


def _bank_check(clean, **options):
    """An IBAN or BIC as a person types it, cleaned (`iban.clean_iban`, `iban.clean_bic`), or
    refused saying what is wrong with it."""

    def validate(value):
        from . import iban

        try:
            return getattr(iban, clean)(value, **options)
        except ValidationFailed as exc:
            raise broken(exc.message) from None

    return AfterValidator(validate)


def _optional_iban(value):
    if not value:
        return ""
    from . import iban

    try:
        return iban.clean_iban(value)
    except ValidationFailed as exc:
        raise broken(exc.message) from None


Iban = Annotated[text(50), _bank_check("clean_iban")]
OptionalIban = Annotated[text(50), AfterValidator(_optional_iban)]
Bic = Annotated[text(20), _bank_check("clean_bic")]


def _filled(message):
    def validate(value):
        if not value:
            raise broken(message)
        return value

    return AfterValidator(validate)


def _require(*checks):
    """Raise every (field, message) whose condition holds, at once."""
    errors = [(field, message) for missing, field, message in checks if missing]
    if errors:
        raise InvalidInput(errors)


# --- what the owner sets -----------------------------------------------------------------------


class RewardSettingsInput(RewardsInput):
    """Where payouts come from (the business's bank account) and the limits of rewards."""

    debtor_name: text(70) = Field("", description="The holder of the account payouts come from.")
    debtor_iban: OptionalIban = Field("", description="That account's IBAN; empty to remove it.")
    debtor_bic: Bic = ""
    payout_minimum_minor: whole(1, MAX_MINOR) = Field(
        description="Balances below it wait for the next run."
    )
    points_per_euro: whole(1, MAX_POINTS_RATE) = Field(
        description="Points for one euro of voucher."
    )
    voucher_validity_days: whole(1, MAX_VALIDITY_DAYS)
    yearly_ceiling_minor: Minor = Field(description="0: no warning.")
    ceiling_warning_percent: whole(1, 100)
    payouts_need_two_people: bool = Field(
        False,
        description="Whoever prepares a payout run cannot approve it. Applies once the "
        "business has a second member.",
    )

    @classmethod
    def of(cls, settings) -> "RewardSettingsInput":
        return cls.model_construct(
            **{name: getattr(settings, name) for name in cls.model_fields},
        )


class ProgramRewardsInput(RewardsInput):
    """A program's monthly budget and whether its peers choose the form of their rewards."""

    monthly_budget_minor: Minor | None = Field(None, description="null: no budget.")
    peer_chooses: bool = Field(False, description="Peers choose the form of their cash rewards.")

    @classmethod
    def of(cls, found) -> "ProgramRewardsInput":
        return cls.model_construct(
            monthly_budget_minor=found.monthly_budget_minor, peer_chooses=found.peer_chooses
        )


class CauseInput(RewardsInput):
    """A cause peers may give their rewards to, with the account donations are paid to."""

    name_it: text(120) = ""
    name_en: text(120) = ""
    description_it: text(300) = ""
    description_en: text(300) = ""
    account_holder: Annotated[text(70), _filled(_("Enter the account holder's name."))]
    iban: Iban = Field(description="Spaces and lower case are fine.")
    bic: Bic = ""

    @model_validator(mode="after")
    def _named(self):
        if not (self.name_it or self.name_en):
            rule_errors([("name_it", _("Give the cause a name."))], type(self).__name__)
        return self


class BadgeInput(RewardsInput):
    """A badge: its names and descriptions, and a code unique in the business (`code()`)."""

    slug: text(50) = Field("", description="Made from the name if left out.")
    name_it: text(80) = ""
    name_en: text(80) = ""
    description_it: text(200) = ""
    description_en: text(200) = ""

    def code(self) -> str:
        """The badge's code: the one typed, or made from the name, in letters, digits and
        hyphens."""
        from django.utils.text import slugify

        return slugify(self.slug or self.name_en or self.name_it)[:50]

    @model_validator(mode="after")
    def _named(self):
        if not (self.name_it or self.name_en):
            rule_errors([("name_it", _("Give the badge a name."))], type(self).__name__)
        elif not self.code():  # a name (or a code) of nothing but signs, or another script
            rule_errors(
                [("slug", _("Give the badge a code of letters, digits and hyphens."))],
                type(self).__name__,
            )
        return self


# --- rules --------------------------------------------------------------------------------------

NEEDS_N = (Condition.MIN_MINUTES, Condition.NTH, Condition.EVERY_NTH)


class RuleInput(RewardsInput):
    """On `event`, if `condition` (with N in `threshold`), give `reward`: `amount` cents (points
    for points) or with `from_event` what the block promised; a badge (`badge_id`) or a
    donation to a cause (`cause_id`).

    Which fields count depends on the reward: a badge needs `badge_id` and ignores amounts; a
    donation needs `cause_id`; every other reward an amount or `from_event`. `stored()` is the
    rule as it is kept, with the fields its reward ignores cleared."""

    event: Annotated[Event, _chosen(_("Choose when the rule gives its reward."))]
    condition: Annotated[Condition, _chosen(_("Choose a condition."))] = Condition.ALWAYS
    threshold: whole(0, MAX_THRESHOLD) = Field(
        0, description="N, for the conditions min_minutes, nth and every_nth."
    )
    reward: Annotated[RewardKind, _chosen(_("Choose the reward."))]
    amount: Minor = Field(0, description="Cents, or points.")
    from_event: bool = Field(False, description="Pay what the block promised instead.")
    badge_id: ID | None = Field(None, description="For a badge reward.")
    cause_id: ID | None = Field(None, description="For a donation.")

    @model_validator(mode="after")
    def _whole_rule(self):
        errors = []
        if self.condition in NEEDS_N and self.threshold < 1:
            errors.append(("threshold", _("This condition needs N of at least 1.")))
        if self.reward == RewardKind.BADGE:
            if self.badge_id is None:
                errors.append(("badge_id", _("Choose the badge to give.")))
        else:
            if not self.from_event and self.amount < 1:
                errors.append(("amount", _("Enter an amount, or pay what the block promised.")))
            if self.reward == RewardKind.DONATION and self.cause_id is None:
                errors.append(("cause_id", _("Choose the cause to donate to.")))
        rule_errors(errors, type(self).__name__)
        return self

    def stored(self) -> dict:
        """The rule's fields as the model keeps them."""
        badge = self.reward == RewardKind.BADGE
        return {
            "event": self.event,
            "condition": self.condition,
            "threshold": self.threshold,
            "reward": self.reward,
            "amount": 0 if badge else self.amount,
            "from_event": False if badge else self.from_event,
            "badge_id": self.badge_id if badge else None,
            "cause_id": self.cause_id if self.reward == RewardKind.DONATION else None,
        }


class NewRuleInput(RuleInput):
    """A new rule of one of the business's programs."""

    program_id: ID


class RuleChange(RuleInput):
    """A rule as it is changed: its fields, and whether it is active."""

    active: bool = True

    @classmethod
    def of(cls, rule) -> "RuleChange":
        return cls.model_construct(
            event=Event(rule.event),
            condition=Condition(rule.condition),
            threshold=rule.threshold,
            reward=RewardKind(rule.reward),
            amount=rule.amount,
            from_event=rule.from_event,
            badge_id=rule.badge_id,
            cause_id=rule.cause_id,
            active=rule.active,
        )


# --- the owner's decisions and corrections -------------------------------------------------------


class DeclineRewardInput(RewardsInput):
    reason: text(300) = Field("", description="The peer reads it. Required.")

    def require(self):
        _require((not self.reason, "reason", _("Tell the peer why.")))


class TransactionCorrectionInput(RewardsInput):
    memo: text(300) = Field("", description="Why. Required.")

    def require(self):
        _require((not self.memo, "memo", _("Say why the transaction is corrected.")))


class BalanceAdjustmentInput(RewardsInput):
    amount_minor: whole(-MAX_MINOR, MAX_MINOR) | None = Field(
        None,
        description="Cents added to what the peer is owed; negative to take some off. Required.",
    )
    memo: text(300) = Field("", description="Why. Required.")

    def require(self):
        _require(
            (self.amount_minor is None, "amount_minor", _("Enter the amount in cents.")),
            (self.amount_minor == 0, "amount_minor", _("Enter an amount other than zero.")),
            (not self.memo, "memo", _("Say why the balance is adjusted.")),
        )


# --- vouchers and points ----------------------------------------------------------------------------


def _compact_code(value: str) -> str:
    return "".join(value.split()).upper()


# A voucher's code as a till types it: spaces and lower case are fine. The redemption, the
# console's lookup and the API's lookup all read a code through this type.
VoucherCode = Annotated[text(VOUCHER_CODE_MAX), AfterValidator(_compact_code)]


class VoucherRedemptionInput(RewardsInput):
    """Take `amount_minor` off a voucher at the till (partial redemption is fine)."""

    code: VoucherCode = Field(description="The voucher's code; spaces and lower case are fine.")
    amount_minor: whole(1, MAX_MINOR) = Field(description="Cents to take off the voucher.")


class VoucherLookupInput(RewardsInput):
    """Look a voucher up by its code (a read: what the console's "Check a voucher" box sends)."""

    code: VoucherCode = Field(description="The voucher's code; spaces and lower case are fine.")


class PointsConversionInput(RewardsInput):
    points: whole(1, MAX_MINOR) = Field(
        description="Whole euros of points; the rest stays on the balance."
    )


# --- the peer's choices -------------------------------------------------------------------------------


class RewardChoiceInput(RewardsInput):
    form: Annotated[PeerRewardChoice.Form, _chosen(_("Choose how you want your rewards."))] = Field(
        description="cash, points, credit or donation."
    )
    cause_id: ID | None = Field(None, description="For a donation.")

    @model_validator(mode="after")
    def _cause_for_a_donation(self):
        if self.form == PeerRewardChoice.Form.DONATION and self.cause_id is None:
            rule_errors([("cause_id", _("Choose the cause to donate to."))], type(self).__name__)
        return self


class PayoutDetailsInput(RewardsInput):
    """Where a peer's payouts go."""

    account_holder: Annotated[text(70), _filled(_("Enter the account holder's name."))]
    iban: Iban = Field(description="Spaces and lower case are fine.")
    bic: Bic = ""


class ShowcasePageInput(RewardsInput):
    """A peer's public page: whether everyone may see it, one line about them, and which
    parts of their impact it shows (each left out, or None, stays as it is)."""

    public: bool = False
    headline: text(120) = ""
    show_hours: bool | None = Field(None, description="The hours they gave.")
    show_activity: bool | None = Field(
        None, description="What they did: visitors guided, deliveries, campaigns helped."
    )
    show_ratings: bool | None = Field(None, description="Visitors' ratings and comments.")
    show_badges: bool | None = Field(None, description="Their badges.")
    show_donations: bool | None = Field(None, description="Donations made in their name.")
    show_earnings: bool | None = Field(None, description="What they earned.")


# --- payouts ------------------------------------------------------------------------------------------


class PayoutBatchInput(RewardsInput):
    kind: Annotated[BatchKind, _chosen(_("Choose peers, donations or refunds."))] = BatchKind.PEERS
    execution_date: Day | None = Field(
        None, description="When the bank should pay (YYYY-MM-DD); today if left out."
    )

    @field_validator("execution_date")
    @classmethod
    def _not_in_the_past(cls, value: date | None, info: ValidationInfo):
        if value is None:
            return value
        business = context_business(info)
        today = timezone.localdate(timezone.now(), business.tzinfo if business else None)
        if value < today:
            raise broken(_("The bank cannot pay on a day in the past: choose today or later."))
        return value


class PayoutReturnInput(RewardsInput):
    reason: text(200) = Field("", description="The bank's reason. Required.")

    def require(self):
        _require((not self.reason, "reason", _("Give the bank's reason for the return.")))
