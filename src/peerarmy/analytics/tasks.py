"""Background jobs of the dashboard: bring each business's figures up to date (hourly, the
months that may still change; the whole history the first time) and e-mail last month's
report to the owners on the first day of the month, once."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import task

from peerarmy.tenancy.models import Business

from . import report
from .figures import refresh_all, refresh_recent
from .models import Refresh

EVERY = timedelta(hours=1)


def refresh_due(*, now=None) -> int:
    """Refresh the businesses whose figures are an hour old or were never made."""
    now = now or timezone.now()
    with scopes_disabled():
        fresh = set(
            Refresh.objects.filter(refreshed_at__gt=now - EVERY).values_list(
                "business_id", flat=True
            )
        )
        whole = set(
            Refresh.objects.filter(full_at__isnull=False).values_list("business_id", flat=True)
        )
        businesses = list(Business.objects.exclude(pk__in=fresh).order_by("pk"))
    done = 0
    for business in businesses:
        if business.pk in whole:
            refresh_recent(business, now=now)
        else:
            refresh_all(business, now=now)
        done += 1
    return done


@task()
def refresh_figures() -> int:
    """The dashboard's figures of every business, at most once an hour each (every round)."""
    return refresh_due()


@task()
def send_monthly_reports() -> int:
    """Last month's report to each business's owners, once (every round; sends on the 1st)."""
    return report.send_monthly_reports()


PERIODIC = (refresh_figures, send_monthly_reports)
