"""The quick claim (PostgreSQL's `scheduling_quick_claim`) never claims more than the rules allow.

The function is meant to be conservative: it claims only when every rule clearly passes,
refuses by itself only with `block_full` and the fairness codes, and leaves everything else
("check") to the Python rules, which give the peer their reasons in words. The property test
builds random situations and asks both paths about the same state, each in a transaction that
is rolled back, so that neither answer affects the other.
"""

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import PeerLanguage, PeerStatus
from peerarmy.programs.models import ProgramStatus
from peerarmy.scheduling import errors, rules, services
from peerarmy.scheduling.models import Block, BlockStatus, Claim, ClaimStatus
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    PeerFactory,
    ProgramFactory,
    SkillFactory,
)

from .factories import BlockFactory, FairnessLimitsFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="scheduling_quick_claim is a PostgreSQL function; other databases take the "
        "Python path only",
    ),
    pytest.mark.django_db,
]

ROME = ZoneInfo("Europe/Rome")
BLOCK_LAT, BLOCK_LON = Decimal("44.494900"), Decimal("11.334300")
LANGUAGES = ["it", "en", "fr", "de"]
# The clocks change at 01:00 UTC on the last Sunday of March and of October.
DST_CHANGES = [datetime(2027, 3, 28, 1, tzinfo=UTC), datetime(2027, 10, 31, 1, tzinfo=UTC)]


# --- how an answer is told apart --------------------------------------------------------------


class _Undo(Exception):
    """Raised inside a transaction to roll it back once its answer is known."""


def _outcome(call):
    """Run `call` in a transaction that is always rolled back, and say what it answered:
    ("claimed",), ("check",) for None, ("missing",) for Block.DoesNotExist, or
    ("refused", code)."""
    answer = None
    try:
        with transaction.atomic():
            try:
                result = call()
            except errors.SchedulingError as exc:
                answer = ("refused", exc.code)
            except Block.DoesNotExist:
                answer = ("missing",)
            else:
                answer = ("check",) if result is None else ("claimed",)
            raise _Undo
    except _Undo:
        pass
    return answer


def _quick(peer, block, now):
    return _outcome(lambda: services._quick_claim(peer, block, None, now))


def _python(peer, block, now):
    def call():
        with mock.patch.object(services, "QUICK_CLAIM", False):
            return services.claim_block(peer, block, now=now)

    return _outcome(call)


# --- random situations --------------------------------------------------------------------------

CLAIM_PLACES = ["overlap", "after", "before", "same_week", "other_week", "past"]


def _destination(lat, lon, distance_km, bearing_deg):
    """The point `distance_km` from (lat, lon) along `bearing_deg`, to the 6 decimals stored."""
    phi1, lam1 = math.radians(float(lat)), math.radians(float(lon))
    delta = distance_km / rules.EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return (
        Decimal(math.degrees(phi2)).quantize(Decimal("0.000001")),
        Decimal(math.degrees(lam2)).quantize(Decimal("0.000001")),
    )


# The rules that make the quick path answer "check" (or `block_full`). Each situation bends
# at most one of them, so that a rule the function forgot is not hidden by another.
TWISTS = [
    "cancelled",
    "started",
    "unreleased",
    "full",
    "holds_block",
    "peer_status",
    "program_status",
    "block_languages",
    "program_languages",
    "block_min",
    "program_min",
    "block_skills",
    "program_skills",
]


def _bent(draw, twists, name, plain_value, strategy):
    return draw(strategy) if name in twists else plain_value


