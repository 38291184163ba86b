"""The dashboard of a period and a program, read from the figures kept by `figures.refresh`.

Three grouped reads at most: the sums of the period by bucket (day, week or month) and measure,
the army's level at the end of each bucket, and the work of each peer (from `PeerMonth` for
whole months and `PeerDay` for the ends of the period). Everything a page, the CSV downloads
and the monthly report show comes from `dashboard(...)`."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone
from django_scopes import scopes_disabled

from peerarmy.peers.models import Peer
from peerarmy.programs.models import Program
from peerarmy.rewards.models import ProgramRewards

from . import stats
from .figures import add_months, local_day, month_start, week_start
from .models import DailyFigure, PeerDay, PeerMonth, Refresh

DAY, WEEK, MONTH = "day", "week", "month"
TOP_PEERS = 5
REWARD_FORMS = ("cash", "points", "voucher", "donation")
ARMY_STATUSES = ("active", "applicant", "suspended")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bucket(self) -> str:
        if self.days <= 31:
            return DAY
        if self.days <= 130:
            return WEEK
        return MONTH

    def buckets(self) -> list[date]:
        """The first day of every bucket the period touches (clipped to the period)."""
        starts, day = [], self.first
        while day <= self.last:
            starts.append(day)
            if self.bucket == DAY:
                day = day + timedelta(days=1)
            elif self.bucket == WEEK:
                day = week_start(day) + timedelta(days=7)
            else:
                day = add_months(month_start(day), 1)
        return starts

    def bucket_of(self, day: date) -> date:
        if self.bucket == DAY:
            return day
        start = week_start(day) if self.bucket == WEEK else month_start(day)
        return max(start, self.first)

    def bucket_ends(self) -> list[date]:
        starts = self.buckets()
        return [nxt - timedelta(days=1) for nxt in starts[1:]] + [self.last]


@dataclass
class Dashboard:
    period: Period
    program: object  # the Program filtered on, or None for every program
    buckets: list[date]
    series: dict  # measure -> part -> [value per bucket]
    totals: dict  # measure -> part -> total of the period
    by_program: dict  # program id -> measure -> total
    army: dict  # status -> [level at each bucket's end]
    army_now: dict  # status -> level at the period's end
    spread: dict  # gini, top_share, peers_working, active
    top_peers: list  # (name, tasks, minutes)
    budgets: list  # (program, budget, spent) for the period
    programs: list = field(default_factory=list)
    refreshed_at: object = None

    def total(self, measure, part=None) -> int:
        parts = self.totals.get(measure, {})
        if part is not None:
            return parts.get(part, 0)
        return sum(parts.values())

    def values(self, measure, part=None) -> list[int]:
        parts = self.series.get(measure, {})
        if part is not None:
            return parts.get(part, [0] * len(self.buckets))
        return [sum(column) for column in zip(*parts.values(), strict=True)] or [0] * len(
            self.buckets
        )

    @property
    def cost_per_task(self):
        return stats.per_task(self.total("rewards.cost"), self.total("tasks.completed"))

    @property
    def fill_rate(self):
        offered = self.total("seats.offered")
        return self.total("seats.claimed") / offered if offered else None


def default_period(business, now=None) -> Period:
    """The last 30 days, today included."""
    today = local_day(now or timezone.now(), business.tzinfo)
    return Period(today - timedelta(days=29), today)


def dashboard(business, period: Period, program=None) -> Dashboard:
    program_id = program.pk if program is not None else None
    with scopes_disabled():
        programs = list(Program.objects.filter(business=business).order_by("kind", "title_it"))
        buckets = period.buckets()
        index = {start: i for i, start in enumerate(buckets)}
        series = defaultdict(lambda: defaultdict(lambda: [0] * len(buckets)))
        totals = defaultdict(lambda: defaultdict(int))
        by_program = defaultdict(lambda: defaultdict(int))
        rows = DailyFigure.objects.filter(
            business=business, day__gte=period.first, day__lte=period.last
        ).exclude(measure="army")
        if program_id is not None:
            rows = rows.filter(program_id__in=(0, program_id))
        bucket_field = {DAY: "day", WEEK: "week", MONTH: "month"}[period.bucket]
        grouped = (
            rows.values(bucket_field, "measure", "part", "program_id")
            .annotate(total=Sum("value"))
            .values_list(bucket_field, "measure", "part", "program_id", "total")
        )
        for start, measure, part, pid, total in grouped:
            column = index[period.bucket_of(start) if start < period.first else start]
            series[measure][part][column] += total
            totals[measure][part] += total
            if pid:
                by_program[pid][measure] += total
        ends = period.bucket_ends()
        army = {status: [0] * len(buckets) for status in ARMY_STATUSES}
        levels = DailyFigure.objects.filter(
            business=business, measure="army", day__in=ends
        ).values_list("day", "part", "value")
        end_index = {end: i for i, end in enumerate(ends)}
        for day, part, value in levels:
            if part in army:
                army[part][end_index[day]] = value
        army_now = {status: values[-1] if values else 0 for status, values in army.items()}
        work = _work_by_peer(business, period, program_id)
        refreshed = Refresh.objects.filter(business=business).values_list("refreshed_at", flat=True)
        refreshed_at = refreshed[0] if refreshed else None
        top_peers = _top_peers(business, work)
        budgets = _budgets(business, period, programs, by_program, program_id)
    minutes = [m for _tasks, m in work.values()]
    active = army_now.get("active", 0)
    idle = max(active - len(minutes), 0)
    spread = {
        "gini": stats.gini(minutes + [0] * idle),
        "top_share": stats.top_share(minutes + [0] * idle),
        "peers_working": len(minutes),
        "active": active,
    }
    return Dashboard(
        period=period,
        program=program,
        buckets=buckets,
        series=series,
        totals=totals,
        by_program=by_program,
        army=army,
        army_now=army_now,
        spread=spread,
        top_peers=top_peers,
        budgets=budgets,
        programs=programs,
        refreshed_at=refreshed_at,
    )


def _work_by_peer(business, period, program_id) -> dict:
    """peer id -> [tasks, minutes] of the period: whole months from PeerMonth, the rest by day."""
    first_whole = (
        period.first if period.first.day == 1 else add_months(month_start(period.first), 1)
    )
    after_whole = month_start(period.last + timedelta(days=1))
    work = defaultdict(lambda: [0, 0])

    def add(rows):
        for peer_id, tasks, minutes in rows:
            cell = work[peer_id]
            cell[0] += tasks or 0
            cell[1] += minutes or 0

    def scoped(qs):
        return qs.filter(program_id=program_id) if program_id is not None else qs

    if first_whole < after_whole:
        months = scoped(
            PeerMonth.objects.filter(
                business=business, month__gte=first_whole, month__lt=after_whole
            )
        )
        add(
            months.values("peer_id")
            .annotate(t=Sum("tasks"), m=Sum("minutes"))
            .values_list("peer_id", "t", "m")
        )
        edges = [(period.first, first_whole - timedelta(days=1)), (after_whole, period.last)]
    else:
        edges = [(period.first, period.last)]
    for first, last in edges:
        if first > last:
            continue
        days = scoped(PeerDay.objects.filter(business=business, day__gte=first, day__lte=last))
        add(
            days.values("peer_id")
            .annotate(t=Sum("tasks"), m=Sum("minutes"))
            .values_list("peer_id", "t", "m")
        )
    return work


def _top_peers(business, work) -> list:
    best = sorted(work.items(), key=lambda item: (-item[1][1], -item[1][0], item[0]))[:TOP_PEERS]
    names = dict(
        Peer.objects.filter(business=business, pk__in=[pk for pk, _cell in best]).values_list(
            "pk", "display_name"
        )
    )
    return [(names.get(pk, ""), tasks, minutes) for pk, (tasks, minutes) in best if pk in names]


def _budgets(business, period, programs, by_program, program_id) -> list:
    """Each program's budget for the period (its monthly budget, pro rata of the days of each
    month in the period) against the rewards it paid."""
    monthly = dict(
        ProgramRewards.objects.filter(business=business).values_list(
            "program_id", "monthly_budget_minor"
        )
    )
    rows = []
    for program in programs:
        if program_id is not None and program.pk != program_id:
            continue
        spent = by_program.get(program.pk, {}).get("rewards.cost", 0)
        limit = monthly.get(program.pk)
        budget = _pro_rata(limit, period) if limit else None
        if spent or budget:
            rows.append((program, budget, spent))
    return rows


def _pro_rata(monthly_minor, period) -> int:
    total, month = 0, month_start(period.first)
    while month <= period.last:
        following = add_months(month, 1)
        length = (following - month).days
        first, last = max(month, period.first), min(following - timedelta(days=1), period.last)
        total += monthly_minor * ((last - first).days + 1) / length
        month = following
    return round(total)
