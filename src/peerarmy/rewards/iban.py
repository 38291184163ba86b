"""IBAN and BIC checks for payouts: what a person types, cleaned to what a SEPA bank accepts.

schwifty (and pycountry) take a good part of a second to load: they are imported by the
functions that check, not when the app starts."""

import functools
import re

from django.utils.translation import gettext as _

from peerarmy.errors import ValidationFailed


def _schwifty_sepa_countries() -> frozenset[str]:
    import pycountry
    from schwifty import exceptions as schwifty_errors
    from schwifty import registry

    codes = set()
    for country in pycountry.countries:
        try:
            spec = registry.get_iban_spec(country.alpha_2)
        except schwifty_errors.InvalidCountryCode:
            continue
        if spec.in_sepa_zone:
            codes.add(country.alpha_2)
    return frozenset(codes)


# schwifty's registry is the source; two corrections against the EPC's list of the schemes'
# geographical scope (EPC409-09), as of 2026:
# - Albania and Montenegro joined in November 2024, Moldova and North Macedonia in March 2025,
#   Serbia in May 2025 (banks operational from May 2026); schwifty does not flag them yet.
# - French Polynesia, New Caledonia, Wallis and Futuna (XPF, "SEPA COM Pacifique") and the French
#   Southern Territories have French-style IBANs but are outside the SEPA schemes.
_JOINED_SINCE_SCHWIFTY_DATA = frozenset({"AL", "MD", "ME", "MK", "RS"})
_NOT_IN_SEPA_SCHEMES = frozenset({"NC", "PF", "TF", "WF"})


@functools.cache
def sepa_countries() -> frozenset[str]:
    """The countries whose accounts receive SEPA transfers."""
    return (_schwifty_sepa_countries() | _JOINED_SINCE_SCHWIFTY_DATA) - _NOT_IN_SEPA_SCHEMES


def __getattr__(name):
    # `SEPA_COUNTRIES`, worked out on first use.
    if name == "SEPA_COUNTRIES":
        return sepa_countries()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The BIC pattern of the pain.001.001.03 schema: stricter than ISO 9362 in the location code
# (no test BICs, whose location code starts with 0 or 1), so a BIC that passes here always
# passes the bank file's schema.
_PAIN001_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
# Where the account number may hold letters, the IBAN's mod-97 check digits miss a few letter-for-
# digit typos ("O" for "0"); the national check character (Italy's CIN, France's RIB key) catches
# them. Only these: a national check schwifty does not know (or knows only in part, as Germany's
# per-bank methods) must not turn away a real account.
_NATIONAL_CHECK_COUNTRIES = frozenset({"IT", "SM", "FR", "MC"})


def _compact(value) -> str:
    return "".join(str(value or "").split()).upper()


def clean_iban(value: str, *, field: str = "iban") -> str:
    """The compact upper-case IBAN of `value` (spaces and lower case are fine), or
    ValidationFailed saying what is wrong with it: empty, not the shape of an IBAN, wrong length
    for its country, wrong check digits, or a country outside the SEPA schemes."""
    compact = _compact(value)
    if not compact:
        raise ValidationFailed(_("Enter an IBAN."), field=field)
    if not _IBAN_SHAPE.fullmatch(compact):
        raise ValidationFailed(
            _(
                "This is not an IBAN: an IBAN starts with two letters and two digits, followed "
                "by letters and digits only (for example IT60 X054 2811 1010 0000 0123 456)."
            ),
            field=field,
        )
    from schwifty import IBAN, registry
    from schwifty import exceptions as schwifty_errors

    country = compact[:2]
    try:
        iban = IBAN(compact, validate_bban=country in _NATIONAL_CHECK_COUNTRIES)
    except schwifty_errors.InvalidCountryCode as err:
        raise ValidationFailed(
            _("%(country)s is not a country with IBANs: check the first two letters of the IBAN.")
            % {"country": country},
            field=field,
        ) from err
    except schwifty_errors.InvalidLength as err:
        raise ValidationFailed(
            _(
                "An IBAN from %(country)s has %(expected)d characters, this one has "
                "%(actual)d: check for a missing or extra character."
            )
            % {
                "country": country,
                "expected": registry.get_iban_spec(country).iban_length,
                "actual": len(compact),
            },
            field=field,
        ) from err
    except (schwifty_errors.InvalidChecksumDigits, schwifty_errors.InvalidBBANChecksum) as err:
        raise ValidationFailed(
            _("The IBAN's check digits are wrong: please copy it again from your bank."),
            field=field,
        ) from err
    except schwifty_errors.SchwiftyException as err:  # the BBAN's layout for its country
        raise ValidationFailed(
            _(
                "This IBAN does not have the layout of an IBAN from %(country)s: please copy it "
                "again from your bank."
            )
            % {"country": country},
            field=field,
        ) from err
    if iban.country_code not in sepa_countries():
        raise ValidationFailed(
            _(
                "Accounts in %(country)s cannot receive SEPA transfers: enter the IBAN of an "
                "account in the SEPA area (the EU, the EEA, Switzerland, the United Kingdom and "
                "a few more European countries)."
            )
            % {"country": iban.country_code},
            field=field,
        )
    return str(iban)


def clean_bic(value: str, *, field: str = "bic", required: bool = False) -> str:
    """The compact upper-case BIC (SWIFT code) of `value`, "" when it is empty and not
    required, or ValidationFailed."""
    compact = _compact(value)
    if not compact:
        if required:
            raise ValidationFailed(_("Enter the bank's BIC (SWIFT code)."), field=field)
        return ""
    from schwifty import BIC
    from schwifty import exceptions as schwifty_errors

    try:
        bic = BIC(compact, enforce_swift_compliance=True)
    except schwifty_errors.InvalidLength as err:
        raise ValidationFailed(
            _("A BIC (SWIFT code) has 8 or 11 characters, this one has %(actual)d.")
            % {"actual": len(compact)},
            field=field,
        ) from err
    except schwifty_errors.InvalidCountryCode as err:
        raise ValidationFailed(
            _(
                "%(country)s is not a country code: letters 5 and 6 of a BIC (SWIFT code) are "
                "the bank's country."
            )
            % {"country": compact[4:6]},
            field=field,
        ) from err
    except schwifty_errors.SchwiftyException as err:
        raise ValidationFailed(
            _("This is not a valid BIC (SWIFT code): please copy it again from your bank."),
            field=field,
        ) from err
    if not _PAIN001_BIC.fullmatch(str(bic)):
        raise ValidationFailed(
            _("This is not a valid BIC (SWIFT code): please copy it again from your bank."),
            field=field,
        )
    return str(bic)


def format_iban(iban: str) -> str:
    """The IBAN in groups of four characters, as banks print it, for display."""
    compact = _compact(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """The IBAN with only its country, check digits and last four characters visible, grouped
    by four ("IT60 **** **** **** **** ***3 456"), for pages and logs: never log a full IBAN.
    Safe on any input, valid or not."""
    compact = _compact(iban)
    if len(compact) < 12:  # too short to show 8 of its characters: show only the country
        masked = compact[:2] + "*" * (len(compact) - 2)
    else:
        masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return format_iban(masked)
