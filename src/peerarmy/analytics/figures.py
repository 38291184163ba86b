"""Materialising the dashboard's figures: each app's rows, grouped by day in the business's
time zone, written to `DailyFigure`, `PeerDay` and `PeerMonth`.

`refresh(business, first, last)` recomputes whole months (the range is widened to them), in
one transaction: the rows of those months are deleted and written again, so a block completed
late, a match declined after the fact or a reward reversed shows the next time it runs. The
worker runs it hourly for the months that still change (`refresh_recent`) and once for the
whole history (`refresh_all`, also `peerarmy dashboard --refresh`)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_scopes import scopes_disabled

from peerarmy.chipin.models import Pledge
from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
from peerarmy.peers.models import Peer, PeerReview, PeerStatus
from peerarmy.rewards.models import Entry, Reward, RewardStatus, TransactionKind
from peerarmy.scheduling.models import Block, BlockStatus, Claim, ClaimStatus
from peerarmy.superfans.models import Invitation

from .models import DailyFigure, PeerDay, PeerMonth, Refresh

# Months the hourly refresh recomputes before this one and after it (blocks are offered ahead).
RECENT_MONTHS_BEFORE = 2
RECENT_MONTHS_AFTER = 2
BATCH = 5000
ACTIVE_WITHIN_DAYS = 30
# The ledger's transactions the dashboard counts for the apps of money: measure -> kind.
MONEY_KINDS = {
    "sharing.rentals": TransactionKind.RENTAL,
    "resale.sales": TransactionKind.RESALE,
    "chipin.funded": TransactionKind.CAMPAIGN_FUNDED,
}
HELD_CLAIMS = (ClaimStatus.ACTIVE, ClaimStatus.COMPLETED, ClaimStatus.NO_SHOW)


@dataclass(frozen=True)
class Span:
    """Whole months, as local days and the UTC instants around them."""

    first: date
    last: date
    start: datetime
    end: datetime


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def span(business, first: date, last: date) -> Span:
    first = month_start(first)
    last = add_months(last, 1) - timedelta(days=1)
    tz = business.tzinfo
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return Span(first, last, start, end)


def local_day(moment: datetime, tz) -> date:
    return timezone.localtime(moment, tz).date()


class Collector:
    """The rows of one refresh, summed by their key before they are written."""

    def __init__(self):
        self.values = defaultdict(int)

    def add(self, day, measure, value, *, program_id=0, part=""):
        if value:
            self.values[(day, program_id or 0, measure, part or "")] += int(value)

    def rows(self, business_id):
        for (day, program_id, measure, part), value in self.values.items():
            if value:
                yield DailyFigure(
                    business_id=business_id,
                    day=day,
                    week=week_start(day),
                    month=month_start(day),
                    program_id=program_id,
                    measure=measure,
                    part=part,
                    value=value,
                )


def refresh(business, first: date, last: date, *, now=None) -> int:
    """Recompute the figures of the months from `first` to `last`; return the rows written."""
    now = now or timezone.now()
    months = span(business, first, last)
    figures = Collector()
    with scopes_disabled():
        _blocks(business, months, figures)
        _claims(business, months, figures)
        _matches(business, months, figures)
        _requests(business, months, figures)
        _rewards(business, months, figures)
        _money(business, months, figures)
        _army(business, months, figures, now)
        _funnel(business, months, figures)
        work = _work(business, months)
        with transaction.atomic():
            for model in (DailyFigure, PeerDay):
                model.objects.filter(
                    business=business, day__gte=months.first, day__lte=months.last
                ).delete()
            PeerMonth.objects.filter(
                business=business, month__gte=months.first, month__lte=months.last
            ).delete()
            written = _write(DailyFigure, figures.rows(business.pk))
            written += _write(PeerDay, work.days(business.pk))
            written += _write(PeerMonth, work.months(business.pk))
            _mark(business, months.first, now)
    return written


def refresh_recent(business, *, now=None) -> int:
    """The months that may still change: the last few, this one and those blocks are offered in."""
    now = now or timezone.now()
    today = local_day(now, business.tzinfo)
    return refresh(
        business,
        add_months(month_start(today), -RECENT_MONTHS_BEFORE),
        add_months(month_start(today), RECENT_MONTHS_AFTER),
        now=now,
    )


def refresh_all(business, *, now=None) -> int:
    """Every month from the business's first recorded day to the last month of blocks offered."""
    now = now or timezone.now()
    first, last = history_bounds(business, now)
    written = refresh(business, first, last, now=now)
    Refresh.objects.filter(business=business).update(full_at=now)
    return written


