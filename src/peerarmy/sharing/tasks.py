"""Background tasks of sharing: the worker's sweep lapses the bookings never confirmed in time
(freeing their asset), sends the reminders before pick-up, and on the first days of a month
sends every sponsor last month's report.

The sweep enqueues every job each round (a minute by default); the reminders and the reports
need not run that often, so they skip the rounds that come sooner than their interval (a mark
in the shared cache, so several workers do not repeat each other). The jobs run outside any
business's scope: they read across businesses with scopes disabled, as the other apps' do."""

from django.core.cache import cache
from django_scopes import scopes_disabled
from django_tasks import task

from . import reports, services

REMIND_EVERY = 10 * 60
REPORTS_EVERY = 60 * 60


def _due(name: str, seconds: int) -> bool:
    """Whether the job `name` should run now: once per `seconds` across workers."""
    return cache.add(f"sharing.tasks.{name}", 1, timeout=seconds)


@task()
def lapse_bookings() -> int:
    """Unconfirmed bookings past their hold free their asset (every round)."""
    with scopes_disabled():
        return services.lapse_bookings()


@task()
def remind_bookings() -> int:
    """The reminders before pick-up, once each (every 10 minutes)."""
    if not _due("remind_bookings", REMIND_EVERY):
        return 0
    with scopes_disabled():
        return services.remind_bookings()


@task()
def send_sponsor_reports() -> int:
    """Last month's sponsor reports, on the first days of a month, once each (hourly)."""
    if not _due("send_sponsor_reports", REPORTS_EVERY):
        return 0
    return reports.send_monthly_reports()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (lapse_bookings, remind_bookings, send_sponsor_reports)
