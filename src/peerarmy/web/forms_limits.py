"""The console form for a program's fairness limits (the service validates again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DomainErrorsMixin


class FairnessLimitsForm(DomainErrorsMixin, forms.Form):
    max_hours_per_week = forms.IntegerField(
        label=_("Maximum hours per peer per week"), min_value=1, max_value=80
    )
    min_rest_minutes = forms.IntegerField(
        label=_("Minimum rest between two blocks of one peer (minutes)"),
        min_value=0,
        max_value=1440,
    )
    max_future_blocks = forms.IntegerField(
        label=_("Maximum upcoming blocks one peer may hold"), min_value=1, max_value=100
    )
    forfeit_cutoff_minutes = forms.IntegerField(
        label=_("Peers may release or offer a block up to (minutes before it starts)"),
        min_value=0,
        max_value=2880,
    )
