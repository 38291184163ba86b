"""Swaps: a peer offers their claim to a named peer of the same business; the claim moves only
when that peer accepts.

Accepting runs in one transaction and takes its locks in the order of `services` (claim row,
then both peers' rows by id, then the offer): two accepts of two offers of one claim, or an
accept racing a release of the claim, queue on the claim row, and the second sees the first's
outcome. The seat count of the block does not change: the offerer's claim becomes `released`
(not late: no reliability event) and the receiver gets a new active claim.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import InvalidTransition, NotFound
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers.models import Peer

from . import errors, selectors, services
from .inputs import SwapOfferInput
from .models import Claim, ClaimStatus, SwapOffer, SwapStatus, WaitlistEntry, WaitlistStatus


def _cutoff(block):
    minutes = selectors.limits_for(block.program).forfeit_cutoff_minutes
    return block.starts_at - timedelta(minutes=minutes)


def _refuse(message):
    found = FieldErrors()
    found.add("peer_id", message)
    found.raise_if_any()


def _email(to, offer, block, template, event, extra=None):
    business = block.business
    with timezone.override(business.tzinfo):
        enqueue_email(
            business=business,
            to=to.user.email,
            language=to.user.language or business.default_language,
            template=f"scheduling/email/{template}",
            event=event,
            context={
                "offer": offer,
                "from_peer": offer.from_peer,
                "to_peer": offer.to_peer,
                "block": block,
                "program": block.program,
                "starts_local": timezone.localtime(block.starts_at, business.tzinfo),
                "ends_local": timezone.localtime(block.ends_at, business.tzinfo),
                **(extra or {}),
            },
        )


def offer_swap(peer, claim, data: SwapOfferInput, *, now=None) -> Outcome[SwapOffer]:
    """Offer `peer`'s active `claim` to the peer `data.peer_id` of the same business, who must
    be able to take the block now (eligibility and fairness limits). Offering the same claim
    to the same peer twice gives back the pending offer: the Outcome says `replayed` then, and
    `created` for a new offer. The offer expires at the block's forfeit cutoff."""
    services.check_active(peer)
    now = now or timezone.now()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("peer__user")
            .filter(business_id=peer.business_id, pk=claim.pk)
            .first()
        )
        if claim is None:
            raise NotFound()
        if claim.peer_id != peer.pk:
            raise errors.SwapNotYours(_("Only the peer who holds a block can offer it."))
        if claim.status != ClaimStatus.ACTIVE:
            raise InvalidTransition(_("This claim is no longer active."))
        to_peer = selectors.get_peer_of_business(claim.business_id, data.peer_id)
        if to_peer is None:
            _refuse(_("Choose a peer of this army."))
        if to_peer.pk == peer.pk:
            _refuse(_("Choose another peer than yourself."))
        block = services._fresh_block(claim.business_id, claim.block_id)
        expires_at = _cutoff(block)
        if now >= expires_at:
            raise errors.PastForfeitCutoff(
                _("It is too late to offer this block to someone else; ask the staff.")
            )
        services._check_can_take(to_peer, block, now)
        existing = SwapOffer.objects.filter(
            business_id=claim.business_id,
            claim_id=claim.pk,
            to_peer_id=to_peer.pk,
            status=SwapStatus.PENDING,
        ).first()
        if existing is not None:
            existing.claim, claim.block = claim, block
            existing.from_peer, existing.to_peer = claim.peer, to_peer
            return Outcome(existing, replayed=True)
        offer = SwapOffer.objects.create(
            business_id=claim.business_id,
            claim=claim,
            from_peer=claim.peer,
            to_peer=to_peer,
            created_at=now,
            expires_at=expires_at,
        )
        claim.block = block
        _email(to_peer, offer, block, "swap_offer", "swap.offered")
        return Outcome(offer, created=True)


class _Stale(Exception):
    def __init__(self, error, status):
        self.error, self.status = error, status