@st.composite
def situations(draw):
    """Plain data for one situation (the database objects are built from it by `_build`)."""
    twist = draw(st.sampled_from([*TWISTS, None, None, None, None]))
    twists = {twist} - {None}
    s = {"twists": twists}
    s["anchor"] = draw(st.sampled_from(["now", "dst"]))
    s["dst_change"] = draw(st.sampled_from(DST_CHANGES))
    s["now_shift_minutes"] = draw(st.integers(-6 * 24 * 60, 6 * 24 * 60))
    # The block, in local wall-clock time: tomorrow to ten days on, or today (maybe started).
    s["day_offset"] = _bent(
        draw, twists, "started", draw(st.integers(1, 9)), st.sampled_from([-1, 0])
    )
    s["hour"] = draw(st.integers(0, 23))
    s["minute"] = draw(st.sampled_from([0, 30]))
    s["duration"] = draw(st.integers(1, 8)) * 30
    # One who holds the block leaves a free seat, so that "already claimed" is in play.
    s["capacity"] = draw(st.integers(2 if "holds_block" in twists else 1, 3))
    s["holds_block"] = "holds_block" in twists
    free = s["capacity"] - (1 if s["holds_block"] else 0)
    s["others"] = free if "full" in twists else draw(st.integers(0, max(free - 1, 0)))
    s["cancelled"] = "cancelled" in twists
    s["released_minutes"] = -draw(st.integers(1, 600))
    if "unreleased" in twists:
        s["released_minutes"] = draw(st.integers(1, 600))
    s["block_languages"] = _bent(
        draw,
        twists,
        "block_languages",
        [],
        st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2),
    )
    s["program_languages"] = _bent(
        draw,
        twists,
        "program_languages",
        [],
        st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2),
    )
    s["block_min"] = _bent(draw, twists, "block_min", 0, st.sampled_from([50, 80]))
    s["program_min"] = _bent(draw, twists, "program_min", 0, st.sampled_from([50, 80]))
    s["block_skills"] = _bent(
        draw, twists, "block_skills", [], st.lists(st.integers(0, 2), min_size=1, max_size=2)
    )
    s["program_skills"] = _bent(
        draw, twists, "program_skills", [], st.lists(st.integers(0, 2), min_size=1, max_size=1)
    )
    s["program_status"] = _bent(
        draw,
        twists,
        "program_status",
        ProgramStatus.PUBLISHED,
        st.sampled_from([ProgramStatus.DRAFT, ProgramStatus.CLOSED]),
    )
    # The peer: the rules above may or may not stop them.
    s["peer_status"] = _bent(
        draw,
        twists,
        "peer_status",
        PeerStatus.ACTIVE,
        st.sampled_from([PeerStatus.APPLICANT, PeerStatus.SUSPENDED, PeerStatus.REJECTED]),
    )
    s["reliability"] = draw(st.sampled_from([None, 40, 50, 80, 100]))
    s["peer_languages"] = draw(st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True))
    s["peer_skills"] = draw(st.lists(st.integers(0, 2), max_size=3, unique=True))
    # Distance: always in play, often within 50 m of the peer's radius or the block's limit.
    s["remote"] = draw(st.sampled_from([False, False, False, True]))
    s["max_distance_km"] = draw(st.none() | st.integers(1, 20))
    s["travel_radius_km"] = draw(st.integers(1, 20))
    s["where"] = draw(
        st.sampled_from(["near"] * 4 + ["radius_edge", "max_edge"] * 3 + ["anywhere", "nowhere"])
    )
    s["edge_metres"] = draw(st.integers(-50, 50))
    s["distance_km"] = draw(st.floats(0, 25))
    s["bearing"] = draw(st.floats(0, 360))
    # Fairness: the program's limits, and the peer's claims on other blocks of the program.
    s["limits"] = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "max_hours_per_week": st.integers(1, 6),
                "min_rest_minutes": st.integers(0, 120),
                "max_future_blocks": st.integers(1, 4),
            }
        )
    )
    s["claims"] = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "place": st.sampled_from(CLAIM_PLACES),
                    "shift_minutes": st.integers(0, 12).map(lambda n: n * 15),
                    "days": st.integers(1, 4),
                    "duration": st.integers(1, 8).map(lambda n: n * 30),
                    "through_service": st.booleans(),
                }
            ),
            max_size=4,
        )
    )
    return s


def _now(s):
    if s["anchor"] == "now":
        return timezone.now()
    return s["dst_change"] + timedelta(minutes=s["now_shift_minutes"])


def _block_times(s, now):
    day = now.astimezone(ROME).date() + timedelta(days=s["day_offset"])
    local = datetime(day.year, day.month, day.day, s["hour"], s["minute"], tzinfo=ROME)
    starts_at = local.astimezone(UTC)
    return starts_at, starts_at + timedelta(minutes=s["duration"])


