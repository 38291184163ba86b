"""The team that runs a business: an owner invites people by e-mail, changes their role,
removes them, or hands the business over to another owner. All in the console, none of it
in Django admin.

Least privilege: only an owner changes the team; staff see who is in it. A business always
keeps at least one owner: the last owner can neither leave, nor be removed, nor become staff.
An invitation is a personal link with a secret kept only as a hash (the e-mail's copy is cut
from the outbox once delivered); it works once, for the account with the invited address,
within `STAFF_INVITATION_DAYS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError, NotFound, PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.notifications.services import enqueue_email

from .inputs import RoleInput, StaffInviteInput
from .models import Membership, Role, StaffInvitation
from .roles import Capability
from .services import check_can, check_is_owner

STAFF_INVITATION_DAYS = 14
TOKEN_SALT = "peerarmy.tenancy.staff-invitation"
EMAIL_TEMPLATE = "tenancy/email/staff_invitation"


def invitation_invalid(message=None):
    return DomainError(
        message or _("This invitation link is not valid. Check that you copied all of it."),
        code="invitation_invalid",
        status=404,
    )


# --- reading --------------------------------------------------------------------------------


# Owners first, then staff, then community managers.
_ROLE_ORDER = Case(
    *(When(role=role, then=Value(i)) for i, role in enumerate(Role)),
    default=Value(len(Role)),
)


def members(business, actor) -> list[Membership]:
    """Who runs the business, owners first, each with their account (owners and staff may
    look)."""
    check_can(actor, business, Capability.TEAM)
    return list(
        Membership.objects.filter(business=business)
        .select_related("user")
        .order_by(_ROLE_ORDER, "user__email")
    )


def pending_invitations(business, actor, *, now=None) -> list[StaffInvitation]:
    """The invitations not yet accepted, withdrawn or expired, newest first."""
    check_can(actor, business, Capability.TEAM)
    now = now or timezone.now()
    return list(
        StaffInvitation.objects.filter(
            business=business, accepted_at=None, cancelled_at=None, expires_at__gt=now
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def _member(business, member_id, *, lock=False) -> Membership:
    qs = Membership.objects.filter(business=business, pk=member_id).select_related("user")
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None:
        raise NotFound()
    return found


def _owner_count(business) -> int:
    return Membership.objects.filter(business=business, role=Role.OWNER).count()


def _lock_team(business):
    """Serialise changes to one business's team: two owners each demoting the other at
    once must not leave the business with none."""
    list(Membership.objects.select_for_update().filter(business=business).order_by("pk"))


# --- inviting -------------------------------------------------------------------------------


def _signer():
    return signing.TimestampSigner(salt=TOKEN_SALT)


def _hash(nonce):
    return hashlib.sha256(nonce.encode()).hexdigest()


def join_url(business, token):
    path = reverse("web:team_join", kwargs={"business_slug": business.slug, "token": token})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def invite(business, actor, data: StaffInviteInput, *, now=None) -> Outcome[StaffInvitation]:
    """An owner invites `data.email` as staff or owner. A pending invitation to the same
    address is withdrawn and replaced (sending again is how an owner resends one)."""
    check_is_owner(actor, business)
    now = now or timezone.now()
    email = data.email.strip()
    errors = FieldErrors()
    if Membership.objects.filter(business=business, user__email__iexact=email).exists():
        errors.add("email", _("This person is already in the team."))
    errors.raise_if_any()
    StaffInvitation.objects.filter(
        business=business, email__iexact=email, accepted_at=None, cancelled_at=None
    ).update(cancelled_at=now)
    nonce = secrets.token_urlsafe(24)
    invitation = StaffInvitation.objects.create(
        business=business,
        email=email,
        role=data.role,
        nonce_hash=_hash(nonce),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=STAFF_INVITATION_DAYS),
    )
    existing = get_user_model().objects.filter(email__iexact=email).first()
    enqueue_email(
        business=business,
        to=email,
        language=(getattr(existing, "language", "") or business.default_language),
        template=EMAIL_TEMPLATE,
        event="team.invited",
        context={
            "invitation": invitation,
            "inviter": actor.get_full_name() or actor.email,
            "role": invitation.get_role_display(),
            "join_url": join_url(business, _signer().sign(f"{invitation.pk}.{nonce}")),
            "expires_at": invitation.expires_at,
        },
        secret_keys=("join_url",),
    )
    return Outcome(invitation, created=True)


@transaction.atomic
def withdraw(business, actor, invitation_id, *, now=None) -> Outcome[StaffInvitation]:
    """An owner withdraws a pending invitation: its link stops working."""
    check_is_owner(actor, business)
    invitation = StaffInvitation.objects.filter(business=business, pk=invitation_id).first()
    if invitation is None:
        raise NotFound()
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = now or timezone.now()
        invitation.save(update_fields=["cancelled_at"])
    return Outcome(invitation)


def find_invitation(business, token, *, now=None, lock=False) -> StaffInvitation:
    """The pending invitation a link's token names, or a DomainError saying why not."""
    now = now or timezone.now()
    try:
        value = _signer().unsign(token or "", max_age=timedelta(days=STAFF_INVITATION_DAYS + 1))
    except signing.BadSignature:  # SignatureExpired included
        raise invitation_invalid() from None
    invitation_id, _dot, nonce = value.partition(".")
    if not invitation_id.isdigit() or not nonce:
        raise invitation_invalid()
    qs = StaffInvitation.objects.filter(business=business, pk=int(invitation_id))
    if lock:
        qs = qs.select_for_update()
    invitation = qs.first()
    if invitation is None or not hmac.compare_digest(invitation.nonce_hash, _hash(nonce)):
        raise invitation_invalid()
    if invitation.accepted_at is not None:
        raise DomainError(
            _("This invitation has already been used."), code="invitation_used", status=410
        )
    if invitation.cancelled_at is not None:
        raise invitation_invalid(
            _("%(business)s has withdrawn this invitation.") % {"business": business.name}
        )
    if invitation.expires_at <= now:
        raise DomainError(
            _("This invitation has expired: ask %(business)s for a new one.")
            % {"business": business.name},
            code="invitation_expired",
            status=410,
        )
    return invitation


