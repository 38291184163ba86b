"""Domain errors with a stable code: the web layer shows their message, the API answers
problem+json with the code, status and (where there is one) the field at fault."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code=None, field=None, status=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        super().__init__(str(self.message))


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You are not allowed to do this.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_message = _("This change is not possible in the current state.")


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    default_message = _("Some fields are not valid.")
