"""People's rights (GDPR) for chip in: the campaigns a person was the beneficiary of, the pledges
they made (by account or address), the share links that credit them, and the bank credits
that paid their pledges (see `tenancy.privacy` for the interface).

Erasure keeps every amount (the campaigns' totals, the pledges, the ledger) and drops the
words: a campaign's title becomes its code, its message and photo go and its beneficiary moves
to the stand-in account; a pledge loses its name, address, message and link; a share link no
longer credits anyone by name. What the bank statement said of a payment (the payer's name and
IBAN on a pledge, the bank's credit lines) is a payment record and is kept (see
`rewards.privacy`). A campaign still collecting for the person, or a pledge of theirs still in
flight, stops an erasure."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from peerarmy import photos
from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import by_email, rows, stand_in, words

from .models import CLOSED_STATUSES, HOLDING, BankCredit, Campaign, Pledge, ShareLink

TABLES = {
    "campaigns": gettext_lazy("The chip-in campaigns friends made for you."),
    "pledges": gettext_lazy("Your pledges to chip-in campaigns."),
    "share_links": gettext_lazy("Links that credit you for sharing a campaign."),
    "bank_credits": gettext_lazy("The bank transfers that paid your pledges."),
}


def _campaigns(business, user):
    if user is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(business=business, beneficiary=user)


def _pledges(business, user, emails):
    found = Q(pk__in=by_email(Pledge.objects.filter(business=business), emails))
    if user is not None:
        found |= Q(user=user)
    return Pledge.objects.filter(business=business).filter(found)


def _share_links(business, user, emails):
    """Links that credit the person: their own as a user or a peer, or their pledge's."""
    found = Q(pledge__in=_pledges(business, user, emails))
    peer = peer_of(business, user)
    if user is not None:
        found |= Q(user=user)
    if peer is not None:
        found |= Q(peer=peer)
    return ShareLink.objects.filter(business=business).filter(found)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    pledges = _pledges(business, user, emails)
    return {
        "campaigns": rows(
            _campaigns(business, user).order_by("created_at"),
            [
                "code",
                "title",
                "message",
                ("for", "beneficiary_name"),
                ("goal_cents", "goal_minor"),
                "currency",
                "deadline",
                ("pledged_cents", "pledged_minor"),
                ("received_cents", "received_minor"),
                ("shop_share_cents", "match_minor"),
                "status",
                "created_at",
                "closed_at",
            ],
        ),
        "pledges": rows(
            pledges.order_by("created_at"),
            [
                ("campaign", "campaign__code"),
                "name",
                "email",
                "anonymous",
                "message",
                ("amount_cents", "amount_minor"),
                "currency",
                "refund_choice",
                "reference",
                "status",
                ("received_cents", "received_minor"),
                "received_at",
                "payer_name",
                "payer_iban",
                "created_at",
            ],
        ),
        "share_links": rows(
            _share_links(business, user, emails).order_by("pk"),
            [("campaign", "campaign__code"), "kind", "name", "created_at"],
        ),
        "bank_credits": rows(
            BankCredit.objects.filter(business=business, pledge__in=pledges).order_by("pk"),
            [
                "booked_on",
                ("amount_cents", "amount_minor"),
                "currency",
                "debtor_name",
                "debtor_iban",
                "reference",
                "remittance",
                "status",
            ],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    found = set(_pledges(business, user, emails).values_list("name", flat=True))
    found |= set(_campaigns(business, user).values_list("beneficiary_name", flat=True))
    return {name for name in found if name}


def blockers(business, *, user, emails, now) -> list[str]:
    found = []
    if _campaigns(business, user).exclude(status__in=CLOSED_STATUSES).exists():
        found.append(_("A chip-in campaign for you is still open: it must close first."))
    if (
        _pledges(business, user, emails)
        .filter(status__in=HOLDING)
        .exclude(campaign__status__in=CLOSED_STATUSES)
        .exists()
    ):
        found.append(
            _("Your pledge to a campaign still collecting is in play: wait until it closes.")
        )
    return found


def erase(business, *, user, emails, now) -> int:
    changed = 0
    photos_gone = []
    links = list(_share_links(business, user, emails))  # before the pledges forget who
    for campaign in _campaigns(business, user):
        if campaign.photo:
            photos_gone.append(campaign.photo)
        campaign.title = words(business, gettext_lazy("Campaign %(code)s"), code=campaign.code)
        campaign.message = ""
        campaign.photo = ""
        campaign.beneficiary_name = words(business, gettext_lazy("Former customer"))
        campaign.beneficiary = stand_in(business, user)
        if campaign.started_by_id == user.pk:
            campaign.started_by = None
        campaign.save()
        changed += 1
    if user is not None:
        changed += Campaign.objects.filter(business=business, started_by=user).update(
            started_by=None
        )
    for pledge in _pledges(business, user, emails):
        pledge.name = words(business, gettext_lazy("Former friend"))
        pledge.email = ""
        pledge.message = ""
        pledge.user = None
        pledge.token_hash = ""  # its e-mailed link stops working
        pledge.save()
        changed += 1
    for link in links:
        link.name = words(business, gettext_lazy("a friend"))
        link.user = None
        link.save()
        changed += 1

    def forget_photos():
        with scopes_disabled():
            for name in photos_gone:
                if not Campaign.objects.filter(photo=name).exists():
                    photos.delete(name)

    if photos_gone:
        transaction.on_commit(forget_photos)
    return changed
