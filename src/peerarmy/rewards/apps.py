from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "peerarmy.rewards"
    label = "rewards"
    verbose_name = _("Rewards")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import handlers  # noqa: F401  (subscribes to the events that pay rewards)
        from .ledger import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="rewards_sqlite")
