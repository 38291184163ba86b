from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeersConfig(AppConfig):
    name = "peerarmy.peers"
    label = "peers"
    verbose_name = _("Peers")

    def ready(self):
        from django.db.models.signals import post_delete

        from .models import Peer

        post_delete.connect(_forget_browsers, sender=Peer, dispatch_uid="peers.forget_browsers")


def _forget_browsers(sender, instance, **kwargs):
    """A peer deleted leaves no browser to push to: the outbox's subscriptions name their
    owner in words ("peer:42"), with no foreign key to cascade."""
    from django_scopes import scopes_disabled

    from peerarmy.notifications.services import unsubscribe_push

    from .selectors import push_owner

    with scopes_disabled():
        unsubscribe_push(instance.business_id, push_owner(instance))
