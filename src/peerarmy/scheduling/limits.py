"""The fairness limits of a program, set by its business: the protection a peer army owes its
people. New limits apply to the next claim; claims already made are kept."""

from django.db import transaction
from django.utils.translation import gettext as _

from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.tenancy.services import check_can_manage

from .models import FairnessLimits

# field: (lowest, highest)
BOUNDS = {
    "max_hours_per_week": (1, 80),
    "min_rest_minutes": (0, 1440),
    "max_future_blocks": (1, 100),
    "forfeit_cutoff_minutes": (0, 2880),
}


def limits_of(program) -> FairnessLimits:
    """The program's limits, or the defaults (unsaved) when it has none yet."""
    found = FairnessLimits.objects.filter(program=program).first()
    return found or FairnessLimits(business_id=program.business_id, program=program)


def _whole_number(data, name):
    value = data[name]
    if isinstance(value, bool):
        raise ValidationFailed(_("Enter a whole number."), field=name)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Enter a whole number."), field=name) from exc
    low, high = BOUNDS[name]
    if not low <= number <= high:
        raise ValidationFailed(
            _("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high},
            field=name,
        )
    return number


@transaction.atomic
def update_fairness_limits(business, actor, program, data) -> FairnessLimits:
    """Set some or all of `max_hours_per_week` (1–80), `min_rest_minutes` (0–1440),
    `max_future_blocks` (1–100) and `forfeit_cutoff_minutes` (0–2880) for `program`."""
    check_can_manage(actor, business)
    if program.business_id != business.pk:
        raise PermissionDenied()
    unknown = set(data) - set(BOUNDS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    values = {name: _whole_number(data, name) for name in BOUNDS if name in data}
    limits, _created = FairnessLimits.objects.select_for_update().get_or_create(
        program=program, defaults={"business": business}
    )
    for name, value in values.items():
        setattr(limits, name, value)
    limits.save()
    return limits
