"""Fetching the pictures the products' import found (`Product.image_source`, Shopify's CDN)
into the products' own photos, in the background.

A picture is fetched over http or https only, within 10 seconds, and at most 10 MB of it is
read (the download stops there); then it goes the way of every picture people upload
(`peerarmy.photos`: upright, shrunk, without metadata, WebP). The address must lead to a
public host: a file naming an address inside the installation's network (the cloud's
metadata service, the database) is refused before any connection, and so is a redirect there.

A failure (the network, a page that is not a picture) is logged with the product's id and the
reason, never the address, and leaves the product without a photo and its `image_source`
kept: the product is tried again once its `updated_at` is a day old, since a failure touches
it (a failure in the first second of a product's life marks it two seconds after its
creation). A product never touched since the import created it is tried at once.
"""

import ipaddress
import logging
import socket
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scope
from django_tasks import task

from peerarmy import photos

from .models import Product
from .services import PRODUCT_PHOTO

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_BYTES = photos.MAX_UPLOAD_BYTES  # 10 MB
CHUNK = 64 * 1024
RETRY_AFTER = timedelta(days=1)
# A product whose updated_at is this close to its created_at was never changed after the
# import created it (the two clocks are read one after the other in the same INSERT).
UNTOUCHED = timedelta(seconds=1)
SCHEMES = ("http", "https")
USER_AGENT = "peerarmy (product pictures)"


class FetchFailed(Exception):
    """Why a picture was not fetched, in an engineer's words for the log (no address)."""


def _allow_private() -> bool:
    """Tests (a server on 127.0.0.1) and an installation that serves its own pictures on
    its network set CHIPIN_PICTURES_ALLOW_PRIVATE."""
    return bool(getattr(settings, "CHIPIN_PICTURES_ALLOW_PRIVATE", False))


def _check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise FetchFailed("not an http or https address")
    if _allow_private():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"the host cannot be resolved ({type(exc).__name__})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise FetchFailed("the host is not on the public internet")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another public http(s) address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def download(url: str, *, timeout=TIMEOUT_SECONDS, max_bytes=MAX_BYTES) -> bytes:
    """The bytes at `url`, read in chunks and given up past `max_bytes`; raises FetchFailed."""
    _check_address(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - http(s) only, checked above
    try:
        with _opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchFailed("larger than the limit (Content-Length)")
            parts, size = [], 0
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchFailed("larger than the limit")
                parts.append(chunk)
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None)
        raise FetchFailed(f"network: {type(reason or exc).__name__}") from exc
    return b"".join(parts)


def due(business_id, *, now=None):
    """The business's products with a picture to fetch and not tried in the last day."""
    now = now or timezone.now()
    return (
        Product.objects.filter(business_id=business_id, photo="")
        .exclude(image_source="")
        .filter(
            Q(updated_at__lte=now - RETRY_AFTER) | Q(updated_at__lte=F("created_at") + UNTOUCHED)
        )
        .order_by("id")
    )


def fetch_one(product) -> bool:
    """Fetch one product's picture into its photo; False (logged) when it fails."""
    try:
        data = download(product.image_source)
        name = photos.store("products", photos.process(data, PRODUCT_PHOTO))
    except FetchFailed as exc:
        reason = str(exc)
    except photos.PhotoError:
        reason = "not a picture that can be used"
    else:
        # Only if nobody set a photo or changed the address meanwhile.
        Product.objects.filter(pk=product.pk, photo="", image_source=product.image_source).update(
            photo=name, updated_at=timezone.now()
        )
        return True
    log.warning(
        "picture of product %s (business %s) not fetched: %s; tried again in a day",
        product.pk,
        product.business_id,
        reason,
    )
    # Marked as tried: past the window in which it would still look untouched since created.
    tried = max(timezone.now(), product.created_at + 2 * UNTOUCHED)
    Product.objects.filter(pk=product.pk).update(updated_at=tried)
    return False


@task()
def fetch_product_pictures(business_id: int, limit: int = 50) -> int:
    """Fetch up to `limit` due pictures of the business's products; how many were fetched."""
    fetched = 0
    with scope(business=business_id):
        for product in list(due(business_id)[:limit]):
            fetched += fetch_one(product)
    return fetched
