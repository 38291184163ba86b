"""Chip in: friends and family fund a purchase together, the business adds its share.

A **campaign** is for a product of the catalogue (or a gift amount) and has a goal, a deadline
and a beneficiary. Friends make **pledges** (a promise of an amount, confirmed by e-mail), pay
them by bank transfer quoting the pledge's RF reference (or at the till), and the business's
match is added at the end. All or nothing at the deadline: funded, the beneficiary gets a
voucher; not funded, every euro received goes back.

What the database keeps (invariants, not rules):
- a campaign's promised total never passes its ceiling when it does not take over-funding
  (`pledged_minor <= pledge_ceiling_minor`, a CHECK; pledges add to it with one conditional
  UPDATE, so concurrent pledges on the last euros never overshoot);
- a bank credit is taken once per business (`bank_ref` unique), so uploading the same
  statement, or two statements that overlap, changes nothing the second time;
- an RF reference names one pledge of a business.

The money itself is in the ledger (`rewards.ledger`): received pledges sit in the campaign's
liability account until the campaign closes.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from peerarmy.photos import url as photo_url


def _localized(obj, field):
    lang = (get_language() or "it")[:2]
    other = "it" if lang == "en" else "en"
    return getattr(obj, f"{field}_{lang}") or getattr(obj, f"{field}_{other}")


class ChipInSettings(models.Model):
    """How a chip-in program works: the business's match, the smallest pledge, how long a
    campaign may run. A campaign copies them when it starts, so a change never alters the
    terms of a campaign already shared."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="chipin_settings"
    )
    match_percent = models.PositiveSmallIntegerField(
        _("the business adds (% of what friends give)"),
        default=10,
        validators=[MaxValueValidator(100)],
    )
    match_cap_minor = models.BigIntegerField(
        _("up to (per campaign, cents)"), default=10_000, validators=[MinValueValidator(0)]
    )
    min_pledge_minor = models.BigIntegerField(
        _("smallest pledge (cents)"), default=500, validators=[MinValueValidator(100)]
    )
    max_days = models.PositiveSmallIntegerField(
        _("longest campaign (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    allow_overfunding = models.BooleanField(_("friends may give beyond the goal"), default=False)
    payment_days = models.PositiveSmallIntegerField(
        _("days to pay a pledge"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("chip-in settings")
        verbose_name_plural = _("chip-in settings")

    def __str__(self):
        return str(self.program_id)


class Product(models.Model):
    """Something the shop sells that friends may chip in for (one row per Shopify variant)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    # Shopify's handle, plus the variant's options or SKU: what makes an import idempotent.
    handle = models.CharField(_("handle"), max_length=255)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    # Sanitised HTML (nh3): only paragraphs, lists, emphasis and links survive.
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    price_minor = models.BigIntegerField(_("price"), validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, default="EUR")
    photo = models.CharField(_("photo"), max_length=200, blank=True)
    # Where the import found the picture; the worker fetches it once into `photo`.
    image_source = models.URLField(_("picture's address"), max_length=1000, blank=True)
    active = models.BooleanField(_("can be chipped in for"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name_it", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "handle"], name="chipin_product_handle")
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def description(self):
        return _localized(self, "description")

    @property
    def photo_url(self):
        return photo_url(self.photo) if self.photo else ""


class CampaignStatus(models.TextChoices):
    RUNNING = "running", pgettext_lazy("campaign", "Collecting")
    WAITING = "waiting", pgettext_lazy("campaign", "Waiting for the owner")
    SUCCEEDED = "succeeded", pgettext_lazy("campaign", "Funded")
    FAILED = "failed", pgettext_lazy("campaign", "Not funded")
    CANCELLED = "cancelled", pgettext_lazy("campaign", "Cancelled")


CLOSED_STATUSES = (CampaignStatus.SUCCEEDED, CampaignStatus.FAILED, CampaignStatus.CANCELLED)


class Campaign(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    # The public address: /<business>/chip-in/<code>/
    code = models.CharField(max_length=12)
    title = models.CharField(_("title"), max_length=120)
    message = models.TextField(_("message to friends"), max_length=2000, blank=True)
    photo = models.CharField(_("photo"), max_length=200, blank=True)
    public = models.BooleanField(_("shown on the shop's page"), default=True)
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    beneficiary_name = models.CharField(_("for"), max_length=120)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    language = models.CharField(max_length=8, default="it")
    goal_minor = models.BigIntegerField(_("goal"), validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, default="EUR")
    deadline = models.DateTimeField(_("deadline"))
    # The program's terms when the campaign started.
    match_percent = models.PositiveSmallIntegerField(default=0)
    match_cap_minor = models.BigIntegerField(default=0)
    min_pledge_minor = models.BigIntegerField(default=100)
    allow_overfunding = models.BooleanField(default=False)
    payment_days = models.PositiveSmallIntegerField(default=7)
    # The most friends may promise in all (None: over-funding allowed): the smallest total
    # that, with the match on it, reaches the goal (funding.pledge_ceiling).
    pledge_ceiling_minor = models.BigIntegerField(null=True, blank=True)
    pledged_minor = models.BigIntegerField(default=0)  # promised and not lapsed
    received_minor = models.BigIntegerField(default=0)  # arrived, within the pledges
    match_minor = models.BigIntegerField(default=0)  # added by the business at success
    pledge_count = models.PositiveIntegerField(default=0)  # received pledges
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.RUNNING
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=300, blank=True)
    voucher = models.ForeignKey(
        "rewards.Voucher", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("chip-in campaign")
        verbose_name_plural = _("chip-in campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="chipin_campaign_code"),
            models.CheckConstraint(
                condition=Q(pledge_ceiling_minor__isnull=True)
                | Q(pledged_minor__lte=F("pledge_ceiling_minor")),
                name="chipin_campaign_not_overpledged",
            ),
            models.CheckConstraint(
                condition=Q(pledged_minor__gte=0) & Q(received_minor__gte=0),
                name="chipin_campaign_amounts_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="chipin_campaign_due")]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.RUNNING

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def photo_url(self):
        if self.photo:
            return photo_url(self.photo)
        return self.product.photo_url if self.product_id and self.product else ""


class SharerKind(models.TextChoices):
    BENEFICIARY = "beneficiary", pgettext_lazy("sharer", "The beneficiary")
    PLEDGER = "pledger", pgettext_lazy("sharer", "A friend who gave")
    PEER = "peer", pgettext_lazy("sharer", "A peer of the army")
    STAFF = "staff", pgettext_lazy("sharer", "The shop")


class ShareLink(models.Model):
    """Who shared a campaign: every share link carries one (`?da=<token>`), and pledges made
    through it are credited to them."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=12)
    kind = models.CharField(max_length=12, choices=SharerKind.choices)
    name = models.CharField(max_length=120)  # as the page credits them ("brought by Anna")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    peer = models.ForeignKey(
        "peers.Peer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A friend who gave and shares on (they may have no account): their own link.
    pledge = models.OneToOneField(
        "chipin.Pledge", on_delete=models.CASCADE, null=True, blank=True, related_name="own_link"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(business="business")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "token"], name="chipin_share_token"),
        ]

    def __str__(self):
        return self.name


class PledgeStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", pgettext_lazy("pledge", "Waiting for the e-mail confirmation")
    AWAITING = "awaiting", pgettext_lazy("pledge", "Waiting for the payment")
    PARTLY_PAID = "partly", pgettext_lazy("pledge", "Partly paid")
    RECEIVED = "received", pgettext_lazy("pledge", "Received")
    LAPSED = "lapsed", pgettext_lazy("pledge", "Lapsed")
    REFUNDED = "refunded", pgettext_lazy("pledge", "Given back")
    CONVERTED = "converted", pgettext_lazy("pledge", "Turned into a gift voucher")


# Pledges whose amount counts in the campaign's promised total.
HOLDING = (
    PledgeStatus.UNCONFIRMED,
    PledgeStatus.AWAITING,
    PledgeStatus.PARTLY_PAID,
    PledgeStatus.RECEIVED,
)


class RefundChoice(models.TextChoices):
    TRANSFER = "transfer", pgettext_lazy("refund", "Give it back by bank transfer")
    VOUCHER = "voucher", pgettext_lazy("refund", "Turn it into a gift voucher for the shop")


class Pledge(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="pledges")
    share_link = models.ForeignKey(
        ShareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="pledges"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail address"))
    # Anonymous to the public page, never to the business.
    anonymous = models.BooleanField(_("do not show my name on the page"), default=False)
    message = models.CharField(_("message"), max_length=500, blank=True)
    amount_minor = models.BigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, default="EUR")
    refund_choice = models.CharField(
        _("if the campaign is not funded"),
        max_length=10,
        choices=RefundChoice.choices,
        default=RefundChoice.TRANSFER,
    )
    language = models.CharField(max_length=8, default="it")
    # ISO 11649 creditor reference quoted on the transfer, compact ("RF18…").
    reference = models.CharField(max_length=25)
    status = models.CharField(
        max_length=12, choices=PledgeStatus.choices, default=PledgeStatus.UNCONFIRMED
    )
    token_hash = models.CharField(max_length=64)  # of the link that confirms and shows it
    hold_until = models.DateTimeField()  # an unconfirmed or unpaid pledge lapses after it
    confirmed_at = models.DateTimeField(null=True, blank=True)
    received_minor = models.BigIntegerField(default=0)
    received_at = models.DateTimeField(null=True, blank=True)
    paid_at_till = models.BooleanField(default=False)
    # The payer as the bank statement showed them: where a refund goes.
    payer_name = models.CharField(max_length=140, blank=True)
    payer_iban = models.CharField(max_length=34, blank=True)
    payer_bic = models.CharField(max_length=11, blank=True)
    new_customer = models.BooleanField(default=False)  # not among the shop's customers before
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "reference"], name="chipin_pledge_ref"),
            models.CheckConstraint(
                condition=Q(received_minor__gte=0) & Q(received_minor__lte=F("amount_minor")),
                name="chipin_pledge_received_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="chipin_pledge_campaign"),
            models.Index(fields=["status", "hold_until"], name="chipin_pledge_hold"),
            # the page's newest gifts first
            models.Index(fields=["campaign", "-received_at"], name="chipin_pledge_newest"),
            # the e-mailed link's lookup (a hash, never the token)
            models.Index(fields=["token_hash"], name="chipin_pledge_token"),
        ]

    def __str__(self):
        return self.reference

    @property
    def left_minor(self) -> int:
        return self.amount_minor - self.received_minor

    @property
    def public_name(self):
        return pgettext_lazy("pledger", "Anonymous") if self.anonymous else self.name


