"""Inviting customers to join the army: sending, reading, accepting, expiring, revoking.

An invitation travels as a link `SITE_URL/<slug>/invite/<token>/`. The token is signed with
Django's `TimestampSigner` (a salt of its own, so no other signed value can pass for it) and
carries the invitation's id and a random nonce; only the nonce's SHA-256 is stored, so the
database alone cannot be turned into working links. A link works once, until `expires_at`, and
only on the business that sent it.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.customers.models import Customer
from peerarmy.errors import DomainError, InvalidTransition, NotFound
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers.inputs import PeerProfileInput
from peerarmy.peers.models import Peer
from peerarmy.programs.models import ProgramStatus
from peerarmy.programs.selectors import get_program
from peerarmy.tenancy.services import check_can_manage

from . import selectors
from .inputs import DEFAULT_EXPIRES_IN_DAYS, MAX_EXPIRES_IN_DAYS, InviteInput
from .models import Invitation, InvitationStatus

__all__ = [
    "DEFAULT_EXPIRES_IN_DAYS",
    "MAX_EXPIRES_IN_DAYS",
    "InvitationExpired",
    "InvitationInvalid",
    "InvitationUsed",
    "InviteResult",
    "accept_invitation",
    "apply_with_invitation",
    "check_invitation",
    "invite_customers",
    "is_for_user",
    "mark_expired",
    "revoke_invitation",
]

TOKEN_SALT = "peerarmy.superfans.invitation"
EMAIL_TEMPLATE = "superfans/email/invitation"


class InvitationInvalid(DomainError):
    code = "invitation_invalid"
    status = 404

    def __init__(self, message=None, **kwargs):
        super().__init__(
            message or _("This invitation link is not valid. Check that you copied all of it."),
            **kwargs,
        )


class InvitationExpired(DomainError):
    code = "invitation_expired"
    status = 410

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("This invitation has expired."), **kwargs)


class InvitationUsed(DomainError):
    code = "invitation_used"
    status = 410

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("This invitation has already been used."), **kwargs)


@dataclass
class InviteResult:
    invited: list = field(default_factory=list)  # Invitation rows
    skipped: list = field(default_factory=list)  # (customer, reason in words)


# --- tokens -----------------------------------------------------------------------------


def _signer():
    return signing.TimestampSigner(salt=TOKEN_SALT)


def _hash_nonce(nonce):
    return hashlib.sha256(nonce.encode()).hexdigest()


def make_token(invitation_id, nonce):
    return _signer().sign(f"{invitation_id}.{nonce}")


def invite_url(business, token):
    path = reverse("web:invitation", kwargs={"business_slug": business.slug, "token": token})
    return f"{settings.SITE_URL}{path}"


def _find(business, token, *, lock=False):
    """The invitation a token names, checked for signature, business, use and age."""
    try:
        value = _signer().unsign(token or "", max_age=timedelta(days=MAX_EXPIRES_IN_DAYS, hours=1))
    except signing.SignatureExpired:
        raise InvitationExpired() from None
    except signing.BadSignature:
        raise InvitationInvalid() from None
    invitation_id, _dot, nonce = value.partition(".")
    if not invitation_id.isdigit() or not nonce:
        raise InvitationInvalid()
    qs = Invitation.objects.filter(business=business, pk=int(invitation_id)).select_related(
        "customer", "program"
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.first()
    if invitation is None or not hmac.compare_digest(invitation.nonce_hash, _hash_nonce(nonce)):
        raise InvitationInvalid()
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationUsed()
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationInvalid(
            _("%(business)s has withdrawn this invitation.") % {"business": business.name}
        )
    if invitation.current_status == InvitationStatus.EXPIRED:
        raise InvitationExpired()
    return invitation


def check_invitation(*, business, token):
    """The open invitation behind a link, or InvitationInvalid/Expired/Used. Changes nothing."""
    return _find(business, token)


# --- sending ----------------------------------------------------------------------------


def _program(business, program_id):
    """The program to offer: another business's id is not found; a draft or a closed one
    cannot be offered."""
    if program_id is None:
        return None
    program = get_program(business, program_id)
    if program.status != ProgramStatus.PUBLISHED:
        errors = FieldErrors()
        errors.add("program_id", _("Only a published program can be offered in an invitation."))
        errors.raise_if_any()
    return program


@transaction.atomic
def invite_customers(*, business, actor, data: InviteInput) -> Outcome[InviteResult]:
    """Invite customers to join the army (optionally to a program), each by an e-mail in
    their own language. Customers who cannot be invited are skipped with the reason (in the
    value's `skipped`, and in words in the warnings). A customer or program id of another
    business is not found."""
    check_can_manage(actor, business)
    program = _program(business, data.program_id)
    # Lock the customers so that two staff inviting at once cannot both invite one person.
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(
            business=business, pk__in=data.customer_ids
        )
    }
    if len(locked) != len(data.customer_ids):
        raise NotFound()
    customers = [locked[pk] for pk in data.customer_ids]
    refused = selectors.not_invitable(business, customers)
    result = InviteResult()
    now = timezone.now()
    for customer in customers:
        if customer.pk in refused:
            result.skipped.append((customer, refused[customer.pk].reason))
            continue
        nonce = secrets.token_urlsafe(24)
        invitation = Invitation.objects.create(
            business=business,
            customer=customer,
            program=program,
            nonce_hash=_hash_nonce(nonce),
            status=InvitationStatus.SENT,
            language=customer.language,
            expires_at=now + timedelta(days=data.expires_in_days),
            invited_by=actor,
        )
        enqueue_email(
            business=business,
            to=customer.email,
            language=customer.language,
            template=EMAIL_TEMPLATE,
            event="invitation.sent",
            context={
                "customer": customer,
                "program": program,
                "invite_url": invite_url(business, make_token(invitation.pk, nonce)),
                "expires_at": invitation.expires_at,
            },
            secret_keys=("invite_url",),
        )
        result.invited.append(invitation)
    warnings = tuple(
        _("%(name)s: %(reason)s") % {"name": customer.full_name or customer.email, "reason": why}
        for customer, why in result.skipped
    )
    return Outcome(result, created=bool(result.invited), warnings=warnings)


# --- the invitee's side -----------------------------------------------------------------


def is_for_user(invitation, user):
    """Only the person the invitation was sent to may use it: same e-mail address."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.email.strip().lower() == invitation.customer.email.strip().lower()
    )


