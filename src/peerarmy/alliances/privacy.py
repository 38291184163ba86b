"""A person's data in alliances, for the privacy app: what they chose to share with the
partners of a business (`AllianceConsent`), and the applications that reached a business
through its alliance with the facts they brought (`AllianceApplication`).

Both belong to the business that holds them: a consent to the business the person is a peer
of, an application to the partner that received it. Erasing the person at one business
therefore forgets only that business's rows; an application they made elsewhere is the
other business's to erase."""

from django.db import transaction
from django.db.models import Q
from django_scopes import scope

from peerarmy.peers.models import Peer

from .models import AllianceApplication, AllianceConsent


def _peer_ids(business, user, emails) -> list[int]:
    who = Q(user__email__in=sorted(emails)) if emails else Q(pk__in=[])
    if user is not None:
        who |= Q(user_id=user.pk)
    return list(Peer.objects.filter(who, business=business).values_list("pk", flat=True))


def _moment(value):
    return value.isoformat() if value is not None else None


def export(business, *, user, emails: set[str]) -> dict[str, list[dict]]:
    """The person's consents and the applications that came to `business` through its
    alliance, as JSON-ready rows."""
    with scope(business=business):
        peer_ids = _peer_ids(business, user, emails)
        consents = [
            {
                "peer_id": consent.peer_id,
                "share_profile": consent.share_profile,
                "share_reliability": consent.share_reliability,
                "updated_at": _moment(consent.updated_at),
            }
            for consent in AllianceConsent.objects.filter(
                business=business, peer_id__in=peer_ids
            ).order_by("pk")
        ]
        applications = [
            {
                "peer_id": application.peer_id,
                "alliance": application.alliance.name if application.alliance else "",
                "from_business": application.from_name,
                "program": application.program.title_it if application.program else "",
                "active_there_since": _moment(application.active_since),
                "verified_there": application.verifications,
                "reliability_there": application.reliability,
                "applied_at": _moment(application.created_at),
            }
            for application in AllianceApplication.objects.filter(
                business=business, peer_id__in=peer_ids
            )
            .select_related("alliance", "program")
            .order_by("pk")
        ]
    return {"alliance_consents": consents, "alliance_applications": applications}


@transaction.atomic
def erase(business, *, user, emails: set[str], now) -> int:
    """Forget the person's consents at `business` and the facts their applications brought
    to it; returns how many rows were deleted."""
    with scope(business=business):
        peer_ids = _peer_ids(business, user, emails)
        consents, _by_model = AllianceConsent.objects.filter(
            business=business, peer_id__in=peer_ids
        ).delete()
        applications, _by_model = AllianceApplication.objects.filter(
            business=business, peer_id__in=peer_ids
        ).delete()
    return consents + applications
