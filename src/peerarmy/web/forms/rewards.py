"""Forms of the rewards pages. Each change's rules are its typed input's
(`peerarmy.rewards.inputs`), as on the API: the forms only show and read. Amounts of money are
typed in euros with a decimal comma or point ("1.234,50", "1234.50") and reach the input in
cents."""

import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from peerarmy.rewards.inputs import (
    BadgeInput,
    CauseInput,
    DeclineRewardInput,
    NewRuleInput,
    PayoutBatchInput,
    PayoutDetailsInput,
    PayoutReturnInput,
    PointsConversionInput,
    ProgramRewardsInput,
    RewardChoiceInput,
    RewardSettingsInput,
    RuleChange,
    ShowcasePageInput,
    TransactionCorrectionInput,
    VoucherRedemptionInput,
)
from peerarmy.rewards.ledger import INSUFFICIENT
from peerarmy.rewards.models import (
    BatchKind,
    Condition,
    Event,
    PeerRewardChoice,
    RewardKind,
    Showcase,
)

from .base import InputForm, parse_money

KEY_PATTERN = re.compile(r"[0-9a-f]{8,32}")
NOT_AN_AMOUNT = _("Enter an amount such as 12,50 or 12.50.")


def money_input(amount_minor):
    """Cents as a person types them back into a field: "2000" → "20,00" / "20.00"."""
    if amount_minor in (None, ""):
        return ""
    return number_format(Decimal(int(amount_minor)).scaleb(-2), decimal_pos=2, use_l10n=True)


def euros_to_cents(raw):
    """What a person typed in a euro field, in cents for the input: None when empty (the
    input's default applies), or a ValidationError when it is not an amount. A sign is kept,
    so that the input, not the form, says what is too small."""
    text = str(raw or "").strip()
    if not text:
        return None
    sign = -1 if text.startswith("-") else 1
    minor = parse_money(text.lstrip("-").strip())
    if minor is None or not text.lstrip("-").strip():
        raise forms.ValidationError(NOT_AN_AMOUNT, code="invalid")
    return sign * minor


class EuroField(forms.CharField):
    """An amount in euros ("12,50", "1.234,50", "1234.50"); shown from cents."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "placeholder": "0,00"})

    def prepare_value(self, value):
        return money_input(value) if isinstance(value, int) else value


class RewardsForm(InputForm):
    """An input form whose `euro_fields` are typed in euros and reach the input in cents."""

    euro_fields = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.euro_fields:
            setattr(cls, f"to_input_{name}", staticmethod(euros_to_cents))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in type(self).euro_fields:
            # The input's limits are in cents: no hint for a box in euros.
            for attr in ("maxlength", "min", "max"):
                self.fields[name].widget.attrs.pop(attr, None)


# --- the console --------------------------------------------------------------------------------


class PrepareBatchForm(RewardsForm):
    input_class = PayoutBatchInput

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


class DeclineForm(RewardsForm):
    """Declining a held reward: the reason the peer reads."""

    input_class = DeclineRewardInput

    reason = forms.CharField(label=_("Reason"), required=False)


class PayoutReturnForm(RewardsForm):
    """A payment the bank returned: the bank's reason."""

    input_class = PayoutReturnInput

    reason = forms.CharField(label=_("The bank's reason"), required=False)


class RuleForm(RewardsForm):
    """A new rule; the amount is in euros for money, in whole points for points."""

    input_class = NewRuleInput
    input_names = {"program": "program_id", "badge": "badge_id", "cause": "cause_id"}

    program = forms.ChoiceField(label=_("Program"), required=False)
    event = forms.ChoiceField(label=_("When"), choices=Event.choices, required=False)
    condition = forms.ChoiceField(label=_("If"), choices=Condition.choices, required=False)
    threshold = forms.IntegerField(
        label=_("N"),
        initial=0,
        required=False,
        help_text=_("Minutes or times, for the conditions that use N."),
    )
    reward = forms.ChoiceField(label=_("Give"), choices=RewardKind.choices, required=False)
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
        self.fields["program"].choices = [(p.pk, p.title) for p in programs]
        self.fields["badge"].choices = [("", "—")] + [(b.pk, b.name) for b in badges]
        self.fields["cause"].choices = [("", "—")] + [(c.pk, c.name) for c in causes]
        for attr in ("maxlength", "min", "max"):  # euros or points: the input checks it
            self.fields["amount"].widget.attrs.pop(attr, None)

    def to_input_amount(self, raw):
        text = str(raw or "").strip()
        if not text:
            return None
        if self.data.get(self.add_prefix("reward")) == RewardKind.POINTS:
            minor = parse_money(text)
            if minor is None or minor % 100:
                raise forms.ValidationError(
                    _("Points are whole numbers, such as 50."), code="invalid"
                )
            return minor // 100
        return euros_to_cents(text)


