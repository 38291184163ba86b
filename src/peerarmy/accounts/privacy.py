"""People's rights (GDPR) for accounts: the account itself and the API tokens it made in one
business (see `tenancy.privacy` for the interface).

The account is the person's across every business, so an erasure in one business touches only
that business's tokens; the account is closed (`close_account`) only when the person asks
for it and no other business holds them (`held_elsewhere`)."""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from django.utils.translation import gettext_lazy as _

from peerarmy.peers.models import Peer
from peerarmy.tenancy.models import Membership
from peerarmy.tenancy.privacy import ERASED_DOMAIN, rows

from .models import ApiToken, User

TABLES = {
    "account": _("Your account: e-mail address, name, language and when you signed up."),
    "api_tokens": _("The API tokens you made in this business (never the tokens themselves)."),
}


def export(business, *, user, emails) -> dict[str, list[dict]]:
    if user is None:
        return {"account": [], "api_tokens": []}
    account = rows(
        User.objects.filter(pk=user.pk),
        [
            "email",
            "first_name",
            "last_name",
            "language",
            ("signed_up", "date_joined"),
            "last_login",
            ("privacy_notice_accepted", "privacy_accepted_at"),
        ],
    )
    tokens = rows(
        ApiToken.objects.filter(business=business, user=user).order_by("created_at"),
        ["name", "kind", "prefix", "created_at", "last_used_at", "revoked_at"],
    )
    return {"account": account, "api_tokens": tokens}


def names(business, *, user, emails) -> set[str]:
    return {user.get_full_name()} if user and user.get_full_name() else set()


def erase(business, *, user, emails, now) -> int:
    if user is None:
        return 0
    deleted, _per_model = ApiToken.objects.filter(business=business, user=user).delete()
    return deleted


def held_elsewhere(user, business) -> bool:
    """Whether another business still holds the person: a peer profile or a place in a team."""
    if user is None:
        return False
    return (
        Peer.objects.filter(user=user).exclude(business=business).exists()
        or Membership.objects.filter(user=user).exclude(business=business).exists()
    )


def close_account(user) -> int:
    """Anonymise the account itself: no address, name or password is left, it cannot log in,
    and its confirmed addresses and API tokens go. Rows elsewhere that still point at it (an
    old booking's `user`) then point at nobody. Returns the rows changed or deleted."""
    changed = EmailAddress.objects.filter(user=user).delete()[0]
    changed += ApiToken.objects.filter(user=user).delete()[0]
    user.email = f"closed-{secrets.token_hex(8)}@{ERASED_DOMAIN}"
    user.first_name = ""
    user.last_name = ""
    user.joined_from = ""
    user.privacy_accepted_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    return changed + 1
