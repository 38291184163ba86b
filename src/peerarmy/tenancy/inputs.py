"""The typed inputs of the changes to businesses and their members (see `peerarmy.inputs`)."""

import zoneinfo
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field

from peerarmy.inputs import Email, Input, Text, broken, text

from .models import RESERVED_SLUGS, Business, Role, slug_validator


def _django(validators):
    """A Django validator as a rule of the input, with Django's message."""

    def check(value):
        for validator in validators() if callable(validators) else validators:
            try:
                validator(value)
            except DjangoValidationError as exc:
                raise broken(" ".join(str(m) for m in exc.messages)) from None
        return value

    return AfterValidator(check)


def _not_reserved(slug: str) -> str:
    if slug in RESERVED_SLUGS:
        raise broken(_("This address is reserved."))
    return slug


def _known_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise broken(_("Unknown time zone."))
    return name


def _site_language(code: str) -> str:
    codes = [c for c, _name in settings.LANGUAGES]
    if code not in codes:
        raise broken(_("Choose one of: %(choices)s.") % {"choices": ", ".join(codes)})
    return code


# A language the site speaks (it, en): a business's default, the language of a message.
SiteLanguage = Annotated[Text, AfterValidator(_site_language)]


def _lower(value: str) -> str:
    return value.lower()


def _brand_colour_rules():
    return Business._meta.get_field("brand_color").validators


Slug = Annotated[
    text(50, min_length=1),
    AfterValidator(_lower),
    _django([slug_validator]),
    AfterValidator(_not_reserved),
]


def _empty_is_none(value):
    return None if value == "" else value


class BusinessInput(Input):
    """A new business and the e-mail address of its owner (`peerarmy business create`)."""

    slug: Slug = Field(description="The business's address: /<slug>/.")
    name: text(120, min_length=1)
    owner_email: Email
    city: text(120) = ""
    default_language: SiteLanguage = "it"
    timezone: Annotated[Text, AfterValidator(_known_zone)] = "Europe/Rome"
    currency: text(3, min_length=1) = "EUR"
    brand_color: Annotated[Text, _django(_brand_colour_rules)] = "#1f6feb"
    contact_email: Annotated[Email | None, BeforeValidator(_empty_is_none)] = Field(
        None, description="Where people write to the business; none when left out or empty."
    )
    tagline_it: text(200) = ""
    tagline_en: text(200) = ""
    about_it: Text = ""
    about_en: Text = ""


class MemberInput(Input):
    """A person with an account who joins the business's staff (or becomes its owner)."""

    email: Email
    role: Role = Role.STAFF


class StaffInviteInput(Input):
    """Whom an owner invites to run the business with them, and as what."""

    email: Email = Field(description="The address the invitation goes to.")
    role: Role = Field(
        Role.STAFF, description="staff (the default), community (a community manager) or owner."
    )


class RoleInput(Input):
    """A member's new role."""

    role: Role


class ShopSettingsInput(Input):
    """What an owner changes of their business in the console: how it is named and shown,
    where it is, its language and clock (its address, /<slug>/, and currency stay)."""

    name: text(120, min_length=1)
    city: text(120) = ""
    default_language: SiteLanguage = "it"
    timezone: Annotated[Text, AfterValidator(_known_zone)] = "Europe/Rome"
    brand_color: Annotated[Text, _django(_brand_colour_rules)] = "#1f6feb"
    contact_email: Annotated[Email | None, BeforeValidator(_empty_is_none)] = Field(
        None, description="Where people write to the business; none when left out or empty."
    )
    tagline_it: text(200) = ""
    tagline_en: text(200) = ""
    about_it: Text = ""
    about_en: Text = ""

    @classmethod
    def of(cls, business) -> "ShopSettingsInput":
        return cls.model_construct(
            **{
                name: (getattr(business, name) or None)
                if name == "contact_email"
                else getattr(business, name)
                for name in cls.model_fields
            }
        )
