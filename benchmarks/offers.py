"""Benchmark: the worker's new-work sweep (`offers.services.offer_new_work`) on a business whose
schedule for the next fortnight has just opened.

One business around Bologna with --peers active peers (homes spread around the centre, travel
radius 3-25 km, Italian nearly always and English often, 0-2 of four skills, a reliability or
none, half of them offering their time to visitors; a quarter hold a claim) whose new-work
settings are mostly the defaults (at once, quiet 22:00-08:00), some a daily digest, some off,
some at once with quiet hours around noon; --blocks open blocks over the next 14 days in three
published delivery programs (some needing a skill, a language, a reliability or a nearer home)
and --requests confirmed requests waiting for a local in a guides program. The sweep runs at
noon tomorrow on the shop's clock (outside the default quiet hours), as the first look of the
business: everything open is new.

Prints, for the first sweep: wall time (the look and the sending apart), queries, peak Python
memory (tracemalloc, measured on an identical run that is rolled back, so that tracing does not
slow the timed one), offers recorded, messages (peers written to; at most 200 a sweep) and
outbox rows, offers per second; the second sweep a minute later (nothing new to look at: its
time, and the next 200 messages of the backlog); then the sweeps until every due message left.

    .venv/bin/python benchmarks/offers.py                         # SQLite file, defaults
    .venv/bin/python benchmarks/offers.py --database postgres
    .venv/bin/python benchmarks/offers.py --peers 10000 --blocks 2000 --requests 500

PostgreSQL runs in a database `peerarmy_bench_offers` created and dropped here (--postgres
gives the server).
"""

import argparse
import math
import os
import random
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scheduling import pg_admin, setup_django  # noqa: E402

SEED = 20261207
PG_DB = "peerarmy_bench_offers"
CENTRE = (44.4949, 11.3426)
KM_LAT = 1 / 111.195
SKILLS = ["cargo-bike", "van-licence", "first-aid", "heavy-loads"]
# (share, new_work, quiet hours or None, by_push) of the peers who saved their settings; the
# rest never opened the page (the defaults: at once, e-mail and push, quiet 22:00-08:00).
SAVED = [
    (0.10, "instant", (time_of_day(23), time_of_day(7)), True),
    (0.10, "digest", (time_of_day(22), time_of_day(8)), True),
    (0.07, "off", (time_of_day(22), time_of_day(8)), True),
    (0.05, "instant", (time_of_day(11), time_of_day(14)), False),  # quiet at noon
    (0.03, "instant", None, False),
]


class Timer:
    """Wraps a function of `services` to add up the seconds spent in it."""

    def __init__(self, module, name):
        self.module, self.name, self.seconds = module, name, 0.0
        self.original = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(module, name, timed)


def _point(rng, sigma_km):
    lat = CENTRE[0] + rng.gauss(0, sigma_km) * KM_LAT
    lon = CENTRE[1] + rng.gauss(0, sigma_km) * KM_LAT / math.cos(math.radians(CENTRE[0]))
    return round(lat, 6), round(lon, 6)


