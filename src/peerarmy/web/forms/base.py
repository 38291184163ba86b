"""What the forms of the web interface share: `InputForm`, which validates a submission through
the change's typed input (so the console and the API cannot disagree on a rule), and the fields
that turn what a person typed into the input's shapes (amounts in euros, coordinates, links)."""

import math
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from peerarmy.peers.services import MAX_SHOWCASE_LINKS


class DomainErrorsMixin:
    """Show a service's DomainError next to the fields it names, or above the form."""

    # form field -> the input's field it feeds, where the form names or shapes it otherwise
    input_names: dict = {}

    def form_field(self, input_field):
        """The form's field an error about `input_field` (e.g. "languages.0") belongs to."""
        if not input_field:
            return None
        head = str(input_field).split(".")[0]
        for form_name, input_name in self.input_names.items():
            if input_name in (input_field, head):
                return form_name if form_name in self.fields else None
        return head if head in self.fields else None

    def add_domain_error(self, exc):
        errors = exc.field_errors or [(None, exc.message)]
        for field, message in errors:
            self.add_error(self.form_field(field), str(message))


OMIT = object()


class InputForm(DomainErrorsMixin, forms.Form):
    """A form whose rules are those of a change's typed input (`input_class`, a
    `peerarmy.inputs.Input` beside the service).

    The form's fields only show and read: what a person typed goes to the input as it is
    (a form may convert a representation, such as euros to cents, in `to_input_<field>`), and
    every error the input finds is shown next to its field, all at once. The API validates its
    body with the same input, so both paths refuse the same values with the same words. The
    limits of the input (lengths, ranges) are also set on the widgets, as hints to the browser.
    Fields that are not the input's are cleaned by Django as usual.

    After `is_valid()`, `form.input` is the validated input, ready for the service."""

    input_class = None

    def __init__(self, *args, business=None, **kwargs):
        self.business = business
        self.input = None
        super().__init__(*args, **kwargs)
        self._input_fields = {
            name: self.input_names.get(name, name)
            for name in self.fields
            if self.input_names.get(name, name) in self.input_class.model_fields
        }
        _hint_limits(self)

    def _clean_fields(self):
        for name, bf in self._bound_items():
            try:
                if name in self._input_fields:
                    # What was typed, as typed; a disabled field keeps its initial value.
                    raw = bf.initial if bf.field.disabled else bf.data
                    convert = getattr(self, f"to_input_{name}", None)
                    self.cleaned_data[name] = convert(raw) if convert else raw
                else:
                    self.cleaned_data[name] = bf.field._clean_bound_field(bf)
                    if hasattr(self, f"clean_{name}"):
                        self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except forms.ValidationError as exc:
                self.add_error(name, exc)

    def input_data(self):
        """The input's fields from what the person typed. An empty box is an empty text for
        a text field, as on the API. For any other field, a box that was empty is left out, so
        that the input's default (or its "required") applies, as a key left out of the API's
        body (so is a field missing from the submission); a box that held a value (an edit
        form's initial) and was emptied is sent as null, as on the API's PATCH: refused,
        unless the field may be empty."""
        data = {}
        for form_name, input_name in self._input_fields.items():
            if form_name not in self.cleaned_data:
                continue  # its representation was not valid: already an error
            value = self.cleaned_data[form_name]
            is_text = _is_text(self.input_class.model_fields[input_name])
            if value is None and is_text:
                value = ""  # a text box left out of the submission is an empty one
            if value is OMIT:
                continue
            if value is None or (value == "" and not is_text):
                if value == "" and self.initial.get(form_name) not in (None, "", [], ()):
                    # The box held a value and the person emptied it: as a null on the API's
                    # PATCH, refused unless the field may be empty (then it is cleared).
                    data[input_name] = None
                continue
            if isinstance(value, list | tuple):
                value = [v for v in value if v not in (None, "")]
            data[input_name] = value
        return data

    def input_context(self):
        return {"business": self.business} if self.business is not None else None

    # The form's latitude and longitude, for its map; and whether an address typed instead
    # is placed by the geocoder (the peer's home, a traveller's meeting point).
    point_fields = ("latitude", "longitude")
    point_from_address = False

    def point_picker(self):
        """The form's point and its map (`PointPicker`), or None without the fields."""
        from django.conf import settings

        lat_name, lon_name = self.point_fields
        if lat_name not in self.fields or lon_name not in self.fields:
            return None
        latitude, longitude = self[lat_name], self[lon_name]
        centre, zoom = _point(latitude.value(), longitude.value()), ZOOM_STREET
        if centre is None:
            centre, zoom = self.map_centre(), ZOOM_TOWN
        if centre is None:
            centre, zoom = DEFAULT_MAP_CENTRE, ZOOM_COUNTRY
        return PointPicker(
            latitude=latitude,
            longitude=longitude,
            centre=centre,
            zoom=zoom,
            finds_address=self.point_from_address,
            tile_url=settings.MAP_TILE_URL,
            attribution=settings.MAP_TILE_ATTRIBUTION,
        )

    def map_centre(self):
        """Where the map starts when the form has no point yet: the business's town, from
        the shipped gazetteer (offline). A form may know better (a program's meeting point)."""
        from peerarmy.peers.geocoding import from_gazetteer

        place = from_gazetteer(getattr(self.business, "city", "") or "")
        return None if place is None else (place.latitude, place.longitude)

    def _post_clean(self):
        from peerarmy.inputs import InvalidInput, parse

        refused = set(self._errors)  # representations already refused (an amount, a date)
        try:
            self.input = parse(self.input_class, self.input_data(), context=self.input_context())
        except InvalidInput as exc:
            for field, message in exc.errors:
                target = self.form_field(field)
                if target not in refused:
                    self.add_error(target, message)


