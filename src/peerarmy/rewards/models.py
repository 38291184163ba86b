"""Rewards: the double-entry ledger (accounts, transactions, entries, running balances), reward
rules and the rewards they grant, vouchers, badges, causes, and payout batches."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


def _localized(obj, field):
    lang = (get_language() or "it")[:2]
    other = "it" if lang == "en" else "en"
    return getattr(obj, f"{field}_{lang}") or getattr(obj, f"{field}_{other}")


# --- the ledger ------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    """What an account stands for. Its `normal` side: +1 when it grows with debits (assets,
    expenses), -1 when it grows with credits (liabilities, income, equity). Balances are stored
    as debits minus credits; people read `shown = normal × balance`."""

    PEER_PAYABLE = "peer_payable", _("owed to a peer")
    PEER_POINTS = "peer_points", _("a peer's points")
    REWARDS = "rewards", _("rewards of a program")
    VOUCHER = "voucher", _("a voucher not yet redeemed")
    DONATIONS = "donations", _("donations owed to a cause")
    IN_TRANSIT = "in_transit", _("payouts in transit")
    BANK = "bank", _("bank")
    REDEEMED = "redeemed", _("vouchers redeemed at the till")
    EXPIRED = "expired", _("vouchers expired")
    POINTS_CONVERTED = "points_converted", _("points converted to vouchers")
    POINTS_VOUCHERS = "points_vouchers", _("vouchers bought with points")
    ADJUSTMENTS = "adjustments", _("adjustments")
    PERKS = "perks", _("perks of matches")
    CAMPAIGN = "campaign", _("pledges received for a chip-in campaign")
    MATCH = "match", _("the business's share of chip-in campaigns")
    REFUND = "refund", _("money owed back to a payer")
    TILL = "till", _("the till")
    RENTALS = "rentals", _("rentals of shared assets")
    COMMISSIONS = "commissions", _("commissions on peers' rentals")
    SHARING_FEES = "sharing_fees", _("late fees and damage kept")
    DEPOSITS = "deposits", _("rentals paid ahead and deposits held")
    SPONSORSHIP = "sponsorship", _("sponsors' fees")
    RESALE_COMMISSIONS = "resale_commissions", _("commissions on customers' resales")
    RESALE_SALES = "resale_sales", _("sales of items taken in trade")
    RESALE_HELD = "resale_held", _("sellers' shares held until the return window closes")
    TRADE_INS = "trade_ins", _("items bought in trade for shop credit")
    CREDIT_BONUS = "credit_bonus", _("bonus on sales paid in shop credit")
    RESALE_PAID_AHEAD = "resale_paid_ahead", _("reservations of used items paid ahead")


NORMAL_SIDE = {
    AccountKind.PEER_PAYABLE: -1,
    AccountKind.PEER_POINTS: -1,
    AccountKind.REWARDS: 1,
    AccountKind.VOUCHER: -1,
    AccountKind.DONATIONS: -1,
    AccountKind.IN_TRANSIT: -1,
    AccountKind.BANK: 1,
    AccountKind.REDEEMED: -1,
    AccountKind.EXPIRED: -1,
    AccountKind.POINTS_CONVERTED: -1,
    AccountKind.POINTS_VOUCHERS: 1,
    AccountKind.ADJUSTMENTS: 1,
    AccountKind.PERKS: 1,
    AccountKind.CAMPAIGN: -1,
    AccountKind.MATCH: 1,
    AccountKind.REFUND: -1,
    AccountKind.TILL: 1,
    AccountKind.RENTALS: -1,
    AccountKind.COMMISSIONS: -1,
    AccountKind.SHARING_FEES: -1,
    AccountKind.DEPOSITS: -1,
    AccountKind.SPONSORSHIP: -1,
    AccountKind.RESALE_COMMISSIONS: -1,
    AccountKind.RESALE_SALES: -1,
    AccountKind.RESALE_HELD: -1,
    AccountKind.TRADE_INS: 1,
    AccountKind.CREDIT_BONUS: 1,
    AccountKind.RESALE_PAID_AHEAD: -1,
}

# Accounts whose shown balance may never go below zero: nobody can owe a peer less than
# nothing, and a voucher cannot be redeemed for more than is left on it. All are liabilities
# (credit-normal), so "not below zero" is "debits minus credits never above zero".
FLOORED = {
    AccountKind.PEER_PAYABLE,
    AccountKind.PEER_POINTS,
    AccountKind.VOUCHER,
    AccountKind.DONATIONS,
    AccountKind.CAMPAIGN,
    AccountKind.REFUND,
}
assert all(NORMAL_SIDE[kind] == -1 for kind in FLOORED)

# The business's own accounts are touched by almost every posting; their running balance is
# split over this many rows so that concurrent postings do not queue on one row lock.
HOUSE_SLOTS = 16


class Account(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.PROTECT, related_name="+", verbose_name=_("business")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    unit = models.CharField(_("unit"), max_length=3)
    # The account's name in the plain-text journal (hledger), unique per business and unit.
    name = models.CharField(_("name"), max_length=200)
    normal = models.SmallIntegerField(default=1)
    floored = models.BooleanField(default=False)
    slots = models.PositiveSmallIntegerField(default=1)
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause = models.ForeignKey(
        "rewards.Cause", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "name", "unit"], name="rewards_account_unique_name"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class Balance(models.Model):
    """One slot of an account's running balance (debits minus credits); the balance is the sum
    of an account's slots, kept in step with its entries in the same database transaction."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    slot = models.PositiveSmallIntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "slot"], name="rewards_balance_unique_slot")
        ]

    def __str__(self):
        return f"{self.account_id}/{self.slot}: {self.amount}"


