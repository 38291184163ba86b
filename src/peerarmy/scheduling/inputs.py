"""The typed inputs of every change to scheduling (see `peerarmy.inputs`): a block, a recurring
series and a change to it, the fairness limits of a program, a cancellation, a staff release,
a check-in's position, a swap offer and a claim's idempotency key. Each limit is written here
once; the API takes these as its bodies and the console's forms validate through them."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from peerarmy.inputs import (
    ID,
    Input,
    InvalidInput,
    Latitude,
    Longitude,
    Moment,
    Text,
    apply_patch,
    broken,
    context_business,
    patch_model,
    rule_errors,
    stored_degrees,
    text,
    whole,
)
from peerarmy.peers.inputs import LanguageCodes

from . import rrules

# Columns that are small integers on every database (PostgreSQL's `smallint`): a capacity or a
# distance beyond it is bad input on SQLite too.
MAX_SMALL = 2**15 - 1
MAX_REWARD_MINOR = 10**12
MAX_POINTS = 10**9
MAX_RADIUS_M = 1_000_000
# A block is a stretch of work within a day or a night; a series says "every day" instead.
MAX_BLOCK_MINUTES = 24 * 60
# Blocks start within this window around now: far enough back to record one that has just
# happened, far enough ahead for years of planning; a year such as 2020 or 2302 is a typo.
EARLIEST_START = timedelta(days=7)
LATEST_START = timedelta(days=5 * 366)
MAX_SERIES_BLOCKS = 200
MAX_RELEASE_MINUTES = 366 * 24 * 60
# Years any date-time may have before the window is even considered: a year such as 0001
# cannot be turned into UTC at all.
FIRST_YEAR, LAST_YEAR = 2000, 2200
# A claim's idempotency key: any text up to this long (a UUID is 36).
IDEMPOTENCY_KEY_MAX = 100


# --- field types -------------------------------------------------------------------------------


def _sane_year(value):
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range", "Enter a date between {first} and {last}.",
            {"first": f"{FIRST_YEAR}-01-01", "last": f"{LAST_YEAR}-12-31"},
        )  # fmt: skip
    return value


def _zone(info: ValidationInfo):
    business = context_business(info)
    return business.tzinfo if business is not None else UTC


def _exists_on_the_clock(value: datetime, info: ValidationInfo) -> datetime:
    """A time typed without an offset is read on the business's clock: refuse one the clock
    skips (the hour the clocks go forward)."""
    if value.tzinfo is None or value.utcoffset() is None:
        zone = _zone(info)
        there = value.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        if there.replace(tzinfo=None) != value.replace(tzinfo=None):
            raise broken(
                _("This time does not exist on the shop's clock: the clocks go forward then.")
            )
    return value


# A moment of a block: aware as sent, or typed on the business's clock (a time the clock skips
# is refused); UTC once parsed.
BlockMoment = Annotated[
    datetime,
    AfterValidator(_sane_year),
    AfterValidator(_exists_on_the_clock),
    *typing.get_args(Moment)[1:],
]


CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _local_day(moment, business):
    zone = business.tzinfo if business is not None else UTC
    return date_format(timezone.localtime(moment, zone).date(), "DATE_FORMAT")


def start_window(now=None):
    """The first and last moments a block may start at, from `now`."""
    now = now or timezone.now()
    return now - EARLIEST_START, now + LATEST_START


def _minute(moment):
    return moment.replace(second=0, microsecond=0)


def _window_message(info):
    first, last = start_window()
    business = context_business(info)
    return _("A block can start from %(first)s to %(last)s.") % {
        "first": _local_day(first, business),
        "last": _local_day(last, business),
    }


def _outside_window(starts_at, info):
    """The window's rule in words if a block starting at `starts_at` breaks it, else None."""
    first, last = start_window()
    return None if first <= starts_at <= last else _window_message(info)


# --- a block -----------------------------------------------------------------------------------


