"""The typed inputs of scheduling's changes, built the way the API builds them: the object's
own input overlaid with the fields a test changes."""

from peerarmy.inputs import apply_patch, parse
from peerarmy.scheduling import recurrence
from peerarmy.scheduling.inputs import BlockInput, SeriesInput, SeriesPatchInput


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


def change_series(business, actor, template, changes, *, from_block=None, **kwargs):
    """Apply `changes` to a series as the API's PATCH does (with `from_block`: to that block
    and the following ones); the Outcome's `value.blocks` are the blocks changed."""
    if from_block is not None:
        changes = {**changes, "from_block": from_block.pk}
    return recurrence.update_template_blocks(
        business, actor, template, SeriesPatchInput.parse(changes), **kwargs
    )