def _claim_times(spec, starts_at, ends_at, now):
    length = timedelta(minutes=spec["duration"])
    shift = timedelta(minutes=spec["shift_minutes"])
    place = spec["place"]
    if place == "overlap":
        begin = starts_at - length + timedelta(minutes=15) + shift
        begin = min(begin, ends_at - timedelta(minutes=15))
    elif place == "after":
        begin = ends_at + shift
    elif place == "before":
        begin = starts_at - shift - length
    elif place == "same_week":
        sign = 1 if spec["days"] % 2 else -1
        begin = starts_at + sign * timedelta(days=spec["days"]) + shift
    elif place == "other_week":
        begin = starts_at + timedelta(days=7 + spec["days"]) + shift
    else:  # past: over before now, maybe earlier this week
        begin = now - timedelta(hours=spec["days"] * 12) - shift - length
    return begin, begin + length


def _overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def _hold(peer, block, now, *, through_service):
    """Give `peer` a seat on `block`: through claim_block when it can, else directly."""
    if through_service and block.starts_at > now:
        try:
            services.claim_block(peer, block, now=now)
            return
        except errors.SchedulingError:
            pass
    Claim.objects.create(
        business=block.business,
        block=block,
        peer=peer,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
        claimed_at=now,
    )
    Block.objects.filter(pk=block.pk).update(seats_taken=F("seats_taken") + 1)


def _build(s, now):
    """The situation in the database: returns (peer, block, clear), where `clear` says the peer
    is not within 50 m of a distance limit (where the quick path rightly leaves it to Python)."""
    business = BusinessFactory(timezone="Europe/Rome")
    program = ProgramFactory(business=business)
    skills = [SkillFactory(business=business) for _ in range(3)]
    starts_at, ends_at = _block_times(s, now)
    block = BlockFactory(
        program=program,
        starts_at=starts_at,
        ends_at=ends_at,
        released_at=min(now, starts_at) - timedelta(days=30),
        capacity=s["capacity"],
        is_remote=s["remote"],
        latitude=None if s["remote"] else BLOCK_LAT,
        longitude=None if s["remote"] else BLOCK_LON,
    )
    # Everyone starts plain and eligible, so that claim_block can make the claims; the rules of
    # the situation are applied afterwards.
    peer = PeerFactory(business=business, languages=[])
    held = []
    if s["holds_block"]:
        _hold(peer, block, now, through_service=True)
        held.append((starts_at, ends_at))
    for _ in range(s["others"]):
        _hold(PeerFactory(business=business), block, now, through_service=True)
    for spec in s["claims"]:
        times = _claim_times(spec, starts_at, ends_at, now)
        if any(_overlaps(times, other) for other in held):
            continue  # the database refuses two overlapping claims of one peer
        other = BlockFactory(
            program=program,
            starts_at=times[0],
            ends_at=times[1],
            released_at=min(now, times[0]) - timedelta(days=30),
            is_remote=True,
            latitude=None,
            longitude=None,
        )
        _hold(peer, other, now, through_service=spec["through_service"])
        held.append(times)

    if s["limits"] is not None:
        FairnessLimitsFactory(program=program, **s["limits"])
    program.status = s["program_status"]
    program.required_languages = s["program_languages"]
    program.min_reliability = s["program_min"]
    program.save()
    program.required_skills.set([skills[i] for i in s["program_skills"]])

    block.refresh_from_db()
    block.released_at = now + timedelta(minutes=s["released_minutes"])
    block.required_languages = s["block_languages"]
    block.min_reliability = s["block_min"]
    block.max_distance_km = s["max_distance_km"]
    block.save()
    block.required_skills.set([skills[i] for i in s["block_skills"]])
    if s["cancelled"]:
        Claim.objects.filter(block=block, status=ClaimStatus.ACTIVE).update(
            status=ClaimStatus.CANCELLED, released_at=now
        )
        Block.objects.filter(pk=block.pk).update(status=BlockStatus.CANCELLED, seats_taken=0)

    peer.status = s["peer_status"]
    peer.reliability = s["reliability"]
    peer.travel_radius_km = s["travel_radius_km"]
    limit = min(filter(None, [s["travel_radius_km"], s["max_distance_km"]]))
    if s["where"] == "nowhere":
        peer.latitude = peer.longitude = None
    else:
        if s["where"] == "radius_edge":
            distance = s["travel_radius_km"] + s["edge_metres"] / 1000
        elif s["where"] == "max_edge":
            distance = (s["max_distance_km"] or limit) + s["edge_metres"] / 1000
        elif s["where"] == "near":
            distance = min(s["distance_km"], limit * 0.9)
        else:
            distance = s["distance_km"]
        peer.latitude, peer.longitude = _destination(
            BLOCK_LAT, BLOCK_LON, max(distance, 0.0), s["bearing"]
        )
    peer.save()
    for code in s["peer_languages"]:
        PeerLanguage.objects.create(business=business, peer=peer, language=code)
    peer.skills.set([skills[i] for i in s["peer_skills"]])

    block = Block.objects.get(pk=block.pk)
    clear = True
    if not s["remote"] and peer.latitude is not None:
        distance = rules.haversine_km(peer.latitude, peer.longitude, BLOCK_LAT, BLOCK_LON)
        clear = abs(distance - limit) > 0.05
    return peer, block, clear


