"""The peers app's domain errors with a stable code (see `peerarmy.errors`)."""

from django.utils.translation import gettext_lazy as _

from peerarmy.errors import InvalidTransition


class AppealAlreadyMade(InvalidTransition):
    code = "appeal_already_made"
    default_message = _("You have already appealed against this suspension; it can be done once.")


class TooManyCodes(InvalidTransition):
    code = "too_many_codes"
    status = 429
    default_message = _("Too many codes; wait before asking again.")


class WrongCode(InvalidTransition):
    code = "wrong_code"
    status = 422
    default_message = _("This is not the code we sent; check it and try again.")