class TransactionKind(models.TextChoices):
    REWARD = "reward", pgettext_lazy("transaction", "Reward")
    REDEMPTION = "redemption", pgettext_lazy("transaction", "Voucher redeemed")
    CONVERSION = "conversion", pgettext_lazy("transaction", "Points converted")
    EXPIRY = "expiry", pgettext_lazy("transaction", "Voucher expired")
    PAYOUT_SENT = "payout_sent", pgettext_lazy("transaction", "Payout sent")
    PAYOUT_PAID = "payout_paid", pgettext_lazy("transaction", "Payout paid")
    PAYOUT_RETURNED = "payout_returned", pgettext_lazy("transaction", "Payout returned")
    ADJUSTMENT = "adjustment", pgettext_lazy("transaction", "Adjustment")
    PERK = "perk", pgettext_lazy("transaction", "Perks of a match")
    PLEDGE = "pledge", pgettext_lazy("transaction", "Chip-in pledge received")
    CAMPAIGN_FUNDED = "campaign_funded", pgettext_lazy("transaction", "Chip-in campaign funded")
    REFUND = "refund", pgettext_lazy("transaction", "Money owed back")
    REFUND_TILL = "refund_till", pgettext_lazy("transaction", "Given back at the till")
    RENTAL = "rental", pgettext_lazy("transaction", "Rental paid")
    DEPOSIT_BACK = "deposit_back", pgettext_lazy("transaction", "Deposit given back")
    SHARING_FEE = "sharing_fee", pgettext_lazy("transaction", "Rental fee")
    SPONSOR_FEE = "sponsor_fee", pgettext_lazy("transaction", "Sponsor's fee")
    RESALE = "resale", pgettext_lazy("transaction", "Used item sold")
    RESALE_RETURN = "resale_return", pgettext_lazy("transaction", "Used item brought back")
    RESALE_PAYOUT = "resale_payout", pgettext_lazy("transaction", "Sale paid to its seller")
    TRADE_IN = "trade_in", pgettext_lazy("transaction", "Trade-in")
    RESALE_PAID_AHEAD = "resale_paid_ahead", pgettext_lazy("transaction", "Used item paid ahead")
    REVERSAL = "reversal", pgettext_lazy("transaction", "Correction")


class Transaction(models.Model):
    """A balanced set of entries. Never updated or deleted (database triggers refuse it); a
    correction is a new transaction that `reverses` the one it corrects."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.PROTECT, related_name="+", verbose_name=_("business")
    )
    # Derived from the cause (`block.completed:<claim id>:<rule id>`): the same cause posts once.
    key = models.CharField(_("cause"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    # Words are rendered when read, in the reader's language: a code and its arguments.
    reason = models.CharField(max_length=40, blank=True)
    reason_args = models.JSONField(default=dict, blank=True)
    memo = models.CharField(_("note"), max_length=300, blank=True)
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "scheduling.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,  # the books outlive a deleted user: the row is never updated
    )
    occurred_at = models.DateTimeField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="rewards_transaction_key")
        ]
        indexes = [models.Index(fields=["business", "occurred_at"], name="rewards_txn_when")]

    def __str__(self):
        return f"#{self.pk} {self.key}"


class Entry(models.Model):
    """One side of a transaction: a signed amount (debit positive, credit negative) on one
    account, in the account's unit."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    unit = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    created_at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "created_at"], name="rewards_entry_account")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="rewards_entry_not_zero")
        ]

    def __str__(self):
        return f"{self.account_id} {self.amount} {self.unit}"


