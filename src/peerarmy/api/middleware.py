"""Bearer tokens for the JSON API: the token names the business an API request acts in.

Registered right after the tenant middleware (which starts every /api/ request in an empty
scope) and before the locale middleware (which falls back to the business's language): a
request with a live token runs inside its business's scope, with `request.api_token` and
`request.business` set; without one (no token, an unknown or revoked one, a member who left)
it stays in the empty scope, and the API's authentication answers 401 problem+json."""

from peerarmy.accounts.services import authenticate_token
from peerarmy.tenancy.middleware import API_PREFIX, business_scope


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        token = authenticate_token(request.headers.get("Authorization", ""))
        request.api_token = token
        request.business = token.business if token is not None else None
        if token is None:
            return self.get_response(request)
        with business_scope(token.business):
            return self.get_response(request)
