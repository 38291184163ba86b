from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadConfig(AppConfig):
    name = "peerarmy.spread"
    label = "spread"
    verbose_name = _("Share links")

    def ready(self):
        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from peerarmy import events
        from peerarmy.peers.models import Peer

        from . import handlers

        user_signed_up.connect(handlers.on_user_signed_up, dispatch_uid="spread.signed_up")
        user_logged_in.connect(handlers.on_user_logged_in, dispatch_uid="spread.logged_in")
        post_save.connect(handlers.on_peer_saved, sender=Peer, dispatch_uid="spread.peer_saved")
        # customers.services.IMPORTED: friends' first orders arrive with the shop's exports
        events.subscribe("customers.imported", handlers.on_customers_imported)
