from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "peerarmy.analytics"
    label = "analytics"
    verbose_name = _("Dashboard")

    def ready(self):
        from . import report  # noqa: F401  (registers the monthly report's e-mail renderer)
