"""Reads of accounts and API tokens."""

from django.contrib.auth import get_user_model

from peerarmy.errors import NotFound
from peerarmy.tenancy.selectors import storable

from .models import ApiToken, TokenKind


def find_user_by_email(email):
    """The account with this e-mail address (in any case), or None; an address no database
    can hold (a lone surrogate from a shell, a NUL) is simply not found."""
    if not storable(email):
        return None
    return get_user_model().objects.filter(email__iexact=(email or "").strip()).first()


def get_user_by_email(email):
    """The account with this e-mail address (in any case); `NotFound` if there is none."""
    user = find_user_by_email(email)
    if user is None:
        raise NotFound()
    return user


def tokens_for_business(business):
    """Every token of the business, staff and peers' alike, newest first."""
    return (
        ApiToken.objects.filter(business=business)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def get_token(business, token_id) -> ApiToken:
    """The business's token `token_id`; `NotFound` for any other id."""
    token = ApiToken.objects.filter(business=business, pk=token_id).first()
    if token is None:
        raise NotFound()
    return token


def peer_tokens(business, user):
    """The peer tokens `user` made in `business`, newest first (revoked ones included)."""
    return ApiToken.objects.filter(business=business, user=user, kind=TokenKind.PEER).order_by(
        "-created_at", "-pk"
    )


def get_peer_token(business, user, token_id) -> ApiToken:
    """One of `user`'s own peer tokens; `NotFound` for any other id, someone else's included."""
    token = peer_tokens(business, user).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token
