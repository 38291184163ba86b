"""The form of an API token."""

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.accounts.inputs import TokenInput

from .base import InputForm


class TokenForm(InputForm):
    """A new token's name; the rules are `TokenInput`'s."""

    input_class = TokenInput

    name = forms.CharField(
        label=_("Name"),
        required=False,
        help_text=_("What the token is for, e.g. “shop website” or “booking import”."),
    )
