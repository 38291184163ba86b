from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChipInConfig(AppConfig):
    name = "peerarmy.chipin"
    label = "chipin"
    verbose_name = _("Chip in")

    def ready(self):
        from peerarmy.rewards import checks

        from . import checks as chipin_checks

        checks.register(chipin_checks.check_campaigns)