@transaction.atomic
def accept_invitation(*, business, token, peer) -> Outcome[Invitation]:
    """Mark the invitation accepted by this new peer. Works once."""
    invitation = _find(business, token, lock=True)
    if peer.business_id != business.pk or not is_for_user(invitation, peer.user):
        raise DomainError(
            _("This invitation was sent to another e-mail address."),
            code="invitation_other_account",
            status=403,
        )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.peer = peer
    invitation.save(update_fields=["status", "accepted_at", "peer"])
    return Outcome(invitation)


@transaction.atomic
def apply_with_invitation(
    *, business, user, token, data: PeerProfileInput, language=None
) -> Outcome[Peer]:
    """The invited customer applies with the peers' application input (as
    `peers.services.apply_as_peer` takes it): the new peer is linked to the customer record
    and the invitation is accepted, or neither happens. The value is the new peer.
    `language` (it, en) is context nobody types, as for `apply_as_peer`."""
    from peerarmy.peers.services import apply_as_peer

    invitation = _find(business, token, lock=True)
    if not is_for_user(invitation, user):
        raise DomainError(
            _("This invitation was sent to another e-mail address."),
            code="invitation_other_account",
            status=403,
        )
    peer = apply_as_peer(
        business=business, user=user, data=data, language=language, customer=invitation.customer
    ).value
    accept_invitation(business=business, token=token, peer=peer)
    return Outcome(peer, created=True)


# --- the business's side ----------------------------------------------------------------


def mark_expired(*, business) -> int:
    """Write down that invitations past their date have expired; returns how many changed.
    The worker's sweep runs it (`tasks.expire_invitations`): reads never do, they see a
    past-due invitation as expired already (`Invitation.current_status`)."""
    return Invitation.objects.filter(
        business=business, status=InvitationStatus.SENT, expires_at__lte=timezone.now()
    ).update(status=InvitationStatus.EXPIRED)


# Why an invitation that is no longer open cannot be revoked, one sentence per status.
NOT_OPEN = {
    InvitationStatus.ACCEPTED: gettext_lazy(
        "This invitation has been accepted; only open invitations can be revoked."
    ),
    InvitationStatus.EXPIRED: gettext_lazy(
        "This invitation has expired; only open invitations can be revoked."
    ),
    InvitationStatus.REVOKED: gettext_lazy(
        "This invitation is already revoked; only open invitations can be revoked."
    ),
}


@transaction.atomic
def revoke_invitation(*, business, actor, invitation) -> Outcome[Invitation]:
    """Withdraw an open invitation: its link stops working at once."""
    check_can_manage(actor, business)
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=invitation.pk, business=business)
    )
    status = locked.current_status
    if status != InvitationStatus.SENT:
        raise InvalidTransition(str(NOT_OPEN[status]), code="invitation_not_open")
    locked.status = InvitationStatus.REVOKED
    locked.save(update_fields=["status"])
    return Outcome(locked)
