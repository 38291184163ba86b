"""A peer's impact: each figure is the one the peer knows from their own pages, on known data
(and nothing of another peer or another army in it); the periods and the month buckets hold
for any moment (hypothesis); the page, its period choice and chart in English and Italian;
the public page shows what the peer chose and nothing else; the API answers only the caller's
figures."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from peerarmy.accounts.services import create_peer_token
from peerarmy.analytics import impact
from peerarmy.api.tests.conftest import ApiClient, problem_fields
from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards import services as reward_services
from peerarmy.rewards.models import PeerBadge, RewardKind, Showcase
from peerarmy.rewards.tests.factories import (
    add_badge,
    add_cause,
    add_rule,
    change_program_rewards,
    correct,
    occurrence,
    set_showcase,
)
from peerarmy.scheduling.models import Claim, ClaimStatus
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    BusinessFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)
from peerarmy.trust.models import RatedParty, RaterRole, Rating, SubjectKind

ROME = ZoneInfo("Europe/Rome")
# A fixed "now" for the periods: mid-June 2026 in Rome.
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=ROME)


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- given: the peer's work, written as each app leaves it ------------------------------------


def block_done(peer, *, starts_at, minutes=180, kind=ProgramKind.DELIVERY, status=None):
    """A claim of `peer` on a block of a program of `kind`, completed unless `status`."""
    program = ProgramFactory(business=peer.business, kind=kind)
    block = BlockFactory(
        program=program,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        released_at=starts_at - timedelta(days=30),
    )
    return Claim.objects.create(
        business=peer.business,
        block=block,
        peer=peer,
        status=status or ClaimStatus.COMPLETED,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )


def meeting(peer, *, meets_at, minutes=120, kind=ProgramKind.GUIDES, group=1, status=None):
    """A match of `peer` for a visitor's request of `group` people, completed unless
    `status`."""
    business = peer.business
    program = ProgramFactory(business=business, kind=kind)
    request = MatchRequest.objects.create(
        business=business,
        program=program,
        status=RequestStatus.COMPLETED,
        name="Anna",
        email="anna@example.org",
        language="en",
        starts_at=meets_at,
        ends_at=meets_at + timedelta(hours=4),
        group_size=group,
        latitude="44.494900",
        longitude="11.342600",
        languages=["en"],
    )
    return Match.objects.create(
        business=business,
        program=program,
        request=request,
        peer=peer,
        status=status or MatchStatus.COMPLETED,
        meets_at=meets_at,
        ends_at=meets_at + timedelta(minutes=minutes),
        respond_by=meets_at - timedelta(days=1),
        completed_at=meets_at + timedelta(minutes=minutes),
    )


def rated(match, stars, *, comment="", role=RaterRole.CONSUMER, revealed=True, hidden=False):
    now = timezone.now()
    return Rating.objects.create(
        business=match.business,
        subject_kind=SubjectKind.MATCH,
        match=match,
        peer=match.peer,
        rater_role=role,
        rated_party=RatedParty.PEER,
        stars=stars,
        comment=comment,
        created_at=match.ends_at + timedelta(hours=1),
        closes_at=now + timedelta(days=10),
        revealed_at=now if revealed else None,
        hidden_at=now if hidden else None,
    )


def past(days, hour=10):
    moment = timezone.now() - timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


# --- the pure parts ---------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)


@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_the_chart_months_are_the_twelve_calendar_months_ending_with_this_one(today):
    months = impact.months_up_to(today)

    assert len(months) == 12
    assert months[-1] == today.replace(day=1)
    assert all(m.day == 1 for m in months)
    assert all(impact.add_months(a, 1) == b for a, b in zip(months, months[1:], strict=False))


@given(
    spans=st.lists(st.tuples(moments, st.integers(min_value=0, max_value=24 * 60)), max_size=40),
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2089, 12, 31)),
)
def test_every_minute_lands_once_in_the_local_month_it_started_in(spans, today):
    months = impact.months_up_to(today)

    totals = impact.minutes_by_month(spans, months, ROME)

    inside = [
        (start, minutes) for start, minutes in spans if impact.month_of(start, ROME) in months
    ]
    assert sum(totals) == sum(minutes for _start, minutes in inside)
    for start, minutes in inside:
        local = start.astimezone(ROME)
        assert totals[months.index(date(local.year, local.month, 1))] >= minutes


def test_a_block_late_on_the_last_evening_counts_in_the_local_month():
    # 23:30 UTC on 31 January is 00:30 on 1 February in Rome
    start = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    months = [date(2026, 1, 1), date(2026, 2, 1)]

    assert impact.minutes_by_month([(start, 90)], months, ROME) == [0, 90]


@given(now=moments, period=st.sampled_from(impact.PERIODS))
def test_a_period_begins_at_local_midnight_on_a_first_and_never_after_now(now, period):
    since, until = impact.period_bounds(period, now, ROME)

    assert until is None
    if period == impact.ALL:
        assert since is None
    else:
        local = since.astimezone(ROME)
        assert (local.day, local.hour, local.minute) == (1, 0, 0)
        assert since <= now
        if period == impact.YEAR:
            assert (local.year, local.month) == (now.astimezone(ROME).year, 1)
        else:
            assert local.date() == impact.months_up_to(now.astimezone(ROME).date())[0]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=5, max_size=5))
def test_the_average_of_the_stars_is_within_them(counts):
    average = impact.average_stars(tuple(counts))

    if not sum(counts):
        assert average is None
    else:
        given_stars = [stars for stars, n in enumerate(counts, start=1) if n]
        assert min(given_stars) - 0.05 <= average <= max(given_stars) + 0.05


def test_an_unknown_period_or_part_is_refused():
    with pytest.raises(ValueError):
        impact.period_bounds("week", NOW, ROME)
    with pytest.raises(ValueError):
        impact.shown(impact.Impact(None, None, "EUR"), {"iban"})


# --- the figures, on known data --------------------------------------------------------------


@pytest.mark.django_db
def test_hours_deliveries_visitors_and_layovers_count_only_what_the_peer_completed(business):
    peer = PeerFactory(business=business)
    block_done(peer, starts_at=past(3), minutes=180)  # a delivery, 3 h
    block_done(peer, starts_at=past(5), minutes=120)  # a delivery, 2 h
    block_done(peer, starts_at=past(6), minutes=90, kind=ProgramKind.CUSTOM)  # 1.5 h
    block_done(peer, starts_at=past(7), status=ClaimStatus.NO_SHOW)
    block_done(peer, starts_at=past(8), status=ClaimStatus.RELEASED)
    block_done(peer, starts_at=timezone.now() + timedelta(days=2), status=ClaimStatus.ACTIVE)
    meeting(peer, meets_at=past(4), minutes=120, group=3)  # three visitors, 2 h
    meeting(peer, meets_at=past(9), minutes=90, kind=ProgramKind.LAYOVER, group=2)  # 1.5 h
    meeting(peer, meets_at=past(10), status=MatchStatus.DECLINED, group=5)
    meeting(peer, meets_at=past(11), status=MatchStatus.CANCELLED)
    # someone else's work, here and in another army
    block_done(PeerFactory(business=business), starts_at=past(3))
    meeting(PeerFactory(business=business), meets_at=past(3), group=4)
    block_done(PeerFactory(business=BusinessFactory()), starts_at=past(3))

    found = impact.impact_of(peer)

    assert (found.block_minutes, found.meeting_minutes) == (390, 210)
    assert found.hours == 10.0
    activity = found.activity
    assert (activity.blocks_completed, activity.deliveries) == (3, 2)
    assert (activity.visitors_guided, activity.guided_meetings) == (3, 1)
    assert (activity.layovers_met, activity.travellers_met) == (1, 2)


@pytest.mark.django_db
def test_a_campaign_counts_once_its_pledges_through_the_peers_link_are_paid(business, owner):
    from peerarmy.chipin import services as chipin
    from peerarmy.chipin.tests.helpers import chipin_program, pay_at_till, pledge, start

    peer = PeerFactory(business=business)
    other = PeerFactory(business=business)
    program = chipin_program(business, owner)
    bike = start(business, PeerFactory(business=business).user, program, goal=200_000)
    helmet = start(business, PeerFactory(business=business).user, program, goal=200_000)
    mine = chipin.share_link_for(business, bike, peer.user)
    theirs = chipin.share_link_for(business, bike, other.user)
    on_helmet = chipin.share_link_for(business, helmet, peer.user)
    pay_at_till(business, owner, pledge(business, bike, 2_000, via=mine.token).pledge)
    pay_at_till(business, owner, pledge(business, bike, 3_000, via=mine.token).pledge)
    pay_at_till(business, owner, pledge(business, helmet, 1_500, via=on_helmet.token).pledge)
    pledge(business, helmet, 9_000, via=on_helmet.token)  # promised, never paid
    pay_at_till(business, owner, pledge(business, bike, 7_000, via=theirs.token).pledge)
    pay_at_till(business, owner, pledge(business, bike, 4_000).pledge)  # through nobody

    activity = impact.impact_of(peer).activity

    assert (activity.campaigns_helped, activity.pledges_brought) == (2, 3)
    assert activity.raised_minor == 6_500


@pytest.mark.django_db
def test_earnings_by_form_leave_out_held_declined_and_corrected_rewards(business, owner):
    peer = PeerFactory(business=business)
    program = ProgramFactory(business=business)
    cause = add_cause(
        business,
        owner,
        name_it="Cucine Popolari",
        name_en="People's kitchens",
        account_holder="Cucine Popolari",
        iban="IT60X0542811101000000123456",
    )
    add_rule(
        business, owner, program, event="block.completed", reward=RewardKind.CASH, amount=1_500
    )
    add_rule(
        business, owner, program, event="block.completed", reward=RewardKind.VOUCHER, amount=1_000
    )
    add_rule(
        business, owner, program, event="block.completed", reward=RewardKind.POINTS, amount=200
    )
    add_rule(
        business,
        owner,
        program,
        event="block.completed",
        reward=RewardKind.DONATION,
        amount=500,
        cause=cause,
    )
    for _ in range(2):
        reward_services.handle(business, occurrence(peer, program))
    # a third block's rewards were corrected by the owner: they no longer count
    third = reward_services.handle(business, occurrence(peer, program))
    cash = next(r for r in third if r.kind == RewardKind.CASH)
    correct(business, owner, cash.transaction, memo="Counted twice")
    # over the program's budget: held for the owner, not earned
    change_program_rewards(business, owner, program, monthly_budget_minor=1)
    reward_services.handle(business, occurrence(peer, program))
    # another peer's rewards
    reward_services.handle(business, occurrence(PeerFactory(business=business), program))

    found = impact.impact_of(peer)

    assert found.earnings.cash_minor == 2 * 1_500
    assert found.earnings.vouchers_minor == 3 * 1_000
    assert found.earnings.points == 3 * 200
    assert found.donations == (impact.Donation(cause.pk, "People's kitchens", 3 * 500),)
    assert found.donated_minor == 1_500


@pytest.mark.django_db
def test_ratings_count_only_revealed_ones_and_show_visitors_comments_staff_did_not_hide(
    business,
):
    peer = PeerFactory(business=business)
    rated(meeting(peer, meets_at=past(20)), 5, comment="Lovely tour of the old town")
    rated(meeting(peer, meets_at=past(10)), 4, comment="Rude words", hidden=True)
    rated(meeting(peer, meets_at=past(5)), 5, comment="Good job", role=RaterRole.STAFF)
    rated(meeting(peer, meets_at=past(3)), 2, revealed=False)  # the window is still open
    rated(meeting(PeerFactory(business=business), meets_at=past(3)), 1, comment="Other peer")

    ratings = impact.impact_of(peer).ratings

    assert ratings.distribution == (0, 0, 0, 1, 2)
    assert (ratings.count, ratings.average) == (3, 4.7)
    assert [c.text for c in ratings.comments] == ["Lovely tour of the old town"]


@pytest.mark.django_db
def test_badges_rentals_and_second_hand_sales_are_the_peers_own(business, owner):
    from peerarmy.resale import services as resale
    from peerarmy.resale.inputs import ReturnInput, SaleInput
    from peerarmy.resale.tests.helpers import category, public_listing, resale_program, reserve
    from peerarmy.sharing.tests.helpers import asset, book, bring_back, pick_up, sharing_program

    peer = PeerFactory(business=business)
    night_owl = add_badge(business, owner, slug="night-owl", name_en="Night owl", name_it="Gufo")
    PeerBadge.objects.create(
        business=business, peer=peer, badge=night_owl, awarded_at=past(2), key="test:1"
    )
    program = sharing_program(business, owner, commission_percent=20)
    bike = asset(business, owner, program)
    bike.owner_peer = peer
    bike.save()
    booking = book(business, bike, hours=3).booking  # 18 € for three hours
    pick_up(business, owner, booking)
    bring_back(business, owner, booking)
    book(business, bike, hours=3, start=booking.starts_at + timedelta(days=7))  # not picked up
    shop_bike = asset(business, owner, program)
    pick_up(business, owner, book(business, shop_bike, hours=2).booking)
    resale_at = resale_program(business, owner)
    seats = category(business, owner, resale_at)
    for kept in (True, False):
        item = public_listing(business, peer.user, owner, resale_at, seats)
        made = reserve(business, item)
        resale.mark_sold(business, owner, made.reservation, SaleInput(paid_by="till"))
        if not kept:
            resale.return_sale(business, owner, made.reservation, ReturnInput(reason="Too small"))

    found = impact.impact_of(peer)

    assert [(b.slug, b.name) for b in found.badges] == [("night-owl", "Night owl")]
    assert found.activity.rentals == 1
    assert found.earnings.rentals_minor == 1_440  # 18 € less the shop's 20 %
    assert found.activity.items_sold == 1


@pytest.mark.django_db
def test_a_period_holds_what_started_in_it(business):
    peer = PeerFactory(business=business)
    block_done(peer, starts_at=datetime(2026, 3, 2, 9, 0, tzinfo=ROME), minutes=60)
    block_done(peer, starts_at=datetime(2025, 8, 1, 9, 0, tzinfo=ROME), minutes=120)
    block_done(peer, starts_at=datetime(2025, 5, 1, 9, 0, tzinfo=ROME), minutes=240)
    meeting(peer, meets_at=datetime(2026, 1, 1, 0, 30, tzinfo=ROME), minutes=30)

    def minutes(period):
        return impact.impact_over(peer, period, now=NOW).minutes

    assert minutes(impact.ALL) == 60 + 120 + 240 + 30
    assert minutes(impact.YEAR) == 60 + 30
    assert minutes(impact.LAST_12_MONTHS) == 60 + 120 + 30
    months = impact.hours_by_month(peer, now=NOW)
    assert [m.month for m in months][0] == date(2025, 7, 1)
    assert {m.month: m.minutes for m in months if m.minutes} == {
        date(2025, 8, 1): 120,
        date(2026, 1, 1): 30,
        date(2026, 3, 1): 60,
    }


@pytest.mark.django_db
def test_the_public_part_holds_only_what_the_peer_chose(business):
    peer = PeerFactory(business=business)
    block_done(peer, starts_at=past(3), minutes=120)
    found = impact.impact_of(peer)

    public = impact.shown(found, {"hours", "badges"})

    assert (public.hours, public.badges) == (2.0, ())
    assert (public.activity, public.ratings, public.earnings, public.donations) == (None,) * 4
    assert impact.summary(public) == "2 hours given"


# --- the peer's page ---------------------------------------------------------------------------


@pytest.fixture
def peer(business):
    return PeerFactory(business=business, display_name="Giulia")


@pytest.fixture
def peer_client(client, peer):
    client.force_login(peer.user)
    return speaking(client, "en")


@pytest.mark.django_db
def test_the_peer_sees_their_hours_deliveries_and_chart(peer_client, business, peer):
    block_done(peer, starts_at=past(3), minutes=90)
    block_done(peer, starts_at=past(400), minutes=60)  # more than a year ago
    meeting(peer, meets_at=past(4), minutes=120, group=3)

    page = peer_client.get(url(business, "me_impact")).content.decode()

    assert "Your impact" in page
    assert "<dd>4.5</dd>" in page  # hours: 1.5 + 1 + 2
    assert "Visitors guided" in page and "in 1 meeting" in page
    assert "Deliveries" in page
    assert 'role="img"' in page and "Hours given per month, last 12 months" in page
    assert "<details>" in page and "The figures as a table" in page
    assert (
        peer_client.get(url(business, "me_impact") + "?period=12m")
        .content.decode()
        .count("<dd>3.5</dd>")
    )


@pytest.mark.django_db
def test_the_page_in_italian_writes_numbers_and_months_the_italian_way(client, business, peer):
    block_done(peer, starts_at=past(3), minutes=90)
    client.force_login(peer.user)
    speaking(client, "it")

    page = client.get(url(business, "me_impact")).content.decode()

    assert '<html lang="it">' in page
    assert "<dd>1,5</dd>" in page
    when = timezone.localtime(past(3))
    italian = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto"]
    italian += ["settembre", "ottobre", "novembre", "dicembre"]
    assert f'<th scope="row">{italian[when.month - 1]} {when.year}</th><td>1,5</td>' in page


@pytest.mark.django_db
def test_a_peer_with_nothing_done_yet_is_told_how_to_start(peer_client, business):
    page = peer_client.get(url(business, "me_impact")).content.decode()

    assert "your first completed block or meeting will show up" in page


@pytest.mark.django_db
def test_nobody_else_reaches_a_peers_impact_page(client, business, peer):
    block_done(peer, starts_at=past(3), minutes=90)
    page_url = url(business, "me_impact")

    anonymous = client.get(page_url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    other = PeerFactory(business=business)  # reaches only their own page
    client.force_login(other.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    theirs = client.get(page_url).content.decode()
    assert "<dd>1.5</dd>" not in theirs and "your first completed block" in theirs

    stranger = PeerFactory(business=BusinessFactory(slug="elsewhere"))  # no peer here
    client.force_login(stranger.user)
    response = client.get(page_url)
    assert response.status_code == 302 and response["Location"] == url(business, "me")

    applicant = ApplicantFactory(business=business)
    client.force_login(applicant.user)
    assert client.get(page_url)["Location"] == url(business, "me")
    assert client.post(url(business, "me_impact_showcase"), {"public": "on"}).status_code == 404


@pytest.mark.django_db
def test_a_suspended_peer_reads_their_impact_but_cannot_publish_it(client, business, peer):
    block_done(peer, starts_at=past(3), minutes=60)
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.SUSPENDED)
    client.force_login(peer.user)

    page = client.get(url(business, "me_impact")).content.decode()
    refused = client.post(url(business, "me_impact_showcase"), {"public": "on"})

    assert "<dd>1</dd>" in page and "Save your page" not in page
    assert refused.status_code == 400
    assert not Showcase.objects.filter(peer=peer).exists()
    assert client.get(url(business, "showcase", peer_id=peer.pk)).status_code == 404


# --- the public page -------------------------------------------------------------------------


@pytest.fixture
def worked(business, owner, peer):
    """Giulia's impact: a delivery of two hours, a five-star visit with a comment, a cash
    reward of 15 € and a donation of 5 € to a cause, a badge."""
    block_done(peer, starts_at=past(3), minutes=120)
    rated(meeting(peer, meets_at=past(5), minutes=60, group=2), 5, comment="Best guide in town")
    program = ProgramFactory(business=business)
    cause = add_cause(
        business,
        owner,
        name_it="Canile",
        name_en="Dog shelter",
        account_holder="Canile",
        iban="IT60X0542811101000000123456",
    )
    add_rule(
        business, owner, program, event="block.completed", reward=RewardKind.CASH, amount=1_500
    )
    add_rule(
        business,
        owner,
        program,
        event="block.completed",
        reward=RewardKind.DONATION,
        amount=500,
        cause=cause,
    )
    reward_services.handle(business, occurrence(peer, program))
    badge = add_badge(business, owner, slug="early-bird", name_en="Early bird", name_it="Allodola")
    PeerBadge.objects.create(
        business=business, peer=peer, badge=badge, awarded_at=past(1), key="test:badge"
    )
    return peer


@pytest.mark.django_db
def test_the_peer_makes_their_page_public_with_the_figures_they_choose(
    peer_client, client, business, worked
):
    response = peer_client.post(
        url(business, "me_impact_showcase"),
        {"public": "on", "headline": "Cargo-bike rider", "show_hours": "on", "show_badges": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == url(business, "me_impact") + "#showcase"
    client.logout()
    speaking(client, "en")

    page = client.get(url(business, "showcase", peer_id=worked.pk)).content.decode()

    assert "Cargo-bike rider" in page and "Hours given" in page and "<dd>3</dd>" in page
    assert "Early bird" in page
    for private in ("Visitors guided", "Best guide in town", "€15.00", "Dog shelter", "€5.00"):
        assert private not in page


@pytest.mark.django_db
def test_money_is_never_shown_unless_the_peer_turns_it_on(peer_client, client, business, worked):
    set_showcase(worked, public=True)  # the defaults
    speaking(client, "en")
    showcase_url = url(business, "showcase", peer_id=worked.pk)

    by_default = client.get(showcase_url).content.decode()

    assert "Best guide in town" in by_default and "Visitors guided" in by_default
    assert "Hours given" in by_default and "Early bird" in by_default
    assert "€15.00" not in by_default and "Dog shelter" not in by_default

    peer_client.post(
        url(business, "me_impact_showcase"),
        {"public": "on", "show_earnings": "on", "show_donations": "on"},
    )
    chosen = client.get(showcase_url).content.decode()

    assert "€15.00" in chosen and "Dog shelter" in chosen and "€5.00" in chosen
    assert "Hours given" not in chosen and "Best guide in town" not in chosen


@pytest.mark.django_db
def test_the_wallets_switch_keeps_what_the_page_shows(peer_client, business, worked):
    set_showcase(worked, public=True, show_hours=False, show_earnings=True)

    peer_client.post(url(business, "me_wallet_showcase"), {"public": "on", "headline": "Hi"})

    worked.showcase.refresh_from_db()
    assert worked.showcase.shown == {"activity", "ratings", "badges", "earnings"}
    assert worked.showcase.headline == "Hi"


@pytest.mark.django_db
def test_a_shared_link_previews_the_peer_and_their_figures(client, business, worked):
    business.cover = "shops/cover.webp"
    business.save()
    set_showcase(worked, public=True, headline="Cargo-bike rider")
    speaking(client, "en")

    page = client.get(url(business, "showcase", peer_id=worked.pk)).content.decode()

    assert f'<meta property="og:title" content="Giulia in the {business.name} army">' in page
    assert (
        '<meta property="og:description" content="Cargo-bike rider · 3 hours given, '
        '2 visitors guided, 1 delivery, 5.0 ★ from 1 rating">' in page
    )
    assert '<meta property="og:image" content="http://testserver/' in page
    assert "shops/cover.webp" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


@pytest.mark.django_db
def test_the_public_page_in_italian(client, business, worked):
    set_showcase(worked, public=True)
    speaking(client, "it")

    page = client.get(url(business, "showcase", peer_id=worked.pk)).content.decode()

    assert '<html lang="it">' in page
    assert "<dd>3</dd>" in page and "5,0 ★" in page


@pytest.mark.django_db
def test_the_impact_page_offers_the_link_to_share_once_public(peer_client, business, worked):
    hidden = peer_client.get(url(business, "me_impact")).content.decode()
    assert "Your page is private:" in hidden and "data-share-url" not in hidden

    set_showcase(worked, public=True)
    shown = peer_client.get(url(business, "me_impact")).content.decode()

    public_url = f"http://testserver{url(business, 'showcase', peer_id=worked.pk)}"
    assert f'data-copy="{public_url}"' in shown and f'data-share-url="{public_url}"' in shown
    assert "web/share.js" in shown


# --- the API ------------------------------------------------------------------------------------


def peer_api(client, peer, language="en"):
    _token, raw = create_peer_token(business=peer.business, peer_user=peer.user).value
    return ApiClient(client, raw, language=language)


@pytest.mark.django_db
def test_the_api_answers_the_callers_own_figures(client, business, worked):
    someone = PeerFactory(business=business)
    block_done(someone, starts_at=past(2), minutes=600)

    body = peer_api(client, worked).get("/api/v1/me/impact").json()

    assert (body["period"], body["minutes"], body["hours"]) == ("all", 180, 3.0)
    assert body["activity"]["visitors_guided"] == 2
    assert body["activity"]["deliveries"] == 1
    assert body["earnings"]["cash_minor"] == 1_500
    assert [(d["cause"], d["amount_minor"]) for d in body["donations"]] == [("Dog shelter", 500)]
    assert body["ratings"]["count"] == 1 and body["ratings"]["distribution"]["5"] == 1
    assert [b["name"] for b in body["badges"]] == ["Early bird"]
    assert len(body["months"]) == 12 and sum(m["minutes"] for m in body["months"]) == 180
    assert body["showcase"] == {"public": False, "url": None, "shows": []}
    assert peer_api(client, someone).get("/api/v1/me/impact").json()["minutes"] == 600


@pytest.mark.django_db
def test_the_api_refuses_a_staff_token_and_a_period_it_does_not_know(client, business, worked):
    from peerarmy.accounts.services import create_token

    _token, raw = create_token(business=business, actor=OwnerFactory(business=business).user).value

    staff = ApiClient(client, raw).get("/api/v1/me/impact")
    wrong = peer_api(client, worked).get("/api/v1/me/impact", {"period": "week"})

    assert staff.status_code == 403
    assert wrong.status_code == 422 and problem_fields(wrong) == ["period"]


@pytest.mark.django_db
def test_the_api_names_causes_and_badges_in_the_callers_language(client, business, worked):
    set_showcase(worked, public=True)

    body = peer_api(client, worked, language="it").get("/api/v1/me/impact?period=12m").json()

    assert body["donations"][0]["cause"] == "Canile"
    assert body["badges"][0]["name"] == "Allodola"
    assert body["showcase"]["public"] is True
    assert body["showcase"]["url"].endswith(url(business, "showcase", peer_id=worked.pk))
    assert body["showcase"]["shows"] == ["activity", "badges", "hours", "ratings"]


# --- in a real browser, on a phone ---------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_peer_publishes_their_page_and_shares_it(live_server, settings, tmp_path):
    """Giulia opens her impact page on a phone, in English, chooses what her public page
    shows, makes it public and shares it; a visitor opens it in Italian, on a phone too."""
    from tests.test_e2e_browser import CHROMIUM
    from tests.test_e2e_sharing import PHONE, _fits, _log_in

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    settings.SITE_URL = live_server.url
    base = live_server.url
    business = BusinessFactory(slug="bici", name="Bici Gialla")
    owner = OwnerFactory(business=business).user
    giulia = PeerFactory(business=business, display_name="Giulia")
    block_done(giulia, starts_at=past(3), minutes=150)
    block_done(giulia, starts_at=past(40), minutes=120)
    rated(meeting(giulia, meets_at=past(6), group=4), 5, comment="She knows every street")
    program = ProgramFactory(business=business)
    add_rule(business, owner, program, event="block.completed", reward="cash", amount=2_000)
    reward_services.handle(business, occurrence(giulia, program))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(**PHONE)
            context.add_cookies([{"name": "peerarmy_language", "value": "en", "url": base}])
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            # a phone's share sheet, as the page's script sees it
            context.add_init_script(
                "navigator.share = (data) => { window.sharedWith = data; return Promise.resolve(); };"
            )
            page = context.new_page()
            _log_in(page, base, giulia.user.email)
            page.goto(f"{base}/bici/me/impact/")
            assert page.locator(".impact-hero dd").first.inner_text() == "6.5"
            assert page.locator(".impact-chart svg").is_visible()
            _fits(page)
            page.screenshot(path=str(tmp_path / "impact-phone.png"), full_page=True)

            page.locator("#id_public").check()
            page.locator("#id_headline").fill("Guide of the old town")
            page.locator("#id_show_earnings").check()
            page.locator("#showcase button[type=submit]").click()
            page.wait_for_load_state()
            assert "your page is public" in page.locator(".messages").inner_text().lower()

            page.locator("#showcase button[data-copy]").click()
            public_url = f"{base}/bici/peers/{giulia.pk}/"
            assert page.evaluate("navigator.clipboard.readText()") == public_url
            page.locator("#showcase button[data-share-url]").click()
            shared = page.evaluate("window.sharedWith")
            assert shared["url"] == public_url
            assert "6.5 hours given" in shared["text"]

            visitor = browser.new_context(**PHONE)
            visitor.add_cookies([{"name": "peerarmy_language", "value": "it", "url": base}])
            public = visitor.new_page()
            public.goto(public_url)
            text = public.locator("main").inner_text()
            assert "Guide of the old town" in text and "She knows every street" in text
            assert "6,5" in text and "20,00" in text  # hours and earnings, the Italian way
            _fits(public)
            public.screenshot(path=str(tmp_path / "showcase-phone.png"), full_page=True)
        finally:
            browser.close()
