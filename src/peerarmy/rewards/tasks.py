"""Background tasks of the rewards app."""

from django_tasks import task

from . import services


@task()
def expire_vouchers() -> int:
    """Book what is left on expired vouchers as income (the worker's sweep runs it)."""
    return services.expire_vouchers()


@task()
def reward_service_anniversaries() -> int:
    """Give the rewards for a year of service (the worker's sweep runs it)."""
    return services.service_anniversaries()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (
    expire_vouchers,
    reward_service_anniversaries,
)
