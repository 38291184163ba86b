"""Forms of the console's sharing pages: a program's terms, a station, an asset (with its
weekly hours and blocked dates), its photos and state, the decision on a peer's listing, the
pick-up and the return at the counter, cancelling a booking, and a sponsor.

They are `InputForm`s over sharing's typed inputs (`sharing.inputs`), as the API's bodies are:
their fields show and read, and every limit is the input's. Amounts are typed in euros and
reach the input in cents; times are typed on the business's clock. What an owner types in a
shape of their own (hours per weekday such as "09:00-12:30, 15:00-19:00", dates such as
15/08/2025, lengths in hours and days) is turned into the input's shape here, and refused in
words beside its box when it cannot be read."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.sharing.inputs import (
    AssetInput,
    AssetStateInput,
    CancelInput,
    CheckInInput,
    CheckOutInput,
    ListingDecisionInput,
    SharingSettingsInput,
    SponsorInput,
    StationInput,
)
from peerarmy.sharing.models import AssetKind, AssetState, Propulsion

from .base import OMIT, CoordinateField, InputForm, MoneyField
from .chipin import NOT_A_CHOICE, PHOTO_TYPES, ChipInForm
from .rewards import money_input
from .support import MultipleFileField

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
DAY_INPUT = "%Y-%m-%d"
MINUTES_PER_DAY = 1440
_RANGE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_EU = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
HOURS_HELP = _("For example 09:00-19:00; with a break, 09:00-12:30, 15:00-19:00. Empty: closed.")
NOT_HOURS = _("Write the hours as 09:00-19:00; with a break, two ranges: 09:00-12:30, 15:00-19:00.")


def _choice(raw, allowed):
    """An id among those the page offers, or OMIT when none was chosen."""
    if raw in (None, ""):
        return OMIT
    if str(raw) not in allowed:
        raise forms.ValidationError(NOT_A_CHOICE, code="invalid_choice")
    return int(raw)


def _program_field():
    return forms.ChoiceField(label=_("Sharing program"), required=False)


def _programs_choices(field, programs):
    field.choices = [(p.pk, p.title) for p in programs]
    if len(programs) != 1:
        field.choices.insert(0, ("", "—"))


# --- weekly hours and blocked dates ----------------------------------------------------------


def _clock(hours, minutes):
    hours, minutes = int(hours), int(minutes or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return f"{hours:02d}:{minutes:02d}"


def parse_day_hours(text):
    """ "09:00-12:30, 15:00-19:00" (or "9-19", "9.00–19.00") → [("09:00", "12:30"), ...]."""
    windows = []
    for part in re.split(r"[,;]|\s+e\s+|\s+and\s+", str(text or "")):
        part = part.strip()
        if not part:
            continue
        found = _RANGE.match(part)
        if not found:
            raise forms.ValidationError(NOT_HOURS, code="invalid")
        opens, closes = _clock(*found.group(1, 2)), _clock(*found.group(3, 4))
        if opens is None or closes is None:
            raise forms.ValidationError(NOT_HOURS, code="invalid")
        if closes <= opens:
            raise forms.ValidationError(
                _("%(range)s closes before it opens.") % {"range": part}, code="invalid"
            )
        windows.append((opens, closes))
    return sorted(windows)


def day_hours_text(windows):
    return ", ".join(f"{opens}-{closes}" for opens, closes in windows)


def parse_dates(text):
    """Dates written one a line, or separated by commas: 2025-08-15 or 15/08/2025."""
    days = []
    for part in re.split(r"[,;\s]+", str(text or "")):
        if not part:
            continue
        iso, eu = _DATE_ISO.match(part), _DATE_EU.match(part)
        try:
            if iso:
                day = date(int(iso[1]), int(iso[2]), int(iso[3]))
            elif eu:
                day = date(int(eu[3]), int(eu[2]), int(eu[1]))
            else:
                raise ValueError(part)
        except ValueError:
            raise forms.ValidationError(
                _("“%(text)s” is not a date: write it as 15/08/2025 or 2025-08-15.")
                % {"text": part[:20]},
                code="invalid",
            ) from None
        days.append(day.isoformat())
    return sorted(set(days))


def _number(raw):
    text = str(raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise forms.ValidationError(_("Enter a number such as 2 or 1,5."), code="invalid")
    return value


def _minutes_text(minutes, per):
    value = Decimal(minutes) / per
    return f"{value.normalize():f}".replace(".", ",")


# --- the program's terms ---------------------------------------------------------------------


class SharingSettingsForm(InputForm):
    input_class = SharingSettingsInput

    peer_discount_percent = forms.IntegerField(
        label=_("Discount for peers of the army (%)"), required=False
    )
    commission_percent = forms.IntegerField(
        label=_("The shop's commission on a peer's asset (%)"),
        required=False,
        help_text=_("Kept from each rental of an asset a peer lists; the rest is the peer's."),
    )
    free_cancel_hours = forms.IntegerField(
        label=_("Free cancellation until (hours before the pick-up)"), required=False
    )
    late_fee_percent = forms.IntegerField(
        label=_("A late return costs (% of the normal price)"), required=False
    )
    late_grace_minutes = forms.IntegerField(
        label=_("Minutes of grace before a return is late"), required=False
    )
    confirm_minutes = forms.IntegerField(
        label=_("Minutes to confirm a booking by e-mail"),
        required=False,
        help_text=_("An unconfirmed booking frees the asset after this time."),
    )
    reminder_hours = forms.IntegerField(
        label=_("Reminder before the pick-up (hours)"), required=False
    )

    def __init__(self, *args, terms=None, **kwargs):
        if terms is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(terms, name) for name in SharingSettingsInput.model_fields
            }
        super().__init__(*args, **kwargs)


# --- stations --------------------------------------------------------------------------------


class StationForm(InputForm):
    input_class = StationInput
    input_names = {"program": "program_id"}

    program = _program_field()
    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    address = forms.CharField(label=_("Address"), required=False)
    latitude = CoordinateField(label=_("Latitude"), axis="latitude")
    longitude = CoordinateField(label=_("Longitude"), axis="longitude")
    capacity = forms.IntegerField(label=_("Places"), required=False, initial=10)
    active = forms.BooleanField(label=_("Open: assets can be picked up here"), required=False)

    def __init__(self, *args, programs=(), station=None, **kwargs):
        if "initial" not in kwargs:
            if station is not None:
                kwargs["initial"] = {
                    "program": station.program_id,
                    "name_it": station.name_it,
                    "name_en": station.name_en,
                    "address": station.address,
                    "latitude": station.latitude,
                    "longitude": station.longitude,
                    "capacity": station.capacity,
                    "active": station.active,
                }
            else:
                kwargs["initial"] = {"capacity": 10, "active": True}
        super().__init__(*args, **kwargs)
        self.programs = {str(p.pk): p for p in programs}
        _programs_choices(self.fields["program"], programs)

    def to_input_program(self, raw):
        return _choice(raw, self.programs)


# --- assets ----------------------------------------------------------------------------------


class AssetForm(ChipInForm):
    """An asset of the shop (or a peer's, edited by staff): prices in euros, lengths in hours
    and days, hours per weekday, blocked dates one a line."""

    input_class = AssetInput
    input_names = {
        "program": "program_id",
        "station": "station_id",
        "hour": "hour_minor",
        "day": "day_minor",
        "deposit": "deposit_minor",
        "min_hours": "min_minutes",
        "max_days": "max_minutes",
        "blocked": "blocked_dates",
    }
    euro_fields = ("hour", "day", "deposit")

    program = _program_field()
    kind = forms.ChoiceField(label=_("Kind"), choices=AssetKind.choices, required=False)
    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    description_it = forms.CharField(
        label=_("Description (Italian)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    propulsion = forms.ChoiceField(
        label=_("Propulsion"),
        required=False,
        choices=[("", pgettext_lazy("propulsion", "Not a vehicle"))] + list(Propulsion.choices),
    )
    range_km = forms.IntegerField(label=_("Range (km)"), required=False)
    seats = forms.IntegerField(label=_("Seats"), required=False)
    station = forms.ChoiceField(label=_("Station"), required=False)
    latitude = CoordinateField(label=_("Latitude"), axis="latitude")
    longitude = CoordinateField(label=_("Longitude"), axis="longitude")
    position_note = forms.CharField(
        label=_("Where to find it"),
        required=False,
        help_text=_("For an asset without a station: “in the courtyard, code 1234”."),
    )
    hour = MoneyField(label=_("Price per hour (€)"))
    day = MoneyField(label=_("Price per day (€)"), help_text=_("Also the most a day costs."))
    deposit = MoneyField(label=_("Deposit (€)"))
    min_hours = forms.CharField(
        label=_("Shortest booking (hours)"),
        required=False,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("1,5 is an hour and a half."),
    )
    max_days = forms.CharField(
        label=_("Longest booking (days)"),
        required=False,
        initial="7",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    blocked = forms.CharField(
        label=_("Days it cannot be booked"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, or separated by commas: 15/08/2025, 25/12/2025."),
    )
    condition_notes = forms.CharField(
        label=_("Condition"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, programs=(), stations=(), asset=None, **kwargs):
        windows = {}
        if asset is not None:
            for weekday, opens, closes in asset.weekly_hours:
                windows.setdefault(weekday, []).append((opens, closes))
        if "initial" not in kwargs:
            initial = {"min_hours": "1", "max_days": "7", "deposit": money_input(0)}
            if asset is not None:
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
                    "latitude": asset.latitude,
                    "longitude": asset.longitude,
                    "position_note": asset.position_note,
                    "hour": money_input(asset.hour_minor) if asset.hour_minor is not None else "",
                    "day": money_input(asset.day_minor) if asset.day_minor is not None else "",
                    "deposit": money_input(asset.deposit_minor),
                    "min_hours": _minutes_text(asset.min_minutes, 60),
                    "max_days": _minutes_text(asset.max_minutes, MINUTES_PER_DAY),
                    "blocked": "\n".join(
                        date.fromisoformat(d).strftime("%d/%m/%Y") for d in asset.blocked_dates
                    ),
                    "condition_notes": asset.condition_notes,
                }
            for weekday in range(7):
                initial[f"hours_{weekday}"] = day_hours_text(windows.get(weekday, []))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for weekday in range(7):
            self.fields[f"hours_{weekday}"] = forms.CharField(
                label=WEEKDAYS[weekday],
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "09:00-19:00"}),
            )
        self.programs = {str(p.pk): p for p in programs}
        _programs_choices(self.fields["program"], programs)
        self.stations = {str(s.pk): s for s in stations}
        several = len({s.program_id for s in stations}) > 1
        self.fields["station"].choices = [
            ("", pgettext_lazy("station", "None: it floats free (give its position)"))
        ] + [
            (s.pk, f"{s.name} · {getattr(s, 'program_title', '')}" if several else s.name)
            for s in stations
        ]
        self._window_days = []

    def hour_fields(self):
        return [self[f"hours_{weekday}"] for weekday in range(7)]

    def to_input_program(self, raw):
        return _choice(raw, self.programs)

    def to_input_station(self, raw):
        return _choice(raw, self.stations)

    def to_input_min_hours(self, raw):
        hours = _number(raw)
        if hours is None:
            return None
        minutes = int(hours * 60)
        if minutes < 15:
            raise forms.ValidationError(_("At least a quarter of an hour: 0,25."), code="min")
        return minutes

    def to_input_max_days(self, raw):
        days = _number(raw)
        if days is None:
            return None
        if days > 366:
            raise forms.ValidationError(_("At most a year: 366 days."), code="max")
        return max(15, int(days * MINUTES_PER_DAY))

    def to_input_blocked(self, raw):
        return parse_dates(raw)

    def _clean_fields(self):
        super()._clean_fields()
        self.windows = []
        for weekday in range(7):
            name = f"hours_{weekday}"
            try:
                for opens, closes in parse_day_hours(self[name].data):
                    self.windows.append({"weekday": weekday, "opens": opens, "closes": closes})
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        self._window_days = [w["weekday"] for w in self.windows]

    def input_data(self):
        data = super().input_data()
        data["weekly_hours"] = self.windows
        return data

    def form_field(self, input_field):
        parts = str(input_field or "").split(".")
        if parts[0] == "weekly_hours":
            if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self._window_days):
                return f"hours_{self._window_days[int(parts[1])]}"
            return "hours_0"
        return super().form_field(input_field)


class AssetPhotosForm(forms.Form):
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 8 photos, at least 200 pixels on each side; we remove their location."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["accept"] = PHOTO_TYPES


class AssetStateForm(InputForm):
    input_class = AssetStateInput

    state = forms.ChoiceField(label=_("State"), choices=AssetState.choices, required=False)


class ListingDecisionForm(InputForm):
    """Approve a peer's listing, or refuse it with the reason the peer reads."""

    input_class = ListingDecisionInput

    approve = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why not (the peer reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- bookings --------------------------------------------------------------------------------


class CheckOutForm(InputForm):
    """The pick-up: the condition as seen, and the payment taken at the till when it was not
    paid ahead (the box names the amount)."""

    input_class = CheckOutInput

    notes = forms.CharField(
        label=_("Condition at pick-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Scratches, the battery's charge, what goes with it."),
    )
    take_payment = forms.BooleanField(required=False)

    def __init__(self, *args, booking=None, amount_words="", **kwargs):
        super().__init__(*args, **kwargs)
        if booking is not None and booking.paid_at is not None:
            del self.fields["take_payment"]
            self._input_fields.pop("take_payment", None)
        else:
            self.fields["take_payment"].label = _("I took the payment at the till: %(amount)s") % {
                "amount": amount_words
            }


class CheckInForm(ChipInForm):
    """The return: the condition, the distance where known, any damage and what of the deposit
    it keeps, and when it came back (now, unless said otherwise)."""

    input_class = CheckInInput
    input_names = {"damage_amount": "damage_minor"}
    euro_fields = ("damage_amount",)

    returned_at = forms.DateTimeField(
        label=_("Returned at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    notes = forms.CharField(
        label=_("Condition at return"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    distance_km = forms.IntegerField(
        label=_("Distance (km)"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("From the bike's computer, where it has one."),
    )
    damage = forms.CharField(
        label=_("Damage"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Describe it: a support ticket is opened to follow it."),
    )
    damage_amount = MoneyField(
        label=_("Kept from the deposit for the damage (€)"),
        help_text=_("Beyond the deposit, the rest is taken at the till."),
    )

    def __init__(self, *args, business=None, **kwargs):
        if "initial" not in kwargs and business is not None:
            now = timezone.localtime(timezone.now(), business.tzinfo)
            kwargs["initial"] = {"returned_at": now.replace(second=0, microsecond=0, tzinfo=None)}
        super().__init__(*args, business=business, **kwargs)


class CancelForm(InputForm):
    input_class = CancelInput

    reason = forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The person who booked reads it; what they paid goes back to them."),
    )


# --- sponsors --------------------------------------------------------------------------------


class SponsorForm(ChipInForm):
    input_class = SponsorInput
    input_names = {"program": "program_id", "amount": "amount_minor", "assets": "asset_ids"}
    euro_fields = ("amount",)

    program = _program_field()
    name = forms.CharField(label=_("Name"), required=False)
    url = forms.CharField(label=_("Web address"), required=False)
    contact_name = forms.CharField(label=_("Contact"), required=False)
    contact_email = forms.CharField(
        label=_("Contact's e-mail"),
        required=False,
        widget=forms.EmailInput(),
        help_text=_("The monthly report goes to this address."),
    )
    language = forms.ChoiceField(
        label=_("Language of the reports"),
        required=False,
        choices=[("it", "Italiano"), ("en", "English")],
    )
    starts_on = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = MoneyField(label=_("Fee (€)"))
    assets = forms.MultipleChoiceField(
        label=_("Assets that carry the brand"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the whole program."),
    )

    def __init__(self, *args, programs=(), assets=(), sponsor=None, chosen=(), **kwargs):
        if "initial" not in kwargs and sponsor is not None:
            kwargs["initial"] = {
                "program": sponsor.program_id,
                "name": sponsor.name,
                "url": sponsor.url,
                "contact_name": sponsor.contact_name,
                "contact_email": sponsor.contact_email,
                "language": sponsor.language,
                "starts_on": sponsor.starts_on.strftime(DAY_INPUT),
                "ends_on": sponsor.ends_on.strftime(DAY_INPUT),
                "amount": money_input(sponsor.amount_minor),
                "assets": [str(pk) for pk in chosen],
            }
        super().__init__(*args, **kwargs)
        self.programs = {str(p.pk): p for p in programs}
        _programs_choices(self.fields["program"], programs)
        self.assets = {str(a.pk): a for a in assets}
        self.fields["assets"].choices = [(str(a.pk), a.name) for a in assets]

    def to_input_program(self, raw):
        return _choice(raw, self.programs)

    def to_input_assets(self, raw):
        chosen = [str(v) for v in (raw or []) if v not in (None, "")]
        if any(pk not in self.assets for pk in chosen):
            raise forms.ValidationError(NOT_A_CHOICE, code="invalid_choice")
        return [int(pk) for pk in chosen]


class SponsorLogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
        help_text=_("A square picture works best, at least 48 pixels on each side."),
    )
