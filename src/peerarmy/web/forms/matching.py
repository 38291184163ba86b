"""Forms of matching: the consumer's request (a guides or a layover program's), the reasons
to decline or cancel, the peer's offer with their weekly slots and days off, a program's
settings in the console, and the console's filters.

Each form validates through the change's typed input (`matching.inputs`), the same the API
takes, so both paths refuse the same values with the same words. What a form does itself is
only to read what a person typed: a day and two times into a window, the settings' lines
("code | Italian name | English name") into lists, euros into cents, a half-filled slot row.
Times are typed in the business's time zone: the input reads them so (`business=`)."""

from datetime import datetime

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from peerarmy.inputs import InvalidInput, parse
from peerarmy.matching.inputs import (
    CancelRequestInput,
    DayOffInput,
    MatchingProfileInput,
    MatchingSettingsInput,
    MatchReasonInput,
    request_input_class,
    request_input_of,
)
from peerarmy.matching.models import RequestStatus
from peerarmy.peers.models import LANGUAGE_CHOICES
from peerarmy.programs.models import ProgramKind

from .base import CoordinateField, InputForm, parse_money

HONEYPOT = "website"
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
EMPTY_SLOT_ROWS = 3


def _local_datetime(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _decimal_text(raw):
    """A number as typed, with a decimal comma or point."""
    return raw.strip().replace(",", ".") if isinstance(raw, str) else raw


# --- the consumer's request ------------------------------------------------------------------


class MatchRequestForm(InputForm):
    """Ask for a local, or change the request (`match_request`): the rules are those of the
    program's request input (`GuidesRequestInput`: a day and two times; `LayoverRequestInput`:
    airport, arrival and departure). A change drops the e-mail address (it was proven by the
    link, and a new one would need proving again) and the bot trap (the link is proof enough)."""

    # Where a guides request's window is typed: a day and two times.
    WINDOW = {"starts_at": "starts", "ends_at": "ends"}

    name = forms.CharField(
        label=gettext_lazy("Your name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.CharField(
        label=gettext_lazy("Your e-mail"),
        required=False,
        help_text=gettext_lazy("We send you a link to confirm it; your request counts only then."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    meeting_address = forms.CharField(
        label=gettext_lazy("Address or place"),
        required=False,
        help_text=gettext_lazy(
            "An address, a square, a station. Or give the point's coordinates below."
        ),
    )
    latitude = CoordinateField(label=gettext_lazy("Latitude"), axis="latitude")
    longitude = CoordinateField(label=gettext_lazy("Longitude"), axis="longitude")
    group_size = forms.IntegerField(
        label=gettext_lazy("People in your group"),
        required=False,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages you speak"),
        required=False,
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    interests = forms.MultipleChoiceField(
        label=gettext_lazy("What you would like to do"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accessibility = forms.CharField(
        label=gettext_lazy("Accessibility needs"),
        required=False,
        help_text=gettext_lazy(
            "A wheelchair, a pram, no stairs, a slow pace: whatever helps us plan."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=gettext_lazy("Anything else"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Your phone (optional)"),
        required=False,
        help_text=gettext_lazy(
            "Only your local gets it, once they accept, to call you or write on WhatsApp."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # A trap for bots: hidden from people (and from screen readers), filled in by scripts.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    point_from_address = True  # an address with its town is placed by the geocoder

    def __init__(self, *args, program, settings, match_request=None, **kwargs):
        self.kind = ProgramKind(program.kind)
        self.meeting_point = (settings.latitude, settings.longitude)
        self.input_class = request_input_class(self.kind)
        self.match_request = match_request
        if match_request is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(match_request, program.business.tzinfo)
        kwargs.setdefault("business", program.business)
        super().__init__(*args, **kwargs)
        window = (
            self._layover_fields(settings) if self.kind == ProgramKind.LAYOVER else _day_fields()
        )
        if match_request is not None:
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
        self.fields = {**_first(self.fields, ["name", "email"]), **window, **self.fields}
        # The window's fields came after the input's were counted: count again.
        self._input_fields = {
            name: self.input_names.get(name, name)
            for name in self.fields
            if self.input_names.get(name, name) in self.input_class.model_fields
        }

    @staticmethod
    def _layover_fields(settings):
        if settings.airports:
            airport = forms.ChoiceField(
                label=_("Airport"),
                required=False,
                choices=[("", "—")]
                + [
                    (a["code"], f"{a.get('name') or a['code']} ({a['code']})")
                    for a in settings.airports
                ],
            )
        else:
            airport = forms.CharField(
                label=_("Airport"),
                required=False,
                help_text=_("Its three-letter code, for example BLQ."),
            )
        return {
            "airport": airport,
            "arrival": _local_datetime(_("Your flight lands")),
            "departure": _local_datetime(_("Your next flight leaves")),
        }

    def map_centre(self):
        """The program's default meeting point, else the business's town."""
        if None not in self.meeting_point:
            return tuple(float(d) for d in self.meeting_point)
        return super().map_centre()

    @property
    def is_bot(self):
        """Whether the hidden trap was filled in: the view then pretends all went well, so a
        bot learns nothing."""
        return HONEYPOT in self.fields and bool(self.data.get(HONEYPOT))

    def to_input_latitude(self, raw):
        return _decimal_text(raw)

    def to_input_longitude(self, raw):
        return _decimal_text(raw)

    def input_data(self):
        data = super().input_data()
        if self.match_request is not None:
            data["email"] = self.match_request.email  # kept: the link proved it
        if self.kind == ProgramKind.GUIDES:
            day = self.cleaned_data.get("day")
            for input_name, form_name in self.WINDOW.items():
                moment = self.cleaned_data.get(form_name)
                if day is not None and moment is not None:
                    data[input_name] = datetime.combine(day, moment)  # the business's time
        return data

    def form_field(self, input_field):
        if self.kind == ProgramKind.GUIDES and input_field in self.WINDOW:
            own = self.WINDOW[input_field]
            # A day or time that could not be read is already named there.
            for name in (own, "day"):
                if name in self._errors:
                    return name
            return own
        return super().form_field(input_field)

    @staticmethod
    def initial_for(match_request, tz):
        """The form filled in with the request, for changing it (times in the business's)."""

        def local(moment):
            return moment.astimezone(tz).replace(tzinfo=None)

        current = request_input_of(match_request)
        initial = current.model_dump(exclude={"email"})
        starts, ends = local(match_request.starts_at), local(match_request.ends_at)
        initial.update(day=starts.date(), starts=starts.time(), ends=ends.time())
        if "arrival" in initial:
            initial.update(arrival=local(current.arrival), departure=local(current.departure))
        return initial


def _day_fields():
    return {
        "day": forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"})),
        "starts": forms.TimeField(label=_("Free from"), widget=_time_input()),
        "ends": forms.TimeField(label=_("Free until"), widget=_time_input()),
    }


def _first(fields, names):
    return {name: fields.pop(name) for name in names if name in fields}


class CancelRequestForm(InputForm):
    """The consumer cancels their request, optionally saying why."""

    input_class = CancelRequestInput

    reason = forms.CharField(
        label=gettext_lazy("Why? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    block_peer = forms.BooleanField(
        label=gettext_lazy("Never propose this local to me again"), required=False
    )


# --- answers and cancellations -----------------------------------------------------------------


class ReasonForm(InputForm):
    """Why a proposal is declined, or a match or request cancelled (optional)."""

    input_class = MatchReasonInput

    reason = forms.CharField(required=False)


# The peer's reason to decline is the same form.
DeclineForm = ReasonForm


# --- the console's filters ---------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    program = forms.TypedChoiceField(
        label=gettext_lazy("Program"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any status")), *RequestStatus.choices],
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", pgettext_lazy("filter", "Any program"))] + [
            (p.pk, p.title) for p in programs
        ]


# --- a program's matching settings -------------------------------------------------------------


def _lines(text):
    """The non-empty lines of a text box, numbered from 1 (the input's items count them so),
    each split in parts at "|"."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        yield number, [part.strip() for part in line.split("|")]


def _line_error(number, text):
    return _("Line %(line)d: %(error)s") % {"line": number, "error": text}


def _number(text):
    try:
        value = float(_decimal_text(text))
    except ValueError:
        return None
    return value if value == value else None  # not NaN


def money_text(minor) -> str:
    """Cents as the settings' lines show them: 550 -> "5.50"."""
    minor = int(minor or 0)
    return f"{minor // 100}.{minor % 100:02d}"


class SettingsForm(InputForm):
    """A program's matching settings, with the rules of `MatchingSettingsInput` (as on the
    API). The lists are typed one item a line, its parts split by "|"; the fields a program
    does not show (a guides program has no airports) keep their values."""

    input_class = MatchingSettingsInput

    NUMBERS = (
        "meeting_minutes",
        "min_free_minutes",
        "max_group_size",
        "max_distance_km",
        "answer_within_hours",
        "per_day",
    )
    WEIGHTS = (
        "weight_distance",
        "weight_interest",
        "weight_language",
        "weight_reliability",
        "weight_rating",
        "weight_fairness",
    )
    # Empty: no limit.
    OPTIONAL = ("max_distance_km",)

    interests = forms.CharField(
        label=gettext_lazy("Interests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One per line: code | Italian name | English name, for example "
            "“cycling | Bicicletta | Cycling”. Consumers and peers tick them."
        ),
    )
    airports = forms.CharField(
        label=gettext_lazy("Airports"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Layover programs. One per line: CODE | name, optionally | latitude | longitude, "
            "for example “BLQ | Bologna Marconi | 44.5354 | 11.2887”."
        ),
    )
    perks = forms.CharField(
        label=gettext_lazy("Perks paid by the business"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: Italian name | English name | amount in euros, for example "
            "“Biglietto del treno | Train ticket | 5,50”. Paid to the peer when the match "
            "is completed."
        ),
    )
    # The default meeting point: where a request that names no place is met.
    latitude = CoordinateField(label=gettext_lazy("Latitude"), axis="latitude")
    longitude = CoordinateField(label=gettext_lazy("Longitude"), axis="longitude")
    meeting_minutes = forms.IntegerField(
        label=gettext_lazy("Meeting length (minutes)"),
        required=False,
        help_text=gettext_lazy("How long a peer must be free inside the consumer's window."),
    )
    min_free_minutes = forms.IntegerField(
        label=gettext_lazy("Minimum free time of a layover (minutes)"),
        required=False,
        help_text=gettext_lazy(
            "A layover shorter than this between arrival and departure is refused."
        ),
    )
    max_group_size = forms.IntegerField(label=gettext_lazy("Largest group"), required=False)
    max_distance_km = forms.IntegerField(
        label=gettext_lazy("Only peers within (km)"),
        required=False,
        help_text=gettext_lazy("On top of each peer's own travel radius. Empty: no limit."),
    )
    answer_within_hours = forms.IntegerField(
        label=gettext_lazy("Hours a peer has to answer"),
        required=False,
        help_text=gettext_lazy("After that the proposal goes to someone else."),
    )
    per_day = forms.IntegerField(
        label=gettext_lazy("Matches a peer can have on one day"), required=False
    )
    weight_distance = forms.IntegerField(
        label=gettext_lazy("Distance, per km"),
        required=False,
        help_text=gettext_lazy("Higher: the nearest peer counts for more."),
    )
    weight_interest = forms.IntegerField(
        label=gettext_lazy("Interests not shared"),
        required=False,
        help_text=gettext_lazy(
            "Higher: a peer who shares the consumer's interests counts for more."
        ),
    )
    weight_language = forms.IntegerField(
        label=gettext_lazy("Language level"),
        required=False,
        help_text=gettext_lazy(
            "Higher: a native or fluent speaker counts for more than a basic one."
        ),
    )
    weight_reliability = forms.IntegerField(
        label=gettext_lazy("Reliability"),
        required=False,
        help_text=gettext_lazy(
            "Higher: peers who keep their commitments count for more. A peer without a "
            "track record counts as 70 out of 100."
        ),
    )
    weight_rating = forms.IntegerField(
        label=gettext_lazy("Rating"),
        required=False,
        help_text=gettext_lazy(
            "Higher: peers consumers rated well count for more. Unrated counts as 4 out of 5."
        ),
    )
    weight_fairness = forms.IntegerField(
        label=gettext_lazy("Fairness"),
        required=False,
        help_text=gettext_lazy(
            "Higher: matches are spread more evenly, so a peer who already has many this "
            "week gives way to one who has few. 0: the cheapest pairs only."
        ),
    )

    # A layover's perks are paid on completion (`complete_match`); a guides program pays none.
    LAYOVER_ONLY = ("airports", "min_free_minutes", "perks")

    def __init__(self, *args, settings, layover=True, **kwargs):
        self.current = MatchingSettingsInput.of(settings).model_dump()
        kwargs.setdefault("initial", self.initial_for(settings))
        super().__init__(*args, **kwargs)
        for name in ("interests", "airports", "perks"):
            # The input's limit is on the lines, not on the characters of the box.
            self.fields[name].widget.attrs.pop("maxlength", None)
        if not layover:
            for name in self.LAYOVER_ONLY:
                del self.fields[name]
                self._input_fields.pop(name)

    @classmethod
    def initial_for(cls, settings):
        initial = {name: getattr(settings, name) for name in cls.NUMBERS + cls.WEIGHTS}
        initial["interests"] = "\n".join(
            f"{i['slug']} | {i.get('name_it', '')} | {i.get('name_en', '')}"
            for i in settings.interests
        )
        initial["airports"] = "\n".join(
            " | ".join(
                [a["code"], a.get("name", "")]
                + ([str(a["lat"]), str(a["lon"])] if a.get("lat") is not None else [])
            )
            for a in settings.airports
        )
        initial["perks"] = "\n".join(
            f"{p.get('name_it', '')} | {p.get('name_en', '')} | {money_text(p.get('amount_minor'))}"
            for p in settings.perks
        )
        initial["latitude"], initial["longitude"] = settings.latitude, settings.longitude
        return initial

    def to_input_latitude(self, raw):
        return _decimal_text(raw)

    def to_input_longitude(self, raw):
        return _decimal_text(raw)

    def input_data(self):
        """The settings as they are, with what the form shows as typed."""
        data = {**self.current, **super().input_data()}
        for name in self.NUMBERS + self.WEIGHTS:
            if name in self._input_fields and self.cleaned_data.get(name) in ("", None):
                if name in self.OPTIONAL:
                    data[name] = None
                else:
                    data.pop(name)  # an emptied box is refused, not kept
        return data

    def to_input_interests(self, raw):
        interests, errors = [], []
        for number, parts in _lines(raw):
            if len(parts) not in (2, 3) or not parts[0] or not any(parts[1:]):
                errors.append(_line_error(number, _("write “code | Italian name | English name”.")))
                continue
            name_en = parts[2] if len(parts) > 2 else ""
            interests.append({"slug": parts[0], "name_it": parts[1], "name_en": name_en})
        if errors:
            raise forms.ValidationError(errors)
        return interests

    def to_input_airports(self, raw):
        airports, errors = [], []
        for number, parts in _lines(raw):
            if len(parts) not in (2, 4) or not parts[0]:
                errors.append(
                    _line_error(
                        number, _("write “CODE | name”, the code in 3 or 4 letters, such as BLQ.")
                    )
                )
                continue
            airport = {"code": parts[0], "name": parts[1]}
            if len(parts) == 4:
                lat, lon = _number(parts[2]), _number(parts[3])
                if lat is None or lon is None:
                    errors.append(
                        _line_error(
                            number,
                            _(
                                "the latitude and longitude are numbers such as 44.5354 "
                                "and 11.2887."
                            ),
                        )
                    )
                    continue
                airport.update(lat=lat, lon=lon)
            airports.append(airport)
        if errors:
            raise forms.ValidationError(errors)
        return airports

    def to_input_perks(self, raw):
        perks, errors = [], []
        for number, parts in _lines(raw):
            if len(parts) != 3:
                errors.append(
                    _line_error(number, _("write “Italian name | English name | amount in euros”."))
                )
                continue
            amount = parse_money(parts[2]) if parts[2] else None
            if amount is None:
                errors.append(
                    _line_error(number, _("enter the amount such as 5,50 or 5.50 (euros)."))
                )
                continue
            perks.append({"name_it": parts[0], "name_en": parts[1], "amount_minor": amount})
        if errors:
            raise forms.ValidationError(errors)
        return perks


# --- the peer's offer ----------------------------------------------------------------------------


class SlotForm(forms.Form):
    """One weekly slot as typed. A row left empty, or ticked for removal, is no slot; a
    half-filled row is not read."""

    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day"),
        choices=[("", "—")] + list(WEEKDAYS.items()),
        coerce=int,
        empty_value=None,
        required=False,
    )
    starts = forms.TimeField(
        label=pgettext_lazy("time of day", "From"), required=False, widget=_time_input()
    )
    ends = forms.TimeField(
        label=pgettext_lazy("time of day", "To"), required=False, widget=_time_input()
    )

    NAMES = ("weekday", "starts", "ends")

    def clean(self):
        data = super().clean()
        values = [data.get(name) for name in self.NAMES]
        if self.errors or all(v is None for v in values) or data.get("DELETE"):
            return data
        for name, value in zip(self.NAMES, values, strict=True):
            if value is None:
                self.add_error(name, _("Fill in the day and both times, or leave the row empty."))
        return data

    def slot(self):
        """The slot as the input takes it, or None for an empty, removed or unreadable row."""
        d = getattr(self, "cleaned_data", {})
        if self.errors or d.get("DELETE") or d.get("weekday") is None:
            return None
        return {name: d[name] for name in self.NAMES}


# How many slots a peer may give is the input's rule ("Give at most 168 weekly slots."), on
# the API too: the formset reads every row sent and sets no limit of its own.
SlotFormSet = forms.formset_factory(SlotForm, extra=EMPTY_SLOT_ROWS, can_delete=True)


class ProfileForm(InputForm):
    """What a peer offers, with their weekly slots (`slots`, a `SlotFormSet`): one input,
    `MatchingProfileInput`, as on the API. A fault of one slot is shown on its row; a rule
    across slots (or too many) above them."""

    input_class = MatchingProfileInput

    accepting = forms.BooleanField(
        label=gettext_lazy("I accept requests"),
        required=False,
        help_text=gettext_lazy("Untick to pause: no new proposals until you tick it again."),
    )
    max_per_week = forms.IntegerField(label=gettext_lazy("Most matches a week"), required=False)
    interests = forms.MultipleChoiceField(
        label=gettext_lazy("What you love to show"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Requests that share your interests come to you first."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone to share (optional)"),
        required=False,
        help_text=gettext_lazy(
            "Only the visitors you accept get it, to call you or write on WhatsApp."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # Not shown: the rows of `slots` are typed in the formset; the errors about all of them
    # are shown here.
    slots = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, interests=(), slots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_forms = slots
        self._slot_rows = []
        self.fields["interests"].choices = [(k, capfirst(v)) for k, v in interests]

    def to_input_slots(self, _raw):
        rows = [row for row in (self.slot_forms or []) if row.slot() is not None]
        self._slot_rows = rows
        return [row.slot() for row in rows]

    def _post_clean(self):
        refused = set(self._errors)
        try:
            self.input = parse(self.input_class, self.input_data(), context=self.input_context())
        except InvalidInput as exc:
            for field, message in exc.errors:
                parts = (field or "").split(".")
                if parts[0] == "slots" and len(parts) == 3 and parts[1].isdigit():
                    row = self._slot_rows[int(parts[1])]
                    row.add_error(parts[2] if parts[2] in row.fields else None, message)
                    continue
                target = self.form_field(field)
                if target not in refused:
                    self.add_error(target, message)


class DayOffForm(InputForm):
    """Days off, as `DayOffInput` (as on the API): the last day left empty is the first."""

    input_class = DayOffInput

    first = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last = forms.DateField(
        label=gettext_lazy("To (included)"),
        required=False,
        help_text=gettext_lazy("Empty: just that day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False)
