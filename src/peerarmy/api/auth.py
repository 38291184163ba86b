"""Bearer-token authentication for the API, on top of the API middleware's work.

Two kinds of token, two doors: a member's token opens the staff endpoints (every router but
`/me/`), a peer's token opens only the peer's own endpoints under `/me/`. A token at the wrong
door gets a 403 problem that says which token to use; no token, or an unknown or revoked one,
gets a 401.
"""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from peerarmy.accounts.models import TokenKind
from peerarmy.errors import NotFound, PermissionDenied
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.selectors import peer_of_account
from peerarmy.tenancy.roles import REFUSALS


def _active_token(request):
    # The API middleware (`middleware.ApiTokenMiddleware`) has already looked the token up
    # and scoped the request to its business; without one ninja answers 401.
    api_token = getattr(request, "api_token", None)
    if api_token is None or getattr(request, "business", None) is None:
        return None
    return api_token


def _names_another_business(request) -> bool:
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("slug") if match is not None else None
    return (
        slug is not None
        and request.path_info.startswith("/api/v1/businesses/")
        and slug != request.business.slug
    )


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` of a member (owner or staff) of the business."""

    openapi_bearerFormat = "peerarmy API token"  # noqa: N815 - the OpenAPI field's own name
    openapi_description = (
        "An API token created by a member of the business (console → API tokens). "
        "It acts as that member, in that business only. A peer's token answers 403 here."
    )

    def __init__(self, needs=None):
        # with `needs` (a `tenancy.roles.Capability`), a member whose role lacks it is
        # refused before the request's body is even read
        super().__init__()
        self.needs = needs

    def authenticate(self, request, token):
        api_token = _active_token(request)
        if api_token is not None and api_token.kind == TokenKind.PEER:
            raise PermissionDenied(
                _(
                    "This is a peer's personal token: it reaches only the peer endpoints "
                    "under /api/v1/me/."
                )
            )
        if api_token is not None and _names_another_business(request):
            # before the body is read: another business's address is not found, whatever
            # was sent to it
            raise NotFound()
        membership = getattr(api_token, "membership", None)
        if self.needs is not None and membership is not None and not membership.can(self.needs):
            raise PermissionDenied(str(REFUSALS[self.needs]))
        return api_token


class PeerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` of an active peer, made on the peer's own page.

    Sets `request.peer` to the peer the token acts for."""

    openapi_bearerFormat = "peerarmy peer token"  # noqa: N815 - the OpenAPI field's own name
    openapi_description = (
        "A personal API token an active peer creates on their own page (My army → API "
        "tokens). It acts as that peer only, on the endpoints under /me/. A staff token "
        "answers 403 here, and so does the token of a peer who is not active."
    )

    def __init__(self, *, suspended_too=False):
        # with `suspended_too`, a suspended peer's token works too: the endpoints where they
        # read why they were suspended and appeal (api/reviews.py)
        super().__init__()
        self.suspended_too = suspended_too

    def authenticate(self, request, token):
        api_token = _active_token(request)
        if api_token is None:
            return None
        peer = api_token.peer  # read with the token (accounts.services.authenticate_token)
        if api_token.kind != TokenKind.PEER:
            # a staff token at the peers' door: say so, and how, to staff who are peers too
            if peer_of_account(request.business, api_token.user_id) is not None:
                raise PermissionDenied(
                    _(
                        "A staff token does not reach the peer endpoints: create a personal "
                        "token on your peer page (My army → API tokens)."
                    )
                )
            raise PermissionDenied(
                _("These endpoints are for the peers of this army, and you are not one of them.")
            )
        allowed = (
            (PeerStatus.ACTIVE, PeerStatus.SUSPENDED)
            if self.suspended_too
            else (PeerStatus.ACTIVE,)
        )
        if peer is None or peer.status not in allowed:
            raise PermissionDenied(
                _("Your membership of this army is not active, so this token cannot be used.")
            )
        request.peer = peer
        return api_token


def member_business(request, needs=None):
    """The business the token acts in, after checking its user still runs it and, with
    `needs` (a `tenancy.roles.Capability`), that their role includes it."""
    membership = request.auth.membership if request.auth.kind == TokenKind.MEMBER else None
    if membership is None:
        raise PermissionDenied()
    if needs is not None and not membership.can(needs):
        raise PermissionDenied(str(REFUSALS[needs]))
    return request.business


def token_peer(request):
    """The peer a peer token acts for (set by `PeerTokenAuth`)."""
    return request.peer
