"""The console's choice, on a block of a recurring series, between changing only that block
and changing it with all the following blocks of the series; and the translation of the
block form into what `scheduling.recurrence.update_template_blocks` takes: only what the
person changed, with the times as a local start time and a duration."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from peerarmy.scheduling.recurrence import SERIES_BLOCK_FIELDS

ONLY_THIS = "this"
FOLLOWING = "following"

# The service's fields and the block form's fields they come from.
FORM_FIELD = {"start_time": "starts_at", "duration_minutes": "ends_at", "reward_minor": "reward"}


class SeriesScopeForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Apply the changes to"),
        choices=[
            (ONLY_THIS, _("Only this block")),
            (FOLLOWING, _("This and all following blocks of the series")),
        ],
        initial=ONLY_THIS,
        widget=forms.RadioSelect,
    )

    @property
    def following(self):
        return self.is_valid() and self.cleaned_data["scope"] == FOLLOWING


def _minute(moment):
    return moment.replace(second=0, microsecond=0) if moment else None


def _same(name, new, old):
    if name in ("latitude", "longitude"):
        return (new is None and old is None) or (
            new is not None and old is not None and Decimal(new) == Decimal(old)
        )
    if name == "required_languages":
        return sorted(new or []) == sorted(old or [])
    return new == old


def series_changes(form, block, tz):
    """What the person changed on this block's form, for the series; or None after adding
    an error to the form for a change that only this block can take (its date, its
    claimable-from time)."""
    d = form.cleaned_data
    starts, ends = d["starts_at"].astimezone(tz), d["ends_at"].astimezone(tz)
    was_starts = block.starts_at.astimezone(tz)
    ok = True
    if starts.date() != was_starts.date():
        form.add_error(
            "starts_at",
            _(
                "For the following blocks only the time can change, each keeps its day. "
                "To move this block to another day, choose “Only this block”."
            ),
        )
        ok = False
    released = d.get("released_at")
    if released is not None and _minute(released) != _minute(block.released_at):
        form.add_error(
            "released_at",
            _("“Claimable from” can be changed for one block at a time."),
        )
        ok = False
    if not ok:
        return None
    changes = {}
    if (starts.hour, starts.minute) != (was_starts.hour, was_starts.minute):
        changes["start_time"] = f"{starts:%H:%M}"
    minutes = int((ends - starts).total_seconds() // 60)
    if minutes != int(block.duration.total_seconds() // 60):
        changes["duration_minutes"] = minutes
    new = form.service_data()
    for name in SERIES_BLOCK_FIELDS:
        if name in new and not _same(name, new[name], getattr(block, name)):
            changes[name] = new[name]
    old_skills = sorted(s.slug for s in block.required_skills.all())
    if sorted(new.get("required_skills", [])) != old_skills:
        changes["required_skills"] = new["required_skills"]
    return changes


def add_series_error(form, exc):
    """Show a series error next to the block form's field it comes from."""
    field = FORM_FIELD.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))
