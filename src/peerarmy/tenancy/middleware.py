"""Per-request tenant scoping and language choice.

Every request under /<business>/ runs inside a django-scopes scope for that business, so a
query on a tenant-owned model that forgets the business raises instead of leaking. API
requests are scoped to the business of their bearer token. /admin/ is for the superuser and
runs unscoped.
"""

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)
from django_scopes import scope, scopes_disabled

from .models import Business


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.business = None
        request.api_token = None
        path = request.path_info
        if path.startswith("/admin/"):
            with scopes_disabled():
                return self.get_response(request)
        if path.startswith("/api/"):
            from peerarmy.accounts.services import authenticate_token

            token = authenticate_token(request.headers.get("Authorization", ""))
            if token is not None:
                request.api_token = token
                request.business = token.business
            with _business_scope(request.business):
                return self.get_response(request)
        try:
            slug = resolve(path).kwargs.get("business_slug")
        except Resolver404:
            slug = None
        if slug:
            request.business = Business.objects.filter(slug=slug).first()
            if request.business is None:
                # Let the view raise its ordinary 404 page in the visitor's language.
                request.business_missing = True
        with _business_scope(request.business):
            return self.get_response(request)


def _business_scope(business):
    # Outside a business, tenant-owned models must not be queried at all: an empty scope
    # makes any such query raise ScopeError instead of quietly matching business IS NULL.
    return scope(business=business) if business is not None else scope()


def language_from_request(request, business=None):
    """The switcher's cookie, then Accept-Language, then the business's default language."""
    supported = {code for code, _ in settings.LANGUAGES}
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in supported:
        return cookie
    for accept_lang, _q in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if accept_lang == "*":
            break
        try:
            return get_supported_language_variant(accept_lang)
        except LookupError:
            continue
    if business is not None:
        return business.default_language
    return settings.LANGUAGE_CODE


class BusinessLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_from_request(request, getattr(request, "business", None))
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        vary = response.headers.get("Vary", "")
        if "Accept-Language" not in vary:
            response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        translation.deactivate()
        return response


def get_business_or_404(request):
    if getattr(request, "business", None) is None:
        raise Http404
    return request.business
