"""The typed inputs of every change to a peer (see `peerarmy.inputs`): the profile a person
applies with and keeps up to date, the reason of a rejection, and how new work reaches them."""

from datetime import time
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, field_validator, model_validator

from peerarmy.inputs import (
    Input,
    Latitude,
    Longitude,
    Phone,
    Text,
    broken,
    rule_errors,
    text,
    whole,
)

from . import timing
from .models import (
    DEFAULT_DIGEST_HOUR,
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    LANGUAGE_NAMES,
    LanguageLevel,
    NewWorkMessages,
)

MAX_SHOWCASE_LINKS = 5
MAX_LINK_LENGTH = 300


def _known_languages(codes: list[str]) -> list[str]:
    for code in codes:
        if code not in LANGUAGE_NAMES:
            raise broken(_("Unknown language “%(code)s”.") % {"code": code})
    return list(dict.fromkeys(codes))


# ISO 639-1 codes a peer can declare (it, en, fr, ...), each once.
LanguageCodes = Annotated[list[Text], AfterValidator(_known_languages)]


# --- the profile --------------------------------------------------------------------------------


def _known_language(code: str) -> str:
    if code not in LANGUAGE_NAMES:
        raise broken(_("Unknown language “%(code)s”.") % {"code": code[:20]})
    return code


def _known_level(level: str) -> str:
    if level not in LanguageLevel.values:
        raise broken(_("Unknown language level “%(level)s”.") % {"level": level[:20]})
    return level


class PeerLanguageInput(Input):
    """One language a peer speaks, and how well."""

    code: Annotated[Text, AfterValidator(_known_language)] = Field(
        description="ISO 639-1 code: it, en, fr, de, es, pt, nl, ru, zh, ja, ar."
    )
    level: Annotated[Text, AfterValidator(_known_level)] = Field(
        LanguageLevel.FLUENT.value, description="basic, conversational, fluent or native."
    )


def _languages_given(languages: list[PeerLanguageInput]) -> list[PeerLanguageInput]:
    if not languages:
        raise broken(_("Choose at least one language you speak."))
    codes = [language.code for language in languages]
    if len(set(codes)) != len(codes):
        raise broken(_("Name each language once."))
    return languages


def _display_name_given(name: str) -> str:
    if not name:
        raise broken(_("Tell us the name to show to others."))
    return name


def _links(links: list[str]) -> list[str]:
    links = [link.strip() for link in links if link and link.strip()]
    if len(links) > MAX_SHOWCASE_LINKS:
        raise broken(_("Add at most %(n)d links.") % {"n": MAX_SHOWCASE_LINKS})
    for link in links:
        if not link.startswith(("https://", "http://")) or len(link) > MAX_LINK_LENGTH:
            raise broken(_("“%(link)s” is not a web address (https://…).") % {"link": link[:60]})
    return links


