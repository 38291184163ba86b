"""Reads of accounts and API tokens."""

from django.contrib.auth import get_user_model

from peerarmy.errors import NotFound

from .models import ApiToken, TokenKind


def get_user_by_email(email):
    """The account with this e-mail address (in any case); `NotFound` if there is none. An
    address no database can hold (a lone surrogate, which is what a command line gives for
    bytes that are not UTF-8, or a NUL) is simply not found."""
    email = (email or "").strip()
    try:
        email.encode("utf-8")
    except UnicodeEncodeError:
        raise NotFound() from None
    if "\x00" in email:
        raise NotFound()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise NotFound()
    return user


def find_user_by_email(email):
    """The account with this e-mail address (in any case), or None."""
    try:
        return get_user_by_email(email)
    except NotFound:
        return None


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
