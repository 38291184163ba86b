"""Bearer-token authentication for the API, on top of the tenant middleware's work."""

from ninja.security import HttpBearer

from peerarmy.tenancy.services import check_can_manage


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`.

    The tenant middleware has already looked the token up (and scoped the request to its
    business), so this only says whether it found an active one; without it ninja answers 401.
    """

    openapi_bearerFormat = "peerarmy API token"  # noqa: N815 - the OpenAPI field's own name
    openapi_description = (
        "An API token created by a member of the business (console → API tokens). "
        "It acts as that member, in that business only."
    )

    def authenticate(self, request, token):
        api_token = getattr(request, "api_token", None)
        if api_token is None or getattr(request, "business", None) is None:
            return None
        return api_token


def member_business(request):
    """The business the token acts in, after checking its user still runs it."""
    check_can_manage(request.auth.user, request.business)
    return request.business