class PeerProfileInput(Input):
    """What a person tells the business about themselves: on the application form, and on
    their profile page afterwards. Their home area is an address, the coordinates, or both."""

    display_name: Annotated[text(80), AfterValidator(_display_name_given)] = Field(
        description="The name shown to others."
    )
    bio: text(1000) = ""
    languages: Annotated[list[PeerLanguageInput], AfterValidator(_languages_given)] = Field(
        description="Every language the peer speaks, each once, with the level."
    )
    skills: list[Text] = Field([], description="Slugs of the business's skills the peer has.")
    home_address: text(200) = Field("", description="A street or neighbourhood; never shown.")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    travel_radius_km: whole(1, 500) = 10
    showcase_links: Annotated[list[Text], AfterValidator(_links)] = Field(
        [], description=f"Up to {MAX_SHOWCASE_LINKS} web addresses (https://…)."
    )

    @field_validator("skills")
    @classmethod
    def _once_each(cls, values):
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _home_area(self):
        errors = []
        if (self.latitude is None) != (self.longitude is None):
            errors.append(
                (
                    "latitude" if self.latitude is None else "longitude",
                    _("Give both latitude and longitude, or neither."),
                )
            )
        elif self.latitude is None and not self.home_address:
            errors.append(
                (
                    "home_address",
                    _("Tell us your home area: a town or a postcode, or use your location."),
                )
            )
        rule_errors(errors, type(self).__name__)
        return self

    @property
    def levels(self) -> dict[str, str]:
        """{language code: level}."""
        return {language.code: language.level for language in self.languages}

    @classmethod
    def of(cls, peer) -> "PeerProfileInput":
        """The input that describes `peer`'s profile as it is (the profile form's start)."""
        return cls.model_construct(
            display_name=peer.display_name,
            bio=peer.bio,
            languages=[
                PeerLanguageInput.model_construct(code=pl.language, level=pl.level)
                for pl in peer.languages.all()
            ],
            skills=[skill.slug for skill in peer.skills.all()],
            home_address=peer.home_address,
            # A position found from the address is found again from the address as edited.
            latitude=None if peer.latitude is None or peer.located_at else float(peer.latitude),
            longitude=(
                None if peer.longitude is None or peer.located_at else float(peer.longitude)
            ),
            travel_radius_km=peer.travel_radius_km,
            showcase_links=list(peer.showcase_links or []),
        )


# --- deciding on an applicant ------------------------------------------------------------------


def _reason_given(reason: str) -> str:
    # Fair treatment: a rejection always says why.
    if not reason:
        raise broken(_("Give the applicant a reason."))
    return reason


class RejectInput(Input):
    """Why an application is turned down; the applicant reads it in the e-mail."""

    reason: Annotated[text(1000), AfterValidator(_reason_given)] = Field(
        description="Why the application is turned down; the applicant reads it. Required."
    )


# --- how new work reaches the peer --------------------------------------------------------------


def _to_the_minute(value: time | None) -> time | None:
    # A clock on a settings page has minutes; seconds would only hide an hour's edge.
    return None if value is None else time(value.hour, value.minute)


class NotificationSettingsInput(Input):
    """How the peer hears of new work: `off`, `instant` (one message as soon as work opens, or
    when the quiet hours end) or `digest` (one a day at `digest_hour`), by e-mail and/or web
    push; quiet hours are local times on the business's clock and may wrap midnight
    (22:00–08:00). Both quiet times, or neither (no quiet hours)."""

    new_work: Literal["off", "instant", "digest"] = Field(
        NewWorkMessages.INSTANT.value,
        description="off, instant (at once) or digest (once a day).",
    )
    email: bool = Field(True, description="Send new-work messages by e-mail.")
    push: bool = Field(
        True, description="Send them by web push to the browsers where you enabled it."
    )
    quiet_start: Annotated[time | None, AfterValidator(_to_the_minute)] = Field(
        DEFAULT_QUIET_START,
        description="Start of the quiet hours (HH:MM, the business's time zone), or null.",
    )
    quiet_end: Annotated[time | None, AfterValidator(_to_the_minute)] = Field(
        DEFAULT_QUIET_END,
        description="End of the quiet hours (HH:MM); before the start when they wrap midnight.",
    )
    digest_hour: whole(0, 23) = Field(
        DEFAULT_DIGEST_HOUR, description="Hour (0–23) of the daily message, business time zone."
    )

    @model_validator(mode="after")
    def _rules(self):
        errors = []
        if (self.quiet_start is None) != (self.quiet_end is None):
            missing = "quiet_start" if self.quiet_start is None else "quiet_end"
            errors.append((missing, _("Give both ends of the quiet hours, or neither.")))
        elif self.quiet_start is not None and self.quiet_start == self.quiet_end:
            errors.append(
                ("quiet_end", _("The quiet hours must end at another time than they start."))
            )
        elif (
            self.new_work == NewWorkMessages.DIGEST
            and self.quiet_start is not None
            and timing.is_quiet(time(self.digest_hour), self.timing)
        ):
            errors.append(
                (
                    "digest_hour",
                    _("This hour falls in your quiet hours: choose one outside them."),
                )
            )
        if self.new_work != NewWorkMessages.OFF and not (self.email or self.push):
            errors.append(
                (
                    "email",
                    _("Choose at least one way to reach you, or turn new-work messages off."),
                )
            )
        rule_errors(errors, type(self).__name__)
        return self

    @property
    def timing(self) -> timing.Timing:
        return timing.Timing(
            mode=timing.Mode(self.new_work),
            quiet_start=self.quiet_start,
            quiet_end=self.quiet_end,
            digest_hour=self.digest_hour,
        )

    @classmethod
    def of(cls, found) -> "NotificationSettingsInput":
        """The input that describes a `NotificationSettings` row (saved or the defaults)."""
        return cls.model_construct(
            new_work=found.new_work,
            email=found.by_email,
            push=found.by_push,
            quiet_start=found.quiet_start,
            quiet_end=found.quiet_end,
            digest_hour=found.digest_hour,
        )


