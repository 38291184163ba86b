"""What the trust app does when other apps publish events: recompute the one peer concerned
(their history only, so it stays cheap), after the publisher's transaction commits."""

from django.db import transaction

from . import services


def _recompute_later(business, payload):
    peer_id = payload.get("peer_id")
    if peer_id:
        transaction.on_commit(lambda: services.recompute_peer(business, peer_id))


def on_block_completed(business, name, *, key, payload):
    _recompute_later(business, payload)


def on_match_completed(business, name, *, key, payload):
    _recompute_later(business, payload)


def on_reliability_event(business, name, *, key, payload):
    """A no-show or a late release (scheduling.services)."""
    _recompute_later(business, payload)
