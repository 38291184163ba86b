"""Benchmark: posting rewards to the ledger from many threads, and reading a peer's balance
when their account holds a million entries.

1. Rewards as production makes them: 100,000 `services.handle(business, Occurrence(
   "block.completed", ...))` calls from 8 threads, each for a program whose cash rule pays what
   the block promised (`from_event`) within a monthly budget, spread over 2,000 peers and 3
   programs. Prints postings/s, latency per posting (p50/p99), then runs
   `checks.check_business` and fails loudly unless the books are sound.
2. The bare ledger path, in a second business: the same postings through `ledger.post` with
   the accounts resolved beforehand (budget included), so the cost of the rules layer shows.
   Then, as a diagnosis, the bare path without the budget (its one row per program and month
   is updated by every posting). On PostgreSQL, the database's own ceiling too: pgbench
   clients (C, no Python) calling `rewards_post` directly. Below 2,000/s on PostgreSQL, it
   lists the statements of one posting and profiles --profile postings in one thread.
3. One peer whose payable account holds 1,000,000 entries (balanced transactions against the
   house's adjustments account, bulk-inserted with the ledger's triggers on, the running
   balances set in the same transaction): `ledger.balance` and `selectors.wallet` over 200
   calls each.
4. Peak memory (RSS) of each run and the machine's cores.

Peers, accounts, rules and budgets are created before the clock starts (the warm-up), so the
timed phases measure postings. Each thread has its own database connection. One Python process
is bound by its GIL: --processes N also runs the rules path with the threads spread over N
processes, as gunicorn or task workers would be.

    .venv/bin/python benchmarks/rewards.py                  # PostgreSQL, then SQLite
    .venv/bin/python benchmarks/rewards.py --quick          # smoke run: small sizes
    .venv/bin/python benchmarks/rewards.py --only sqlite --sqlite-postings 20000
    .venv/bin/python benchmarks/rewards.py --only postgres --posting python   # ADR 8's other path
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 .venv/bin/python benchmarks/rewards.py

PostgreSQL runs in a database `peerarmy_bench_rewards_<pid>` created and dropped here;
SQLite in a file in a temporary directory (WAL, IMMEDIATE transactions, as in production).
Targets (PostgreSQL): >= 2,000 postings/s; a balance over 1,000,000 entries read in <= 5 ms.
"""

import argparse
import cProfile
import faulthandler
import io
import os
import pstats
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# One database per run (the parent's pid): two runs at once never drop each other's database.
PG_DB = "peerarmy_bench_rewards"
PROGRAMS = 3
BUDGET_MINOR = 10**12  # a monthly budget no benchmark reaches: every reward is posted
CURRENCY = "EUR"
SEED = 20250701
STALL_SECONDS = 60
POSTINGS_TARGET = 2_000  # per second, PostgreSQL
BALANCE_TARGET_MS = 5.0
READ_CALLS = 200
BIG_CHUNK = 100_000  # transactions per database transaction while building the big account
SQLITE_BIG_SECONDS = 60  # the big account on SQLite: built only as far as a minute allows
AUTOVACUUM_SECONDS = 30


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def setup_django(database_url):
    """Production settings (not the test ones): DEBUG off, e-mails handed to the database task
    queue after commit, persistent connections and prepared hot statements on PostgreSQL."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["PEERARMY_TESTING"] = "0"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("TASKS_BACKEND", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    import django

    django.setup()


def settle():
    """On PostgreSQL, VACUUM ANALYZE: statistics for the freshly loaded tables and no dead rows
    left by the previous phase, as autovacuum gives a real installation within a minute."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


