"""Background tasks that deliver the outbox (with a task backend other than the database
queue; with the database queue the worker's outbox relay delivers, see services.py)."""

from django_tasks import task

from . import services


@task()
def deliver_message(message_id: int) -> str:
    return services.deliver(message_id)
