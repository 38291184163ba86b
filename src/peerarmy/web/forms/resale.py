"""Forms of resale's pages: a seller's listing (with the item picked from their own orders), a
buyer's reservation, staff's review, the sale and the return, a trade-in, the program's
categories and terms.

Each is an `InputForm` over the change's typed input, as the API's body is; prices are typed in
euros. The item bought here is one choice ("order|line") that becomes the input's
`bought_order` and `bought_line`."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from peerarmy.money import format_money
from peerarmy.resale.inputs import (
    CategoryInput,
    ListingInput,
    ResaleSettingsInput,
    ReservationInput,
    ReturnInput,
    ReviewInput,
    SaleInput,
    TradeInInput,
)
from peerarmy.resale.models import GRADE_DEFINITIONS, Delivery, Grade, Payout

from .base import InputForm, QuickSelect
from .rewards import EuroField, RewardsForm, euros_to_cents

PHOTO_TYPES = "image/jpeg,image/png,image/webp"
NOT_BOUGHT = ""


def grade_choices():
    """Each condition with its definition, as the seller reads it when choosing."""
    return [(grade.value, f"{grade.label} — {GRADE_DEFINITIONS[grade]}") for grade in Grade]


def bought_choices(items):
    """The seller's own order lines, newest first: "Child seat Hamax — 89,00 € — 3 mar 2024"."""
    choices = [(NOT_BOUGHT, _("Not bought at this shop, or not in the list"))]
    for item in items:
        label = " — ".join(
            [
                item.name or _("Item"),
                format_money(item.unit_price_minor, item.currency),
                date_format(item.placed_on, "DATE_FORMAT"),
            ]
        )
        choices.append((f"{item.order_external_id}|{item.position}", label))
    return choices


class _BoughtMixin:
    """The `bought` choice becomes the input's `bought_order` and `bought_line`."""

    def input_data(self):
        data = super().input_data()
        chosen = self.cleaned_data.get("bought") or ""
        order, _sep, line = chosen.rpartition("|")
        if order and line.isdigit():
            data["bought_order"], data["bought_line"] = order, int(line)
        return data


class ListingForm(_BoughtMixin, RewardsForm):
    input_class = ListingInput
    input_names = {"category": "category_id", "price": "price_minor"}
    euro_fields = ("price",)

    bought = forms.ChoiceField(
        label=_("Did you buy it here?"),
        required=False,
        help_text=_("Pick it from your orders: the shop vouches for it and suggests a price."),
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    title = forms.CharField(label=_("Title"), required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What it is, how it was used, what comes with it."),
    )
    grade = forms.ChoiceField(label=_("Condition"), required=False, widget=forms.RadioSelect)
    size = forms.CharField(
        label=_("Size or dimensions"), required=False, help_text=_("For example: M, 42, 60×40 cm.")
    )
    price = EuroField(label=_("Asking price (€)"))
    delivery = forms.ChoiceField(
        label=_("How the buyer gets it"), required=False, choices=Delivery.choices
    )
    payout = forms.ChoiceField(
        label=_("How you want to be paid"),
        required=False,
        choices=Payout.choices,
        widget=forms.RadioSelect,
    )
    payout_holder = forms.CharField(label=_("Account holder"), required=False)
    payout_iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        help_text=_("Only to be paid in money, if the shop does not have your bank details."),
    )

    def __init__(self, *args, categories=(), bought=(), credit_bonus=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(str(c.pk), c.name) for c in categories]
        self.fields["grade"].choices = grade_choices()
        self.fields["bought"].choices = bought_choices(bought)
        if not bought:
            del self.fields["bought"]
        if credit_bonus:
            self.fields["payout"].choices = [
                (Payout.MONEY, Payout.MONEY.label),
                (
                    Payout.CREDIT,
                    _("Shop credit, %(bonus)s%% more") % {"bonus": credit_bonus},
                ),
            ]


class ReservationForm(InputForm):
    input_class = ReservationInput

    name = forms.CharField(label=_("Your name"), required=False)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("We send the confirmation here.")
    )
    phone = forms.CharField(label=_("Phone (optional)"), required=False)
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # a trap for bots

    @property
    def is_bot(self):
        return bool(self.data.get("website"))


