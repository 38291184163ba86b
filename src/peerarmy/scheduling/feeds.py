"""A peer's private calendar feed: a secret URL they can subscribe to, replace or revoke.

Only the SHA-256 of the secret token is stored (`CalendarFeed.token_hash`), so a copy of the
database alone does not open anybody's feed. The token itself is an HMAC, keyed with the
installation's SECRET_KEY, of the feed's business, peer and creation time: that lets the
peer's page show the same URL again (`get_or_create_feed_url`) without storing it. Changing
SECRET_KEY invalidates every feed URL; `get_or_create_feed_url` then hands out a new one.

For the peer's blocks page (`/me/blocks/`, the "My calendar" box):
- `feed_url_of(peer)` → the absolute URL of the peer's working feed, or None (a read);
- `get_or_create_feed_url(peer)` → an Outcome with that URL, the feed made now if the peer had
  none (`created`);
- `regenerate_feed(peer)` → revokes the current URL; the Outcome holds the new one;
- `revoke_feed(peer)` → the URL stops working; the Outcome holds the feed stopped, or None.
Only an active peer gets, renews or stops a feed (`services.check_active`).
"""

import base64
import hashlib
import hmac
from datetime import UTC

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from peerarmy.inputs import Outcome
from peerarmy.peers.models import Peer

from .models import CalendarFeed
from .services import check_active

MAX_TOKEN_LENGTH = 100


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _token_for(feed) -> str:
    message = f"peerarmy.calendar-feed|{feed.business_id}|{feed.peer_id}|"
    message += feed.created_at.astimezone(UTC).isoformat()
    digest = hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def feed_url(business, raw_token) -> str:
    path = reverse("web:peer_calendar", kwargs={"business_slug": business.slug, "token": raw_token})
    return settings.SITE_URL + path


def active_feed(peer):
    return CalendarFeed.objects.filter(
        business_id=peer.business_id, peer_id=peer.pk, revoked_at__isnull=True
    ).first()


def _working_url(peer, feed) -> str | None:
    raw = _token_for(feed)
    if hmac.compare_digest(hash_token(raw), feed.token_hash):
        return feed_url(peer.business, raw)
    return None  # SECRET_KEY changed: this URL no longer works


def feed_url_of(peer) -> str | None:
    """The absolute URL of the peer's feed if they have one that works; nothing is made."""
    feed = active_feed(peer)
    return None if feed is None else _working_url(peer, feed)


def _lock(peer):
    Peer.objects.select_for_update(of=("self",)).filter(pk=peer.pk).first()


def _create(peer) -> str:
    # The hash depends on the stored creation time, so the row is written, read back, and
    # only then given its hash (a unique placeholder until then).
    feed = CalendarFeed.objects.create(
        business_id=peer.business_id, peer_id=peer.pk, token_hash=hash_token(f"new-{peer.pk}")
    )
    feed.refresh_from_db(fields=["created_at"])
    raw = _token_for(feed)
    feed.token_hash = hash_token(raw)
    feed.save(update_fields=["token_hash"])
    return raw


def _revoke_active(peer, now):
    return CalendarFeed.objects.filter(
        business_id=peer.business_id, peer_id=peer.pk, revoked_at__isnull=True
    ).update(revoked_at=now)


def get_or_create_feed_url(peer) -> Outcome[str]:
    """The absolute URL of the peer's active feed; a new feed (`created`) if they have none,
    or none that works."""
    check_active(peer)
    with transaction.atomic():
        _lock(peer)
        feed = active_feed(peer)
        if feed is not None:
            url = _working_url(peer, feed)
            if url is not None:
                return Outcome(url)
            # SECRET_KEY changed: this URL no longer works anyway; give a new one.
            _revoke_active(peer, timezone.now())
        return Outcome(feed_url(peer.business, _create(peer)), created=True)


def regenerate_feed(peer) -> Outcome[str]:
    """Revoke the peer's current feed URL (if any); the Outcome holds the new one."""
    check_active(peer)
    for attempt in range(2):
        try:
            with transaction.atomic():
                _lock(peer)
                _revoke_active(peer, timezone.now())
                return Outcome(feed_url(peer.business, _create(peer)), created=True)
        except IntegrityError:
            # Two regenerations at the same microsecond: try once more.
            if attempt:
                raise
    raise AssertionError("unreachable")


def revoke_feed(peer) -> Outcome[CalendarFeed | None]:
    """Stop the peer's feed URL from working; the Outcome holds the feed stopped (None if
    there was none)."""
    check_active(peer)
    with transaction.atomic():
        _lock(peer)
        feed = active_feed(peer)
        if feed is None:
            return Outcome(None)
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        return Outcome(feed)


def peer_for_feed_token(business, token):
    """The peer whose active feed of `business` has this token, or None."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.filter(
            business=business, token_hash=hash_token(token), revoked_at__isnull=True
        )
        .select_related("peer__user", "peer__business")
        .first()
    )
    return feed.peer if feed is not None else None