# --- what the business sets -----------------------------------------------------------------


class RewardSettings(models.Model):
    """A business's rewards settings: its bank account for payouts, the payout minimum, the
    points rate and the yearly ceiling for occasional work."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="reward_settings"
    )
    debtor_name = models.CharField(_("account holder"), max_length=70, blank=True)
    debtor_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    debtor_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    payout_minimum_minor = models.BigIntegerField(
        _("payout minimum (cents)"),
        default=2000,
        validators=[MinValueValidator(1)],
        help_text=_("Balances below this wait for the next payout run."),
    )
    points_per_euro = models.PositiveIntegerField(
        _("points for one euro of voucher"),
        default=100,
        validators=[MinValueValidator(1)],
    )
    voucher_validity_days = models.PositiveIntegerField(
        _("vouchers are valid for (days)"), default=365, validators=[MinValueValidator(1)]
    )
    yearly_ceiling_minor = models.BigIntegerField(
        _("yearly ceiling per peer (cents)"),
        default=500000,
        validators=[MinValueValidator(0)],
        help_text=_(
            "The most a peer should earn in a calendar year for occasional work; "
            "0 turns the warning off."
        ),
    )
    ceiling_warning_percent = models.PositiveSmallIntegerField(
        _("warn at (% of the ceiling)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    payouts_need_two_people = models.BooleanField(
        _("payout runs need two people"),
        default=False,
        help_text=_(
            "Whoever prepares a payout run cannot approve it: another owner approves it, or "
            "a member of staff prepares it. It applies once the business has a second member."
        ),
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("rewards settings")
        verbose_name_plural = _("rewards settings")

    def __str__(self):
        return str(_("rewards settings"))


class ProgramRewards(models.Model):
    """A program's budget and whether its peers choose the form of their rewards."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="rewards"
    )
    monthly_budget_minor = models.BigIntegerField(
        _("monthly budget (cents)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Rewards beyond it wait for the owner's decision. Empty: no budget."),
    )
    peer_chooses = models.BooleanField(
        _("peers choose the form of their rewards"),
        default=False,
        help_text=_("Cash, points, shop credit or a donation to a cause."),
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("program rewards")
        verbose_name_plural = _("program rewards")

    def __str__(self):
        return str(_("program rewards"))


# A program's month of budget is split into this many rows ("escrow"): each database
# connection spends from its own share with one conditional UPDATE, so concurrent rewards do
# not queue on one row; only a share running dry locks them all to share out what is left.
BUDGET_SLOTS = 8


class BudgetMonth(models.Model):
    """One share of what a program may spend in a month and has spent, kept in step with its
    reward postings. Over the shares of a month: spent ≤ quota in each, and the quotas sum to
    the budget (`limit_minor`, as it was when they were last shared out)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month, in the business's time zone
    slot = models.PositiveSmallIntegerField(default=0)
    spent_minor = models.BigIntegerField(default=0)
    quota_minor = models.BigIntegerField(default=0)
    limit_minor = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "month", "slot"], name="rewards_budget_month_slot"
            )
        ]

    def __str__(self):
        return f"{self.program_id} {self.month:%Y-%m}/{self.slot}: {self.spent_minor}"


class Cause(models.Model):
    """A cause the business supports: peers may give their rewards to it."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="causes"
    )
    name_it = models.CharField(_("name (Italian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_it = models.CharField(_("description (Italian)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("cause")
        verbose_name_plural = _("causes")
        ordering = ["name_it"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def description(self):
        return _localized(self, "description")


class Badge(models.Model):
    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="badges"
    )
    slug = models.SlugField(_("code"), max_length=50)
    name_it = models.CharField(_("name (Italian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_it = models.CharField(_("description (Italian)"), max_length=200, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["business", "slug"], name="rewards_badge_slug")
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def description(self):
        return _localized(self, "description")


class Event(models.TextChoices):
    BLOCK_COMPLETED = "block.completed", _("a block is completed")
    MATCH_COMPLETED = "match.completed", _("a match is completed")
    REFERRAL_CONVERTED = (
        "referral.converted",
        _("a friend brought by a share link makes a first order"),
    )
    RESALE_SOLD = "resale.sold", _("a resale listing is sold")
    CAMPAIGN_FUNDED = "campaign.funded", _("a chip-in campaign is funded")
    PLEDGE_RECEIVED = "chipin.pledge_received", _("a chip-in pledge a peer brought is received")
    RATING_FIVE_STARS = "rating.five_stars", _("a five-star rating")
    SERVICE_YEAR = "service.year", _("a year of service")


class RewardKind(models.TextChoices):
    CASH = "cash", pgettext_lazy("reward", "Cash")
    POINTS = "points", pgettext_lazy("reward", "Points")
    VOUCHER = "voucher", pgettext_lazy("reward", "Voucher for the shop")
    BADGE = "badge", pgettext_lazy("reward", "Badge")
    DONATION = "donation", pgettext_lazy("reward", "Donation to a cause")


class Condition(models.TextChoices):
    ALWAYS = "always", _("always")
    WEEKEND = "weekend", _("on Saturdays and Sundays")
    MIN_MINUTES = "min_minutes", _("when it lasted at least N minutes")
    NTH = "nth", _("on the peer's Nth time")
    EVERY_NTH = "every_nth", _("every Nth time")


class RewardRule(models.Model):
    """On EVENT, if CONDITION, give REWARD."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="reward_rules"
    )
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="reward_rules"
    )
    event = models.CharField(_("when"), max_length=30, choices=Event.choices)
    condition = models.CharField(
        _("if"), max_length=12, choices=Condition.choices, default=Condition.ALWAYS
    )
    threshold = models.PositiveIntegerField(
        _("N"), default=0, help_text=_("Minutes or times, for the conditions that use N.")
    )
    reward = models.CharField(_("give"), max_length=10, choices=RewardKind.choices)
    # 0 with `from_event`: the amount the event promised (a block's reward).
    amount = models.BigIntegerField(
        _("amount"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Cents for cash, vouchers and donations; points for points."),
    )
    from_event = models.BooleanField(
        _("the amount the block promised"),
        default=False,
        help_text=_("Pay what the block or match itself offers instead of a fixed amount."),
    )
    badge = models.ForeignKey(
        Badge, on_delete=models.RESTRICT, null=True, blank=True, verbose_name=_("badge")
    )
    cause = models.ForeignKey(
        Cause, on_delete=models.RESTRICT, null=True, blank=True, verbose_name=_("cause")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("reward rule")
        verbose_name_plural = _("reward rules")
        ordering = ["program_id", "event", "id"]

    def __str__(self):
        return f"{self.get_event_display()} → {self.get_reward_display()}"


class PeerRewardChoice(models.Model):
    """The form a peer wants their cash rewards in, where a program lets them choose."""

    class Form(models.TextChoices):
        CASH = "cash", pgettext_lazy("reward form", "Cash, paid to my bank account")
        POINTS = "points", pgettext_lazy("reward form", "Points")
        CREDIT = "credit", pgettext_lazy("reward form", "Shop credit (a voucher)")
        DONATION = "donation", pgettext_lazy("reward form", "A donation to a cause")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    peer = models.OneToOneField(
        "peers.Peer", on_delete=models.CASCADE, related_name="reward_choice"
    )
    form = models.CharField(_("I want my rewards as"), max_length=10, choices=Form.choices)
    cause = models.ForeignKey(
        Cause, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("cause")
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    def __str__(self):
        return self.get_form_display()


class PayoutDetails(models.Model):
    """Where a peer's money goes: validated IBAN (checksum and SEPA country)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    peer = models.OneToOneField(
        "peers.Peer", on_delete=models.CASCADE, related_name="payout_details"
    )
    account_holder = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    def __str__(self):
        return self.account_holder


class RewardStatus(models.TextChoices):
    POSTED = "posted", pgettext_lazy("reward status", "Paid into the wallet")
    HELD = "held", pgettext_lazy("reward status", "Waiting for the owner (over budget)")
    DECLINED = "declined", pgettext_lazy("reward status", "Declined by the owner")


class Reward(models.Model):
    """A reward a rule granted a peer for one cause: posted to the ledger, or held because it
    would exceed the program's budget until the owner decides."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    rule = models.ForeignKey(RewardRule, on_delete=models.PROTECT, null=True, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey("peers.Peer", on_delete=models.PROTECT, related_name="rewards")
    claim = models.ForeignKey(
        "scheduling.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    kind = models.CharField(max_length=10, choices=RewardKind.choices)
    amount = models.BigIntegerField(default=0)
    unit = models.CharField(max_length=3)
    cause = models.ForeignKey(Cause, on_delete=models.PROTECT, null=True, related_name="+")
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, null=True, related_name="+")
    status = models.CharField(max_length=10, choices=RewardStatus.choices)
    # What the reward charges to its program's budget, in the business's currency, and when.
    budget_minor = models.BigIntegerField(default=0)
    budget_month = models.DateField(null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="reward"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="rewards_reward_key")
        ]
        indexes = [
            models.Index(fields=["business", "status"], name="rewards_reward_status"),
            # a peer's earnings in a year, read after each cash reward (the yearly ceiling)
            models.Index(fields=["peer", "created_at"], name="rewards_reward_peer_when"),
        ]

    def __str__(self):
        return self.key


class Voucher(models.Model):
    """A voucher for the shop: its remaining value is the balance of its own ledger account."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=20)
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.PROTECT, null=True, blank=True, related_name="vouchers"
    )
    value_minor = models.BigIntegerField(_("value"))
    currency = models.CharField(max_length=3, default="EUR")
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="voucher")
    # Held by someone who is not (or not only) a peer: a chip-in campaign's beneficiary, a
    # friend whose pledge became a gift.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vouchers",
    )
    # What bought it, when not a reward (a funded campaign): one voucher per cause.
    cause_key = models.CharField(max_length=120, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="rewards_voucher_code"),
            models.UniqueConstraint(
                fields=["business", "cause_key"],
                condition=~models.Q(cause_key=""),
                name="rewards_voucher_cause",
            ),
        ]

    def __str__(self):
        return self.code

    def has_expired(self, now=None) -> bool:
        """Past its date: nothing more can be taken off it, and what is left is income (the
        expiry sweep books it). The one rule of a voucher's expiry."""
        return self.expires_at <= (now or timezone.now())


