"""Background tasks of support (the worker's sweep enqueues them every minute)."""

from django_tasks import task

from . import services


@task()
def warn_sla_breaches() -> int:
    """Tell the assignee and the owners, once, of each ticket past its SLA deadline."""
    return services.warn_breaches()


# What the worker's periodic sweep enqueues (every --sweep-every seconds).
PERIODIC = (warn_sla_breaches,)