def history_bounds(business, now) -> tuple[date, date]:
    tz = business.tzinfo
    today = local_day(now, tz)
    with scopes_disabled():
        starts = [
            Peer.objects.filter(business=business).aggregate(m=Min("applied_at"))["m"],
            Block.objects.filter(business=business).aggregate(m=Min("starts_at"))["m"],
            Match.objects.filter(business=business).aggregate(m=Min("created_at"))["m"],
            Reward.objects.filter(business=business).aggregate(m=Min("created_at"))["m"],
        ]
        latest = Block.objects.filter(business=business).order_by("-starts_at").first()
    days = [local_day(moment, tz) for moment in starts if moment]
    first = min(days) if days else today
    last = max(today, local_day(latest.starts_at, tz) if latest else today)
    return first, last


def _mark(business, first, now):
    mark, _created = Refresh.objects.get_or_create(business=business)
    mark.first_day = min(first, mark.first_day) if mark.first_day else first
    mark.refreshed_at = now
    mark.save()


def _write(model, rows) -> int:
    written = 0
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        written += len(batch)
    return written


def _by_day(queryset, field, tz):
    return queryset.annotate(day=TruncDate(field, tzinfo=tz))


def _blocks(business, months, figures):
    tz = business.tzinfo
    blocks = Block.objects.filter(
        business=business, starts_at__gte=months.start, starts_at__lt=months.end
    ).exclude(status=BlockStatus.CANCELLED)
    rows = (
        _by_day(blocks, "starts_at", tz)
        .annotate(held=Count("claims", filter=Q(claims__status__in=HELD_CLAIMS)))
        .values_list("day", "program_id", "capacity", "held")
    )
    for day, program_id, capacity, held in rows.iterator(chunk_size=BATCH):
        figures.add(day, "blocks.offered", 1, program_id=program_id)
        figures.add(day, "seats.offered", capacity, program_id=program_id)
        figures.add(day, "seats.claimed", min(held, capacity), program_id=program_id)
        if held >= capacity:
            figures.add(day, "blocks.filled", 1, program_id=program_id)


def _claims(business, months, figures):
    tz = business.tzinfo
    claims = Claim.objects.filter(
        business=business,
        starts_at__gte=months.start,
        starts_at__lt=months.end,
        status__in=(ClaimStatus.COMPLETED, ClaimStatus.NO_SHOW),
    )
    rows = (
        _by_day(claims, "starts_at", tz)
        .values("day", "block__program_id", "status")
        .annotate(n=Count("id"))
        .values_list("day", "block__program_id", "status", "n")
    )
    for day, program_id, status, n in rows:
        measure = "claims.completed" if status == ClaimStatus.COMPLETED else "claims.no_show"
        figures.add(day, measure, n, program_id=program_id)
        if status == ClaimStatus.COMPLETED:
            figures.add(day, "tasks.completed", n, program_id=program_id)


def _matches(business, months, figures):
    tz = business.tzinfo
    made = Match.objects.filter(
        business=business, created_at__gte=months.start, created_at__lt=months.end
    )
    rows = (
        _by_day(made, "created_at", tz)
        .values("day", "program_id", "status")
        .annotate(n=Count("id"))
        .values_list("day", "program_id", "status", "n")
    )
    for day, program_id, status, n in rows:
        figures.add(day, "matches.proposed", n, program_id=program_id)
        if status in (MatchStatus.DECLINED, MatchStatus.EXPIRED):
            figures.add(day, "matches.declined", n, program_id=program_id, part=status)
        elif status in (MatchStatus.ACCEPTED, MatchStatus.COMPLETED):
            figures.add(day, "matches.made", n, program_id=program_id)
    done = Match.objects.filter(
        business=business,
        status=MatchStatus.COMPLETED,
        completed_at__gte=months.start,
        completed_at__lt=months.end,
    )
    rows = (
        _by_day(done, "completed_at", tz)
        .values("day", "program_id")
        .annotate(n=Count("id"))
        .values_list("day", "program_id", "n")
    )
    for day, program_id, n in rows:
        figures.add(day, "matches.completed", n, program_id=program_id)
        figures.add(day, "tasks.completed", n, program_id=program_id)


