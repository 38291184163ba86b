"""allauth adapter: account e-mails (verification, password reset) leave by the outbox, in
the brand of the business the person came from, and everyone lands where they work: members
on their console, peers on their app, someone who signed up from a business on its
application form (on whichever device they confirm their address).

Every link in them starts with `SITE_URL`, as in every other e-mail: never with the host a
request happened to name (a forged `Host` would otherwise put an attacker's address in front
of a password-reset key). The working secrets (the reset and confirmation links, a code) are
cut out of the stored message once it is delivered.
"""

from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse
from django.utils import translation

# The context's links, and those of them that are working secrets.
LINKS = ("activate_url", "password_reset_url", "signup_url")
SECRETS = ("activate_url", "password_reset_url", "key", "code")


def on_site(url: str) -> str:
    """`url` (absolute or a path) moved onto SITE_URL."""
    bits = urlsplit(str(url))
    path = bits.path + (f"?{bits.query}" if bits.query else "")
    return settings.SITE_URL + path


def landing(user) -> str | None:
    """Where `user` goes after logging in when nothing asked for another page: the console
    of the business they run, the application form of the business they signed up from
    (until they applied), the app of the army they are in; None: their page of everything."""
    from peerarmy.peers.selectors import peer_profiles_of
    from peerarmy.tenancy.selectors import find_business, memberships_of

    memberships = memberships_of(user)
    if memberships:
        return reverse("web:manage", kwargs={"business_slug": memberships[0].business.slug})
    peers = peer_profiles_of(user)
    applied_to = {peer.business.slug for peer in peers}
    if user.joined_from and user.joined_from not in applied_to and find_business(user.joined_from):
        return reverse("web:apply", kwargs={"business_slug": user.joined_from})
    if len(peers) == 1:
        return reverse("web:me", kwargs={"business_slug": peers[0].business.slug})
    return None


def origin(user, request=None):
    """The business the person came from (is joining now, or signed up from), or None."""
    from peerarmy.tenancy.selectors import find_business

    from .forms import JOIN_SESSION_KEY

    slug = ""
    if request is not None and hasattr(request, "session"):
        slug = request.session.get(JOIN_SESSION_KEY) or ""  # joining now
    if not slug and user is not None:
        slug = getattr(user, "joined_from", "")  # the account was made from it
    return find_business(slug) if slug else None


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return landing(request.user) or super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        if self.request.user.is_authenticated:
            return self.get_login_redirect_url(self.request)
        # Confirmed on another device (the phone that got the e-mail): log in there, then go
        # on to where this person was going.
        target = landing(email_address.user)
        login = reverse("account_login")
        return f"{login}?{urlencode({'next': target})}" if target else login

    def send_mail(self, template_prefix, email, context):
        from peerarmy.notifications.services import enqueue_email_rendered

        request = allauth_context.request
        site = urlsplit(settings.SITE_URL)
        business = origin(context.get("user"), request)
        ctx = {
            "request": request,
            "email": email,
            "business": business,
            "current_site": {
                "name": business.name if business else "peerarmy",
                "domain": site.netloc,
            },
        }
        ctx.update(context)
        for key in LINKS:
            if ctx.get(key):
                ctx[key] = on_site(ctx[key])
        msg = self.render_mail(template_prefix, email, ctx)
        html = next(
            (body for body, mime in getattr(msg, "alternatives", []) if mime == "text/html"), ""
        )
        enqueue_email_rendered(
            business=business,
            to=email,
            subject=msg.subject,
            body_text=msg.body,
            body_html=html,
            language=translation.get_language() or "it",
            event=f"account.{template_prefix.rsplit('/', 1)[-1]}",
            secrets=[str(ctx[key]) for key in SECRETS if ctx.get(key)],
        )
