"""Forms of the team page: the rules are the inputs' (`peerarmy.tenancy.inputs`), as
everywhere."""

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.tenancy.inputs import ClosureInput, RoleInput, ShopSettingsInput, StaffInviteInput
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
        help_text=_("What each role may do is listed at the top of this page."),
    )


class RoleForm(InputForm):
    input_class = RoleInput

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def zone_choices():
    """Every time zone as people read it in the active language, by CLDR (Babel): "Roma
    (Italia)", "New York (Stati Uniti)"; "Rome (Italy)" in English. The value is the zone's
    name. Sorted by what is read."""
    import zoneinfo

    from babel.core import Locale, get_global
    from babel.dates import get_timezone_location
    from django.utils.translation import get_language

    locale = Locale.parse((get_language() or "en").replace("-", "_"))
    territories = get_global("zone_territories")
    aliases = get_global("zone_aliases")  # old names of a zone ("Asia/Calcutta")
    by_label = {}
    for name in sorted(zoneinfo.available_timezones(), key=lambda n: (n in aliases, n)):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/")):
            continue
        city = get_timezone_location(name, locale=locale, return_city=True)
        country = locale.territories.get(territories.get(name, ""), "")
        label = f"{city} ({country})" if country and country != city else city
        by_label.setdefault(label, name)  # one entry per place read: the zone's current name
    return sorted(
        ((name, label) for label, name in by_label.items()), key=lambda c: c[1].casefold()
    )


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
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("Shown on your pages, for visitors to call."),
    )
    address = forms.CharField(
        label=_("Street address"),
        required=False,
        help_text=_("Where visitors find you, e.g. Via dell'Indipendenza 12."),
    )
    hours_mon = forms.CharField(label=_("Monday"), required=False)
    hours_tue = forms.CharField(label=_("Tuesday"), required=False)
    hours_wed = forms.CharField(label=_("Wednesday"), required=False)
    hours_thu = forms.CharField(label=_("Thursday"), required=False)
    hours_fri = forms.CharField(label=_("Friday"), required=False)
    hours_sat = forms.CharField(label=_("Saturday"), required=False)
    hours_sun = forms.CharField(label=_("Sunday"), required=False)

    HOURS = (
        "hours_mon",
        "hours_tue",
        "hours_wed",
        "hours_thu",
        "hours_fri",
        "hours_sat",
        "hours_sun",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = zone_choices()
        current = self.initial.get("timezone")
        if current and current not in {value for value, _label in choices}:
            choices.insert(0, (current, current))  # an old zone name stays selectable
        self.fields["timezone"].choices = choices
        for name in self.HOURS:
            self.fields[name].widget.attrs["placeholder"] = _("closed")

    def hours_fields(self):
        return [self[name] for name in self.HOURS]


class ClosureForm(InputForm):
    input_class = ClosureInput

    first = forms.CharField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.CharField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Note for visitors"),
        required=False,
        help_text=_("For example: Summer holidays."),
    )

    def input_context(self):
        from django.utils import timezone

        return {
            "business": self.business,
            "today": timezone.localdate(timezone=self.business.tzinfo),
        }


class ShopPhotosForm(forms.Form):
    """A new logo or cover photo (or both); the service reads and checks the files."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("Square works best; shown at the top of your pages and as the app's icon."),
    )
    cover = forms.FileField(
        label=_("Cover photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A wide photo of the shop or your people, at the top of your public page."),
    )
