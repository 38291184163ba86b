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

    @property
    def field_errors(self):
        """(field, message) pairs for the fields at fault; `InvalidInput` has several."""
        errors = getattr(self, "errors", None)
        if errors is not None:
            return errors
        return [(self.field, self.message)] if self.field else []


class NotFound(DomainError):
    """No such object in this business: another business's id answers exactly like an id
    that was never used (404 on the API and on pages)."""

    code = "not_found"
    status = 404
    default_message = _("Nothing was found at this address.")


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


class IdempotencyKeyReused(DomainError):
    """A retry's `Idempotency-Key` names an earlier change that was not this one."""

    code = "idempotency_key_reused"
    status = 409
    default_message = _("This Idempotency-Key was already used for another request.")
