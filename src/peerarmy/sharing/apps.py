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
        # a bank statement uploaded for chip-in pays bookings ahead by their RF reference
        from peerarmy.chipin import reconcile

        from . import services

        reconcile.register_payee_finder(services.payees_by_reference)
