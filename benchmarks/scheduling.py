"""Benchmark: claiming blocks through the service layer from many threads, and listing the
claimable blocks of one peer.

1. 2,000 blocks of capacity 5 and 20,000 peers claiming from 50 threads (each peer claims
   one random block; 2,000 of them also try, at the same time, a second block that overlaps
   the first). Prints successful claims per second, latency percentiles over every attempt,
   and the invariants: overbooked blocks, seat counters that disagree with the claims,
   overlapping active claims of one peer (all must be 0).
   The same race runs with the 50 clients in one process, then spread over --processes
   processes (one Python process is bound by its GIL; gunicorn workers are processes too).
2. The same race through HTTP: gunicorn on the loopback (--http-workers processes x
   --http-threads threads), 50 client threads POSTing to the claim endpoint of the API with
   each peer's own API token, on keep-alive connections.
3. Listing the claimable blocks for one peer among 10,000 open blocks: p95 over 50 runs.

On PostgreSQL it first measures the database's own ceiling: the same race (22,000 random
attempts from 50 clients) run by pgbench (C, prepared statements, no Python), each attempt the
claim's own statements in one transaction, with no rule judged between them. No client in
Python can claim faster with these statements on this machine.

    .venv/bin/python benchmarks/scheduling.py                  # PostgreSQL, then SQLite
    .venv/bin/python benchmarks/scheduling.py --only sqlite
    .venv/bin/python benchmarks/scheduling.py --postgres postgres://postgres@127.0.0.1:5432

PostgreSQL runs in a database `peerarmy_bench_sched` that is created and dropped here.
Targets (PostgreSQL): >= 1,500 claims/s, p99 <= 100 ms, list p95 <= 50 ms.
"""

import argparse
import faulthandler
import glob
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

