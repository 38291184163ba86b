"""The typed inputs of the changes to businesses and their members (see `peerarmy.inputs`)."""

import zoneinfo
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, model_validator

from peerarmy.formats.templatetags import phone as readable_phone
from peerarmy.inputs import Day, Email, Input, Phone, Text, broken, rule_errors, text

from . import hours
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


def _opening_day(value: str) -> str:
    """A day's opening hours as typed, written back the one canonical way."""
    try:
        return hours.format_day(hours.parse_day(value))
    except hours.HoursError as exc:
        if exc.code == "order":
            message = _("“%(part)s” ends before it starts.")
        elif exc.code == "overlap":
            message = _("The times overlap: write each part of the day once.")
        elif exc.code == "many":
            message = _("At most %(n)d time ranges a day.")
        elif exc.code == "time":
            message = _("“%(part)s” has a time that does not exist.")
        else:
            message = _(
                "Write the hours like 9:00-13:00, 15:30-19:30, or leave it empty if you are "
                "closed; “%(part)s” is not a time range."
            )
        raise broken(message % {"part": exc.part, "n": hours.MAX_INTERVALS}) from None


# One day's opening hours: "9:00-13:00, 15:30-19:30", or empty for closed.
OpeningDay = Annotated[text(120), AfterValidator(_opening_day)]


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
    phone: Phone = Field("", description="The shop's phone, shown on its pages; empty for none.")
    address: text(200) = Field("", description="The shop's street address, shown on its pages.")
    hours_mon: OpeningDay = Field(
        "", description='Monday\'s hours, e.g. "9:00-13:00, 15:30-19:30"; empty: closed.'
    )
    hours_tue: OpeningDay = ""
    hours_wed: OpeningDay = ""
    hours_thu: OpeningDay = ""
    hours_fri: OpeningDay = ""
    hours_sat: OpeningDay = ""
    hours_sun: OpeningDay = ""

    @classmethod
    def of(cls, business) -> "ShopSettingsInput":
        values = {}
        for name in cls.model_fields:
            if name.startswith("hours_"):
                day = business.opening_hours.get(name.removeprefix("hours_"), [])
                values[name] = hours.format_day(hours.from_stored(day))
            elif name == "contact_email":
                values[name] = business.contact_email or None
            elif name == "phone":
                values[name] = readable_phone(business.phone)
            else:
                values[name] = getattr(business, name)
        return cls.model_construct(**values)

    def opening_hours(self) -> dict:
        """The week as a business keeps it (`Business.opening_hours`)."""
        week = {}
        for day in hours.WEEKDAYS:
            intervals = hours.parse_day(getattr(self, f"hours_{day}"))
            if intervals:
                week[day] = hours.as_stored(intervals)
        return week


MAX_CLOSURE_DAYS = 366


class ClosureInput(Input):
    """Days the shop is closed beyond its weekly hours (holidays)."""

    first: Day = Field(description="The first day closed.")
    last: Day = Field(description="The last day closed (the same day for one day).")
    note: text(120) = Field("", description='What people read, e.g. "Summer holidays".')

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo):
        problems = []
        if self.last < self.first:
            problems.append(("last", _("The last day comes before the first.")))
        elif (self.last - self.first).days >= MAX_CLOSURE_DAYS:
            problems.append(("last", _("A closure lasts at most a year.")))
        today = (info.context or {}).get("today")
        if today is not None and self.last < today:
            problems.append(("last", _("These days are already over.")))
        rule_errors(problems, type(self).__name__)
        return self
