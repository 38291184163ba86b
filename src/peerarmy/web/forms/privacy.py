"""The forms of people's rights, each validated through its typed input
(`peerarmy.privacy.inputs`): the visitor's request for the link to their data, the request for
erasure and its confirmation, staff's refusal and subject-access export, the audit filters."""

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from peerarmy.privacy.inputs import (
    AuditFilterInput,
    DataLinkInput,
    ErasureInput,
    RefusalInput,
    SubjectExportInput,
)
from peerarmy.privacy.models import AccessAction

from .base import InputForm

HONEYPOT = "website"


class DataLinkForm(InputForm):
    input_class = DataLinkInput

    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        help_text=gettext_lazy("The one you gave the shop: the link is sent there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # a field people never see: a bot that fills it in is told all went well, and nothing is sent
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    @property
    def is_bot(self):
        return bool(self.data.get(HONEYPOT))


class ErasureForm(InputForm):
    input_class = ErasureInput

    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, erase my personal data at this shop. I know it cannot be undone."),
        required=False,
    )
    close_account = forms.BooleanField(
        label=gettext_lazy("Close my account too (I use it with no other business)."),
        required=False,
    )

    def __init__(self, *args, can_close_account=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_close_account:
            del self.fields["close_account"]
            self._input_fields.pop("close_account", None)

    def to_input_confirm(self, raw):
        return raw in ("on", "true", "1", True)

    def to_input_close_account(self, raw):
        return raw in ("on", "true", "1", True)


class RefusalForm(InputForm):
    input_class = RefusalInput

    reason = forms.CharField(
        label=gettext_lazy("Why it cannot be done"),
        help_text=gettext_lazy("The person is e-mailed these words as they are."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class SubjectExportForm(InputForm):
    input_class = SubjectExportInput

    email = forms.EmailField(
        label=gettext_lazy("The person's e-mail address"),
        help_text=gettext_lazy(
            "Everything the shop holds for it (customer record, peer profile, bookings, "
            "tickets…) as a ZIP; the download is written in the audit trail."
        ),
    )


class AuditFilterForm(InputForm):
    input_class = AuditFilterInput
    input_names = {"who": "actor_id"}

    action = forms.ChoiceField(
        label=pgettext_lazy("audit filter", "Action"),
        required=False,
        choices=[("", pgettext_lazy("audit filter", "Any"))] + list(AccessAction.choices),
    )
    who = forms.ChoiceField(label=pgettext_lazy("audit filter", "Who"), required=False)
    since = forms.DateField(
        label=pgettext_lazy("audit filter", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("audit filter", "Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, actors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [("", pgettext_lazy("audit filter", "Anyone"))] + [
            (str(pk), name) for pk, name in actors
        ]

    def filters(self):
        """The validated filters, or none at all when they are not valid (the page says why)."""
        return self.input if self.is_valid() else None
