"""The real database queue: a message enqueued by a change is delivered by `peerarmy worker`."""

import pytest
from django.core import mail
from django.core.management import call_command

from peerarmy.notifications.models import OutboxMessage, OutboxStatus
from peerarmy.notifications.services import enqueue_email_rendered


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_what_the_database_queue_holds(business, settings):
    # pytest-django's `settings` fixture sends setting_changed, which resets the backends.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    enqueue_email_rendered(  # autocommit: the task goes into the database queue at once
        business=business,
        to="giulia@example.org",
        subject="Ciao",
        body_text="Ciao!",
        language="it",
        event="test",
    )
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    assert mail.outbox == []

    call_command("worker", "--batch", verbosity=0)

    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert [m.subject for m in mail.outbox] == ["Ciao"]
