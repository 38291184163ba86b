"""Creating businesses, adding their members, and checking who may do what in one."""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerarmy import photos
from peerarmy.errors import NotFound, PermissionDenied
from peerarmy.inputs import FieldErrors, InvalidInput, Outcome

from . import selectors
from .inputs import BusinessInput, ClosureInput, MemberInput
from .models import Business, Closure, Membership, Role
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
        if name.startswith("hours_"):
            continue
        value = getattr(data, name)
        setattr(business, name, "" if value is None else value)
    business.opening_hours = data.opening_hours()
    business.save()
    return Outcome(business)


# The pictures a business shows, and how each is kept (`peerarmy.photos`).
PHOTO_SHAPES = {
    "logo": photos.Shape(width=512, height=512, min_side=64),
    "cover": photos.Shape(width=1600, height=900, min_side=320),
}


def set_shop_photo(business, actor, kind: str, data: bytes) -> Outcome[Business]:
    """The owner's new logo or cover photo (`kind`), from the uploaded file's bytes: made
    upright, shrunk, stripped of its metadata and stored; the picture it replaces is removed.
    A file that is not a usable picture is refused on the field `kind`, and nothing changes."""
    check_is_owner(actor, business)
    if kind not in PHOTO_SHAPES:
        raise InvalidInput([("kind", _("Choose the logo or the cover photo."))])
    try:
        processed = photos.process(data, PHOTO_SHAPES[kind])
    except photos.PhotoError as exc:
        raise InvalidInput([(kind, str(exc))]) from None
    name = photos.store(f"businesses/{business.pk}/{kind}", processed)
    with transaction.atomic():
        locked = Business.objects.select_for_update().get(pk=business.pk)
        old = getattr(locked, kind)
        setattr(locked, kind, name)
        locked.save(update_fields=[kind])
    if old and old != name:
        transaction.on_commit(lambda: photos.delete(old))
    return Outcome(locked)


def remove_shop_photo(business, actor, kind: str) -> Outcome[Business]:
    check_is_owner(actor, business)
    if kind not in PHOTO_SHAPES:
        raise InvalidInput([("kind", _("Choose the logo or the cover photo."))])
    with transaction.atomic():
        locked = Business.objects.select_for_update().get(pk=business.pk)
        old = getattr(locked, kind)
        setattr(locked, kind, "")
        locked.save(update_fields=[kind])
    if old:
        transaction.on_commit(lambda: photos.delete(old))
    return Outcome(locked)


@transaction.atomic
def add_closure(business, actor, data: ClosureInput) -> Outcome[Closure]:
    """Days the shop is closed (holidays), shown on its pages."""
    check_is_owner(actor, business)
    return Outcome(
        Closure.objects.create(business=business, first=data.first, last=data.last, note=data.note),
        created=True,
    )


@transaction.atomic
def remove_closure(business, actor, closure_id) -> Outcome[None]:
    check_is_owner(actor, business)
    deleted, _rows = Closure.objects.filter(business=business, pk=closure_id).delete()
    if not deleted:
        raise NotFound()
    return Outcome(None)


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
