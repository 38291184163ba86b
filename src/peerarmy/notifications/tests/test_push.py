"""Web push through the outbox, against a fake push service on this machine: the message
arrives encrypted for the browser and signed with the installation's VAPID key; a push service
that has forgotten the browser (404, 410) makes us forget it too, at once; any other failure is
tried again later; nothing in the delivery log names the browser's address."""

import base64
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from py_vapid import Vapid02

from peerarmy.errors import InvalidTransition
from peerarmy.inputs import InvalidInput
from peerarmy.notifications import vapid
from peerarmy.notifications.inputs import PushSubscriptionInput
from peerarmy.notifications.models import OutboxMessage, OutboxStatus, PushSubscription
from peerarmy.notifications.selectors import failed_count
from peerarmy.notifications.services import (
    deliver,
    enqueue_push,
    subscribe_push,
    unsubscribe_push,
)

pytestmark = pytest.mark.django_db

NOTE = {"title": "New block: Consegne", "body": "Sat 10:00 · Via del Pratello", "url": "/b/me/"}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Browser:
    """What a browser keeps of its subscription: its key pair and its auth secret."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self):
        return b64(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def read(self, body: bytes) -> dict:
        import http_ece

        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


class PushService:
    """A push service on 127.0.0.1 answering `status` to every POST, keeping what it got."""

    def __init__(self):
        self.status = 201
        self.received = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                service.received.append((self.path, headers, self.rfile.read(length)))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                """Quiet: the test reads what was received, not a log."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def keys(settings):
    public, private = vapid.new_keys()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = private
    settings.WEBPUSH_CONTACT = "mailto:ops@bicigialla.example"
    settings.OUTBOX_MAX_ATTEMPTS = 4
    return public


@pytest.fixture
def service():
    with PushService() as running:
        yield running


def subscribed(business, browser, endpoint):
    # Made directly: the input accepts only the known push services over HTTPS, and this one
    # is a fake on 127.0.0.1.
    return PushSubscription.objects.create(
        business=business,
        owner="peer:1",
        endpoint=endpoint,
        endpoint_hash=str(hash(endpoint)),
        p256dh=browser.p256dh,
        auth=b64(browser.auth),
    )


def pushed(business, subscription):
    return enqueue_push(
        business=business,
        subscription=subscription,
        notification=NOTE,
        language="en",
        event="offers.new_work",
    )


def test_a_push_reaches_the_browser_encrypted_and_signed(business, keys, service):
    browser = Browser()
    subscription = subscribed(business, browser, service.url + "/send/device-1")
    message = pushed(business, subscription)

    assert deliver(message.pk) == OutboxStatus.SENT

    ((path, headers, body),) = service.received
    assert path == "/send/device-1"
    assert browser.read(body) == NOTE
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) > 3600
    # signed with our VAPID key: the service can tell who sends
    assert f"k={keys}" in headers["authorization"]
    assert Vapid02.verify(headers["authorization"])
    subscription.refresh_from_db()
    assert subscription.last_sent_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_browser_the_push_service_forgot_is_forgotten_here_without_retries(
    business, keys, service, status
):
    service.status = status
    subscription = subscribed(business, Browser(), service.url + "/send/gone")
    message = pushed(business, subscription)

    assert deliver(message.pk) == OutboxStatus.FAILED

    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    message.refresh_from_db()
    assert message.attempts == 4  # given up at once
    assert str(status) in message.last_error
    assert "127.0.0.1" not in message.last_error and "gone" not in message.last_error
    assert len(service.received) == 1


def test_a_failing_push_service_is_tried_again_later(business, keys, service):
    service.status = 503
    subscription = subscribed(business, Browser(), service.url + "/send/busy")
    message = pushed(business, subscription)

    assert deliver(message.pk) == OutboxStatus.PENDING
    message.refresh_from_db()
    assert message.next_attempt_at > timezone.now()
    assert "503" in message.last_error
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()

    service.status = 201
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert deliver(message.pk) == OutboxStatus.SENT
    assert len(service.received) == 2


