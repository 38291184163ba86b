"""API tokens: created for a member, shown once, stored hashed, revocable."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from peerarmy.errors import ValidationFailed
from peerarmy.tenancy.services import check_can_manage

from .models import ApiToken, hash_token, new_raw_token


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
    name = (name or "").strip() or _("API token")
    if len(name) > 100:
        raise ValidationFailed(_("Use at most 100 characters."), field="name")
    raw = new_raw_token()
    token = ApiToken.objects.create(
        business=business, user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw)
    )
    return token, raw


@transaction.atomic
def revoke_token(*, business, actor, token):
    check_can_manage(actor, business)
    if token.business_id != business.id:
        raise ValidationFailed(_("Unknown token."), field="token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(header: str):
    """The active token named by an `Authorization: Bearer <token>` header, or None.

    The token must still belong to a member of its business: a person who leaves the business
    loses API access at once.
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
        if not token.user.memberships.filter(business=token.business_id).exists():
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
