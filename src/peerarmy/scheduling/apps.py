from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "peerarmy.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self):
        from peerarmy import events

        from . import messages  # noqa: F401 - registers the deferred e-mail renderers
        from .reviews import release_claims_of_suspended

        events.subscribe("peer.suspended", release_claims_of_suspended)
