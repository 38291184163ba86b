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
        print("\n== scoring ==", flush=True)
        codes.append(run_part("superfans_score.py", ["--customers", str(args.customers)]))
    print(json.dumps({"exit_codes": codes}))
    return max(codes) if codes else 0


if __name__ == "__main__":
    sys.exit(main())
