"""Benchmark: the owner's dashboard (issue 20) over a big business, on PostgreSQL and SQLite,
and the monthly report as a PDF.

The business (Europe/Rome) has 14 months of history up to today, growing over time: 5,000
peers (85 % active, the rest applicants, rejected or suspended, with their dates), 7 programs
(delivery, guides, layover, chip-in, resale, sharing, custom), 200,000 blocks (a fortnight of
them still ahead) with ~1.3 claims each (completed, no-show, released, active), 50,000 matches
and their visitors' requests (completed, declined, expired, cancelled; requests nobody was
found for, with matching's reasons), a posted reward (cash, points, shop credit, donation)
for every completed claim and match with its balanced ledger transaction, rentals, used items
sold, chip-in campaigns with their pledges and the business's share: about 1,000,000 ledger
entries in all, the accounts' running balances in step. 20,000 customers with superfan
scores, 3,000 invitations. A second business with a twentieth of it, so that every query
must filter. The big tables are written in bulk (COPY on PostgreSQL, executemany on SQLite),
the ledger's triggers on.

1. `figures.refresh_all(business)` (the one-off materialisation of the whole history) and
   `figures.refresh_recent(business)` (the worker's hourly run): time, and the rows of
   DailyFigure, PeerDay and PeerMonth.
2. In-process: `selectors.dashboard` + `sections.key_figures` + `sections.sections` for
   random periods (the form's presets: 30 days, 90 days, last month, this year, 12 months;
   and custom ranges of up to 14 months) x (all programs or one at random), in Italian:
   p50/p95/max, p95 per period kind, the CPU time of this process (what other work on a
   shared machine does not stretch), the time Python's garbage collector took, and each
   statement's mean time per call.
3. Through Django (middleware, view, template) as the owner feels it: the console's home
   `/bench/manage/?period=...&program=...` by the test client logged in as the owner, with
   the same filters: the same figures; the peers list beside it (a console page without
   figures); the report's PDF downloaded from the page.
   When a p95 misses its target, cProfile says which functions the time goes to. Then, as a
   diagnosis, both again with `gc.freeze()` first (what a web worker could do once the
   application is loaded): the collector's full passes over every object alive are what
   makes the slow tail.
4. The monthly report (`report.pdf`) for last month and for the last 12 months, each in a
   child process that does nothing else: the time and the memory it takes (peak RSS, Linux's
   VmHWM, less the RSS before: fpdf2's and the SVG's objects); then the report's CSV.

Before measuring, this process drops what it generated and the ledger's cache of accounts,
so that it holds what a web worker holds. The figures are wall-clock times on a machine
others may be using: the CPU times beside them and `uptime` tell how busy it was.

    .venv/bin/python benchmarks/dashboard.py                  # PostgreSQL, then SQLite
    .venv/bin/python benchmarks/dashboard.py --only sqlite
    .venv/bin/python benchmarks/dashboard.py --only postgres --blocks 20000 --matches 5000 \
        --entries 100000 --peers 1000 --calls 30                # a quick run

PostgreSQL runs in a database `peerarmy_bench_dashboard_<pid>` created and dropped here
(BENCH_POSTGRES_URL or --postgres names the server); SQLite in a file in a temporary
directory. Targets (issue 20, a 2-core machine): the dashboard p95 <= 300 ms on both databases
for any period and program (in-process and through Django); the monthly report PDF <= 10 s and
<= 500 MB. Exits 1 when a target is missed.
"""

import argparse
import bisect
import cProfile
import gc
import hashlib
import json
import os
import pstats
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rewards import pg_admin, server_url  # noqa: E402 - the sibling script's PostgreSQL helpers
from support import pct, setup_django  # noqa: E402

PG_DB = "peerarmy_bench_dashboard"
SEED = 20260120
ROME = ZoneInfo("Europe/Rome")
CURRENCY = "EUR"
HISTORY_DAYS = 426  # 14 months up to today
AHEAD_DAYS = 14  # blocks already offered
TARGET_MS = 300.0
PDF_TARGET_S = 10.0
PDF_TARGET_MB = 500.0
CHUNK = 20_000  # rows per bulk write (and per database transaction of the ledger)
OTHER_SCALE = 20  # the second business: a twentieth of the first
PRESETS = ("30d", "90d", "month", "year", "12m", "custom")
WRAPPERS = ("__call__", "wrapper", "_call", "inner")  # what every request passes through
FIRST_NAMES = (
    "Giulia Marco Chiara Luca Sara Matteo Francesca Andrea Elena Davide Martina Simone Anna "
    "Federico Alessia Lorenzo Valentina Tommaso Giorgia Riccardo Ilaria Pietro Beatrice Paolo"
).split()
LAST_INITIALS = "ABCDEFGLMNPRSTVZ"
UNMATCHED = ("no_language", "too_far", "no_time", "no_capacity", "excluded")
ZONES = [
    f"Zona {name}"
    for name in ("Bolognina", "Navile", "San Donato", "Santo Stefano", "Saragozza", "Porto", "Reno")
]


def local(day, hour, minute=0):
    """A moment of a local day in Rome, in UTC."""
    return datetime.combine(day, clock(hour, minute), tzinfo=ROME).astimezone(UTC)


# --- bulk writing --------------------------------------------------------------------------------


class Writer:
    """Rows (dicts of field names) straight into a table: PostgreSQL's COPY, SQLite's
    executemany. The fields not given take the model's defaults, computed once. Where other
    rows point at them the caller gives the ids (`next_ids`); `reset_sequences` then moves
    PostgreSQL's identities past them."""

    def __init__(self):
        from django.db import connection
        from django.utils import timezone

        self.connection = connection
        self.vendor = connection.vendor
        self.now = timezone.now()
        self.tables = set()
        self.ids = {}

    def next_ids(self, model, count):
        """An iterator of `count` fresh ids of `model` (both businesses draw from it)."""
        table = model._meta.db_table
        if table not in self.ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                self.ids[table] = cursor.fetchone()[0]
        first = self.ids[table] + 1
        self.ids[table] += count
        return iter(range(first, first + count))

    def _converter(self, field):
        kind = field.get_internal_type()
        if kind == "JSONField":
            return json.dumps
        if self.vendor != "sqlite":
            return None  # psycopg's COPY takes Python's dates, numbers and strings
        if kind == "DateTimeField":  # as Django writes them: naive UTC
            return lambda v: v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        if kind == "DateField":
            return date.isoformat
        if kind == "DecimalField":
            return str
        return None

    def insert(self, model, rows):
        if not rows:
            return 0
        table = model._meta.db_table
        self.tables.add(table)
        given = set(rows[0])
        names, converters, fixed = [], [], []
        for field in model._meta.concrete_fields:
            convert = self._converter(field)
            if field.attname in given:
                names.append(field.attname)
                converters.append((field.column, field.attname, convert))
            elif not field.primary_key:
                auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                value = self.now if auto else field.get_default()
                fixed.append(
                    (field.column, convert(value) if convert and value is not None else value)
                )
        unknown = given - set(names)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {unknown}")
        constants = [value for _column, value in fixed]
        columns = ", ".join(
            f'"{c}"' for c in [c for c, _a, _f in converters] + [c for c, _v in fixed]
        )

        def values():
            for row in rows:
                out = []
                for _column, name, convert in converters:
                    value = row[name]
                    out.append(
                        convert(value) if convert is not None and value is not None else value
                    )
                yield out + constants

        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                    for row in values():
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * (len(converters) + len(fixed)))
                cursor.executemany(
                    f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',  # noqa: S608
                    list(values()),
                )
        return len(rows)

    def reset_sequences(self):
        if self.vendor != "postgresql":
            return  # SQLite's AUTOINCREMENT follows the largest id written
        with self.connection.cursor() as cursor:
            for table in sorted(self.tables):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )


