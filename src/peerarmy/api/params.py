"""Parameter types the routers share."""

from ninja import Path

from peerarmy.inputs import MAX_ID, Text

ObjectId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The object's id."}]

__all__ = ["MAX_ID", "ObjectId", "Text"]
