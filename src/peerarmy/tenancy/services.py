"""Creating businesses, adding their members, and checking who may do what in one."""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerarmy.errors import PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome

from . import selectors
from .inputs import BusinessInput, MemberInput
from .models import Business, Membership, Role
from .roles import REFUSALS, Capability
from .selectors import get_membership


def check_can_manage(user, business):
    """Members (owners, staff, community managers) come into the console; anyone else is
    refused. What each may do there is `check_can`."""
    membership = get_membership(user, business)
    if membership is None:
        raise PermissionDenied()
    return membership


def check_can(user, business, capability, *, membership=None):
    """A member whose role includes `capability` (`tenancy.roles`); anyone else is refused,
    a member in words that say what their role lacks. `membership`: the user's, when the
    caller has already looked it up."""
    membership = membership or check_can_manage(user, business)
    if not membership.can(capability):
        raise PermissionDenied(str(REFUSALS[Capability(capability)]))
    return membership


def check_is_owner(user, business):
    membership = check_can_manage(user, business)
    if not membership.is_owner:
        raise PermissionDenied(_("Only the owner of the business can do this."))
    return membership


class NewBusiness(NamedTuple):
    business: Business
    owner: object  # the owner's account
    owner_created: bool  # the account was made now (it has no password yet)


def _slug_taken(slug):
    return _("A business with the address “%(slug)s” already exists.") % {"slug": slug}


@transaction.atomic
def create_business(*, data: BusinessInput, owner_password=None) -> Outcome[NewBusiness]:
    """A business and its owner's account (or the account that already has the address).
    Without `owner_password` a new owner sets one with "forgot password"."""
    errors = FieldErrors()
    if selectors.business_exists(data.slug):
        errors.add("slug", _slug_taken(data.slug))
    errors.raise_if_any()
    business = Business(
        **data.model_dump(exclude={"owner_email", "contact_email"}),
        contact_email=data.contact_email or "",
    )
    try:
        with transaction.atomic():
            business.save()
    except IntegrityError:
        # Two operators creating the same address at once: the constraint decides.
        errors.add("slug", _slug_taken(data.slug))
        errors.raise_if_any()
    User = get_user_model()
    owner = User.objects.filter(email__iexact=data.owner_email).first()
    owner_created = owner is None
    if owner_created:
        owner = User.objects.create_user(
            email=data.owner_email, password=owner_password, language=data.default_language
        )
        if owner_password is None:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
    _mark_email_verified(owner)
    Membership.objects.create(business=business, user=owner, role=Role.OWNER)
    return Outcome(NewBusiness(business, owner, owner_created), created=True)


def _mark_email_verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


@transaction.atomic
def update_shop(business, actor, data) -> Outcome[Business]:
    """The owner changes how the business is named and shown, where it is, its language and
    its clock (`ShopSettingsInput`)."""
    check_is_owner(actor, business)
    business = Business.objects.select_for_update().get(pk=business.pk)
    for name in type(data).model_fields:
        value = getattr(data, name)
        setattr(business, name, "" if value is None else value)
    business.save()
    return Outcome(business)


@transaction.atomic
def add_member(*, business, actor, data: MemberInput) -> Outcome[Membership]:
    """The owner gives a person with an account a role in the business (staff by default);
    a member already in it gets the new role."""
    check_is_owner(actor, business)
    errors = FieldErrors()
    user = get_user_model().objects.filter(email__iexact=data.email).first()
    if user is None:
        errors.add("email", _("No account uses this e-mail address yet."))
    errors.raise_if_any()
    membership, created = Membership.objects.update_or_create(
        business=business, user=user, defaults={"role": data.role}
    )
    return Outcome(membership, created=created)
