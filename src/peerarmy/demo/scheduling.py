"""The demo's delivery schedule: a month of shifts, some full, some open, claimed through the
scheduling services."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.scheduling.errors import SchedulingError
from peerarmy.scheduling.inputs import FairnessLimitsInput, SeriesInput
from peerarmy.scheduling.limits import update_fairness_limits
from peerarmy.scheduling.services import (
    claim_block,
    create_blocks_from_template,
    join_waitlist,
)
from peerarmy.tenancy.models import Membership, Role

DELIVERY_PLACE = {
    "place_name": "Bici Gialla",
    "address": "Via del Pratello 10, 40122 Bologna",
    "latitude": Decimal("44.493700"),
    "longitude": Decimal("11.333500"),
}
# (days, local start hour, minutes, capacity, reward in cents, points)
DELIVERY_SHIFTS = [
    ("MO,TU,WE,TH,FR", 9, 180, 3, 2400, 10),
    ("MO,TU,WE,TH,FR", 15, 180, 4, 3000, 15),
    ("SA", 10, 180, 2, 1800, 20),
]
SCHEDULE_DAYS = 30
# Blocks after the first three weeks open for claims two weeks ahead, i.e. from next week on.
OPEN_NOW_DAYS = 21
RELEASE_AHEAD_MINUTES = 14 * 24 * 60
# How full each released block ends up, in turn: most full blocks also get a waitlist.
FILL_PATTERN = ["full", "some", "full", "none", "some", "full", "some", "none"]


def load_delivery_schedule(business, now):
    """A month of cargo-bike blocks from tomorrow, claimed through the services by the active
    riders so that some are partly filled, several full with a waitlist, and the demo peer
    holds two. Deterministic but for the date it starts from."""
    program = Program.objects.get(business=business, kind=ProgramKind.DELIVERY)
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    update_fairness_limits(
        business,
        owner,
        program,
        FairnessLimitsInput(
            max_hours_per_week=16,
            min_rest_minutes=60,
            max_future_blocks=6,
            forfeit_cutoff_minutes=60,
        ),
    )
    first_day = timezone.localtime(now, business.tzinfo).date() + timedelta(days=1)
    later_from = first_day + timedelta(days=OPEN_NOW_DAYS)
    last_day = first_day + timedelta(days=SCHEDULE_DAYS - 1)
    blocks = []
    for days, hour, minutes, capacity, reward, points in DELIVERY_SHIFTS:
        for start, until, release in (
            (first_day, later_from - timedelta(days=1), None),
            (later_from, last_day, RELEASE_AHEAD_MINUTES),
        ):
            series = SeriesInput.parse(
                {
                    "program_id": program.pk,
                    "rrule": f"FREQ=WEEKLY;BYDAY={days};UNTIL={until:%Y%m%d}T235959",
                    "start_local": datetime.combine(start, time(hour)),
                    "duration_minutes": minutes,
                    "release_minutes_before": release,
                    "capacity": capacity,
                    "reward_minor": reward,
                    "reward_points": points,
                    **DELIVERY_PLACE,
                },
                context={"business": business},
            )
            blocks += create_blocks_from_template(business, owner, series).value.blocks
    blocks.sort(key=lambda b: (b.starts_at, b.pk))
    now = timezone.now()  # the blocks were released "now" by the service, a moment ago
    released = [b for b in blocks if b.released_at <= now]

    riders = list(
        Peer.objects.filter(
            business=business, status=PeerStatus.ACTIVE, skills__slug="cargo-bike-delivery"
        )
        .select_related("user")
        .order_by("pk")
    )
    demo_peer = next(p for p in riders if p.user.email == "peer@bicigialla.example")
    others = [p for p in riders if p.pk != demo_peer.pk]

    seats = dict.fromkeys((b.pk for b in blocks), 0)

    def attempt(action, peer, block):
        try:
            action(peer, block.pk, now=now)
        except SchedulingError:  # a fairness limit or an overlap: as it would be for real
            return False
        if action is claim_block:
            seats[block.pk] += 1
        return True

    def local(block):
        return timezone.localtime(block.starts_at, business.tzinfo)

    # The demo peer holds the first Saturday and a weekday afternoon the week after.
    saturdays = [b for b in released if local(b).weekday() == 5]
    afternoons = [b for b in released if local(b).hour == 15]
    for block in (saturdays[0], afternoons[min(6, len(afternoons) - 1)]):
        attempt(claim_block, demo_peer, block)

    rng = random.Random(2025)
    for i, block in enumerate(released):
        fill = FILL_PATTERN[i % len(FILL_PATTERN)]
        if fill == "none":
            continue
        wanted = block.capacity if fill == "full" else rng.randint(1, block.capacity - 1)
        candidates = rng.sample(others, len(others))
        for peer in candidates:
            if seats[block.pk] >= wanted:
                break
            attempt(claim_block, peer, block)
        if seats[block.pk] >= block.capacity:
            queue, waiting = rng.randint(1, 3), 0
            for peer in candidates:
                if waiting >= queue:
                    break
                waiting += attempt(join_waitlist, peer, block)
    return len(blocks)


# --- rewards: a month of completed blocks, paid through the rules --------------------------