BLOCKS, CAPACITY, PEERS, THREADS, OVERLAP_TRIES = 2_000, 5, 20_000, 50, 2_000
LIST_BLOCKS, LIST_RUNS = 10_000, 50
SEED = 20250601
STALL_SECONDS = 60
PG_DB = "peerarmy_bench_sched"
HTTP_PORT = 8765
CLAIM_PATH = "/api/v1/me/blocks/{block_id}/claim"


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup_django(database_url):
    """Production settings (not the test ones): DEBUG off, so templates are compiled once
    and cached, and the e-mail is handed to the database task queue after commit, as in
    production, instead of being delivered synchronously by the test settings' immediate
    task backend."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["PEERARMY_TESTING"] = "0"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("TASKS_BACKEND", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    import django

    django.setup()


def populate(*, blocks=BLOCKS, peers=PEERS, capacity=CAPACITY, seed=SEED):
    """A business with a published delivery program (default fairness limits), `blocks`
    open blocks of `capacity` seats around Bologna over 60 days, `peers` active peers at its
    centre; also used by http_load.py."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from peerarmy.accounts.models import User
    from peerarmy.peers.models import Peer, PeerStatus
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
    from peerarmy.scheduling.models import Block, FairnessLimits
    from peerarmy.tenancy.models import Business

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    with scopes_disabled():
        business = Business.objects.create(slug="bench", name="Bench", city="Bologna")
        program = Program.objects.create(
            business=business,
            kind=ProgramKind.DELIVERY,
            slug="consegne",
            status=ProgramStatus.PUBLISHED,
            title_it="Consegne",
            title_en="Deliveries",
        )
        FairnessLimits.objects.create(business=business, program=program)

        def block(n):
            starts = now + timedelta(days=1 + rng.randrange(60), hours=rng.randrange(12))
            return Block(
                business=business,
                program=program,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                released_at=now - timedelta(days=1),
                place_name=f"Zone {n % 40}",
                latitude=round(44.4949 + rng.uniform(-0.05, 0.05), 6),
                longitude=round(11.3426 + rng.uniform(-0.07, 0.07), 6),
                capacity=capacity,
                reward_minor=2500,
            )

        made_blocks = Block.objects.bulk_create([block(n) for n in range(blocks)], batch_size=1000)
        users = User.objects.bulk_create(
            [User(email=f"peer{n}@bench.example", password="!") for n in range(peers)],
            batch_size=2000,
        )
        made_peers = Peer.objects.bulk_create(
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
    return business, program, made_blocks, made_peers, block


def _claim_jobs(jobs, threads, start_at):
    """Run `jobs` from `threads` threads in this process, each thread with its own database
    connection; return (latencies, outcomes, finished_at)."""
    from django.db import OperationalError, connections
    from django_scopes import scopes_disabled

    from peerarmy.errors import DomainError
    from peerarmy.scheduling.services import claim_block

    latencies, outcomes, lock = [], {}, threading.Lock()
    progress = [0]

    def work(mine):
        local_lat, local_out = [], {}
        with scopes_disabled():
            for peer, block in mine:
                started = time.perf_counter()
                try:
                    claim_block(peer, block.pk)
                    outcome = "claimed"
                except DomainError as exc:
                    outcome = exc.code
                except OperationalError as exc:  # counted, not hidden
                    outcome = "database_locked" if "locked" in str(exc) else "operational_error"
                local_lat.append(time.perf_counter() - started)
                local_out[outcome] = local_out.get(outcome, 0) + 1
                progress[0] += 1
        connections.close_all()
        with lock:
            latencies.extend(local_lat)
            for k, v in local_out.items():
                outcomes[k] = outcomes.get(k, 0) + v

    pool = [threading.Thread(target=work, args=(jobs[i::threads],)) for i in range(threads)]
    while time.time() < start_at:  # every process starts at the same instant
        time.sleep(0.001)
    for t in pool:
        t.start()
    last, changed = -1, time.monotonic()
    while any(t.is_alive() for t in pool):
        time.sleep(0.5)
        if progress[0] != last:
            last, changed = progress[0], time.monotonic()
        elif time.monotonic() - changed > STALL_SECONDS:
            # No attempt finished for a whole period: show where every thread waits.
            print(f"!!! no progress for {STALL_SECONDS} s; thread stacks:", flush=True)
            faulthandler.dump_traceback(all_threads=True)
            os._exit(3)
    return latencies, outcomes, time.time()


def _process_main(jobs, threads, start_at, queue):
    queue.put(_claim_jobs(jobs, threads, start_at))


def race_jobs(blocks, peers):
    """Each peer claims one random block; the first OVERLAP_TRIES peers also try, in the same
    race, a block overlapping (or the same as) the first. Shuffled, the same every run."""
    rng = random.Random(SEED + 1)
    by_time = sorted(blocks, key=lambda b: b.starts_at)
    jobs = []
    for n, peer in enumerate(peers):
        i = rng.randrange(len(by_time))
        jobs.append((peer, by_time[i]))
        if n < OVERLAP_TRIES:
            other = by_time[min(i + 1, len(by_time) - 1)]
            if other.starts_at >= by_time[i].ends_at:
                other = by_time[i]
            jobs.append((peer, other))
    rng.shuffle(jobs)
    return jobs


def claim_race(blocks, peers, processes, threads):
    """`threads` concurrent clients in all, spread over `processes` processes (one Python
    process is bound by its GIL; several are what gunicorn workers would be)."""
    import multiprocessing

    from django.db import connections

    jobs = race_jobs(blocks, peers)
    connections.close_all()  # no connection crosses a fork
    start_at = time.time() + 0.5
    if processes == 1:
        latencies, outcomes, finished = _claim_jobs(jobs, threads, start_at)
    else:
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        sizes = [threads // processes + (i < threads % processes) for i in range(processes)]
        procs = [
            ctx.Process(target=_process_main, args=(jobs[i::processes], sizes[i], start_at, queue))
            for i in range(processes)
        ]
        for p in procs:
            p.start()
        latencies, outcomes, finished = [], {}, start_at
        for _ in procs:
            lat, out, fin = queue.get()
            latencies.extend(lat)
            finished = max(finished, fin)
            for k, v in out.items():
                outcomes[k] = outcomes.get(k, 0) + v
        for p in procs:
            p.join()
    return jobs, latencies, outcomes, finished - start_at


def peer_tokens(business, peers):
    """One API token per peer (as a peer creates in the app), raw values in peer order."""
    from django_scopes import scopes_disabled

    from peerarmy.accounts.models import ApiToken, TokenKind
    from peerarmy.accounts.services import hash_token, new_raw_token

    raws = [new_raw_token() for _ in peers]
    with scopes_disabled():
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    business=business,
                    user_id=peer.user_id,
                    name="bench",
                    kind=TokenKind.PEER,
                    prefix=raw[:10],
                    key_hash=hash_token(raw),
                )
                for peer, raw in zip(peers, raws, strict=True)
            ],
            batch_size=2000,
        )
    return {peer.pk: raw for peer, raw in zip(peers, raws, strict=True)}