def _is_text(info):
    """Whether an input field takes a text (str, or str or None)."""

    annotation = info.annotation
    if annotation is str:
        return True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and any(
        a is str or typing.get_args(a)[:1] == (str,) for a in args
    )


def _hint_limits(form):
    """Set the input's limits on the widgets (maxlength, min, max), as hints: the browser
    stops a person early, and the input is what decides."""
    import annotated_types

    for form_name, input_name in form._input_fields.items():
        info = form.input_class.model_fields[input_name]
        attrs = form.fields[form_name].widget.attrs
        for item in _metadata(info):
            if isinstance(item, annotated_types.MaxLen) and not isinstance(
                form.fields[form_name].widget, forms.CheckboxSelectMultiple | forms.MultiWidget
            ):
                attrs.setdefault("maxlength", item.max_length)
            elif isinstance(item, annotated_types.Ge):
                attrs.setdefault("min", item.ge)
            elif isinstance(item, annotated_types.Le):
                attrs.setdefault("max", item.le)


def _metadata(info):
    """The constraints of an input's field, also those of a type inside `X | None`."""
    import annotated_types
    from pydantic.fields import FieldInfo

    items = list(info.metadata)
    for arg in typing.get_args(info.annotation):
        if typing.get_origin(arg) is typing.Annotated:
            for extra in typing.get_args(arg)[1:]:
                items.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
    for item in items:
        if isinstance(item, annotated_types.GroupedMetadata):
            yield from item
        else:
            yield item


def skill_choices(skills):
    return [(skill.slug, skill.name) for skill in skills]


class QuickSelect(forms.Select):
    """A plain select written in Python: Django renders each option through a template,
    which costs a page with a long list (the stations of a big fleet) tens of milliseconds."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (code, mark_safe(" selected") if str(code) in chosen else "", label)
                for code, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class LinksWidget(forms.MultiWidget):
    template_name = "web/widgets/links.html"

    def __init__(self, attrs=None):
        widgets = [
            forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"})
            for _i in range(MAX_SHOWCASE_LINKS)
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        return list(value or [])


class LinksField(forms.Field):
    """Up to MAX_SHOWCASE_LINKS web addresses, one input each."""

    widget = LinksWidget

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        return [link.strip() for link in (value or []) if link and link.strip()]


class CoordinateField(forms.CharField):
    """A box for a latitude or a longitude (a number with many decimals, as a browser's
    position gives). Its limits and its precision are the input's (`inputs.Latitude`).

    `axis` ("latitude" or "longitude") marks the box (`data-coordinate`) for the map that
    `web/map-picker.js` draws beside a form's pair (`InputForm.point_picker`)."""

    widget = forms.NumberInput

    def __init__(self, *, axis=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"step": "any", "inputmode": "decimal"})
        if axis is not None:
            self.widget.attrs["data-coordinate"] = axis


# Where a map with no point and no town to start from looks: Italy, whole.
DEFAULT_MAP_CENTRE = (42.5, 12.5)
ZOOM_COUNTRY, ZOOM_TOWN, ZOOM_STREET = 5, 12, 16


@dataclass(frozen=True)
class PointPicker:
    """A form's latitude and longitude boxes, and the map `web/includes/map_picker.html`
    draws beside them where a tile server is configured (`MAP_TILE_URL`): where it starts
    (the point, else the form's own place, else the business's town, else Italy), and
    whether an address typed instead is placed by the geocoder (what the map's note says
    when tiles cannot load)."""

    latitude: forms.BoundField
    longitude: forms.BoundField
    centre: tuple[float, float]
    zoom: int
    finds_address: bool
    tile_url: str
    attribution: str

    @property
    def has_map(self):
        return bool(self.tile_url)

    @property
    def has_errors(self):
        return bool(self.latitude.errors or self.longitude.errors)

    @property
    def centre_text(self):
        """The centre as the script reads it ("44.4938,11.3426"), whatever the language."""
        return f"{self.centre[0]:.6f},{self.centre[1]:.6f}"


def _degrees(value, limit):
    """A coordinate as typed ("44,49", "44.49") or stored (Decimal), if it is one."""
    if value is None:
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def _point(latitude, longitude):
    lat, lon = _degrees(latitude, 90), _degrees(longitude, 180)
    return None if lat is None or lon is None else (lat, lon)


def parse_money(text):
    """ "12,50", "12.50", "1.234,50" or "12" (euros) → minor units (1250). None if invalid."""
    text = (text or "").strip().replace("\N{NO-BREAK SPACE}", "").replace(" ", "")
    text = text.replace("€", "")
    if not text:
        return 0
    last = max(text.rfind(","), text.rfind("."))
    if last >= 0:
        whole = re.sub(r"[.,]", "", text[:last])
        text = f"{whole}.{text[last + 1 :]}"
        if len(text) - text.index(".") - 1 > 2:
            return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount >= 10**12:
        return None
    return int(amount * 100)


class MoneyField(forms.CharField):
    """An amount in euros typed with a decimal comma or point, cleaned to minor units."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "placeholder": "0,00"})

    def clean(self, value):
        value = super().clean(value)
        minor = parse_money(value)
        if minor is None:
            raise forms.ValidationError(
                _("Enter an amount such as 12,50 or 12.50."), code="invalid"
            )
        return minor
