from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuperfansConfig(AppConfig):
    name = "peerarmy.superfans"
    label = "superfans"
    verbose_name = _("Superfans")

    def ready(self):
        from peerarmy import events

        from .handlers import on_customers_imported

        # customers.services.IMPORTED: an import that created or changed something.
        events.subscribe("customers.imported", on_customers_imported)
