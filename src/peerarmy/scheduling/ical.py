"""Blocks as iCalendar (RFC 5545): a peer's private feed, a program's feed of open blocks, and
the one-event calendar attached to the claim e-mail.

- Every block is one VEVENT with a stable UID (`block-<id>@<host of SITE_URL>`), so a calendar
  that subscribed to the feed updates the event instead of adding a second one.
- DTSTART/DTEND are wall-clock times in the business's time zone with a TZID, and the calendar
  carries the matching VTIMEZONE (its daylight-saving rules for the years the blocks span).
- SEQUENCE is the block's `sequence` (raised by the services on every change). In a peer's
  feed it also counts that peer's own changes to the block (each claim after the first adds
  two, a release or cancellation one), so that "you released it" and "you claimed it again"
  are each newer than what the calendar last saw.
- A cancelled block, and a claim the peer released or the business cancelled, shows as
  STATUS:CANCELLED; released claims stay in the peer's feed for 30 days so that subscribed
  calendars remove them.
"""

from datetime import UTC, date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerarmy.money import format_money

from .models import Block, BlockStatus, Claim, ClaimStatus

PRODID = "-//peerarmy//scheduling//EN"
KEEP_RELEASED = timedelta(days=30)
KEEP_PAST = timedelta(days=90)
# Claim statuses in which the peer still holds (or held and worked) the block.
HOLDING = (ClaimStatus.ACTIVE, ClaimStatus.COMPLETED, ClaimStatus.NO_SHOW)


def uid_host():
    return urlsplit(settings.SITE_URL).hostname or "peerarmy.invalid"


def block_uid(block) -> str:
    return f"block-{block.pk}@{uid_host()}"


@lru_cache(maxsize=64)
def _vtimezone(tzid, first_year, last_year):
    from icalendar import Timezone  # a big library: loaded when a calendar is made

    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )


def _new_calendar(name, business):
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", business.timezone)
    return cal


def _finish(cal, business, events) -> bytes:
    """Add the VTIMEZONE first (for the years the events span), then the events."""
    if events:
        starts = [e.decoded("dtstart") for e in events] + [e.decoded("dtend") for e in events]
        first, last = min(starts).year, max(starts).year
        cal.add_component(_vtimezone(business.timezone, first - 1, last + 1))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def _place(block):
    if block.is_remote:
        return _("remote")
    return block.place_name or block.address


def _reward(block):
    parts = []
    if block.reward_minor:
        parts.append(format_money(block.reward_minor, block.reward_currency))
    if block.reward_points:
        parts.append(_("%(points)d points") % {"points": block.reward_points})
    return " + ".join(parts)


def block_event(block, *, status, sequence, url, now, modified=None):
    """One block as a VEVENT. Call it with the language the text should be in active."""
    from icalendar import Event

    business = block.business
    tz = business.tzinfo
    event = Event()
    event.add("uid", block_uid(block))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", timezone.localtime(block.starts_at, tz))
    event.add("dtend", timezone.localtime(block.ends_at, tz))
    title = str(block.program.title)
    place = _place(block)
    summary = _("%(program)s · %(place)s") % {"program": title, "place": place} if place else title
    event.add("summary", summary)
    if block.is_remote:
        event.add("location", _("remote"))
    else:
        location = ", ".join(x for x in (block.place_name, block.address) if x)
        if location:
            event.add("location", location)
        if block.has_coordinates:
            event.add("geo", (float(block.latitude), float(block.longitude)))
    lines = [business.name]
    reward = _reward(block)
    if reward:
        lines.append(_("Reward: %(reward)s") % {"reward": reward})
    if block.status == BlockStatus.CANCELLED:
        lines.append(_("This block was cancelled by %(business)s.") % {"business": business.name})
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("sequence", sequence)
    event.add("last-modified", (modified or block.updated_at).astimezone(UTC))
    event.add("status", status)
    return event


def _absolute(path):
    return settings.SITE_URL + path


def peer_page_url(business):
    return _absolute(reverse("web:me", kwargs={"business_slug": business.slug}))