class Batch:
    """Rows of several tables written together, in one database transaction per flush, the
    tables in the order given (foreign keys are checked at commit: a parent row is added
    before its children, so a flush never holds a child without its parent)."""

    def __init__(self, writer, *models):
        self.writer = writer
        self.rows = {model: [] for model in models}
        self.written = defaultdict(int)

    def add(self, model, common=None, **row):
        """One row: `common`'s fields, then those given (which win)."""
        rows = self.rows[model]
        rows.append({**common, **row} if common else row)
        if len(rows) >= CHUNK:
            self.flush()

    def flush(self):
        from django.db import transaction

        with transaction.atomic():
            for model, rows in self.rows.items():
                self.written[model] += self.writer.insert(model, rows)
                rows.clear()


# --- the businesses ------------------------------------------------------------------------------


class Army:
    """The approved peers in the order they were approved: who could work at a moment."""

    def __init__(self, peers, rng):
        self.rng = rng
        self.peers = sorted(
            (p for p in peers if p["decided_at"] and p["status"] in ("active", "suspended")),
            key=lambda p: p["decided_at"],
        )
        self.since = [p["decided_at"] for p in self.peers]

    def pick(self, when, *, avoid=()):
        """A peer approved before `when` and not suspended by then, or None; the army's core
        (the first approved) does more of the work."""
        count = bisect.bisect_left(self.since, when)
        for _attempt in range(6 if count else 0):
            peer = self.peers[int(count * self.rng.random() ** 1.6)]
            if peer["id"] in avoid or (peer["suspended_at"] and when >= peer["suspended_at"]):
                continue
            return peer
        return None


def day_weights(first, days, rng):
    """How busy each day is: the business grows over the period; Saturdays are busier."""
    weights = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        weekday = {5: 1.35, 6: 0.6}.get(day.weekday(), 1.0)
        weights.append((0.45 + offset / days) * weekday * rng.uniform(0.85, 1.15))
    return weights


def spread(total, weights):
    """`total` items over the days, as the weights say (whole numbers summing to `total`)."""
    scale = total / sum(weights)
    counts, carry = [], 0.0
    for weight in weights:
        exact = weight * scale + carry
        counts.append(int(exact))
        carry = exact - int(exact)
    counts[-1] += total - sum(counts)
    return counts