def populate(*, peers, blocks, requests, seed=SEED):
    """The business, its programs, peers, blocks and requests; returns (business, now)."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from peerarmy.accounts.models import User
    from peerarmy.matching.models import MatchingProfile, MatchRequest, RequestStatus
    from peerarmy.peers.models import NotificationSettings, Peer, PeerLanguage, PeerStatus, Skill
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
    from peerarmy.scheduling.models import Block, Claim, ClaimStatus, FairnessLimits
    from peerarmy.tenancy.models import Business

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    real_now = timezone.now().replace(microsecond=0)
    with scopes_disabled():
        business = Business.objects.create(slug="bench-offers", name="Bench", city="Bologna")
        tz = business.tzinfo
        tomorrow = real_now.astimezone(tz).date() + timedelta(days=1)
        now = datetime.combine(tomorrow, time_of_day(12), tzinfo=tz)
        skills = Skill.objects.bulk_create(
            [Skill(business=business, slug=s, name_it=s, name_en=s) for s in SKILLS]
        )
        programs = []
        for n, (slug, langs, reliability) in enumerate(
            [("consegne", [], 0), ("cargo", [], 60), ("tour-in-bici", ["en", "de"], 0)]
        ):
            programs.append(
                Program.objects.create(
                    business=business,
                    kind=ProgramKind.DELIVERY,
                    slug=slug,
                    status=ProgramStatus.PUBLISHED,
                    published_at=real_now - timedelta(days=30 + n),
                    title_it=slug,
                    title_en=slug,
                    required_languages=langs,
                    min_reliability=reliability,
                )
            )
            FairnessLimits.objects.create(business=business, program=programs[-1])
        programs[1].required_skills.add(skills[0])
        guides = Program.objects.create(
            business=business,
            kind=ProgramKind.GUIDES,
            slug="guide",
            status=ProgramStatus.PUBLISHED,
            published_at=real_now - timedelta(days=30),
            title_it="Guide",
            title_en="Guides",
        )

        users = User.objects.bulk_create(
            [
                User(
                    email=f"peer{n}@bench.example",
                    password="!",
                    language="en" if rng.random() < 0.2 else "it",
                )
                for n in range(peers)
            ],
            batch_size=2000,
        )
        made = []
        for n, user in enumerate(users):
            lat, lon = _point(rng, rng.choice([4.0, 10.0, 20.0]))
            made.append(
                Peer(
                    business=business,
                    user=user,
                    status=PeerStatus.ACTIVE,
                    display_name=f"Peer {n}",
                    latitude=lat,
                    longitude=lon,
                    travel_radius_km=int(3 + 22 * rng.betavariate(1.2, 3.0)),
                    reliability=None if rng.random() < 0.3 else rng.randint(40, 100),
                )
            )
        made = Peer.objects.bulk_create(made, batch_size=2000)
        spoken, links, settings, profiles = [], [], [], []
        through = Peer.skills.through
        for peer in made:
            if rng.random() < 0.95:
                level = "native" if rng.random() < 0.85 else "fluent"
                spoken.append(
                    PeerLanguage(business=business, peer=peer, language="it", level=level)
                )
            for code, share in (("en", 0.45), ("de", 0.08), ("fr", 0.1), ("es", 0.1)):
                if rng.random() < share:
                    level = rng.choice(["basic", "conversational", "fluent"])
                    spoken.append(
                        PeerLanguage(business=business, peer=peer, language=code, level=level)
                    )
            for skill in rng.sample(skills, rng.choice([0, 0, 1, 1, 2])):
                links.append(through(peer_id=peer.pk, skill_id=skill.pk))
            draw, at = rng.random(), 0.0
            for share, mode, quiet, by_push in SAVED:
                at += share
                if draw < at:
                    start, end = quiet or (None, None)
                    settings.append(
                        NotificationSettings(
                            business=business,
                            peer=peer,
                            new_work=mode,
                            by_push=by_push,
                            quiet_start=start,
                            quiet_end=end,
                            digest_hour=rng.choice([7, 18, 19, 20]),
                        )
                    )
                    break
            if rng.random() < 0.5:
                profiles.append(
                    MatchingProfile(business=business, peer=peer, max_per_week=rng.randint(1, 4))
                )
        PeerLanguage.objects.bulk_create(spoken, batch_size=2000)
        through.objects.bulk_create(links, batch_size=2000)
        NotificationSettings.objects.bulk_create(settings, batch_size=2000)
        MatchingProfile.objects.bulk_create(profiles, batch_size=2000)

        new_blocks = []
        for n in range(blocks):
            program = programs[n % len(programs)]
            starts = now + timedelta(days=rng.uniform(0.1, 13.9))
            starts = starts.replace(minute=rng.choice([0, 30]), second=0, microsecond=0)
            lat, lon = _point(rng, 6.0)
            new_blocks.append(
                Block(
                    business=business,
                    program=program,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=rng.choice([1, 2, 2, 3, 4])),
                    released_at=real_now - timedelta(hours=1),
                    place_name=f"Zone {n % 40}",
                    latitude=lat,
                    longitude=lon,
                    capacity=rng.choice([1, 2, 3, 5]),
                    reward_minor=2500,
                    required_languages=["en"] if rng.random() < 0.1 else [],
                    min_reliability=70 if rng.random() < 0.1 else 0,
                    max_distance_km=10 if rng.random() < 0.2 else None,
                )
            )
        new_blocks = Block.objects.bulk_create(new_blocks, batch_size=1000)
        needing = rng.sample(new_blocks, len(new_blocks) // 4)
        Block.required_skills.through.objects.bulk_create(
            [
                Block.required_skills.through(block_id=b.pk, skill_id=rng.choice(skills).pk)
                for b in needing
            ]
        )
        # A quarter of the peers already hold one of the blocks (a seat of it).
        claims, taken = [], {}
        for peer in rng.sample(made, len(made) // 4):
            block = rng.choice(new_blocks)
            if taken.get(block.pk, 0) + 1 >= block.capacity:
                continue  # leave a seat: the block stays open to the others
            taken[block.pk] = taken.get(block.pk, 0) + 1
            claims.append(
                Claim(
                    business=business,
                    block=block,
                    peer=peer,
                    status=ClaimStatus.ACTIVE,
                    starts_at=block.starts_at,
                    ends_at=block.ends_at,
                    claimed_at=real_now - timedelta(minutes=30),
                )
            )
        Claim.objects.bulk_create(claims, batch_size=2000)
        for block in new_blocks:
            block.seats_taken = taken.get(block.pk, 0)
        Block.objects.bulk_update(new_blocks, ["seats_taken"], batch_size=1000)

        visitors = []
        for n in range(requests):
            starts = now + timedelta(days=rng.uniform(0.5, 13.5))
            starts = starts.replace(minute=0, second=0, microsecond=0)
            lat, lon = _point(rng, 3.0)
            visitors.append(
                MatchRequest(
                    business=business,
                    program=guides,
                    status=RequestStatus.OPEN,
                    name=f"Visitor {n}",
                    email=f"visitor{n}@bench.example",
                    language="en",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=rng.choice([3, 4, 6])),
                    meeting_address="Piazza Maggiore",
                    latitude=lat,
                    longitude=lon,
                    group_size=rng.randint(1, 4),
                    languages=rng.choice([["en"], ["en"], ["it"], ["de", "en"], ["fr"]]),
                    confirmed_at=real_now - timedelta(hours=1),
                )
            )
        MatchRequest.objects.bulk_create(visitors, batch_size=1000)
    return business, now, len(claims)


def settle():
    """On PostgreSQL, VACUUM ANALYZE: statistics for the freshly loaded tables, as
    autovacuum gives a real installation within a minute."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


