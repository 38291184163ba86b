"""Limit/offset pagination answering `{count, next, previous, results}`."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far beyond any real list, and small enough that no database chokes on it.
MAX_OFFSET = 1_000_000_000


class LimitOffset(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        results: list[Any]

    items_attribute = "results"

    def paginate_queryset(self, queryset, pagination, request, **params):
        limit, offset = pagination.limit, pagination.offset
        count = self._items_count(queryset)
        results = list(queryset[offset : offset + limit]) if offset < count else []
        next_url = _page_url(request, limit, offset + limit) if offset + limit < count else None
        previous_url = _page_url(request, limit, max(0, offset - limit)) if offset > 0 else None
        return {"count": count, "next": next_url, "previous": previous_url, "results": results}


def json_page(request, count, page_json: bytes, pagination):
    """The paginated answer `{count, next, previous, results}` around a page the database
    already wrote as JSON (`page_json`), without reading it back."""
    import orjson
    from django.http import HttpResponse

    limit, offset = pagination.limit, pagination.offset
    links = {
        "count": count,
        "next": _page_url(request, limit, offset + limit) if offset + limit < count else None,
        "previous": _page_url(request, limit, max(0, offset - limit)) if offset > 0 else None,
    }
    head = orjson.dumps(links)[:-1]  # without the closing brace
    return HttpResponse(head + b',"results":' + page_json + b"}", content_type="application/json")


def _page_url(request, limit, offset):
    query = request.GET.copy()
    query["limit"] = str(limit)
    query["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