def _requests(business, months, figures):
    tz = business.tzinfo
    received = MatchRequest.objects.filter(
        business=business, created_at__gte=months.start, created_at__lt=months.end
    ).exclude(status=RequestStatus.UNCONFIRMED)
    rows = (
        _by_day(received, "created_at", tz)
        .values("day", "program_id", "status", "unmatched_reason")
        .annotate(n=Count("id"))
        .values_list("day", "program_id", "status", "unmatched_reason", "n")
    )
    for day, program_id, status, reason, n in rows:
        figures.add(day, "requests.received", n, program_id=program_id)
        if status == RequestStatus.EXPIRED or (status == RequestStatus.OPEN and reason):
            figures.add(day, "requests.unmatched", n, program_id=program_id, part=reason or "")


def _rewards(business, months, figures):
    tz = business.tzinfo
    paid = Reward.objects.filter(
        business=business,
        status=RewardStatus.POSTED,
        created_at__gte=months.start,
        created_at__lt=months.end,
    )
    rows = (
        _by_day(paid, "created_at", tz)
        .values("day", "program_id", "kind")
        .annotate(amount=Sum("amount"), cost=Sum("budget_minor"), n=Count("id"))
        .values_list("day", "program_id", "kind", "amount", "cost", "n")
    )
    for day, program_id, kind, amount, cost, n in rows:
        figures.add(day, "rewards.amount", amount, program_id=program_id, part=kind)
        figures.add(day, "rewards.count", n, program_id=program_id, part=kind)
        figures.add(day, "rewards.cost", cost, program_id=program_id, part=kind)


def _money(business, months, figures):
    """Chip-in, sharing and resale from the ledger: each kind's transactions and their money
    (the sum of a transaction's debits, in cents of the business's currency)."""
    tz = business.tzinfo
    kinds = {kind: measure for measure, kind in MONEY_KINDS.items()}
    entries = Entry.objects.filter(
        business=business,
        amount__gt=0,
        transaction__kind__in=list(kinds),
        transaction__occurred_at__gte=months.start,
        transaction__occurred_at__lt=months.end,
    ).exclude(unit="PTS")
    rows = (
        _by_day(entries, "transaction__occurred_at", tz)
        .values("day", "transaction__kind")
        .annotate(total=Sum("amount"), n=Count("transaction_id", distinct=True))
        .values_list("day", "transaction__kind", "total", "n")
    )
    for day, kind, total, n in rows:
        figures.add(day, kinds[kind], n)
        figures.add(day, kinds[kind] + ".money", total)
    pledges = Pledge.objects.filter(
        business=business, received_at__gte=months.start, received_at__lt=months.end
    )
    rows = (
        _by_day(pledges, "received_at", tz)
        .values("day")
        .annotate(total=Sum("received_minor"), n=Count("id"))
        .values_list("day", "total", "n")
    )
    for day, total, n in rows:
        figures.add(day, "chipin.pledges", n)
        figures.add(day, "chipin.pledges.money", total)


def _army(business, months, figures, now):
    """The army by status at the end of each day, told from each peer's dates: an applicant
    from applying to the decision, then what was decided; suspended from the suspension."""
    tz = business.tzinfo
    today = local_day(now, tz)
    days = (months.last - months.first).days + 1
    changes = {status: [0] * (days + 1) for status in ("applicant", "active", "suspended")}

    def mark(status, since, until=None):
        begin = max((since - months.first).days, 0)
        stop = days if until is None else min((until - months.first).days, days)
        if begin < stop:
            changes[status][begin] += 1
            changes[status][stop] -= 1

    suspended = dict(
        PeerReview.objects.filter(business=business, suspended_at__isnull=False)
        .values("peer_id")
        .annotate(at=Min("suspended_at"))
        .values_list("peer_id", "at")
    )
    peers = Peer.objects.filter(business=business, applied_at__lt=months.end).values_list(
        "pk", "status", "applied_at", "decided_at"
    )
    for pk, status, applied_at, decided_at in peers.iterator(chunk_size=BATCH):
        applied = local_day(applied_at, tz)
        decided = local_day(decided_at, tz) if decided_at else None
        if status == PeerStatus.APPLICANT or decided is None:
            mark("applicant", applied)
            continue
        mark("applicant", applied, decided)
        if status == PeerStatus.ACTIVE:
            mark("active", decided)
        elif status == PeerStatus.SUSPENDED:
            since = local_day(suspended[pk], tz) if pk in suspended else decided
            mark("active", decided, max(since, decided))
            mark("suspended", max(since, decided))
    for status, deltas in changes.items():
        level = 0
        for offset in range(days):
            level += deltas[offset]
            day = months.first + timedelta(days=offset)
            if day > today:
                break
            figures.add(day, "army", level, part=status)