def counts(business):
    from django_scopes import scopes_disabled

    from peerarmy.notifications.models import OutboxMessage
    from peerarmy.peers.models import OfferedWork, OfferStatus

    with scopes_disabled():
        offers = OfferedWork.objects.filter(business=business)
        return {
            "offers": offers.count(),
            "pending": offers.filter(status=OfferStatus.PENDING).count(),
            "sent": offers.filter(status=OfferStatus.SENT).count(),
            "dropped": offers.filter(status=OfferStatus.DROPPED).count(),
            "outbox": OutboxMessage.objects.filter(
                business=business, event="offers.new_work"
            ).count(),
        }


def sweep(now):
    """One `offer_new_work`: (messages, seconds, look seconds, send seconds, queries, CPU
    seconds of this process: on a shared machine the wall clock also measures the
    neighbours)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from peerarmy.offers import services

    # Counting a long sweep's queries goes past Django's log of 9,000: the count stays right.
    warnings.filterwarnings("ignore", "Limit for query logging exceeded")
    look = Timer(services, "look_for_new_work")
    send = Timer(services, "send_due_offers")
    try:
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            messages = services.offer_new_work(now=now)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        services.look_for_new_work, services.send_due_offers = look.original, send.original
    return messages, seconds, look.seconds, send.seconds, len(queries), cpu


def peak_memory(now):
    """Peak Python memory (MB) of a first sweep, traced, rolled back."""
    from django.db import transaction

    from peerarmy.offers import services

    with transaction.atomic():
        tracemalloc.start()
        tracemalloc.reset_peak()
        services.offer_new_work(now=now)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        transaction.set_rollback(True)
    return peak / 1024 / 1024


def profile(now):
    """pyinstrument's tree of a first sweep, rolled back (pyinstrument is not a dependency:
    `pip install --target /tmp/pyinst pyinstrument` and run with PYTHONPATH=/tmp/pyinst)."""
    from django.db import transaction
    from pyinstrument import Profiler

    from peerarmy.offers import services

    with transaction.atomic():
        profiler = Profiler(interval=0.001)
        profiler.start()
        services.offer_new_work(now=now)
        profiler.stop()
        transaction.set_rollback(True)
    print(profiler.output_text(unicode=False, color=False, show_all=False), flush=True)


def run(args, database_url):
    setup_django(database_url)
    from django.db import connection
    from django.utils import translation

    translation.activate("en")
    print(f"== {connection.vendor}; load average {os.getloadavg()[0]:.1f} ==", flush=True)
    t0 = time.perf_counter()
    business, now, claims = populate(peers=args.peers, blocks=args.blocks, requests=args.requests)
    settle()
    print(
        f"populated {args.peers:,} peers ({claims:,} claims), {args.blocks:,} blocks in 3 "
        f"programs over 14 days, {args.requests:,} confirmed requests in "
        f"{time.perf_counter() - t0:.1f} s; sweeping at {now:%Y-%m-%d %H:%M %Z}",
        flush=True,
    )

    if args.profile:
        profile(now)
    peak = peak_memory(now)
    messages, seconds, look, send, queries, cpu = sweep(now)
    first = counts(business)
    print(
        f"first sweep: {seconds:.2f} s (look {look:.2f} s, send {send:.2f} s; CPU {cpu:.2f} s), "
        f"{queries:,} queries, peak Python memory {peak:,.1f} MB (tracemalloc, separate "
        "rolled-back run)"
    )
    print(
        f"  offers recorded {first['offers']:,} ({first['offers'] / seconds:,.0f} offers/s of "
        f"sweep, {first['offers'] / max(look, 1e-9):,.0f}/s of look); messages {messages:,} "
        f"(at most 200 a sweep), outbox rows {first['outbox']:,}; offers sent "
        f"{first['sent']:,}, dropped {first['dropped']:,}, pending {first['pending']:,}",
        flush=True,
    )

    second_at = now + timedelta(minutes=1)
    messages2, seconds2, look2, send2, queries2, cpu2 = sweep(second_at)
    second = counts(business)
    print(
        f"second sweep (a minute later): {seconds2:.2f} s (look {look2:.3f} s, send "
        f"{send2:.2f} s; CPU {cpu2:.2f} s), {queries2:,} queries, new offers "
        f"{second['offers'] - first['offers']:,}, messages {messages2:,} (the backlog)",
        flush=True,
    )

    # The backlog: a sweep a minute until no due message is left (the quiet-at-noon peers'
    # wait until 14:00, the digests until their hour: not counted).
    at, sweeps, total, sent = second_at, 0, 0.0, 0
    while True:
        at += timedelta(minutes=1)
        written, took, _look, _send, _queries, _cpu = sweep(at)
        sweeps += 1
        total += took
        sent += written
        if not written:
            break
    final = counts(business)
    print(
        f"backlog: {sweeps:,} more sweeps ({total:.2f} s in all) wrote {sent:,} messages; "
        f"{final['outbox']:,} outbox rows in all, offers sent {final['sent']:,}, dropped "
        f"{final['dropped']:,}, pending later (quiet hours, digests) {final['pending']:,}",
        flush=True,
    )
    connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", type=int, default=2_000)
    parser.add_argument("--blocks", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--profile", action="store_true", help="print pyinstrument's tree of a first sweep"
    )
    args = parser.parse_args()
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(args, f"sqlite:///{tmp}/bench.sqlite3")
        return
    pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    pg_admin(args.postgres, f"CREATE DATABASE {PG_DB}")
    try:
        run(args, f"{args.postgres.rstrip('/')}/{PG_DB}")
    finally:
        pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
