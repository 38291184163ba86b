"""Template filters for money, points and IBANs."""

from django import template
from django.utils.translation import get_language

from peerarmy.rewards import iban, statements

register = template.Library()


@register.filter
def money(amount_minor, unit="EUR"):
    """12345|money:"EUR" → "123,45 €" in Italian, "€123.45" in English; PTS → points."""
    if amount_minor in (None, ""):
        return ""
    return statements.format_money(int(amount_minor), unit or "EUR", (get_language() or "it")[:2])


@register.filter
def reward_amount(reward):
    return money(reward.amount, reward.unit)


@register.filter
def masked_iban(value):
    return iban.mask_iban(value) if value else ""
