"""Amounts of money in words: minor units (cents) shown the way the reader's language writes
them. A base module: it imports no app and nothing heavy, so that any app, page or e-mail can
show an amount without loading another app's libraries."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "ISK", "CLP", "VND", "HUF"}


def format_money(minor, currency="EUR"):
    """Minor units as money in the active language: "€1,234.50" or "1.234,50 €"."""
    currency = (currency or "EUR").upper()
    decimals = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    amount = Decimal(int(minor or 0)).scaleb(-decimals)
    number = number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if (get_language() or "it")[:2] == "en" and symbol != currency:
        return f"{symbol}{number}"
    return f"{number}\N{NO-BREAK SPACE}{symbol}"
