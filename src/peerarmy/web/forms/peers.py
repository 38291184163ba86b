"""Forms of peers: the application and profile, the console's filters and rejection."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.peers.models import LANGUAGE_CHOICES, LanguageLevel, PeerStatus
from peerarmy.peers.services import MAX_SHOWCASE_LINKS

from .base import CoordinateField, DomainErrorsMixin, LinksField, skill_choices


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
        self.fields["skills"].choices = skill_choices(skills)
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
            *skill_choices(skills),
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