def start_gunicorn(database_url, workers, threads):
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DEBUG="0",
        PEERARMY_TESTING="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="ERROR",
    )
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "peerarmy.wsgi:application",
        "--bind",
        f"127.0.0.1:{HTTP_PORT}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, env=env)  # noqa: S603 - our own command
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def http_race(blocks, peers, tokens, threads):
    """The race of claim_race, through HTTP: (latencies, outcomes, wall seconds, jobs)."""
    jobs = race_jobs(blocks, peers)
    latencies, outcomes, lock = [], {}, threading.Lock()

    def work(mine):
        conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)
        local_lat, local_out = [], {}
        for peer, block in mine:
            started = time.perf_counter()
            conn.request(
                "POST",
                CLAIM_PATH.format(block_id=block.pk),
                body=b"",
                headers={"Authorization": f"Bearer {tokens[peer.pk]}"},
            )
            response = conn.getresponse()
            body = response.read()
            local_lat.append(time.perf_counter() - started)
            if response.status in (200, 201):
                outcome = "claimed"
            else:
                try:
                    outcome = json.loads(body).get("code") or str(response.status)
                except ValueError:
                    outcome = f"http_{response.status}"
            local_out[outcome] = local_out.get(outcome, 0) + 1
        conn.close()
        with lock:
            latencies.extend(local_lat)
            for k, v in local_out.items():
                outcomes[k] = outcomes.get(k, 0) + v

    pool = [threading.Thread(target=work, args=(jobs[i::threads],)) for i in range(threads)]
    started = time.time()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, outcomes, time.time() - started, jobs


def report_http(database_url, business, blocks, peers, workers, threads):
    tokens = peer_tokens(business, peers)
    server = start_gunicorn(database_url, workers, threads)
    try:
        latencies, outcomes, wall, jobs = http_race(blocks, peers, tokens, THREADS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _print_race(
        f"HTTP: {THREADS} client threads -> gunicorn {workers} worker(s) x {threads} threads",
        jobs,
        latencies,
        outcomes,
        wall,
    )


def _pgbench_script(business_id):
    """One claim attempt as pgbench runs it: the claim's own statements (`scheduling/sql.py`:
    the quick "full?" read, the locking read of the facts, the seat UPDATE, the claim INSERT)
    and the outbox row, in one transaction, with no rule judged between them. The seat UPDATE
    skips an overlap of the peer's (a statement error would stop a pgbench client), and the
    claim and the outbox row are written only when the seat was taken."""
    from django.db import connection

    from peerarmy.scheduling import sql

    facts = sql._facts_sql(connection.vendor)
    for value in ("NULL", ":block", "now() - interval '8 days'", ":peer", str(business_id)):
        facts = facts.replace("%s", value, 1)
    full = sql._seems_full_sql(connection.vendor)
    for value in (":block", str(business_id), ":peer", ":peer", "NULL"):
        full = full.replace("%s", value, 1)
    return (
        f"{full};\n"  # noqa: S608 - a benchmark's script of fixed statements
        "BEGIN;\n"
        f"{facts};\n"
        "WITH seat AS (UPDATE scheduling_block SET seats_taken = seats_taken + 1 "
        f"WHERE id = :block AND business_id = {business_id} AND seats_taken < capacity "
        "AND status = 'open' AND NOT EXISTS (SELECT 1 FROM scheduling_claim c "
        "WHERE c.peer_id = :peer AND c.status = 'active' "
        "AND c.starts_at < scheduling_block.ends_at AND c.ends_at > scheduling_block.starts_at) "
        "RETURNING id, starts_at, ends_at) "
        "INSERT INTO scheduling_claim (business_id, block_id, peer_id, status, starts_at, "
        "ends_at, claimed_at, released_late, promoted_from_waitlist) "
        f"SELECT {business_id}, id, :peer, 'active', starts_at, ends_at, now(), false, false "
        "FROM seat;\n"
        "INSERT INTO notifications_outboxmessage (business_id, channel, event, recipient, "
        "subject, body_text, body_html, payload, renderer, attachments, language, status, "
        "attempts, next_attempt_at, created_at, last_error) "
        f"SELECT {business_id}, 'email', 'block.claimed', 'x@bench.example', '', '', '', "
        "jsonb_build_object('claim_id', c.id, 'template', 'claimed'), 'scheduling.claim', "
        "'[]'::jsonb, 'it', 'pending', 0, now(), now(), '' FROM scheduling_claim c "
        "WHERE c.peer_id = :peer AND c.block_id = :block AND c.claimed_at = now();\n"
        "COMMIT;\n"
    )


def pgbench_ceiling(database_url, business_id):
    """The same race with no Python at all: 50 pgbench clients (C, prepared statements) run
    the claim's statements for 22,000 random (peer, block) pairs. Returns (successful claims/s,
    attempts/s), or None without pgbench."""
    from django.db import connection

    pgbench = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))), None
    )
    if pgbench is None:
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM scheduling_block")
        first_block, last_block = cur.fetchone()
        cur.execute("SELECT min(id), max(id) FROM peers_peer")
        first_peer, last_peer = cur.fetchone()
    script = (
        f"\\set peer random({first_peer}, {last_peer})\n"
        f"\\set block random({first_block}, {last_block})\n"
    ) + _pgbench_script(business_id)
    with tempfile.NamedTemporaryFile("w", suffix=".pgb", delete=False) as f:
        f.write(script)
    attempts = PEERS + OVERLAP_TRIES
    cmd = [pgbench, "-n", "-M", "prepared", "-c", str(THREADS), "-j", "2"]
    cmd += ["-t", str(attempts // THREADS), "-f", f.name, database_url]
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    os.unlink(f.name)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM scheduling_claim WHERE status = 'active'")
        claimed = cur.fetchone()[0]
    reset_claims()
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:])
        return None
    return claimed / wall, attempts / wall


