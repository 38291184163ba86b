"""Forms of programs in the console."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.peers.models import LANGUAGE_CHOICES
from peerarmy.programs.inputs import ProgramInput
from peerarmy.programs.models import ProgramKind, ProgramStatus

from .base import InputForm, skill_choices


class ProgramForm(InputForm):
    """A program's texts in both languages, side by side, and who may join it. The rules are
    `ProgramInput`'s, as on the API."""

    input_class = ProgramInput

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ProgramKind.choices,
        help_text=_("Cannot change once the program is published."),
    )
    slug = forms.CharField(
        label=_("Address"),
        required=False,
        help_text=_(
            "The last part of the program's web address. Leave it empty to make one "
            "from the English title."
        ),
    )
    title_it = forms.CharField(label=_("Title (Italian)"), required=False)
    title_en = forms.CharField(label=_("Title (English)"), required=False)
    summary_it = forms.CharField(
        label=_("Summary (Italian)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
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
    required_verifications = forms.MultipleChoiceField(
        label=_("Required verifications"),
        required=False,
        choices=[
            ("phone", _("A phone confirmed with a code")),
            ("identity", _("An identity checked in person at the shop")),
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A peer needs every one of these; they verify them on their Verification page."
        ),
    )
    min_reliability = forms.IntegerField(
        label=_("Minimum reliability"),
        required=False,
        initial=0,
        help_text=_("0 to 100; 0 lets new peers without a track record join."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    TEXT_PAIRS = [
        ("title_it", "title_en"),
        ("summary_it", "summary_en"),
        ("description_it", "description_en"),
    ]

    def __init__(self, *args, skills=(), program=None, **kwargs):
        if program is not None and "initial" not in kwargs:
            kwargs["initial"] = ProgramInput.of(program).model_dump()
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["required_skills"].choices = skill_choices(skills)
        if program is not None and program.status != ProgramStatus.DRAFT:
            self.fields["kind"].disabled = True
        for name in ("title_it", "title_en"):
            self.fields[name].widget.attrs["required"] = True
        for pair in self.TEXT_PAIRS:
            for name in pair:
                # Screen readers and spell checkers read each text in its own language.
                self.fields[name].widget.attrs["lang"] = name[-2:]

    def input_context(self):
        # An edit names the program: without an address typed, it keeps the one it has.
        return {**(super().input_context() or {}), "program": self.program}

    def text_pairs(self):
        return [(self[it], self[en]) for it, en in self.TEXT_PAIRS]


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
