"""The typed inputs of spread (see `peerarmy.inputs`): the period its figures cover."""

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from peerarmy.inputs import Day, Input, rule_errors

# The figures read at most this many days at once (a year and a day: a leap year fits).
MAX_DAYS = 366
MAX_LIMIT = 100


class PeriodInput(Input):
    """The business's days the figures cover, both included; either may be left open."""

    since: Day | None = Field(None, description="First day (YYYY-MM-DD), included.")
    until: Day | None = Field(None, description="Last day (YYYY-MM-DD), included.")

    @model_validator(mode="after")
    def _in_order(self):
        errors = []
        if self.since and self.until:
            if self.until < self.since:
                errors.append(("until", _("The last day cannot come before the first.")))
            elif (self.until - self.since).days >= MAX_DAYS:
                errors.append(("until", _("Choose at most %(n)d days at once.") % {"n": MAX_DAYS}))
        rule_errors(errors, "PeriodInput")
        return self