# --- the property -------------------------------------------------------------------------------


def test_the_quick_path_never_claims_or_refuses_where_the_rules_would_not():
    tally = Counter()

    # Derandomized: the coverage asserted below (clear claims, refusals) must not depend on
    # the luck of one run's 100 draws; with a random seed a run on a fresh clone once drew no
    # clear claim at all and failed.
    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(situations())
    def check(s):
        try:
            with transaction.atomic():
                now = _now(s)
                peer, block, clear = _build(s, now)
                quick = _quick(peer, block, now)
                python = _python(peer, block, now)
                raise _Undo
        except _Undo:
            pass
        tally[quick[0]] += 1
        if python == ("claimed",):
            tally["python claimed"] += 1
            if clear:
                tally["python claimed, clear"] += 1
                tally[f"python claimed, clear, quick {quick[0]}"] += 1
        if quick == ("claimed",):
            assert python == ("claimed",), f"the quick path claimed where Python says {python}"
        elif quick[0] in ("refused", "missing"):
            assert python == quick, f"the quick path said {quick} where Python says {python}"

    check()

    # Not vacuous: where Python claims, away from a distance limit, the quick path claims too
    # (it answers "check" there only when a racing claim gets in its way).
    clear_claims = tally["python claimed, clear"]
    assert clear_claims > 0, tally
    assert tally["python claimed, clear, quick claimed"] >= clear_claims / 2, tally
    assert tally["refused"] > 0, tally


# --- plain examples -----------------------------------------------------------------------------


def later(**kwargs):
    return timezone.now().replace(microsecond=0) + timedelta(**kwargs)


def test_a_simple_claim_is_made_by_the_quick_path_with_its_confirmation(peer, program):
    block = BlockFactory(program=program, capacity=2)

    claim = services._quick_claim(peer, block, None, timezone.now())

    assert claim is not None
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.ACTIVE
    block.refresh_from_db()
    assert block.seats_taken == 1
    message = OutboxMessage.objects.get(payload__claim_id=claim.pk)
    assert message.renderer == "scheduling.claim"
    assert message.recipient == peer.user.email


def test_an_overlapping_block_is_refused_by_the_quick_path(peer, program):
    first = BlockFactory(program=program)
    services.claim_block(peer, first)
    overlapping = BlockFactory(
        program=program,
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
    )

    with pytest.raises(errors.OverlapsClaimedBlock):
        services._quick_claim(peer, overlapping, None, timezone.now())

    overlapping.refresh_from_db()
    assert overlapping.seats_taken == 0


def test_a_missing_language_is_left_to_the_rules_which_say_why(business, program):
    peer = PeerFactory(business=business, languages=["it"])
    block = BlockFactory(program=program, required_languages=["de"])

    assert services._quick_claim(peer, block, None, timezone.now()) is None
    with pytest.raises(errors.NotEligible) as refused:
        services.claim_block(peer, block)

    assert refused.value.reasons == ["Needs one of these languages: German."]
    assert not Claim.objects.filter(block=block).exists()


def test_an_idempotent_retry_gets_the_same_claim(peer, program):
    block = BlockFactory(program=program, capacity=3)

    first = services.claim_block(peer, block, idempotency_key="tap-1")
    again = services.claim_block(peer, block, idempotency_key="tap-1")

    assert again.pk == first.pk
    block.refresh_from_db()
    assert block.seats_taken == 1
    assert OutboxMessage.objects.filter(payload__claim_id=first.pk).count() == 1
