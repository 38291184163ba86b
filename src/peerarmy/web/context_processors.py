import re
from functools import cache

from django.conf import settings

# The first part of a path that names a business: "/bicigialla/apply/" → "bicigialla".
_SLUG_IN_PATH = re.compile(r"^/([a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?)/")


def _entry_business(request):
    """On the sign-up, log-in, verification and password pages (`/accounts/…`), the business
    the person came from: the page they are going back to (`next`), the business whose "Join
    the army" they followed, or the one their account was made from. Its brand then heads
    the page, as it does the e-mails."""
    if not request.path.startswith("/accounts/"):
        return None
    from allauth.account.models import EmailConfirmationHMAC

    from peerarmy.accounts.adapter import origin
    from peerarmy.tenancy.selectors import find_business

    found = _SLUG_IN_PATH.match(request.GET.get("next") or request.POST.get("next") or "")
    if found:
        business = find_business(found.group(1))
        if business is not None:
            return business
    user = getattr(request, "user", None)
    if request.path.startswith("/accounts/confirm-email/"):
        # The verification link opened on another device: the account it confirms says.
        key = request.path.removeprefix("/accounts/confirm-email/").strip("/")
        confirmation = EmailConfirmationHMAC.from_key(key) if key else None
        if confirmation is not None:
            user = confirmation.email_address.user
    signed_in = user if user is not None and user.is_authenticated else None
    return origin(signed_in, request)


def peerarmy(request):
    business = getattr(request, "business", None) or _entry_business(request)

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
