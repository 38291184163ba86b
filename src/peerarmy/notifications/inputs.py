"""The typed inputs of the outbox's own changes (see `peerarmy.inputs`): a browser's web push
subscription, as the Push API hands it over (`PushSubscription.toJSON()`)."""

import base64
import binascii
from typing import Annotated
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field

from peerarmy.inputs import Input, broken, text


def _push_service(endpoint: str) -> str:
    """An endpoint of a known push service, over HTTPS: the worker will POST to it, so an
    address of anyone's choosing (a machine inside the network) is refused."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    known = [h.strip().lower().lstrip(".") for h in settings.WEBPUSH_ENDPOINT_HOSTS if h.strip()]
    if parts.scheme != "https" or not any(host == h or host.endswith("." + h) for h in known):
        raise broken(_("This is not the address of a browser's push service."))
    return endpoint


def _key(size: int):
    """A key of `size` bytes, in URL-safe base64 (padding optional), as browsers give it."""

    def check(value: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            raise broken(_("This is not a key a browser gives."))
        return value

    return check


class PushKeysInput(Input):
    p256dh: Annotated[text(200), AfterValidator(_key(65))] = Field(
        description="The browser's P-256 public key (65 bytes, URL-safe base64)."
    )
    auth: Annotated[text(100), AfterValidator(_key(16))] = Field(
        description="The browser's authentication secret (16 bytes, URL-safe base64)."
    )


class PushSubscriptionInput(Input):
    """A browser's push subscription: where its push service takes messages for it, and the
    keys that encrypt them. Send what `PushSubscription.toJSON()` gives."""

    endpoint: Annotated[text(1000, min_length=1), AfterValidator(_push_service)] = Field(
        description="The push service's address for this browser (https)."
    )
    keys: PushKeysInput
    expirationTime: int | None = Field(  # noqa: N815 - the Push API's own name
        None, description="Ignored: browsers renew a subscription themselves."
    )


class PushEndpointInput(Input):
    """Which of the peer's browsers to forget: its subscription's endpoint."""

    endpoint: text(1000, min_length=1) = Field(
        description="The endpoint of the subscription to remove."
    )
