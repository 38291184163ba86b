from functools import cache

from django.conf import settings


def peerarmy(request):
    business = getattr(request, "business", None)

    @cache
    def is_member():
        # Console views have already looked the membership up; other pages ask only when a
        # template wants to know (the navigation), and at most once.
        if hasattr(request, "membership"):
            return request.membership is not None
        user = getattr(request, "user", None)
        if business is None or user is None or not user.is_authenticated:
            return False
        from peerarmy.tenancy.selectors import get_membership

        return get_membership(user, business) is not None

    return {
        "business": business,
        "is_member": is_member,
        "LANGUAGES": settings.LANGUAGES,
        "DEBUG": settings.DEBUG,
    }
