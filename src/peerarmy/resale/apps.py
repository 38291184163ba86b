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
        # a bank statement uploaded for chip-in pays reservations ahead by their RF reference
        from peerarmy.chipin import reconcile

        from . import services

        reconcile.register_payee_finder(services.payees_by_reference)
