"""Superfan discovery benchmarks, as the issue names them:

1. import a Shopify-format orders export of 1,000,000 line rows (about 400k orders and 150k
   customers) into SQLite and into PostgreSQL: target <= 60 s each, peak memory <= 1.5 GB;
2. score 150,000 customers: target <= 5 s.

Run: .venv/bin/python benchmarks/superfans.py [--rows N] [--customers N] [--only import|score]
Each part runs in its own process, so that one's peak memory does not hide the other's.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_part(script, args):
    env = {**os.environ, "PEERARMY_TESTING": "0", "DEBUG": "1"}
    result = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, str(HERE / script), *args], env=env, check=False
    )
    return result.returncode


PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SCRATCH_DB = "peerarmy_bench_score"


def _admin(sql):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)


def scratch_postgres():
    """A fresh, empty PostgreSQL database for the scoring run, or None if none answers."""
    try:
        _admin(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
        _admin(f"CREATE DATABASE {SCRATCH_DB}")
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        print(f"PostgreSQL: {exc}")
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{SCRATCH_DB}"


def drop_postgres():
    _admin(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--only", choices=["import", "score"])
    args = parser.parse_args()
    codes = []
    if args.only in (None, "import"):
        print("== import: Shopify orders export ==", flush=True)
        codes.append(run_part("superfans_import.py", ["--rows", str(args.rows)]))
    if args.only in (None, "score"):
        print("\n== scoring: core, then end to end on SQLite ==", flush=True)
        codes.append(run_part("superfans_score.py", ["--customers", str(args.customers)]))
        print("\n== scoring: end to end on PostgreSQL ==", flush=True)
        url = scratch_postgres()
        if url is None:
            print("!!! PostgreSQL is not reachable: the PostgreSQL scoring run was SKIPPED !!!")
        else:
            try:
                codes.append(
                    run_part(
                        "superfans_score.py",
                        [
                            "--customers",
                            str(args.customers),
                            "--database-only",
                            "--database-url",
                            url,
                        ],
                    )
                )
            finally:
                drop_postgres()
    print(json.dumps({"exit_codes": codes}))
    return max(codes) if codes else 0


if __name__ == "__main__":
    sys.exit(main())
