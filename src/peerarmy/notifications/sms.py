"""Text messages (SMS): the one-time codes that confirm a peer's phone number.

`settings.SMS_BACKEND` names the class that sends them. The default, `ConsoleBackend`, prints
each message to the log (the console of `peerarmy serve` or `make demo`), so an installation
without a gateway still works end to end. A real gateway is a class with one method:

    class MyGateway:
        def send(self, to: str, text: str) -> None:
            '''`to` is an international number ("+393331234567"); raise on failure.'''

set with `SMS_BACKEND=mypackage.sms.MyGateway`. `sent` keeps the messages of `MemoryBackend`
for the tests.

Codes are sent when the transaction that made them commits (`send_on_commit`), not through the
outbox's retries: a code lives for minutes, and a person who did not get it asks for another.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        logger.warning("SMS to %s: %s", to, text)
        print(f"SMS to {to}: {text}")  # noqa: T201 - the console is this backend's gateway


class MemoryBackend:
    """Keeps every message in `sent` (a list of (to, text)): for tests."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        MemoryBackend.sent.append((to, text))


def backend():
    return import_string(settings.SMS_BACKEND)()


def send_on_commit(to: str, text: str) -> None:
    """Send `text` to `to` once the current transaction commits; a failure is logged."""

    def send():
        try:
            backend().send(to, text)
        except Exception:  # a gateway's failure must not break the page; they ask again
            logger.exception("SMS to %s failed", to)

    transaction.on_commit(send)