def test_an_unreachable_push_service_is_tried_again_and_its_address_not_logged(business, keys):
    with PushService() as gone:
        url = gone.url
    subscription = subscribed(business, Browser(), url + "/send/secret-device-token")
    message = pushed(business, subscription)
    assert deliver(message.pk) == OutboxStatus.PENDING
    message.refresh_from_db()
    assert "secret-device-token" not in message.last_error
    assert "127.0.0.1" not in message.last_error


def test_a_browser_turned_off_before_delivery_gets_nothing(business, keys, service):
    subscription = subscribed(business, Browser(), service.url + "/send/off")
    message = pushed(business, subscription)
    subscription.delete()
    assert deliver(message.pk) == OutboxStatus.FAILED
    assert not service.received


# --- subscribing ------------------------------------------------------------------------------

GOOD = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/abc:def",
    "expirationTime": None,
    "keys": {"p256dh": Browser().p256dh, "auth": b64(os.urandom(16))},
}


def test_a_browser_subscription_is_kept_once_per_browser(business, keys):
    data = PushSubscriptionInput.parse(GOOD)
    first = subscribe_push(business, "peer:7", data)
    again = subscribe_push(business, "peer:8", data)  # a shared phone: the last one wins
    assert first.created and not again.created
    assert PushSubscription.objects.get().owner == "peer:8"
    assert unsubscribe_push(business, "peer:7", GOOD["endpoint"]) == 0
    assert unsubscribe_push(business, "peer:8", GOOD["endpoint"]) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/x"}, "endpoint"),
        ({"endpoint": "https://169.254.169.254/latest/meta-data"}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/x"}, "endpoint"),
        ({"endpoint": ""}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": b64(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": {"p256dh": Browser().p256dh, "auth": "!!"}}, "keys.auth"),
    ],
)
def test_only_a_real_browser_subscription_is_accepted(change, field):
    with pytest.raises(InvalidInput) as refused:
        PushSubscriptionInput.parse({**GOOD, **change})
    assert [f for f, _m in refused.value.errors] == [field]


def test_without_keys_no_browser_can_subscribe(business, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    with pytest.raises(InvalidTransition) as refused:
        subscribe_push(business, "peer:7", PushSubscriptionInput.parse(GOOD))
    assert refused.value.code == "push_not_configured"


# --- keys -------------------------------------------------------------------------------------


def test_a_new_key_pair_belongs_together():
    public, private = vapid.new_keys()
    assert vapid.public_key_for(private) == public
    assert len(base64.urlsafe_b64decode(public + "==")) == 65


def test_the_command_prints_the_environment_lines():
    done = subprocess.run(
        [sys.executable, "-m", "peerarmy.cli", "webpush-keys", "mailto:ops@example.org"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")},
    )
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert set(lines) == {
        "WEBPUSH_VAPID_PUBLIC_KEY",
        "WEBPUSH_VAPID_PRIVATE_KEY",
        "WEBPUSH_CONTACT",
    }
    assert (
        vapid.public_key_for(lines["WEBPUSH_VAPID_PRIVATE_KEY"])
        == lines["WEBPUSH_VAPID_PUBLIC_KEY"]
    )
    assert lines["WEBPUSH_CONTACT"] == "mailto:ops@example.org"


def test_a_deleted_peer_leaves_no_browser_behind(business, peer, keys):
    subscribe_push(business, f"peer:{peer.pk}", PushSubscriptionInput.parse(GOOD))
    peer.delete()
    assert not PushSubscription.objects.exists()


def test_a_push_to_a_forgotten_browser_is_not_a_failed_email_for_staff(business, keys, service):
    service.status = 410
    message = pushed(business, subscribed(business, Browser(), service.url + "/send/gone"))
    deliver(message.pk)
    assert failed_count(business) == 0
