"""Template filters for money, points, IBANs and ledger accounts."""

from django import template

from peerarmy.money import format_money
from peerarmy.rewards import iban, selectors

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


@register.filter(name="iban")
def iban_grouped(value):
    """An IBAN grouped by four, as people copy it from paper."""
    return iban.format_iban(value) if value else ""


@register.filter
def account_words(account):
    """A ledger account in words for the console ("Owed to Giulia R."), not its journal path."""
    return selectors.account_words(account)
