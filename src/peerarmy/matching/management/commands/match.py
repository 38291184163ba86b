"""`peerarmy match solve FILE.json`: the raw min-cost-flow solver, JSON in, JSON out.

Input: {"requests": [{"id": "r1"}], "peers": [{"id": "p1", "capacity": 2}],
"edges": [{"request": "r1", "peer": "p1", "cost": 37}]}; output: {"matched": N,
"total_cost": C, "assignments": [{"request": "r1", "peer": "p1"}]}. `-` reads standard input.
Malformed input exits with status 2 and one line on standard error naming the fault (items
are counted from 1), so scripts can tell it from a crash.
"""

import json
import sys

from django.core.management.base import BaseCommand

from peerarmy.matching import engine

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Input the solver cannot read: reported in one line, exit status 2."""


def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


def read_json(path, stdin):
    """The parsed JSON of `path` (or of `stdin` for "-"); BadInput names what is wrong."""
    label = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
        else:
            with open(path, "rb") as f:
                raw = f.read()
    except OSError as exc:
        raise BadInput(f"cannot read {label}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise BadInput(f"{label}: not UTF-8 text (byte {exc.start + 1})") from exc
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{label}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except ValueError as exc:
        raise BadInput(f"{label}: invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadInput(f"{label}: invalid JSON: nested too deeply") from exc


class Command(BaseCommand):
    help = "Matching tools: solve a raw assignment problem given as JSON."
    stealth_options = ("stdin",)
    requires_system_checks = []  # a pure computation: no models, no database

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        solve = sub.add_parser(
            "solve",
            help="match requests to peers with capacities over the listed edges: as many as "
            "possible, then the least total cost",
        )
        solve.add_argument("file", metavar="FILE", help="the problem as JSON, or - for stdin")
        solve.add_argument(
            "--indent", type=int, default=None, help="indent the output JSON by this many spaces"
        )

    def handle(self, *args, action, **options):
        try:
            data = read_json(options["file"], options.get("stdin") or sys.stdin)
            result = engine.solve_raw(data)
        except (BadInput, engine.InputError) as exc:
            # One line, no traceback, a distinct status: CommandError would print its class
            # name in front of the message.
            self.stderr.write(f"match {action}: {exc}")
            raise SystemExit(EXIT_BAD_INPUT) from exc
        self.stdout.write(json.dumps(result, indent=options["indent"], ensure_ascii=False))
