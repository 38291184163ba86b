"""The form of an API token."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import DomainErrorsMixin


class TokenForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("What the token is for, e.g. “shop website” or “booking import”."),
    )
