"""The console's forms for customers: uploading a file to import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.customers.inputs import ImportInput
from peerarmy.customers.models import ImportKind

from .base import InputForm


class ImportForm(InputForm):
    """What the file holds and its format (the import's input), and the file itself, which
    the service checks (too large, unreadable, columns missing: all said on `file`)."""

    input_class = ImportInput

    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=ImportKind.choices, required=False
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[
            ("", _("Find out from the file")),
            ("shopify", "Shopify"),
            ("woocommerce", "WooCommerce"),
            ("generic", _("Spreadsheet (generic format)")),
        ],
        help_text=_(
            "Shopify's and WooCommerce's exports are recognised from their columns; a "
            "spreadsheet needs the columns listed in the guide to imports."
        ),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Commas or semicolons, UTF-8 or the Windows encoding of Excel: all are read as "
            "they are."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