class AutovacuumStandIn:
    """What autovacuum does for a real installation while a table grows from empty: fresh
    statistics (and the hot rows vacuumed) every AUTOVACUUM_SECONDS. Without it, the plans
    chosen for the empty tables of the start stay, and a query that should read one peer's
    rewards reads the whole business's. Runs only where the server's autovacuum is off."""

    def __init__(self, database_url):
        import psycopg

        self.url = database_url
        with psycopg.connect(database_url, autocommit=True) as conn:
            self.needed = conn.execute("SHOW autovacuum").fetchone()[0] == "off"
        self.stop = threading.Event()
        self.runs = 0

    def _loop(self):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(AUTOVACUUM_SECONDS):
                conn.execute("VACUUM ANALYZE")
                self.runs += 1

    def __enter__(self):
        if self.needed:
            self.thread = threading.Thread(target=self._loop, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.needed:
            self.stop.set()
            self.thread.join()
            self.stop.clear()


# --- the data ----------------------------------------------------------------------------------


def populate(slug, peers_count):
    """A business with an owner, PROGRAMS programs each with a cash rule for completed blocks
    (the amount the block promised) and a monthly budget, and `peers_count` active peers. The
    rules and budgets go through the services, as the owner's console sets them."""
    from django_scopes import scopes_disabled

    from peerarmy.accounts.models import User
    from peerarmy.peers.models import Peer, PeerStatus
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
    from peerarmy.rewards import services
    from peerarmy.rewards.inputs import NewRuleInput, ProgramRewardsInput
    from peerarmy.tenancy.models import Business, Membership, Role

    with scopes_disabled():
        business = Business.objects.create(slug=slug, name=slug.title(), city="Bologna")
        owner = User.objects.create(email=f"owner@{slug}.example", password="!")
        Membership.objects.create(business=business, user=owner, role=Role.OWNER)
        programs = []
        for n in range(PROGRAMS):
            program = Program.objects.create(
                business=business,
                kind=ProgramKind.DELIVERY,
                slug=f"consegne-{n}",
                status=ProgramStatus.PUBLISHED,
                title_it=f"Consegne {n}",
                title_en=f"Deliveries {n}",
            )
            services.update_program_rewards(
                business, owner, program, ProgramRewardsInput(monthly_budget_minor=BUDGET_MINOR)
            )
            services.create_rule(
                business,
                owner,
                NewRuleInput(
                    program_id=program.pk,
                    event="block.completed",
                    condition="always",
                    reward="cash",
                    from_event=True,
                ),
            )
            programs.append(program)
        services.rewards_settings(business)  # created on first use: not in the timed phase
        users = User.objects.bulk_create(
            [User(email=f"peer{n}@{slug}.example", password="!") for n in range(peers_count)],
            batch_size=2000,
        )
        peers = Peer.objects.bulk_create(
            [
                Peer(
                    business=business,
                    user=u,
                    status=PeerStatus.ACTIVE,
                    display_name=f"Peer {n}",
                    latitude=44.4949,
                    longitude=11.3426,
                    travel_radius_km=25,
                )
                for n, u in enumerate(users)
            ],
            batch_size=2000,
        )
    return business, programs, peers


def warm_up(business, programs, peers):
    """Create every account the postings will touch (each program's rewards expense, each
    peer's payable balance) and return their references, as `ledger.accounts` gives them."""
    from peerarmy.rewards import ledger

    specs = [ledger.rewards_expense(p.pk, CURRENCY) for p in programs]
    specs += [ledger.peer_payable(peer.pk, CURRENCY) for peer in peers]
    refs = {}
    for start in range(0, len(specs), 500):
        refs.update(ledger.accounts(business.pk, specs[start : start + 500]))
    return refs


def posting_jobs(peers, programs, count, label):
    """(key, peer id, program id, amount in cents, when): the same every run. Blocks of
    5 to 50 euros, completed over the last week."""
    from django.utils import timezone

    rng = random.Random(f"{SEED}:{label}")
    now = timezone.now()
    return [
        (
            f"block.completed:bench-{label}-{n}",
            rng.choice(peers).pk,
            programs[n % len(programs)].pk,
            rng.randrange(500, 5001, 50),
            now - timedelta(seconds=rng.randrange(7 * 24 * 3600)),
        )
        for n in range(count)
    ]


# --- running postings from many threads --------------------------------------------------------


def _run_jobs(jobs, threads, post_one, start_at):
    """Run `post_one(job)` for every job from `threads` threads in this process, each thread
    with its own database connection, opened before the clock starts. Returns (latencies,
    outcomes, first error's traceback or None, finished_at)."""
    from django.db import connections
    from django_scopes import scopes_disabled

    latencies, outcomes, errors, lock = [], {}, [], threading.Lock()
    progress = [0]
    ready = threading.Barrier(threads + 1)

    def work(mine):
        local_lat, local_out = [], {}
        try:
            with scopes_disabled():
                try:
                    connections["default"].ensure_connection()
                except Exception:
                    ready.abort()  # the main thread's wait fails loudly instead of hanging
                    raise
                ready.wait()
                for job in mine:
                    started = time.perf_counter()
                    try:
                        outcome = post_one(job)
                    except Exception:  # noqa: BLE001 - counted and shown, not hidden
                        outcome = "error: " + sys.exc_info()[0].__name__
                        if not errors:
                            errors.append(traceback.format_exc())
                    local_lat.append(time.perf_counter() - started)
                    local_out[outcome] = local_out.get(outcome, 0) + 1
                    progress[0] += 1
        finally:
            connections.close_all()
            with lock:
                latencies.extend(local_lat)
                for k, v in local_out.items():
                    outcomes[k] = outcomes.get(k, 0) + v

    pool = [threading.Thread(target=work, args=(jobs[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    while time.time() < start_at:  # every process starts at the same instant
        time.sleep(0.001)
    ready.wait()
    last, changed = -1, time.monotonic()
    while any(t.is_alive() for t in pool):
        time.sleep(0.2)
        if progress[0] != last:
            last, changed = progress[0], time.monotonic()
        elif time.monotonic() - changed > STALL_SECONDS:
            print(f"!!! no posting finished for {STALL_SECONDS} s; thread stacks:", flush=True)
            faulthandler.dump_traceback(all_threads=True)
            os._exit(3)
    return latencies, outcomes, (errors[0] if errors else None), time.time()


def _process_main(jobs, threads, post_one, start_at, queue):
    queue.put(_run_jobs(jobs, threads, post_one, start_at))


def race(jobs, threads, processes, post_one):
    """`threads` clients in all, spread over `processes` processes (one Python process is
    bound by its GIL; gunicorn and task workers are processes). Returns (latencies, outcomes,
    first error, wall seconds)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # no connection crosses a fork
    start_at = time.time() + 0.5
    if processes == 1:
        latencies, outcomes, error, finished = _run_jobs(jobs, threads, post_one, start_at)
        return latencies, outcomes, error, finished - start_at
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    sizes = [threads // processes + (i < threads % processes) for i in range(processes)]
    procs = [
        ctx.Process(
            target=_process_main,
            args=(jobs[i::processes], sizes[i], post_one, start_at, queue),
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    latencies, outcomes, error, finished = [], {}, None, start_at
    for _ in procs:
        lat, out, err, fin = queue.get()
        latencies.extend(lat)
        error = error or err
        finished = max(finished, fin)
        for k, v in out.items():
            outcomes[k] = outcomes.get(k, 0) + v
    for p in procs:
        p.join()
    return latencies, outcomes, error, finished - start_at


def handle_one(business):
    """One reward as production makes it: the block's completion through the rules."""
    from peerarmy.rewards import services

    def post_one(job):
        key, peer_id, program_id, amount, when = job
        granted = services.handle(
            business,
            services.Occurrence(
                event="block.completed",
                key=key,
                peer_id=peer_id,
                program_id=program_id,
                occurred_at=when,
                minutes=120,
                amount_minor=amount,
            ),
        )
        return ",".join(r.status for r in granted) or "nothing granted"

    return post_one


def ledger_one(business, refs, *, budget=True):
    """The same reward straight into the ledger: accounts resolved beforehand, the budget
    charged by the posting itself (unless `budget` is False: a diagnosis, not a real path)."""
    from peerarmy.rewards import ledger, services
    from peerarmy.rewards.ledger import Budget, Leg

    expense = {spec.program_id: ref for spec, ref in refs.items() if spec.kind == "rewards"}
    payable = {spec.peer_id: ref for spec, ref in refs.items() if spec.kind == "peer_payable"}

    def post_one(job):
        key, peer_id, program_id, amount, when = job
        posted = ledger.post(
            business.pk,
            key=key,
            kind="reward",
            legs=[Leg(expense[program_id], amount), Leg(payable[peer_id], -amount)],
            occurred_at=when,
            reason="reward.cash",
            reason_args={"event": "block.completed", "program": program_id},
            peer_id=peer_id,
            program_id=program_id,
            budget=Budget(program_id, services.local_month(business, when), amount, BUDGET_MINOR)
            if budget
            else None,
        )
        if posted.over_budget:
            return "over budget"
        return "posted" if posted.created else "existing"

    return post_one


def report_race(label, jobs, threads, processes, post_one):
    from django.db import connection

    if connection.vendor == "postgresql":
        with AutovacuumStandIn(os.environ["DATABASE_URL"]):
            latencies, outcomes, error, wall = race(jobs, threads, processes, post_one)
    else:
        latencies, outcomes, error, wall = race(jobs, threads, processes, post_one)
    ms = [x * 1000 for x in latencies]
    done = sum(v for k, v in outcomes.items() if k == "posted")
    print(f"-- {label}")
    print(
        f"  {len(jobs):,} postings from {threads} threads in {processes} process(es): "
        f"{wall:.1f} s, {done / wall:,.0f} postings/s   outcomes {dict(sorted(outcomes.items()))}"
    )
    print(
        f"  latency ms per posting: p50 {pct(ms, 50):.2f}  p95 {pct(ms, 95):.2f}  "
        f"p99 {pct(ms, 99):.2f}  max {max(ms):.1f}  mean {statistics.mean(ms):.2f}",
        flush=True,
    )
    if error:
        print("!!! the first failed posting:\n" + error, flush=True)
    return done / wall, done == len(jobs)


def check_books(business, *, expected=()):
    """Run the ledger check; print its duration and verdict. `expected` names violation codes
    this business cannot avoid (and says why). Returns whether the books are sound."""
    from django.db import connection

    from peerarmy.rewards.checks import check_business, totals_by_unit

    started = time.perf_counter()
    found = check_business(business.pk)
    took = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT COUNT(*) FROM rewards_transaction WHERE business_id = %s), "
            "(SELECT COUNT(*) FROM rewards_entry WHERE business_id = %s)",
            [business.pk, business.pk],
        )
        txns, entries = cur.fetchone()
    totals = totals_by_unit(business.pk)
    unexpected = [v for v in found if v.code not in expected]
    tolerated = len(found) - len(unexpected)
    size = f"{txns:,} transactions, {entries:,} entries"
    if unexpected or any(totals.values()):
        print(
            f"!!! check_business({business.slug}): {len(unexpected)} VIOLATIONS over {size} "
            f"({took:.2f} s); totals by unit {totals}"
        )
        for v in unexpected[:10]:
            print(f"!!!   {v.code}: {v.message}")
        return False
    note = f" ({tolerated} '{', '.join(expected)}' as expected)" if tolerated else ""
    print(f"  check_business({business.slug}): clean{note} over {size} in {took:.2f} s")
    return True


def profile_postings(jobs, post_one, label):
    """One thread, under cProfile: where the time of a posting goes."""
    from django_scopes import scopes_disabled

    profiler = cProfile.Profile()
    with scopes_disabled():
        post_one(jobs[0])  # the connection and the first statements' preparation
        started = time.perf_counter()
        profiler.enable()
        for job in jobs[1:]:
            post_one(job)
        profiler.disable()
    wall = time.perf_counter() - started
    print(
        f"-- profile of {label}: {len(jobs) - 1:,} postings in one thread, {wall:.1f} s "
        f"({(len(jobs) - 1) / wall:,.0f}/s, {wall / (len(jobs) - 1) * 1000:.2f} ms each; "
        "cProfile's own overhead included)"
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"peerarmy|django/db/models/(query|sql/compiler)", 28
    )
    stats.sort_stats("tottime").print_stats(18)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    print("\n".join("  " + ln for ln in lines if not ln.lstrip().startswith(("Ordered", "List"))))


def trace_statements(job, post_one, label):
    """The statements one posting sends, in order: every one is a round trip to the server
    (and, through the ORM, a query compiled in Python)."""
    from django.db import connection
    from django_scopes import scopes_disabled

    from peerarmy import db

    sent = []

    def record(execute, sql, params, many, context):
        sent.append(" ".join(sql.split())[:110])
        return execute(sql, params, many, context)

    prepared_execute = db._PreparedCursor.execute

    def prepared(self, sql, params=()):
        sent.append("[prepared] " + " ".join(sql.split())[:99])
        return prepared_execute(self, sql, params)

    db._PreparedCursor.execute = prepared
    try:
        with scopes_disabled(), connection.execute_wrapper(record):
            post_one(job)
    finally:
        db._PreparedCursor.execute = prepared_execute
    print(f"-- statements of one posting, {label}: {len(sent)} + COMMIT")
    for n, sql in enumerate(sent, 1):
        print(f"  {n:2}. {sql}")


def pgbench_ceiling(database_url, business, refs, threads, count):
    """The bare posting with no Python at all: `threads` pgbench clients (C, prepared
    statements) calling `rewards_post` for `count` rewards to random peers. Returns postings/s,
    or None without pgbench or when the peers' accounts are not numbered in one run."""
    from django.db import connection
    from django.utils import timezone

    from peerarmy.rewards import services

    pgbench = shutil.which("pgbench")
    payable = sorted(r.id for s, r in refs.items() if s.kind == "peer_payable")
    expense = [(s.program_id, r.id) for s, r in refs.items() if s.kind == "rewards"]
    if pgbench is None or payable[-1] - payable[0] + 1 != len(payable):
        return None
    program_id, expense_id = expense[0]
    month = services.local_month(business, timezone.now())
    # Legs in account order (the expense account was created first), as ledger.post sorts.
    script = (
        f"\\set acc random({payable[0]}, {payable[-1]})\n"
        "\\set amount random(10, 100) * 50\n"
        "\\set credit -1 * :amount\n"
        "\\set k random(1, 1000000000000)\n"
        "SELECT code FROM rewards_post("
        f"{business.pk}, 'pgbench:' || :k || ':' || :client_id, 'reward', 'reward.cash', "
        f"'{{}}'::jsonb, '', NULL, {program_id}, NULL, NULL, NULL, now(), now(), "
        f"ARRAY[{expense_id}, :acc]::bigint[], ARRAY['{CURRENCY}', '{CURRENCY}'], "
        "ARRAY[:amount, :credit]::bigint[], ARRAY[false, true], ARRAY[16, 1], "
        f"{program_id}, '{month.isoformat()}', :amount, {BUDGET_MINOR});\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".pgb", delete=False) as f:
        f.write(script)
    cmd = [pgbench, "-n", "-M", "prepared", "-c", str(threads), "-j", str(min(threads, 2))]
    cmd += ["-t", str(max(1, count // threads)), "-f", f.name, database_url]
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    os.unlink(f.name)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:])
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM rewards_transaction WHERE key LIKE 'pgbench:%%'")
        posted = cur.fetchone()[0]
    return posted / wall


# --- one peer with a million entries -----------------------------------------------------------

_BIG_PG = """
WITH t AS (
    INSERT INTO rewards_transaction (business_id, key, kind, reason, reason_args, memo, peer_id,
        occurred_at, created_at)
    SELECT %(business)s, 'bench.big:' || g, 'adjustment', 'adjustment', '{}'::jsonb,
        'benchmark', %(peer)s, %(t0)s - g * interval '1 minute', now()
    FROM generate_series(%(lo)s, %(hi)s) AS g
    RETURNING id, occurred_at
), e AS (
    INSERT INTO rewards_entry (business_id, transaction_id, account_id, unit, amount, created_at)
    SELECT %(business)s, t.id, x.account_id, %(unit)s, x.sign * (100 + t.id %% 900),
        t.occurred_at
    FROM t CROSS JOIN (VALUES (%(payable)s::bigint, -1), (%(house)s::bigint, 1))
        AS x(account_id, sign)
    RETURNING account_id, amount
)
SELECT account_id, SUM(amount) FROM e GROUP BY account_id
"""

# SQLite: no RETURNING inside a WITH, no generate_series: a recursive count, then the entries
# of the transactions numbered after the last one that existed.
_BIG_SQLITE_TXN = """
WITH RECURSIVE g(n) AS (SELECT %(lo)s UNION ALL SELECT n + 1 FROM g WHERE n < %(hi)s)
INSERT INTO rewards_transaction (business_id, key, kind, reason, reason_args, memo, peer_id,
    occurred_at, created_at)
SELECT %(business)s, 'bench.big:' || n, 'adjustment', 'adjustment', '{}', 'benchmark',
    %(peer)s, strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(t0)s, '-' || n || ' minutes'),
    strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')
FROM g
"""
_BIG_SQLITE_ENTRIES = """
INSERT INTO rewards_entry (business_id, transaction_id, account_id, unit, amount, created_at)
SELECT %(business)s, t.id, x.account_id, %(unit)s, x.sign * (100 + t.id %% 900), t.occurred_at
FROM rewards_transaction t CROSS JOIN (SELECT %(payable)s AS account_id, -1 AS sign
    UNION ALL SELECT %(house)s, 1) AS x
WHERE t.id > %(after)s
"""
_BIG_SQLITE_SUMS = (
    "SELECT account_id, SUM(amount) FROM rewards_entry WHERE transaction_id > %(after)s "
    "GROUP BY account_id"
)


def build_big_account(business, peer, entries, time_limit=None):
    """`entries` balanced transactions, each crediting the peer's payable account and debiting
    the house's adjustments account, inserted by the database in chunks of BIG_CHUNK. The
    ledger's triggers stay on (PostgreSQL's deferred balance check runs at each chunk's
    commit); both accounts' running balances are moved by the chunk's sums in the same
    transaction. Returns (payable account ref, entries built, seconds)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from peerarmy.rewards import ledger
    from peerarmy.rewards.models import AccountKind

    specs = [
        ledger.peer_payable(peer.pk, CURRENCY),
        ledger.house(AccountKind.ADJUSTMENTS, CURRENCY),
    ]
    refs = ledger.accounts(business.pk, specs)
    payable, house = refs[specs[0]], refs[specs[1]]
    t0 = timezone.now().replace(microsecond=0)
    built, started, committing = 0, time.perf_counter(), 0.0
    while built < entries:
        lo, hi = built + 1, min(entries, built + BIG_CHUNK)
        params = {
            "business": business.pk,
            "peer": peer.pk,
            "payable": payable.id,
            "house": house.id,
            "unit": CURRENCY,
            "lo": lo,
            "hi": hi,
        }
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute(_BIG_PG, {**params, "t0": t0})
                sums = cur.fetchall()
            else:
                cur.execute("SELECT COALESCE(MAX(id), 0) FROM rewards_transaction")
                params["after"] = cur.fetchone()[0]
                params["t0"] = t0.strftime("%Y-%m-%d %H:%M:%S")
                cur.execute(_BIG_SQLITE_TXN, params)
                cur.execute(_BIG_SQLITE_ENTRIES, params)
                cur.execute(_BIG_SQLITE_SUMS, params)
                sums = cur.fetchall()
            for account_id, total in sums:
                cur.execute(
                    "UPDATE rewards_balance SET amount = amount + %s "
                    "WHERE account_id = %s AND slot = 0",
                    [int(total), account_id],
                )
            commit_from = time.perf_counter()
        committing += time.perf_counter() - commit_from
        built = hi
        if time_limit and time.perf_counter() - started > time_limit and built < entries:
            break
    return payable, built, time.perf_counter() - started, committing


def big_balance(business, peers, entries, time_limit=None):
    """Build the big account, then time the reads a peer's wallet page makes."""
    from django_scopes import scopes_disabled

    from peerarmy.peers.models import Peer
    from peerarmy.rewards import ledger, selectors

    with scopes_disabled():
        payable, built, took, committing = build_big_account(
            business, peers[0], entries, time_limit
        )
        settle()
        cut = "" if built == entries else f" (stopped after {time_limit} s: NOT {entries:,})"
        print(
            f"-- one peer's payable account with {built:,} entries{cut}: built in {took:.1f} s "
            f"({built:,} balanced transactions against the house's adjustments account, "
            f"triggers on; {committing:.1f} s of it in the commits)"
        )
        peer = Peer.objects.select_related("business").get(pk=peers[0].pk)
        balance = ledger.balance(business.pk, payable.id)
        if balance >= 0:
            raise RuntimeError("the big account's running balance did not move")
        timings = {}
        for name, read in (
            ("ledger.balance(account_id)", lambda: ledger.balance(business.pk, payable.id)),
            ("selectors.wallet(peer)", lambda: selectors.wallet(peer)),
            ("selectors.movements(peer, limit=50)", lambda: selectors.movements(peer, limit=50)),
        ):
            read()  # the connection and the statement's preparation are not timed
            ms = []
            for _ in range(READ_CALLS):
                started = time.perf_counter()
                read()
                ms.append((time.perf_counter() - started) * 1000)
            timings[name] = ms
            print(
                f"  {name:38} over {READ_CALLS} calls: p50 {pct(ms, 50):.2f} ms  "
                f"p95 {pct(ms, 95):.2f} ms  max {max(ms):.2f} ms"
            )
        wallet = selectors.wallet(peer)
        print(f"  the wallet shows {wallet.payable:,} cents payable (= -balance {-balance:,})")
    return built, timings


# --- one database ------------------------------------------------------------------------------


def run(label, database_url, args):
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    if args.posting == "python" and connection.vendor == "postgresql":
        # PostgreSQL posting as SQLite does, statement by statement from Python (ADR 8
        # compares it with the `rewards_post` function).
        from peerarmy.rewards import ledger

        ledger.POST_ON_DATABASE = False
        label += ", posting from Python (--posting python)"

    print(f"\n== {label}: {connection.vendor} ==", flush=True)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start "
        "(other processes on the machine skew these figures)",
        flush=True,
    )
    if connection.vendor == "postgresql" and AutovacuumStandIn(database_url).needed:
        print(
            "this server runs with autovacuum = off: during the timed phases a thread runs "
            f"VACUUM ANALYZE every {AUTOVACUUM_SECONDS} s instead, as autovacuum would"
        )
    postings = args.postings if connection.vendor == "postgresql" else args.sqlite_postings
    target = f"(target >= {POSTINGS_TARGET:,}/s)" if connection.vendor == "postgresql" else ""
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    business, programs, peers = populate("bench", args.peers)
    bare, bare_programs, bare_peers = populate("bench-bare", args.peers)
    refs = warm_up(business, programs, peers)
    bare_refs = warm_up(bare, bare_programs, bare_peers)
    print(
        f"warm-up: 2 businesses x ({PROGRAMS} programs with a cash rule and a budget, "
        f"{args.peers:,} peers), {len(refs) + len(bare_refs):,} ledger accounts created "
        f"before timing, in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    ok = True
    settle()

    jobs = posting_jobs(peers, programs, postings, "rules")
    rate, complete = report_race(
        f"rules path: services.handle(Occurrence('block.completed')) -> cash rule -> ledger "
        f"{target}",
        jobs,
        args.threads,
        1,
        handle_one(business),
    )
    ok &= complete and check_books(business)
    if connection.vendor == "sqlite":
        # SQLite has one writer at a time, and a reward holds the write lock for all the
        # Python of the rules: one thread shows what the threads cost in waiting.
        settle()
        jobs1 = posting_jobs(peers, programs, min(postings, 5_000), "rules-1")
        report_race(
            "rules path from ONE thread (SQLite serialises writers)",
            jobs1,
            1,
            1,
            handle_one(business),
        )
        ok &= check_books(business)
    if args.processes > 1:
        settle()
        jobs2 = posting_jobs(peers, programs, postings, "rules-procs")
        report_race(
            "rules path, the same clients spread over processes (as gunicorn/task workers)",
            jobs2,
            args.threads,
            args.processes,
            handle_one(business),
        )
        ok &= check_books(business)

    settle()
    bare_jobs = posting_jobs(bare_peers, bare_programs, postings, "ledger")
    bare_rate, complete = report_race(
        "bare ledger path: ledger.post with resolved accounts, budget charged (no rules, no "
        "Reward rows)",
        bare_jobs,
        args.threads,
        1,
        ledger_one(bare, bare_refs),
    )
    # Bare postings charge the budget without a Reward row: the check's budget_drift is
    # exactly what it should say about them.
    ok &= complete and check_books(bare, expected=("budget_drift",))
    if rate and bare_rate:
        print(
            f"  the rules layer: {1000 / rate:.2f} ms of wall per posting vs "
            f"{1000 / bare_rate:.2f} ms bare ({bare_rate / rate:.1f}x)"
        )
    # Diagnosis: the same bare postings without the budget, whose row per program and month
    # every posting of that program updates (and keeps locked until its commit).
    settle()
    free_jobs = posting_jobs(bare_peers, bare_programs, min(postings, 20_000), "ledger-free")
    report_race(
        "diagnosis: the bare ledger path WITHOUT the budget (not a real path)",
        free_jobs,
        args.threads,
        1,
        ledger_one(bare, bare_refs, budget=False),
    )
    ok &= check_books(bare, expected=("budget_drift",))
    if connection.vendor == "postgresql" and args.posting == "function":
        settle()
        ceiling = pgbench_ceiling(database_url, bare, bare_refs, args.threads, postings)
        if ceiling is not None:
            print(
                f"-- database ceiling: {args.threads} pgbench clients (C, prepared, no Python) "
                f"calling rewards_post for one program (every call charges the same budget "
                f"row): {ceiling:,.0f} postings/s"
            )

    if rate < POSTINGS_TARGET and args.profile and connection.vendor == "postgresql":
        settle()
        prof_jobs = posting_jobs(peers, programs, args.profile + 2, "profile")
        trace_statements(prof_jobs.pop(), handle_one(business), "the rules path")
        profile_postings(prof_jobs, handle_one(business), "the rules path")
        prof_jobs = posting_jobs(bare_peers, bare_programs, args.profile + 1, "profile")
        profile_postings(prof_jobs, ledger_one(bare, bare_refs), "the bare ledger path")

    settle()
    if args.big_entries:
        limit = SQLITE_BIG_SECONDS if connection.vendor == "sqlite" else None
        built, timings = big_balance(business, peers, args.big_entries, limit)
        if built == args.big_entries:
            for name in ("ledger.balance(account_id)", "selectors.wallet(peer)"):
                p95 = pct(timings[name], 95)
                verdict = "OK" if p95 <= BALANCE_TARGET_MS else "ABOVE TARGET"
                print(f"  {name} p95 {p95:.2f} ms vs {BALANCE_TARGET_MS} ms: {verdict}")
        ok &= check_books(business)
    print(f"peak RSS of this run: {peak_rss_mb():,.0f} MB")
    print("books:", "SOUND" if ok else "VIOLATED", flush=True)
    return ok


def child(args):
    """Each database runs in its own process: Django is set up once per process."""
    if args.child == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run("SQLite file (WAL)", f"sqlite:///{tmp}/bench.sqlite3", args)
    return run("PostgreSQL", f"{args.postgres}/{args.pg_db}", args)


def pg_admin(base, sql):
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def server_url(url):
    """The server's address without a database name (BENCH_POSTGRES_URL may name one)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", parts.query, "")).rstrip("/")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        help="the PostgreSQL server (env BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--postings", type=int, default=100_000, help="on PostgreSQL")
    parser.add_argument("--sqlite-postings", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="also run the rules path with the threads spread over this many processes",
    )
    parser.add_argument("--peers", type=int, default=2_000)
    parser.add_argument(
        "--posting",
        choices=["function", "python"],
        default="function",
        help="PostgreSQL: post through the rewards_post function (production) or from Python",
    )
    parser.add_argument("--big-entries", type=int, default=1_000_000, help="0 skips it")
    parser.add_argument(
        "--profile",
        type=int,
        default=2_000,
        help="postings profiled in one thread when PostgreSQL misses the target (0: never)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2,000 postings, 20,000 entries"
    )
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    parser.add_argument("--pg-db", default=f"{PG_DB}_{os.getpid()}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.postgres = server_url(args.postgres)
    if args.quick:
        args.postings = args.sqlite_postings = 2_000
        args.peers = min(args.peers, 200)
        args.big_entries = min(args.big_entries, 20_000)
        args.profile = min(args.profile, 500)
    if args.child:
        sys.exit(0 if child(args) else 1)
    # Stopped from outside (SIGTERM), still drop the database: `finally` below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"{os.cpu_count()} cores; postings: {args.postings:,} on PostgreSQL, ", end="")
    print(f"{args.sqlite_postings:,} on SQLite; {args.threads} threads; {args.peers:,} peers")
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
        cmd += ["--pg-db", args.pg_db]
        for name in ("postings", "sqlite_postings", "threads", "processes", "peers", "posting"):
            cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        cmd += ["--big-entries", str(args.big_entries), "--profile", str(args.profile)]
        try:
            ok &= subprocess.run(cmd, check=False).returncode == 0  # noqa: S603 - our own script
        finally:
            if which == "postgres":
                pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak RSS of the largest run: {children:,.0f} MB; {os.cpu_count()} cores")
    if not ok:
        print("!!! FAILED: see the lines marked !!! above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
