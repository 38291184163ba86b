"""iCalendar (RFC 5545) of sharing: the feeds an owner subscribes to (an asset's bookings, a
peer's assets' bookings, the whole fleet's), and the one-event calendar a rider downloads from
their booking's page.

A feed's address carries a signed token (`django.core.signing`, salted for these feeds) that
names the business and what the feed shows; nothing is stored, and a token of one business
does not open another's feed. A feed shows the bookings that hold or held an asset
(confirmed, picked up, returned) from 30 days ago on: the asset's name and the booking's code,
never who rides. Times are in UTC; every booking is one VEVENT whose UID never changes, so a
subscribed calendar updates it instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound

from . import selectors
from .models import BookingStatus

SALT = "peerarmy.sharing.calendar"
PRODID = "-//peerarmy//sharing//EN"
KINDS = ("asset", "peer", "fleet")
SHOWN = (BookingStatus.CONFIRMED, BookingStatus.OUT, BookingStatus.RETURNED)
KEEP_PAST = timedelta(days=30)


def feed_token(business, kind: str, id=None) -> str:
    """The secret of a feed: `kind` "asset" (id: the asset's), "peer" (id: the owning
    peer's) or "fleet" (every asset of the business; no id)."""
    if kind not in KINDS:
        raise ValueError(f"unknown calendar feed {kind!r}")
    target = business.pk if kind == "fleet" else int(getattr(id, "pk", id))
    return signing.dumps([business.pk, kind, target], salt=SALT, compress=False)


def feed_url(business, kind: str, id=None) -> str:
    """The feed's whole address, for a calendar app to subscribe to."""
    path = reverse(
        "web:sharing_calendar",
        kwargs={"business_slug": business.slug, "token": feed_token(business, kind, id)},
    )
    return f"{settings.SITE_URL}{path}"


def read_token(business, token: str) -> tuple[str, int]:
    """(kind, id) of a feed's token of this business; `NotFound` for any other token."""
    try:
        business_id, kind, target = signing.loads(token, salt=SALT)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise NotFound() from exc
    if business_id != business.pk or kind not in KINDS or not isinstance(target, int):
        raise NotFound()
    return kind, target


def _uid(booking) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "peerarmy.invalid"
    return f"sharing-booking-{booking.pk}@{host}"


def _calendar(name):
    from icalendar import Calendar  # a big library: loaded when a calendar is made

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _place(asset) -> str:
    station = asset.station
    if station is not None:
        return f"{station.name}, {station.address}"
    return asset.position_note


def _event(booking, *, now, summary, description="", url=""):
    from icalendar import Event

    event = Event()
    event.add("uid", _uid(booking))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", booking.starts_at.astimezone(UTC))
    event.add("dtend", booking.ends_at.astimezone(UTC))
    event.add("summary", summary)
    place = _place(booking.asset)
    if place:
        event.add("location", place)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CONFIRMED")
    return event


def _feed_bookings(business, kind, target, now):
    rows = selectors.bookings(business, start=now - KEEP_PAST, statuses=SHOWN)
    if kind == "asset":
        return [b for b in rows if b.asset_id == target]
    if kind == "peer":
        return [b for b in rows if b.asset.owner_peer_id == target]
    return list(rows)


def _feed_name(business, kind, bookings):
    if kind == "asset" and bookings:
        return _("%(business)s: %(asset)s") % {
            "business": business.name,
            "asset": bookings[0].asset.name,
        }
    return _("%(business)s: bookings") % {"business": business.name}


def feed_ics(business, kind: str, target: int, *, now=None) -> bytes:
    """The feed: one event per booking that holds or held the asset, from 30 days ago on."""
    now = now or timezone.now()
    bookings = _feed_bookings(business, kind, target, now)
    cal = _calendar(_feed_name(business, kind, bookings))
    for booking in bookings:
        summary = _("%(asset)s: booked") % {"asset": booking.asset.name}
        description = _("Booking %(code)s") % {"code": booking.code}
        cal.add_component(
            _event(booking, now=now, summary=f"{summary} ({booking.code})", description=description)
        )
    return cal.to_ical()


def booking_ics(business, booking, *, url="", now=None) -> bytes:
    """The rider's one-event calendar of their booking: the asset, where to pick it up, the
    booking's code and its page."""
    now = now or timezone.now()
    cal = _calendar(business.name)
    summary = _("%(asset)s at %(business)s") % {
        "asset": booking.asset.name,
        "business": business.name,
    }
    lines = [_("Booking %(code)s") % {"code": booking.code}]
    if url:
        lines.append(url)
    cal.add_component(
        _event(booking, now=now, summary=summary, description="\n".join(lines), url=url)
    )
    return cal.to_ical()
