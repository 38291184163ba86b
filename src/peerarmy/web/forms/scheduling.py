"""Forms of the scheduling pages: the peer's filters and the console's block, recurring
template and cancellation forms, the fairness limits, and the choice on a block of a recurring
series between changing only that block or the following ones too. They parse what a person typed into the shapes the
scheduling services take; the services decide what is valid.

Times are typed in the business's time zone: the views validate these forms inside
`timezone.override(business.tzinfo)`, so the datetimes come out aware in that zone."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.peers.models import LANGUAGE_CHOICES
from peerarmy.scheduling.recurrence import SERIES_BLOCK_FIELDS

from .base import CoordinateField, DomainErrorsMixin, MoneyField

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


def _local_datetime(label, required=True, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )


class PeerBlockFilterForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=100)


class BlockFieldsForm(DomainErrorsMixin, forms.Form):
    """The fields a single block and a recurring template share."""

    place_name = forms.CharField(label=_("Place"), required=False, max_length=120)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)
    is_remote = forms.BooleanField(label=_("Remote (no place)"), required=False)
    capacity = forms.IntegerField(label=_("Capacity (peers)"), min_value=1, initial=1)
    reward = MoneyField(label=_("Reward (€)"), help_text=_("For example 25,00."))
    reward_points = forms.IntegerField(label=_("Reward points"), min_value=0, initial=0)
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
        label=_("Minimum reliability (0-100)"), min_value=0, max_value=100, initial=0
    )
    max_distance_km = forms.IntegerField(
        label=_("Only peers within (km)"), required=False, min_value=1
    )
    check_in_radius_m = forms.IntegerField(
        label=_("Check-in only within (metres)"), required=False, min_value=1
    )

    def __init__(self, *args, skills=(), programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_skills"].choices = [(s.slug, s.name) for s in skills]
        if "program" in self.fields:
            if programs is None:
                del self.fields["program"]
            else:
                self.fields["program"].choices = [(p.pk, p.title) for p in programs]
                self.programs = {str(p.pk): p for p in programs}

    def block_fields(self):
        d = self.cleaned_data
        return {
            "place_name": d["place_name"],
            "address": d["address"],
            "latitude": d["latitude"],
            "longitude": d["longitude"],
            "is_remote": d["is_remote"],
            "capacity": d["capacity"],
            "reward_minor": d["reward"],
            "reward_points": d["reward_points"] or 0,
            "required_skills": list(d["required_skills"]),
            "required_languages": list(d["required_languages"]),
            "min_reliability": d["min_reliability"] or 0,
            "max_distance_km": d["max_distance_km"],
            "check_in_radius_m": d["check_in_radius_m"],
        }

    def program(self):
        return self.programs[self.cleaned_data["program"]]


class BlockForm(BlockFieldsForm):
    program = forms.ChoiceField(label=_("Program"))
    starts_at = _local_datetime(_("Starts"))
    ends_at = _local_datetime(_("Ends"))
    released_at = _local_datetime(
        _("Claimable from"),
        required=False,
        help_text=_("Peers cannot claim it before. Empty: at once."),
    )
    field_order = ["program", "starts_at", "ends_at", "released_at"]

    def service_data(self):
        data = self.block_fields()
        d = self.cleaned_data
        data.update(starts_at=d["starts_at"], ends_at=d["ends_at"])
        if d["released_at"] is not None:
            data["released_at"] = d["released_at"]
        return data

    @staticmethod
    def initial_for(block, tz):
        def local(moment):
            return moment.astimezone(tz).replace(tzinfo=None) if moment else None

        return {
            "starts_at": local(block.starts_at),
            "ends_at": local(block.ends_at),
            "released_at": local(block.released_at),
            "place_name": block.place_name,
            "address": block.address,
            "latitude": block.latitude,
            "longitude": block.longitude,
            "is_remote": block.is_remote,
            "capacity": block.capacity,
            "reward": f"{Decimal(block.reward_minor).scaleb(-2):.2f}".replace(".", ","),
            "reward_points": block.reward_points,
            "required_skills": [s.slug for s in block.required_skills.all()],
            "required_languages": block.required_languages,
            "min_reliability": block.min_reliability,
            "max_distance_km": block.max_distance_km,
            "check_in_radius_m": block.check_in_radius_m,
        }


def _parse_dates(text):
    days = []
    for part in re.split(r"[\s,;]+", text or ""):
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part))
        except ValueError as exc:
            raise forms.ValidationError(
                _("Enter dates as YYYY-MM-DD, separated by commas."), code="invalid"
            ) from exc
    return days


class TemplateForm(BlockFieldsForm):
    """A weekly recurrence from simple fields, or a raw RFC 5545 rule for the rest."""

    program = forms.ChoiceField(label=_("Program"))
    first_day = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), initial=date.today
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On"), required=False, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60, initial=180
    )
    weeks = forms.IntegerField(
        label=_("For how many weeks"), required=False, min_value=1, max_value=52, initial=8
    )
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
        min_value=1,
        help_text=_("Empty: claimable at once."),
    )
    rrule = forms.CharField(
        label=_("Advanced: recurrence rule (RFC 5545)"),
        required=False,
        max_length=500,
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

    def clean_exdates(self):
        return _parse_dates(self.cleaned_data.get("exdates"))

    def clean_rrule(self):
        return (self.cleaned_data.get("rrule") or "").strip().removeprefix("RRULE:")

    def clean(self):
        d = super().clean()
        if not d.get("rrule"):
            if not d.get("weekdays"):
                self.add_error("weekdays", _("Pick at least one day of the week."))
            if not d.get("weeks") and not d.get("until"):
                self.add_error("weeks", _("Say for how many weeks, or until when."))
        return d

    def rule(self):
        d = self.cleaned_data
        if d["rrule"]:
            return d["rrule"]
        if d.get("until"):
            last = d["until"]
        else:
            last = d["first_day"] + timedelta(days=7 * d["weeks"] - 1)
        return f"FREQ=WEEKLY;BYDAY={','.join(d['weekdays'])};UNTIL={last:%Y%m%d}T235959"

    def service_kwargs(self):
        d = self.cleaned_data
        fields = self.block_fields()
        hours = d.get("release_hours_before")
        return {
            "rrule": self.rule(),
            "start_local": datetime.combine(d["first_day"], d["start_time"]),
            "duration_minutes": d["duration_minutes"],
            "exdates": [x.isoformat() for x in d["exdates"]],
            "release_minutes_before": hours * 60 if hours else None,
            **fields,
        }


class CancelBlockForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the peers who claimed it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(label=_("Yes, cancel this block"), required=True)


class ExportForm(forms.Form):
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)


# --- fairness limits ---


class FairnessLimitsForm(DomainErrorsMixin, forms.Form):
    max_hours_per_week = forms.IntegerField(
        label=_("Maximum hours per peer per week"), min_value=1, max_value=80
    )
    min_rest_minutes = forms.IntegerField(
        label=_("Minimum rest between two blocks of one peer (minutes)"),
        min_value=0,
        max_value=1440,
    )
    max_future_blocks = forms.IntegerField(
        label=_("Maximum upcoming blocks one peer may hold"), min_value=1, max_value=100
    )
    forfeit_cutoff_minutes = forms.IntegerField(
        label=_("Peers may release or offer a block up to (minutes before it starts)"),
        min_value=0,
        max_value=2880,
    )


# --- recurring series: only this block, or the following ones too ---


ONLY_THIS = "this"
FOLLOWING = "following"

# The service's fields and the block form's fields they come from.
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


def _minute(moment):
    return moment.replace(second=0, microsecond=0) if moment else None


def _same(name, new, old):
    if name in ("latitude", "longitude"):
        return (new is None and old is None) or (
            new is not None and old is not None and Decimal(new) == Decimal(old)
        )
    if name == "required_languages":
        return sorted(new or []) == sorted(old or [])
    return new == old


def series_changes(form, block, tz):
    """What the person changed on this block's form, for the series; or None after adding
    an error to the form for a change that only this block can take (its date, its
    claimable-from time)."""
    d = form.cleaned_data
    starts, ends = d["starts_at"].astimezone(tz), d["ends_at"].astimezone(tz)
    was_starts = block.starts_at.astimezone(tz)
    ok = True
    if starts.date() != was_starts.date():
        form.add_error(
            "starts_at",
            _(
                "For the following blocks only the time can change, each keeps its day. "
                "To move this block to another day, choose “Only this block”."
            ),
        )
        ok = False
    released = d.get("released_at")
    if released is not None and _minute(released) != _minute(block.released_at):
        form.add_error(
            "released_at",
            _("“Claimable from” can be changed for one block at a time."),
        )
        ok = False
    if not ok:
        return None
    changes = {}
    if (starts.hour, starts.minute) != (was_starts.hour, was_starts.minute):
        changes["start_time"] = f"{starts:%H:%M}"
    minutes = int((ends - starts).total_seconds() // 60)
    if minutes != int(block.duration.total_seconds() // 60):
        changes["duration_minutes"] = minutes
    new = form.service_data()
    for name in SERIES_BLOCK_FIELDS:
        if name in new and not _same(name, new[name], getattr(block, name)):
            changes[name] = new[name]
    old_skills = sorted(s.slug for s in block.required_skills.all())
    if sorted(new.get("required_skills", [])) != old_skills:
        changes["required_skills"] = new["required_skills"]
    return changes


def add_series_error(form, exc):
    """Show a series error next to the block form's field it comes from."""
    field = FORM_FIELD.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))