class Scene:
    """One business and its 14 months, written step by step (`build`)."""

    def __init__(self, writer, slug, sizes, rng):
        self.writer = writer
        self.slug = slug
        self.sizes = sizes
        self.rng = rng
        self.now = writer.now
        self.today = self.now.astimezone(ROME).date()
        self.first_day = self.today - timedelta(days=HISTORY_DAYS - 1)
        self.counts = defaultdict(int)
        # completed work to reward: (when, program id, peer id, claim id, match id, amount)
        self.work = []
        self.account = {}  # ledger spec -> account id
        self.balances = defaultdict(int)  # account id -> sum of its entries
        self.spent = defaultdict(int)  # (program id, month) -> budget spent

    def build(self):
        self.shop()
        self.peers()
        self.customers()
        self.blocks()
        self.matches()
        self.books()
        return self

    def moment(self):
        """A moment of the business's opening hours over the period, more of them lately."""
        day = self.first_day + timedelta(days=int(HISTORY_DAYS * self.rng.random() ** 0.8))
        when = local(day, self.rng.randint(9, 19), self.rng.randint(0, 59))
        return min(when, self.now - timedelta(minutes=5))

    def shop(self):
        from django.contrib.auth import get_user_model

        from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
        from peerarmy.rewards.models import Cause, RewardSettings
        from peerarmy.tenancy.models import Business, Membership, Role

        self.business = Business.objects.create(
            slug=self.slug, name=f"Ciclofficina {self.slug}", city="Bologna", timezone="Europe/Rome"
        )
        self.owner = get_user_model().objects.create_user(
            email=f"owner@{self.slug}.example", password="x"
        )
        Membership.objects.create(business=self.business, user=self.owner, role=Role.OWNER)
        RewardSettings.objects.create(business=self.business)
        kinds = [
            (ProgramKind.DELIVERY, "consegne", "Consegne in bici", "Bike deliveries"),
            (ProgramKind.GUIDES, "guide", "Guide del quartiere", "Neighbourhood guides"),
            (ProgramKind.LAYOVER, "scalo", "Uno scalo con noi", "A layover with us"),
            (ProgramKind.CHIP_IN, "colletta", "Regala una bici", "Give a bike"),
            (ProgramKind.RESALE, "usato", "Usato garantito", "Certified used"),
            (ProgramKind.SHARING, "noleggio", "Cargo bike in condivisione", "Shared cargo bikes"),
            (ProgramKind.CUSTOM, "officina", "Officina aperta", "Open workshop"),
        ]
        self.programs = {
            kind: Program.objects.create(
                business=self.business,
                kind=kind,
                slug=slug,
                status=ProgramStatus.PUBLISHED,
                title_it=title_it,
                title_en=title_en,
            )
            for kind, slug, title_it, title_en in kinds
        }
        self.causes = Cause.objects.bulk_create(
            [
                Cause(
                    business=self.business,
                    name_it=name,
                    name_en=name,
                    account_holder=name,
                    iban="IT60X0542811101000000123456",
                )
                for name in ("Ciclofficina popolare", "Bici per tutti")
            ]
        )

    def peers(self):
        """The founding army in the first weeks, then steady growth; applicants are recent;
        the suspended were active until their suspension."""
        from django.contrib.auth import get_user_model

        from peerarmy.peers.models import Peer, PeerReview

        rng, now = self.rng, self.now
        users = get_user_model().objects.bulk_create(
            [
                get_user_model()(email=f"peer{i}@{self.slug}.example", password="!")
                for i in range(self.sizes["peers"])
            ],
            batch_size=5000,
        )
        rows = []
        for i, user in enumerate(users):
            status = rng.choices(("active", "applicant", "rejected", "suspended"), (85, 6, 5, 4))[0]
            if status == "applicant":
                applied, decided = now - timedelta(days=rng.uniform(0, 45)), None
            else:
                founding = rng.random() < 0.15
                back = (
                    HISTORY_DAYS - rng.uniform(0, 20) if founding else rng.uniform(8, HISTORY_DAYS)
                )
                applied = now - timedelta(days=back)
                decided = applied + timedelta(days=rng.uniform(0.2, 7))
            rows.append(
                Peer(
                    business=self.business,
                    user=user,
                    status=status,
                    display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}. {i}",
                    latitude=round(44.4949 + rng.uniform(-0.05, 0.05), 6),
                    longitude=round(11.3426 + rng.uniform(-0.07, 0.07), 6),
                    reliability=rng.randint(55, 100),
                    applied_at=applied,
                    decided_at=decided,
                )
            )
        applied_at = Peer._meta.get_field("applied_at")
        applied_at.auto_now_add = False  # the history's dates, not today
        try:
            peers = Peer.objects.bulk_create(rows, batch_size=5000)
        finally:
            applied_at.auto_now_add = True
        self.facts, reviews = [], []
        for peer in peers:
            suspended_at = None
            if peer.status == "suspended":
                suspended_at = peer.decided_at + (now - peer.decided_at) * rng.uniform(0.3, 0.95)
                reviews.append(
                    PeerReview(
                        business=self.business,
                        peer=peer,
                        status="suspended",
                        triggers=[{"kind": "no_shows", "count": 3, "days": 60}],
                        opened_at=suspended_at - timedelta(days=2),
                        suspended_at=suspended_at,
                    )
                )
            self.facts.append(
                {
                    "id": peer.pk,
                    "user_id": peer.user_id,
                    "status": peer.status,
                    "decided_at": peer.decided_at,
                    "suspended_at": suspended_at,
                }
            )
        PeerReview.objects.bulk_create(reviews)
        self.army = Army(self.facts, rng)
        self.counts["peers"] = len(peers)

    def customers(self):
        """Customers with their superfan scores; some invited to join the army."""
        from peerarmy.customers.models import Customer
        from peerarmy.programs.models import ProgramKind
        from peerarmy.superfans.models import Invitation, SuperfanScore

        rng = self.rng
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    business=self.business,
                    email=f"cliente{i}@{self.slug}.example",
                    first_name=rng.choice(FIRST_NAMES),
                    city="Bologna",
                )
                for i in range(self.sizes["customers"])
            ],
            batch_size=5000,
        )
        SuperfanScore.objects.bulk_create(
            [
                SuperfanScore(
                    business=self.business,
                    customer=customer,
                    score=round(rng.betavariate(1.5, 6) * 100, 1),
                    orders=rng.randint(0, 20),
                    computed_at=self.now,
                )
                for customer in customers
            ],
            batch_size=5000,
        )
        invited = rng.sample(customers, min(self.sizes["invitations"], len(customers)))
        rows = []
        for i, customer in enumerate(invited):
            sent = self.now - timedelta(days=rng.uniform(0, HISTORY_DAYS - 1))
            rows.append(
                {
                    "business_id": self.business.pk,
                    "customer_id": customer.pk,
                    "program_id": self.programs[ProgramKind.DELIVERY].pk,
                    "nonce_hash": hashlib.sha256(f"{self.slug}-{i}".encode()).hexdigest(),
                    "status": rng.choice(("sent", "accepted", "expired")),
                    "sent_at": sent,
                    "expires_at": sent + timedelta(days=30),
                }
            )
        self.writer.insert(Invitation, rows)

    def blocks(self):
        """Blocks of delivery and of the open workshop, a fortnight of them still ahead; their
        claims: completed, no-shows, released, and active (never overlapping a peer's other
        active claims) for the blocks not over yet."""
        from peerarmy.programs.models import ProgramKind
        from peerarmy.scheduling.models import Block, Claim

        rng, now, business_id = self.rng, self.now, self.business.pk
        batch = Batch(self.writer, Block, Claim)
        total = self.sizes["blocks"]
        per_day = spread(total, day_weights(self.first_day, HISTORY_DAYS + AHEAD_DAYS, rng))
        block_ids = self.writer.next_ids(Block, total)
        claim_ids = self.writer.next_ids(Claim, total * 4)
        busy = defaultdict(list)  # peer id -> its active claims' (start, end)
        for offset, n in enumerate(per_day):
            day = self.first_day + timedelta(days=offset)
            for _ in range(n):
                delivery = rng.random() < 0.7
                program = self.programs[ProgramKind.DELIVERY if delivery else ProgramKind.CUSTOM]
                hours = rng.choice((2, 2, 3, 4)) if delivery else rng.choice((1, 2, 3))
                starts = local(day, rng.randint(8, 20 - hours), rng.choice((0, 30)))
                ends = starts + timedelta(hours=hours)
                capacity = rng.choices((1, 2, 3), (75, 18, 7))[0]
                reward = hours * (1000 if delivery else 800)
                cancelled = rng.random() < 0.02
                past = ends < now
                held, let_go = [], None
                if not cancelled:
                    if past:
                        seats = capacity if rng.random() < 0.85 else capacity - 1
                    else:
                        seats = capacity if rng.random() < 0.55 else rng.randint(0, capacity - 1)
                    for _seat in range(seats):
                        peer = self.army.pick(
                            starts - timedelta(days=1), avoid={p["id"] for p in held}
                        )
                        if peer is None or (
                            not past and any(s < ends and starts < e for s, e in busy[peer["id"]])
                        ):
                            continue
                        held.append(peer)
                    if rng.random() < 0.12:  # someone claimed a seat and let it go
                        let_go = self.army.pick(
                            starts - timedelta(days=2), avoid={p["id"] for p in held}
                        )
                block_id = next(block_ids)
                batch.add(
                    Block,
                    id=block_id,
                    business_id=business_id,
                    program_id=program.pk,
                    starts_at=starts,
                    ends_at=ends,
                    released_at=starts - timedelta(days=10),
                    capacity=capacity,
                    seats_taken=len(held),
                    reward_minor=reward,
                    place_name=rng.choice(ZONES),
                    status="cancelled" if cancelled else "open",
                    cancelled_at=starts - timedelta(days=1) if cancelled else None,
                    created_at=starts - timedelta(days=12),
                )
                claim = {
                    "business_id": business_id,
                    "block_id": block_id,
                    "starts_at": starts,
                    "ends_at": ends,
                    "released_at": None,
                    "checked_in_at": None,
                    "checked_out_at": None,
                }
                if let_go is not None:
                    claimed = starts - timedelta(days=rng.uniform(2, 9))
                    released = claimed + timedelta(hours=rng.uniform(1, 40))
                    batch.add(
                        Claim,
                        claim,
                        id=next(claim_ids),
                        peer_id=let_go["id"],
                        status="released",
                        claimed_at=claimed,
                        released_at=released,
                    )
                    self.counts["claims.released"] += 1
                for peer in held:
                    claim_id = next(claim_ids)
                    if not past:
                        status = "active"
                        busy[peer["id"]].append((starts, ends))
                    elif rng.random() < 0.955:
                        status = "completed"
                        self.work.append((ends, program.pk, peer["id"], claim_id, None, reward))
                    else:
                        status = "no_show"
                    done = status == "completed"
                    batch.add(
                        Claim,
                        claim,
                        id=claim_id,
                        peer_id=peer["id"],
                        status=status,
                        claimed_at=starts - timedelta(days=rng.uniform(0.5, 8)),
                        checked_in_at=starts if done else None,
                        checked_out_at=ends if done else None,
                    )
                    self.counts[f"claims.{status}"] += 1
        batch.flush()
        self.counts["blocks"] = batch.written[Block]
        self.counts["claims"] = batch.written[Claim]

    def matches(self):
        """Visitors' requests for a guide or a layover, and the locals proposed for them:
        completed, declined or not answered (then maybe a second local), cancelled; requests
        nobody was found for, with matching's reasons; some never confirmed."""
        from peerarmy.matching.models import Match, MatchRequest
        from peerarmy.programs.models import ProgramKind

        rng, now, business_id = self.rng, self.now, self.business.pk
        batch = Batch(self.writer, MatchRequest, Match)
        total = round(self.sizes["matches"] / 1.03)
        per_day = spread(total, day_weights(self.first_day, HISTORY_DAYS, rng))
        request_ids = self.writer.next_ids(MatchRequest, total)
        match_ids = self.writer.next_ids(Match, total * 3)
        for offset, n in enumerate(per_day):
            day = self.first_day + timedelta(days=offset)
            for _ in range(n):
                guides = rng.random() < 0.6
                program = self.programs[ProgramKind.GUIDES if guides else ProgramKind.LAYOVER]
                starts = local(day, rng.randint(9, 18))
                ends = starts + timedelta(hours=rng.choice((2, 3, 4)))
                created = starts - timedelta(days=rng.uniform(0.3, 12))
                request_id = next(request_ids)
                nobody = "expired" if starts < now else "open"
                status, reason, cancelled, proposals = None, "", None, []
                r = rng.random()
                if r < 0.03:
                    status = "unconfirmed"
                elif r < 0.10:
                    status, reason = nobody, rng.choice(UNMATCHED)
                for attempt in range(3 if status is None else 0):
                    peer = self.army.pick(created, avoid={p["peer_id"] for p in proposals})
                    if peer is None:
                        status, reason = nobody, "no_capacity"
                        break
                    proposed = created + timedelta(hours=rng.uniform(0.1, 6) + 8 * attempt)
                    m = rng.random()
                    if starts >= now:
                        outcome = "accepted" if m < 0.7 else "proposed"
                    else:
                        outcome = rng.choices(
                            ("completed", "declined", "expired", "cancelled"), (74, 13, 9, 4)
                        )[0]
                    match_id = next(match_ids)
                    completed = None
                    if outcome == "completed":
                        completed = ends + timedelta(minutes=rng.randint(10, 120))
                        self.work.append(
                            (
                                completed,
                                program.pk,
                                peer["id"],
                                None,
                                match_id,
                                1500 if guides else 2000,
                            )
                        )
                    answered = None
                    if outcome not in ("proposed", "expired"):
                        answered = proposed + timedelta(hours=rng.uniform(0.2, 8))
                    proposals.append(
                        {
                            "id": match_id,
                            "program_id": program.pk,
                            "peer_id": peer["id"],
                            "status": outcome,
                            "meets_at": starts,
                            "ends_at": ends,
                            "respond_by": proposed + timedelta(hours=24),
                            "decline_reason": "Non sono libero" if outcome == "declined" else "",
                            "created_at": proposed,
                            "responded_at": answered,
                            "completed_at": completed,
                        }
                    )
                    self.counts[f"matches.{outcome}"] += 1
                    if outcome in ("completed", "accepted", "proposed"):
                        status = {"completed": "completed", "accepted": "matched"}.get(
                            outcome, "proposed"
                        )
                        break
                    if outcome == "cancelled":
                        status, cancelled = "cancelled", starts - timedelta(hours=3)
                        break
                    if rng.random() < 0.4:  # nobody else in time
                        status, reason = nobody, rng.choice(("no_time", "taken"))
                        break
                if status is None:
                    status, reason = nobody, "no_time"
                batch.add(
                    MatchRequest,
                    id=request_id,
                    business_id=business_id,
                    program_id=program.pk,
                    token=f"{self.slug}-r{request_id}",
                    status=status,
                    name=f"Visitor {request_id}",
                    email=f"v{request_id}@example.org",
                    language="en",
                    starts_at=starts,
                    ends_at=ends,
                    languages=["en"],
                    latitude=Decimal(f"{44.4949 + rng.uniform(-0.03, 0.03):.6f}"),
                    longitude=Decimal(f"{11.3426 + rng.uniform(-0.04, 0.04):.6f}"),
                    unmatched_reason=reason,
                    created_at=created,
                    confirmed_at=None
                    if status == "unconfirmed"
                    else created + timedelta(minutes=5),
                    cancelled_at=cancelled,
                )
                for proposal in proposals:
                    batch.add(Match, proposal, business_id=business_id, request_id=request_id)
        batch.flush()
        self.counts["requests"] = batch.written[MatchRequest]
        self.counts["matches"] = batch.written[Match]

    # --- the books -------------------------------------------------------------------------

    def accounts(self, specs):
        """The ledger's accounts for `specs`, created through the ledger (with their balance
        rows) the first time."""
        from peerarmy.rewards import ledger

        specs = [spec for spec in dict.fromkeys(specs) if spec not in self.account]
        for start in range(0, len(specs), 400):
            found = ledger.accounts(self.business.pk, specs[start : start + 400])
            self.account.update({spec: ref.id for spec, ref in found.items()})

    def post(
        self, key, kind, reason, args, when, legs, *, peer_id=None, program_id=None, claim_id=None
    ):
        """A balanced transaction and its entries, as `ledger.post` writes them."""
        from peerarmy.rewards.models import Entry, Transaction

        txn_id = next(self.txn_ids)
        self.ledger.rows[Transaction].append(
            {
                "id": txn_id,
                "business_id": self.business.pk,
                "key": key,
                "kind": kind,
                "reason": reason,
                "reason_args": args,
                "peer_id": peer_id,
                "program_id": program_id,
                "claim_id": claim_id,
                "occurred_at": when,
                "created_at": when,
            }
        )
        assert sum(amount for _spec, amount in legs) == 0, legs
        for spec, amount in legs:
            account_id = self.account[spec]
            self.ledger.rows[Entry].append(
                {
                    "business_id": self.business.pk,
                    "transaction_id": txn_id,
                    "account_id": account_id,
                    "unit": spec.unit,
                    "amount": amount,
                    "created_at": when,
                }
            )
            self.balances[account_id] += amount
        self.counts["entries"] += len(legs)
        self.counts[f"transactions.{kind}"] += 1
        if len(self.ledger.rows[Transaction]) >= CHUNK:
            self.ledger.flush()  # whole transactions: the database checks each at commit
        return txn_id

    def books(self):
        """A reward for each completed task with its posting; rentals, used items sold,
        chip-in's pledges and the business's share of funded campaigns, up to the entries
        asked for; then the running balances and the budgets."""
        from peerarmy.rewards.models import Entry, Reward, Transaction

        self.ledger = Batch(self.writer, Transaction, Entry, Reward)
        rewards = len(self.work)
        money = max(self.sizes["entries"] - 2 * rewards, 0)
        pledges = int(money * 0.2 / 2)
        campaigns = max(1, pledges // 40)
        resales = int(money * 0.25 / 2.75)
        rentals = max(0, (money - 2 * pledges - int(campaigns * 1.4) - int(resales * 2.75)) // 2)
        self.txn_ids = self.writer.next_ids(Transaction, rewards + money)
        self.rewards()
        self.rentals(rentals)
        self.resales(resales)
        self.chip_in(campaigns, pledges)
        self.ledger.flush()
        self.counts["rewards"] = self.ledger.written[Reward]
        self.settle()

    def rewards(self):
        from peerarmy.rewards import ledger
        from peerarmy.rewards.models import Reward, Voucher

        rng, business_id = self.rng, self.business.pk
        self.work.sort()
        forms = rng.choices(
            ("cash", "points", "voucher", "donation"), (60, 20, 10, 10), k=len(self.work)
        )
        programs = self.programs.values()
        workers = sorted({item[2] for item in self.work})
        self.accounts(
            [ledger.rewards_expense(p.pk, unit) for p in programs for unit in (CURRENCY, "PTS")]
            + [ledger.donations_payable(cause.pk, CURRENCY) for cause in self.causes]
            + [ledger.peer_payable(peer_id, CURRENCY) for peer_id in workers]
            + [ledger.peer_points(peer_id) for peer_id in workers]
        )
        # shop credit is a voucher of its own, with its account
        codes = {
            i: f"{self.slug[:3].upper()}-{i:07d}"
            for i, form in enumerate(forms)
            if form == "voucher"
        }
        self.accounts([ledger.voucher_account(code, CURRENCY) for code in codes.values()])
        Voucher.objects.bulk_create(
            [
                Voucher(
                    business=self.business,
                    code=code,
                    peer_id=self.work[i][2],
                    value_minor=self.work[i][5],
                    currency=CURRENCY,
                    account_id=self.account[ledger.voucher_account(code, CURRENCY)],
                    expires_at=self.work[i][0] + timedelta(days=365),
                    created_at=self.work[i][0],
                )
                for i, code in codes.items()
            ],
            batch_size=5000,
        )
        reward_ids = self.writer.next_ids(Reward, len(self.work))
        for i, (when, program_id, peer_id, claim_id, match_id, amount) in enumerate(self.work):
            form = forms[i]
            unit = "PTS" if form == "points" else CURRENCY  # 100 points a euro: as many as cents
            event = "block.completed" if claim_id else "match.completed"
            key = f"{event}:{claim_id or match_id}:rule-{program_id}"
            month = when.astimezone(ROME).date().replace(day=1)
            cause_id = self.causes[i % len(self.causes)].pk if form == "donation" else None
            reward = {
                "id": next(reward_ids),
                "business_id": business_id,
                "key": key,
                "program_id": program_id,
                "peer_id": peer_id,
                "claim_id": claim_id,
                "event": event,
                "kind": form,
                "amount": amount,
                "unit": unit,
                "cause_id": cause_id,
                "budget_minor": amount,
                "budget_month": month,
                "created_at": when,
            }
            if rng.random() < 0.01:  # over the budget, waiting for the owner: not posted
                self.ledger.add(Reward, reward, status="held", transaction_id=None)
                continue
            args = {"event": event, "program": program_id}
            if form == "cash":
                credit = ledger.peer_payable(peer_id, CURRENCY)
            elif form == "points":
                credit = ledger.peer_points(peer_id)
            elif form == "voucher":
                credit = ledger.voucher_account(codes[i], CURRENCY)
                args["voucher"] = codes[i]
            else:
                credit = ledger.donations_payable(cause_id, CURRENCY)
                args["cause"] = cause_id
            txn_id = self.post(
                key,
                "reward",
                f"reward.{form}",
                args,
                when,
                [(ledger.rewards_expense(program_id, unit), amount), (credit, -amount)],
                peer_id=peer_id,
                program_id=program_id,
                claim_id=claim_id,
            )
            self.ledger.add(Reward, reward, status="posted", transaction_id=txn_id)
            self.spent[(program_id, month)] += amount

    def rentals(self, count):
        from peerarmy.programs.models import ProgramKind
        from peerarmy.rewards import ledger
        from peerarmy.rewards.models import AccountKind

        bank, till = (
            ledger.house(AccountKind.BANK, CURRENCY),
            ledger.house(AccountKind.TILL, CURRENCY),
        )
        held = ledger.house(AccountKind.DEPOSITS, CURRENCY)
        self.accounts([bank, till, held])
        program_id = self.programs[ProgramKind.SHARING].pk
        for n in range(count):
            amount = self.rng.choice((1500, 2500, 3500, 6000)) + self.rng.choice((0, 0, 5000))
            source = bank if self.rng.random() < 0.3 else till
            self.post(
                f"sharing.paid:{n}",
                "rental",
                "sharing.paid",
                {"booking": f"B{n:06d}"},
                self.moment(),
                [(source, amount), (held, -amount)],
                program_id=program_id,
            )

    def resales(self, count):
        from peerarmy.programs.models import ProgramKind
        from peerarmy.rewards import ledger
        from peerarmy.rewards.models import AccountKind

        program_id = self.programs[ProgramKind.RESALE].pk
        bank, till = (
            ledger.house(AccountKind.BANK, CURRENCY),
            ledger.house(AccountKind.TILL, CURRENCY),
        )
        held = ledger.house(AccountKind.RESALE_HELD, CURRENCY)
        sales = ledger.resale_sales(program_id, CURRENCY)
        commissions = ledger.resale_commissions(program_id, CURRENCY)
        self.accounts([bank, till, held, sales, commissions])
        for n in range(count):
            price = self.rng.choice((500, 1500, 4500, 12000, 25000, 60000))
            source = till if self.rng.random() < 0.8 else bank
            if self.rng.random() < 0.25:  # taken in trade: the whole price is the shop's
                legs = [(source, price), (sales, -price)]
            else:
                commission = max(price * 20 // 100, 300)
                legs = [(source, price), (commissions, -commission), (held, commission - price)]
            self.post(
                f"resale.sold:{n}",
                "resale",
                "resale.sold",
                {"listing": f"L{n:06d}"},
                self.moment(),
                [(spec, amount) for spec, amount in legs if amount],
                program_id=program_id,
            )

    def chip_in(self, count, pledges):
        """Campaigns, their pledges received by transfer, the business's share at success."""
        from peerarmy.chipin.models import Campaign, CampaignStatus, Pledge
        from peerarmy.programs.models import ProgramKind
        from peerarmy.rewards import ledger
        from peerarmy.rewards.models import AccountKind

        rng, now = self.rng, self.now
        program_id = self.programs[ProgramKind.CHIP_IN].pk
        campaigns = []
        for n in range(count):
            created = self.moment() - timedelta(days=20)
            campaigns.append(
                Campaign(
                    business=self.business,
                    program_id=program_id,
                    code=f"C{n:05d}",
                    title=f"Una bici per {rng.choice(FIRST_NAMES)}",
                    beneficiary_id=rng.choice(self.facts)["user_id"],
                    beneficiary_name=rng.choice(FIRST_NAMES),
                    goal_minor=rng.choice((30000, 50000, 90000)),
                    deadline=created + timedelta(days=30),
                    match_percent=15,
                    match_cap_minor=10000,
                    created_at=created,
                )
            )
        campaigns = Campaign.objects.bulk_create(campaigns, batch_size=5000)
        bank = ledger.house(AccountKind.BANK, CURRENCY)
        share = ledger.match_expense(program_id, CURRENCY)
        own = {c.pk: ledger.campaign_account(c.pk, CURRENCY) for c in campaigns}
        self.accounts([bank, share, *own.values()])
        received = defaultdict(lambda: [0, 0])
        batch = Batch(self.writer, Pledge)
        pledge_ids = self.writer.next_ids(Pledge, pledges)
        for n in range(pledges):
            campaign = campaigns[n % len(campaigns)]
            amount = rng.choice((1000, 2000, 2500, 5000, 10000))
            when = min(
                campaign.created_at + timedelta(days=rng.uniform(0, 29)), now - timedelta(hours=1)
            )
            pledge_id = next(pledge_ids)
            reference = f"RF{pledge_id:010d}"
            batch.add(
                Pledge,
                id=pledge_id,
                business_id=self.business.pk,
                campaign_id=campaign.pk,
                name=f"Amico {n}",
                email=f"amico{n}@example.org",
                amount_minor=amount,
                reference=reference,
                status="received",
                token_hash=f"{pledge_id:064x}",
                hold_until=when + timedelta(days=7),
                confirmed_at=when - timedelta(hours=2),
                received_minor=amount,
                received_at=when,
                created_at=when - timedelta(hours=3),
            )
            self.post(
                f"chipin.pledge:{pledge_id}",
                "pledge",
                "chipin.pledge_received",
                {"campaign": campaign.pk, "pledge": reference},
                when,
                [(bank, amount), (own[campaign.pk], -amount)],
                program_id=program_id,
            )
            received[campaign.pk][0] += amount
            received[campaign.pk][1] += 1
        batch.flush()
        for campaign in campaigns:
            given, count_ = received[campaign.pk]
            campaign.pledged_minor = campaign.received_minor = given
            campaign.pledge_count = count_
            if campaign.deadline > now:
                campaign.status = CampaignStatus.RUNNING
                continue
            campaign.closed_at = campaign.deadline
            if not given or rng.random() >= 0.7:
                campaign.status = CampaignStatus.FAILED
                continue
            campaign.status = CampaignStatus.SUCCEEDED
            match = min(given * campaign.match_percent // 100, campaign.match_cap_minor)
            campaign.match_minor = match
            self.post(
                f"chipin.match:{campaign.pk}",
                "campaign_funded",
                "chipin.match",
                {"campaign": campaign.pk},
                campaign.deadline,
                [(share, match), (own[campaign.pk], -match)],
                program_id=program_id,
            )
            self.spent[(program_id, campaign.deadline.astimezone(ROME).date().replace(day=1))] += (
                match
            )
        Campaign.objects.bulk_update(
            campaigns,
            [
                "pledged_minor",
                "received_minor",
                "pledge_count",
                "status",
                "match_minor",
                "closed_at",
            ],
            batch_size=2000,
        )
        self.counts["campaigns"] = len(campaigns)
        self.counts["pledges"] = pledges

    def settle(self):
        """The running balances in step with the entries (slot 0); each program's monthly
        budget a little above its busiest month, and its months' spending."""
        from django.db import connection, transaction

        from peerarmy.rewards.models import BudgetMonth, ProgramRewards

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                'UPDATE "rewards_balance" SET amount = amount + %s WHERE account_id = %s AND slot = 0',
                [(total, account_id) for account_id, total in self.balances.items() if total],
            )
        busiest = defaultdict(int)
        for (program_id, _month), total in self.spent.items():
            busiest[program_id] = max(busiest[program_id], total)
        limits = {pid: -(-int(total * 1.15) // 10000) * 10000 for pid, total in busiest.items()}
        ProgramRewards.objects.bulk_create(
            [
                ProgramRewards(business=self.business, program_id=pid, monthly_budget_minor=limit)
                for pid, limit in limits.items()
            ]
        )
        BudgetMonth.objects.bulk_create(
            [
                BudgetMonth(
                    business=self.business,
                    program_id=pid,
                    month=month,
                    slot=0,
                    spent_minor=total,
                    quota_minor=limits[pid],
                    limit_minor=limits[pid],
                )
                for (pid, month), total in self.spent.items()
            ],
            batch_size=5000,
        )


def check_books(business):
    """The ledger's own check over what was written: every transaction balanced, every
    running balance equal to its entries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT transaction_id FROM rewards_entry WHERE business_id = %s "
            "GROUP BY transaction_id, unit HAVING SUM(amount) <> 0) x",
            [business.pk],
        )
        unbalanced = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT a.id FROM rewards_account a "
            "LEFT JOIN (SELECT account_id, SUM(amount) AS s FROM rewards_entry "
            "WHERE business_id = %s GROUP BY account_id) e ON e.account_id = a.id "
            "LEFT JOIN (SELECT account_id, SUM(amount) AS s FROM rewards_balance "
            "GROUP BY account_id) b ON b.account_id = a.id "
            "WHERE a.business_id = %s AND COALESCE(e.s, 0) <> COALESCE(b.s, 0)) y",
            [business.pk, business.pk],
        )
        off = cursor.fetchone()[0]
    return unbalanced, off


# --- measuring -----------------------------------------------------------------------------------


class SqlClock:
    """The statements of one call and the time each took (connection.execute_wrapper)."""

    def __init__(self):
        self.statements = []
        self.cpu = 0.0  # the CPU time this process took meanwhile (ms)

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(((time.perf_counter() - t0) * 1000, sql))

    @property
    def ms(self):
        return sum(ms for ms, _sql in self.statements)


def random_filters(rng, programs, today):
    """The query of the dashboard's filter form: a preset or two dates, and maybe a program."""
    preset = rng.choice(PRESETS)
    params = {"period": preset}
    if preset == "custom":
        length = rng.randint(1, HISTORY_DAYS)
        end = today - timedelta(days=rng.randint(0, HISTORY_DAYS - length))
        params["start"] = (end - timedelta(days=length - 1)).isoformat()
        params["end"] = end.isoformat()
    if rng.random() < 0.5:
        params["program"] = str(rng.choice(programs).pk)
    return params


def summary(times):
    return f"p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms, max {max(times):.1f} ms"


class GcClock:
    """The time Python's garbage collector takes while measuring (gc.callbacks)."""

    def __init__(self):
        self.ms, self.started, self.full = 0.0, None, 0

    def __call__(self, phase, info):
        if phase == "start":
            self.started = time.perf_counter()
        elif self.started is not None:
            self.ms += (time.perf_counter() - self.started) * 1000
            self.full += info.get("generation") == 2

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


def statement_shares(clocks, count=7):
    """Where the SQL time goes over many calls: each statement (its text up to the first
    parameter that varies) with its mean time per call."""
    total = defaultdict(float)
    for clock_ in clocks:
        for ms, sql in clock_.statements:
            total[" ".join(sql.split())[:140]] += ms
    lines = []
    for sql, ms in sorted(total.items(), key=lambda item: -item[1])[:count]:
        lines.append(f"      {ms / len(clocks):7.1f} ms a call  {sql}")
    return "\n".join(lines)


def profile(calls, count=22):
    """The application's functions (and Django's rendering) by cumulative time over `calls`,
    under cProfile (which slows everything alike: the shares are what counts)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for call in calls:
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (path, line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        if "/peerarmy/" in path and name not in WRAPPERS and "middleware" not in path:
            rows.append((cumulative, f"{path.split('/peerarmy/')[-1]}:{line} {name}"))
        elif path.endswith("django/shortcuts.py") and name == "render":
            rows.append((cumulative, "django.shortcuts.render (the template)"))
    rows.sort(reverse=True)
    return "\n".join(
        f"      {seconds * 1000 / len(calls):7.1f} ms a call  {name}"
        for seconds, name in rows[:count]
    )


def in_process(business, programs, today):
    """One dashboard as the console's home computes it, for the filter form's `params`:
    (ms in all, ms in selectors.dashboard, ms in the words, SqlClock, period)."""
    from django.db import connection
    from django.utils import translation

    from peerarmy.analytics import sections as words
    from peerarmy.analytics.selectors import dashboard
    from peerarmy.web.forms.analytics import DashboardFilterForm

    def one(params):
        form = DashboardFilterForm(params, programs=programs, today=today)
        period = form.chosen_period()
        program_id = form.chosen_program_id()
        program = next((p for p in programs if p.pk == program_id), None)
        clock_ = SqlClock()
        with translation.override("it"), connection.execute_wrapper(clock_):
            cpu, t0 = time.process_time(), time.perf_counter()
            board = dashboard(business, period, program)
            t1 = time.perf_counter()
            words.key_figures(board)
            words.sections(board, superfans=0)
            t2 = time.perf_counter()
            clock_.cpu = (time.process_time() - cpu) * 1000
        return (t2 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, clock_, period

    return one


def through_django(business, owner):
    """The console's home through Django's test client, logged in as the owner:
    (ms, SqlClock, bytes of HTML)."""
    from django.conf import settings
    from django.contrib.staticfiles import storage
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    storage.staticfiles_storage._wrapped = storage.StaticFilesStorage()  # no manifest here
    client = Client(HTTP_HOST="testserver", secure=True, HTTP_ACCEPT_LANGUAGE="it")
    client.force_login(owner)
    url = reverse("web:manage", kwargs={"business_slug": business.slug})

    def one(params):
        clock_ = SqlClock()
        with connection.execute_wrapper(clock_):
            cpu, t0 = time.process_time(), time.perf_counter()
            response = client.get(url, params, secure=True)
            ms = (time.perf_counter() - t0) * 1000
            clock_.cpu = (time.process_time() - cpu) * 1000
        assert response.status_code == 200, (params, response.status_code)
        assert b"figure-section" in response.content, "the page shows no figures"
        return ms, clock_, len(response.content)

    one.client = client
    return one


def replay(one, filters):
    """`one` for each of the filters (after one call to warm up), under the GC clock."""
    one({"period": "30d"})
    with GcClock() as collector:
        results = [(params, *one(params)) for params in filters]
    return results, collector


def measure_in_process(one, filters):
    results, collector = replay(one, filters)
    totals = [r[1] for r in results]
    print(
        f"the dashboard in-process (selectors.dashboard + key_figures + sections) over "
        f"{len(filters)} random filters: {summary(totals)} (target p95 <= {TARGET_MS:.0f} ms)"
    )
    board = [r[2] for r in results]
    words_ms = [r[3] for r in results]
    sql = [r[4].ms for r in results]
    cpu = [r[4].cpu for r in results]
    print(
        f"  of which selectors.dashboard p50 {pct(board, 50):.1f} / p95 {pct(board, 95):.1f} ms "
        f"(its SQL p50 {pct(sql, 50):.1f} / p95 {pct(sql, 95):.1f} ms in "
        f"{max(len(r[4].statements) for r in results)} statements at most); key figures + "
        f"sections (charts, tables, words) p50 {pct(words_ms, 50):.1f} / p95 "
        f"{pct(words_ms, 95):.1f} ms; Python's garbage collector {collector.ms:.0f} ms in all "
        f"({collector.full} full collections); CPU time of this process p50 {pct(cpu, 50):.1f} "
        f"/ p95 {pct(cpu, 95):.1f} ms"
    )
    by_kind = defaultdict(list)
    for params, total, *_rest, period in results:
        kind = params["period"] if params["period"] != "custom" else f"custom {period.bucket}s"
        by_kind[(kind, "one program" if "program" in params else "all")].append(total)
    for (kind, scope), times in sorted(by_kind.items()):
        print(f"    {kind:14} {scope:11} n={len(times):3}  {summary(times)}")
    params, total, board_ms, words_ms, clock_, period = max(results, key=lambda r: r[1])
    print(
        f"  the slowest: {total:.1f} ms for {params} ({period.days} days by {period.bucket}): "
        f"dashboard {board_ms:.1f} ms (SQL {clock_.ms:.1f} ms in {len(clock_.statements)} "
        f"statements), words {words_ms:.1f} ms"
    )
    print("  the SQL, mean per call over all calls:")
    print(statement_shares([r[4] for r in results]))
    p95 = pct(totals, 95)
    if p95 > TARGET_MS:
        print("  where the time goes (cProfile over 20 of the filters):")
        print(profile([lambda p=r[0]: one(p) for r in results[:20]]))
    return p95


def measure_page(one, filters, business):
    from django.urls import reverse

    results, collector = replay(one, filters)
    times = [r[1] for r in results]
    sql = [r[2].ms for r in results]
    cpu = [r[2].cpu for r in results]
    statements = [len(r[2].statements) for r in results]
    print(
        f"the console's home through Django (middleware, view, template) over {len(filters)} "
        f"random filters: {summary(times)} (target p95 <= {TARGET_MS:.0f} ms); its SQL p50 "
        f"{pct(sql, 50):.1f} / p95 {pct(sql, 95):.1f} ms in {min(statements)}-{max(statements)} "
        f"statements; {pct([r[3] for r in results], 50) / 1024:.0f} kB of HTML; Python's "
        f"garbage collector {collector.ms:.0f} ms in all ({collector.full} full collections); "
        f"CPU time of this process p50 {pct(cpu, 50):.1f} / p95 {pct(cpu, 95):.1f} ms"
    )
    worst = max(results, key=lambda r: r[1])
    print(f"  the slowest: {worst[1]:.1f} ms for {worst[0]} (SQL {worst[2].ms:.1f} ms)")
    print("  the SQL, mean per call over all calls:")
    print(statement_shares([r[2] for r in results]))
    client = one.client
    peers = reverse("web:manage_peers", kwargs={"business_slug": business.slug})
    floor = []
    for _ in range(20):
        t0 = time.perf_counter()
        client.get(peers, secure=True)
        floor.append((time.perf_counter() - t0) * 1000)
    print(f"  (the console's peers list, a page without figures: p50 {pct(floor, 50):.1f} ms)")
    p95 = pct(times, 95)
    if p95 > TARGET_MS:
        print("  where the time goes (cProfile over 20 of the filters):")
        print(profile([lambda p=r[0]: one(p) for r in results[:20]]))
    pdf = reverse(
        "web:dashboard_report", kwargs={"business_slug": business.slug, "file_format": "pdf"}
    )
    took = {}
    for preset in ("month", "12m"):
        t0 = time.perf_counter()
        response = client.get(pdf, {"period": preset}, secure=True)
        took[preset] = time.perf_counter() - t0
        assert response.content.startswith(b"%PDF"), response.status_code
    print(
        f"  the report's PDF through Django: last month {took['month']:.2f} s, last 12 months "
        f"{took['12m']:.2f} s"
    )
    return p95


def measure_frozen(page, dashboard_only, filters):
    """A diagnosis: the same filters again once gc.freeze() has moved every object alive now
    out of the collector's reach, as a web worker could do after loading the application."""
    gc.collect()
    gc.freeze()
    try:
        for label, one, ms_at in (("in-process", dashboard_only, 1), ("through Django", page, 1)):
            results, collector = replay(one, filters)
            times = [r[ms_at] for r in results]
            print(
                f"  with gc.freeze() first, {label}: {summary(times)}; the garbage collector "
                f"{collector.ms:.0f} ms in all ({collector.full} full collections)"
            )
    finally:
        gc.unfreeze()


def memory_mb(field):
    """VmRSS (now) or VmHWM (the peak) of this process, from Linux's /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def pdf_child(database_url, which):
    """One report in a fresh process: the time, and the peak RSS less the RSS before."""
    setup_django(database_url)
    from django.utils import timezone, translation
    from django_scopes import scopes_disabled

    from peerarmy.analytics import report
    from peerarmy.analytics.figures import add_months, local_day, month_start
    from peerarmy.analytics.selectors import Period
    from peerarmy.tenancy.models import Business

    with scopes_disabled():
        business = Business.objects.get(slug="bench")
    today = local_day(timezone.now(), business.tzinfo)
    if which == "month":
        period = report.month_period(add_months(month_start(today), -1))
    else:
        period = Period(add_months(month_start(today), -11), today)
    before = memory_mb("VmRSS")
    with translation.override("it"):
        t0 = time.perf_counter()
        content = report.pdf(business, period)
        took = time.perf_counter() - t0
        peak = memory_mb("VmHWM")
        t0 = time.perf_counter()
        sheet = report.csv(business, period)
        csv_took = time.perf_counter() - t0
    pages = content.count(b"/Type /Page\n") or content.count(b"/Type /Page")
    print(
        f"{took:.3f} {peak - before:.1f} {len(content)} {pages} {csv_took:.3f} {len(sheet)} {period.days}"
    )


def measure_pdfs(database_url):
    ok = True
    for which, words in (("month", "last month"), ("12m", "the last 12 months")):
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "pdf",
            "--database-url",
            database_url,
            "--pdf",
            which,
        ]
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            print(f"!!! the report child failed for {words}: {done.stderr[-3000:]}")
            ok = False
            continue
        took, mb, size, pages, csv_took, csv_size, days = done.stdout.split()[-7:]
        took, mb = float(took), float(mb)
        ok &= took <= PDF_TARGET_S and mb <= PDF_TARGET_MB
        print(
            f"the report of {words} ({days} days) as PDF: {took:.2f} s (target <= "
            f"{PDF_TARGET_S:.0f} s), memory {mb:.0f} MB (peak RSS less RSS before; target <= "
            f"{PDF_TARGET_MB:.0f} MB), {int(size) / 1024:.0f} kB, {pages} pages; as CSV "
            f"{float(csv_took):.2f} s, {int(csv_size) / 1024:.0f} kB",
            flush=True,
        )
    return ok


def table_counts(business):
    from peerarmy.analytics.models import DailyFigure, PeerDay, PeerMonth

    return {
        model.__name__: model.objects.filter(business=business).count()
        for model in (DailyFigure, PeerDay, PeerMonth)
    }


def run(label, database_url, args):
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from peerarmy.analytics import figures
    from peerarmy.rewards import ledger
    from peerarmy.tenancy.models import Business

    print(f"\n== {label}: {connection.vendor} ==", flush=True)
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    migrated = time.perf_counter() - t0
    sizes = {
        "peers": args.peers,
        "blocks": args.blocks,
        "matches": args.matches,
        "entries": args.entries,
        "customers": args.customers,
        "invitations": args.invitations,
    }
    small = {key: max(1, value // OTHER_SCALE) for key, value in sizes.items()}
    with scopes_disabled():
        writer = Writer()
        t0 = time.perf_counter()
        scene = Scene(writer, "bench", sizes, rng).build()
        Scene(writer, "bench-other", small, rng).build()
        business, owner, counts = scene.business, scene.owner, scene.counts
        programs = list(scene.programs.values())
        writer.reset_sequences()
        built = time.perf_counter() - t0
        unbalanced, off = check_books(business)
    # This process becomes like a web worker: without what was generated nor the accounts the
    # ledger cached while posting it (the collector would walk them all at every full pass).
    del scene
    ledger.forget_accounts()
    gc.collect()
    c = counts
    print(
        f"set-up in {built:.0f} s (+ {migrated:.0f} s of migrations): {c['peers']:,} peers, "
        f"{c['blocks']:,} blocks, {c['claims']:,} claims ({c['claims.completed']:,} completed, "
        f"{c['claims.no_show']:,} no-shows, {c['claims.released']:,} released, "
        f"{c['claims.active']:,} active; {c['claims'] / max(c['blocks'], 1):.2f} a block), "
        f"{c['requests']:,} requests, {c['matches']:,} matches ({c['matches.completed']:,} "
        f"completed, {c['matches.declined']:,} declined, {c['matches.expired']:,} expired), "
        f"{c['rewards']:,} rewards, {c['entries']:,} ledger entries in "
        f"{sum(v for k, v in c.items() if k.startswith('transactions.')):,} transactions "
        f"(reward {c['transactions.reward']:,}, rental {c['transactions.rental']:,}, resale "
        f"{c['transactions.resale']:,}, pledge {c['transactions.pledge']:,}, campaign funded "
        f"{c['transactions.campaign_funded']:,}), {c['campaigns']:,} campaigns, "
        f"{args.customers:,} customers; a second business with a {OTHER_SCALE}th of it. "
        f"Ledger check: {unbalanced} unbalanced transactions, {off} balances off its entries",
        flush=True,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ok = unbalanced == 0 and off == 0

    # 1. materialising the figures
    with scopes_disabled():
        t0 = time.perf_counter()
        written = figures.refresh_all(business)
        whole = time.perf_counter() - t0
        figures.refresh_all(Business.objects.get(slug="bench-other"))
        t0 = time.perf_counter()
        recent = figures.refresh_recent(business)
        hourly = time.perf_counter() - t0
        rows = table_counts(business)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analytics_dailyfigure, analytics_peerday, analytics_peermonth")
    print(
        f"figures.refresh_all: {whole:.1f} s ({written:,} rows); figures.refresh_recent: "
        f"{hourly:.1f} s ({recent:,} rows, {figures.RECENT_MONTHS_BEFORE} months back to "
        f"{figures.RECENT_MONTHS_AFTER} ahead); rows now: "
        + ", ".join(f"{name} {n:,}" for name, n in rows.items()),
        flush=True,
    )

    # 2. and 3. the dashboard
    from django.utils import timezone

    from peerarmy.analytics.figures import local_day

    today = local_day(timezone.now(), business.tzinfo)
    filters = [random_filters(rng, programs, today) for _ in range(args.calls)]
    gc.collect()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(
        f"(objects Python tracks in this process: {len(gc.get_objects()):,}; load average {load})"
    )
    dashboard_only = in_process(business, programs, today)
    page = through_django(business, owner)
    ok &= measure_in_process(dashboard_only, filters) <= TARGET_MS
    ok &= measure_page(page, filters, business) <= TARGET_MS
    measure_frozen(page, dashboard_only, filters)

    # 4. the monthly report
    connection.close()
    ok &= measure_pdfs(database_url)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process {rss:,.0f} MB; {os.cpu_count()} cores, shared with other work")
    if not ok:
        print("!!! a target was missed")
    return ok


def child(args):
    if args.child == "pdf":
        pdf_child(args.database_url, args.pdf)
        return True
    if args.child == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run("SQLite file (WAL)", f"sqlite:///{tmp}/bench.sqlite3", args)
    return run("PostgreSQL", f"{args.postgres}/{args.pg_db}", args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--peers", type=int, default=5_000)
    parser.add_argument("--blocks", type=int, default=200_000)
    parser.add_argument("--matches", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries, about")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invitations", type=int, default=3_000)
    parser.add_argument("--calls", type=int, default=150, help="random filters timed, each way")
    parser.add_argument("--child", choices=["postgres", "sqlite", "pdf"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--pdf", choices=["month", "12m"], help=argparse.SUPPRESS)
    parser.add_argument("--pg-db", default=f"{PG_DB}_{os.getpid()}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.postgres = server_url(args.postgres)
    if args.child:
        sys.exit(0 if child(args) else 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ok = True
    for which in ["postgres", "sqlite"]:
        if args.only and args.only != which:
            continue
        if which == "postgres":
            try:
                pg_admin(args.postgres, f"CREATE DATABASE {args.pg_db}")
            except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
                print(f"\n!!! PostgreSQL unreachable at {args.postgres}: {exc}")
                print("!!! SKIPPING the PostgreSQL benchmark: its figures are NOT measured.\n")
                ok = False
                continue
        cmd = [sys.executable, __file__, "--child", which, "--postgres", args.postgres]
        cmd += ["--pg-db", args.pg_db, "--calls", str(args.calls)]
        for name in ("peers", "blocks", "matches", "entries", "customers", "invitations"):
            cmd += [f"--{name}", str(getattr(args, name))]
        try:
            ok &= subprocess.run(cmd, check=False).returncode == 0  # noqa: S603 - our own script
        finally:
            if which == "postgres":
                pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
