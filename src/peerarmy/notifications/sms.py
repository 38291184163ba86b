"""Text messages (SMS): the one-time codes that confirm a peer's phone number.

They leave through the outbox (`services.enqueue_sms`), written in the same transaction as the
code, with the outbox's retries and delivery log; the code is cut out of the kept message once
it is sent. `settings.SMS_BACKEND` names the class that sends them. The default,
`ConsoleBackend`, prints each message on the console of `peerarmy serve` or `make demo` (its
stand-in for a phone; nothing goes to the log), so an installation without a gateway still
works end to end. A real gateway is a class with one method:

    class MyGateway:
        def send(self, to: str, text: str) -> None:
            '''`to` is an international number ("+393331234567"); raise on failure.'''

set with `SMS_BACKEND=mypackage.sms.MyGateway`. `sent` keeps the messages of `MemoryBackend`
for the tests.
"""

from django.conf import settings
from django.utils.module_loading import import_string


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        print(f"SMS to {to}: {text}", flush=True)  # noqa: T201 - the console is its gateway


class MemoryBackend:
    """Keeps every message in `sent` (a list of (to, text)): for tests."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        MemoryBackend.sent.append((to, text))


def backend():
    return import_string(settings.SMS_BACKEND)()
