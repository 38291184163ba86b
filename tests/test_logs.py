"""The log of a refused request is one line: no traceback for a 403 or a 404 (the client's
doing), while a server error keeps its traceback."""

import logging

import pytest
from django.test import Client

from peerarmy.logs import ClientErrorsWithoutTraceback

pytestmark = pytest.mark.django_db


def formatted(record):
    ClientErrorsWithoutTraceback().filter(record)
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_a_refused_console_page_logs_one_line(business, peer, caplog):
    client = Client()
    client.force_login(peer.user)
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(f"/{business.slug}/manage/")

    assert response.status_code == 403
    (record,) = caplog.records
    line = formatted(record)
    assert line == f"WARNING Forbidden (Permission denied): /{business.slug}/manage/"
    assert "Traceback" not in line


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error",
            (),
            sys.exc_info(),
        )
    record.status_code = 500
    assert "Traceback" in formatted(record)
