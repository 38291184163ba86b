"""The words of a new-work message: one e-mail and one web push per peer and sweep, in the
peer's language and on the business's clock, listing the blocks they can claim and the
visitors near them who wait for a local, each with its link, and the link to change or stop
these messages."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy.formats import short_moment
from peerarmy.money import format_money
from peerarmy.notifications.services import render_email
from peerarmy.scheduling import rules

# An e-mail lists this many items; the rest are one link away.
MAX_LISTED = 20


@dataclass
class Item:
    """One piece of work as the message shows it."""

    kind: str  # "block" or "request"
    title: str
    when: str
    where: str
    reward: str
    path: str  # on this site; `url` is the address an e-mail gives
    starts_at: datetime

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path


def _path(business, name) -> str:
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug})


def _distance(peer, latitude, longitude) -> str:
    if peer.latitude is None or peer.longitude is None or latitude is None or longitude is None:
        return ""
    km = rules.haversine_km(peer.latitude, peer.longitude, latitude, longitude)
    return _("about %(km)s km from you") % {"km": number_format(km, decimal_pos=1)}


def _when(starts_at, ends_at, tz) -> str:
    start, end = timezone.localtime(starts_at, tz), timezone.localtime(ends_at, tz)
    if start.date() == end.date():
        return f"{short_moment(start, year=False)}–{end:%H:%M}"
    return f"{short_moment(start, year=False)} – {short_moment(end, year=False)}"


def block_item(peer, block) -> Item:
    business = block.business
    tz = business.tzinfo
    if block.is_remote:
        where = _("Remote")
    else:
        place = block.place_name or block.address
        distance = _distance(peer, block.latitude, block.longitude)
        where = ", ".join(part for part in (place, distance) if part)
    reward = []
    if block.reward_minor:
        reward.append(format_money(block.reward_minor, block.reward_currency or business.currency))
    if block.reward_points:
        reward.append(_("%(points)d points") % {"points": block.reward_points})
    day = timezone.localtime(block.starts_at, tz).date().isoformat()
    return Item(
        kind="block",
        title=block.program.title,
        when=_when(block.starts_at, block.ends_at, tz),
        where=where,
        reward=" + ".join(reward),
        path=_path(business, "my_blocks") + f"?day={day}#block-{block.pk}",
        starts_at=block.starts_at,
    )


def request_item(peer, match_request) -> Item:
    # Who asked stays private until a local accepts: the program, the time and how far.
    business = match_request.business
    people = ngettext("%(n)d person", "%(n)d people", match_request.group_size) % {
        "n": match_request.group_size
    }
    distance = _distance(peer, match_request.latitude, match_request.longitude)
    return Item(
        kind="request",
        title=match_request.program.title,
        when=_when(match_request.starts_at, match_request.ends_at, business.tzinfo),
        where=", ".join(part for part in (people, distance) if part),
        reward="",
        path=_path(business, "me_matching"),
        starts_at=match_request.starts_at,
    )


@dataclass
class Message:
    subject: str
    body_text: str
    push: dict  # {"title", "body", "url" (a path on this site), "tag"} for the service worker


def new_work_message(peer, business, blocks, requests, *, language, digest) -> Message:
    """The message about `blocks` and `requests` (lists of model objects, each by start) for
    `peer`. Only the items shown are put in words: a peer may have a hundred offers."""
    with translation.override(language), timezone.override(business.tzinfo):
        listed_blocks = [block_item(peer, block) for block in blocks[:MAX_LISTED]]
        listed_requests = [
            request_item(peer, r) for r in requests[: max(MAX_LISTED - len(listed_blocks), 0)]
        ]
        # The push names the earliest of all (a block first on a tie).
        heads = listed_blocks[:1] + (
            listed_requests[:1] or [request_item(peer, r) for r in requests[:1]]
        )
        first = min(heads, key=lambda item: item.starts_at)
        count = len(blocks) + len(requests)
        more = count - len(listed_blocks) - len(listed_requests)
        context = {
            "peer": peer,
            "digest": digest,
            "blocks": listed_blocks,
            "requests": listed_requests,
            "more": more,
            "blocks_url": settings.SITE_URL + _path(business, "my_blocks"),
            "availability_url": settings.SITE_URL + _path(business, "me_matching"),
            "settings_url": settings.SITE_URL + _path(business, "me_notifications"),
        }
        subject, body = render_email(
            business=business,
            template="offers/email/new_work",
            context={**context, "count": count},
            language=language,
        )
        if count == 1 and first.kind == "block":
            title = _("New block: %(program)s") % {"program": first.title}
        elif count == 1:
            title = _("A visitor near you is looking for a local")
        else:
            title = ngettext(
                "%(n)d new offer of work at %(business)s",
                "%(n)d new offers of work at %(business)s",
                count,
            ) % {"n": count, "business": business.name}
        summary = " · ".join(part for part in (first.title, first.when, first.where) if part)
        if count > 1:
            summary += " " + ngettext("and %(n)d more", "and %(n)d more", count - 1) % {
                "n": count - 1
            }
        if count == 1:
            path = first.path
        else:
            path = _path(business, "my_blocks" if blocks else "me_matching")
    return Message(
        subject=subject,
        body_text=body,
        push={"title": title, "body": summary, "url": path, "tag": f"new-work-{business.slug}"},
    )