def peer_language(peer):
    return peer.user.language or peer.business.default_language


def _peer_entries(claims):
    """One entry per block from the peer's claims on it (oldest first): the latest claim
    decides the status; SEQUENCE counts the peer's changes (see the module's docstring)."""
    by_block = {}
    for claim in claims:
        by_block.setdefault(claim.block_id, []).append(claim)
    entries = []
    for block_claims in by_block.values():
        latest = block_claims[-1]
        block = latest.block
        cancelled = block.status == BlockStatus.CANCELLED or latest.status in (
            ClaimStatus.RELEASED,
            ClaimStatus.CANCELLED,
        )
        sequence = block.sequence + 2 * (len(block_claims) - 1) + (1 if cancelled else 0)
        modified = max([block.updated_at] + [c.released_at or c.claimed_at for c in block_claims])
        status = "CANCELLED" if cancelled else "CONFIRMED"
        entries.append((block, status, sequence, modified, latest))
    entries.sort(key=lambda e: (e[0].starts_at, e[0].pk))
    return entries


def _peer_events(peer, claims, now, keep=None):
    url = peer_page_url(peer.business)
    return [
        block_event(block, status=status, sequence=sequence, url=url, now=now, modified=modified)
        for block, status, sequence, modified, latest in _peer_entries(claims)
        if keep is None or keep(latest, modified)
    ]


def _claims_qs(peer):
    return (
        Claim.objects.filter(business_id=peer.business_id, peer_id=peer.pk)
        .select_related("block__business", "block__program")
        .order_by("claimed_at", "pk")
    )


def peer_calendar(peer, *, now=None) -> bytes:
    """The peer's private feed: the blocks they hold or held (back to 90 days ago), and those
    they released or that were cancelled in the last 30 days, as STATUS:CANCELLED."""
    now = now or timezone.now()
    business = peer.business
    claims = list(_claims_qs(peer).filter(block__ends_at__gte=now - KEEP_PAST))

    def keep(latest, modified):
        held = latest.status in HOLDING and latest.block.status == BlockStatus.OPEN
        return held or modified >= now - KEEP_RELEASED

    with translation.override(peer_language(peer)):
        cal = _new_calendar(_("%(business)s: my blocks") % {"business": business.name}, business)
        return _finish(cal, business, _peer_events(peer, claims, now, keep))


def claim_calendar(claim, *, now=None) -> str:
    """The one-event calendar attached to the claim (or promotion) e-mail."""
    now = now or timezone.now()
    peer = claim.peer
    business = claim.block.business
    claims = list(_claims_qs(peer).filter(block_id=claim.block_id))
    for c in claims:  # the block the caller holds is the freshest read
        c.block = claim.block
    with translation.override(peer_language(peer)):
        cal = _new_calendar(str(claim.block.program.title), business)
        return _finish(cal, business, _peer_events(peer, claims, now)).decode()


def claim_attachment(claim) -> dict:
    return {
        "filename": "block.ics",
        "mimetype": "text/calendar",
        "content": claim_calendar(claim),
    }


def program_blocks(program, now):
    return (
        Block.objects.filter(
            business_id=program.business_id,
            program=program,
            status=BlockStatus.OPEN,
            released_at__lte=now,
            starts_at__gt=now,
        )
        .select_related("business", "program")
        .order_by("starts_at", "pk")
    )


def program_calendar(program, *, now=None) -> bytes:
    """A published program's feed: its open blocks that can be claimed now and have not
    started yet, in the active language."""
    now = now or timezone.now()
    business = program.business
    url = _absolute(
        reverse(
            "web:program_detail",
            kwargs={"business_slug": business.slug, "program_slug": program.slug},
        )
    )
    events = [
        block_event(block, status="CONFIRMED", sequence=block.sequence, url=url, now=now)
        for block in program_blocks(program, now)
    ]
    cal = _new_calendar(
        _("%(business)s: %(program)s") % {"business": business.name, "program": program.title},
        business,
    )
    return _finish(cal, business, events)
