"""Forms of the rewards pages. Amounts of money are typed in euros with a decimal comma or
point ("1.234,50", "1234.50") and come out in cents; the rewards services decide what is
valid, and their errors come back next to the field they name (the fields are named as the
services name them)."""

import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.rewards.models import (
    BatchKind,
    Condition,
    Event,
    PeerRewardChoice,
    RewardKind,
)

from .base import DomainErrorsMixin, parse_money

KEY_PATTERN = re.compile(r"[0-9a-f]{8,32}")


def money_input(amount_minor):
    """Cents as a person types them back into a field: "2000" → "20,00" / "20.00"."""
    if amount_minor in (None, ""):
        return ""
    return number_format(Decimal(int(amount_minor)).scaleb(-2), decimal_pos=2, use_l10n=True)


class EuroField(forms.CharField):
    """An amount in euros ("12,50", "1.234,50", "1234.50") cleaned to cents. Empty is None
    unless the field is required."""

    def __init__(self, *, minimum=0, **kwargs):
        self.minimum = minimum
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "placeholder": "0,00"})

    def prepare_value(self, value):
        return money_input(value) if isinstance(value, int) else value

    def clean(self, value):
        value = super().clean(value)
        if not (value or "").strip():
            return None
        minor = parse_money(value)
        if minor is None:
            raise forms.ValidationError(
                _("Enter an amount such as 12,50 or 12.50."), code="invalid"
            )
        if minor < self.minimum:
            raise forms.ValidationError(
                _("Enter an amount of at least %(amount)s.")
                % {"amount": money_input(self.minimum)},
                code="min_value",
            )
        return minor


# --- the console --------------------------------------------------------------------------------


