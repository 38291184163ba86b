from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "peerarmy.trust"
    label = "trust"
    verbose_name = _("Trust")

    def ready(self):
        from peerarmy import events

        from .handlers import on_block_completed, on_match_completed, on_reliability_event

        # scheduling.services: a claim completed, a no-show or a late release;
        # matching.services: a match completed.
        events.subscribe("block.completed", on_block_completed)
        events.subscribe("match.completed", on_match_completed)
        events.subscribe("peer.reliability_event", on_reliability_event)
        # Matching's rating term reads the peers' weighted stars from here.
        from peerarmy.matching import services as matching

        from .selectors import weighted_stars

        if weighted_stars not in matching.RATING_SOURCES:
            matching.RATING_SOURCES.append(weighted_stars)
