from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResaleConfig(AppConfig):
    name = "peerarmy.resale"
    label = "resale"
    verbose_name = _("Resale")

    def ready(self):
        from peerarmy.rewards import checks

        from . import checks as resale_checks

        checks.register(resale_checks.check_resales)
