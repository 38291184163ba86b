"""Creating businesses and checking who may do what in one."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from peerarmy.errors import PermissionDenied, ValidationFailed

from .models import Business, Membership, Role


def get_membership(user, business):
    if user is None or not user.is_authenticated or business is None:
        return None
    return Membership.objects.filter(business=business, user=user).first()


def check_can_manage(user, business):
    """Owners and staff run the console; anyone else is refused."""
    membership = get_membership(user, business)
    if membership is None:
        raise PermissionDenied()
    return membership


def check_is_owner(user, business):
    membership = check_can_manage(user, business)
    if not membership.is_owner:
        raise PermissionDenied(_("Only the owner of the business can do this."))
    return membership


@transaction.atomic
def create_business(
    *,
    slug,
    name,
    owner_email,
    city="",
    default_language="it",
    timezone="Europe/Rome",
    owner_password=None,
    **fields,
):
    """Create a business and its owner's account (or reuse the account if it exists)."""
    slug = (slug or "").strip().lower()
    if Business.objects.filter(slug=slug).exists():
        raise ValidationFailed(
            _("A business with the address “%(slug)s” already exists.") % {"slug": slug},
            field="slug",
        )
    business = Business(
        slug=slug,
        name=name,
        city=city,
        default_language=default_language,
        timezone=timezone,
        **fields,
    )
    try:
        business.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(f"{field}: {' '.join(messages)}", field=field) from exc
    business.save()
    User = get_user_model()
    email = owner_email.strip().lower()
    owner = User.objects.filter(email__iexact=email).first()
    created = owner is None
    if created:
        owner = User.objects.create_user(
            email=email, password=owner_password, language=default_language
        )
        if owner_password is None:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
    _mark_email_verified(owner)
    Membership.objects.create(business=business, user=owner, role=Role.OWNER)
    return business, owner, created


def _mark_email_verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


@transaction.atomic
def add_member(*, business, actor, email, role=Role.STAFF):
    check_is_owner(actor, business)
    User = get_user_model()
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationFailed(_("No account uses this e-mail address yet."), field="email")
    membership, _created = Membership.objects.update_or_create(
        business=business, user=user, defaults={"role": role}
    )
    return membership
