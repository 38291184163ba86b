"""The peer's settings for new-work messages: validated through the typed input the API takes
(`peers.inputs.NotificationSettingsInput`), so both refuse the same values with the same words.
The form only reads what was typed: a time box left empty means no quiet hours."""

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.peers.inputs import NotificationSettingsInput
from peerarmy.peers.models import NewWorkMessages

from .base import InputForm

QUIET_FIELDS = ("quiet_start", "quiet_end")


def _time_box(label):
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
    )


class NotificationSettingsForm(InputForm):
    input_class = NotificationSettingsInput

    new_work = forms.ChoiceField(
        label=_("Tell me about new work"),
        choices=NewWorkMessages.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "At once: as soon as a block opens or a visitor near you waits for a local (best "
            "for blocks, which go first come, first served). Once a day: one message at the "
            "hour you choose."
        ),
    )
    email = forms.BooleanField(label=_("By e-mail"), required=False)
    push = forms.BooleanField(
        label=_("By web push, on the phones and computers where I turn it on below"),
        required=False,
    )
    quiet_start = _time_box(_("Quiet from"))
    quiet_end = _time_box(_("Quiet until"))
    digest_hour = forms.ChoiceField(
        label=_("Daily message at"),
        choices=[(str(hour), f"{hour:02d}:00") for hour in range(24)],
        required=False,
    )

    def input_data(self):
        data = super().input_data()
        for name in QUIET_FIELDS:
            # An empty box is "no quiet hours", whatever it held before (the base form would
            # leave it out, and the input's default would come back).
            if self.cleaned_data.get(name, "x") in ("", None):
                data[name] = None
        return data

    @staticmethod
    def initial_for(found) -> dict:
        """What the form shows for a settings row (saved, or the defaults)."""
        initial = NotificationSettingsInput.of(found).model_dump()
        return {**initial, "digest_hour": str(initial["digest_hour"])}
