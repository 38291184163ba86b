"""Logging filters of peerarmy."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refused request (403, 404, 405: the client's doing) is one line in the log, not the
    traceback of the exception that answered it (Django attaches it to its warning, chained
    twice for a refusal raised from a domain error). Server errors keep theirs."""

    def filter(self, record):
        if record.name == "django.request" and getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
