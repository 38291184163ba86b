"""Per-request tenant scoping and language choice.

Every request under /<business>/ runs inside a django-scopes scope for that business, so a
query on a tenant-owned model that forgets the business raises instead of leaking. An API
request starts in an empty scope; the API's own middleware (`peerarmy.api.middleware`, right
after this one) finds the business of its bearer token and scopes the request to it. /admin/
is for the superuser and runs unscoped. This module knows no app: tenancy sits below them.
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

from . import selectors

API_PREFIX = "/api/"


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.business = None
        path = request.path_info
        if path.startswith("/admin/"):
            with scopes_disabled():
                return self.get_response(request)
        if path.startswith(API_PREFIX):
            # No business until the API's middleware has read the token: nothing tenant-owned
            # can be queried before that.
            with business_scope(None):
                return self.get_response(request)
        try:
            slug = resolve(path).kwargs.get("business_slug")
        except Resolver404:
            slug = None
        if slug:
            request.business = selectors.find_business(slug)
            if request.business is None:
                # Let the view raise its ordinary 404 page in the visitor's language.
                request.business_missing = True
        with business_scope(request.business):
            return self.get_response(request)


def business_scope(business):
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