class PrepareBatchForm(DomainErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("payout batch", "Pay"),
        choices=BatchKind.choices,
        initial=BatchKind.PEERS,
        widget=forms.RadioSelect,
    )
    execution_date = forms.DateField(
        label=_("Execution date"),
        required=False,
        help_text=_("The day the bank should carry out the transfers. Empty: today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ReasonForm(DomainErrorsMixin, forms.Form):
    """Declining a held reward, or a payment the bank returned: the reason, in words."""

    reason = forms.CharField(label=_("Reason"), max_length=300)


class RuleForm(DomainErrorsMixin, forms.Form):
    program = forms.ChoiceField(label=_("Program"))
    event = forms.ChoiceField(label=_("When"), choices=Event.choices)
    condition = forms.ChoiceField(label=_("If"), choices=Condition.choices)
    threshold = forms.IntegerField(
        label=_("N"),
        min_value=0,
        initial=0,
        required=False,
        help_text=_("Minutes or times, for the conditions that use N."),
    )
    reward = forms.ChoiceField(label=_("Give"), choices=RewardKind.choices)
    amount = forms.CharField(
        label=_("Amount"),
        required=False,
        help_text=_("In euros (12,50) for cash, vouchers and donations; whole points for points."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0,00"}),
    )
    from_event = forms.BooleanField(label=_("The amount the block promised"), required=False)
    badge = forms.ChoiceField(label=_("Badge"), required=False)
    cause = forms.ChoiceField(label=_("Cause"), required=False)

    def __init__(self, *args, programs=(), badges=(), causes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = {str(p.pk): p for p in programs}
        self.fields["program"].choices = [(p.pk, p.title) for p in programs]
        self.fields["badge"].choices = [("", "—")] + [(b.pk, b.name) for b in badges]
        self.fields["cause"].choices = [("", "—")] + [(c.pk, c.name) for c in causes]

    def clean(self):
        data = super().clean()
        text = (data.get("amount") or "").strip()
        if not text:
            data["amount"] = 0
            return data
        minor = parse_money(text)
        if data.get("reward") == RewardKind.POINTS:
            if minor is None or minor % 100:
                self.add_error("amount", _("Points are whole numbers, such as 50."))
            else:
                data["amount"] = minor // 100
        elif minor is None:
            self.add_error("amount", _("Enter an amount such as 12,50 or 12.50."))
        else:
            data["amount"] = minor
        return data

    def chosen_program(self):
        return self.programs[self.cleaned_data["program"]]

    def service_data(self):
        d = self.cleaned_data
        return {
            "event": d["event"],
            "condition": d["condition"],
            "threshold": d["threshold"] or 0,
            "reward": d["reward"],
            "amount": d["amount"],
            "from_event": d["from_event"],
            "badge": d["badge"] or None,
            "cause": d["cause"] or None,
        }


class ProgramRewardsForm(DomainErrorsMixin, forms.Form):
    monthly_budget_minor = EuroField(
        label=_("Monthly budget (€)"),
        required=False,
        help_text=_("Rewards beyond it wait for the owner's decision. Empty: no budget."),
    )
    peer_chooses = forms.BooleanField(
        label=_("Peers choose the form of their rewards"),
        required=False,
        help_text=_("Cash, points, shop credit or a donation to a cause."),
    )


class CauseForm(DomainErrorsMixin, forms.Form):
    name_it = forms.CharField(label=_("Name (Italian)"), max_length=120, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    account_holder = forms.CharField(label=_("Account holder"), max_length=70, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=50, required=False)
    bic = forms.CharField(label=_("BIC"), max_length=20, required=False)


class BadgeForm(DomainErrorsMixin, forms.Form):
    name_it = forms.CharField(label=_("Name (Italian)"), max_length=80, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    slug = forms.CharField(
        label=_("Code"),
        max_length=50,
        required=False,
        help_text=_("Letters, digits and hyphens. Empty: made from the name."),
    )
    description_it = forms.CharField(
        label=_("Description (Italian)"), max_length=200, required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), max_length=200, required=False
    )


class SettingsForm(DomainErrorsMixin, forms.Form):
    FIELDS = (
        "debtor_name",
        "debtor_iban",
        "debtor_bic",
        "payout_minimum_minor",
        "points_per_euro",
        "voucher_validity_days",
        "yearly_ceiling_minor",
        "ceiling_warning_percent",
    )

    debtor_name = forms.CharField(label=_("Account holder"), max_length=70, required=False)
    debtor_iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        required=False,
        help_text=_("The business's account the payouts are paid from."),
    )
    debtor_bic = forms.CharField(label=_("BIC"), max_length=20, required=False)
    payout_minimum_minor = EuroField(
        label=_("Payout minimum (€)"),
        minimum=1,
        help_text=_("Balances below this wait for the next payout run."),
    )
    points_per_euro = forms.IntegerField(label=_("Points for one euro of voucher"), min_value=1)
    voucher_validity_days = forms.IntegerField(
        label=_("Vouchers are valid for (days)"), min_value=1
    )
    yearly_ceiling_minor = EuroField(
        label=_("Yearly ceiling per peer (€)"),
        help_text=_(
            "The most a peer should earn in a calendar year for occasional work; "
            "0 turns the warning off."
        ),
    )
    ceiling_warning_percent = forms.IntegerField(
        label=_("Warn at (% of the ceiling)"), min_value=1, max_value=100
    )

    @classmethod
    def initial_for(cls, settings):
        return {name: getattr(settings, name) for name in cls.FIELDS}

    def service_data(self):
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class RedeemForm(DomainErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    amount_minor = EuroField(label=_("Amount (€)"), minimum=1)
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).upper()

    def clean_key(self):
        key = self.cleaned_data.get("key") or ""
        return key if KEY_PATTERN.fullmatch(key) else ""

    def add_domain_error(self, exc):
        if exc.code == "insufficient_balance":
            self.add_error("amount_minor", str(exc.message))
        else:
            super().add_domain_error(exc)


class MemoForm(DomainErrorsMixin, forms.Form):
    memo = forms.CharField(label=_("Why"), max_length=300)


# --- the peer's wallet ----------------------------------------------------------------------------


class ConvertPointsForm(DomainErrorsMixin, forms.Form):
    points = forms.IntegerField(label=_("Points to convert"), min_value=1)


class RewardChoiceForm(DomainErrorsMixin, forms.Form):
    form = forms.ChoiceField(
        label=_("I want my rewards as"),
        choices=PeerRewardChoice.Form.choices,
        widget=forms.RadioSelect,
    )
    cause = forms.ChoiceField(label=_("Cause"), required=False)

    def __init__(self, *args, causes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [("", "—")] + [(c.pk, c.name) for c in causes]
        if not causes:
            self.fields["form"].choices = [
                c for c in PeerRewardChoice.Form.choices if c[0] != PeerRewardChoice.Form.DONATION
            ]


class PayoutDetailsForm(DomainErrorsMixin, forms.Form):
    account_holder = forms.CharField(label=_("Account holder"), max_length=70, required=False)
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label=_("BIC"),
        max_length=20,
        required=False,
        help_text=_("Only if your bank asks for it."),
    )


class ShowcaseForm(DomainErrorsMixin, forms.Form):
    public = forms.BooleanField(label=_("Show my page to everyone"), required=False)
    headline = forms.CharField(
        label=_("Headline"),
        max_length=120,
        required=False,
        help_text=_("One line about you, for example “Bike mechanic on Saturdays”."),
    )


MONTHS = [
    (0, _("The whole year")),
    (1, pgettext_lazy("month name", "January")),
    (2, pgettext_lazy("month name", "February")),
    (3, pgettext_lazy("month name", "March")),
    (4, pgettext_lazy("month name", "April")),
    (5, pgettext_lazy("month name", "May")),
    (6, pgettext_lazy("month name", "June")),
    (7, pgettext_lazy("month name", "July")),
    (8, pgettext_lazy("month name", "August")),
    (9, pgettext_lazy("month name", "September")),
    (10, pgettext_lazy("month name", "October")),
    (11, pgettext_lazy("month name", "November")),
    (12, pgettext_lazy("month name", "December")),
]
FIRST_YEAR = 2000


class StatementForm(forms.Form):
    month = forms.TypedChoiceField(label=_("Month"), choices=MONTHS, coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)
    format = forms.ChoiceField(
        label=_("File"),
        choices=[("pdf", _("PDF, to read or print")), ("csv", _("CSV, for a spreadsheet"))],
        initial="pdf",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, business=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate(timezone.now(), business.tzinfo if business else None)
        self.fields["year"].max_value = today.year
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": today.year})
        self.fields["year"].validators.append(MaxValueValidator(today.year))
        self.initial.setdefault("year", today.year)
        self.initial.setdefault("month", today.month)
