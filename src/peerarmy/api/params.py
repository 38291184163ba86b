"""Parameter types the routers share."""

from django.http import Http404
from ninja import Path

from peerarmy.inputs import MAX_ID, Text

ObjectId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The object's id."}]

__all__ = ["MAX_ID", "ObjectId", "Text", "first_or_404"]


def first_or_404(queryset):
    """The first object of a (business-scoped) queryset, or 404: an id of another business
    answers exactly like an id never used."""
    obj = queryset.first()
    if obj is None:
        raise Http404
    return obj