# --- reviews, suspensions and appeals ------------------------------------------------------------


def _said(text_: str) -> str:
    if not text_:
        raise broken(_("Write the reason; the peer reads it."))
    return text_


def _message_given(text_: str) -> str:
    if not text_:
        raise broken(_("Write what you want the business to know."))
    return text_


# A reason the peer reads in their app and in the e-mail: required, at most 2,000 characters.
Reason = Annotated[text(2000), AfterValidator(_said)]


class SuspendInput(Input):
    """Why staff suspend a peer; the peer reads it."""

    reason: Reason = Field(description="Why the peer is suspended; they read it. Required.")


class ClearReviewInput(Input):
    """Why a review ends without a suspension; the peer reads it."""

    reason: Reason = Field(description="Why the review is cleared; the peer reads it. Required.")


class LiftInput(Input):
    """Why a suspension is lifted; the peer reads it."""

    reason: Reason = Field(description="Why the suspension is lifted; the peer reads it.")


class AppealInput(Input):
    """The peer's one appeal against their suspension."""

    message: Annotated[text(4000), AfterValidator(_message_given)] = Field(
        description="What the peer wants the business to consider. Required; one appeal only."
    )


class AppealDecisionInput(Input):
    """The decision on an appeal, by a member other than the one who suspended."""

    grant: bool = Field(description="true lifts the suspension; false keeps it.")
    reason: Reason = Field(description="Why; the peer reads it. Required.")


class ReviewSettingsInput(Input):
    """When repeated no-shows send a peer to review."""

    no_show_limit: whole(1, 100) = Field(
        3, description="How many no-shows within the window lead to a review."
    )
    no_show_window_days: whole(1, 730) = Field(60, description="The window, in days.")


# --- verification records ------------------------------------------------------------------------


def _phone_given(value: str) -> str:
    if not value:
        raise broken(_("Enter your mobile number."))
    return value


def _six_digits(value: str) -> str:
    value = value.replace(" ", "")
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        raise broken(_("Enter the 6 digits of the code we sent you."))
    return value


class PhoneNumberInput(Input):
    """The number a peer wants to confirm; a code is sent to it by SMS."""

    phone: Annotated[Phone, AfterValidator(_phone_given)] = Field(
        description="A mobile number, Italian unless it says otherwise (+39 333 123 4567)."
    )


class PhoneCodeInput(Input):
    """The code the peer received."""

    code: Annotated[text(12), AfterValidator(_six_digits)] = Field(
        description="The 6 digits of the SMS."
    )


class IdentityCheckInput(Input):
    """A member saw the peer's identity document in person. Only its kind is kept: no number,
    no image."""

    document_type: Literal["id_card", "passport", "driving_licence", "residence_permit"] = Field(
        description="id_card, passport, driving_licence or residence_permit."
    )
