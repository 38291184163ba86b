"""The typed inputs of scheduling's changes, built the way the API builds them: the object's
own input overlaid with the fields a test changes."""

from peerarmy.inputs import apply_patch, parse
from peerarmy.scheduling import recurrence
from peerarmy.scheduling.inputs import BlockInput, SeriesChangeInput, SeriesInput


def block_change(block, **fields):
    """`block`'s input with `fields` changed (an API PATCH)."""
    return apply_patch(
        BlockInput,
        BlockInput.of(block).model_dump(),
        fields,
        business=block.business,
        current_start=block.starts_at,
    )


def series(program, **fields):
    """A recurring series of `program` (times on the business's clock)."""
    return parse(
        SeriesInput, {"program_id": program.pk, **fields}, context={"business": program.business}
    )


def change_series(business, actor, template, changes, **kwargs):
    """Apply `changes` to a series as the API's PATCH does; the Outcome's `value.blocks` are
    the blocks changed."""
    data = apply_patch(
        SeriesChangeInput,
        SeriesChangeInput.of(template).model_dump(),
        changes,
        business=business,
    )
    return recurrence.update_template_blocks(
        business, actor, template, data, changed=set(changes), **kwargs
    )
