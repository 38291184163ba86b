"""API tokens: created for a member or an active peer, shown once, stored hashed, revocable.

A member's token (kind `member`) acts for the staff; a peer's token (kind `peer`) reaches only
that peer's own endpoints, even if the same person is also staff."""

import time
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.inputs import Outcome
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.selectors import peer_of_account
from peerarmy.tenancy.services import check_can_manage, check_is_owner

from . import sql
from .inputs import TokenInput
from .models import ApiToken, TokenKind, hash_token, new_raw_token


class IssuedToken(NamedTuple):
    """A token just made, and its raw value: shown once, never stored, never shown again."""

    token: ApiToken
    raw: str


def _new_token(business, user, data: TokenInput | None, kind) -> Outcome[IssuedToken]:
    raw = new_raw_token()
    token = ApiToken.objects.create(
        business=business,
        user=user,
        name=(data.name if data is not None else "") or _("API token"),
        kind=kind,
        prefix=raw[:10],
        key_hash=hash_token(raw),
    )
    return Outcome(IssuedToken(token, raw), created=True)


@transaction.atomic
def create_token(
    *, business, actor, data: TokenInput | None = None, user=None
) -> Outcome[IssuedToken]:
    """A staff token acting as `user` (default: the actor) in `business`.

    The outcome's value is the token and its raw value, which is never stored and cannot be
    shown again."""
    check_can_manage(actor, business)
    user = user or actor
    if user != actor:
        # Only the owner may mint tokens that act as somebody else.
        check_is_owner(actor, business)
        check_can_manage(user, business)
    return _new_token(business, user, data, TokenKind.MEMBER)


@transaction.atomic
def create_peer_token(
    *, business, peer_user, data: TokenInput | None = None
) -> Outcome[IssuedToken]:
    """A personal token for an active peer of `business`, acting as that peer only, like
    `create_token`. Applicants, rejected and suspended peers, and people who are not peers
    of the business, are refused."""
    peer = peer_of_account(business, peer_user.pk)
    if peer is None or not peer_user.is_active:
        raise PermissionDenied(_("Only peers of this army can create personal API tokens."))
    if peer.status != PeerStatus.ACTIVE:
        raise PermissionDenied(
            _("Your membership of this army is not active, so you cannot create API tokens.")
        )
    return _new_token(business, peer_user, data, TokenKind.PEER)


@transaction.atomic
def revoke_token(*, business, actor, token) -> Outcome[ApiToken]:
    """Members revoke any token of their business; a peer revokes their own peer tokens.
    Revoking a token that is already revoked changes nothing (`replayed`)."""
    own_peer_token = token.kind == TokenKind.PEER and token.user_id == getattr(actor, "pk", None)
    if not own_peer_token:
        check_can_manage(actor, business)
    if token.business_id != business.id:
        raise ValidationFailed(_("Unknown token."), field="token")
    if token.revoked_at is not None:
        return Outcome(token, replayed=True)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    forget_token(token.key_hash)
    return Outcome(token)


# --- authenticating a bearer token -------------------------------------------------------------
#
# Every API request names its token; reading the token, its user, its business and its peer or
# membership is three or four queries compiled afresh each time, more than most endpoints cost
# themselves. A process keeps what it read for a few seconds (API_TOKEN_CACHE_SECONDS), as
# plain values: each request gets its own model instances, so nothing one request changes
# leaks into another. Revoking a token forgets it at once in this process; in the others, and
# for a peer suspended or a member removed, the change takes effect within those seconds.


class _Known(NamedTuple):
    token: tuple
    user: tuple
    business: tuple
    peer: tuple | None
    membership: tuple | None
    until: float


_known: dict[str, _Known] = {}
_KNOWN_MAX = 10_000


def _values(obj):
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def _instance(model, values):
    return model.from_db("default", [f.attname for f in model._meta.concrete_fields], values)


def forget_token(key_hash):
    """Drop what this process remembers of a token (on revocation)."""
    _known.pop(key_hash, None)


def _remember(key, token, peer, membership, now):
    if len(_known) >= _KNOWN_MAX:
        _known.clear()
    seconds = getattr(settings, "API_TOKEN_CACHE_SECONDS", 10)
    if seconds > 0:
        _known[key] = _Known(
            _values(token),
            _values(token.user),
            _values(token.business),
            _values(peer) if peer is not None else None,
            _values(membership) if membership is not None else None,
            now + seconds,
        )


def _from_known(entry):
    from peerarmy.peers.models import Peer
    from peerarmy.tenancy.models import Business, Membership

    token = _instance(ApiToken, entry.token)
    token.user = _instance(get_user_model(), entry.user)
    token.business = _instance(Business, entry.business)
    token.peer = None
    if entry.peer is not None:
        token.peer = _instance(Peer, entry.peer)
        token.peer.user, token.peer.business = token.user, token.business
    token.membership = None
    if entry.membership is not None:
        token.membership = _instance(Membership, entry.membership)
        token.membership.user, token.membership.business = token.user, token.business
    return token


def authenticate_token(header: str):
    """The active token named by an `Authorization: Bearer <token>` header, or None; with
    `token.peer` (the peer a peer token's account is in the business, any status, or None)
    and `token.membership` (a member token's membership).

    A member's token must still belong to a member of its business: a person who leaves the
    business loses API access (within API_TOKEN_CACHE_SECONDS). A peer's token authenticates
    while its user's account is active; whether the peer may act (an active peer of the
    business) is checked by the peer endpoints, which answer 403 otherwise.
    """
    scheme, _sep, raw = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    key = hash_token(raw.strip())
    clock = time.monotonic()
    entry = _known.get(key)
    if entry is not None and entry.until > clock:
        return _from_known(entry)
    found = sql.token_with_holder(key)
    if found is None or not found[1].is_active:
        forget_token(key)
        return None
    token, token.user, token.business, token.peer, token.membership = found
    if token.kind == TokenKind.MEMBER and token.membership is None:
        forget_token(key)  # the member left the business
        return None
    for holder in (token.peer, token.membership):
        if holder is not None:
            holder.user, holder.business = token.user, token.business
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with scopes_disabled():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    _remember(key, token, token.peer, token.membership, clock)
    return token
