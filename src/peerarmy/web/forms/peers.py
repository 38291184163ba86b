"""Forms of peers: the application and profile, the console's filters and rejection."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.peers.inputs import (
    MAX_SHOWCASE_LINKS,
    AppealDecisionInput,
    AppealInput,
    ClearReviewInput,
    IdentityCheckInput,
    LiftInput,
    PeerProfileInput,
    PhoneCodeInput,
    PhoneNumberInput,
    RejectInput,
    ReviewSettingsInput,
    SuspendInput,
)
from peerarmy.peers.models import LANGUAGE_CHOICES, DocumentType, LanguageLevel, PeerStatus

from .base import CoordinateField, InputForm, LinksField, skill_choices

FLUENT = LanguageLevel.FLUENT.value


class PeerProfileForm(InputForm):
    """The application form, and the profile form of a peer (the same fields). The rules are
    `PeerProfileInput`'s; a language's level is read from its `level_<code>` select."""

    input_class = PeerProfileInput
    point_from_address = True  # the home area alone is placed by the geocoder

    display_name = forms.CharField(
        label=_("Name shown to others"),
        required=False,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "nickname"}),
    )
    bio = forms.CharField(
        label=_("Short bio"),
        required=False,
        help_text=_("What you love doing, what you are good at. At most 1000 characters."),
        widget=forms.Textarea(attrs={"rows": 4}),
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
        help_text=_(
            "Your town or postcode, with the street if you like: “Via Zamboni 33, Bologna” or "
            "“40126”. We never show it to others."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = CoordinateField(label=_("Latitude"), axis="latitude")
    longitude = CoordinateField(label=_("Longitude"), axis="longitude")
    travel_radius_km = forms.IntegerField(
        label=_("How far you would travel (km)"),
        required=False,
        initial=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
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
            # Shown as a select, read as typed: an unknown level is the input's to refuse,
            # next to the languages.
            self.fields[f"level_{code}"] = forms.CharField(
                label=format_lazy(_("Level in {language}"), language=name),
                initial=LanguageLevel.FLUENT,
                required=False,
                widget=forms.Select(choices=LanguageLevel.choices),
            )

    @classmethod
    def initial_for(cls, peer):
        """The form filled in with the peer's profile as it is."""
        profile = PeerProfileInput.of(peer)
        initial = profile.model_dump(exclude={"languages"})
        initial["languages"] = list(profile.levels)
        initial.update({f"level_{code}": level for code, level in profile.levels.items()})
        return initial

    def language_rows(self):
        """(checkbox, level select) for each language, for a table the eye can scan."""
        checkboxes = self["languages"].subwidgets
        return [
            (checkbox, self[f"level_{code}"])
            for checkbox, (code, _name) in zip(checkboxes, LANGUAGE_CHOICES, strict=True)
        ]

    def input_data(self):
        data = super().input_data()
        if "languages" in data:
            # Each ticked language with the level chosen beside it.
            data["languages"] = [
                {"code": code, "level": self.cleaned_data.get(f"level_{code}") or FLUENT}
                for code in data["languages"]
            ]
        return data


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


class RejectForm(InputForm):
    """Why an application is turned down; the rules are `RejectInput`'s, as on the API."""

    input_class = RejectInput

    reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        help_text=_("The applicant reads this in the e-mail we send them. Be kind and clear."),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


# --- reviews, suspensions and appeals (the rules are the inputs', as on the API) ---------------


def _reason_field(label, help_text):
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


class SuspendForm(InputForm):
    input_class = SuspendInput
    reason = _reason_field(
        _("Reason for the suspension"),
        _("The peer reads this in the e-mail and in their app, and may appeal once."),
    )


class ClearReviewForm(InputForm):
    input_class = ClearReviewInput
    reason = _reason_field(_("Why the review ends here"), _("The peer reads this in their app."))


class LiftForm(InputForm):
    input_class = LiftInput
    reason = _reason_field(
        _("Why the suspension is lifted"), _("The peer reads this in the e-mail and in their app.")
    )


class AppealDecisionForm(InputForm):
    input_class = AppealDecisionInput
    grant = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[
            ("true", _("Grant the appeal: lift the suspension")),
            ("false", _("Refuse the appeal: the suspension stays")),
        ],
        widget=forms.RadioSelect,
    )
    reason = _reason_field(
        _("Reason for the decision"), _("The peer reads this in the e-mail and in their app.")
    )


class AppealForm(InputForm):
    input_class = AppealInput
    message = forms.CharField(
        label=_("Your appeal"),
        required=False,
        help_text=_(
            "Tell the business what it should know. You can appeal once; a member other than "
            "the one who suspended you decides."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "required": True}),
    )


class ReviewSettingsForm(InputForm):
    input_class = ReviewSettingsInput
    no_show_limit = forms.IntegerField(label=_("No-shows that lead to a review"), required=False)
    no_show_window_days = forms.IntegerField(label=_("Within (days)"), required=False)


# --- verification records --------------------------------------------------------------------------


class PhoneNumberForm(InputForm):
    input_class = PhoneNumberInput
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        help_text=_("We send a code by SMS to this number."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "required": True}),
    )


class PhoneCodeForm(InputForm):
    input_class = PhoneCodeInput
    code = forms.CharField(
        label=_("Code"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "required": True}
        ),
    )


class IdentityCheckForm(InputForm):
    input_class = IdentityCheckInput
    document_type = forms.ChoiceField(
        label=_("Document seen"),
        required=False,
        choices=DocumentType.choices,
        help_text=_("Only the kind of document is kept: no number, no copy."),
    )
