"""Forms of the console's chip-in pages: a campaign staff start for a customer, a payment at
the till, cancelling with a reason, a product, a program's terms, a bank statement and the
staff's answer to one of its credits.

They are `InputForm`s over chip-in's typed inputs (`chipin.inputs`), as the API's bodies are:
their fields show and read, and every limit is the input's. Amounts are typed in euros and
reach the input in cents (`to_input_<field>`); a deadline is typed on the business's clock
(the input reads a time without an offset in the business's time zone)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.chipin import references, selectors
from peerarmy.chipin.inputs import (
    ChipInSettingsInput,
    CloseReasonInput,
    CreditDecisionInput,
    ProductInput,
    StaffCampaignInput,
    TillPaymentInput,
)

from .base import OMIT, InputForm, MoneyField, parse_money
from .rewards import money_input

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
DEFAULT_CAMPAIGN_DAYS = 14
NOT_AN_AMOUNT = _("Enter an amount such as 12,50 or 12.50.")
NOT_A_CHOICE = _("Select a valid choice. That choice is not one of the available choices.")
PHOTO_TYPES = "image/jpeg,image/png,image/webp"


def to_cents(raw):
    """What a person typed in a euro box, in cents; None when the box is empty (the input's
    default, or its "required", applies)."""
    text = str(raw or "").strip()
    if not text:
        return None
    minor = parse_money(text)
    if minor is None:
        raise forms.ValidationError(NOT_AN_AMOUNT, code="invalid")
    return minor


class ChipInForm(InputForm):
    """An input form whose `euro_fields` are typed in euros and reach the input in cents."""

    euro_fields = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.euro_fields:
            setattr(cls, f"to_input_{name}", staticmethod(to_cents))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in type(self).euro_fields:
            # The input's limits are in cents: no hint for a box in euros.
            for attr in ("maxlength", "min", "max"):
                self.fields[name].widget.attrs.pop(attr, None)


def _choice(raw, allowed):
    """A choice from a list the page offers (an id), or OMIT when none was made."""
    if raw in (None, ""):
        return OMIT
    if str(raw) not in allowed:
        raise forms.ValidationError(NOT_A_CHOICE, code="invalid_choice")
    return int(raw)


# --- campaigns -------------------------------------------------------------------------------


class StaffCampaignForm(ChipInForm):
    """A campaign staff start for a customer: for a product of the catalogue (its price is the
    goal) or for an amount; the deadline on the business's clock."""

    input_class = StaffCampaignInput
    input_names = {"program": "program_id", "product": "product_id", "goal": "goal_minor"}
    euro_fields = ("goal",)

    program = forms.ChoiceField(label=_("Chip-in program"), required=False)
    beneficiary_name = forms.CharField(label=_("For whom (name)"), required=False)
    beneficiary_email = forms.EmailField(
        label=_("Their e-mail address"),
        required=False,
        help_text=_("We send them the campaign's page to share with friends and family."),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        help_text=_("What friends see first, such as “Giulia's new e-bike”."),
    )
    product = forms.ChoiceField(label=_("Product"), required=False)
    goal = MoneyField(
        label=_("Or an amount to collect (€)"),
        help_text=_("Only when the campaign is not for a product of the catalogue."),
    )
    message = forms.CharField(
        label=_("Message to friends"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    public = forms.BooleanField(label=_("Show it on the shop's page"), required=False, initial=True)

    def __init__(self, *args, programs=(), products=(), business=None, **kwargs):
        if "initial" not in kwargs:
            tz = business.tzinfo if business is not None else None
            ends = timezone.localtime(
                timezone.now() + timedelta(days=DEFAULT_CAMPAIGN_DAYS), tz
            ).replace(hour=20, minute=0, second=0, microsecond=0, tzinfo=None)
            kwargs["initial"] = {
                "deadline": ends,
                "public": True,
                "program": programs[0].pk if len(programs) == 1 else "",
            }
        super().__init__(*args, business=business, **kwargs)
        self.programs = {str(p.pk): p for p in programs}
        self.products = {str(p.pk): p for p in products}
        self.fields["program"].choices = [(p.pk, p.title) for p in programs]
        if len(programs) != 1:
            self.fields["program"].choices.insert(0, ("", "—"))
        self.fields["product"].choices = [("", pgettext_lazy("product", "None: an amount"))] + [
            (p.pk, p.name) for p in products
        ]

    def to_input_program(self, raw):
        return _choice(raw, self.programs)

    def to_input_product(self, raw):
        return _choice(raw, self.products)


class TillPaymentForm(ChipInForm):
    """A pledge paid at the till: the amount, in euros (what is left to pay, at first)."""

    input_class = TillPaymentInput
    input_names = {"amount": "amount_minor"}
    euro_fields = ("amount",)

    amount = MoneyField(label=_("Amount paid (€)"))


class CloseReasonForm(InputForm):
    """Cancelling a campaign: the reason, which the friends who gave read."""

    input_class = CloseReasonInput

    reason = forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The friends who gave read it, with the news that their money goes back."),
    )


# --- products --------------------------------------------------------------------------------


class ProductForm(ChipInForm):
    """A product friends may chip in for: its names, descriptions and price in euros."""

    input_class = ProductInput
    input_names = {"price": "price_minor"}
    euro_fields = ("price",)

    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    price = MoneyField(label=_("Price (€)"))
    sku = forms.CharField(label=_("Product code (SKU)"), required=False)
    description_it = forms.CharField(
        label=_("Description (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    active = forms.BooleanField(label=_("Friends can chip in for it"), required=False, initial=True)

    def __init__(self, *args, product=None, **kwargs):
        self.product = product
        if product is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name_it": product.name_it,
                "name_en": product.name_en,
                "price": money_input(product.price_minor),
                "sku": product.sku,
                "description_it": product.description_it,
                "description_en": product.description_en,
                "active": product.active,
            }
        super().__init__(*args, **kwargs)


class ProductPhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
        help_text=_("A square photo works best; at least 200 pixels on each side."),
    )


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("Shopify's products file (CSV)"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("In Shopify: Products → Export → “All products” as a CSV file."),
    )


# --- the program's terms ---------------------------------------------------------------------


class ChipInSettingsForm(ChipInForm):
    """A chip-in program's terms; the amounts in euros."""

    input_class = ChipInSettingsInput
    input_names = {"match_cap": "match_cap_minor", "min_pledge": "min_pledge_minor"}
    euro_fields = ("match_cap", "min_pledge")

    match_percent = forms.IntegerField(
        label=_("The shop adds (% of what friends give)"), required=False
    )
    match_cap = MoneyField(label=_("Up to, per campaign (€)"))
    min_pledge = MoneyField(label=_("Smallest pledge (€)"))
    max_days = forms.IntegerField(label=_("Longest campaign (days)"), required=False)
    payment_days = forms.IntegerField(label=_("Days friends have to pay"), required=False)
    allow_overfunding = forms.BooleanField(
        label=_("Friends may give more than the goal"), required=False
    )

    def __init__(self, *args, terms=None, **kwargs):
        if terms is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "match_percent": terms.match_percent,
                "match_cap": money_input(terms.match_cap_minor),
                "min_pledge": money_input(terms.min_pledge_minor),
                "max_days": terms.max_days,
                "payment_days": terms.payment_days,
                "allow_overfunding": terms.allow_overfunding,
            }
        super().__init__(*args, **kwargs)


