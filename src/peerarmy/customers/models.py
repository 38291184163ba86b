"""Customers a business imported or recorded; superfans are found among them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class Customer(models.Model):
    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        related_name="customers",
        verbose_name=_("business"),
    )
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="it"
    )
    accepts_marketing = models.BooleanField(_("accepts e-mail marketing"), default=False)
    external_id = models.CharField(_("ID in the source system"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["business", "email"], name="customer_unique_email")
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Source(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    GENERIC = "generic", _("Spreadsheet (generic format)")
    MANUAL = "manual", _("Entered by hand")


class FinancialStatus(models.TextChoices):
    PAID = "paid", pgettext_lazy("order", "Paid")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("order", "Partially refunded")
    REFUNDED = "refunded", pgettext_lazy("order", "Refunded")
    VOIDED = "voided", pgettext_lazy("order", "Voided")
    PENDING = "pending", pgettext_lazy("order", "Pending")
    AUTHORIZED = "authorized", pgettext_lazy("order", "Authorized")
    PARTIALLY_PAID = "partially_paid", pgettext_lazy("order", "Partially paid")


# Orders that count towards a customer's orders and spend: money actually kept by the shop.
COUNTED_STATUSES = (FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED)
# Line items kept with an order (the rest are only counted in `line_count`).
MAX_ORDER_ITEMS = 100


class ImportedRow(models.Model):
    """Fields every imported record shares: where it came from and its id there."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="+", verbose_name=_("business")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    external_id = models.CharField(_("ID in the source system"), max_length=64)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    objects = ScopedManager(business="business")

    class Meta:
        abstract = True


class Order(ImportedRow):
    placed_at = models.DateTimeField(_("placed"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_minor = models.BigIntegerField(_("total (minor units)"), default=0)
    refunded_minor = models.BigIntegerField(_("refunded (minor units)"), default=0)
    financial_status = models.CharField(
        _("payment status"),
        max_length=20,
        choices=FinancialStatus.choices,
        default=FinancialStatus.PAID,
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("lines"), default=1)
    # [{"name", "sku", "quantity", "price_minor" (unit price)}, …]: the first MAX_ORDER_ITEMS
    # lines of the order as the file gives them; `line_count` counts them all.
    items = models.JSONField(
        _("line items"),
        default=list,
        blank=True,
        help_text=_("What was bought: name, code, quantity and unit price of each line."),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source", "external_id"], name="order_unique_external"
            )
        ]
        indexes = [models.Index(fields=["business", "customer", "placed_at"])]

    def __str__(self):
        return self.external_id

    @property
    def counts(self):
        return self.financial_status in COUNTED_STATUSES and self.cancelled_at is None

    @property
    def net_minor(self):
        return max(self.total_minor - self.refunded_minor, 0) if self.counts else 0


class Review(ImportedRow):
    rating = models.PositiveSmallIntegerField(_("stars"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    reviewed_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-reviewed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source", "external_id"], name="review_unique_external"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ {self.title}"


class NpsResponse(ImportedRow):
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"))

    class Meta:
        verbose_name = _("NPS answer")
        verbose_name_plural = _("NPS answers")
        ordering = ["-answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source", "external_id"], name="nps_unique_external"
            ),
            models.CheckConstraint(condition=models.Q(score__lte=10), name="nps_score_0_10"),
        ]

    def __str__(self):
        return f"NPS {self.score}"


class Referral(ImportedRow):
    """`customer`/`email` is who referred; `referred_*` is the friend they brought."""

    referred_email = models.EmailField(_("friend's e-mail"))
    referred_customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("friend"),
    )
    referred_at = models.DateTimeField(_("referred"))
    converted = models.BooleanField(_("became a customer"), default=False)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source", "external_id"], name="referral_unique_external"
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.referred_email}"


class Mention(ImportedRow):
    platform = models.CharField(_("platform"), max_length=30)
    url = models.URLField(_("link"), max_length=500, blank=True)
    engagement = models.PositiveIntegerField(
        _("engagement"), default=0, help_text=_("Likes, comments and shares together.")
    )
    posted_at = models.DateTimeField(_("posted"))

    class Meta:
        verbose_name = _("social mention")
        verbose_name_plural = _("social mentions")
        ordering = ["-posted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source", "external_id"], name="mention_unique_external"
            )
        ]

    def __str__(self):
        return f"{self.platform}: {self.url}"


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")
    REVIEWS = "reviews", _("Reviews")
    NPS = "nps", _("NPS answers")
    REFERRALS = "referrals", _("Referrals")
    MENTIONS = "mentions", _("Social mentions")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("import", "Queued")
    RUNNING = "running", pgettext_lazy("import", "Running")
    SUCCEEDED = "succeeded", pgettext_lazy("import", "Done")
    FAILED = "failed", pgettext_lazy("import", "Failed")


class ImportJob(models.Model):
    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("business"),
    )
    kind = models.CharField(_("what"), max_length=12, choices=ImportKind.choices)
    format = models.CharField(_("format"), max_length=12, choices=Source.choices)
    filename = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=8, default="it")
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    records = models.PositiveIntegerField(
        _("records"), default=0, help_text=_("Customers, orders, … the rows describe.")
    )
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(
        _("errors"), default=0, help_text=_("Every fault found; a row may have several.")
    )
    bad_rows = models.PositiveIntegerField(
        _("bad rows"), default=0, help_text=_("The rows left out because of an error.")
    )
    customers_created = models.PositiveIntegerField(
        _("customers created"),
        default=0,
        help_text=_("New customers an orders file brought in, for e-mails nobody had."),
    )
    failure = models.TextField(_("why it failed"), blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("separator"), max_length=4, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.filename}"

    @property
    def encoding_name(self):
        """The file's encoding as people know it: UTF-8, Windows-1252, …"""
        names = {
            "utf-8": "UTF-8",
            "utf-8-sig": "UTF-8 (BOM)",
            "cp1252": "Windows-1252",
            "utf-16": "UTF-16",
        }
        return names.get(self.encoding, self.encoding)


class ImportRowError(models.Model):
    """One bad row of an import: where, and why, in the language of who imported it."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    message = models.CharField(_("reason"), max_length=500)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["line", "pk"]

    def __str__(self):
        return f"{self.line}: {self.message}"
