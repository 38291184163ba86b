"""`peerarmy match solve FILE.json`: the raw solver's answer, and one clear line with exit
status 2 for every kind of malformed input; a pure computation that needs no Django."""

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from scipy.optimize import linear_sum_assignment

import peerarmy
from peerarmy.matching import engine, solve_cli

EXAMPLE = {
    "requests": [{"id": "r1"}, {"id": "r2"}, {"id": 3}],
    "peers": [{"id": "p1", "capacity": 2}, {"id": "p2", "capacity": 1}],
    "edges": [
        {"request": "r1", "peer": "p1", "cost": 37},
        {"request": "r1", "peer": "p2", "cost": 10},
        {"request": "r2", "peer": "p2", "cost": 5},
        {"request": 3, "peer": "p1", "cost": 0},
    ],
}
# r2 can only go to p2, so r1 takes p1 although p2 is cheaper for it.
EXPECTED = {
    "matched": 3,
    "total_cost": 42,
    "assignments": [
        {"request": "r1", "peer": "p1"},
        {"request": "r2", "peer": "p2"},
        {"request": 3, "peer": "p1"},
    ],
}


def solve(data):
    """Run the command on `data` (an object, or raw text) through stdin: (stdout, stderr,
    exit status)."""
    text = data if isinstance(data, str) else json.dumps(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("match", "solve", "-", stdin=io.StringIO(text), stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return out.getvalue(), err.getvalue(), status


def test_the_example():
    out, err, status = solve(EXAMPLE)
    assert (json.loads(out), err, status) == (EXPECTED, "", 0)


def test_a_file_and_indented_output(tmp_path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(EXAMPLE))
    out = io.StringIO()
    call_command("match", "solve", str(path), "--indent", "2", stdout=out)
    assert out.getvalue() == json.dumps(EXPECTED, indent=2) + "\n"


def test_the_console_command(tmp_path):
    """The installed `peerarmy` script, as an operator runs it."""
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(EXAMPLE))
    broken = dict(EXAMPLE, edges=[*EXAMPLE["edges"][:2], dict(EXAMPLE["edges"][2], cost=-1)])
    bad.write_text(json.dumps(broken))
    script = Path(sys.executable).with_name("peerarmy")
    env = dict(os.environ, PEERARMY_TESTING="1")
    ok = subprocess.run(  # noqa: S603 - our own command
        [script, "match", "solve", str(good)], capture_output=True, text=True, env=env, check=False
    )
    assert (ok.returncode, json.loads(ok.stdout), ok.stderr) == (0, EXPECTED, "")
    failed = subprocess.run(  # noqa: S603 - our own command
        [script, "match", "solve", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr == "match solve: edge 3: cost must be a non-negative integer, got -1\n"


def with_edges(*edges):
    return dict(EXAMPLE, edges=list(edges))


EDGE = {"request": "r1", "peer": "p1", "cost": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{", "<stdin>: invalid JSON at line 1 column 2: Expecting property name enclosed in double quotes"),
        ('{"requests": [], "peers": [], "edges": [], "x": NaN}', "<stdin>: invalid JSON: NaN is not allowed"),
        ("[1, 2]", "input must be a JSON object"),
        ({"peers": [], "edges": []}, "missing key 'requests'"),
        ({"requests": {}, "peers": [], "edges": []}, "'requests' must be a list"),
        (dict(EXAMPLE, requests=["r1"]), "request 1: must be an object"),
        (dict(EXAMPLE, requests=[{"name": "x"}]), "request 1: missing key 'id'"),
        (dict(EXAMPLE, requests=[{"id": 1.5}]), "request 1: id must be a string or an integer, got 1.5"),
        (dict(EXAMPLE, requests=[{"id": True}]), "request 1: id must be a string or an integer, got true"),
        (dict(EXAMPLE, requests=[{"id": "a"}, {"id": "a"}]), 'request 2: duplicate id "a"'),
        (dict(EXAMPLE, peers=[{"id": "p1"}]), "peer 1: missing key 'capacity'"),
        (dict(EXAMPLE, peers=[{"id": "p1", "capacity": -1}]), "peer 1: capacity must be a non-negative integer, got -1"),
        (dict(EXAMPLE, peers=[{"id": "p1", "capacity": 1.5}]), "peer 1: capacity must be a non-negative integer, got 1.5"),
        (dict(EXAMPLE, peers=[{"id": "p1", "capacity": "2"}]), 'peer 1: capacity must be a non-negative integer, got "2"'),
        (dict(EXAMPLE, peers=[{"id": "p", "capacity": 1}, {"id": "p", "capacity": 1}]), 'peer 2: duplicate id "p"'),
        (with_edges({"request": "r9", "peer": "p1", "cost": 1}), 'edge 1: unknown request "r9"'),
        (with_edges(EDGE, {"request": "r1", "peer": "p9", "cost": 1}), 'edge 2: unknown peer "p9"'),
        (with_edges({"request": "r1", "peer": "p1"}), "edge 1: missing key 'cost'"),
        (with_edges(dict(EDGE, cost=-1)), "edge 1: cost must be a non-negative integer, got -1"),
        (with_edges(dict(EDGE, cost=2.5)), "edge 1: cost must be a non-negative integer, got 2.5"),
        (with_edges(dict(EDGE, cost=True)), "edge 1: cost must be a non-negative integer, got true"),
        (with_edges(dict(EDGE, cost=None)), "edge 1: cost must be a non-negative integer, got null"),
        (with_edges(dict(EDGE, cost=10**13)), "edge 1: cost must be at most 1000000000000, got 10000000000000"),
        (with_edges(EDGE, dict(EDGE, cost=5)), "edge 2: duplicate edge r1-p1"),
        (with_edges("r1-p1"), "edge 1: must be an object"),
        # valid JSON, but no text can hold a lone surrogate: refused, not a traceback
        ('{"requests": [{"id": "\\ud800"}], "peers": [], "edges": []}', 'request 1: id must be valid Unicode text, got "\\ud800"'),
        (dict(EXAMPLE, peers=[{"id": "p\udfff", "capacity": 1}]), 'peer 1: id must be valid Unicode text, got "p\\udfff"'),
        (with_edges({"request": "r1", "peer": "\ud800", "cost": 1}), 'edge 1: id must be valid Unicode text, got "\\ud800"'),
    ],
)  # fmt: skip
def test_malformed_input_is_one_line_and_status_2(data, message):
    out, err, status = solve(data)
    assert (out, err, status) == ("", f"match solve: {message}\n", 2)


def test_an_unreadable_file(tmp_path):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("match", "solve", str(tmp_path / "missing.json"), stderr=err)
    assert exit_info.value.code == 2
    assert err.getvalue() == (
        f"match solve: cannot read {tmp_path / 'missing.json'}: No such file or directory\n"
    )


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"requests": [{"id": "caffè"}]}'.encode("latin-1"))
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("match", "solve", str(path), stderr=err)
    assert err.getvalue() == f"match solve: {path}: not UTF-8 text (byte 27)\n"


def test_capacity_zero_integral_floats_and_no_edges():
    data = {
        "requests": [{"id": "a"}, {"id": "b"}],
        "peers": [{"id": "busy", "capacity": 0}, {"id": "free", "capacity": 1.0}],
        "edges": [
            {"request": "a", "peer": "busy", "cost": 0},
            {"request": "b", "peer": "free", "cost": 4.0},
        ],
    }
    assert engine.solve_raw(data) == {
        "matched": 1,
        "total_cost": 4,
        "assignments": [{"request": "b", "peer": "free"}],
    }
    empty = {"requests": [{"id": "a"}], "peers": [], "edges": []}
    assert engine.solve_raw(empty) == {"matched": 0, "total_cost": 0, "assignments": []}


def test_the_raw_solver_against_scipy():
    """Random problems, expanded (each peer as `capacity` columns, each real edge its cost
    minus a constant larger than any total, forbidden pairs 0): the same number matched and
    the same total cost."""
    rng = random.Random(5)
    for _ in range(200):
        n, m = rng.randint(1, 9), rng.randint(1, 5)
        caps = [rng.randint(0, 3) for _ in range(m)]
        edges = {
            (i, j): rng.randint(0, 50) for i in range(n) for j in range(m) if rng.random() < 0.4
        }
        data = {
            "requests": [{"id": f"r{i}"} for i in range(n)],
            "peers": [{"id": j, "capacity": c} for j, c in enumerate(caps)],
            "edges": [{"request": f"r{i}", "peer": j, "cost": c} for (i, j), c in edges.items()],
        }
        result = engine.solve_raw(data)
        columns = [j for j, c in enumerate(caps) for _ in range(c)]
        expected = (0, 0)
        if columns:
            big = 51 * n + 1
            matrix = np.zeros((n, len(columns)))
            for col, j in enumerate(columns):
                for i in range(n):
                    if (i, j) in edges:
                        matrix[i, col] = edges[(i, j)] - big
            rows, cols = linear_sum_assignment(matrix)
            used = matrix[rows, cols] < 0
            expected = (int(used.sum()), int(matrix[rows, cols][used].sum() + big * used.sum()))
        assert (result["matched"], result["total_cost"]) == expected
        taken = [(a["request"], a["peer"]) for a in result["assignments"]]
        assert all((int(r[1:]), p) in edges for r, p in taken)
        assert len({r for r, _ in taken}) == len(taken)
        assert all(sum(p == j for _, p in taken) <= caps[j] for j in range(m))
        assert [r for r, _ in taken] == sorted((r for r, _ in taken), key=lambda r: int(r[1:]))


def test_main_takes_the_arguments_after_match():
    out, err = io.StringIO(), io.StringIO()
    text = io.StringIO(json.dumps(EXAMPLE))

    status = solve_cli.main(["solve", "-", "--indent", "1"], stdin=text, stdout=out, stderr=err)

    assert (status, json.loads(out.getvalue()), err.getvalue()) == (0, EXPECTED, "")
    assert out.getvalue() == json.dumps(EXPECTED, indent=1) + "\n"


def test_a_usage_error_is_status_2():
    assert solve_cli.main(["solve"], stderr=io.StringIO()) == 2
    assert solve_cli.main(["dissolve", "x.json"], stderr=io.StringIO()) == 2


def _plain_shell():
    """The environment of an operator's shell: no Django settings, no secret key."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "PEERARMY_TESTING", "SECRET_KEY", "DATABASE_URL"}
    }
    env["PYTHONPATH"] = str(Path(peerarmy.__file__).resolve().parents[1])
    return env


def test_it_needs_no_django_at_all(tmp_path):
    """In a plain shell: the answer, one line and status 2 for a lone surrogate, and Django
    never imported."""
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(EXAMPLE))
    bad.write_text('{"requests": [{"id": "\\ud800"}], "peers": [], "edges": []}')
    script = (
        "import sys\n"
        "from peerarmy.matching.solve_cli import main\n"
        "status = main(sys.argv[1:])\n"
        "assert 'django' not in sys.modules, 'Django was imported'\n"
        "sys.exit(status)\n"
    )
    env = _plain_shell()

    ok = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-c", script, "solve", str(good)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    refused = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "peerarmy.matching.solve_cli", "solve", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert (ok.returncode, json.loads(ok.stdout), ok.stderr) == (0, EXPECTED, "")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert (
        refused.stderr == 'match solve: request 1: id must be valid Unicode text, got "\\ud800"\n'
    )
