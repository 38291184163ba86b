"""Amounts of money (and points) in words: minor units shown the way the reader's language
writes them. The one formatter of peerarmy: pages, e-mails, the calendar feed, the statements'
PDF and the rewards' messages all write an amount through `format_money`.

A base module: it imports no app and nothing heavy, so that any app, page or e-mail can show an
amount without loading another app's libraries."""

from decimal import Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy.errors import ValidationFailed

POINTS = "PTS"  # the unit of points (a reward, a wallet); money has its ISO 4217 code
LANGUAGES = ("it", "en")

# Symbols the readers recognise; any other currency is written with its ISO code.
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
# Digits after the decimal point where they are not 2, as the imports read amounts
# (`customers.importers.readers.currency_exponent`): ISO 4217, and HUF without its fillér.
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "ISK", "CLP", "VND", "HUF"}
THREE_DECIMAL_CURRENCIES = {"BHD", "JOD", "KWD", "OMR", "TND"}


def minor_digits(unit) -> int:
    """How many digits of an amount in `unit` are after the decimal point (points: none)."""
    unit = (unit or "EUR").upper()
    if unit == POINTS or unit in ZERO_DECIMAL_CURRENCIES:
        return 0
    return 3 if unit in THREE_DECIMAL_CURRENCIES else 2


def format_money(minor, currency="EUR", language=None) -> str:
    """Minor units (cents, or points for "PTS") as the reader's language writes them:
    "1.234,50 €" / "€1,234.50", "-5,00 €" / "-€5.00", "1.234 JPY" / "JPY 1,234",
    "1.200 punti" / "1,200 points". In `language` ("it" or "en"), or the active one.

    The number and a symbol or code after it are joined by a no-break space, so that the
    symbol never wraps onto its own line. An amount that is not a whole number of minor units
    (or a unit that is not a currency code) is refused: nobody can read half a cent."""
    unit = _unit(currency)
    amount = _whole(minor)
    if language is None:
        return _written(amount, unit)
    if language not in LANGUAGES:
        raise ValidationFailed(
            _("The language %(language)s is not available: choose it or en.")
            % {"language": language},
            field="language",
        )
    with translation.override(language):
        return _written(amount, unit)


def _written(amount: int, unit: str) -> str:
    sign = "-" if amount < 0 else ""
    digits = minor_digits(unit)
    number = number_format(
        Decimal(abs(amount)).scaleb(-digits) if digits else abs(amount),
        decimal_pos=digits,
        use_l10n=True,
        force_grouping=True,
    )
    if unit == POINTS:
        return ngettext("%(count)s point", "%(count)s points", abs(amount)) % {
            "count": sign + number
        }
    symbol = CURRENCY_SYMBOLS.get(unit)
    if (translation.get_language() or "it")[:2] == "en":
        if symbol:
            return f"{sign}{symbol}{number}"
        return f"{sign}{unit}\N{NO-BREAK SPACE}{number}"
    return f"{sign}{number}\N{NO-BREAK SPACE}{symbol or unit}"


def _unit(currency) -> str:
    unit = currency or "EUR"
    if not (isinstance(unit, str) and len(unit) == 3 and unit.isascii() and unit.isalpha()):
        raise ValidationFailed(
            _("%(unit)s is neither a currency code (such as EUR) nor PTS for points.")
            % {"unit": unit},
            field="unit",
        )
    return unit.upper()


def _whole(minor) -> int:
    if minor is None:
        return 0
    if isinstance(minor, bool) or not isinstance(minor, int | float | Decimal):
        raise ValidationFailed(
            _("The amount must be a whole number of cents (or points)."), field="amount_minor"
        )
    if isinstance(minor, int):
        return minor
    if not Decimal(minor).is_finite() or Decimal(minor) != Decimal(minor).to_integral_value():
        raise ValidationFailed(
            _("The amount must be a whole number of cents (or points)."), field="amount_minor"
        )
    return int(minor)
