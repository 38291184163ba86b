"""Benchmark: what a user feels, through HTTP. `peerarmy serve` (gunicorn, DEBUG=0, PostgreSQL)
on the loopback, loaded by wrk (a C load generator) with 50 connections, one endpoint at a time:

    /healthz                         the floor: Django's middleware and nothing else
    GET  /api/v1/me/                 a peer's own record (peer token)
    GET  /api/v1/me/blocks/claimable the blocks a peer can claim (peer token)
    GET  /api/v1/peers/              the staff's peers list (staff token)
    POST /api/v1/me/blocks/{id}/claim  claim attempts, each with its own Idempotency-Key, by
                                     random peers on random blocks (most are refused: full,
                                     overlapping, over a limit; every answer counts)
    GET  /<business>/manage/peers/   a console list page (an owner's session)
    GET  /api/v1/openapi.json        the API's description (no token), plain and gzipped

It prints requests/s, p50 and p99 of each, their ratio to /healthz in the same run, the
answers by status, and the invariant after the claims: no block holds more active claims than
seats (overbooked must be 0).

    .venv/bin/python benchmarks/http_load.py [--seconds 10] [--connections 50] [--postgres URL]

Needs wrk (Debian: apt-get install wrk). Creates and drops a database `peerarmy_bench_http`.
Targets (issue 14), as ratios to /healthz at 50 connections: the peer's GET >= 0.5, the lists
>= 0.25, claim attempts >= 0.3, the console list page >= 0.15, openapi.json >= 0.5; claim p99
<= 100 ms on a quiet machine; 0 overbooked.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DB = "peerarmy_bench_http"
PORT = 8766
BLOCKS, CAPACITY, PEERS, STAFF_PEERS = 2_000, 5, 2_000, 500
SEED = 20261207


def setup_django(database_url):
    os.environ.update(
        DATABASE_URL=database_url,
        PEERARMY_TESTING="0",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="peerarmy.settings",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    import django

    django.setup()


def populate():
    """The scheduling benchmark's business (`scheduling.populate`: a published delivery
    program, BLOCKS open blocks of CAPACITY seats, PEERS peers), with the first tenth of
    STAFF_PEERS turned applicants, a language for everyone, an API token for each peer, and
    an owner with a staff token and a session."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_scopes import scopes_disabled

    from peerarmy.accounts.models import ApiToken, TokenKind, User, hash_token, new_raw_token
    from peerarmy.peers.models import Peer, PeerLanguage, PeerStatus
    from peerarmy.tenancy.models import Membership, Role

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scheduling import populate as scheduling_population

    business, _program, blocks, peers, _block = scheduling_population(
        blocks=BLOCKS, peers=PEERS, capacity=CAPACITY, seed=SEED
    )
    applicants = [peer.pk for peer in peers[: STAFF_PEERS // 10]]
    with scopes_disabled():
        Peer.objects.filter(pk__in=applicants).update(status=PeerStatus.APPLICANT)
        owner = User.objects.create_user(email="owner@bench.example", password="bench-owner-pw")
        Membership.objects.create(business=business, user=owner, role=Role.OWNER)
        PeerLanguage.objects.bulk_create(
            [PeerLanguage(business=business, peer=p, language="it") for p in peers],
            batch_size=2000,
        )
        raws = [new_raw_token() for _ in range(len(peers) + 1)]
        holders = [(peer.user_id, TokenKind.PEER) for peer in peers] + [
            (owner.pk, TokenKind.MEMBER)
        ]
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    business=business,
                    user_id=user_id,
                    name="bench",
                    kind=kind,
                    prefix=raw[:10],
                    key_hash=hash_token(raw),
                )
                for (user_id, kind), raw in zip(holders, raws, strict=True)
            ],
            batch_size=2000,
        )
        session = SessionStore()
        session[SESSION_KEY] = str(owner.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
        session.create()
    skipped = set(applicants)
    return {
        "blocks": [b.pk for b in blocks],
        "peer_tokens": [raw for p, raw in zip(peers, raws, strict=False) if p.pk not in skipped],
        "staff_token": raws[-1],
        "session": session.session_key,
    }


def overbooked():
    from django.db.models import Count, F, Q
    from django_scopes import scopes_disabled

    from peerarmy.scheduling.models import Block, ClaimStatus

    with scopes_disabled():
        return (
            Block.objects.annotate(
                held=Count("claims", filter=Q(claims__status=ClaimStatus.ACTIVE))
            )
            .filter(held__gt=F("capacity"))
            .count()
        )


def serve(database_url, workers, threads):
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DEBUG="0",
        PEERARMY_TESTING="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        LOG_LEVEL="ERROR",
        WEB_WORKERS=str(workers),
        WEB_THREADS=str(threads),
    )
    cmd = [str(Path(sys.executable).with_name("peerarmy")), "serve", "--bind", f"127.0.0.1:{PORT}"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("peerarmy serve did not start")


CLAIM_LUA = """
local tokens = {%(tokens)s}
local blocks = {%(blocks)s}
local counter = 0
statuses = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
end

function request()
  counter = counter + 1
  local token = tokens[math.random(#tokens)]
  local block = blocks[math.random(#blocks)]
  return wrk.format("POST", "/api/v1/me/blocks/" .. block .. "/claim", {
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = id .. "-" .. counter .. "-" .. math.random(1000000000),
    ["Content-Length"] = "0",
  }, "")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("STATUS %%d %%d\\n", code, n)) end
end
"""

HEADERS_LUA = """
statuses = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("STATUS %d %d\\n", code, n)) end
end
"""

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(path, *, seconds, connections, headers=(), script=None):
    """(requests/s, p50 ms, p99 ms, {status: count}) of one wrk run."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or HEADERS_LUA)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name]
    for header in headers:
        cmd += ["-H", header]
    cmd.append(f"http://127.0.0.1:{PORT}{path}")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1))
    statuses = {int(c): int(n) for c, n in re.findall(r"STATUS (\d+) (\d+)", out)}
    return rps, p50, p99, statuses


def in_process(runs, data, repeat):
    """ms per request of each endpoint called in this process by Django's test client: no
    HTTP, no server, one thread. What the application itself costs."""
    import random as rnd

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    rng = rnd.Random(SEED)
    out = {}
    for label, path, headers, script, *_rest in runs:
        if len(_rest) > 1:  # the same endpoint at another number of clients
            continue
        extra = {}
        for header in headers:
            name, _sep, value = header.partition(": ")
            if name == "Cookie":
                for part in value.split("; "):
                    key, _eq, val = part.partition("=")
                    client.cookies[key] = val
            else:
                extra["HTTP_" + name.upper().replace("-", "_")] = value

        def call(n, path=path, extra=extra, script=script):
            if script is None:
                return client.get(path, **extra)
            block = rng.choice(data["blocks"])
            return client.post(
                f"/api/v1/me/blocks/{block}/claim",
                HTTP_AUTHORIZATION=f"Bearer {rng.choice(data['peer_tokens'])}",
                HTTP_IDEMPOTENCY_KEY=f"inproc-{n}-{rng.random()}",
            )

        for n in range(5):
            answer = call(n)
            assert answer.status_code < 300 or script, f"{label}: {answer.status_code}"
        started = time.perf_counter()
        for n in range(repeat):
            call(n)
        out[label] = (time.perf_counter() - started) / repeat * 1000
    return out


def pgbench(base, seconds, connections):
    """Transactions/s of PostgreSQL's own write benchmark (`pgbench -b simple-update`: an
    UPDATE, a SELECT and an INSERT per transaction) on this machine: the database's ceiling
    for a claim's kind of work."""
    binary = shutil.which("pgbench")
    if binary is None:
        return None
    url = f"{base.rstrip('/')}/{DB}_pgbench"
    pg_admin(base, f'DROP DATABASE IF EXISTS "{DB}_pgbench"')
    pg_admin(base, f'CREATE DATABASE "{DB}_pgbench"')
    try:
        subprocess.run([binary, "-q", "-i", "-s", "10", url], check=True, capture_output=True)  # noqa: S603
        out = subprocess.run(  # noqa: S603
            [
                binary,
                "-b",
                "simple-update",
                "-M",
                "prepared",
                "-c",
                str(connections),
                "-j",
                "2",
                "-T",
                str(seconds),
                url,
            ],  # fmt: skip
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        pg_admin(base, f'DROP DATABASE IF EXISTS "{DB}_pgbench"')


def pg_admin(base, sql, *, database="postgres", sql_list=()):
    import psycopg

    with psycopg.connect(f"{base.rstrip('/')}/{database}", autocommit=True) as conn:
        for statement in [sql] if sql else sql_list:
            conn.execute(statement)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=200, help="requests per endpoint in process")
    parser.add_argument(
        "--rounds", type=int, default=2, help="passes over the endpoints; the best run is kept"
    )
    parser.add_argument("--only", default="", help="only the endpoints whose label holds this")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    pg_admin(args.postgres, f'DROP DATABASE IF EXISTS "{DB}"')
    pg_admin(args.postgres, f'CREATE DATABASE "{DB}"')
    database_url = f"{args.postgres.rstrip('/')}/{DB}"
    setup_django(database_url)
    started = time.time()
    data = populate()
    print(
        f"population: {BLOCKS:,} blocks x {CAPACITY} seats, {PEERS:,} peers "
        f"({len(data['peer_tokens']):,} active, each with a token), in {time.time() - started:.0f} s"
    )
    # What autovacuum does on a live database after a bulk load: fresh planner statistics
    # (without them the planner takes 2,000 blocks for one row and sorts them all).
    pg_admin(
        database_url.rsplit("/", 1)[0], None, database=DB, sql_list=["VACUUM ANALYZE", "CHECKPOINT"]
    )
    peer = f"Authorization: Bearer {data['peer_tokens'][0]}"
    staff = f"Authorization: Bearer {data['staff_token']}"
    claim_script = CLAIM_LUA % {
        "tokens": ",".join(f'"{t}"' for t in data["peer_tokens"]),
        "blocks": ",".join(str(b) for b in data["blocks"]),
    }
    runs = [
        ("/healthz", "/healthz", (), None, None),
        ("peer's GET /api/v1/me/", "/api/v1/me/", (peer,), None, 0.5),
        ("claimable list", "/api/v1/me/blocks/claimable", (peer,), None, 0.25),
        # what a phone shows at once: the first twenty
        ("claimable list, 20", "/api/v1/me/blocks/claimable?limit=20", (peer,), None, 0.25),
        ("staff peers list", "/api/v1/peers/", (staff,), None, 0.25),
        ("claim POST", "/api/v1/me/blocks/0/claim", (), claim_script, 0.3),
        # the latency a peer feels when the server is busy but not flooded
        ("claim POST, 8 clients", "/api/v1/me/blocks/0/claim", (), claim_script, None, 8),
        (
            "console peers page",
            "/bench/manage/peers/",
            (f"Cookie: sessionid={data['session']}; peerarmy_language=en",),
            None,
            0.15,
        ),
        ("openapi.json", "/api/v1/openapi.json", (), None, 0.5),
        # as browsers and generated clients ask for it
        ("openapi.json gzip", "/api/v1/openapi.json", ("Accept-Encoding: gzip",), None, 0.5),
        # the floor again at the end: the ratios use the higher of the two
        ("/healthz (again)", "/healthz", (), None, None),
    ]
    if args.only:
        runs = [runs[0], *(r for r in runs[1:-1] if args.only in r[0]), runs[-1]]
    server = serve(database_url, args.workers, args.threads)
    # This machine shares its cores: a neighbour's burst can halve one run. Every endpoint
    # is measured in each of `rounds` passes over the list and its best run is kept, the
    # floor's too, so that a burst lowers no figure and no ratio.
    best = {}
    try:
        for _round in range(args.rounds):
            for label, path, headers, script, target, *clients in runs:
                connections = clients[0] if clients else args.connections
                # a short warm-up, so that every worker has loaded what the endpoint needs
                wrk(path, seconds=2, connections=connections, headers=headers, script=script)
                found = wrk(
                    path,
                    seconds=args.seconds,
                    connections=connections,
                    headers=headers,
                    script=script,
                )
                if label not in best or found[0] > best[label][2]:
                    best[label] = (label, target, *found)
        results = [best[run[0]] for run in runs]
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    floor = max(results[0][2], results[-1][2])
    print(
        f"\n{args.connections} connections, {args.seconds} s each, best of {args.rounds} rounds, "
        f"peerarmy serve {args.workers} workers x {args.threads} threads, PostgreSQL, DEBUG=0\n"
    )
    print(
        f"{'endpoint':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'target':>7}  answers"
    )
    for label, target, rps, p50, p99, statuses in results:
        ratio = rps / floor
        mark = "" if target is None else (f">={target}" + (" ok" if ratio >= target else " MISS"))
        answers = ", ".join(f"{c}: {n}" for c, n in sorted(statuses.items()))
        print(f"{label:<22} {rps:>9.0f} {p50:>8.1f} {p99:>8.1f} {ratio:>6.2f} {mark:>7}  {answers}")
    print(f"\noverbooked blocks after the claims: {overbooked()}")

    # The ceilings, in the same run: what the application costs without HTTP, and what the
    # database does at its best on this machine.
    costs = in_process(runs[:-1], data, args.repeat)
    base_ms = costs["/healthz"]
    print("\nin process (Django's test client, one thread, no HTTP):\n")
    print(f"{'endpoint':<22} {'ms/req':>9} {'ratio':>6}")
    for label, ms in costs.items():
        print(f"{label:<22} {ms:>9.2f} {base_ms / ms:>6.2f}")
    tps = pgbench(args.postgres, args.seconds, args.connections)
    if tps is not None:
        claims = next((r[2] for r in results if r[0] == "claim POST"), 0)
        print(
            f"\npgbench simple-update, {args.connections} clients: {tps:,.0f} transactions/s; "
            f"claim attempts over HTTP are {claims / tps:.2f} of it"
        )


if __name__ == "__main__":
    main()
