"""The typed inputs of every change in matching (see `peerarmy.inputs`): a consumer's request
(a guides or a layover variant), a reason to decline or cancel, a peer's matching profile with
their weekly slots, days off, and a program's matching settings with its lists of interests,
airports and perks.

Each input holds the rules that need nothing but itself; the rules that need the program's
settings or the clock (the shortest layover, the largest group, the interests a program lists,
a window in the past) are the services', reported together with `FieldErrors`.

The settings' lists are edited one line per item in the console and as JSON lists on the API:
a fault in an item is reported on the list, naming the line ("Line 2: …"), on both paths."""

from datetime import time, timedelta
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    WrapValidator,
    model_validator,
)

from peerarmy.inputs import (
    Day,
    Email,
    Input,
    Latitude,
    Longitude,
    Moment,
    Phone,
    Text,
    broken,
    error_message,
    rule_errors,
    text,
    whole,
)
from peerarmy.peers.models import LANGUAGE_NAMES

# A traveller needs time to leave the airport and to be back before departure: a layover's
# free window is what remains of it.
AFTER_ARRIVAL = timedelta(minutes=60)
BEFORE_DEPARTURE = timedelta(minutes=120)
# One slot an hour, every day: far beyond a real week.
MAX_SLOTS = 7 * 24
# Interests, airports and perks a program lists; interests a peer or a consumer ticks.
MAX_ITEMS = 50
MAX_CODE = 40  # an interest's code
MAX_PERK_MINOR = 10**9


# --- shared field types -------------------------------------------------------------------------


def _languages(codes: list[str]) -> list[str]:
    if not codes:
        raise broken(_("Choose at least one language you speak."))
    if any(code not in LANGUAGE_NAMES for code in codes):
        raise broken(_("Choose languages from the list."))
    return sorted(set(codes))


def _once_each(values: list[str]) -> list[str]:
    return sorted(set(values))


SpokenLanguages = Annotated[list[Text], Field(max_length=20), AfterValidator(_languages)]
Interests = Annotated[list[Text], Field(max_length=MAX_ITEMS), AfterValidator(_once_each)]


# --- the consumer's request ---------------------------------------------------------------------


def _name(value: str) -> str:
    if not value:
        raise broken(_("Tell us your name."))
    return value


def _airport_code(value: str) -> str:
    # IATA codes have three letters (BLQ), ICAO codes four (LIPE).
    value = value.upper()
    if not (3 <= len(value) <= 4 and value.isascii() and value.isalpha()):
        raise broken(_("Give the airport's code in 3 or 4 letters, such as BLQ."))
    return value


AirportCode = Annotated[text(8), AfterValidator(_airport_code)]


def _airport(value: str) -> str:
    if not value:
        raise broken(_("Choose the airport."))
    return _airport_code(value)


class MatchRequestInput(Input):
    """What a consumer tells about the meeting they ask for, whatever the program's kind. A
    request is a `GuidesRequestInput` or a `LayoverRequestInput` (`request_input_class`).

    Times without a zone are the business's local times. Without a meeting point (latitude
    and longitude), the request meets at the layover's airport or the program's default
    point."""

    name: Annotated[text(80), AfterValidator(_name)]
    email: Email = Field(description="Where the confirmation link goes; a change cannot swap it.")
    meeting_address: text(200) = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    group_size: whole(1) = Field(
        1, description="People in the group; the program sets the largest."
    )
    languages: SpokenLanguages = Field(description="Language codes the group speaks.")
    interests: Interests = Field([], description="Slugs of the program's interests.")
    accessibility: text(300) = ""
    note: text(1000) = ""
    phone: Phone = Field(
        "", description="Given to the local once they accept (a call or WhatsApp); optional."
    )

    @classmethod
    def _common(cls, match_request) -> dict:
        return {
            "name": match_request.name,
            "email": match_request.email,
            "meeting_address": match_request.meeting_address,
            "latitude": float(match_request.latitude),
            "longitude": float(match_request.longitude),
            "group_size": match_request.group_size,
            "languages": list(match_request.languages),
            "interests": list(match_request.interests),
            "accessibility": match_request.accessibility,
            "note": match_request.note,
            "phone": match_request.phone,
        }


class GuidesRequestInput(MatchRequestInput):
    """A guides program's request: free from `starts_at` to `ends_at`."""

    starts_at: Moment
    ends_at: Moment

    @model_validator(mode="after")
    def _ends_after_start(self):
        if self.ends_at <= self.starts_at:
            rule_errors([("ends_at", _("The end must come after the start."))])
        return self

    @property
    def window(self):
        return self.starts_at, self.ends_at

    @classmethod
    def of(cls, match_request) -> "GuidesRequestInput":
        """The input that describes `match_request` as it is (the base of a change)."""
        return cls.model_construct(
            **cls._common(match_request),
            starts_at=match_request.starts_at,
            ends_at=match_request.ends_at,
        )