def _funnel(business, months, figures):
    """Invited, applied, approved, and of those approved, active within 30 days."""
    tz = business.tzinfo
    invited = Invitation.objects.filter(
        business=business, sent_at__gte=months.start, sent_at__lt=months.end
    )
    for day, n in (
        _by_day(invited, "sent_at", tz)
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    ):
        figures.add(day, "funnel.invited", n)
    applied = Peer.objects.filter(
        business=business, applied_at__gte=months.start, applied_at__lt=months.end
    )
    for day, n in (
        _by_day(applied, "applied_at", tz)
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    ):
        figures.add(day, "funnel.applied", n)
    approved = list(
        Peer.objects.filter(
            business=business,
            decided_at__gte=months.start,
            decided_at__lt=months.end,
            status__in=(PeerStatus.ACTIVE, PeerStatus.SUSPENDED),
        ).values_list("pk", "decided_at")
    )
    first_work = _first_work(business, [pk for pk, _at in approved])
    for pk, decided_at in approved:
        day = local_day(decided_at, tz)
        figures.add(day, "funnel.approved", 1)
        worked = first_work.get(pk)
        if worked and worked - decided_at <= timedelta(days=ACTIVE_WITHIN_DAYS):
            figures.add(day, "funnel.active", 1)


def _first_work(business, peer_ids) -> dict:
    """Each peer's first completed task (a claim's end or a match's completion)."""
    first = {}
    for chunk_start in range(0, len(peer_ids), 900):
        chunk = peer_ids[chunk_start : chunk_start + 900]
        claims = (
            Claim.objects.filter(business=business, peer_id__in=chunk, status=ClaimStatus.COMPLETED)
            .values("peer_id")
            .annotate(at=Min("ends_at"))
            .values_list("peer_id", "at")
        )
        matches = (
            Match.objects.filter(business=business, peer_id__in=chunk, status=MatchStatus.COMPLETED)
            .values("peer_id")
            .annotate(at=Min("completed_at"))
            .values_list("peer_id", "at")
        )
        for peer_id, at in [*claims, *matches]:
            if at and (peer_id not in first or at < first[peer_id]):
                first[peer_id] = at
    return first


class Work:
    def __init__(self):
        self.by_day = defaultdict(lambda: [0, 0])

    def add(self, day, program_id, peer_id, tasks, minutes):
        cell = self.by_day[(day, program_id, peer_id)]
        cell[0] += tasks
        cell[1] += minutes

    def days(self, business_id):
        for (day, program_id, peer_id), (tasks, minutes) in self.by_day.items():
            yield PeerDay(
                business_id=business_id,
                day=day,
                month=month_start(day),
                program_id=program_id,
                peer_id=peer_id,
                tasks=tasks,
                minutes=minutes,
            )

    def months(self, business_id):
        by_month = defaultdict(lambda: [0, 0])
        for (day, program_id, peer_id), (tasks, minutes) in self.by_day.items():
            cell = by_month[(month_start(day), program_id, peer_id)]
            cell[0] += tasks
            cell[1] += minutes
        for (month, program_id, peer_id), (tasks, minutes) in by_month.items():
            yield PeerMonth(
                business_id=business_id,
                month=month,
                program_id=program_id,
                peer_id=peer_id,
                tasks=tasks,
                minutes=minutes,
            )


def _work(business, months) -> Work:
    tz = business.tzinfo
    work = Work()
    claims = Claim.objects.filter(
        business=business,
        status=ClaimStatus.COMPLETED,
        starts_at__gte=months.start,
        starts_at__lt=months.end,
    ).values_list("starts_at", "ends_at", "block__program_id", "peer_id")
    for starts_at, ends_at, program_id, peer_id in claims.iterator(chunk_size=BATCH):
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        work.add(local_day(starts_at, tz), program_id, peer_id, 1, minutes)
    matches = Match.objects.filter(
        business=business,
        status=MatchStatus.COMPLETED,
        completed_at__gte=months.start,
        completed_at__lt=months.end,
    ).values_list("completed_at", "meets_at", "ends_at", "program_id", "peer_id")
    for completed_at, meets_at, ends_at, program_id, peer_id in matches.iterator(chunk_size=BATCH):
        minutes = int((ends_at - meets_at).total_seconds() // 60)
        work.add(local_day(completed_at, tz), program_id, peer_id, 1, minutes)
    return work
