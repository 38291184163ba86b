"""`peerarmy match solve FILE.json`: the raw min-cost-flow solver, JSON in, JSON out.

Input: {"requests": [{"id": "r1"}], "peers": [{"id": "p1", "capacity": 2}],
"edges": [{"request": "r1", "peer": "p1", "cost": 37}]}; output: {"matched": N,
"total_cost": C, "assignments": [{"request": "r1", "peer": "p1"}]}. `-` reads standard input.
Malformed input exits with status 2 and one line on standard error naming the fault (items
are counted from 1), so scripts can tell it from a crash.

A pure computation: this module imports no Django, so it needs no settings (no SECRET_KEY,
no database). The console script calls `main` before it sets Django up; the management
command `match` is a thin wrapper around it. The engine (NumPy, SciPy, OR-Tools) is imported
only to solve.
"""

import argparse
import json
import sys

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


HELP = "Matching tools: solve a raw assignment problem given as JSON."
SOLVE_HELP = (
    "match requests to peers with capacities over the listed edges: as many as possible, "
    "then the least total cost"
)


def add_arguments(parser):
    """The arguments of `match`, on `parser` (argparse's or a management command's)."""
    sub = parser.add_subparsers(dest="action", required=True)
    solve = sub.add_parser("solve", help=SOLVE_HELP)
    solve.add_argument("file", metavar="FILE", help="the problem as JSON, or - for stdin")
    solve.add_argument(
        "--indent", type=int, default=None, help="indent the output JSON by this many spaces"
    )


def solve(path, *, indent=None, stdin=None, stdout=None, stderr=None) -> int:
    """Solve the problem in `path` ("-": `stdin`), print the answer as JSON; malformed input
    is one line on `stderr` and status 2."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    from peerarmy.matching import engine

    try:
        result = engine.solve_raw(read_json(path, stdin))
    except (BadInput, engine.InputError) as exc:
        stderr.write(f"match solve: {exc}\n")
        return EXIT_BAD_INPUT
    stdout.write(json.dumps(result, indent=indent, ensure_ascii=False) + "\n")
    return 0


def main(argv: list[str], *, stdin=None, stdout=None, stderr=None) -> int:
    """`peerarmy match ARGS…`: `argv` is what follows `match` (e.g. ["solve", "p.json"]);
    returns the exit status (2 for a usage error or malformed input)."""
    parser = argparse.ArgumentParser(prog="peerarmy match", description=HELP)
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    return solve(args.file, indent=args.indent, stdin=stdin, stdout=stdout, stderr=stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