class LayoverRequestInput(MatchRequestInput):
    """A layover program's request: the airport, when the flight lands and when the next one
    leaves. The free window is what remains after leaving the airport and before coming back."""

    airport: Annotated[text(8), AfterValidator(_airport)] = Field(
        description="The airport's code in 3 or 4 letters, e.g. BLQ."
    )
    arrival: Moment
    departure: Moment

    @model_validator(mode="after")
    def _departs_after_arrival(self):
        if self.departure <= self.arrival:
            rule_errors([("departure", _("The departure must come after the arrival."))])
        return self

    @property
    def window(self):
        return self.arrival + AFTER_ARRIVAL, self.departure - BEFORE_DEPARTURE

    @classmethod
    def of(cls, match_request) -> "LayoverRequestInput":
        return cls.model_construct(
            **cls._common(match_request),
            airport=match_request.airport,
            arrival=match_request.starts_at - AFTER_ARRIVAL,
            departure=match_request.ends_at + BEFORE_DEPARTURE,
        )


def request_input_class(kind) -> type[MatchRequestInput]:
    """The request's input for a program of `kind` (guides or layover)."""
    return LayoverRequestInput if str(kind) == "layover" else GuidesRequestInput


def request_input_of(match_request) -> MatchRequestInput:
    """The input that describes a stored request (the edit form's initial values)."""
    return request_input_class(match_request.program.kind).of(match_request)


# --- answers and cancellations ------------------------------------------------------------------


class MatchReasonInput(Input):
    """Why a proposal is declined or a match or request cancelled (optional)."""

    reason: text(300) = Field("", description="Why; the other side reads it.")


class CancelRequestInput(MatchReasonInput):
    """The consumer cancels their request; with `block_peer`, the local of their live match is
    never proposed to them again."""

    block_peer: bool = False


# --- the peer's offer ---------------------------------------------------------------------------


class MatchingSlotInput(Input):
    """Every week on `weekday` (0 Monday … 6 Sunday) from `starts` to `ends`, local time."""

    weekday: whole(0, 6) = Field(description="0 Monday … 6 Sunday.")
    starts: time = Field(description="Local time, e.g. 09:30.")
    ends: time


def _slots(slots: list[MatchingSlotInput]) -> list[MatchingSlotInput]:
    if len(slots) > MAX_SLOTS:
        raise broken(_("Give at most %(num)d weekly slots.") % {"num": MAX_SLOTS})
    errors = [
        ("", _("Slot %(n)d: the end must come after the start.") % {"n": n})
        for n, slot in enumerate(slots, start=1)
        if slot.starts >= slot.ends
    ]
    if not errors:
        ordered = sorted(slots, key=lambda s: (s.weekday, s.starts, s.ends))
        if any(
            a.weekday == b.weekday and b.starts < a.ends
            for a, b in zip(ordered, ordered[1:], strict=False)
        ):
            errors.append(("", _("Two slots on the same day overlap; join them into one.")))
    rule_errors(errors)
    return sorted(slots, key=lambda s: (s.weekday, s.starts, s.ends))


class MatchingProfileInput(Input):
    """What a peer offers: whether they take requests now, their weekly limit, their
    interests, and every weekly slot (which replace the old ones)."""

    accepting: bool = Field(description="False: paused, no new proposals.")
    max_per_week: whole(0, 21)
    interests: Interests
    slots: Annotated[list[MatchingSlotInput], AfterValidator(_slots)] = Field(
        description="Replace every weekly slot."
    )
    phone: Phone = Field(
        "", description="Given to the visitors you accept (a call or WhatsApp); optional."
    )


class DayOffInput(Input):
    """Days away, from `first` to `last` included, whatever the weekly slots say; without
    `last`, the first day only."""

    first: Day
    last: Day | None = Field(None, description="Included; left out or null: just the first day.")
    note: text(120) = ""

    @model_validator(mode="after")
    def _a_real_span(self):
        if self.until < self.first:
            rule_errors([("last", _("The last day cannot come before the first."))])
        elif (self.until - self.first).days > 366:
            rule_errors([("last", _("Days off can span at most a year."))])
        return self

    @property
    def until(self):
        """The last day off, included."""
        return self.last or self.first


# --- a program's matching settings --------------------------------------------------------------


def _lines(check):
    """A wrap validator for a list edited one item a line: an item's fault is reported on
    the list, naming the line; then `check(items)` gives the rules across items as
    (line, message) pairs, all reported at once. Returns the items `check` returns."""

    def validate(value, handler):
        try:
            items = handler(value)
        except ValidationError as exc:
            errors = []
            for error in exc.errors():
                loc = error["loc"]
                if not loc or not isinstance(loc[0], int):
                    raise  # about the list itself: not a list, too long
                errors.append(("", _line_error(loc, error)))
            rule_errors(errors)
        items, errors = check(items)
        rule_errors([("", message) for message in errors])
        return items

    return WrapValidator(validate)


def _line_error(loc, error) -> str:
    line = loc[0] + 1
    missing = error["type"] == "missing" or (
        error["type"] == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1
    )
    if missing and len(loc) > 1:
        return _("Line %(n)d: %(key)s is missing.") % {"n": line, "key": loc[1]}
    return _("Line %(line)d: %(error)s") % {"line": line, "error": error_message(error)}


