"""The consumer's request for a local: the form of a guides program (a day, from, to) and of a
layover program (airport, arrival, departure). It parses what a person typed into the shape
`matching.services.submit_request` takes; the service decides what is valid, and its errors
come back next to the field that caused them.

Times are typed in the business's time zone: the views validate the form inside
`timezone.override(business.tzinfo)`, so the datetimes come out aware in that zone."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from peerarmy.peers.models import LANGUAGE_CHOICES
from peerarmy.programs.models import ProgramKind

from .base import CoordinateField, DomainErrorsMixin
from .scheduling import _local_datetime

# The service names the window `starts_at`/`ends_at` (and a layover's `arrival`/`departure`);
# the form shows it as a day and two times, or as arrival and departure.
SERVICE_FIELDS = {
    ProgramKind.GUIDES: {"starts_at": "starts", "ends_at": "ends"},
    ProgramKind.LAYOVER: {"starts_at": "arrival", "ends_at": "departure"},
}
HONEYPOT = "website"


class MatchRequestForm(DomainErrorsMixin, forms.Form):
    """Ask for a local. `editing` drops the e-mail address (it was proven by the link, and a
    new one would need proving again) and the bot trap (the link is proof enough)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=254,
        help_text=_("We send you a link to confirm it; your request counts only then."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    meeting_address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=200,
        help_text=_("An address, a square, a station. Or give the point's coordinates below."),
    )
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)
    group_size = forms.IntegerField(
        label=_("People in your group"),
        min_value=1,
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language you speak.")},
    )
    interests = forms.MultipleChoiceField(
        label=_("What you would like to do"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accessibility = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=300,
        help_text=_("A wheelchair, a pram, no stairs, a slow pace: whatever helps us plan."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
    )
    note = forms.CharField(
        label=_("Anything else"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )
    # A trap for bots: hidden from people (and from screen readers), filled in by scripts.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, program, settings, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = ProgramKind(program.kind)
        if editing:
            del self.fields["email"], self.fields[HONEYPOT]
        self.fields["group_size"].widget.attrs["max"] = settings.max_group_size
        interests = settings.interest_names()
        if interests:
            self.fields["interests"].choices = [(k, capfirst(v)) for k, v in interests.items()]
        else:
            del self.fields["interests"]
        if self.kind == ProgramKind.LAYOVER and any(a.get("lat") for a in settings.airports):
            self.fields["meeting_address"].help_text = _(
                "Leave the address and the coordinates empty to meet at the airport."
            )
        window = (
            self._layover_fields(settings) if self.kind == ProgramKind.LAYOVER else _day_fields()
        )
        self.fields = {**_first(self.fields, ["name", "email"]), **window, **self.fields}

    @staticmethod
    def _layover_fields(settings):
        if settings.airports:
            airport = forms.ChoiceField(
                label=_("Airport"),
                choices=[("", "—")]
                + [
                    (a["code"], f"{a.get('name') or a['code']} ({a['code']})")
                    for a in settings.airports
                ],
            )
        else:
            airport = forms.CharField(
                label=_("Airport"),
                max_length=8,
                help_text=_("Its three-letter code, for example BLQ."),
            )
        return {
            "airport": airport,
            "arrival": _local_datetime(_("Your flight lands")),
            "departure": _local_datetime(_("Your next flight leaves")),
        }

    @property
    def is_bot(self):
        """Whether the hidden trap was filled in: the view then pretends all went well, so a
        bot learns nothing."""
        return HONEYPOT in self.fields and bool(self.data.get(HONEYPOT))

    def clean(self):
        data = super().clean()
        if self.kind == ProgramKind.GUIDES and {"day", "starts", "ends"} <= data.keys():
            tz = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(
                datetime.combine(data["day"], data["starts"]), tz
            )
            data["ends_at"] = timezone.make_aware(datetime.combine(data["day"], data["ends"]), tz)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("ends", _("The end must come after the start."))
        return data

    def service_data(self):
        d = self.cleaned_data
        data = {
            key: d[key]
            for key in ("name", "email", "meeting_address", "latitude", "longitude")
            if key in d
        }
        data.update(
            group_size=d["group_size"],
            languages=list(d["languages"]),
            interests=list(d.get("interests") or []),
            accessibility=d["accessibility"],
            note=d["note"],
        )
        if self.kind == ProgramKind.LAYOVER:
            data.update(airport=d["airport"], arrival=d["arrival"], departure=d["departure"])
        else:
            data.update(starts_at=d["starts_at"], ends_at=d["ends_at"])
        return data

    def add_service_errors(self, exc: ValidationError):
        """A service's ValidationError, each message next to the field it names."""
        names = SERVICE_FIELDS[self.kind]
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, errors in exc.message_dict.items():
            field = names.get(key, key)
            for message in errors:
                self.add_error(field if field in self.fields else None, message)

    @staticmethod
    def initial_for(match_request, tz, *, arrival=None, departure=None):
        """The form filled in with the request, for changing it."""

        def local(moment):
            return moment.astimezone(tz).replace(tzinfo=None)

        starts, ends = local(match_request.starts_at), local(match_request.ends_at)
        return {
            "name": match_request.name,
            "day": starts.date(),
            "starts": starts.time(),
            "ends": ends.time(),
            "airport": match_request.airport,
            "arrival": local(arrival or match_request.starts_at),
            "departure": local(departure or match_request.ends_at),
            "meeting_address": match_request.meeting_address,
            "latitude": match_request.latitude,
            "longitude": match_request.longitude,
            "group_size": match_request.group_size,
            "languages": match_request.languages,
            "interests": match_request.interests,
            "accessibility": match_request.accessibility,
            "note": match_request.note,
        }


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _day_fields():
    return {
        "day": forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"})),
        "starts": forms.TimeField(label=_("Free from"), widget=_time_input()),
        "ends": forms.TimeField(label=_("Free until"), widget=_time_input()),
    }


def _first(fields, names):
    return {name: fields.pop(name) for name in names if name in fields}
