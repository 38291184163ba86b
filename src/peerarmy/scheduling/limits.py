"""The fairness limits of a program, set by its business: the protection a peer army owes its
people. New limits apply to the next claim; claims already made are kept. The ranges are
`inputs.FairnessLimitsInput`'s."""

from django.db import transaction

from peerarmy.inputs import Outcome
from peerarmy.programs.selectors import get_program
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from .inputs import FairnessLimitsInput
from .models import FairnessLimits
from .selectors import limits_of

__all__ = ["limits_of", "update_fairness_limits"]


@transaction.atomic
def update_fairness_limits(
    business, actor, program, data: FairnessLimitsInput
) -> Outcome[FairnessLimits]:
    """Set the limits of `program` (one of the business's: `NotFound` otherwise); the
    Outcome says whether the program had only the defaults until now (`created`)."""
    check_can(actor, business, Capability.SETUP)
    program = get_program(business, program.pk)
    limits, created = FairnessLimits.objects.select_for_update().get_or_create(
        business=business, program=program, defaults=data.model_dump()
    )
    if not created:
        for name, value in data.model_dump().items():
            setattr(limits, name, value)
        limits.save()
    return Outcome(limits, created=created)
