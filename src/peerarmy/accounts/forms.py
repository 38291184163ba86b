"""The sign-up form: allauth's, with the consent to the privacy notice, and what the new
account remembers of where it came from (the business whose "Join the army" led here)."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Set by a business's "Join the army": the sign-up, its e-mail and the first log-in follow it.
JOIN_SESSION_KEY = "join_business"


class SignupForm(AllauthSignupForm):
    privacy = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my data is used as it says."),
        required=True,
        error_messages={"required": _("Read and accept the privacy notice to sign up.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["privacy"] = self.fields.pop("privacy")  # last, just above the button
        self.fields["privacy"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("web:privacy"),
            _("Read the privacy notice"),
        )

    def save(self, request):
        user = super().save(request)
        user.privacy_accepted_at = timezone.now()
        user.joined_from = (request.session.get(JOIN_SESSION_KEY) or "")[:50]
        user.language = (get_language() or user.language or "it")[:2]
        user.save(update_fields=["privacy_accepted_at", "joined_from", "language"])
        return user