class BlockFieldsInput(Input):
    """What a block and a recurring series share: the place, the seats, the reward and who may
    claim it. Left out, a field takes its default."""

    place_name: text(120) = ""
    address: text(200) = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    is_remote: bool = Field(False, description="No place: the coordinates are dropped.")
    capacity: whole(1, MAX_SMALL) = Field(1, description="Seats (peers).")
    reward_minor: whole(0, MAX_REWARD_MINOR) = Field(0, description="In cents.")
    reward_currency: CurrencyCode = "EUR"
    reward_points: whole(0, MAX_POINTS) = 0
    required_skills: list[Text] = Field([], max_length=50, description="Skill slugs.")
    required_languages: LanguageCodes = Field(
        [], max_length=20, description="Language codes, e.g. it, en; a peer needs one."
    )
    min_reliability: whole(0, 100) = 0
    max_distance_km: whole(1, MAX_SMALL) | None = None
    check_in_radius_m: whole(1, MAX_RADIUS_M) | None = None

    @field_validator("required_skills")
    @classmethod
    def _once_each(cls, values):
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo):
        rule_errors(self.broken_rules(info), type(self).__name__)
        return self

    def broken_rules(self, info: ValidationInfo) -> list:
        """The rules across fields that this input breaks, as (field, message)."""
        if (self.latitude is None) != (self.longitude is None):
            # Name the half that is missing.
            missing = "longitude" if self.longitude is None else "latitude"
            return [(missing, _("Give both latitude and longitude, or neither."))]
        return []

    @property
    def place(self) -> dict:
        """The place's fields as they are stored: a remote block has no coordinates."""
        remote = self.is_remote
        return {
            "place_name": self.place_name,
            "address": self.address,
            "latitude": None if remote else stored_degrees(self.latitude),
            "longitude": None if remote else stored_degrees(self.longitude),
            "is_remote": remote,
        }

    @classmethod
    def fields_of(cls, obj) -> dict:
        """The shared fields of a block or a template as they are."""
        return {
            "place_name": obj.place_name,
            "address": obj.address,
            "latitude": None if obj.latitude is None else float(obj.latitude),
            "longitude": None if obj.longitude is None else float(obj.longitude),
            "is_remote": obj.is_remote,
            "capacity": obj.capacity,
            "reward_minor": obj.reward_minor,
            "reward_currency": obj.reward_currency,
            "reward_points": obj.reward_points,
            "required_skills": obj.skill_slugs,
            "required_languages": list(obj.required_languages or []),
            "min_reliability": obj.min_reliability,
            "max_distance_km": obj.max_distance_km,
            "check_in_radius_m": obj.check_in_radius_m,
        }


class BlockInput(BlockFieldsInput):
    """A block's times and fields. Times without an offset are read on the business's clock.

    A block starts from a week ago to five years ahead (an existing block keeps its start
    when it is not moved) and lasts at most 24 hours."""

    starts_at: BlockMoment = Field(
        description="With an offset, or without one to mean the business's local time."
    )
    ends_at: BlockMoment
    released_at: BlockMoment | None = Field(
        None, description="When peers may claim it; left out or null: at once."
    )

    def broken_rules(self, info: ValidationInfo) -> list:
        found = super().broken_rules(info)
        if self.ends_at <= self.starts_at:
            found.append(("ends_at", _("The block must end after it starts.")))
        elif self.ends_at - self.starts_at > timedelta(minutes=MAX_BLOCK_MINUTES):
            found.append(("ends_at", _("A block lasts at most 24 hours.")))
        # A block that is edited without being moved keeps its start, however old (to the
        # minute: that is what the console's form shows).
        current = (info.context or {}).get("current_start")
        if current is None or _minute(self.starts_at) != _minute(current):
            problem = _outside_window(self.starts_at, info)
            if problem:
                found.append(("starts_at", problem))
        return found

    @classmethod
    def of(cls, block) -> BlockInput:
        """The input that describes `block` as it is (the base of a PATCH and of the edit
        form)."""
        return cls.model_construct(
            **cls.fields_of(block),
            starts_at=block.starts_at,
            ends_at=block.ends_at,
            released_at=block.released_at,
        )


class NewBlockInput(BlockInput):
    """A new block of a program."""

    program_id: ID


# --- a recurring series ----------------------------------------------------------------------


