"""allauth adapter: account e-mails (verification, password reset) leave by the outbox.

Every link in them starts with `SITE_URL`, as in every other e-mail: never with the host a
request happened to name (a forged `Host` would otherwise put an attacker's address in front
of a password-reset key). The working secrets (the reset and confirmation links, a code) are
cut out of the stored message once it is delivered.
"""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import translation

# The context's links, and those of them that are working secrets.
LINKS = ("activate_url", "password_reset_url", "signup_url")
SECRETS = ("activate_url", "password_reset_url", "key", "code")


def on_site(url: str) -> str:
    """`url` (absolute or a path) moved onto SITE_URL."""
    bits = urlsplit(str(url))
    path = bits.path + (f"?{bits.query}" if bits.query else "")
    return settings.SITE_URL + path


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        from peerarmy.notifications.services import enqueue_email_rendered

        request = allauth_context.request
        site = urlsplit(settings.SITE_URL)
        ctx = {
            "request": request,
            "email": email,
            "current_site": {"name": "peerarmy", "domain": site.netloc},
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
            business=None,
            to=email,
            subject=msg.subject,
            body_text=msg.body,
            body_html=html,
            language=translation.get_language() or "it",
            event=f"account.{template_prefix.rsplit('/', 1)[-1]}",
            secrets=[str(ctx[key]) for key in SECRETS if ctx.get(key)],
        )
