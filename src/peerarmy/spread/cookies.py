"""The two first-party cookies of share links. Neither holds anything about the person.

- `pa_ref_<business id>`: the link a browser last came through in that business (its id,
  signed with a timestamp, valid 30 days; the last link opened wins). Path `/`, because the
  sign-up page is not under the business's address.
- `pa_seen`: set on one link's own address until the end of the business's day, so that a
  browser opening the same link again that day is not counted twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

REF_PREFIX = "pa_ref_"
REF_SALT = "peerarmy.spread.ref"
REF_DAYS = 30
SEEN = "pa_seen"


def ref_name(business_id: int) -> str:
    return f"{REF_PREFIX}{business_id}"


def set_ref(response, business_id: int, link_id: int, *, secure: bool) -> None:
    response.set_signed_cookie(
        ref_name(business_id),
        str(link_id),
        salt=REF_SALT,
        max_age=REF_DAYS * 24 * 3600,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def refs(request) -> dict[int, int]:
    """{business id: link id} of every valid share-link cookie the browser sent."""
    found = {}
    for name in request.COOKIES:
        if not name.startswith(REF_PREFIX):
            continue
        business_id = name[len(REF_PREFIX) :]
        if not business_id.isdigit():
            continue
        value = request.get_signed_cookie(
            name, default=None, salt=REF_SALT, max_age=timedelta(days=REF_DAYS)
        )
        if value and value.isdigit():
            found[int(business_id)] = int(value)
    return found


def ref_of(request, business_id: int) -> int | None:
    return refs(request).get(business_id)


def already_seen(request, today) -> bool:
    """Whether this browser opened this link (the cookie's path is the link's) today."""
    return request.COOKIES.get(SEEN) == today.isoformat()


def set_seen(response, path: str, today, tz, *, secure: bool) -> None:
    midnight = timezone.make_aware(
        datetime.combine(today + timedelta(days=1), datetime.min.time()), tz
    )
    seconds = max(60, int((midnight - timezone.now()).total_seconds()))
    response.set_cookie(
        SEEN,
        today.isoformat(),
        max_age=seconds,
        path=path,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