def settle():
    """On PostgreSQL, VACUUM ANALYZE: statistics for the freshly loaded tables and no dead
    rows left by the previous race, as autovacuum gives a real installation within a minute.
    Every race then starts from the same state."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


def reset_claims():
    """Empty every seat again, so the next configuration races on the same blocks."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    with connection.cursor() as cur:
        for table in [
            "scheduling_waitlistentry",
            "scheduling_claim",
            "notifications_outboxmessage",
            DBTaskResult._meta.db_table,
        ]:
            cur.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
        cur.execute("UPDATE scheduling_block SET seats_taken = 0")


def invariants():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM scheduling_block b WHERE b.seats_taken > b.capacity OR "
            "(SELECT COUNT(*) FROM scheduling_claim c WHERE c.block_id = b.id "
            "AND c.status = 'active') > b.capacity"
        )
        overbooked = cur.fetchone()[0]
        cur.execute(
            "SELECT COUNT(*) FROM scheduling_block b WHERE b.seats_taken <> "
            "(SELECT COUNT(*) FROM scheduling_claim c WHERE c.block_id = b.id "
            "AND c.status = 'active')"
        )
        miscounted = cur.fetchone()[0]
        cur.execute(
            "SELECT COUNT(*) FROM scheduling_claim a JOIN scheduling_claim b "
            "ON a.peer_id = b.peer_id AND a.id < b.id AND a.status = 'active' "
            "AND b.status = 'active' AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
        overlapping = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM scheduling_claim WHERE status = 'active'")
        active = cur.fetchone()[0]
    return overbooked, miscounted, overlapping, active


def listing(block_factory, peers):
    from django_scopes import scopes_disabled

    from peerarmy.scheduling.models import Block
    from peerarmy.scheduling.selectors import claimable_blocks

    with scopes_disabled():
        Block.objects.bulk_create(
            [block_factory(n) for n in range(LIST_BLOCKS - BLOCKS)], batch_size=1000
        )
        open_blocks = Block.objects.filter(status="open").count()
        peer = peers[0]
        timings = []
        for _ in range(LIST_RUNS):
            started = time.perf_counter()
            items = claimable_blocks(peer)
            timings.append(time.perf_counter() - started)
    return open_blocks, len(items), timings


def report_race(label, blocks, peers, processes, threads):
    jobs, latencies, outcomes, wall = claim_race(blocks, peers, processes, threads)
    return _print_race(label, jobs, latencies, outcomes, wall)


def _print_race(label, jobs, latencies, outcomes, wall):
    claimed = outcomes.get("claimed", 0)
    ms = [x * 1000 for x in latencies]
    print(f"-- {label}: {len(jobs):,} claim attempts in {wall:.1f} s")
    print(f"  outcomes: {dict(sorted(outcomes.items()))}")
    print(f"  successful claims/s: {claimed / wall:,.0f}   attempts/s: {len(jobs) / wall:,.0f}")
    print(
        f"  latency ms (every attempt): p50 {pct(ms, 50):.1f}  p95 {pct(ms, 95):.1f}  "
        f"p99 {pct(ms, 99):.1f}  max {max(ms):.1f}  mean {statistics.mean(ms):.1f}"
    )
    overbooked, miscounted, overlapping, active = invariants()
    print(
        f"  active claims {active:,} (seats {BLOCKS * CAPACITY:,}); overbooked blocks "
        f"{overbooked}; seat counters off {miscounted}; overlapping claims {overlapping}",
        flush=True,
    )
    failed = sum(v for k, v in outcomes.items() if k in ("database_locked", "operational_error"))
    return overbooked == miscounted == overlapping == 0, failed


def run(label, database_url, configs, http_config=None):
    setup_django(database_url)
    from django.db import connection

    print(f"\n== {label}: {connection.vendor} ==", flush=True)
    t0 = time.perf_counter()
    business, program, blocks, peers, block_factory = populate()
    print(
        f"populated {len(blocks):,} blocks x capacity {CAPACITY} and {len(peers):,} peers "
        f"in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    ok = True
    settle()
    if connection.vendor == "postgresql":
        ceiling = pgbench_ceiling(database_url, business.pk)
        settle()
        if ceiling is not None:
            print(
                f"-- database ceiling: the same race from {THREADS} pgbench clients running the "
                f"claim's statements (C, no Python, no rules): {ceiling[0]:,.0f} successful "
                f"claims/s, {ceiling[1]:,.0f} attempts/s",
                flush=True,
            )
    for n, (processes, threads) in enumerate(configs):
        if n:
            reset_claims()
            settle()
        race_ok, _failed = report_race(
            f"{threads} concurrent clients: {processes} process(es) x ~{threads // processes} "
            "threads",
            blocks,
            peers,
            processes,
            threads,
        )
        ok &= race_ok
    if http_config:
        reset_claims()
        settle()
        race_ok, _failed = report_http(database_url, business, blocks, peers, *http_config)
        ok &= race_ok
    settle()
    open_blocks, shown, timings = listing(block_factory, peers)
    lms = [x * 1000 for x in timings]
    print(
        f"claimable list for one peer among {open_blocks:,} open blocks ({shown} shown): "
        f"p50 {pct(lms, 50):.1f} ms  p95 {pct(lms, 95):.1f} ms  max {max(lms):.1f} ms"
    )
    print("invariants:", "OK" if ok else "VIOLATED")
    return ok


def child(args):
    """Each database runs in its own process: Django is set up once per process."""
    configs = [(1, THREADS), (args.processes, THREADS)]
    if args.processes == 1:
        configs = configs[:1]
    http_config = (args.http_workers, args.http_threads) if args.http_workers else None
    if args.child == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run("SQLite file", f"sqlite:///{tmp}/bench.sqlite3", configs, http_config)
    return run("PostgreSQL", f"{args.postgres.rstrip('/')}/{PG_DB}", configs, http_config)


def pg_admin(base, sql):
    import psycopg

    with psycopg.connect(f"{base.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--processes",
        type=int,
        default=4,
        help="after the one-process race, the same 50 clients spread over this many processes",
    )
    parser.add_argument(
        "--http-workers",
        type=int,
        default=2,
        help="gunicorn worker processes for the HTTP race (0 skips it)",
    )
    parser.add_argument("--http-threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.exit(0 if child(args) else 1)
    ok = True
    for which in ["postgres", "sqlite"]:
        if args.only and args.only != which:
            continue
        if which == "postgres":
            try:
                pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {PG_DB}")
                pg_admin(args.postgres, f"CREATE DATABASE {PG_DB}")
            except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
                print(f"\n!!! PostgreSQL unreachable at {args.postgres}: {exc}")
                print("!!! SKIPPING the PostgreSQL benchmark: its figures are NOT measured.\n")
                continue
        cmd = [sys.executable, __file__, "--child", which, "--postgres", args.postgres]
        cmd += ["--processes", str(args.processes)]
        cmd += ["--http-workers", str(args.http_workers), "--http-threads", str(args.http_threads)]
        ok &= subprocess.run(cmd, check=False).returncode == 0  # noqa: S603 - our own script
        if which == "postgres":
            pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