class RuleActiveForm(RewardsForm):
    """A rule's switch: `active` ("true" or "false"), the rest of the rule as it is. The same
    input and service as the API's PATCH `{"active": false}` (`RuleChange`, `update_rule`)."""

    input_class = RuleChange

    active = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = RuleChange.of(rule).model_dump()

    def to_input_active(self, raw):
        if raw in (None, ""):  # the switch says which way, or it is not a switch
            raise forms.ValidationError(_("Say whether the rule is on or off."), code="required")
        return raw

    def input_data(self):
        """The rule as it is, with `active` as sent: as the API applies a PATCH."""
        return {**self.current, **super().input_data()}


class ProgramRewardsForm(RewardsForm):
    input_class = ProgramRewardsInput
    euro_fields = ("monthly_budget_minor",)

    monthly_budget_minor = EuroField(
        label=_("Monthly budget (€)"),
        help_text=_("Rewards beyond it wait for the owner's decision. Empty: no budget."),
    )
    peer_chooses = forms.BooleanField(
        label=_("Peers choose the form of their rewards"),
        required=False,
        help_text=_("Cash, points, shop credit or a donation to a cause."),
    )


class CauseForm(RewardsForm):
    input_class = CauseInput

    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    account_holder = forms.CharField(label=_("Account holder"), required=False)
    iban = forms.CharField(label=_("IBAN"), required=False)
    bic = forms.CharField(label=_("BIC"), required=False)


class BadgeForm(RewardsForm):
    input_class = BadgeInput

    name_it = forms.CharField(label=_("Name (Italian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    slug = forms.CharField(
        label=_("Code"),
        required=False,
        help_text=_("Letters, digits and hyphens. Empty: made from the name."),
    )
    description_it = forms.CharField(label=_("Description (Italian)"), required=False)
    description_en = forms.CharField(label=_("Description (English)"), required=False)


class SettingsForm(RewardsForm):
    input_class = RewardSettingsInput
    euro_fields = ("payout_minimum_minor", "yearly_ceiling_minor")

    debtor_name = forms.CharField(label=_("Account holder"), required=False)
    debtor_iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        help_text=_("The business's account the payouts are paid from."),
    )
    debtor_bic = forms.CharField(label=_("BIC"), required=False)
    payout_minimum_minor = EuroField(
        label=_("Payout minimum (€)"),
        help_text=_("Balances below this wait for the next payout run."),
    )
    points_per_euro = forms.IntegerField(label=_("Points for one euro of voucher"), required=False)
    voucher_validity_days = forms.IntegerField(
        label=_("Vouchers are valid for (days)"), required=False
    )
    yearly_ceiling_minor = EuroField(
        label=_("Yearly ceiling per peer (€)"),
        help_text=_(
            "The most a peer should earn in a calendar year for occasional work; "
            "0 turns the warning off."
        ),
    )
    ceiling_warning_percent = forms.IntegerField(
        label=_("Warn at (% of the ceiling)"), required=False
    )
    payouts_need_two_people = forms.BooleanField(
        label=_("Payout runs need two people"),
        required=False,
        help_text=_(
            "Whoever prepares a payout run cannot approve it: another owner approves it, or a "
            "member of staff prepares it. It applies once the business has a second member; "
            "until then you approve your own runs with your password."
        ),
    )


