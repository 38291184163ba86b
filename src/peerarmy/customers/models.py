"""Customers a business imported or recorded; superfans are found among them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

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
