from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "peerarmy.sharing"
    label = "sharing"
    verbose_name = _("Sharing")

    def ready(self):
        from peerarmy.rewards import checks

        from . import checks as sharing_checks

        checks.register(sharing_checks.check_bookings)
