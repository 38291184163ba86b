"""Forms of the team page: the rules are the inputs' (`peerarmy.tenancy.inputs`), as
everywhere."""

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.tenancy.inputs import RoleInput, StaffInviteInput
from peerarmy.tenancy.models import Role

from .base import InputForm


class InviteMemberForm(InputForm):
    input_class = StaffInviteInput

    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.STAFF,
        help_text=_(
            "Staff run the console: programs, blocks, peers, superfans, imports and payout "
            "runs. Owners also approve payout runs, change the rewards settings and the team."
        ),
    )


class RoleForm(InputForm):
    input_class = RoleInput

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
