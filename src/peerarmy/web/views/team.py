"""The console's team page (who runs the business, invitations, roles, handing it over) and
the page an invitation's link opens."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.photos import MAX_UPLOAD_BYTES
from peerarmy.rewards import selectors as rewards_selectors
from peerarmy.tenancy import selectors as tenancy_selectors
from peerarmy.tenancy import team
from peerarmy.tenancy.inputs import ShopSettingsInput
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.roles import ROLE_SUMMARIES, Capability
from peerarmy.tenancy.services import (
    add_closure,
    remove_closure,
    remove_shop_photo,
    set_shop_photo,
    update_shop,
)
from peerarmy.web.forms.tenancy import (
    ClosureForm,
    InviteMemberForm,
    RoleForm,
    ShopPhotosForm,
    ShopSettingsForm,
)

from .base import business_page, console_page

GET, POST = ("GET", "HEAD"), ("POST",)


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


def _team_page(request, business, *, invite_form=None, status=200):
    return render(
        request,
        "web/manage/team.html",
        {
            "members": team.members(business, request.user),
            "invitations": team.pending_invitations(business, request.user),
            "invite_form": invite_form or InviteMemberForm(business=business),
            "is_owner": _is_owner(request),
            "me": request.membership,
            "roles": RoleForm.base_fields["role"].choices,
            "role_summaries": [
                (value, label, ROLE_SUMMARIES[value]) for value, label in Role.choices
            ],
        },
        status=status,
    )


def _back(business):
    return redirect("web:manage_team", business_slug=business.slug)


def _attempt(request, call, done_message) -> bool:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done_message)
    return True


@console_page(needs=Capability.TEAM)
def team_page(request, business):
    return _team_page(request, business)


@console_page(POST, needs=Capability.TEAM)
def team_invite(request, business):
    form = InviteMemberForm(request.POST, business=business)
    if form.is_valid():
        try:
            invitation = team.invite(business, request.user, form.input).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("We e-mailed an invitation to %(email)s; the link works for 14 days.")
                % {"email": invitation.email},
            )
            return _back(business)
    return _team_page(request, business, invite_form=form, status=400)


@console_page(POST, needs=Capability.TEAM)
def team_invitation_withdraw(request, business, staff_invitation_id):
    _attempt(
        request,
        lambda: team.withdraw(business, request.user, staff_invitation_id),
        _("The invitation is withdrawn: its link no longer works."),
    )
    return _back(business)


@console_page(POST, needs=Capability.TEAM)
def team_member_role(request, business, member_id):
    form = RoleForm(request.POST, business=business)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return _back(business)
    _attempt(
        request,
        lambda: team.change_role(business, request.user, member_id, form.input),
        _("The role is changed."),
    )
    return _back(business)


@console_page(POST, needs=Capability.TEAM)
def team_member_remove(request, business, member_id):
    leaving_myself = request.membership.pk == member_id
    done = _attempt(
        request,
        lambda: team.remove(business, request.user, member_id),
        _("You left the team.") if leaving_myself else _("They are no longer in the team."),
    )
    if done and leaving_myself:  # the console is no longer theirs
        return redirect("web:landing", business_slug=business.slug)
    return _back(business)


@console_page(POST, needs=Capability.TEAM)
def team_transfer(request, business, member_id):
    _attempt(
        request,
        lambda: team.transfer_ownership(business, request.user, member_id),
        _("The business has a new owner; you are now staff."),
    )
    return _back(business)


@business_page(methods=("GET", "HEAD", "POST"))
def team_join(request, business, token):
    """The invitation's link: who invites whom to what; joining needs the invited account."""
    try:
        invitation = team.find_invitation(business, token)
    except DomainError as exc:
        return render(
            request,
            "web/public/team_join.html",
            {"problem": exc.message},
            status=exc.status,
        )
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "web/public/team_join.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            team.accept(business, request.user, token)
        except DomainError as exc:
            return render(
                request,
                "web/public/team_join.html",
                {"invitation": invitation, "problem": exc.message},
                status=exc.status,
            )
        messages.success(
            request,
            _("Welcome to the team of %(business)s.") % {"business": business.name},
        )
        return redirect("web:manage", business_slug=business.slug)
    wrong_account = request.user.email.lower() != invitation.email.lower()
    return render(
        request,
        "web/public/team_join.html",
        {"invitation": invitation, "wrong_account": wrong_account},
    )


@console_page(("GET", "HEAD", "POST"), needs=Capability.SHOP)
def shop_settings(request, business):
    """How the business is named and shown, where it is, its language and clock: the owner
    changes them; staff read them."""
    owner = _is_owner(request)
    form = ShopSettingsForm(
        request.POST if request.method == "POST" and owner else None,
        initial=ShopSettingsInput.of(business).model_dump(),
        business=business,
    )
    if request.method == "POST" and owner and form.is_valid():
        try:
            update_shop(business, request.user, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The shop's settings are saved."))
            return redirect("web:manage_shop", business_slug=business.slug)
    status = 400 if request.method == "POST" and form.errors else 200
    return _shop_page(request, business, form=form, status=status)


def _shop_page(request, business, *, form=None, photos_form=None, closure_form=None, status=200):
    owner = _is_owner(request)
    return render(
        request,
        "web/manage/shop.html",
        {
            "form": form
            or ShopSettingsForm(
                initial=ShopSettingsInput.of(business).model_dump(), business=business
            ),
            "photos_form": photos_form or ShopPhotosForm(),
            "closure_form": closure_form or ClosureForm(business=business),
            "closures": tenancy_selectors.closures(business),
            "bank_account": rewards_selectors.bank_account_summary(business),
            "is_owner": owner,
        },
        status=status,
    )


@console_page(("POST",), needs=Capability.SHOP)
def shop_photos(request, business):
    """The owner's new logo or cover photo, or one removed."""
    form = ShopPhotosForm(request.POST, request.FILES)
    form.is_valid()
    try:
        remove = request.POST.get("remove")
        if remove:
            remove_shop_photo(business, request.user, remove)
            messages.success(request, _("The picture is removed."))
        else:
            changed = False
            for kind in ("logo", "cover"):
                upload = request.FILES.get(kind)
                if upload is not None:
                    set_shop_photo(business, request.user, kind, _read_upload(upload))
                    changed = True
            if not changed:
                form.add_error(None, _("Choose a picture to upload."))
                return _shop_page(request, business, photos_form=form, status=400)
            messages.success(request, _("The picture is saved."))
    except DomainError as exc:
        for field, message in exc.field_errors or [(None, exc.message)]:
            form.add_error(field if field in form.fields else None, str(message))
        return _shop_page(request, business, photos_form=form, status=400)
    return redirect("web:manage_shop", business_slug=business.slug)


def _read_upload(upload) -> bytes:
    # one byte over the limit is enough for the service to refuse the file as too large
    return upload.read(MAX_UPLOAD_BYTES + 1)


@console_page(("POST",), needs=Capability.SHOP)
def shop_closure_add(request, business):
    form = ClosureForm(request.POST, business=business)
    if form.is_valid():
        try:
            add_closure(business, request.user, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The closure is saved; your pages show it."))
            return redirect("web:manage_shop", business_slug=business.slug)
    return _shop_page(request, business, closure_form=form, status=400)


@console_page(("POST",), needs=Capability.SHOP)
def shop_closure_remove(request, business, closure_id):
    remove_closure(business, request.user, closure_id)
    messages.success(request, _("The closure is removed."))
    return redirect("web:manage_shop", business_slug=business.slug)
