"""API tokens: created for a member or an active peer, shown once, stored hashed, revocable.

A member's token (kind `member`) acts for the staff; a peer's token (kind `peer`) reaches only
that peer's own endpoints, even if the same person is also staff."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.tenancy.services import check_can_manage

from .models import ApiToken, TokenKind, hash_token, new_raw_token


def _token_name(name):
    name = (name or "").strip() or _("API token")
    if len(name) > 100:
        raise ValidationFailed(_("Use at most 100 characters."), field="name")
    return name


def _new_token(business, user, name, kind):
    raw = new_raw_token()
    token = ApiToken.objects.create(
        business=business,
        user=user,
        name=name,
        kind=kind,
        prefix=raw[:10],
        key_hash=hash_token(raw),
    )
    return token, raw


@transaction.atomic
def create_token(*, business, actor, user=None, name=""):
    """Create a token acting as `user` (default: the actor) in `business`.

    Returns (token, raw): the raw value is never stored and cannot be shown again.
    """
    check_can_manage(actor, business)
    user = user or actor
    if user != actor:
        # Only the owner may mint tokens that act as somebody else.
        from peerarmy.tenancy.services import check_is_owner

        check_is_owner(actor, business)
        check_can_manage(user, business)
    return _new_token(business, user, _token_name(name), TokenKind.MEMBER)


@transaction.atomic
def create_peer_token(*, business, peer_user, name=""):
    """Create a personal token for an active peer of `business`, acting as that peer only.

    Returns (token, raw) like `create_token`. Applicants, rejected and suspended peers, and
    people who are not peers of the business, are refused.
    """
    peer = Peer.objects.filter(business=business, user=peer_user).first()
    if peer is None or not peer_user.is_active:
        raise PermissionDenied(_("Only peers of this army can create personal API tokens."))
    if peer.status != PeerStatus.ACTIVE:
        raise PermissionDenied(
            _("Your membership of this army is not active, so you cannot create API tokens.")
        )
    return _new_token(business, peer_user, _token_name(name), TokenKind.PEER)


@transaction.atomic
def revoke_token(*, business, actor, token):
    """Members revoke any token of their business; a peer revokes their own peer tokens."""
    own_peer_token = token.kind == TokenKind.PEER and token.user_id == getattr(actor, "pk", None)
    if not own_peer_token:
        check_can_manage(actor, business)
    if token.business_id != business.id:
        raise ValidationFailed(_("Unknown token."), field="token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def peer_tokens(*, business, user):
    """The peer tokens `user` made in `business`, newest first (revoked ones included)."""
    return ApiToken.objects.filter(business=business, user=user, kind=TokenKind.PEER).order_by(
        "-created_at", "-pk"
    )


def authenticate_token(header: str):
    """The active token named by an `Authorization: Bearer <token>` header, or None.

    A member's token must still belong to a member of its business: a person who leaves the
    business loses API access at once. A peer's token authenticates while its user's account
    is active; whether the peer may act (an active peer of the business) is checked by the
    peer endpoints, which answer 403 otherwise.
    """
    scheme, _sep, raw = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    with scopes_disabled():
        token = (
            ApiToken.objects.select_related("business", "user")
            .filter(key_hash=hash_token(raw.strip()), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        if (
            token.kind == TokenKind.MEMBER
            and not token.user.memberships.filter(business=token.business_id).exists()
        ):
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
