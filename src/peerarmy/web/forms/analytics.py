"""The dashboard's filter: a period (a preset or two dates) and a program."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerarmy.analytics.figures import add_months, month_start
from peerarmy.analytics.selectors import Period

PRESETS = [
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("month", _("Last month")),
    ("year", _("This year")),
    ("12m", _("Last 12 months")),
    ("custom", _("Dates of my choice")),
]
LONGEST_DAYS = 3 * 366


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=pgettext_lazy("dashboard", "Period"), choices=PRESETS, required=False
    )
    start = forms.DateField(
        label=pgettext_lazy("dashboard", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("dashboard", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    program = forms.TypedChoiceField(
        label=pgettext_lazy("dashboard", "Program"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, programs=(), today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["program"].choices = [("", _("All programs"))] + [
            (p.pk, p.title) for p in programs
        ]

    def clean(self):
        data = super().clean()
        preset = data.get("period") or "30d"
        data["period"] = preset
        if preset != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if start is None:
            self.add_error("start", _("Give the first day of the period."))
        if end is None:
            self.add_error("end", _("Give the last day of the period."))
        if start and end:
            if end < start:
                self.add_error("end", _("The last day comes before the first."))
            elif (end - start).days >= LONGEST_DAYS:
                self.add_error("end", _("Choose a period of at most three years."))
        return data

    def chosen_period(self) -> Period:
        """The period asked for; the last 30 days when the form is not valid."""
        today = self.today
        data = self.cleaned_data if self.is_valid() else {"period": "30d"}
        preset = data["period"]
        if preset == "custom":
            return Period(data["start"], data["end"])
        if preset == "90d":
            return Period(today - timedelta(days=89), today)
        if preset == "month":
            first = add_months(month_start(today), -1)
            return Period(first, month_start(today) - timedelta(days=1))
        if preset == "year":
            return Period(today.replace(month=1, day=1), today)
        if preset == "12m":
            return Period(add_months(month_start(today), -11), today)
        return Period(today - timedelta(days=29), today)

    def chosen_program_id(self):
        return self.cleaned_data.get("program") if self.is_valid() else None
