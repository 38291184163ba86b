from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "peerarmy.offers"
    label = "offers"
    verbose_name = _("New work for peers")
