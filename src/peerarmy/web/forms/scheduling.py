"""Forms of the scheduling pages: the peer's filters, the console's schedule navigation and its
block, recurring series, cancellation and fairness-limits forms, and the choice on a block of a
recurring series between changing only that block or the following ones too.

The console's forms are `InputForm`s over scheduling's typed inputs, as the API's bodies are:
their fields only show and read, and every limit is the input's. Times are typed on the
business's clock (the input reads a time without an offset in the business's time zone)."""

import re
from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.peers.models import LANGUAGE_CHOICES
from peerarmy.scheduling.inputs import (
    FIRST_YEAR,
    LAST_YEAR,
    BlockInput,
    CancelBlockInput,
    FairnessLimitsInput,
    NewBlockInput,
    SeriesInput,
)

from .base import OMIT, CoordinateField, InputForm, MoneyField, parse_money, skill_choices

LOCAL_INPUT = "%Y-%m-%dT%H:%M"

WEEKDAYS = [
    ("MO", pgettext_lazy("weekday", "Monday")),
    ("TU", pgettext_lazy("weekday", "Tuesday")),
    ("WE", pgettext_lazy("weekday", "Wednesday")),
    ("TH", pgettext_lazy("weekday", "Thursday")),
    ("FR", pgettext_lazy("weekday", "Friday")),
    ("SA", pgettext_lazy("weekday", "Saturday")),
    ("SU", pgettext_lazy("weekday", "Sunday")),
]


def _local_datetime(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )


def _local(moment, tz):
    """An aware moment as the business's clock shows it, for a datetime-local box."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def euros(minor):
    """Cents as a person types euros: 2500 → "25,00"."""
    return f"{Decimal(minor or 0).scaleb(-2):.2f}".replace(".", ",")


def _schedulable(day):
    """A local day a schedule can show: within the years a block can be dated in (a year such
    as 0001 or 9999 cannot even be turned into UTC)."""
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise forms.ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": f"{FIRST_YEAR}-01-01", "last": f"{LAST_YEAR}-12-31"},
            code="out_of_range",
        )
    return day


class PeerBlockFilterForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=100)

    def clean_day(self):
        return _schedulable(self.cleaned_data.get("day"))


class ScheduleForm(forms.Form):
    """The week (any day of it) or the month the console's schedule shows."""

    view = forms.ChoiceField(
        choices=[("week", "week"), ("month", "month")], required=False, initial="week"
    )
    week = forms.DateField(required=False)
    month = forms.CharField(required=False)

    def clean_week(self):
        return _schedulable(self.cleaned_data.get("week"))

    def clean_month(self):
        """The first day of the month given as YYYY-MM (a full date names its month)."""
        raw = (self.cleaned_data.get("month") or "").strip()
        if not raw:
            return None
        try:
            first = date.fromisoformat(raw[:7] + "-01")
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None
        return _schedulable(first)