class RewardEvent(models.Model):
    """An event the rewards consumed (once: its key is unique), counted by the rules that look
    at a peer's Nth time."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    event = models.CharField(max_length=30, choices=Event.choices)
    peer = models.ForeignKey("peers.Peer", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="rewards_event_key")
        ]
        indexes = [
            models.Index(fields=["peer", "program", "event"], name="rewards_event_count"),
        ]

    def __str__(self):
        return self.key


class PeerBadge(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey("peers.Peer", on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="awards")
    awarded_at = models.DateTimeField()
    key = models.CharField(max_length=200)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "badge"], name="rewards_peerbadge_unique")
        ]

    def __str__(self):
        return self.key


class Showcase(models.Model):
    """A peer's public page, opt-in."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    peer = models.OneToOneField("peers.Peer", on_delete=models.CASCADE, related_name="showcase")
    public = models.BooleanField(_("show my page to everyone"), default=False)
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    # What the page shows of the peer's impact (`analytics.impact`): their work and how it was
    # received, unless they say otherwise; money (earned, or given in their name) only if
    # they choose to show it.
    show_hours = models.BooleanField(_("hours given"), default=True)
    show_activity = models.BooleanField(_("what I did"), default=True)
    show_ratings = models.BooleanField(_("ratings from visitors"), default=True)
    show_badges = models.BooleanField(_("badges"), default=True)
    show_donations = models.BooleanField(_("donations in my name"), default=False)
    show_earnings = models.BooleanField(_("what I earned"), default=False)

    objects = ScopedManager(business="business")

    def __str__(self):
        return self.headline

    @property
    def shown(self) -> frozenset[str]:
        """The parts of the impact the page shows: "hours", "activity", "ratings", "badges",
        "donations", "earnings"."""
        return frozenset(
            name
            for name in ("hours", "activity", "ratings", "badges", "donations", "earnings")
            if getattr(self, f"show_{name}")
        )


