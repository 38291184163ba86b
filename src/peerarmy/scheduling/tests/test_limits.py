"""The business sets a program's fairness limits; every bad value names its field; a lower
limit applies to the next claim."""

from datetime import timedelta

import pytest

from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.scheduling import errors
from peerarmy.scheduling.inputs import FairnessLimitsInput
from peerarmy.scheduling.limits import update_fairness_limits
from peerarmy.scheduling.models import FairnessLimits
from peerarmy.scheduling.services import claim_block

from .factories import BlockFactory

pytestmark = pytest.mark.django_db
DEFAULTS = {
    "max_hours_per_week": 20,
    "min_rest_minutes": 60,
    "max_future_blocks": 5,
    "forfeit_cutoff_minutes": 60,
}


def limits(**changes):
    return FairnessLimitsInput.parse({**DEFAULTS, **changes})


def test_staff_set_the_limits_of_a_program(business, staff, program):
    outcome = update_fairness_limits(
        business,
        staff,
        program,
        FairnessLimitsInput.parse(
            {
                "max_hours_per_week": "12",
                "min_rest_minutes": 30,
                "max_future_blocks": 3,
                "forfeit_cutoff_minutes": 120,
            }
        ),
    )

    assert outcome.created
    limits = outcome.value
    saved = FairnessLimits.objects.get(program=program)
    assert saved.pk == limits.pk
    assert (saved.max_hours_per_week, saved.min_rest_minutes) == (12, 30)
    assert (saved.max_future_blocks, saved.forfeit_cutoff_minutes) == (3, 120)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_hours_per_week", 0),
        ("max_hours_per_week", 81),
        ("min_rest_minutes", -1),
        ("min_rest_minutes", 1441),
        ("max_future_blocks", 0),
        ("max_future_blocks", 101),
        ("forfeit_cutoff_minutes", 2881),
        ("forfeit_cutoff_minutes", "soon"),
    ],
)
def test_each_bad_value_is_refused_naming_its_field(business, staff, program, field, value):
    with pytest.raises(ValidationFailed) as refused:
        FairnessLimitsInput.parse({**DEFAULTS, field: value})

    assert refused.value.field == field
    assert not FairnessLimits.objects.filter(program=program).exists()


def test_staff_of_another_business_cannot_set_limits(other_staff, business, program):
    with pytest.raises(PermissionDenied):
        update_fairness_limits(business, other_staff, program, limits(max_hours_per_week=5))


def test_a_peer_is_refused_for_weekly_hours_after_the_limit_is_lowered(
    business, staff, peer, program
):
    first = BlockFactory(program=program)  # three hours
    claim_block(peer, first.pk)
    second = BlockFactory(program=program, starts_at=first.starts_at + timedelta(hours=5))

    update_fairness_limits(business, staff, program, limits(max_hours_per_week=5))

    with pytest.raises(errors.WeeklyHoursExceeded) as refused:
        claim_block(peer, second.pk)
    assert refused.value.code == "weekly_hours_exceeded"
