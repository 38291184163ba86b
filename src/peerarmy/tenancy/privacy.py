"""People's rights (GDPR) for tenancy, and the kit every app's `privacy.py` shares.

Every app that holds personal data has a `privacy.py` with

    export(business, *, user, emails) -> {table label: [row, ...]}
    erase(business, *, user, emails, now) -> rows anonymised or deleted

and, where it has them, `blockers(business, *, user, emails, now) -> [words]` (what stops an
erasure for now: money still owed, work still to come), `names(business, *, user, emails)`
(the names the app knows the person by, so that mentions of them elsewhere are found) and
`TABLES` ({label: what the table is, in words}). The privacy app finds them all and calls
them for one person in one business; `user` is None for a customer without an account,
`emails` are lower-cased addresses.

This module sits low (tenancy imports no domain app), so every app above may use the kit:
JSON-ready rows, the e-mail lookup, and the stand-in account an erased peer's rows move to.
"""

from __future__ import annotations

import contextvars
import secrets
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Membership, StaffInvitation

# Where anonymised addresses point: `.invalid` is reserved (RFC 2606), so no e-mail can leave
# for it and no real person has one.
ERASED_DOMAIN = "erased.invalid"

TABLES = {
    "memberships": _("Your role in the team that runs the business, if you are part of it."),
    "staff_invitations": _("Invitations to join the team that were sent to your address."),
}


# --- the kit ------------------------------------------------------------------------------------


def json_value(value):
    """A value as the export's JSON and CSV hold it: times and dates in ISO 8601, decimals
    as text (no float rounding), everything else as it is."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def rows(queryset, fields) -> list[dict]:
    """`fields` of every row of `queryset` (lookups such as "program__title_en" allowed),
    ready for JSON; the keys are the last part of each lookup unless given as (key, lookup)."""
    pairs = [f if isinstance(f, tuple) else (f.split("__")[-1], f) for f in fields]
    return [
        {key: json_value(record[lookup]) for key, lookup in pairs}
        for record in queryset.values(*[lookup for _key, lookup in pairs])
    ]


def by_email(queryset, emails, field="email"):
    """The rows of `queryset` whose `field` is one of `emails` (lower-cased), whatever the case
    it was stored in."""
    if not emails:
        return queryset.none()
    match = Q()
    for email in sorted(emails):
        match |= Q(**{f"{field}__iexact": email})
    return queryset.filter(match)


def erased_address(kind: str, pk) -> str:
    """A unique address that names nobody, for a column that must hold one."""
    return f"{kind}-{pk}@{ERASED_DOMAIN}"


def words(business, text, **values) -> str:
    """A placeholder written into the business's rows, in the business's own language (staff
    read it on their pages; it is stored, not translated when read)."""
    with translation.override(business.default_language or "it"):
        return str(text) % values if values else str(text)


# The stand-in accounts of one erasure: an erased peer (whose row must point at an account)
# and the chip-in campaigns they benefited from move to one new, empty, disabled account, so
# that nothing of the business leads back to the person's own account (which they may keep
# for other businesses).
_stand_ins: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "privacy_stand_ins", default=None
)


@contextmanager
def one_erasure():
    """Within it, `stand_in` gives the same account for the same person and business."""
    token = _stand_ins.set({})
    try:
        yield
    finally:
        _stand_ins.reset(token)


def stand_in(business, user):
    """The account that takes the place of `user` in the business's rows: new, disabled,
    without a name or a usable password, at an address that names nobody."""
    cache = _stand_ins.get()
    key = (business.pk, user.pk)
    if cache is not None and key in cache:
        return cache[key]
    User = get_user_model()
    account = User(
        email=f"former-{secrets.token_hex(8)}@{ERASED_DOMAIN}",
        is_active=False,
        language=business.default_language or "it",
    )
    account.set_unusable_password()
    account.save()
    if cache is not None:
        cache[key] = account
    return account


def is_stand_in(user) -> bool:
    return bool(user) and user.email.endswith(f"@{ERASED_DOMAIN}")


# --- tenancy's own rows ------------------------------------------------------------------------


def export(business, *, user, emails) -> dict[str, list[dict]]:
    memberships = (
        rows(
            Membership.objects.filter(business=business, user=user),
            ["role", ("since", "created_at")],
        )
        if user
        else []
    )
    invitations = rows(
        by_email(StaffInvitation.objects.filter(business=business), emails),
        ["email", "role", ("sent", "created_at"), "expires_at", "accepted_at", "cancelled_at"],
    )
    return {"memberships": memberships, "staff_invitations": invitations}


def blockers(business, *, user, emails, now) -> list[str]:
    if user and Membership.objects.filter(business=business, user=user).exists():
        return [
            str(
                _(
                    "You are part of the team that runs this business: the owner must remove "
                    "you from the team first (an owner hands the business over first)."
                )
            )
        ]
    return []


def erase(business, *, user, emails, now) -> int:
    # An invitation is a message to the address, nothing more: it goes.
    deleted, _per_model = by_email(
        StaffInvitation.objects.filter(business=business), emails
    ).delete()
    return deleted
