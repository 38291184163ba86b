"""Reads of people's rights: the erasure requests staff answer, and the audit trail."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.tenancy.selectors import members_of

from .models import AccessRecord, ErasureRequest, ErasureStatus

AUDIT_PAGE = 50


def requests_of(business, *, status=""):
    """The business's requests (one status, or all), the next due first."""
    found = ErasureRequest.objects.filter(business=business)
    if status:
        found = found.filter(status=status)
    return found.order_by("due_at", "pk")


def pending_requests(business):
    return list(
        ErasureRequest.objects.filter(business=business, status=ErasureStatus.PENDING)
        .select_related("user")
        .order_by("due_at", "pk")
    )


def decided_requests(business, *, limit=50):
    return list(
        ErasureRequest.objects.filter(business=business)
        .exclude(status=ErasureStatus.PENDING)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def pending_count(business) -> int:
    return ErasureRequest.objects.filter(business=business, status=ErasureStatus.PENDING).count()


def get_erasure(business, erasure_id) -> ErasureRequest:
    found = (
        ErasureRequest.objects.filter(business=business, pk=erasure_id)
        .select_related("user", "decided_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def records_about(business, subjects):
    return AccessRecord.objects.filter(business=business, subject__in=list(subjects))


def access_records(business, filters=None):
    """The audit trail, newest first, as the filters (`inputs.AuditFilterInput`) keep it; the
    period's days are the business's."""
    found = AccessRecord.objects.filter(business=business).select_related("actor")
    if filters is not None:
        if filters.action:
            found = found.filter(action=filters.action)
        if filters.actor_id:
            found = found.filter(actor_id=filters.actor_id)
        zone = business.tzinfo
        if filters.since:
            found = found.filter(at__gte=datetime.combine(filters.since, time.min, zone))
        if filters.until:
            end = datetime.combine(filters.until + timedelta(days=1), time.min, zone)
            found = found.filter(at__lt=end)
    return found.order_by("-at", "-pk")


def audit_actors(business) -> list[tuple[int, str]]:
    """The members the trail can be filtered by: (user id, name)."""
    return [(m.user_id, m.user.get_full_name() or m.user.email) for m in members_of(business)]


def actor_words(record: AccessRecord) -> str:
    """Who, in words: a member by name, the person themselves, or the worker."""
    if record.by_subject:
        return _("The person themselves")
    if record.actor is None:
        return _("A former member")
    return record.actor.get_full_name() or record.actor.email


def overdue(requests, now=None) -> set[int]:
    now = now or timezone.now()
    return {r.pk for r in requests if r.is_overdue(now)}


def subject_words(subject: str) -> str:
    """Whose data, in words: "peer #12", "customer #40", "person 1f3a…" (a hash), "a list"."""
    kind, _space, ref = subject.partition(" ")
    if kind == "peer":
        return _("peer #%(number)s") % {"number": ref}
    if kind == "customer":
        return _("customer #%(number)s") % {"number": ref}
    if kind == "person":
        return _("person %(ref)s") % {"ref": ref}
    if kind == "list":
        return _("a list of many")
    return subject
