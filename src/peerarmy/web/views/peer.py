"""The peer's app: apply to the army, see the application's status, keep the profile, and
the peer's personal API tokens."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerarmy.accounts import selectors as token_selectors
from peerarmy.accounts import services as token_services
from peerarmy.errors import DomainError, InvalidTransition
from peerarmy.matching.selectors import missing_for_any_work
from peerarmy.peers import services
from peerarmy.peers.selectors import peer_for_user, skills_of_business
from peerarmy.programs.selectors import programs_for_peer
from peerarmy.superfans.invitations import apply_with_invitation
from peerarmy.web.forms.accounts import TokenForm
from peerarmy.web.forms.peers import PeerProfileForm

from .base import peer_page
from .home import JOIN_SESSION_KEY
from .superfans import forget_invitation, invitation_for_application


@peer_page()
def me(request, business):
    peer = peer_for_user(business, request.user)
    context = {"peer": peer}
    if peer is not None:
        context["eligibilities"] = programs_for_peer(peer)
        context["missing"] = missing_for_any_work(peer)
    return render(request, "web/me/status.html", context)


@peer_page(methods=("GET", "HEAD", "POST"))
def apply(request, business):
    if request.session.get(JOIN_SESSION_KEY) == business.slug:
        del request.session[JOIN_SESSION_KEY]
    if peer_for_user(business, request.user) is not None:
        messages.info(request, _("You have already applied to this army."))
        return redirect("web:me", business_slug=business.slug)
    skills = skills_of_business(business)
    invited = invitation_for_application(request, business)
    if request.method == "POST":
        form = PeerProfileForm(request.POST, skills=skills, business=business)
        if form.is_valid():
            language = (get_language() or business.default_language)[:2]
            try:
                if invited is not None:
                    # Linked to the invited customer; the invitation is accepted with it.
                    apply_with_invitation(
                        business=business,
                        user=request.user,
                        token=invited.token,
                        data=form.input,
                        language=language,
                    )
                    forget_invitation(request)
                else:
                    services.apply_as_peer(
                        business=business,
                        user=request.user,
                        data=form.input,
                        language=language,
                    )
            except InvalidTransition as exc:
                messages.info(request, exc.message)
                return redirect("web:me", business_slug=business.slug)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request,
                    _("Thank you! Your application has been sent to %(business)s.")
                    % {"business": business.name},
                )
                return redirect("web:me", business_slug=business.slug)
    else:
        name = invited.invitation.customer.first_name if invited else ""
        form = PeerProfileForm(
            skills=skills,
            business=business,
            initial={"display_name": name or request.user.get_full_name()},
        )
    return render(request, "web/me/apply.html", {"form": form})


@peer_page(methods=("GET", "HEAD", "POST"))
def profile(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    skills = skills_of_business(business)
    if request.method == "POST":
        form = PeerProfileForm(request.POST, skills=skills, business=business)
        if form.is_valid():
            try:
                services.update_profile(
                    business=business, actor=request.user, peer=peer, data=form.input
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("web:me", business_slug=business.slug)
    else:
        form = PeerProfileForm(
            skills=skills, business=business, initial=PeerProfileForm.initial_for(peer)
        )
    return render(request, "web/me/profile.html", {"form": form, "peer": peer})


# --- personal API tokens ----------------------------------------------------------------


@peer_page(methods=("GET", "HEAD", "POST"))
def tokens(request, business):
    """The peer's own API tokens: create one (shown once), see and revoke them."""
    peer = peer_for_user(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    form = TokenForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = token_services.create_peer_token(
                business=business, peer_user=request.user, data=form.input
            ).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            # The raw token exists only in this response: no redirect, no session, no cache.
            response = render(
                request, "web/me/token_created.html", {"token": token, "raw_token": raw}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "web/me/tokens.html",
        {
            "peer": peer,
            "form": form,
            "tokens": token_selectors.peer_tokens(business, request.user),
        },
    )


@peer_page(methods=("POST",))
def token_revoke(request, business, token_id):
    # Only the peer's own peer tokens can be found here; any other id is a plain 404.
    token = token_selectors.get_peer_token(business, request.user, token_id)
    try:
        token_services.revoke_token(business=business, actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("web:my_tokens", business_slug=business.slug)
