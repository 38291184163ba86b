"""The public forms of chip-in: a friend's pledge (no account needed), and a campaign as its
beneficiary starts it. Each validates through its change's typed input, as the API does."""

from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.chipin.inputs import CampaignInput, PledgeInput
from peerarmy.chipin.models import RefundChoice

from .base import InputForm, parse_money


def _euros(raw):
    """What a person typed in euros ("25", "25,50") as cents; the input judges the range."""
    if raw in (None, ""):
        return None
    minor = parse_money(raw)
    return raw if minor is None else minor


class PledgeForm(InputForm):
    input_class = PledgeInput
    input_names = {"amount": "amount_minor"}

    amount = forms.CharField(
        label=gettext_lazy("How much you give (€)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "25,00"}),
    )
    name = forms.CharField(label=gettext_lazy("Your name"), required=False)
    email = forms.CharField(
        label=gettext_lazy("Your e-mail"),
        required=False,
        help_text=gettext_lazy("We send you a link to confirm, then how to pay."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Do not show my name on the page (the shop still sees it)"),
        required=False,
    )
    message = forms.CharField(
        label=gettext_lazy("A few words for them (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    refund_choice = forms.ChoiceField(
        label=gettext_lazy("If the goal is not reached"),
        choices=RefundChoice.choices,
        initial=RefundChoice.TRANSFER,
        widget=forms.RadioSelect,
    )
    via = forms.CharField(required=False, widget=forms.HiddenInput)
    # Left empty by people; filled by bots that fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput())

    def to_input_amount(self, raw):
        return _euros(raw)

    def to_input_anonymous(self, raw):
        return bool(raw)

    @property
    def is_bot(self):
        return bool(self.data.get("website"))


class StartCampaignForm(InputForm):
    """A campaign as the beneficiary starts it: a product of the catalogue or an amount."""

    input_class = CampaignInput
    input_names = {"program": "program_id", "product": "product_id", "goal": "goal_minor"}

    program = forms.ChoiceField(label=gettext_lazy("Program"))
    product = forms.ChoiceField(label=gettext_lazy("What you wish for"), required=False)
    goal = forms.CharField(
        label=gettext_lazy("Or an amount to collect (€)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "300,00"}),
    )
    title = forms.CharField(label=gettext_lazy("Title"), required=False)
    message = forms.CharField(
        label=gettext_lazy("Your message to friends and family"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadline = forms.DateField(
        label=gettext_lazy("Collect until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    public = forms.BooleanField(
        label=gettext_lazy("Show it on the shop's page (else only whoever has the link)"),
        required=False,
        initial=True,
    )
    photo = forms.FileField(
        label=gettext_lazy("A photo (optional)"),
        required=False,
        help_text=gettext_lazy(
            "JPEG, PNG or WebP: it shows on the page and in the link's preview."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, programs=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.pk, p.title) for p in programs]
        if len(programs) == 1:
            self.fields["program"].widget = forms.HiddenInput()
            self.fields["program"].initial = programs[0].pk
        self.fields["product"].choices = [("", _("A gift amount (below)"))] + [
            (p.pk, f"{p.name} · {p.price_minor / 100:.2f} €".replace(".", ",")) for p in products
        ]

    def to_input_program(self, raw):
        return raw or None

    def to_input_product(self, raw):
        return raw or None

    def to_input_goal(self, raw):
        return _euros(raw)

    def to_input_public(self, raw):
        return bool(raw)

    def to_input_deadline(self, raw):
        """The end of the chosen day, in the shop's time zone."""
        if not raw:
            return None
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            return raw
        zone = self.business.tzinfo if self.business else timezone.get_current_timezone()
        return datetime.combine(day, time(23, 59), tzinfo=zone)
