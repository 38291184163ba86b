"""Web push to a browser, with this installation's VAPID keys (WEBPUSH_VAPID_PUBLIC_KEY,
WEBPUSH_VAPID_PRIVATE_KEY, WEBPUSH_CONTACT). Without both keys push is not offered at all.

One message is one POST to the browser's push service, encrypted for the browser (pywebpush,
imported when first used: it brings aiohttp, which a web process never needs). A push service
that answers 404 or 410 has forgotten the subscription for good (`PushGone`); any other
failure may pass (`PushFailed`) and the outbox tries again later. Neither error holds the
endpoint, which identifies the person's browser: logs and the delivery log name only the
status."""

import json

from django.conf import settings

# How long a push service keeps a message for a browser that is offline: news of work that is
# usually taken within hours is worth little after a day.
TTL_SECONDS = 12 * 3600
TIMEOUT_SECONDS = 10


class PushGone(Exception):
    """The push service no longer knows the subscription (404 or 410)."""


class PushFailed(Exception):
    """The message did not reach the push service this time."""


def is_configured() -> bool:
    """Whether this installation can send web push (both VAPID keys are set)."""
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


def public_key() -> str:
    """The key browsers subscribe with (`applicationServerKey`), or "" when not configured."""
    return settings.WEBPUSH_VAPID_PUBLIC_KEY if is_configured() else ""


def send(subscription, notification: dict, *, ttl: int = TTL_SECONDS) -> None:
    """Send `notification` ({"title", "body", "url", ...}, shown by the service worker) to
    the browser of `subscription` (a `PushSubscription`)."""
    import requests
    from pywebpush import WebPushException, webpush

    if not is_configured():
        raise PushFailed("web push is not configured (WEBPUSH_VAPID_* are not set)")
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(notification, ensure_ascii=False),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            # a new dict each time: pywebpush writes the audience and expiry into it
            vapid_claims={"sub": settings.WEBPUSH_CONTACT},
            ttl=ttl,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            raise PushGone(f"the push service answered {status}") from None
        raise PushFailed(f"the push service answered {status or 'nothing'}") from None
    except requests.RequestException as exc:
        # its text names the endpoint: keep only what went wrong
        raise PushFailed(f"could not reach the push service ({type(exc).__name__})") from None
