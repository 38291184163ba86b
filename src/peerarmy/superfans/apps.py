from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuperfansConfig(AppConfig):
    name = "peerarmy.superfans"
    label = "superfans"
    verbose_name = _("Superfans")