class RedeemForm(RewardsForm):
    input_class = VoucherRedemptionInput
    euro_fields = ("amount_minor",)

    code = forms.CharField(
        label=_("Voucher code"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    amount_minor = EuroField(label=_("Amount (€)"))
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_key(self):
        key = self.cleaned_data.get("key") or ""
        return key if KEY_PATTERN.fullmatch(key) else ""

    def add_domain_error(self, exc):
        if exc.code == INSUFFICIENT:
            self.add_error("amount_minor", str(exc.message))
        else:
            super().add_domain_error(exc)


class MemoForm(RewardsForm):
    """Correcting a transaction: why."""

    input_class = TransactionCorrectionInput

    memo = forms.CharField(label=_("Why"), required=False)


# --- the peer's wallet ----------------------------------------------------------------------------


class ConvertPointsForm(RewardsForm):
    input_class = PointsConversionInput

    points = forms.IntegerField(label=_("Points to convert"), required=False)

    def add_domain_error(self, exc):
        if exc.code == INSUFFICIENT:
            self.add_error("points", str(exc.message))
        else:
            super().add_domain_error(exc)


class RewardChoiceForm(RewardsForm):
    input_class = RewardChoiceInput
    input_names = {"cause": "cause_id"}

    form = forms.ChoiceField(
        label=_("I want my rewards as"),
        choices=PeerRewardChoice.Form.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    cause = forms.ChoiceField(label=_("Cause"), required=False)

    def __init__(self, *args, causes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [("", "—")] + [(c.pk, c.name) for c in causes]
        if not causes:
            self.fields["form"].choices = [
                c for c in PeerRewardChoice.Form.choices if c[0] != PeerRewardChoice.Form.DONATION
            ]


class PayoutDetailsForm(RewardsForm):
    input_class = PayoutDetailsInput

    account_holder = forms.CharField(label=_("Account holder"), required=False)
    iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label=_("BIC"),
        required=False,
        help_text=_("Only if your bank asks for it."),
    )


class ShowcaseForm(RewardsForm):
    input_class = ShowcasePageInput

    public = forms.BooleanField(label=_("Show my page to everyone"), required=False)
    headline = forms.CharField(
        label=_("Headline"),
        required=False,
        help_text=_("One line about you, for example “Bike mechanic on Saturdays”."),
    )


class ShowcaseChoiceForm(ShowcaseForm):
    """The public page with the parts of the peer's impact it shows (the impact page's form;
    the wallet's sets only whether the page is public and its headline)."""

    show_hours = forms.BooleanField(label=_("The hours I gave"), required=False)
    show_activity = forms.BooleanField(
        label=_("What I did"),
        required=False,
        help_text=_("Visitors guided, layovers, deliveries, campaigns helped, things rented out."),
    )
    show_ratings = forms.BooleanField(label=_("Ratings and comments from visitors"), required=False)
    show_badges = forms.BooleanField(label=_("My badges"), required=False)
    show_donations = forms.BooleanField(
        label=_("Donations made in my name"),
        required=False,
        help_text=_("To which causes, and how much."),
    )
    show_earnings = forms.BooleanField(
        label=_("What I earned"),
        required=False,
        help_text=_("Money, shop credit and points. Off unless you turn it on."),
    )

    @classmethod
    def of(cls, showcase, **kwargs):
        """The form filled in from the peer's page (or the defaults, before they have one)."""
        page = showcase or Showcase()
        initial = {name: getattr(page, name) for name in ("public", "headline", *SHOW_FIELDS)}
        return cls(initial=initial, **kwargs)


SHOW_FIELDS = tuple(
    f"show_{part}" for part in ("hours", "activity", "ratings", "badges", "donations", "earnings")
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
    """Which statement to download (a read: no input behind it)."""

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


class ApproveAloneForm(forms.Form):
    """An owner approving a payout run they prepared themselves: with nobody else to check
    it, they tick that they checked every payment and confirm with their password (a
    session left open on a shared computer is not enough to send money out)."""

    confirm = forms.BooleanField(required=True)
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(), required=True
    )

    def __init__(self, *args, user, batch, **kwargs):
        from peerarmy.money import format_money

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["confirm"].label = ngettext(
            "I checked the payment of this run: %(total)s.",
            "I checked the %(count)s payments of this run: %(total)s in all.",
            batch.payout_count,
        ) % {"count": batch.payout_count, "total": format_money(batch.total_minor, batch.currency)}
        self.fields["confirm"].error_messages["required"] = _(
            "Tick the box to confirm that you checked the payments."
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.has_usable_password():
            raise forms.ValidationError(
                _("Set a password for your account first (Account, then Password).")
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
