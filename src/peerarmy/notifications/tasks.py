"""Background tasks that deliver the outbox."""

from django_tasks import task

from . import services


@task()
def deliver_message(message_id: int) -> str:
    return services.deliver(message_id)


@task()
def deliver_due_messages() -> int:
    return services.deliver_due()