# --- payouts ---------------------------------------------------------------------------------


class BatchKind(models.TextChoices):
    PEERS = "peers", pgettext_lazy("payout batch", "Peers")
    DONATIONS = "donations", pgettext_lazy("payout batch", "Donations")
    REFUNDS = "refunds", pgettext_lazy("payout batch", "Refunds")


class BatchStatus(models.TextChoices):
    PREPARED = "prepared", pgettext_lazy("payout batch", "Waiting for approval")
    APPROVED = "approved", pgettext_lazy("payout batch", "Approved")
    SENT = "sent", pgettext_lazy("payout batch", "Sent to the bank")
    PAID = "paid", pgettext_lazy("payout batch", "Paid")
    CANCELLED = "cancelled", pgettext_lazy("payout batch", "Cancelled")


class PayoutBatch(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=BatchKind.choices, default=BatchKind.PEERS)
    status = models.CharField(max_length=10, choices=BatchStatus.choices)
    currency = models.CharField(max_length=3, default="EUR")
    total_minor = models.BigIntegerField(default=0)
    message_id = models.CharField(max_length=35)
    execution_date = models.DateField(_("execution date"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    # Approved by the owner who prepared it, alone, after confirming with their password.
    approved_alone = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at"]

    def __str__(self):
        return self.message_id

    # Which step a batch may take next: the payout services refuse the others, and the pages
    # offer only these.

    @property
    def can_approve(self) -> bool:
        return self.status == BatchStatus.PREPARED

    @property
    def can_cancel(self) -> bool:
        """Before it is sent to the bank."""
        return self.status in (BatchStatus.PREPARED, BatchStatus.APPROVED)

    @property
    def can_send(self) -> bool:
        return self.status == BatchStatus.APPROVED

    @property
    def can_mark_paid(self) -> bool:
        return self.status == BatchStatus.SENT

    @property
    def has_file(self) -> bool:
        """The SEPA file exists once the owner approved the batch."""
        return self.status in (BatchStatus.APPROVED, BatchStatus.SENT, BatchStatus.PAID)


class PayoutStatus(models.TextChoices):
    INCLUDED = "included", pgettext_lazy("payout", "In the batch")
    SENT = "sent", pgettext_lazy("payout", "Sent")
    PAID = "paid", pgettext_lazy("payout", "Paid")
    RETURNED = "returned", pgettext_lazy("payout", "Returned by the bank")
    CANCELLED = "cancelled", pgettext_lazy("payout", "Cancelled")


class Payout(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(PayoutBatch, on_delete=models.CASCADE, related_name="payouts")
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.PROTECT, null=True, blank=True, related_name="payouts"
    )
    cause = models.ForeignKey(Cause, on_delete=models.PROTECT, null=True, blank=True)
    refund = models.ForeignKey(
        "rewards.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="payouts"
    )
    amount_minor = models.BigIntegerField()
    account_holder = models.CharField(max_length=70)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    end_to_end_id = models.CharField(max_length=35)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices)
    return_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.end_to_end_id

    @property
    def payee_name(self) -> str:
        if self.peer_id:
            return self.peer.display_name
        if self.cause_id:
            return self.cause.name
        return self.refund.holder if self.refund_id else self.account_holder

    @property
    def can_return(self) -> bool:
        """Only a payment that left (sent or paid) can come back from the bank."""
        return self.status in (PayoutStatus.SENT, PayoutStatus.PAID)


class Refund(models.Model):
    """Money the business owes back to someone who paid it (a chip-in pledge of a campaign
    that was not funded, a payment made twice): what is owed is the balance of its own ledger
    account; it leaves in a refunds payout run (to `iban`) or at the till."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)  # the cause, as the app that owes it names it
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="refund")
    holder = models.CharField(_("account holder"), max_length=140)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="it")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    # What the payer reads on the bank statement: "Refund: chip-in for Giulia's e-bike".
    remittance = models.CharField(max_length=140)
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    at_till = models.BooleanField(default=False)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="rewards_refund_key")
        ]

    def __str__(self):
        return self.key


class BudgetCharge(models.Model):
    """A charge to a program's monthly budget that is not a peer's reward: the business's
    share of a chip-in campaign. `ledger check` adds these to the rewards when it compares a
    month's budget with what was posted."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    amount_minor = models.BigIntegerField()
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="budget_charge"
    )
    created_at = models.DateTimeField()

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="rewards_budget_charge_key")
        ]

    def __str__(self):
        return self.key
