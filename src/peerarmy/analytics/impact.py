"""A peer's impact: the hours they gave, the people they met, the campaigns they helped, what
they earned and gave away in their name, what visitors said of them and the badges they won.

Each figure is the one the peer already knows from their own pages, read through the app that
owns it: a block counts once it is completed (scheduling), a meeting once it is completed
(matching), a campaign once a pledge through their share link is paid (chip-in credits them
the same way), a reward once posted and not corrected since (their wallet), a rating once it
is revealed (their reliability page). Hours are the scheduled length of completed blocks and
meetings; a period holds what started in it (a block, a meeting, a rental), what was granted in
it (a reward, a badge), what arrived in it (a pledge's money) or was said in it (a rating).

The periods and the month buckets are plain arithmetic on aware datetimes (no Django): the
chart puts a block in the month it started, in the business's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

ALL, YEAR, LAST_12_MONTHS = "all", "year", "12m"
PERIODS = (ALL, YEAR, LAST_12_MONTHS)
CHART_MONTHS = 12
COMMENTS_SHOWN = 3
# The parts of the impact a peer's public page may show (`rewards.Showcase.show_<part>`).
PARTS = ("hours", "activity", "ratings", "badges", "donations", "earnings")


# --- periods and months (pure) ------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime, tz: tzinfo) -> date:
    """The first day of the month `moment` falls in, in the time zone `tz`."""
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def months_up_to(today: date, count: int = CHART_MONTHS) -> list[date]:
    """The first days of the `count` calendar months that end with `today`'s, oldest first."""
    return [add_months(today, offset) for offset in range(1 - count, 1)]


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The moment `day` begins in the time zone `tz` (aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def period_bounds(
    period: str, now: datetime, tz: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """[since, until) of a period the peer chooses, in the business's time zone: all time
    (both open), this calendar year, or the last twelve calendar months (this one included,
    as the chart shows them). Nothing ends after `now`, so both later ends are open."""
    today = now.astimezone(tz).date()
    if period == YEAR:
        return local_midnight(date(today.year, 1, 1), tz), None
    if period == LAST_12_MONTHS:
        return local_midnight(months_up_to(today)[0], tz), None
    if period == ALL:
        return None, None
    raise ValueError(f"unknown period {period!r}")


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end` (none when it ends before it starts)."""
    return max(int((end - start).total_seconds() // 60), 0)


def minutes_by_month(spans: Iterable[tuple[datetime, int]], months: list[date], tz: tzinfo):
    """Minutes per month of `months` (first days, consecutive, oldest first) from `spans`,
    each (start, minutes) counted whole in the month it starts in, in `tz`; spans outside
    the months are left out."""
    position = {month: index for index, month in enumerate(months)}
    totals = [0] * len(months)
    for start, minutes in spans:
        index = position.get(month_of(start, tz))
        if index is not None:
            totals[index] += minutes
    return totals


def average_stars(distribution: tuple[int, ...]) -> float | None:
    """The average of ratings counted by stars (index 0: one star), to one decimal."""
    count = sum(distribution)
    if not count:
        return None
    total = sum(stars * n for stars, n in enumerate(distribution, start=1))
    return round(total / count, 1)


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """What the peer did."""

    blocks_completed: int = 0
    deliveries: int = 0  # completed blocks of delivery programs
    visitors_guided: int = 0  # people in the groups of completed guides meetings
    guided_meetings: int = 0
    layovers_met: int = 0  # completed meetings of layover programs
    travellers_met: int = 0  # people in their groups
    campaigns_helped: int = 0  # chip-in campaigns a pledge through their link was paid to
    pledges_brought: int = 0
    raised_minor: int = 0  # what those pledges paid, in the business's currency
    rentals: int = 0  # times their own things were rented out
    items_sold: int = 0  # their used items sold through the shop (and kept by the buyer)

    @property
    def any(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Earnings:
    """What came back to the peer, in the form it took."""

    cash_minor: int = 0
    vouchers_minor: int = 0  # rewards paid as shop credit
    points: int = 0
    rentals_minor: int = 0  # their share of the rentals of their own things

    @property
    def money_minor(self) -> int:
        return self.cash_minor + self.vouchers_minor + self.rentals_minor

    @property
    def any(self) -> bool:
        return bool(self.money_minor or self.points)


@dataclass(frozen=True)
class Donation:
    cause_id: int
    cause: str  # its name in the active language
    amount_minor: int


@dataclass(frozen=True)
class Comment:
    stars: int
    created_at: datetime
    text: str


@dataclass(frozen=True)
class Ratings:
    """The revealed ratings the peer received, and the newest visitors' comments."""

    distribution: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # one star .. five
    comments: tuple[Comment, ...] = ()

    @property
    def count(self) -> int:
        return sum(self.distribution)

    @property
    def average(self) -> float | None:
        return average_stars(self.distribution)

    @property
    def rows(self) -> list[tuple[int, int, int]]:
        """(stars, how many, percent of all) from five stars down, for the page's bars."""
        count = self.count
        return [
            (stars, n, round(100 * n / count) if count else 0)
            for stars, n in reversed(list(enumerate(self.distribution, start=1)))
        ]


@dataclass(frozen=True)
class BadgeWon:
    slug: str
    name: str
    description: str
    awarded_at: datetime


@dataclass(frozen=True)
class MonthHours:
    month: date  # its first day
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class Impact:
    """A peer's impact over [since, until) (an open end: None)."""

    since: datetime | None
    until: datetime | None
    currency: str
    block_minutes: int = 0
    meeting_minutes: int = 0
    activity: Activity = Activity()
    earnings: Earnings = Earnings()
    donations: tuple[Donation, ...] = ()
    ratings: Ratings = Ratings()
    badges: tuple[BadgeWon, ...] = ()

    @property
    def minutes(self) -> int:
        return self.block_minutes + self.meeting_minutes

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def donated_minor(self) -> int:
        return sum(d.amount_minor for d in self.donations)

    @property
    def is_empty(self) -> bool:
        return not (
            self.minutes
            or self.activity.any
            or self.earnings.any
            or self.donations
            or self.ratings.count
            or self.badges
        )


def _activity_and_minutes(peer, since, until):
    from peerarmy.chipin import selectors as chipin
    from peerarmy.matching import selectors as matching
    from peerarmy.programs.models import ProgramKind
    from peerarmy.resale import selectors as resale
    from peerarmy.scheduling import selectors as scheduling
    from peerarmy.sharing import selectors as sharing

    business = peer.business
    claims = scheduling.completed_claim_spans(peer, since=since, until=until)
    meetings = matching.completed_match_spans(peer, since=since, until=until)
    guided = [m for m in meetings if m[2] == ProgramKind.GUIDES]
    layovers = [m for m in meetings if m[2] == ProgramKind.LAYOVER]
    currency = business.currency or "EUR"
    pledges = chipin.pledges_brought_by(peer, since=since, until=until)
    activity = Activity(
        blocks_completed=len(claims),
        deliveries=sum(1 for c in claims if c[2] == ProgramKind.DELIVERY),
        visitors_guided=sum(max(m[3] or 1, 1) for m in guided),
        guided_meetings=len(guided),
        layovers_met=len(layovers),
        travellers_met=sum(max(m[3] or 1, 1) for m in layovers),
        campaigns_helped=len({p[0] for p in pledges}),
        pledges_brought=len(pledges),
        raised_minor=sum(p[1] for p in pledges if p[2] == currency),
        rentals=sharing.rentals_of_owner_count(business, peer, since=since, until=until),
        items_sold=resale.sold_count_of_seller(business, peer.user_id, since=since, until=until),
    )
    block_minutes = sum(minutes_between(c[0], c[1]) for c in claims)
    meeting_minutes = sum(minutes_between(m[0], m[1]) for m in meetings)
    return activity, block_minutes, meeting_minutes


def _earnings_and_donations(peer, since, until):
    from peerarmy.money import POINTS
    from peerarmy.rewards import selectors as rewards
    from peerarmy.rewards.models import RewardKind
    from peerarmy.sharing import selectors as sharing

    business = peer.business
    currency = business.currency or "EUR"
    cash = vouchers = points = 0
    given: dict[int, int] = {}
    for kind, unit, cause_id, total in rewards.reward_totals(peer, since=since, until=until):
        if kind == RewardKind.POINTS and unit == POINTS:
            points += total
        elif unit != currency:
            continue  # a business keeps one currency; an old one's rewards are not added up
        elif kind == RewardKind.CASH:
            cash += total
        elif kind == RewardKind.VOUCHER:
            vouchers += total
        elif kind == RewardKind.DONATION and cause_id is not None:
            given[cause_id] = given.get(cause_id, 0) + total
    rentals = sharing.earnings_of_owner_between(business, peer, since=since, until=until)
    earnings = Earnings(
        cash_minor=cash,
        vouchers_minor=vouchers,
        points=points,
        rentals_minor=rentals.get(currency, 0),
    )
    causes = rewards.causes_by_id(business, given) if given else {}
    donations = tuple(
        sorted(
            (
                Donation(cause_id, causes[cause_id].name, amount)
                for cause_id, amount in given.items()
                if cause_id in causes
            ),
            key=lambda d: (-d.amount_minor, d.cause),
        )
    )
    return earnings, donations


def _ratings(peer, since, until, now):
    from peerarmy.trust import selectors as trust

    counted = trust.stars_received(peer.business, peer, since=since, until=until, now=now)
    comments = trust.visitor_comments(
        peer.business, peer, since=since, until=until, now=now, limit=COMMENTS_SHOWN
    )
    return Ratings(
        distribution=tuple(counted.get(stars, 0) for stars in range(1, 6)),
        comments=tuple(Comment(r.stars, r.created_at, r.comment) for r in comments),
    )


def _badges(peer, since, until):
    from peerarmy.rewards import selectors as rewards

    return tuple(
        BadgeWon(won.badge.slug, won.badge.name, won.badge.description, won.awarded_at)
        for won in rewards.badges_awarded(peer, since=since, until=until)
    )


def impact_of(peer, *, since=None, until=None, now=None) -> Impact:
    """The peer's impact over [since, until) (either end open when None), in the business's
    currency; names (causes, badges) in the active language."""
    activity, block_minutes, meeting_minutes = _activity_and_minutes(peer, since, until)
    earnings, donations = _earnings_and_donations(peer, since, until)
    return Impact(
        since=since,
        until=until,
        currency=peer.business.currency or "EUR",
        block_minutes=block_minutes,
        meeting_minutes=meeting_minutes,
        activity=activity,
        earnings=earnings,
        donations=donations,
        ratings=_ratings(peer, since, until, now),
        badges=_badges(peer, since, until),
    )


def impact_over(peer, period: str, *, now=None) -> Impact:
    """The peer's impact over a period they choose (`PERIODS`)."""
    from django.utils import timezone

    now = now or timezone.now()
    since, until = period_bounds(period, now, peer.business.tzinfo)
    return impact_of(peer, since=since, until=until, now=now)


def hours_by_month(peer, *, now=None, count: int = CHART_MONTHS) -> list[MonthHours]:
    """The minutes the peer gave in each of the last `count` calendar months (this one
    included), oldest first, in the business's time zone: completed blocks and meetings."""
    from django.utils import timezone

    from peerarmy.matching import selectors as matching
    from peerarmy.scheduling import selectors as scheduling

    now = now or timezone.now()
    tz = peer.business.tzinfo
    months = months_up_to(now.astimezone(tz).date(), count)
    since = local_midnight(months[0], tz)
    spans = [
        (start, minutes_between(start, end))
        for start, end, _kind in scheduling.completed_claim_spans(peer, since=since)
    ] + [
        (start, minutes_between(start, end))
        for start, end, _kind, _size in matching.completed_match_spans(peer, since=since)
    ]
    totals = minutes_by_month(spans, months, tz)
    return [MonthHours(month, minutes) for month, minutes in zip(months, totals, strict=True)]


# --- the public page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What a peer's public page shows of their impact: None for a part they keep private,
    so that a template cannot show it by mistake."""

    hours: float | None = None
    activity: Activity | None = None
    ratings: Ratings | None = None
    badges: tuple[BadgeWon, ...] | None = None
    donations: tuple[Donation, ...] | None = None
    earnings: Earnings | None = None
    currency: str = "EUR"

    @property
    def any(self) -> bool:
        return any(
            value is not None
            for value in (
                self.hours,
                self.activity,
                self.ratings,
                self.badges,
                self.donations,
                self.earnings,
            )
        )


def shown(impact: Impact, parts: Iterable[str]) -> Shown:
    """The parts of `impact` a peer chose to show (`PARTS`), and nothing else."""
    parts = set(parts)
    unknown = parts - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}")
    return Shown(
        hours=impact.hours if "hours" in parts else None,
        activity=impact.activity if "activity" in parts else None,
        ratings=impact.ratings if "ratings" in parts else None,
        badges=impact.badges if "badges" in parts else None,
        donations=impact.donations if "donations" in parts else None,
        earnings=impact.earnings if "earnings" in parts else None,
        currency=impact.currency,
    )


def summary(public: Shown) -> str:
    """A line of the figures a peer shows, for a link's preview: "12 hours given, 7 visitors
    guided, 4.8 ★ from 5 ratings" (in the active language); empty without any."""
    from django.utils.formats import number_format
    from django.utils.translation import ngettext

    words = []
    if public.hours:
        hours = number_format(public.hours, decimal_pos=1 if public.hours % 1 else 0)
        words.append(
            ngettext("%(hours)s hour given", "%(hours)s hours given", 1 if public.hours == 1 else 2)
            % {"hours": hours}
        )
    activity = public.activity
    if activity is not None:
        if activity.visitors_guided:
            n = activity.visitors_guided
            words.append(ngettext("%(n)d visitor guided", "%(n)d visitors guided", n) % {"n": n})
        if activity.layovers_met:
            n = activity.layovers_met
            words.append(ngettext("%(n)d layover met", "%(n)d layovers met", n) % {"n": n})
        if activity.deliveries:
            n = activity.deliveries
            words.append(ngettext("%(n)d delivery", "%(n)d deliveries", n) % {"n": n})
        if activity.campaigns_helped:
            n = activity.campaigns_helped
            words.append(ngettext("%(n)d campaign helped", "%(n)d campaigns helped", n) % {"n": n})
        if activity.blocks_completed and not activity.deliveries:
            n = activity.blocks_completed
            words.append(ngettext("%(n)d block completed", "%(n)d blocks completed", n) % {"n": n})
    ratings = public.ratings
    if ratings is not None and ratings.count:
        stars = number_format(ratings.average, decimal_pos=1)
        words.append(
            ngettext(
                "%(stars)s ★ from %(n)d rating", "%(stars)s ★ from %(n)d ratings", ratings.count
            )
            % {"stars": stars, "n": ratings.count}
        )
    return ", ".join(words)
