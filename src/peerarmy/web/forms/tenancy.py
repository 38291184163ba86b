"""Forms of the team page: the rules are the inputs' (`peerarmy.tenancy.inputs`), as
everywhere."""

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.tenancy.inputs import RoleInput, ShopSettingsInput, StaffInviteInput
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


def zone_choices():
    """Every time zone as people read it: "Rome (Europe)", "New York (America)"; the value
    is the zone's name. Sorted by what is read."""
    import zoneinfo

    choices = []
    for name in zoneinfo.available_timezones():
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/")):
            continue
        area, _slash, place = name.partition("/")
        choices.append((name, f"{place.replace('_', ' ').replace('/', ', ')} ({area})"))
    return sorted(choices, key=lambda choice: choice[1])


class ShopSettingsForm(InputForm):
    input_class = ShopSettingsInput

    name = forms.CharField(label=_("Name of the business"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    tagline_it = forms.CharField(label=_("Tagline (Italian)"), required=False)
    tagline_en = forms.CharField(label=_("Tagline (English)"), required=False)
    about_it = forms.CharField(
        label=_("About the business (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    about_en = forms.CharField(
        label=_("About the business (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    brand_color = forms.CharField(
        label=_("Brand colour"),
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("The colour of your pages and of the app on your peers' phones."),
    )
    contact_email = forms.CharField(
        label=_("Contact e-mail"),
        required=False,
        widget=forms.EmailInput(),
        help_text=_("Shown on your pages and in the privacy notice."),
    )
    default_language = forms.ChoiceField(
        label=_("Language of your pages for new visitors"),
        choices=[("it", "Italiano"), ("en", "English")],
    )
    timezone = forms.ChoiceField(label=_("Your clock"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()
