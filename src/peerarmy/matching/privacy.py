"""People's rights (GDPR) for matching: a visitor's requests for a local (by their address) and
a peer's matching profile, availability, days off and the meetings proposed to them (see
`tenancy.privacy` for the interface).

Erasure keeps each request and match (the shop's figures and the peer's record of meetings
count them) but drops every word that names or describes the visitor: name ("Former visitor"),
address, phone, where to meet (its position kept to about a kilometre), needs and note; the request's link stops working. A peer's
profile, weekly hours and days off go, and so do the visitors they asked never to meet again
(those addresses are other people's data). Meetings still to come stop an erasure."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import by_email, rows, words

from .models import (
    DayOff,
    Match,
    MatchingProfile,
    MatchRequest,
    MatchStatus,
    PairBlock,
    RequestStatus,
    WeeklyAvailability,
    new_token,
)

TABLES = {
    "requests": gettext_lazy("Your requests for a local, as you made them."),
    "matching_profile": gettext_lazy("Whether you take visitors' requests, and which."),
    "weekly_hours": gettext_lazy("The hours you are free each week."),
    "days_off": gettext_lazy("Your days off."),
    "meetings": gettext_lazy("The meetings with visitors proposed to you, and what you answered."),
    "visitors_blocked": gettext_lazy("Visitors you asked never to be matched with again."),
}

LIVE_REQUESTS = (RequestStatus.OPEN, RequestStatus.PROPOSED, RequestStatus.MATCHED)
LIVE_MATCHES = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED)


def _rounded(degrees):
    return None if degrees is None else round(Decimal(degrees), 2)


def requests_of(business, emails):
    return by_email(MatchRequest.objects.filter(business=business), emails)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    found = {
        "requests": rows(
            requests_of(business, emails).order_by("created_at", "pk"),
            [
                ("program", "program__title_en"),
                "status",
                "name",
                "email",
                "phone",
                "language",
                "starts_at",
                "ends_at",
                "airport",
                "meeting_address",
                "latitude",
                "longitude",
                "group_size",
                "languages",
                "interests",
                "accessibility",
                "note",
                "created_at",
                "confirmed_at",
                "cancelled_at",
            ],
        )
    }
    peer = peer_of(business, user)
    if peer is None:
        return {**{label: [] for label in TABLES}, **found}
    return {
        **found,
        "matching_profile": rows(
            MatchingProfile.objects.filter(business=business, peer=peer),
            ["accepting", "max_per_week", "interests", "phone"],
        ),
        "weekly_hours": rows(
            WeeklyAvailability.objects.filter(business=business, peer=peer).order_by(
                "weekday", "starts"
            ),
            ["weekday", "starts", "ends"],
        ),
        "days_off": rows(
            DayOff.objects.filter(business=business, peer=peer).order_by("first"),
            ["first", "last", "note"],
        ),
        "meetings": rows(
            Match.objects.filter(business=business, peer=peer).order_by("meets_at", "pk"),
            [
                ("program", "program__title_en"),
                "status",
                "meets_at",
                "ends_at",
                "respond_by",
                "perks",
                "decline_reason",
                "cancelled_by",
                "responded_at",
                "completed_at",
            ],
        ),
        # who they blocked is someone else's address: only that and when they did
        "visitors_blocked": rows(
            PairBlock.objects.filter(business=business, peer=peer, by_peer=True),
            ["created_at"],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    return {name for name in requests_of(business, emails).values_list("name", flat=True) if name}


def blockers(business, *, user, emails, now) -> list[str]:
    found = []
    if requests_of(business, emails).filter(status__in=LIVE_REQUESTS, ends_at__gt=now).exists():
        found.append(_("Your request for a local is still open: cancel it from its page first."))
    peer = peer_of(business, user)
    if (
        peer is not None
        and Match.objects.filter(
            business=business, peer=peer, status__in=LIVE_MATCHES, ends_at__gt=now
        ).exists()
    ):
        found.append(
            _("A meeting with a visitor is still to come: cancel it, or wait until it is over.")
        )
    return found


def erase(business, *, user, emails, now) -> int:
    changed = 0
    requests = list(requests_of(business, emails))
    for request in requests:
        request.name = words(business, gettext_lazy("Former visitor"))
        request.email = ""
        request.phone = ""
        request.airport = ""
        request.meeting_address = ""
        # the meeting point to about a kilometre (the column must hold one): a town, not a door
        request.latitude = _rounded(request.latitude)
        request.longitude = _rounded(request.longitude)
        request.languages = []
        request.interests = []
        request.accessibility = ""
        request.note = ""
        request.token = new_token()  # the e-mailed link stops working
        request.save()
        changed += 1
    changed += (
        Match.objects.filter(business=business, request__in=requests)
        .exclude(decline_reason="")
        .update(decline_reason="")
    )
    changed += by_email(PairBlock.objects.filter(business=business), emails).delete()[0]
    peer = peer_of(business, user)
    if peer is None:
        return changed
    for model in (MatchingProfile, WeeklyAvailability, DayOff, PairBlock):
        changed += model.objects.filter(business=business, peer=peer).delete()[0]
    changed += (
        Match.objects.filter(business=business, peer=peer)
        .exclude(decline_reason="")
        .update(decline_reason="")
    )
    return changed
