"""Forms of the web interface. They parse what a person typed into the shapes the services
take; the services decide what is valid, and their errors come back next to the field."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.peers.models import LANGUAGE_CHOICES, LanguageLevel, PeerStatus
from peerarmy.peers.services import MAX_SHOWCASE_LINKS
from peerarmy.programs.models import ProgramKind, ProgramStatus

MICRODEGREE = Decimal("0.000001")


class DomainErrorsMixin:
    """Show a service's DomainError next to the field it names, or above the form."""

    def add_domain_error(self, exc):
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, str(exc.message))


def _skill_choices(skills):
    return [(skill.slug, skill.name) for skill in skills]


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


class CoordinateField(forms.DecimalField):
    """A latitude or longitude; the browser's geolocation gives many decimals, keep six."""

    def __init__(self, *, limit, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"step": "any", "min": -limit, "max": limit})

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        if not value.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if abs(value) >= 1000:
            return value  # out of range: the service says so, quantize() would overflow
        return value.quantize(MICRODEGREE, rounding=ROUND_HALF_UP)


class PeerProfileForm(DomainErrorsMixin, forms.Form):
    """The application form, and the profile form of a peer (the same fields)."""

    display_name = forms.CharField(
        label=_("Name shown to others"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "nickname"}),
    )
    bio = forms.CharField(
        label=_("Short bio"),
        required=False,
        help_text=_("What you love doing, what you are good at. At most 1000 characters."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        required=False,
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.MultipleChoiceField(
        label=_("Your skills"), required=False, widget=forms.CheckboxSelectMultiple
    )
    home_address = forms.CharField(
        label=_("Home area"),
        required=False,
        max_length=400,
        help_text=_("A street or neighbourhood is enough; we never show it to others."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)
    travel_radius_km = forms.IntegerField(
        label=_("How far you would travel (km)"),
        initial=10,
        widget=forms.NumberInput(attrs={"min": 1, "max": 500, "inputmode": "numeric"}),
    )
    showcase_links = LinksField(
        label=_("Showcase links"),
        required=False,
        help_text=format_lazy(
            _("Up to {n} links to your work: a blog, photos, videos, a portfolio."),
            n=MAX_SHOWCASE_LINKS,
        ),
    )

    def __init__(self, *args, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = _skill_choices(skills)
        for code, name in LANGUAGE_CHOICES:
            self.fields[f"level_{code}"] = forms.ChoiceField(
                label=format_lazy(_("Level in {language}"), language=name),
                choices=LanguageLevel.choices,
                initial=LanguageLevel.FLUENT,
                required=False,
            )

    @classmethod
    def initial_for(cls, peer):
        initial = {
            "display_name": peer.display_name,
            "bio": peer.bio,
            "languages": [pl.language for pl in peer.languages.all()],
            "skills": [skill.slug for skill in peer.skills.all()],
            "home_address": peer.home_address,
            "latitude": peer.latitude,
            "longitude": peer.longitude,
            "travel_radius_km": peer.travel_radius_km,
            "showcase_links": peer.showcase_links,
        }
        for pl in peer.languages.all():
            initial[f"level_{pl.language}"] = pl.level
        return initial

    def language_rows(self):
        """(checkbox, level select) for each language, for a table the eye can scan."""
        checkboxes = self["languages"].subwidgets
        return [
            (checkbox, self[f"level_{code}"])
            for checkbox, (code, _name) in zip(checkboxes, LANGUAGE_CHOICES, strict=True)
        ]

    def service_data(self):
        data = self.cleaned_data
        return {
            "display_name": data["display_name"],
            "bio": data["bio"],
            "languages": {
                code: data.get(f"level_{code}") or LanguageLevel.FLUENT
                for code in data["languages"]
            },
            "skills": data["skills"],
            "home_address": data["home_address"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "travel_radius_km": data["travel_radius_km"],
            "showcase_links": data["showcase_links"],
        }


class ProgramForm(DomainErrorsMixin, forms.Form):
    """A program's texts in both languages, side by side, and who may join it."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ProgramKind.choices,
        help_text=_("Cannot change once the program is published."),
    )
    slug = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=60,
        help_text=_(
            "The last part of the program's web address. Leave it empty to make one "
            "from the English title."
        ),
    )
    title_it = forms.CharField(label=_("Title (Italian)"), required=False, max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), required=False, max_length=300)
    summary_it = forms.CharField(
        label=_("Summary (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 280}),
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 280}),
    )
    description_it = forms.CharField(
        label=_("Description (Italian)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    required_skills = forms.MultipleChoiceField(
        label=_("Required skills"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A peer needs every one of these skills."),
    )
    required_languages = forms.MultipleChoiceField(
        label=_("Required languages"),
        required=False,
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A peer needs at least one of these languages."),
    )
    min_reliability = forms.IntegerField(
        label=_("Minimum reliability"),
        required=False,
        initial=0,
        help_text=_("0 to 100; 0 lets new peers without a track record join."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
    )

    TEXT_PAIRS = [
        ("title_it", "title_en"),
        ("summary_it", "summary_en"),
        ("description_it", "description_en"),
    ]

    def __init__(self, *args, skills=(), program=None, **kwargs):
        if program is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(program)
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["required_skills"].choices = _skill_choices(skills)
        if program is not None and program.status != ProgramStatus.DRAFT:
            self.fields["kind"].disabled = True
        for name in ("title_it", "title_en"):
            self.fields[name].widget.attrs["required"] = True
        for pair in self.TEXT_PAIRS:
            for name in pair:
                # Screen readers and spell checkers read each text in its own language.
                self.fields[name].widget.attrs["lang"] = name[-2:]

    @staticmethod
    def initial_for(program):
        initial = {
            name: getattr(program, name)
            for name in (
                "kind",
                "slug",
                "title_it",
                "title_en",
                "summary_it",
                "summary_en",
                "description_it",
                "description_en",
                "min_reliability",
            )
        }
        initial["required_skills"] = [s.slug for s in program.required_skills.all()]
        initial["required_languages"] = list(program.required_languages)
        return initial

    def text_pairs(self):
        return [(self[it], self[en]) for it, en in self.TEXT_PAIRS]

    def service_data(self):
        data = dict(self.cleaned_data)
        if data.get("min_reliability") is None:
            data["min_reliability"] = 0
        if self.program is not None and not data.get("slug"):
            data.pop("slug", None)  # keep the address people may already have shared
        return data


class ProgramFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any status")), *ProgramStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any kind")), *ProgramKind.choices],
    )


class PeerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, e-mail or area")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any status")), *PeerStatus.choices],
    )
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any language")), *LANGUAGE_CHOICES],
    )

    def __init__(self, *args, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [
            ("", pgettext_lazy("filter", "Any skill")),
            *_skill_choices(skills),
        ]

    def filters(self):
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class RejectForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        help_text=_("The applicant reads this in the e-mail we send them. Be kind and clear."),
        widget=forms.Textarea(attrs={"rows": 3, "required": True, "maxlength": 1000}),
    )


class TokenForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("What the token is for, e.g. “shop website” or “booking import”."),
    )