class BlockFieldsForm(InputForm):
    """The fields a single block and a recurring series share."""

    input_names = {"reward": "reward_minor", "program": "program_id"}

    place_name = forms.CharField(label=_("Place"), required=False)
    address = forms.CharField(label=_("Address"), required=False)
    latitude = CoordinateField(label=_("Latitude"), axis="latitude")
    longitude = CoordinateField(label=_("Longitude"), axis="longitude")
    is_remote = forms.BooleanField(label=_("Remote (no place)"), required=False)
    capacity = forms.IntegerField(label=_("Capacity (peers)"), required=False, initial=1)
    reward = MoneyField(label=_("Reward (€)"), help_text=_("For example 25,00."))
    reward_points = forms.IntegerField(label=_("Reward points"), required=False, initial=0)
    required_skills = forms.MultipleChoiceField(
        label=_("Required skills"), required=False, widget=forms.CheckboxSelectMultiple
    )
    required_languages = forms.MultipleChoiceField(
        label=_("Languages (at least one of)"),
        required=False,
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    min_reliability = forms.IntegerField(
        label=_("Minimum reliability (0-100)"), required=False, initial=0
    )
    max_distance_km = forms.IntegerField(label=_("Only peers within (km)"), required=False)
    check_in_radius_m = forms.IntegerField(label=_("Check-in only within (metres)"), required=False)

    def __init__(self, *args, skills=(), programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_skills"].choices = skill_choices(skills)
        self.programs = {str(p.pk): p for p in programs or ()}
        if "program" in self.fields:
            self.fields["program"].choices = [(p.pk, p.title) for p in programs or ()]

    def to_input_reward(self, raw):
        if not (raw or "").strip():
            # An empty box is no amount: left out on a new block (no reward, the default);
            # emptied on an edit form, refused like a null on the API's PATCH.
            return ""
        minor = parse_money(raw)
        if minor is None:
            raise forms.ValidationError(
                _("Enter an amount such as 12,50 or 12.50."), code="invalid"
            )
        return minor

    def to_input_program(self, raw):
        # The program is chosen from a list: anything else is not a choice of this page.
        if raw in (None, ""):
            return OMIT
        if str(raw) not in self.programs:
            raise forms.ValidationError(
                _("Select a valid choice. That choice is not one of the available choices."),
                code="invalid_choice",
            )
        return int(raw)


class BlockForm(BlockFieldsForm):
    """One block: its program (when new), times on the business's clock, place, seats, reward
    and who may claim it. The rules are `BlockInput`'s (`NewBlockInput`'s for a new block),
    as on the API."""

    program = forms.ChoiceField(label=_("Program"), required=False)
    starts_at = _local_datetime(_("Starts"))
    ends_at = _local_datetime(_("Ends"))
    released_at = _local_datetime(
        _("Claimable from"), help_text=_("Peers cannot claim it before. Empty: at once.")
    )
    field_order = ["program", "starts_at", "ends_at", "released_at"]

    def __init__(self, *args, block=None, business=None, programs=None, **kwargs):
        self.block = block
        self.input_class = NewBlockInput if block is None else BlockInput
        tz = business.tzinfo if business is not None else None
        if block is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(block, tz)
        elif block is None and "initial" not in kwargs:
            from peerarmy.scheduling.selectors import default_block_program

            default = default_block_program(programs or ())
            kwargs["initial"] = {"program": default.pk} if default is not None else {}
        super().__init__(*args, business=business, programs=programs, **kwargs)
        if block is not None:
            del self.fields["program"]

    @staticmethod
    def initial_for(block, tz):
        data = BlockInput.of(block).model_dump()
        data.update(
            starts_at=_local(block.starts_at, tz),
            ends_at=_local(block.ends_at, tz),
            released_at=_local(block.released_at, tz),
            reward=euros(block.reward_minor),
        )
        return data

    def input_data(self):
        data = super().input_data()
        if self.block is not None:
            # What the form does not show keeps the block's value.
            shown = set(self._input_fields.values())
            current = BlockInput.of(self.block).model_dump()
            data.update({k: v for k, v in current.items() if k not in shown})
        return data

    def input_context(self):
        context = super().input_context() or {}
        if self.block is not None:
            context["current_start"] = self.block.starts_at
        return context


def _date_list(raw):
    return [part for part in re.split(r"[\s,;]+", raw or "") if part]


class TemplateForm(BlockFieldsForm):
    """A weekly recurrence from simple fields, or a raw RFC 5545 rule for the rest; the rules
    are `SeriesInput`'s, as on the API."""

    input_class = SeriesInput
    input_names = {
        **BlockFieldsForm.input_names,
        "first_day": "start_local",
        "release_hours_before": "release_minutes_before",
    }

    program = forms.ChoiceField(label=_("Program"), required=False)
    first_day = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=date.today,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On"), required=False, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(
        label=_("Start time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, initial=180
    )
    # How long the weekly rule runs: a way of writing its UNTIL. The series' own limits
    # (200 blocks, five years ahead) are the input's, as on the API.
    weeks = forms.IntegerField(label=_("For how many weeks"), required=False, initial=8)
    until = forms.DateField(
        label=_("Or until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    exdates = forms.CharField(
        label=_("Except on"),
        required=False,
        help_text=_("Dates as YYYY-MM-DD, separated by commas."),
    )
    release_hours_before = forms.IntegerField(
        label=_("Claimable from (hours before the start)"),
        required=False,
        help_text=_("Empty: claimable at once."),
    )
    rrule = forms.CharField(
        label=_("Advanced: recurrence rule (RFC 5545)"),
        required=False,
        help_text=_("For example FREQ=WEEKLY;BYDAY=SA;COUNT=8. Replaces the days and weeks."),
    )
    field_order = [
        "program",
        "first_day",
        "weekdays",
        "start_time",
        "duration_minutes",
        "weeks",
        "until",
        "exdates",
        "release_hours_before",
        "rrule",
    ]

    def __init__(self, *args, programs=None, **kwargs):
        if "initial" not in kwargs:
            from peerarmy.scheduling.selectors import default_block_program

            default = default_block_program(programs or ())
            kwargs["initial"] = {"program": default.pk} if default is not None else {}
        super().__init__(*args, programs=programs, **kwargs)

    def _advanced(self):
        return (self.data.get(self.add_prefix("rrule")) or "").strip()

    def to_input_first_day(self, raw):
        """The first day and the start time, as the first start on the business's clock."""
        raw = (raw or "").strip()
        if not raw:
            return OMIT
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(_("Enter a valid date."), code="invalid") from None
        try:
            at = self.fields["start_time"].clean(self["start_time"].data)
        except forms.ValidationError:
            return OMIT  # the start time says what is wrong with it
        return OMIT if at is None else datetime.combine(day, at).isoformat()

    def to_input_rrule(self, raw):
        """The advanced rule as typed, or one built from the days and weeks."""
        rule = (raw or "").strip().removeprefix("RRULE:")
        if rule:
            return rule
        days = self.cleaned_data.get("weekdays")
        last = self.cleaned_data.get("until")
        first = self._first_day()
        if not days or first is None:
            return OMIT
        if last is None:
            weeks = self.cleaned_data.get("weeks")
            if not weeks or weeks < 1:
                return OMIT
            # A count of weeks beyond the calendar ends the rule on its last day (the input
            # then refuses it as too many blocks or too far ahead).
            last = date.fromordinal(min(first.toordinal() + 7 * weeks - 1, date.max.toordinal()))
        return f"FREQ=WEEKLY;BYDAY={','.join(days)};UNTIL={last:%Y%m%d}T235959"

    def _first_day(self):
        try:
            return date.fromisoformat((self["first_day"].data or "").strip())
        except ValueError:
            return None

    def to_input_exdates(self, raw):
        return _date_list(raw)

    def to_input_release_hours_before(self, raw):
        raw = (raw or "").strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            return OMIT
        try:
            hours = int(raw)
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Enter a whole number."), code="invalid") from None
        return hours * 60

    def clean(self):
        data = super().clean()
        if not self._advanced():
            if not data.get("weekdays"):
                self.add_error("weekdays", _("Pick at least one day of the week."))
            weeks = data.get("weeks")
            if (not weeks or weeks < 1) and not data.get("until") and "weeks" not in self.errors:
                self.add_error("weeks", _("Say for how many weeks, or until when."))
        return data

    def form_field(self, input_field):
        head = str(input_field or "").split(".")[0]
        if head == "rrule" and not self._advanced():
            # A rule built from the days and weeks: its faults (too many blocks, too far
            # ahead) belong to how long it runs.
            for name in ("weekdays", "weeks", "until"):
                if name in self.errors:
                    return name
            return "until" if self.cleaned_data.get("until") else "weeks"
        if head == "start_local" and "start_time" in self.errors:
            return "start_time"
        if head == "release_minutes_before":
            return "release_hours_before"
        return super().form_field(input_field)


class CancelBlockForm(InputForm):
    """The reason every claimant reads, and a box against cancelling by mistake."""

    input_class = CancelBlockInput

    reason = forms.CharField(
        label=_("Reason (sent to the peers who claimed it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(label=_("Yes, cancel this block"), required=True)


# --- fairness limits ---


class FairnessLimitsForm(InputForm):
    """The rules are `FairnessLimitsInput`'s, as on the API."""

    input_class = FairnessLimitsInput

    max_hours_per_week = forms.IntegerField(
        label=_("Maximum hours per peer per week"), required=False
    )
    min_rest_minutes = forms.IntegerField(
        label=_("Minimum rest between two blocks of one peer (minutes)"), required=False
    )
    max_future_blocks = forms.IntegerField(
        label=_("Maximum upcoming blocks one peer may hold"), required=False
    )
    forfeit_cutoff_minutes = forms.IntegerField(
        label=_("Peers may release or offer a block up to (minutes before it starts)"),
        required=False,
    )

    def __init__(self, *args, limits=None, **kwargs):
        if limits is not None and "initial" not in kwargs:
            kwargs["initial"] = FairnessLimitsInput.of(limits).model_dump()
        super().__init__(*args, **kwargs)


# --- recurring series: only this block, or the following ones too ---


ONLY_THIS = "this"
FOLLOWING = "following"

# The series' fields and the block form's fields they come from.
FORM_FIELD = {"start_time": "starts_at", "duration_minutes": "ends_at", "reward_minor": "reward"}


class SeriesScopeForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Apply the changes to"),
        choices=[
            (ONLY_THIS, _("Only this block")),
            (FOLLOWING, _("This and all following blocks of the series")),
        ],
        initial=ONLY_THIS,
        widget=forms.RadioSelect,
    )

    @property
    def following(self):
        return self.is_valid() and self.cleaned_data["scope"] == FOLLOWING


def add_series_error(form, exc):
    """Show a series error next to the block form's field it comes from."""
    for field, message in exc.field_errors or [(None, exc.message)]:
        name = FORM_FIELD.get(field, field)
        form.add_error(name if name in form.fields else None, str(message))
