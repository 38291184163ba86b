"""Every change in spread: making a peer's (or the shop's) share links, counting a visit,
remembering which link a person came through, and crediting links with sign-ups,
applications and first orders.

The rules of credit, in one place:
- only an **active** peer's link earns credit (the shop's own links count too, for the owner's
  figures, but pay nobody); a link keeps opening its page whatever its peer's status;
- **nobody is credited for themselves**: a peer opening their own link is not a visit, and
  their own sign-up, application or order is never credited to their link;
- the **last link** a browser opened in the business, within 30 days, gets the credit;
- a **first order** converts when the person's very first counted order (paid, not cancelled)
  was placed after the sign-up or application it is credited to (a day's slack, for exports
  that give dates without a time) and within `selectors.CONVERSION_DAYS` of it; once per
  person, whatever the number of imports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from peerarmy import events
from peerarmy.codes import unique_code

from . import rules, selectors
from .cookies import REF_DAYS
from .models import Attribution, AttributionKind, LinkDay, ShareLink, TargetKind, Touch

CONVERTED = "referral.converted"
CODE_LENGTH = 7


def email_hash(email: str) -> str:
    return hashlib.sha256(str(email or "").strip().lower().encode()).hexdigest() if email else ""


# --- links -----------------------------------------------------------------------------------


def _new_link(business, peer, kind, target_id) -> ShareLink:
    try:
        with transaction.atomic():
            return ShareLink.objects.create(
                business=business,
                peer=peer,
                kind=kind,
                target_id=target_id,
                code=unique_code(ShareLink, business, length=CODE_LENGTH),
            )
    except IntegrityError:
        # made at the same moment by another request (or the code was taken meanwhile)
        found = selectors.links_of(business, peer=peer, shop=peer is None).get((kind, target_id))
        if found is None:
            raise
        return found


def ensure_links(business, peer, keys) -> dict[tuple[str, int], ShareLink]:
    """The links of `peer` (None: the shop's own) for these (kind, target id) pages, made on
    first use: a link never changes once shared."""
    have = selectors.links_of(business, peer=peer, shop=peer is None)
    for kind, target_id in keys:
        if (kind, target_id) not in have:
            have[(kind, target_id)] = _new_link(business, peer, kind, target_id)
    return have


def link_for(business, peer, kind=TargetKind.LANDING, target_id=0) -> ShareLink:
    return ensure_links(business, peer, [(kind, target_id)])[(kind, target_id)]


@dataclass
class SharePage:
    """What a peer can share, each page with its link."""

    rows: list[tuple[selectors.Target, ShareLink]]


def share_page(business, peer) -> SharePage:
    """The pages an active peer can share now, each with their own link (made on first use)."""
    targets = selectors.share_targets(business)
    links = ensure_links(business, peer, [t.key for t in targets])
    return SharePage([(t, links[t.key]) for t in targets])


def shop_link(business) -> ShareLink:
    """The shop's own link to its page: the counter poster's QR code."""
    return link_for(business, None)


# --- opening a link --------------------------------------------------------------------------


def _may_credit(link, user) -> bool:
    """Whether a person's step through `link` is credited to it: the link's peer is active,
    and is not the person."""
    from peerarmy.peers.models import PeerStatus

    if link.peer_id is None:
        return True
    if link.peer.status != PeerStatus.ACTIVE:
        return False
    return user is None or link.peer.user_id != user.pk


def is_own_link(link, user) -> bool:
    return bool(
        user is not None and user.is_authenticated and link.peer_id and link.peer.user_id == user.pk
    )


@dataclass(frozen=True)
class Opened:
    path: str  # where to send the browser
    counted: bool  # a visit was counted
    remember: bool  # the browser keeps the link for credit (the cookie)


def open_link(business, link, *, user=None, first_today=True, now=None) -> Opened:
    """Someone opened a link: count the visit (once a day per browser; never the link's own
    peer), remember it for a signed-in account, and say where to go. A page no longer online
    opens the shop's page."""
    now = now or timezone.now()
    path = destination(business, link) or reverse(
        "web:landing", kwargs={"business_slug": business.slug}
    )
    if is_own_link(link, user):
        return Opened(path, counted=False, remember=False)
    signed_in = user is not None and user.is_authenticated
    with transaction.atomic():
        if first_today:
            record_visit(business, link, timezone.localdate(now, business.tzinfo))
        if signed_in and _may_credit(link, user):
            note_touch(business, link, user, now)
    return Opened(
        path, counted=first_today, remember=_may_credit(link, user if signed_in else None)
    )


def destination(business, link) -> str | None:
    """The page a link opens now; a campaign's chip-in page carries who shared it (`?da=`),
    so that a pledge made there is credited to the peer by chip-in itself."""
    if link.kind != TargetKind.CAMPAIGN:
        return selectors.destination(business, link)
    campaign = selectors.campaign_of_link(business, link)
    if campaign is None:
        return None
    path = reverse(
        "web:chipin_campaign", kwargs={"business_slug": business.slug, "code": campaign.code}
    )
    if link.peer_id is None:
        return path
    from peerarmy.chipin import services as chipin
    from peerarmy.chipin.models import SharerKind

    shared = chipin.share_link(business, campaign, kind=SharerKind.PEER, peer=link.peer)
    return f"{path}?{urlencode({'da': shared.token})}"


def record_visit(business, link, day) -> None:
    """One more visit of `link` on `day` (one counter row per link and day)."""
    rows = LinkDay.objects.filter(business=business, link=link, day=day)
    if rows.update(visits=F("visits") + 1):
        return
    try:
        with transaction.atomic():
            LinkDay.objects.create(business=business, link=link, day=day, visits=1)
    except IntegrityError:
        rows.update(visits=F("visits") + 1)


def note_touch(business, link, user, at) -> None:
    """Remember the last link a signed-in account came through (for an application later)."""
    Touch.objects.update_or_create(business=business, user=user, defaults={"link": link, "at": at})


# --- credit ----------------------------------------------------------------------------------


def _credit(business, link, kind, user, at, *, peer=None) -> Attribution | None:
    """Credit `link` with a person's step, once per person and kind."""
    if selectors.attribution_of(business, kind, user) is not None:
        return None
    try:
        with transaction.atomic():
            return Attribution.objects.create(
                business=business,
                link=link,
                kind=kind,
                user=user,
                peer=peer,
                email_hash=email_hash(user.email),
                at=at,
            )
    except IntegrityError:  # credited at the same moment by another request
        return None


def credit_signup(business, link_id, user, *, now=None) -> Attribution | None:
    """A new account was made by a browser that came through `link_id` (the cookie)."""
    now = now or timezone.now()
    link = selectors.link_by_id(business, link_id)
    if link is None or not _may_credit(link, user):
        return None
    with transaction.atomic():
        note_touch(business, link, user, now)
        return _credit(business, link, AttributionKind.SIGNUP, user, now)


def credit_login(business, link_id, user, *, now=None) -> None:
    """A person signed in with a share link's cookie: their account remembers the link."""
    now = now or timezone.now()
    link = selectors.link_by_id(business, link_id)
    if link is not None and _may_credit(link, user):
        note_touch(business, link, user, now)


def credit_application(business, peer, *, now=None) -> Attribution | None:
    """A person applied to the army: credited to the last link their account came through
    in the last 30 days (from the sign-up, a sign-in or an opened link)."""
    now = now or timezone.now()
    touch = selectors.recent_touch(business, peer.user, now - timedelta(days=REF_DAYS))
    if touch is None or not _may_credit(touch.link, peer.user):
        return None
    return _credit(business, touch.link, AttributionKind.APPLICATION, peer.user, now, peer=peer)


# --- first orders ----------------------------------------------------------------------------


def convert_first_orders(business, *, now=None) -> list[Attribution]:
    """Credit the first orders that imports brought: each person credited with a sign-up or an
    application whose first counted order came after it, once. Publishes `referral.converted`
    for a peer's link, in the same transaction, so that reward rules pay the referrer."""
    now = now or timezone.now()
    waiting = selectors.waiting_for_first_order(
        business, now - timedelta(days=selectors.CONVERSION_DAYS)
    )
    if not waiting:
        return []
    people: dict[int, list[Attribution]] = {}
    for credited in waiting:
        people.setdefault(credited.user_id, []).append(credited)
    orders = selectors.first_orders(business, [c.user.email for c in waiting])
    made = []
    for credits in people.values():
        user = credits[0].user
        order = orders.get(user.email.lower())
        if order is None:
            continue
        source = rules.credited_step(
            [(rules.Credit(c.at, c.pk), c) for c in credits],
            order.placed_at,
            timedelta(days=selectors.CONVERSION_DAYS),
        )
        if source is None:
            continue  # a customer before the links brought them, or long after
        converted = _convert(business, source, user, order, now)
        if converted is not None:
            made.append(converted)
    return made


def _convert(business, source, user, order, now) -> Attribution | None:
    try:
        with transaction.atomic():
            converted = Attribution.objects.create(
                business=business,
                link=source.link,
                kind=AttributionKind.FIRST_ORDER,
                user=user,
                customer_id=order.customer_id,
                email_hash=email_hash(order.email),
                source=source,
                order_total_minor=order.total_minor,
                currency=order.currency,
                first_order_at=order.placed_at,
                at=now,
            )
            if converted.link.peer_id is not None:
                _publish(business, converted, order)
            return converted
    except IntegrityError:  # already credited (another import at the same moment)
        return None


def _publish(business, converted: Attribution, order) -> None:
    link = converted.link
    events.publish(
        business,
        CONVERTED,
        key=f"{CONVERTED}:{converted.pk}",
        payload={
            "peer_id": link.peer_id,
            "link_id": link.pk,
            "customer_id": order.customer_id,
            "order_total_minor": order.total_minor,
            "currency": order.currency,
            "converted_at": _iso(converted.at),
            "first_order_at": _iso(order.placed_at),
            "program_id": selectors.program_of_link(business, link),
        },
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()
