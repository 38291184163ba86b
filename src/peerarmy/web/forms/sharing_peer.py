"""Forms of the peer's sharing pages: the asset a peer lists through the shop, its photos and
its state, and the pick-up and return of a booking of it.

The asset's form is an `InputForm` over `AssetInput`, as the API's body is. What a person types
is shaped for people, not engineers: prices in euros, booking lengths picked from a list, the
weekly hours as one row per day of the week (ticked: open, with its hours), and the days it is
away as a list to untick plus a range of days to add."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.sharing.inputs import AssetInput, AssetStateInput, CheckInInput, CheckOutInput
from peerarmy.sharing.models import AssetKind, AssetState, Propulsion

from .base import OMIT, CoordinateField, InputForm
from .rewards import euros_to_cents, money_input

NOT_A_CHOICE = _("Select a valid choice. That choice is not one of the available choices.")
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
TIME_FORMAT = "%H:%M"
MAX_BLOCKED_RANGE_DAYS = 92  # a range of days away is at most a season
ANY_TIME, SOME_HOURS = "any", "hours"

# The booking lengths a peer picks from, in minutes.
SHORTEST = (30, 60, 120, 180, 240, 1440)
LONGEST = (120, 240, 480, 1440, 2 * 1440, 3 * 1440, 7 * 1440, 14 * 1440, 30 * 1440)


def _length_choices(options, current):
    from peerarmy.sharing.services import minutes_words

    minutes = sorted(set(options) | ({int(current)} if current else set()))
    return [(str(m), minutes_words(m)) for m in minutes]


def _time_field(label):
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=[TIME_FORMAT, "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format=TIME_FORMAT),
    )


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}), **kwargs
    )


def _decimal_point(raw):
    """A coordinate as typed, with a decimal comma or point."""
    return raw.strip().replace(",", ".") if isinstance(raw, str) else raw


class EuroBox(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "placeholder": "0,00"})


class PeerAssetForm(InputForm):
    """The asset a peer lists: one `AssetInput`, with the week's hours and the days away made
    from the rows of the page."""

    input_class = AssetInput
    input_names = {
        "program": "program_id",
        "station": "station_id",
        "hour_price": "hour_minor",
        "day_price": "day_minor",
        "deposit": "deposit_minor",
        "shortest": "min_minutes",
        "longest": "max_minutes",
    }
    euro_fields = ("hour_price", "day_price", "deposit")  # typed in euros, read in cents

    program = forms.ChoiceField(label=_("Sharing program"), required=False)
    kind = forms.ChoiceField(
        label=_("What is it?"), required=False, choices=[("", "—")] + AssetKind.choices
    )
    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(
        label=_("Name (English)"), required=False, help_text=_("Empty: the Italian name.")
    )
    description_it = forms.CharField(
        label=_("Description (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What it is good for, its size, what comes with it (a lock, a child seat)."),
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    propulsion = forms.ChoiceField(
        label=_("How it moves"),
        required=False,
        choices=[("", pgettext_lazy("propulsion", "Not a vehicle"))] + Propulsion.choices,
    )
    range_km = forms.IntegerField(
        label=_("Range on a full battery or tank (km)"), required=False, help_text=_("Optional.")
    )
    seats = forms.IntegerField(
        label=_("Seats"), required=False, help_text=_("Riders or passengers, the driver included.")
    )
    station = forms.ChoiceField(label=_("Where it is picked up and returned"), required=False)
    latitude = CoordinateField(label=_("Latitude"), axis="latitude")
    longitude = CoordinateField(label=_("Longitude"), axis="longitude")
    position_note = forms.CharField(
        label=_("Where to find it"),
        required=False,
        help_text=_("For example: “courtyard of Via Irnerio 12, ring the bell Rossi”."),
    )
    hour_price = EuroBox(label=_("Price per hour (€)"))
    day_price = EuroBox(
        label=_("Price per day (€)"),
        help_text=_("A day never costs more than this, however many hours. Empty: by the hour."),
    )
    deposit = EuroBox(
        label=_("Deposit (€)"), help_text=_("Held at pick-up and given back at the return.")
    )
    shortest = forms.ChoiceField(label=_("Shortest booking"), required=False)
    longest = forms.ChoiceField(label=_("Longest booking"), required=False)
    condition_notes = forms.CharField(
        label=_("Condition"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Scratches or quirks a rider should know about."),
    )
    when = forms.ChoiceField(
        label=_("When can riders pick it up and bring it back?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (ANY_TIME, _("At any time of any day")),
            (SOME_HOURS, _("Only on the days and at the hours ticked below")),
        ],
    )
    blocked_keep = forms.MultipleChoiceField(
        label=_("Days it is away"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick a day to make it bookable again."),
    )
    away_from = _date_field(_("Away from"))
    away_until = _date_field(_("Until (included)"), help_text=_("Empty: just that day."))

    def __init__(self, *args, programs=(), stations=(), asset=None, business=None, **kwargs):
        self.asset = asset
        if "initial" not in kwargs:
            kwargs["initial"] = (
                self.initial_for(asset) if asset is not None else self.new_initial(programs)
            )
        super().__init__(*args, business=business, **kwargs)
        for name in self.euro_fields:
            for attr in ("maxlength", "min", "max"):  # the input's limits are in cents
                self.fields[name].widget.attrs.pop(attr, None)
        self.programs = {str(p.pk): p for p in programs}
        self.fields["program"].choices = [(p.pk, p.title) for p in programs]
        if len(programs) != 1:
            self.fields["program"].choices.insert(0, ("", "—"))
        self.stations = {str(s.pk): s for s in stations}
        titles = {p.pk: p.title for p in programs}
        at_home = [("", _("At my place: I say where below"))]
        if len(programs) > 1:
            grouped = {}
            for s in stations:
                grouped.setdefault(titles.get(s.program_id, ""), []).append(
                    (s.pk, f"{s.name} · {s.address}")
                )
            self.fields["station"].choices = at_home + list(grouped.items())
        else:
            self.fields["station"].choices = at_home + [
                (s.pk, f"{s.name} · {s.address}") for s in stations
            ]
        initial = self.initial
        self.fields["shortest"].choices = _length_choices(SHORTEST, initial.get("shortest"))
        self.fields["longest"].choices = _length_choices(LONGEST, initial.get("longest"))
        today = timezone.localdate(timezone=business.tzinfo if business else None)
        kept = [d for d in initial.get("blocked_keep", []) if d >= today.isoformat()]
        self.fields["blocked_keep"].choices = [
            (d, date_format(date.fromisoformat(d), "DATE_FORMAT")) for d in kept
        ]
        self.today = today
        # one row per weekday: ticked when open, with its hours
        for weekday, name in WEEKDAYS.items():
            self.fields[f"open_{weekday}"] = forms.BooleanField(label=name, required=False)
            self.fields[f"opens_{weekday}"] = _time_field(pgettext_lazy("time of day", "From"))
            self.fields[f"closes_{weekday}"] = _time_field(pgettext_lazy("time of day", "To"))
        self._windows = []

    # --- what the page shows at first ---

    @staticmethod
    def new_initial(programs):
        initial = {
            "shortest": "60",
            "longest": str(7 * 1440),
            "when": ANY_TIME,
        }
        if len(programs) == 1:
            initial["program"] = programs[0].pk
        for weekday in WEEKDAYS:
            initial[f"opens_{weekday}"] = "09:00"
            initial[f"closes_{weekday}"] = "19:00"
        return initial

    @staticmethod
    def initial_for(asset):
        initial = {
            "program": asset.program_id,
            "kind": asset.kind,
            "name_it": asset.name_it,
            "name_en": asset.name_en,
            "description_it": asset.description_it,
            "description_en": asset.description_en,
            "propulsion": asset.propulsion,
            "range_km": asset.range_km,
            "seats": asset.seats,
            "station": asset.station_id or "",
            "latitude": "" if asset.latitude is None else str(asset.latitude),
            "longitude": "" if asset.longitude is None else str(asset.longitude),
            "position_note": asset.position_note,
            "hour_price": money_input(asset.hour_minor),
            "day_price": money_input(asset.day_minor),
            "deposit": money_input(asset.deposit_minor),
            "shortest": str(asset.min_minutes),
            "longest": str(asset.max_minutes),
            "condition_notes": asset.condition_notes,
            "when": SOME_HOURS if asset.weekly_hours else ANY_TIME,
            "blocked_keep": list(asset.blocked_dates),
        }
        for weekday in WEEKDAYS:
            initial[f"opens_{weekday}"] = "09:00"
            initial[f"closes_{weekday}"] = "19:00"
        # one window a day on this page: the first of the day is shown
        for weekday, opens, closes in reversed(asset.weekly_hours):
            initial[f"open_{weekday}"] = True
            initial[f"opens_{weekday}"] = opens
            initial[f"closes_{weekday}"] = closes
        return initial

    def week_rows(self):
        """The rows of the week, for the template: (day, open box, from box, to box)."""
        return [
            (name, self[f"open_{d}"], self[f"opens_{d}"], self[f"closes_{d}"])
            for d, name in WEEKDAYS.items()
        ]

    # --- what the person typed, for the input ---

    def _choice(self, raw, allowed):
        if raw in (None, ""):
            return OMIT
        if str(raw) not in allowed:
            raise forms.ValidationError(NOT_A_CHOICE, code="invalid_choice")
        return int(raw)

    def to_input_program(self, raw):
        return self._choice(raw, self.programs)

    def to_input_station(self, raw):
        return self._choice(raw, self.stations)

    def _at_station(self):
        return bool(self.data.get(self.add_prefix("station")))

    def to_input_latitude(self, raw):
        return OMIT if self._at_station() else _decimal_point(raw)

    def to_input_longitude(self, raw):
        return OMIT if self._at_station() else _decimal_point(raw)

    def to_input_position_note(self, raw):
        return "" if self._at_station() else raw

    def to_input_hour_price(self, raw):
        return euros_to_cents(raw)

    def to_input_day_price(self, raw):
        return euros_to_cents(raw)

    def to_input_deposit(self, raw):
        return euros_to_cents(raw)

    def to_input_propulsion(self, raw):
        return OMIT if raw in (None, "") else raw

    def clean(self):
        data = super().clean()
        start, end = data.get("away_from"), data.get("away_until")
        if end is not None and start is None:
            self.add_error("away_from", _("Give the first day away."))
        elif start is not None:
            end = end or start
            if end < start:
                self.add_error("away_until", _("The last day comes after the first."))
            elif (end - start).days >= MAX_BLOCKED_RANGE_DAYS:
                self.add_error(
                    "away_until",
                    _("At most %(days)s days at a time.") % {"days": MAX_BLOCKED_RANGE_DAYS},
                )
            elif end < self.today:
                self.add_error("away_until", _("These days are past."))
        return data

    def input_data(self):
        data = super().input_data()
        data["weekly_hours"] = self._weekly_hours()
        data["blocked_dates"] = self._blocked_dates()
        return data

    def _weekly_hours(self):
        self._windows = []
        if self.cleaned_data.get("when") != SOME_HOURS:
            return []
        windows = []
        for weekday in WEEKDAYS:
            if not self.cleaned_data.get(f"open_{weekday}"):
                continue
            opens = self.cleaned_data.get(f"opens_{weekday}")
            closes = self.cleaned_data.get(f"closes_{weekday}")
            if opens is None or closes is None:
                if f"opens_{weekday}" not in self.errors:
                    self.add_error(f"opens_{weekday}", _("Give the hours of this day."))
                continue
            self._windows.append(weekday)
            windows.append(
                {
                    "weekday": weekday,
                    "opens": opens.strftime(TIME_FORMAT),
                    "closes": closes.strftime(TIME_FORMAT),
                }
            )
        if not windows and not self.errors:
            self.add_error("when", _("Tick at least one day, or choose “at any time”."))
        return windows

    def _blocked_dates(self):
        days = set(self.cleaned_data.get("blocked_keep") or [])
        start, end = self.cleaned_data.get("away_from"), self.cleaned_data.get("away_until")
        if start is not None and not ({"away_from", "away_until"} & set(self.errors)):
            day, last = max(start, self.today), end or start
            while day <= last:
                days.add(day.isoformat())
                day += timedelta(days=1)
        return sorted(days)

    def form_field(self, input_field):
        """An error about the week's hours belongs to its day's row; about the days away,
        to the range typed."""
        parts = str(input_field or "").split(".")
        if parts[0] == "weekly_hours":
            if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self._windows):
                weekday = self._windows[int(parts[1])]
                name = "opens" if len(parts) > 2 and parts[2] == "opens" else "closes"
                return f"{name}_{weekday}" if len(parts) > 2 else f"open_{weekday}"
            return "when"
        if parts[0] == "blocked_dates":
            return "away_from"
        return super().form_field(input_field)


class AssetPhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Add a photo"),
        widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
        help_text=_("A clear photo in daylight, at least 200 pixels on each side."),
    )


class AssetStateForm(InputForm):
    """Available or in maintenance (no new bookings until it is back)."""

    input_class = AssetStateInput

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (AssetState.ACTIVE, _("Available: riders can book it")),
            (AssetState.MAINTENANCE, _("In maintenance: no new bookings until I say so")),
        ],
    )

    def to_input_state(self, raw):
        if raw not in (AssetState.ACTIVE, AssetState.MAINTENANCE):
            raise forms.ValidationError(NOT_A_CHOICE, code="invalid_choice")
        return raw


class CheckOutForm(InputForm):
    """The pick-up: its condition as seen, and the payment taken when not paid ahead."""

    input_class = CheckOutInput

    notes = forms.CharField(
        label=_("Condition at pick-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Scratches, the battery's charge, what goes with it."),
    )
    take_payment = forms.BooleanField(label=_("I took the payment"), required=False)

    def __init__(self, *args, paid=False, **kwargs):
        super().__init__(*args, **kwargs)
        if paid:
            del self.fields["take_payment"]
            self._input_fields.pop("take_payment", None)


class CheckInForm(InputForm):
    """The return: its condition, the distance where known, and any damage the deposit pays."""

    input_class = CheckInInput
    input_names = {"damage_amount": "damage_minor"}

    notes = forms.CharField(
        label=_("Condition at return"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    distance_km = forms.IntegerField(
        label=_("Distance ridden (km)"), required=False, help_text=_("Optional, if you know it.")
    )
    damage = forms.CharField(
        label=_("Damage"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only if something broke: the shop opens a help request about it."),
    )
    damage_amount = EuroBox(
        label=_("Kept from the deposit for the damage (€)"), help_text=_("Empty: nothing.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for attr in ("maxlength", "min", "max"):
            self.fields["damage_amount"].widget.attrs.pop(attr, None)

    def to_input_damage_amount(self, raw):
        return euros_to_cents(raw)
