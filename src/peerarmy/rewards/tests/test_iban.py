"""What a peer can type as their IBAN or BIC, and how an IBAN is shown on pages and in logs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN

from peerarmy.errors import ValidationFailed
from peerarmy.rewards.iban import (
    SEPA_COUNTRIES,
    clean_bic,
    clean_iban,
    format_iban,
    mask_iban,
)

ITALIAN = "IT60X0542811101000000123456"
VALID = [
    ITALIAN,
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "ES9121000418450200051332",
    "NL91ABNA0417164300",
    "GB82WEST12345698765432",
    "CH9300762011623852957",
]


def refusal(value, **kwargs):
    with pytest.raises(ValidationFailed) as caught:
        clean_iban(value, **kwargs)
    return caught.value


@pytest.mark.parametrize("iban", VALID)
def test_a_valid_sepa_iban_is_kept_as_it_is(iban):
    assert clean_iban(iban) == iban


def test_spaces_and_lower_case_are_accepted_and_the_iban_is_stored_compact():
    # given an IBAN typed as the bank prints it, in lower case, with a stray tab
    typed = " it60 x054 2811 1010 0000 0123 456\t"

    # when / then
    assert clean_iban(typed) == ITALIAN


def test_an_iban_with_a_typo_is_refused_with_the_check_digits_message():
    # given the Italian IBAN with one digit changed
    typo = ITALIAN[:-1] + "7"

    # when
    error = refusal(typo)

    # then
    assert error.message == (
        "The IBAN's check digits are wrong: please copy it again from your bank."
    )
    assert error.field == "iban"
    assert error.code == "validation_failed"


def test_a_valid_iban_outside_sepa_is_refused_naming_its_country():
    # given a Brazilian IBAN, valid in every other respect
    brazilian = "BR1800360305000010009795493C1"

    # when
    error = refusal(brazilian)

    # then
    assert "BR" in str(error.message)
    assert "SEPA" in str(error.message)


def test_an_empty_iban_is_refused_on_the_field_the_caller_names():
    error = refusal("   ", field="debtor_iban")

    assert error.message == "Enter an IBAN."
    assert error.field == "debtor_iban"


@pytest.mark.parametrize("typed", ["IT60-X054-2811", "IT60 X054 2811 1010 0000 0123 45€", "60IT"])
def test_characters_that_cannot_be_in_an_iban_are_refused(typed):
    assert "not an IBAN" in str(refusal(typed).message)


def test_an_iban_with_a_missing_character_is_refused_with_the_expected_length():
    error = refusal(ITALIAN[:-1])

    assert "IT" in str(error.message)
    assert "27" in str(error.message)
    assert "26" in str(error.message)


def test_an_unknown_country_is_refused_naming_it():
    assert "QQ" in str(refusal("QQ60X0542811101000000123456").message)


def test_an_iban_that_does_not_have_its_countrys_layout_is_refused():
    # given an Italian IBAN whose national check character (a letter) is a digit
    error = refusal(IBAN.from_bban("IT", "10542811101000000123456", allow_invalid=True))

    assert "layout" in str(error.message)


@given(st.randoms(use_true_random=False), st.sampled_from(["IT", "DE", "FR", "ES", "NL"]))
def test_any_real_sepa_iban_typed_as_the_bank_prints_it_is_accepted(rng, country):
    iban = IBAN.random(country, random=rng)

    assert clean_iban(iban.formatted.lower()) == str(iban)


@pytest.mark.parametrize("iban", [iban for iban in VALID if not iban.startswith("CH")])
def test_a_one_character_typo_is_never_accepted(iban):
    # every single-character substitution of the example IBANs. (Not Switzerland: its account
    # numbers may hold letters and it has no national check digit, so a letter-for-digit typo
    # gets past the IBAN's check digits about once in a hundred.)
    accepted = []
    for position in range(len(iban)):
        for character in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
            typo = iban[:position] + character + iban[position + 1 :]
            if typo == iban:
                continue
            try:
                clean_iban(typo)
            except ValidationFailed:
                continue
            accepted.append(typo)

    assert accepted == []


def test_a_letter_for_a_digit_that_the_iban_check_misses_is_caught_by_the_italian_cin():
    # given an E typed for a 0 in the account number: the IBAN's own check digits still add up
    typo = "IT60X05428111010E0000123456"
    assert IBAN(typo).is_valid

    # when / then the national check character (CIN, the X) refuses it
    assert "check digits are wrong" in str(refusal(typo).message)


def test_the_sepa_countries_are_the_schemes_countries():
    official = set(
        "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
        " IS LI NO CH GB MC SM VA AD AL ME MD MK RS".split()
    )
    assert official <= SEPA_COUNTRIES
    assert {"GG", "JE", "IM", "GI", "GF", "GP", "MQ", "RE", "YT"} <= SEPA_COUNTRIES
    assert not {"BR", "US", "TR", "UA", "NC", "PF", "WF", "TF"} & SEPA_COUNTRIES


def test_no_bic_is_fine_unless_it_is_required():
    assert clean_bic("") == ""
    assert clean_bic(None) == ""

    with pytest.raises(ValidationFailed) as caught:
        clean_bic(" ", field="debtor_bic", required=True)
    assert caught.value.field == "debtor_bic"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("cobadeffxxx", "COBADEFFXXX"), ("BPPI ITRR", "BPPIITRR"), ("UNCRITMM", "UNCRITMM")],
)
def test_a_bic_is_cleaned_to_compact_upper_case(typed, expected):
    assert clean_bic(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("COBADEFFX", "8 or 11"),
        ("COBAQQFFXXX", "QQ"),
        ("C0BADEFFXXX", "not a valid BIC"),
        ("COBADE0FXXX", "not a valid BIC"),  # a test BIC: no bank takes it in a file
    ],
)
def test_a_wrong_bic_is_refused_saying_why(typed, says):
    with pytest.raises(ValidationFailed) as caught:
        clean_bic(typed)

    assert says in str(caught.value.message)
    assert caught.value.field == "bic"


def test_an_iban_is_shown_in_groups_of_four():
    assert format_iban(ITALIAN) == "IT60 X054 2811 1010 0000 0123 456"
    assert format_iban("de89 3704 0044 0532 0130 00") == "DE89 3704 0044 0532 0130 00"


def test_a_masked_iban_shows_only_the_country_check_digits_and_last_four():
    masked = mask_iban(ITALIAN)

    assert masked == "IT60 **** **** **** **** ***3 456"
    assert "0542811101" not in masked.replace(" ", "")


@given(st.text(max_size=40))
def test_masking_never_shows_more_than_eight_characters_of_anything(value):
    visible = [c for c in mask_iban(value) if c not in "* "]

    assert len(visible) <= 8