class ReviewForm(InputForm):
    input_class = ReviewInput

    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("approve", _("Put it on sale")),
            ("changes", _("Ask the seller for changes")),
            ("refuse", _("Refuse it")),
        ],
    )
    note = forms.CharField(
        label=_("Note to the seller"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What to change, or why it is refused: the seller reads it in an e-mail."),
    )


class SaleForm(InputForm):
    input_class = SaleInput

    paid_by = forms.ChoiceField(
        label=_("Paid"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("till", _("At the till")), ("transfer", _("By bank transfer, arrived"))],
        initial="till",
    )


class ReturnForm(InputForm):
    input_class = ReturnInput

    reason = forms.CharField(label=_("Why it came back"), required=False)


class TradeInForm(_BoughtMixin, RewardsForm):
    """A trade-in: at the till staff describe the item (and, when the shop did not sell it,
    what it cost new and how old it is); from the app, the seller picks it from their
    orders."""

    input_class = TradeInInput
    input_names = {"category": "category_id", "original": "original_minor"}
    euro_fields = ("original",)

    seller_email = forms.EmailField(
        label=_("The seller's e-mail"),
        required=False,
        help_text=_("The voucher is theirs: they find it in their account with this address."),
    )
    bought = forms.ChoiceField(label=_("Which item of your orders?"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    title = forms.CharField(label=_("What is it?"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    grade = forms.ChoiceField(label=_("Condition"), required=False, widget=forms.RadioSelect)
    size = forms.CharField(label=_("Size or dimensions"), required=False)
    original = EuroField(
        label=_("What it cost new (€)"), help_text=_("Only when the shop did not sell it.")
    )
    age_months = forms.IntegerField(label=_("How old is it (months)?"), required=False)

    def __init__(self, *args, categories=(), bought=(), at_till=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(str(c.pk), c.name) for c in categories]
        self.fields["grade"].choices = grade_choices()
        self.fields["bought"].choices = bought_choices(bought)
        if at_till:
            del self.fields["bought"]
        else:
            for name in ("seller_email", "original", "age_months"):
                del self.fields[name]
            self.fields["bought"].choices = self.fields["bought"].choices[1:]

    def clean_seller_email(self):
        email = self.cleaned_data.get("seller_email") or ""
        if "seller_email" in self.fields and not email:
            raise forms.ValidationError(_("Give the seller's e-mail."), code="required")
        return email.lower()


class CategoryForm(RewardsForm):
    input_class = CategoryInput
    input_names = {"commission_min": "commission_min_minor"}
    euro_fields = ("commission_min",)

    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    keep_new_percent = forms.IntegerField(label=_("New with tags keeps (%)"), required=False)
    keep_excellent_percent = forms.IntegerField(label=_("Excellent keeps (%)"), required=False)
    keep_good_percent = forms.IntegerField(label=_("Good keeps (%)"), required=False)
    keep_worn_percent = forms.IntegerField(label=_("Worn keeps (%)"), required=False)
    keep_parts_percent = forms.IntegerField(label=_("For parts keeps (%)"), required=False)
    yearly_loss_percent = forms.IntegerField(label=_("Value lost each year (%)"), required=False)
    floor_percent = forms.IntegerField(
        label=_("Always kept, however old (%)"),
        required=False,
        help_text=_("Of the condition's price: an old item in good shape is still worth this."),
    )
    commission_percent = forms.IntegerField(label=_("The shop's commission (%)"), required=False)
    commission_min = EuroField(label=_("Smallest commission (€)"))
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, program_id=None, **kwargs):
        self.program_id = program_id
        super().__init__(*args, **kwargs)

    def input_data(self):
        return super().input_data() | {"program_id": self.program_id}


class ResaleSettingsForm(InputForm):
    input_class = ResaleSettingsInput

    reservation_hours = forms.IntegerField(
        label=_("Hours a reservation holds an item"), required=False
    )
    confirm_minutes = forms.IntegerField(
        label=_("Minutes to confirm a reservation by e-mail"), required=False
    )
    return_days = forms.IntegerField(
        label=_("Days a buyer may bring an item back"),
        required=False,
        help_text=_("Sellers are paid when these days are over."),
    )
    trade_in_percent = forms.IntegerField(
        label=_("Trade-in pays (% of the suggested price)"), required=False
    )
    credit_bonus_percent = forms.IntegerField(
        label=_("Bonus for taking shop credit (%)"), required=False
    )


class ListingSearchForm(forms.Form):
    """The public search: words, category, condition, size, price, bought here."""

    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    grade = forms.ChoiceField(label=_("Condition"), required=False, widget=QuickSelect)
    size = forms.CharField(label=_("Size"), required=False, max_length=80)
    min_price = forms.CharField(label=_("From (€)"), required=False)
    max_price = forms.CharField(label=_("To (€)"), required=False)
    bought_here = forms.BooleanField(label=_("Only what the shop sold"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Every category"))] + [
            (str(c.pk), c.name) for c in categories
        ]
        self.fields["grade"].choices = [("", _("Any condition"))] + list(Grade.choices)
        for name in ("min_price", "max_price"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "placeholder": "0,00"})

    def _euros(self, name):
        raw = self.cleaned_data.get(name)
        return euros_to_cents(raw) if raw else None

    def clean_min_price(self):
        return self._euros("min_price")

    def clean_max_price(self):
        return self._euros("max_price")
