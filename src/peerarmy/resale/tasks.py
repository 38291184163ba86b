"""Background tasks of resale: the worker's sweep ends the reservations past their time (the
item goes back on sale) and pays sellers the sales whose return window has closed. Both read
across businesses with scopes disabled, as the other apps' sweeps do."""

from django_tasks import task

from . import services


@task()
def expire_reservations() -> int:
    """Reservations past their time free their item (every round)."""
    return services.expire_reservations()


@task()
def release_shares() -> int:
    """Sellers are paid the sales whose return window closed (every round)."""
    return services.release_shares()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (expire_reservations, release_shares)
