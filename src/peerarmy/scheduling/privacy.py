"""People's rights (GDPR) for scheduling: the blocks a peer claimed and what became of each,
their waitlists, swap offers, late releases and no-shows, and their private calendar feed (see
`tenancy.privacy` for the interface).

The claims stay (the rewards and the shop's records of work done point at them) on the peer
that erasure anonymises; what was still waiting (a place on a waitlist, a swap offered) ends,
and the calendar feed's secret address stops working. Blocks still to come stop an erasure:
someone is expected there."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import rows

from .models import (
    CalendarFeed,
    Claim,
    ClaimStatus,
    ReliabilityEvent,
    SwapOffer,
    SwapStatus,
    WaitlistEntry,
    WaitlistStatus,
)

TABLES = {
    "claims": _("The blocks of work you claimed, and whether you did them."),
    "waitlists": _("The waitlists you joined."),
    "swap_offers": _("The blocks you offered to another peer, or were offered."),
    "reliability_events": _("Late releases and no-shows on your record."),
    "calendar_feeds": _("Your private calendar addresses (never the address itself)."),
}


def export(business, *, user, emails) -> dict[str, list[dict]]:
    peer = peer_of(business, user)
    if peer is None:
        return {label: [] for label in TABLES}
    block = [
        ("program", "block__program__title_en"),
        ("place", "block__place_name"),
        ("address", "block__address"),
    ]
    return {
        "claims": rows(
            Claim.objects.filter(business=business, peer=peer).order_by("starts_at", "pk"),
            [
                ("id", "pk"),
                *block,
                "starts_at",
                "ends_at",
                "status",
                "claimed_at",
                "released_at",
                "released_late",
                "checked_in_at",
                "checked_out_at",
            ],
        ),
        "waitlists": rows(
            WaitlistEntry.objects.filter(business=business, peer=peer).order_by("created_at"),
            [*block, ("block_starts", "block__starts_at"), "status", "created_at", "decided_at"],
        ),
        "swap_offers": rows(
            SwapOffer.objects.filter(business=business)
            .filter(Q(from_peer=peer) | Q(to_peer=peer))
            .order_by("created_at"),
            [("claim", "claim_id"), "status", "created_at", "expires_at", "decided_at"],
        ),
        "reliability_events": rows(
            ReliabilityEvent.objects.filter(business=business, peer=peer).order_by("created_at"),
            ["kind", *block, ("block_starts", "block__starts_at"), "created_at"],
        ),
        "calendar_feeds": rows(
            CalendarFeed.objects.filter(business=business, peer=peer).order_by("created_at"),
            ["created_at", "revoked_at"],
        ),
    }


def blockers(business, *, user, emails, now) -> list[str]:
    peer = peer_of(business, user)
    if peer is None:
        return []
    ahead = Claim.objects.filter(
        business=business, peer=peer, status=ClaimStatus.ACTIVE, ends_at__gt=now
    ).count()
    if not ahead:
        return []
    return [
        ngettext(
            "You hold %(count)d block still to come: release it (or ask the shop to) first.",
            "You hold %(count)d blocks still to come: release them (or ask the shop to) first.",
            ahead,
        )
        % {"count": ahead}
    ]


def erase(business, *, user, emails, now) -> int:
    peer = peer_of(business, user)
    if peer is None:
        return 0
    changed = CalendarFeed.objects.filter(business=business, peer=peer).delete()[0]
    changed += WaitlistEntry.objects.filter(
        business=business, peer=peer, status=WaitlistStatus.WAITING
    ).update(status=WaitlistStatus.LEFT, decided_at=now)
    changed += (
        SwapOffer.objects.filter(business=business, status=SwapStatus.PENDING)
        .filter(Q(from_peer=peer) | Q(to_peer=peer))
        .update(status=SwapStatus.WITHDRAWN, decided_at=now)
    )
    return changed
