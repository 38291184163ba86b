"""`peerarmy.money.format_money` is the one way peerarmy writes an amount: pages, e-mails, the
calendar feed, the rewards' messages and the statements' PDF. Minor units in, the amount as the
reader's language writes it out: a minus sign first ("-5,00 €", "-€5.00"), the symbol after the
number in Italian and before it in English, a currency without a symbol by its code, points as
points."""

import pytest
from django.utils import translation

from peerarmy.errors import ValidationFailed
from peerarmy.money import format_money, minor_digits

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(
    ("minor", "unit", "italian", "english"),
    [
        (0, "EUR", f"0,00{NBSP}€", "€0.00"),
        (1, "EUR", f"0,01{NBSP}€", "€0.01"),
        (-500, "EUR", f"-5,00{NBSP}€", "-€5.00"),
        (-123_450, "EUR", f"-1.234,50{NBSP}€", "-€1,234.50"),
        (1_234_567, "EUR", f"12.345,67{NBSP}€", "€12,345.67"),
        (1_200, "USD", f"12,00{NBSP}$", "$12.00"),
        (1_000, "JPY", f"1.000{NBSP}JPY", f"JPY{NBSP}1,000"),
        (1_250, "CHF", f"12,50{NBSP}CHF", f"CHF{NBSP}12.50"),
        (-1_250, "CHF", f"-12,50{NBSP}CHF", f"-CHF{NBSP}12.50"),
        (12_345, "KWD", f"12,345{NBSP}KWD", f"KWD{NBSP}12.345"),
    ],
)
def test_money_reads_as_each_language_writes_it(minor, unit, italian, english):
    assert format_money(minor, unit, "it") == italian
    assert format_money(minor, unit, "en") == english
    with translation.override("it"):
        assert format_money(minor, unit) == italian  # the active language by default
    with translation.override("en"):
        assert format_money(minor, unit) == english


@pytest.mark.parametrize(
    ("points", "english"),
    [(1, "1 point"), (-1, "-1 point"), (0, "0 points"), (1_200, "1,200 points"), (-5, "-5 points")],
)
def test_points_have_no_decimals_and_a_singular(points, english):
    assert format_money(points, "PTS", "en") == english


def test_points_in_italian_group_thousands_with_a_dot():
    assert format_money(1_200, "PTS", "it").startswith("1.200 ")
    assert format_money(1_234_567, "PTS", "it").startswith("1.234.567 ")


def test_an_amount_stored_as_a_decimal_or_left_empty_is_shown():
    from decimal import Decimal

    assert format_money(Decimal("2500"), "EUR", "en") == "€25.00"  # a SUM on PostgreSQL
    assert format_money(None, "EUR", "en") == "€0.00"
    assert format_money(2500, None, "en") == "€25.00"  # no currency: the euro


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((100, "euro", "it"), "unit"),
        ((12.5, "EUR", "it"), "amount_minor"),
        ((True, "EUR", "it"), "amount_minor"),
        ((100, "EUR", "fr"), "language"),
    ],
)
def test_money_refuses_what_it_cannot_show(arguments, field):
    with pytest.raises(ValidationFailed) as raised:
        format_money(*arguments)
    assert raised.value.field == field


def test_digits_after_the_point_are_those_the_imports_read():
    from peerarmy.customers.importers.readers import currency_exponent

    for unit in ("EUR", "USD", "JPY", "HUF", "KWD", "TND", "VND", "CHF"):
        assert minor_digits(unit) == currency_exponent(unit), unit
    assert minor_digits("PTS") == 0
