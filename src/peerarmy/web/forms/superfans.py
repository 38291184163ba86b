"""The console's forms for superfans: filtering the ranked list and the invitations, inviting
customers, and the scoring settings."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy, pgettext_lazy

from peerarmy.superfans.inputs import (
    SEGMENT_FIELDS,
    WEIGHT_FIELDS,
    InviteInput,
    ScoringSettingsInput,
)
from peerarmy.superfans.models import InvitationStatus, ScoringSettings
from peerarmy.superfans.selectors import SEGMENTS

from .base import InputForm


class SuperfanFilterForm(forms.Form):
    segment = forms.ChoiceField(
        label=gettext_lazy("Segment"),
        required=False,
        choices=[("", pgettext_lazy("segment", "All scored customers")), *SEGMENTS],
    )
    min_score = forms.IntegerField(
        label=gettext_lazy("Minimum score"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
    )
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": gettext_lazy("Name or e-mail")}),
    )
    consent = forms.BooleanField(label=gettext_lazy("Only with marketing consent"), required=False)

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "segment": data.get("segment") or None,
            "min_score": data.get("min_score"),
            "q": data.get("q") or None,
            "consent_only": bool(data.get("consent")),
        }


class IdListField(forms.Field):
    """Object ids from checkboxes or hidden inputs, as sent: the input reads them as whole
    numbers (and says which one is not)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str | int):
            value = [value]
        return list(value)


class InviteForm(InputForm):
    """Customers ticked on a list (or the one on their page) and the program offered."""

    input_class = InviteInput
    input_names = {"customer": "customer_ids", "program": "program_id"}

    customer = IdListField(label=gettext_lazy("Customers"), required=False)
    program = forms.ChoiceField(label=gettext_lazy("Invite to"), required=False)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [
            ("", pgettext_lazy("invite to", "The army, no program in particular")),
            *((str(p.pk), p.title) for p in programs),
        ]

    def to_input_customer(self, raw):
        # A browser sends the ticked boxes as a list; nothing ticked is no list at all.
        return raw or []


def _settings_field(name, help_text=""):
    # Only shows and reads: the input holds the ranges (also set on the widget as hints).
    return forms.IntegerField(
        label=capfirst(ScoringSettings._meta.get_field(name).verbose_name),
        help_text=help_text,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ScoringSettingsForm(InputForm):
    """The weights of the score's parts (only their ratios matter) and the segments."""

    input_class = ScoringSettingsInput
    WEIGHTS = list(WEIGHT_FIELDS)
    SEGMENT_FIELDS = list(SEGMENT_FIELDS)
    FIELDS = [*WEIGHTS, *SEGMENT_FIELDS]

    weight_recency = _settings_field("weight_recency")
    weight_frequency = _settings_field("weight_frequency")
    weight_monetary = _settings_field("weight_monetary")
    weight_nps = _settings_field("weight_nps")
    weight_reviews = _settings_field("weight_reviews")
    weight_referrals = _settings_field("weight_referrals")
    weight_mentions = _settings_field("weight_mentions")
    superfan_threshold = _settings_field(
        "superfan_threshold",
        gettext_lazy("A customer with at least this score (0 to 100) is a superfan."),
    )
    top_percent = _settings_field(
        "top_percent",
        gettext_lazy("…and so is everyone in this top share of your scored customers."),
    )
    lapsed_after_days = _settings_field(
        "lapsed_after_days",
        gettext_lazy("A superfan without an order for this many days is lapsed."),
    )

    @classmethod
    def initial_for(cls, settings):
        return ScoringSettingsInput.of(settings).model_dump()

    def weight_fields(self):
        return [self[name] for name in self.WEIGHTS]

    def segment_fields(self):
        return [self[name] for name in self.SEGMENT_FIELDS]


class InvitationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any status")), *InvitationStatus.choices],
    )
