"""The visitor's forms of sharing: the search (a time range, a kind, a station), the quote of a
range on an asset's page, and the booking (the range, who rides, how they pay). Each validates
through the change's typed input (`sharing.inputs`), as the API does.

A time range is typed as a date and a time on the business's clock, in four boxes that phones
fill with their own pickers; they reach the input as `starts_at` and `ends_at` (a time without
a zone, which the input reads in the business's time zone), and the input's words about
either moment go next to its boxes."""

import re
from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.sharing.inputs import BookingInput, SearchInput
from peerarmy.sharing.models import PaymentMethod

from .base import InputForm, QuickSelect

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"
RANGE_FIELDS = ("from_date", "from_time", "until_date", "until_time")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "data-range": ""}, format=DATE_FORMAT),
        error_messages={
            "required": _("Choose a day."),
            "invalid": _("Enter a date such as 2026-06-13."),
        },
    )


def _time_field(label):
    return forms.TimeField(
        label=label,
        input_formats=[TIME_FORMAT, "%H:%M:%S", "%H.%M"],
        widget=forms.TimeInput(
            attrs={"type": "time", "step": 900, "data-range": ""}, format=TIME_FORMAT
        ),
        error_messages={
            "required": _("Choose a time."),
            "invalid": _("Enter a time such as 09:30."),
        },
    )


class RangeForm(InputForm):
    """An input form whose `starts_at` and `ends_at` are typed as a day and a time each."""

    RANGE = {"starts_at": ("from_date", "from_time"), "ends_at": ("until_date", "until_time")}

    from_date = _date_field(pgettext_lazy("range", "From (day)"))
    from_time = _time_field(pgettext_lazy("range", "From (time)"))
    until_date = _date_field(pgettext_lazy("range", "Until (day)"))
    until_time = _time_field(pgettext_lazy("range", "Until (time)"))

    def form_field(self, input_field):
        head = str(input_field or "").split(".")[0]
        if head in self.RANGE:
            day, hour = self.RANGE[head]
            return hour if hour in self._errors and day not in self._errors else day
        return super().form_field(input_field)

    def input_data(self):
        data = super().input_data()
        for name, (day, hour) in self.RANGE.items():
            on, at = self.cleaned_data.get(day), self.cleaned_data.get(hour)
            if on is not None and at is not None:
                data[name] = datetime.combine(on, at)  # on the business's clock
        return data

    def range_query(self) -> dict:
        """The range as typed, for an address (the asset's page, pre-filled)."""
        return {
            "from_date": self.cleaned_data["from_date"].strftime(DATE_FORMAT),
            "from_time": self.cleaned_data["from_time"].strftime(TIME_FORMAT),
            "until_date": self.cleaned_data["until_date"].strftime(DATE_FORMAT),
            "until_time": self.cleaned_data["until_time"].strftime(TIME_FORMAT),
        }


class SearchForm(RangeForm):
    """What a visitor looks for: when, and optionally a kind and a station of the program."""

    input_class = SearchInput
    input_names = {"station": "station_id"}

    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=QuickSelect)
    station = forms.ChoiceField(label=_("Station"), required=False, widget=QuickSelect)

    def __init__(self, *args, kinds=(), stations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any kind"))] + list(kinds)
        self.fields["kind"].widget.choices = self.fields["kind"].choices
        self.fields["station"].choices = [("", _("Any station"))] + [
            (str(s.pk), s.name) for s in stations
        ]
        self.fields["station"].widget.choices = self.fields["station"].choices
        if len(stations) < 2:
            del self.fields["station"]
            self._input_fields.pop("station", None)
        self._kinds = {code for code, _label in kinds}

    def to_input_kind(self, raw):
        if raw in (None, ""):
            return None
        if raw not in self._kinds:
            raise forms.ValidationError(_("Choose a kind from the list."), code="invalid_choice")
        return raw

    def to_input_station(self, raw):
        if raw in (None, ""):
            return None
        if not str(raw).isdigit():
            raise forms.ValidationError(_("Choose a station from the list."), code="invalid_choice")
        return int(raw)


class QuoteForm(RangeForm):
    """A range on an asset's page, to price it before booking."""

    input_class = SearchInput


class BookingForm(RangeForm):
    """A booking by a visitor (confirmed by e-mail) or a signed-in person."""

    input_class = BookingInput

    name = forms.CharField(
        label=_("Your name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label=_("Your e-mail"),
        required=False,
        help_text=_("We send you a link to confirm the booking."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Your phone (optional)"),
        required=False,
        help_text=_("For the shop to call you if something changes."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    payment_method = forms.ChoiceField(
        label=_("How you pay"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.TILL,
        widget=forms.RadioSelect,
        required=False,
    )
    # One booking per form: a second click answers with the first booking.
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    # Left empty by people; filled by bots that fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, transfer=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not transfer:
            choices = [(PaymentMethod.TILL.value, PaymentMethod.TILL.label)]
            self.fields["payment_method"].choices = choices
        self._methods = {code for code, _label in self.fields["payment_method"].choices}

    def to_input_payment_method(self, raw):
        if raw in (None, ""):
            return None
        if raw not in self._methods:
            raise forms.ValidationError(
                _("Choose how you pay from the list."), code="invalid_choice"
            )
        return raw

    @property
    def idempotency_key(self) -> str:
        key = str(self.data.get(self.add_prefix("key"), ""))
        return key if _KEY.match(key) else ""

    @property
    def is_bot(self):
        return bool(self.data.get("website"))
