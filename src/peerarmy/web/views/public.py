"""The public pages of a business: its landing page, its programs, and the way in."""

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse

from peerarmy.chipin import selectors as chipin
from peerarmy.programs.selectors import get_published_program, published_programs
from peerarmy.tenancy.selectors import visiting_hours

from .base import business_page
from .home import JOIN_SESSION_KEY


@business_page()
def landing(request, business):
    return render(
        request,
        "web/public/landing.html",
        {
            "programs": published_programs(business),
            "visiting": visiting_hours(business),
            "campaigns": [(c, chipin.progress(c)) for c in chipin.public_campaigns(business, 3)],
            "chipin_open": bool(chipin.chipin_programs(business)),
        },
    )


@business_page()
def program_detail(request, business, program_slug):
    program = get_published_program(business, program_slug)
    return render(request, "web/public/program.html", {"program": program})


@business_page()
def join(request, business):
    apply_url = reverse("web:apply", kwargs={"business_slug": business.slug})
    if request.user.is_authenticated:
        return redirect(apply_url)
    # Remembered across sign-up and e-mail verification: /home/ sends the person on to apply.
    request.session[JOIN_SESSION_KEY] = business.slug
    return redirect(f"{reverse('account_signup')}?{urlencode({'next': apply_url})}")