class StatementUpload(models.Model):
    """A bank statement staff uploaded, and what reconciling it found."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=30)
    account_iban = models.CharField(max_length=34, blank=True)
    statement_id = models.CharField(max_length=140, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    entries = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    already_seen = models.PositiveIntegerField(default=0)  # credits of an earlier upload
    problems = models.JSONField(default=list)  # [[line, message], ...]

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "sha256"], name="chipin_statement_file"),
        ]

    def __str__(self):
        return self.filename


class CreditStatus(models.TextChoices):
    MATCHED = "matched", pgettext_lazy("bank credit", "Matched to a pledge")
    SUGGESTED = "suggested", pgettext_lazy("bank credit", "A match to check")
    UNMATCHED = "unmatched", pgettext_lazy("bank credit", "Not matched")
    DUPLICATE = "duplicate", pgettext_lazy("bank credit", "Paid twice: going back")
    REFUNDED = "refunded", pgettext_lazy("bank credit", "Going back to the payer")
    IGNORED = "ignored", pgettext_lazy("bank credit", "Not for a campaign")


class BankCredit(models.Model):
    """One credit of an uploaded statement, and the pledge it paid."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(StatementUpload, on_delete=models.CASCADE, related_name="credits")
    line = models.PositiveIntegerField()
    bank_ref = models.CharField(max_length=140)
    booked_on = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    debtor_name = models.CharField(max_length=140, blank=True)
    debtor_iban = models.CharField(max_length=34, blank=True)
    debtor_bic = models.CharField(max_length=11, blank=True)
    reference = models.CharField(max_length=35, blank=True)
    remittance = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=CreditStatus.choices)
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="credits"
    )
    suggested_pledge = models.ForeignKey(
        Pledge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_minor = models.BigIntegerField(default=0)  # into the campaign
    returned_minor = models.BigIntegerField(default=0)  # owed back to the payer
    # what else its reference named (a rental booking), in words for the statement's page
    paid_for = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        ordering = ["booked_on", "line", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "bank_ref"], name="chipin_credit_once"),
        ]
        indexes = [models.Index(fields=["business", "status"], name="chipin_credit_status")]

    def __str__(self):
        return self.bank_ref
