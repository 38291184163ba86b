"""allauth adapter: account e-mails (verification, password reset) leave by the outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        from peerarmy.notifications.services import enqueue_email_rendered

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
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
        )
