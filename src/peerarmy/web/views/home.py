"""The site's front door: what peerarmy is, the businesses on it, and a person's own home."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from peerarmy.accounts.forms import JOIN_SESSION_KEY
from peerarmy.peers.selectors import peer_profiles_of
from peerarmy.tenancy.selectors import business_exists, listed_businesses, memberships_of


@require_safe
def privacy(request):
    """The privacy notice every sign-up accepts: in the name of the business the person is
    joining (`?b=<slug>`, or the one whose "Join the army" they followed)."""
    from peerarmy.tenancy.selectors import find_business

    slug = request.GET.get("b", "") or request.session.get(JOIN_SESSION_KEY, "")
    business = find_business(slug) if slug else None
    return render(request, "web/privacy.html", {"business": business, "notice_business": business})


@require_safe
def index(request):
    return render(request, "web/index.html", {"businesses": listed_businesses()})


@login_required
@require_safe
def home(request):
    slug = request.session.pop(JOIN_SESSION_KEY, None)
    if slug and business_exists(slug):
        # Someone who clicked "Join the army" before signing up lands on the application form.
        return redirect(reverse("web:apply", kwargs={"business_slug": slug}))
    return render(
        request,
        "web/home.html",
        {
            "memberships": memberships_of(request.user),
            "peer_profiles": peer_profiles_of(request.user),
        },
    )
