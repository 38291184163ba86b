"""The demo's reviews (issue 16): Bici Gialla's suspended peer went to review after three
no-shows, was suspended by the staff member Sara, and appealed; the appeal waits for the owner
(another member) to decide. One more peer is under review for a reliability under the
deliveries' minimum. Giulia, the demo's peer, has a verified phone and an identity checked
in person. Everything goes through the peers app's services, so the trail is real."""

from datetime import timedelta

from peerarmy.peers.inputs import AppealInput, IdentityCheckInput, SuspendInput
from peerarmy.peers.models import Peer, PeerStatus, Verification, VerificationKind
from peerarmy.peers.services import (
    appeal_suspension,
    open_review,
    record_identity_check,
    suspend_peer,
)
from peerarmy.tenancy.models import Membership, Role

SUSPENSION_REASON = (
    "Tre consegne mancate in tre settimane, senza avvisare: due clienti hanno aspettato "
    "invano. Ne parliamo volentieri di persona."
)
APPEAL_MESSAGE = (
    "Mi dispiace davvero. A maggio ho avuto un lutto in famiglia e ho perso di vista il "
    "calendario; ora ho attivato i promemoria. Vi chiedo di darmi un'altra possibilità."
)


def load_reviews(business, now) -> int:
    """Open the demo's cases; how many there are."""
    suspender = (
        Membership.objects.filter(business=business, role=Role.STAFF).select_related("user").first()
        or Membership.objects.filter(business=business, role=Role.OWNER)
        .select_related("user")
        .get()
    ).user
    cases = 0
    suspended = Peer.objects.filter(business=business, status=PeerStatus.SUSPENDED).first()
    if suspended is not None:
        # Loaded as suspended; active until the steps below, so that they run as in real life.
        Peer.objects.filter(pk=suspended.pk).update(status=PeerStatus.ACTIVE)
        suspended.refresh_from_db()
        opened = now - timedelta(days=9)
        open_review(
            business,
            suspended,
            triggers=[{"kind": "no_shows", "count": 3, "days": 60}],
            now=opened,
        )
        suspend_peer(
            business, suspender, suspended, SuspendInput(reason=SUSPENSION_REASON),
            now=opened + timedelta(days=1, hours=3),
        )  # fmt: skip
        suspended.refresh_from_db()
        appeal_suspension(
            business, suspended.user, suspended, AppealInput(message=APPEAL_MESSAGE),
            now=opened + timedelta(days=2, hours=5),
        )  # fmt: skip
        cases += 1
    weakest = (
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE, reliability__isnull=False)
        .order_by("reliability", "pk")
        .first()
    )
    if weakest is not None:
        open_review(
            business,
            weakest,
            triggers=[
                {
                    "kind": "reliability",
                    "score": weakest.reliability,
                    "minimum": max(weakest.reliability + 5, 70),
                    "program_it": "Consegne in cargo-bike",
                    "program_en": "Cargo-bike delivery",
                }
            ],
            now=now - timedelta(days=2),
        )
        cases += 1
    _verify_giulia(business, suspender, now)
    return cases


def _verify_giulia(business, member, now):
    giulia = Peer.objects.filter(business=business, user__email="peer@bicigialla.example").first()
    if giulia is None:
        return
    # The phone as `confirm_phone` records it (the code itself went to a made-up number).
    Verification.objects.create(
        business=business,
        peer=giulia,
        kind=VerificationKind.PHONE,
        phone="+393331234567",
        verified_at=now - timedelta(days=40),
    )
    record_identity_check(
        business, member, giulia, IdentityCheckInput(document_type="id_card"),
        now=now - timedelta(days=38),
    )  # fmt: skip