def _code(value: str) -> str:
    return value.lower()


class MatchingInterestInput(Input):
    """An interest consumers and peers tick: a code and its name in both languages (one name
    is enough; the other is the same)."""

    slug: Annotated[text(50, min_length=1), AfterValidator(_code)]
    name_it: text(80) = ""
    name_en: text(80) = ""


def _check_interests(items):
    errors, seen, cleaned = [], set(), []
    for n, item in enumerate(items, start=1):
        slug = item.slug
        if not slug.replace("-", "").replace("_", "").isalnum() or len(slug) > MAX_CODE:
            errors.append(_("Line %(n)d: use letters, digits and hyphens for the code.") % {"n": n})
        elif slug in seen:
            errors.append(
                _("Line %(n)d: the code %(slug)s is used twice.") % {"n": n, "slug": slug}
            )
        seen.add(slug)
        name_it = item.name_it or item.name_en or slug
        cleaned.append(
            item.model_copy(update={"name_it": name_it, "name_en": item.name_en or name_it})
        )
    return cleaned, errors


class MatchingAirportInput(Input):
    """An airport travellers land at: its code, its name and, to meet there, its place."""

    code: AirportCode = Field(description="3 or 4 letters, such as BLQ.")
    name: text(120) = Field("", description="The code when left empty.")
    lat: Latitude | None = None
    lon: Longitude | None = None


def _check_airports(items):
    errors, cleaned = [], []
    for n, item in enumerate(items, start=1):
        if (item.lat is None) != (item.lon is None):
            errors.append(_("Line %(n)d: give both latitude and longitude, or neither.") % {"n": n})
        cleaned.append(item.model_copy(update={"name": item.name or item.code}))
    return cleaned, errors


class MatchingPerkInput(Input):
    """A perk the business pays the peer when a match is completed (cents)."""

    name_it: text(80) = ""
    name_en: text(80) = ""
    amount_minor: Annotated[int, Field(le=MAX_PERK_MINOR)] = Field(
        description="Cents, paid to the peer when a match is completed."
    )


def _check_perks(items):
    errors, cleaned = [], []
    for n, item in enumerate(items, start=1):
        if not (item.name_it or item.name_en):
            errors.append(_("Line %(n)d: give the perk a name.") % {"n": n})
        if item.amount_minor < 0:
            errors.append(_("Line %(n)d: the amount must be zero or more.") % {"n": n})
        name_it = item.name_it or item.name_en
        cleaned.append(
            item.model_copy(update={"name_it": name_it, "name_en": item.name_en or name_it})
        )
    return cleaned, errors


Weight = whole(0, 1000)


class MatchingSettingsInput(Input):
    """How a guides or layover program matches. Interests, airports and perks are whole
    lists; the weights set what the engine minimises."""

    interests: Annotated[
        list[MatchingInterestInput], Field(max_length=MAX_ITEMS), _lines(_check_interests)
    ]
    airports: Annotated[
        list[MatchingAirportInput], Field(max_length=MAX_ITEMS), _lines(_check_airports)
    ] = Field(description="Layover programs: where travellers land.")
    latitude: Latitude | None = Field(description="The default meeting point.")
    longitude: Longitude | None
    meeting_minutes: whole(15, 24 * 60)
    min_free_minutes: whole(60, 48 * 60) = Field(description="A shorter layover is refused.")
    max_group_size: whole(1, 50)
    max_distance_km: whole(1, 20000) | None = Field(
        description="null: each peer's own travel radius."
    )
    answer_within_hours: whole(1, 168)
    per_day: whole(1, 10) = Field(description="Matches a peer can have on one day.")
    perks: Annotated[list[MatchingPerkInput], Field(max_length=MAX_ITEMS), _lines(_check_perks)]
    weight_distance: Weight
    weight_interest: Weight
    weight_language: Weight
    weight_reliability: Weight
    weight_rating: Weight
    weight_fairness: Weight

    @model_validator(mode="after")
    def _both_coordinates(self):
        if (self.latitude is None) != (self.longitude is None):
            rule_errors([("latitude", _("Give both latitude and longitude, or neither."))])
        return self

    @classmethod
    def of(cls, settings) -> "MatchingSettingsInput":
        """The input that describes a program's settings as they are (the base of a PATCH)."""
        return cls.model_construct(
            interests=[MatchingInterestInput.model_construct(**i) for i in settings.interests],
            airports=[MatchingAirportInput.model_construct(**a) for a in settings.airports],
            latitude=None if settings.latitude is None else float(settings.latitude),
            longitude=None if settings.longitude is None else float(settings.longitude),
            perks=[MatchingPerkInput.model_construct(**p) for p in settings.perks],
            **{name: getattr(settings, name) for name in SCALAR_SETTINGS},
        )


SCALAR_SETTINGS = (
    "meeting_minutes",
    "min_free_minutes",
    "max_group_size",
    "max_distance_km",
    "answer_within_hours",
    "per_day",
    "weight_distance",
    "weight_interest",
    "weight_language",
    "weight_reliability",
    "weight_rating",
    "weight_fairness",
)
