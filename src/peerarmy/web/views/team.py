"""The console's team page (who runs the business, invitations, roles, handing it over) and
the page an invitation's link opens."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.tenancy import team
from peerarmy.tenancy.inputs import ShopSettingsInput
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.roles import ROLE_SUMMARIES, Capability
from peerarmy.tenancy.services import update_shop
from peerarmy.web.forms.tenancy import InviteMemberForm, RoleForm, ShopSettingsForm

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
    return render(request, "web/manage/shop.html", {"form": form, "is_owner": owner}, status=status)