def accept_swap(peer, offer, *, now=None) -> Outcome[SwapOffer]:
    """`peer` takes the block offered to them; the Outcome holds the accepted offer, with
    their new claim as `new_claim`.

    Refused with `swap_not_yours`, `swap_not_pending` (answered, withdrawn, expired, or the
    claim was released meanwhile) or the claim codes (`not_eligible`,
    `overlaps_claimed_block`, `weekly_hours_exceeded`, ...)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _accept(peer, offer, now)
    except _Stale as stale:
        # The offer can no longer be accepted by anyone: record why, then refuse.
        SwapOffer.objects.filter(pk=offer.pk, status=SwapStatus.PENDING).update(
            status=stale.status, decided_at=now
        )
        raise stale.error from None
    except IntegrityError as exc:
        if services.EXCLUSION_CONSTRAINT in str(exc):
            raise errors.OverlapsClaimedBlock() from exc
        if "claim_one_active_per_block" in str(exc):
            raise errors.AlreadyClaimed() from exc
        raise


def _accept(peer, offer, now):
    offer = SwapOffer.objects.get(business_id=peer.business_id, pk=offer.pk)  # never changes
    if offer.to_peer_id != peer.pk:
        raise errors.SwapNotYours()
    claim = Claim.objects.select_for_update(of=("self",)).get(pk=offer.claim_id)
    peers = {
        p.pk: p
        for p in Peer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=[offer.from_peer_id, offer.to_peer_id])
        .order_by("pk")
    }
    offer = SwapOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
    if offer.status != SwapStatus.PENDING:
        raise errors.SwapNotPending()
    if offer.status_at(now) == SwapStatus.EXPIRED:
        raise _Stale(errors.SwapNotPending(_("This swap offer has expired.")), SwapStatus.EXPIRED)
    if claim.status != ClaimStatus.ACTIVE or claim.peer_id != offer.from_peer_id:
        raise _Stale(
            errors.SwapNotPending(_("The block is no longer held by the peer who offered it.")),
            SwapStatus.EXPIRED,
        )
    from_peer, to_peer = peers[offer.from_peer_id], peers[offer.to_peer_id]
    block = services._fresh_block(claim.business_id, claim.block_id)
    services._check_can_take(to_peer, block, now)

    claim.status = ClaimStatus.RELEASED
    claim.released_at = now
    claim.released_late = False
    claim.save(update_fields=["status", "released_at", "released_late"])
    with transaction.atomic():  # a savepoint, so that a constraint error is reported clearly
        new_claim = services._create_claim(to_peer, block, now)
    WaitlistEntry.objects.filter(
        block_id=block.pk, peer_id=to_peer.pk, status=WaitlistStatus.WAITING
    ).update(status=WaitlistStatus.LEFT, decided_at=now)
    offer.status = SwapStatus.ACCEPTED
    offer.decided_at = now
    offer.new_claim = new_claim
    offer.save(update_fields=["status", "decided_at", "new_claim"])
    # Other offers of the same claim can no longer be accepted.
    SwapOffer.objects.filter(claim_id=claim.pk, status=SwapStatus.PENDING).update(
        status=SwapStatus.EXPIRED, decided_at=now
    )
    offer.from_peer, offer.to_peer = from_peer, to_peer
    claim.block, offer.claim = block, claim
    new_claim.block, new_claim.peer = block, to_peer
    _email(from_peer, offer, block, "swap_accepted", "swap.accepted")
    services._email(
        to_peer, block, "claimed", "block.claimed", {"claim": new_claim}, with_ics=new_claim
    )
    return Outcome(offer)


def _answer(offer, now, *, allowed_peer_field, peer, status):
    offer = (
        SwapOffer.objects.select_for_update(of=("self",))
        .select_related("from_peer__user", "to_peer__user", "claim__block__program")
        .get(pk=offer.pk)
    )
    if getattr(offer, allowed_peer_field) != peer.pk:
        raise errors.SwapNotYours()
    if offer.status != SwapStatus.PENDING:
        raise errors.SwapNotPending()
    offer.status = status
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])
    return offer


@transaction.atomic
def decline_swap(peer, offer, *, now=None) -> Outcome[SwapOffer]:
    """The receiver says no; the offerer keeps the block and is told."""
    services.check_active(peer)
    now = now or timezone.now()
    offer = _answer(
        offer, now, allowed_peer_field="to_peer_id", peer=peer, status=SwapStatus.DECLINED
    )
    block = services._fresh_block(offer.business_id, offer.claim.block_id)
    _email(offer.from_peer, offer, block, "swap_declined", "swap.declined")
    return Outcome(offer)


@transaction.atomic
def withdraw_swap(peer, offer, *, now=None) -> Outcome[SwapOffer]:
    """The offerer takes the offer back before it is answered."""
    services.check_active(peer)
    now = now or timezone.now()
    return Outcome(
        _answer(
            offer, now, allowed_peer_field="from_peer_id", peer=peer, status=SwapStatus.WITHDRAWN
        )
    )
