"""Template filters for money, points and IBANs."""

from django import template

from peerarmy.money import format_money
from peerarmy.rewards import iban

register = template.Library()


@register.filter
def money(amount_minor, unit="EUR"):
    """12345|money:"EUR" → "123,45 €" in Italian, "€123.45" in English; PTS → points
    (`peerarmy.money.format_money`)."""
    if amount_minor in (None, ""):
        return ""
    return format_money(amount_minor, unit or "EUR")


@register.filter
def reward_amount(reward):
    return money(reward.amount, reward.unit)


@register.filter
def masked_iban(value):
    return iban.mask_iban(value) if value else ""
