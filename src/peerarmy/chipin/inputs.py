"""The typed inputs of every change in chip-in (see `peerarmy.inputs`): a program's terms, a
product, a campaign (started by the beneficiary, or by staff on a customer's behalf), its
later edits, a pledge, a payment at the till, closing and cancelling, and the staff's
decision on a suggested bank credit.

Amounts are integer cents. Whether a product belongs to the business, whether a deadline is
within the program's longest campaign and whether a pledge fits what is left are the
services' rules: they need the business's data."""

from typing import Literal

from django.utils.translation import gettext as _
from pydantic import model_validator

from peerarmy.inputs import ID, Email, Input, InvalidInput, Moment, rule_errors, text, whole

MAX_AMOUNT = 10_000_000_00  # ten million euros: beyond any shop's purchase


class ChipInSettingsInput(Input):
    match_percent: whole(0, 100) = 10
    match_cap_minor: whole(0, MAX_AMOUNT) = 10_000
    min_pledge_minor: whole(100, MAX_AMOUNT) = 500
    max_days: whole(1, 365) = 60
    allow_overfunding: bool = False
    payment_days: whole(1, 60) = 7


class ProductInput(Input):
    handle: text(255) = ""
    sku: text(100) = ""
    name_it: text(200, min_length=1)
    name_en: text(200) = ""
    description_it: text(20_000) = ""
    description_en: text(20_000) = ""
    price_minor: whole(1, MAX_AMOUNT)
    active: bool = True


class CampaignInput(Input):
    """A campaign as its beneficiary starts it: for a product (its price is the goal) or for
    a gift amount (`goal_minor`), never both."""

    program_id: ID
    product_id: ID | None = None
    goal_minor: whole(1, MAX_AMOUNT) | None = None
    title: text(120, min_length=1)
    message: text(2000) = ""
    deadline: Moment
    public: bool = True

    @model_validator(mode="after")
    def _product_or_amount(self):
        errors = []
        if self.product_id is None and self.goal_minor is None:
            errors.append(("goal_minor", _("Choose a product or give the amount to collect.")))
        if self.product_id is not None and self.goal_minor is not None:
            errors.append(
                ("goal_minor", _("A campaign for a product collects its price: leave this empty."))
            )
        rule_errors(errors, type(self).__name__)
        return self


class StaffCampaignInput(CampaignInput):
    """A campaign staff start for a customer: the beneficiary is known by e-mail (an account
    is made for them if they have none)."""

    beneficiary_name: text(120, min_length=1)
    beneficiary_email: Email


class CampaignChange(Input):
    """What the beneficiary may change once friends are giving: the words and who sees it."""

    message: text(2000) = ""
    public: bool = True


class CloseReasonInput(Input):
    reason: text(300) = ""

    def require(self):
        if not self.reason:
            raise InvalidInput([("reason", _("Say why, for the friends who gave."))])


class PledgeInput(Input):
    name: text(120, min_length=1)
    email: Email
    amount_minor: whole(1, MAX_AMOUNT)
    anonymous: bool = False
    message: text(500) = ""
    refund_choice: Literal["transfer", "voucher"] = "transfer"
    # The share link it came through (`?da=` on the page), if any.
    via: text(12) = ""


class TillPaymentInput(Input):
    """A pledge paid at the till (cash or card), recorded by staff."""

    amount_minor: whole(1, MAX_AMOUNT)


class CreditDecisionInput(Input):
    """Staff's answer to a bank credit: the pledge it paid, or none (not for a campaign)."""

    pledge_id: ID | None = None
    action: Literal["accept", "assign", "ignore", "refund"] = "accept"