# --- the bank --------------------------------------------------------------------------------


class StatementForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement"),
        widget=forms.FileInput(attrs={"accept": ".xml,.csv"}),
        help_text=_(
            "The CAMT.053 file (XML) your bank's website offers, or the CSV export of the "
            "account's movements."
        ),
    )


class CreditDecisionForm(InputForm):
    """Staff's answer to a bank credit: accept the suggestion, give the money back, set it
    aside, or assign it to the pledge whose reference they type (RF…)."""

    input_class = CreditDecisionInput
    input_names = {"reference": "pledge_id"}

    action = forms.ChoiceField(
        choices=[
            ("accept", "accept"),
            ("assign", "assign"),
            ("ignore", "ignore"),
            ("refund", "refund"),
        ],
        required=False,
        widget=forms.HiddenInput,
    )
    reference = forms.CharField(
        label=_("The pledge's reference"),
        required=False,
        max_length=40,
        help_text=_("As the pledger was given it: RF and digits, such as RF18 5390 0754 7034."),
    )

    def to_input_reference(self, raw):
        if self.data.get(self.add_prefix("action")) != "assign":
            return OMIT
        text = str(raw or "").strip()
        if not text:
            raise forms.ValidationError(
                _("Type the reference of the pledge this payment is for."), code="required"
            )
        try:
            compact = references.clean_rf(text)
        except references.NotAReference:
            raise forms.ValidationError(
                _("This is not a pledge's reference: it starts with RF, then digits."),
                code="invalid",
            ) from None
        found = [
            p for p in selectors.pledges(self.business, search=compact) if p.reference == compact
        ]
        if len(found) != 1:
            raise forms.ValidationError(_("No pledge has this reference."), code="not_found")
        return found[0].pk