def _wall_clock(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise broken(_("Give the local wall-clock time, without an offset."))
    return value.replace(microsecond=0)


LocalStart = Annotated[datetime, AfterValidator(_sane_year), AfterValidator(_wall_clock)]


def _exdates(values: list[str]) -> list[str]:
    """Local dates (2025-04-25) or date-times left out of a series."""
    for value in values:
        try:
            day = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise broken(_("Enter valid dates.")) from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise broken(_("Enter valid dates."))
    return values


class SeriesInput(BlockFieldsInput):
    """A recurring series of blocks of a program: an RFC 5545 rule run on the business's
    clock from `start_local`, each block `duration_minutes` long."""

    program_id: ID
    rrule: text(500, min_length=1) = Field(
        description="An RFC 5545 rule with COUNT or UNTIL, e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=8."
    )
    start_local: LocalStart = Field(
        description="The first start as local wall-clock time, without an offset, e.g. "
        "2025-03-01T10:00:00. The blocks stay at that local time across daylight saving."
    )
    duration_minutes: whole(1, MAX_BLOCK_MINUTES)
    exdates: Annotated[list[Text], AfterValidator(_exdates)] = Field(
        [], max_length=400, description="Local dates (2025-04-25) or date-times to leave out."
    )
    release_minutes_before: whole(0, MAX_RELEASE_MINUTES) | None = Field(
        None,
        description="Each block is claimable from this many minutes before its start; "
        "null: at once.",
    )

    def broken_rules(self, info: ValidationInfo) -> list:
        found = super().broken_rules(info)
        problem = rrules.rule_problem(self.rrule, self.start_local)
        if problem:
            return [*found, ("rrule", problem)]
        try:
            starts = self.local_starts()
        except (ValueError, TypeError, OverflowError):
            return [*found, ("rrule", _("This recurrence rule is not valid."))]
        if len(starts) > MAX_SERIES_BLOCKS:
            found.append(
                (
                    "rrule",
                    _("This rule would create more than %(limit)d blocks; give it a COUNT or "
                      "UNTIL.") % {"limit": MAX_SERIES_BLOCKS},
                )
            )  # fmt: skip
            return found
        # The first start must be in the window, and so must the last: a series of ten
        # years ahead is refused naming its rule.
        zone = _zone(info)
        first, last = start_window()
        if self.start_local.replace(tzinfo=zone).astimezone(UTC) < first:
            found.append(("start_local", _window_message(info)))
        elif starts and max(starts).replace(tzinfo=zone).astimezone(UTC) > last:
            found.append(("rrule", _window_message(info)))
        return found

    def local_starts(self) -> list[datetime]:
        """The local wall-clock starts the rule gives, before the exception dates are left
        out (at most one more than allowed)."""
        return rrules.occurrences(self.rrule, self.start_local, MAX_SERIES_BLOCKS)

    def block_starts(self) -> list[datetime]:
        """The local wall-clock starts of the series' blocks: the rule's, less the exception
        dates."""
        days, moments = set(), set()
        for raw in self.exdates:
            if len(raw) == 10:
                days.add(date.fromisoformat(raw))
            else:
                moments.add(datetime.fromisoformat(raw).replace(tzinfo=None, microsecond=0))
        return [s for s in self.local_starts() if s.date() not in days and s not in moments]


# What a change to a series may set on its blocks: the shared block fields (the times come from
# `start_time` and `duration_minutes`; the release time is kept per block).
SERIES_BLOCK_FIELDS = (
    "place_name",
    "address",
    "latitude",
    "longitude",
    "is_remote",
    "capacity",
    "reward_minor",
    "reward_currency",
    "reward_points",
    "required_languages",
    "min_reliability",
    "max_distance_km",
    "check_in_radius_m",
)
SERIES_FIELDS = (*SERIES_BLOCK_FIELDS, "required_skills", "start_time", "duration_minutes")


class SeriesChangeInput(BlockFieldsInput):
    """A series as a change leaves it: the shared fields, the local start time of its blocks
    and their length. Each block keeps its own day."""

    start_time: time = Field(description="The new local start time of every block (HH:MM).")
    duration_minutes: whole(1, MAX_BLOCK_MINUTES)

    @field_validator("start_time")
    @classmethod
    def _minutes(cls, value: time) -> time:
        return value.replace(second=0, microsecond=0, tzinfo=None)

    @classmethod
    def of(cls, template) -> SeriesChangeInput:
        return cls.model_construct(
            **cls.fields_of(template),
            start_time=datetime.fromisoformat(template.dtstart_local).time(),
            duration_minutes=template.duration_minutes,
        )


class SeriesPatchInput(patch_model(SeriesChangeInput, "SeriesChangeFields")):
    """A change to a series: the fields it sets are what changes, on the template and on its
    blocks that have not started (with `from_block`: that block and the following ones). A
    field left out keeps each block's own value. The API's PATCH body is this input; the
    console makes it from one block's form (`from_block_edit`)."""

    from_block: ID | None = Field(
        None,
        description="Change this block of the series and the following ones only; "
        "left out: every block that has not started.",
    )

    @property
    def changes(self) -> dict:
        """The series' fields this change sets, with their values."""
        return {
            name: getattr(self, name) for name in SERIES_FIELDS if name in self.model_fields_set
        }

    def applied_to(self, template, business) -> SeriesChangeInput:
        """The series as this change leaves it (the template's input overlaid with the fields
        set), every rule run on the whole; `InvalidInput` names the fields at fault."""
        return apply_patch(
            SeriesChangeInput,
            SeriesChangeInput.of(template).model_dump(),
            self.changes,
            business=business,
        )

    @classmethod
    def from_block_edit(cls, block, edited: BlockInput, zone) -> SeriesPatchInput:
        """The change a person made on the form of `block` (a block of a series), as a change
        to it and the following blocks: the fields whose value they changed (a place's
        coordinates go together), the new local start time and length. A change only one
        block can take (another day, another "claimable from") is refused naming its field.
        `zone` is the business's time zone."""
        was = BlockInput.of(block)
        starts, ends = edited.starts_at.astimezone(zone), edited.ends_at.astimezone(zone)
        was_starts = block.starts_at.astimezone(zone)
        refused = []
        if starts.date() != was_starts.date():
            refused.append(
                (
                    "starts_at",
                    _("For the following blocks only the time can change, each keeps its day. "
                      "To move this block to another day, choose “Only this block”."),
                )
            )  # fmt: skip
        if edited.released_at is not None and _minute(edited.released_at) != _minute(
            block.released_at
        ):
            refused.append(
                ("released_at", _("“Claimable from” can be changed for one block at a time."))
            )
        if refused:
            raise InvalidInput(refused)
        changes = {
            name: getattr(edited, name)
            for name in SERIES_BLOCK_FIELDS
            if _comparable(name, getattr(edited, name)) != _comparable(name, getattr(was, name))
        }
        if sorted(edited.required_skills) != sorted(was.required_skills):
            changes["required_skills"] = edited.required_skills
        if {"latitude", "longitude"} & set(changes):
            changes.update(latitude=edited.latitude, longitude=edited.longitude)
        if (starts.hour, starts.minute) != (was_starts.hour, was_starts.minute):
            changes["start_time"] = starts.time().replace(second=0, microsecond=0)
        minutes = int((ends - starts).total_seconds() // 60)
        if minutes != int(block.duration.total_seconds() // 60):
            changes["duration_minutes"] = minutes
        return cls.parse({**changes, "from_block": block.pk})


def _comparable(name, value):
    if name in ("latitude", "longitude"):
        return stored_degrees(value)
    if name == "required_languages":
        return sorted(value)
    return value


# --- the fairness limits of a program ---------------------------------------------------------


class FairnessLimitsInput(Input):
    """The protection a program owes its peers."""

    max_hours_per_week: whole(1, 80) = Field(description="Hours per peer per ISO week.")
    min_rest_minutes: whole(0, 1440) = Field(description="Rest between two blocks of a peer.")
    max_future_blocks: whole(1, 100) = Field(description="Upcoming blocks one peer may hold.")
    forfeit_cutoff_minutes: whole(0, 2880) = Field(
        description="Peers may release (or offer) a block up to this many minutes before it."
    )

    @classmethod
    def of(cls, limits) -> FairnessLimitsInput:
        return cls.model_construct(
            max_hours_per_week=limits.max_hours_per_week,
            min_rest_minutes=limits.min_rest_minutes,
            max_future_blocks=limits.max_future_blocks,
            forfeit_cutoff_minutes=limits.forfeit_cutoff_minutes,
        )


# --- small inputs of the other changes ----------------------------------------------------------


def _reason_given(value: str) -> str:
    if not value:
        raise broken(_("Give a reason: the peers who claimed the block read it."))
    return value


class CancelBlockInput(Input):
    """Why a block is cancelled: every peer who claimed it reads it."""

    reason: Annotated[text(1000), AfterValidator(_reason_given)] = Field(
        "", validate_default=True, description="Why; every peer who claimed it reads it."
    )


class StaffReleaseInput(Input):
    excused: bool = Field(
        False, description="Spare the peer the reliability event of a late release."
    )


class PositionInput(Input):
    """Where a peer is when checking in or out; used for that check only."""

    lat: Latitude | None = Field(None, description="Your latitude.")
    lon: Longitude | None = Field(None, description="Your longitude.")


def _peer_chosen(value):
    if value is None:
        raise broken(_("Choose the peer to offer the block to."))
    return value


class SwapOfferInput(Input):
    """The peer of the same army a claimed block is offered to."""

    peer_id: Annotated[ID | None, AfterValidator(_peer_chosen)] = Field(
        None, validate_default=True, description="The peer of this army you offer the block to."
    )


class ClaimKeyInput(Input):
    """The idempotency key a claim may carry: the `Idempotency-Key` header on the API, a field
    the page writes into its claim buttons. Any text up to 100 characters; spaces around it
    do not count, and an empty one is no key."""

    key: text(IDEMPOTENCY_KEY_MAX) | None = Field(None, alias="Idempotency-Key")

    @classmethod
    def key_of(cls, raw) -> str | None:
        """The key as a claim keeps it, or None; `InvalidInput` naming `Idempotency-Key` for
        one that is too long or cannot be stored."""
        if raw is None:
            return None
        return cls.parse({"Idempotency-Key": raw}).key or None
