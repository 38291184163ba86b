"""The typed inputs of every change in resale (see `peerarmy.inputs`): a program's terms, a
category and its pricing rule, a listing (by its seller, or by staff for the shop), a review,
a reservation, a return, a trade-in.

Amounts are integer cents. Whether a listing can be reserved, whether the order line a seller
names is theirs, and what a category allows are the services' rules: they need the business's
data."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from pydantic import model_validator

from peerarmy.inputs import ID, Email, Input, Phone, rule_errors, text, whole
from peerarmy.rewards.inputs import OptionalIban

from .models import Delivery, Grade, Payout

MAX_PRICE = 100_000_00  # 100,000 euros: beyond any used item a shop resells

GradeCode = Literal[tuple(Grade.values)]
DeliveryCode = Literal[tuple(Delivery.values)]
PayoutCode = Literal[tuple(Payout.values)]
PaymentCode = Literal["till", "transfer"]


class ResaleSettingsInput(Input):
    reservation_hours: whole(1, 336) = 48
    confirm_minutes: whole(5, 1440) = 60
    return_days: whole(0, 90) = 14
    trade_in_percent: whole(0, 100) = 50
    credit_bonus_percent: whole(0, 100) = 20


class CategoryInput(Input):
    program_id: ID
    name_it: text(80, min_length=1)
    name_en: text(80) = ""
    keep_new_percent: whole(0, 100) = 80
    keep_excellent_percent: whole(0, 100) = 65
    keep_good_percent: whole(0, 100) = 50
    keep_worn_percent: whole(0, 100) = 30
    keep_parts_percent: whole(0, 100) = 10
    yearly_loss_percent: whole(0, 100) = 10
    floor_percent: whole(0, 100) = 40
    commission_percent: whole(0, 100) = 20
    commission_min_minor: whole(0, MAX_PRICE) = 0
    active: bool = True

    @model_validator(mode="after")
    def _grades_in_order(self):
        names = [
            "keep_new_percent",
            "keep_excellent_percent",
            "keep_good_percent",
            "keep_worn_percent",
            "keep_parts_percent",
        ]
        errors = []
        for better, worse in zip(names, names[1:], strict=False):
            if getattr(self, worse) > getattr(self, better):
                errors.append((worse, _("A worse condition cannot keep more than a better one.")))
        rule_errors(errors, "CategoryInput")
        return self


class ListingInput(Input):
    """A listing as its seller writes it. `bought_order` and `bought_line` name the line of
    one of the seller's own orders the item came from (its position in the order, from 0)."""

    program_id: ID | None = None  # the API names the program; pages in the address
    category_id: ID
    title: text(120, min_length=3)
    description: text(4000) = ""
    grade: GradeCode
    size: text(80) = ""
    price_minor: whole(1, MAX_PRICE)
    delivery: DeliveryCode = "pickup"
    payout: PayoutCode = "money"
    payout_holder: text(70) = ""  # a seller who is not a peer with bank details: where to pay
    payout_iban: OptionalIban = ""
    bought_order: text(64) = ""
    bought_line: whole(0, 99) | None = None

    @model_validator(mode="after")
    def _bought_line(self):
        if self.bought_order and self.bought_line is None:
            rule_errors([("bought_line", _("Choose the item of that order."))], "ListingInput")
        return self


class ReviewInput(Input):
    """Staff's decision on a listing: published, changes asked (with what), or refused (with
    why); the note reaches the seller in their language."""

    decision: Literal["approve", "changes", "refuse"]
    note: text(1000) = ""

    @model_validator(mode="after")
    def _note(self):
        if self.decision != "approve" and not self.note:
            rule_errors([("note", _("Tell the seller what to change or why."))], "ReviewInput")
        return self


class ReservationInput(Input):
    listing_id: ID | None = None  # the API names the listing in the body; pages in the address
    name: text(120, min_length=1)
    email: Email
    phone: Phone = ""


class SaleInput(Input):
    """The buyer paid and took the item: at the till, or by a transfer that arrived."""

    paid_by: PaymentCode = "till"


class ReturnInput(Input):
    reason: text(300) = ""


class TradeInInput(Input):
    """An item the shop buys at once for a voucher: what the seller would list."""

    program_id: ID | None = None
    category_id: ID
    title: text(120, min_length=3)
    description: text(4000) = ""
    grade: GradeCode
    size: text(80) = ""
    bought_order: text(64) = ""
    bought_line: whole(0, 99) | None = None
    original_minor: whole(0, MAX_PRICE) | None = None  # when not bought here: what it cost new
    age_months: whole(0, 600) = 0

    @model_validator(mode="after")
    def _bought_line(self):
        if self.bought_order and self.bought_line is None:
            rule_errors([("bought_line", _("Choose the item of that order."))], "TradeInInput")
        return self
