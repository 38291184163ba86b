"""Domain events between apps: an app publishes what happened (`block.completed`), the apps
that care subscribe in their AppConfig.ready. Handlers run in the publisher's database
transaction, so the event and its consequences (a reward) commit or roll back together, and
an app never imports the apps that consume its events."""

from collections import defaultdict

_handlers = defaultdict(list)


def subscribe(name, handler):
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def publish(business, name, *, key, payload):
    """Call every handler of `name` with the business, the event's unique key and its data."""
    for handler in list(_handlers[name]):
        handler(business, name, key=key, payload=payload)
