"""The dashboard's figures: what happened each day, on the business's clock, for each program,
brought up to date by a refresh and read back for any period."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scopes_disabled

from peerarmy.analytics.figures import refresh, refresh_all
from peerarmy.analytics.models import DailyFigure, PeerDay, PeerMonth
from peerarmy.analytics.selectors import MONTH, WEEK, Period, dashboard
from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
from peerarmy.peers.models import PeerStatus
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards.models import Reward, RewardStatus
from peerarmy.scheduling.models import Block, Claim, ClaimStatus
from peerarmy.tenancy.tests.factories import BusinessFactory, PeerFactory, ProgramFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=ROME)


def at(day, hour=9, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


def block(business, program, starts, *, capacity=1, hours=3):
    return Block.objects.create(
        business=business,
        program=program,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
        reward_minor=3000,
    )


def claim(blk, peer, status=ClaimStatus.COMPLETED):
    return Claim.objects.create(
        business=blk.business,
        block=blk,
        peer=peer,
        status=status,
        starts_at=blk.starts_at,
        ends_at=blk.ends_at,
    )


def reward(business, program, peer, when, kind, amount, cost, n):
    return Reward.objects.create(
        business=business,
        key=f"test:{n}",
        program=program,
        peer=peer,
        event="block.completed",
        kind=kind,
        amount=amount,
        unit="PTS" if kind == "points" else "EUR",
        status=RewardStatus.POSTED,
        budget_minor=cost,
        created_at=when,
    )


@pytest.fixture
def shop():
    with scopes_disabled():
        business = BusinessFactory(timezone="Europe/Rome")
        delivery = ProgramFactory(business=business, kind=ProgramKind.DELIVERY)
        guides = ProgramFactory(business=business, kind=ProgramKind.GUIDES)
        anna, ben, carla = (PeerFactory(business=business) for _ in range(3))
        for i, peer in enumerate((anna, ben, carla)):
            peer.applied_at = at(date(2026, 1, 5 + i))
            peer.decided_at = at(date(2026, 1, 8 + i))
            peer.save()
        yield business, delivery, guides, (anna, ben, carla)


def figure(business, measure, day=None, part=None):
    with scopes_disabled():
        rows = DailyFigure.objects.filter(business=business, measure=measure)
        if day is not None:
            rows = rows.filter(day=day)
        if part is not None:
            rows = rows.filter(part=part)
        return sum(rows.values_list("value", flat=True))


def test_a_day_of_blocks_counts_seats_filled_shifts_done_and_no_shows(shop):
    business, delivery, _guides, (anna, ben, carla) = shop
    day = date(2026, 3, 3)
    with scopes_disabled():
        big = block(business, delivery, at(day), capacity=2)
        small = block(business, delivery, at(day, 15), capacity=1)
        block(business, delivery, at(day, 18), capacity=3)  # nobody took it
        claim(big, anna)
        claim(big, ben)
        claim(small, carla, ClaimStatus.NO_SHOW)
    refresh(business, day, day, now=NOW)
    assert figure(business, "blocks.offered", day) == 3
    assert figure(business, "seats.offered", day) == 6
    assert figure(business, "seats.claimed", day) == 3
    assert figure(business, "blocks.filled", day) == 2
    assert figure(business, "claims.completed", day) == 2
    assert figure(business, "claims.no_show", day) == 1
    assert figure(business, "tasks.completed", day) == 2
    with scopes_disabled():
        work = dict(PeerDay.objects.filter(business=business).values_list("peer_id", "minutes"))
    assert work == {anna.pk: 180, ben.pk: 180}


def test_a_late_evening_block_counts_on_the_shops_day_not_utcs(shop):
    business, delivery, _guides, (anna, *_rest) = shop
    # 00:30 in Rome on 1 March is still 28 February in UTC
    with scopes_disabled():
        claim(block(business, delivery, at(date(2026, 3, 1), 0, 30)), anna)
    refresh(business, date(2026, 2, 1), date(2026, 3, 31), now=NOW)
    assert figure(business, "claims.completed", date(2026, 3, 1)) == 1
    assert figure(business, "claims.completed", date(2026, 2, 28)) == 0


def test_refreshing_again_gives_the_same_figures_and_sees_what_changed(shop):
    business, delivery, _guides, (anna, *_rest) = shop
    day = date(2026, 3, 4)
    with scopes_disabled():
        done = claim(block(business, delivery, at(day)), anna, ClaimStatus.ACTIVE)
    refresh(business, day, day, now=NOW)
    refresh(business, day, day, now=NOW)
    assert figure(business, "seats.claimed", day) == 1
    assert figure(business, "claims.completed", day) == 0
    with scopes_disabled():
        Claim.objects.filter(pk=done.pk).update(status=ClaimStatus.COMPLETED)
    refresh(business, day, day, now=NOW)
    assert figure(business, "claims.completed", day) == 1
    assert figure(business, "blocks.offered", day) == 1  # not counted twice


def test_the_army_is_counted_by_status_at_the_end_of_each_day(shop):
    business, _delivery, _guides, peers = shop
    with scopes_disabled():
        late = PeerFactory(business=business, status=PeerStatus.APPLICANT)
        late.applied_at = at(date(2026, 3, 10))
        late.save()
    refresh(business, date(2026, 1, 1), date(2026, 3, 31), now=NOW)
    assert figure(business, "army", date(2026, 1, 6), "applicant") == 2
    assert figure(business, "army", date(2026, 1, 6), "active") == 0
    assert figure(business, "army", date(2026, 1, 10), "active") == 3
    assert figure(business, "army", date(2026, 3, 15), "applicant") == 1
    # nothing is made up for days that have not come yet
    assert figure(business, "army", date(2026, 3, 25)) == 0


def test_matches_made_declined_and_requests_nobody_met_with_the_reason(shop):
    business, _delivery, guides, (anna, ben, _carla) = shop
    day = date(2026, 3, 6)
    with scopes_disabled():

        def request(status, reason=""):
            made = MatchRequest.objects.create(
                business=business,
                program=guides,
                status=status,
                name="V",
                email="v@example.org",
                starts_at=at(day, 10),
                ends_at=at(day, 14),
                languages=["en"],
                latitude="44.493700",
                longitude="11.343000",
                unmatched_reason=reason,
            )
            MatchRequest.objects.filter(pk=made.pk).update(created_at=at(day, 8))
            return made

        met = request(RequestStatus.COMPLETED)
        request(RequestStatus.EXPIRED, "no_language")
        request(RequestStatus.UNCONFIRMED)  # never confirmed: not a request yet
        for peer, status in ((anna, MatchStatus.DECLINED), (ben, MatchStatus.COMPLETED)):
            match = Match.objects.create(
                business=business,
                program=guides,
                request=met,
                peer=peer,
                status=status,
                meets_at=at(day, 10),
                ends_at=at(day, 12),
                respond_by=at(day, 9),
                completed_at=at(day, 13) if status == MatchStatus.COMPLETED else None,
            )
            Match.objects.filter(pk=match.pk).update(created_at=at(day, 8, 30))
    refresh(business, day, day, now=NOW)
    assert figure(business, "requests.received", day) == 2
    assert figure(business, "requests.unmatched", day, "no_language") == 1
    assert figure(business, "matches.proposed", day) == 2
    assert figure(business, "matches.declined", day) == 1
    assert figure(business, "matches.made", day) == 1
    assert figure(business, "matches.completed", day) == 1
    with scopes_disabled():
        assert PeerDay.objects.get(business=business, peer_id=ben.pk).minutes == 120


def test_the_dashboard_of_a_period_sums_its_days_and_filters_a_program(shop):
    business, delivery, guides, (anna, ben, carla) = shop
    with scopes_disabled():
        for n, day in enumerate((date(2026, 2, 27), date(2026, 3, 2), date(2026, 3, 9))):
            claim(block(business, delivery, at(day)), (anna, ben, carla)[n])
            reward(business, delivery, anna, at(day, 13), "cash", 3000, 3000, n)
        reward(business, guides, ben, at(date(2026, 3, 2), 13), "points", 500, 500, 10)
    refresh_all(business, now=NOW)
    march = Period(date(2026, 3, 1), date(2026, 3, 19))
    board = dashboard(business, march)
    assert board.total("claims.completed") == 2
    assert board.total("rewards.cost") == 6500
    assert board.total("rewards.cost", "points") == 500
    assert board.cost_per_task == 3250
    only_delivery = dashboard(business, march, delivery)
    assert only_delivery.total("rewards.cost") == 6000
    assert only_delivery.cost_per_task == 3000
    assert dashboard(business, march, guides).total("claims.completed") == 0
    # three active peers, two worked the same three hours, one did nothing in March
    assert board.spread["peers_working"] == 2
    assert board.spread["active"] == 3
    assert board.spread["gini"] == pytest.approx(1 / 3)
    assert [name for name, _t, _m in board.top_peers] == [ben.display_name, carla.display_name]


def test_whole_months_and_the_ends_of_a_period_give_the_same_work(shop):
    business, delivery, _guides, (anna, *_rest) = shop
    with scopes_disabled():
        for day in (date(2026, 1, 30), date(2026, 2, 10), date(2026, 3, 2), date(2026, 3, 12)):
            claim(block(business, delivery, at(day)), anna)
    refresh_all(business, now=NOW)
    with scopes_disabled():
        assert PeerMonth.objects.filter(business=business).count() == 3
    board = dashboard(business, Period(date(2026, 1, 30), date(2026, 3, 5)))
    assert board.top_peers[0][1:] == (3, 540)
    assert board.period.bucket == WEEK
    assert board.total("claims.completed") == 3


def test_the_buckets_of_a_period_cover_it_without_gaps():
    period = Period(date(2025, 11, 17), date(2026, 3, 31))
    assert period.bucket == MONTH
    assert period.buckets()[0] == date(2025, 11, 17)
    assert period.buckets()[1] == date(2025, 12, 1)
    assert period.bucket_ends()[-1] == date(2026, 3, 31)
    assert len(period.buckets()) == 5


def test_another_business_figures_never_show(shop):
    business, delivery, _guides, (anna, *_rest) = shop
    with scopes_disabled():
        other = BusinessFactory()
        program = ProgramFactory(business=other)
        claim(block(other, program, at(date(2026, 3, 3))), PeerFactory(business=other))
        claim(block(business, delivery, at(date(2026, 3, 3))), anna)
    refresh_all(business, now=NOW)
    refresh_all(other, now=NOW)
    board = dashboard(business, Period(date(2026, 3, 1), date(2026, 3, 19)))
    assert board.total("claims.completed") == 1
    assert board.spread["peers_working"] == 1
