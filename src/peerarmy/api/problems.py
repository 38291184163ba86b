"""Errors as RFC 9457 problem details (`application/problem+json`) with a stable code."""

import json
import logging

from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.responses import NinjaJSONEncoder

from peerarmy.errors import DomainError
from peerarmy.inputs import error_message, field_name

logger = logging.getLogger("peerarmy.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://peerarmy.dev/problems/"


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """An error, as RFC 9457 problem details plus a stable `code` and the fields at fault."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] = []
    reasons: list[str] | None = None  # not_eligible: every reason, in words


def _title(status):
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Permission denied"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Request too large"),
        422: _("Invalid input"),
        429: _("Too many requests"),
    }
    return titles.get(status, _("Server error") if status >= 500 else _("Request failed"))


def problem_response(status, code, detail, errors=(), title=None, extra=None):
    """A problem+json response; `errors` is a list of (field, message) pairs, `extra` more
    members (RFC 9457 extensions)."""
    body = {
        "type": f"{PROBLEM_TYPE_BASE}{code}" if code else "about:blank",
        "title": str(title or _title(status)),
        "status": status,
        "detail": str(detail),
        "code": code,
        "errors": [{"field": field, "message": str(message)} for field, message in errors],
        **(extra or {}),
    }
    content = json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False)
    return HttpResponse(content, status=status, content_type=PROBLEM_CONTENT_TYPE)


def not_found_response(request=None):
    """The API's 404; the web layer may answer it for unknown addresses under /api/."""
    return problem_response(404, "not_found", _("Nothing was found at this address."))


# --- the exception handlers registered on the API ---------------------------------------


def handle_validation_error(request, exc: ValidationError):
    errors = [
        (field_name(error.get("loc")) or "body", error_message(error)) for error in exc.errors
    ]
    if len(errors) == 1:
        detail = errors[0][1]
    else:
        detail = ngettext(
            "%(n)d field is not valid.", "%(n)d fields are not valid.", len(errors)
        ) % {"n": len(errors)}
    return problem_response(422, "validation_failed", detail, errors)


def handle_domain_error(request, exc: DomainError):
    errors = [(field, message) for field, message in exc.field_errors if field]
    extra = None
    reasons = getattr(exc, "reasons", None)
    if reasons:
        # not_eligible: the peer reads every reason, not only the first.
        extra = {"reasons": [str(reason) for reason in reasons]}
    return problem_response(exc.status, exc.code, exc.message, errors, extra=extra)


def handle_authentication_error(request, exc: AuthenticationError):
    if request.headers.get("Authorization"):
        detail = _(
            "The API token is not valid: it may be wrong, revoked, or its owner may "
            "have left the business."
        )
        challenge = 'Bearer realm="peerarmy", error="invalid_token"'
    else:
        detail = _("Send an API token in the header “Authorization: Bearer <token>”.")
        challenge = 'Bearer realm="peerarmy"'
    response = problem_response(401, "not_authenticated", detail)
    response["WWW-Authenticate"] = challenge
    return response


def handle_http_error(request, exc: HttpError):
    # ninja answers HttpError(400, "Cannot parse request body") for any failure to read the
    # body, raised from the original error.
    if exc.status_code == 400 and isinstance(exc.__cause__, RequestDataTooBig):
        return problem_response(413, "payload_too_large", _("The request body is too large."))
    if exc.status_code == 400 and (
        isinstance(exc.__cause__, ValueError) or str(exc).startswith("Cannot parse")
    ):
        return problem_response(400, "invalid_json", _("The request body is not valid JSON."))
    if exc.status_code == 403:
        return handle_permission_denied(request, exc)
    if exc.status_code == 404:
        return handle_not_found(request, exc)
    if exc.status_code == 429:
        return problem_response(429, "throttled", _("Too many requests: try again later."))
    if exc.status_code >= 500:
        return handle_unexpected(request, exc)
    return problem_response(exc.status_code, "bad_request", _("The request is not valid."))


def handle_bad_multipart(request, exc):
    # A multipart body without its boundary, or cut short: the client's fault, not a bug.
    return problem_response(
        400, "bad_request", _("The request body is not valid multipart form data.")
    )


def handle_suspicious(request, exc):
    # Django's own answer to these is a 400; the body is the one we know how to name.
    if isinstance(exc, RequestDataTooBig):
        return problem_response(413, "payload_too_large", _("The request body is too large."))
    return problem_response(400, "bad_request", _("The request is not valid."))


def handle_not_found(request, exc):
    return not_found_response(request)


def handle_permission_denied(request, exc):
    return problem_response(403, "permission_denied", _("You are not allowed to do this."))


def handle_unexpected(request, exc):
    # A real bug: log it (method and path only, no personal data) and tell the client nothing
    # about the internals. The signal lets error reporting and the test client see it.
    logger.error("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    signals.got_request_exception.send(sender=None, request=request)
    return problem_response(
        500, "server_error", _("Something went wrong on our side. Please try again later.")
    )


def install(api):
    """Register the problem+json handlers on a NinjaAPI, replacing ninja's defaults."""
    api.add_exception_handler(Exception, handle_unexpected)
    api.add_exception_handler(ValidationError, handle_validation_error)
    api.add_exception_handler(AuthenticationError, handle_authentication_error)
    api.add_exception_handler(HttpError, handle_http_error)
    api.add_exception_handler(DomainError, handle_domain_error)
    api.add_exception_handler(SuspiciousOperation, handle_suspicious)
    api.add_exception_handler(MultiPartParserError, handle_bad_multipart)
    api.add_exception_handler(Http404, handle_not_found)
    api.add_exception_handler(DjangoPermissionDenied, handle_permission_denied)


def problem_responses(*statuses):
    """The error responses an operation documents, for `response={200: X, **...}`."""
    return dict.fromkeys(statuses, Problem)


class ProblemResponsesMiddleware:
    """Every error under /api/ is problem+json, also those no API handler made: the 405 of
    a method an address does not take (ninja answers it in plain text), Django's own 400 for
    a bad Host header, a 413. The answer keeps its status and headers (`Allow`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            status = response.status_code
            codes = {405: "method_not_allowed", 413: "payload_too_large", 429: "throttled"}
            details = {
                405: _("This address does not take this method."),
                413: _("The request body is too large."),
                429: _("Too many requests: try again later."),
            }
            problem = problem_response(
                status,
                codes.get(status, "bad_request" if status < 500 else "server_error"),
                details.get(status, _("The request is not valid."))
                if status < 500
                else _("Something went wrong on our side. Please try again later."),
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
                if header in response:
                    problem[header] = response[header]
            return problem
        return response
