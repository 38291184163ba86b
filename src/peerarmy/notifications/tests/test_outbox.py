"""The outbox: a message exists only if its cause committed, and is retried until delivered."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from peerarmy.notifications.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from peerarmy.notifications.services import backoff, deliver, deliver_due, enqueue_email_rendered

pytestmark = pytest.mark.django_db


def _message(business):
    return enqueue_email_rendered(
        business=business,
        to="giulia@example.org",
        subject="Benvenuta",
        body_text="Ciao Giulia",
        language="it",
        event="test",
    )


def test_a_message_is_sent_after_commit_and_logged(business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _message(business)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert mail.outbox[0].subject == "Benvenuta"
    assert DeliveryAttempt.objects.filter(message=message, success=True).count() == 1


def test_a_rolled_back_change_leaves_no_message(business):
    class Boom(Exception):
        """The change fails after writing its message."""

    with pytest.raises(Boom), transaction.atomic():
        _message(business)
        raise Boom
    assert not OutboxMessage.objects.exists()


def test_a_failing_server_is_retried_with_growing_delays_then_given_up(business, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = _message(business)
    with mock.patch("peerarmy.notifications.services._send", side_effect=OSError("refused")):
        assert deliver(message.pk) == OutboxStatus.PENDING
        message.refresh_from_db()
        first_delay = message.next_attempt_at - timezone.now()
        # not due yet: a second call does nothing
        assert deliver(message.pk) == OutboxStatus.PENDING
        assert message.attempts == 1
        for _ in range(2):
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            deliver(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 3
    assert "refused" in message.last_error
    assert DeliveryAttempt.objects.filter(message=message, success=False).count() == 3
    assert timedelta(seconds=20) < first_delay <= timedelta(seconds=30)
    assert backoff(1) < backoff(2) < backoff(3) <= timedelta(hours=6)
    assert backoff(50) == timedelta(hours=6)


def test_the_sweep_delivers_messages_whose_task_was_lost(business):
    _message(business)  # on_commit never ran: the task was lost
    assert deliver_due() == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert deliver_due() == 0
    assert len(mail.outbox) == 1


def test_an_attachment_travels_with_the_message(business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_email_rendered(
            business=business,
            to="giulia@example.org",
            subject="Il tuo turno",
            body_text="In allegato",
            language="it",
            event="test",
            attachments=[
                {
                    "filename": "turno.ics",
                    "mimetype": "text/calendar",
                    "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                }
            ],
        )
    ((name, content, mimetype),) = mail.outbox[0].attachments
    assert (name, mimetype) == ("turno.ics", "text/calendar")
    assert content.startswith("BEGIN:VCALENDAR")