@transaction.atomic
def accept(business, user, token, *, now=None) -> Outcome[Membership]:
    """The invited person, logged in with the invited address, joins the team."""
    now = now or timezone.now()
    invitation = find_invitation(business, token, now=now, lock=True)
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(
            _(
                "This invitation is for %(email)s. Log out, then log in or sign up with that "
                "address to accept it."
            )
            % {"email": invitation.email}
        )
    membership, created = Membership.objects.get_or_create(
        business=business, user=user, defaults={"role": invitation.role}
    )
    if not created and invitation.role == Role.OWNER and membership.role != Role.OWNER:
        membership.role = Role.OWNER
        membership.save(update_fields=["role"])
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return Outcome(membership, created=created)


# --- changing the team ----------------------------------------------------------------------


def _keep_an_owner(business, member, new_role=None):
    if member.role == Role.OWNER and new_role != Role.OWNER and _owner_count(business) <= 1:
        raise PermissionDenied(
            _(
                "A business needs an owner: make someone else owner first (Transfer "
                "ownership), then change this."
            )
        )


@transaction.atomic
def change_role(business, actor, member_id, data: RoleInput) -> Outcome[Membership]:
    check_is_owner(actor, business)
    _lock_team(business)
    member = _member(business, member_id, lock=True)
    _keep_an_owner(business, member, data.role)
    member.role = data.role
    member.save(update_fields=["role"])
    return Outcome(member)


@transaction.atomic
def remove(business, actor, member_id) -> Outcome[Membership]:
    """An owner removes a member (themselves included, unless they are the last owner). The
    person keeps their account and anything they did stays recorded under their name."""
    check_is_owner(actor, business)
    _lock_team(business)
    member = _member(business, member_id, lock=True)
    _keep_an_owner(business, member)
    member.delete()
    return Outcome(member)


@transaction.atomic
def transfer_ownership(business, actor, member_id) -> Outcome[Membership]:
    """An owner hands the business over: the member becomes owner, the actor staff."""
    mine = check_is_owner(actor, business)
    _lock_team(business)
    member = _member(business, member_id, lock=True)
    if member.pk == mine.pk:
        errors = FieldErrors()
        errors.add(None, _("You already own the business."))
        errors.raise_if_any()
    member.role = Role.OWNER
    member.save(update_fields=["role"])
    Membership.objects.filter(pk=mine.pk).update(role=Role.STAFF)
    return Outcome(member)
