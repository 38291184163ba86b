"""Parameter types the routers share."""

from typing import Annotated

from django.http import Http404
from ninja import Path
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# Database ids are positive 64-bit integers: anything else cannot name a row, and a bigger
# number must be refused here rather than overflow in the database driver.
MAX_ID = 2**63 - 1

ObjectId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The object's id."}]


def _refuse_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it as bad input instead of failing later.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text may not contain NUL characters.")
    return value


Text = Annotated[str, AfterValidator(_refuse_nul)]


def first_or_404(queryset):
    """The first object of a (business-scoped) queryset, or 404: an id of another business
    answers exactly like an id never used."""
    obj = queryset.first()
    if obj is None:
        raise Http404
    return obj
