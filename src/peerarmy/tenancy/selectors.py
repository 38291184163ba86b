"""Reads of businesses and of who runs them."""

from peerarmy.errors import NotFound

from .models import Business, Membership


def listed_businesses():
    """Every business, by name (the site's front page)."""
    return Business.objects.order_by("name", "pk")


def businesses_by_slug():
    """Every business, by address (the operator's list)."""
    return Business.objects.order_by("slug")


def storable(text) -> bool:
    """Whether a row could hold this text at all. What a shell hands over may hold a lone
    surrogate (Linux gives one for every byte of an argument that is not UTF-8), and a URL
    or a JSON body may hold NUL: no database stores either (PostgreSQL refuses both, SQLite
    cannot encode a surrogate), so such a text names nothing and is not even asked for."""
    if not isinstance(text, str):
        return True
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def get_business_by_slug(slug) -> Business:
    """The business at address `slug`; `NotFound` if there is none (a slug no database can
    hold included)."""
    business = find_business(slug)
    if business is None:
        raise NotFound()
    return business


def find_business(slug):
    """The business at address `slug`, or None (the tenant middleware's and the operator
    commands' question). A slug no database can hold is simply not found."""
    if not storable(slug):
        return None
    return Business.objects.filter(slug=slug).first()


def business_exists(slug) -> bool:
    return Business.objects.filter(slug=slug).exists()


def get_membership(user, business):
    """The user's membership of the business (owner or staff), or None."""
    if user is None or not user.is_authenticated or business is None:
        return None
    return Membership.objects.filter(business=business, user=user).first()


def is_member(user_id, business_id) -> bool:
    return Membership.objects.filter(business=business_id, user=user_id).exists()


def memberships_of(user):
    """Every business the user runs, with their role."""
    return list(
        Membership.objects.filter(user=user).select_related("business").order_by("business__name")
    )


def member_count(business) -> int:
    """How many people run the business (owners and staff)."""
    return Membership.objects.filter(business=business).count()


def members_of(business):
    """The business's owner and staff, with their accounts (who hears about applications)."""
    return list(business.memberships.select_related("user").order_by("pk"))


def closures(business, *, today=None, limit=20):
    """The business's closures not yet over, soonest first (holidays, on its pages and in
    the console)."""
    from django.utils import timezone

    from .models import Closure

    today = today or timezone.localdate(timezone=business.tzinfo)
    return list(
        Closure.objects.filter(business=business, last__gte=today).order_by("first")[:limit]
    )


def visiting_hours(business, *, now=None):
    """What a visitor reads of when to come: each weekday with its hours (in the reader's
    language, Monday first), whether the shop is open now, and the closures to come."""
    from django.utils import timezone
    from django.utils.dates import WEEKDAYS as DAY_NAMES

    from . import hours

    now = timezone.localtime(now or timezone.now(), business.tzinfo)
    coming = closures(business, today=now.date(), limit=5)
    week = business.opening_hours or {}
    return {
        "days": [
            {
                "name": DAY_NAMES[index],
                "hours": hours.format_day(hours.from_stored(week.get(key, []))),
                "today": index == now.weekday(),
            }
            for index, key in enumerate(hours.WEEKDAYS)
        ],
        "has_hours": hours.has_hours(week),
        "open_now": hours.is_open(week, [(c.first, c.last) for c in coming], now),
        "closures": coming,
    }
