"""The layers hold: apps import each other in one direction only, the outbox sits below every
app, adapters (the API, the web pages, the commands) hold no database query, and raw SQL lives
in one module per app. Read from the source, so a change that breaks a layer fails here."""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "peerarmy"
APPS = sorted(
    p.name
    for p in PACKAGE.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"locale", "management"}
)
# Above every app: they may import any of them, and none may import them.
TOP = {"api", "web", "demo"}
# The base layer of the apps: it imports no other app.
BASE = {"notifications"}
# Modules that read or write through the database on the adapters' behalf are selectors and
# services; these calls mark a query.
QUERY_CALLS = {
    "filter",
    "exclude",
    "select_related",
    "prefetch_related",
    "select_for_update",
    "annotate",
    "aggregate",
    "values_list",
    "only",
    "defer",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "raw",
}
# Queryset and related-manager methods that take no argument: `peer.skills.all()`,
# `batch.payouts.count()` (dicts and lists have none of these without an argument).
NO_ARG_QUERY_CALLS = {"all", "count", "exists", "first", "last", "distinct"}
RAW_SQL_CALLS = {
    "execute",
    "executemany",
    "cursor",
    "hot_cursor",
    "RawSQL",
    "insert_returning_id",
}


def _sources(root):
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_apps(tree):
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "peerarmy" and len(parts) > 1 and parts[1] in APPS:
                found.add(parts[1])
    return found


def import_graph():
    graph = defaultdict(set)
    for app in APPS:
        for _path, tree in _sources(PACKAGE / app):
            graph[app] |= _imported_apps(tree) - {app}
    return graph


def _cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_apps_import_each_other_in_one_direction_only():
    graph = {app: deps - TOP for app, deps in import_graph().items() if app not in TOP}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_no_app_imports_the_adapters_or_the_demo():
    offenders = {app: sorted(deps & TOP) for app, deps in import_graph().items() if app not in TOP}
    assert {app: deps for app, deps in offenders.items() if deps} == {}


def test_the_outbox_is_a_base_layer_that_imports_no_app():
    graph = import_graph()
    assert {app: sorted(graph[app]) for app in BASE if graph[app]} == {}


def _adapter_files():
    yield from (PACKAGE / "api").glob("*.py")
    yield from (PACKAGE / "web").rglob("*.py")
    yield from PACKAGE.glob("*/management/commands/*.py")
    yield from (PACKAGE / "management" / "commands").glob("*.py")


def _selector_names(tree):
    """Names bound to selector modules or functions in this file."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if node.module.endswith("selectors") or alias.name == "selectors":
                    names.add(alias.asname or alias.name)
    return names


def _is_selector_call(call, selector_names):
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in selector_names
    return isinstance(func, ast.Attribute) and (
        isinstance(func.value, ast.Name) and func.value.id in selector_names
    )


def _queries(tree):
    selector_names = _selector_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            yield node.lineno, ".objects"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in QUERY_CALLS | RAW_SQL_CALLS or name == "order_by":
                yield node.lineno, f".{name}()"
            elif name in NO_ARG_QUERY_CALLS and not node.args and not node.keywords:
                yield node.lineno, f".{name}()"
        # a slice of what a selector returned: the adapter adds LIMIT/OFFSET to the query
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Call)
            and isinstance(node.slice, ast.Slice)
            and _is_selector_call(node.value, selector_names)
        ):
            yield node.lineno, "[…] on a call"


@pytest.mark.parametrize(
    "path",
    sorted(p for p in _adapter_files() if "tests" not in p.parts),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_adapters_hold_no_database_query(path):
    """The API, the pages and the commands parse, authorise, call a service or a selector,
    and render: every read is a selector, every write a service."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"line {line}: {what}" for line, what in _queries(tree)]
    assert found == []


def test_raw_sql_lives_in_one_module_per_app():
    """`<app>/sql.py` holds an app's raw statements (each filtered by business, each with an
    isolation test); `peerarmy/db.py` is the helper they share."""
    offenders = []
    for path, tree in _sources(PACKAGE):
        relative = path.relative_to(PACKAGE)
        if relative.name == "sql.py" or str(relative) in {"db.py", "settings.py"}:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr in RAW_SQL_CALLS)
                or (isinstance(node.func, ast.Name) and node.func.id in RAW_SQL_CALLS)
            ):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


# `peer.skills.all`, `x.exists` (a `count` is too often a selector's annotation to tell).
TEMPLATE_QUERY = re.compile(r"{[{%][^}]*\.(all|exists)\b[^}]*[}%]}")


def _templates():
    yield from sorted(PACKAGE.rglob("templates/**/*.html"))


@pytest.mark.parametrize("path", sorted(_templates()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_templates_run_no_query(path):
    """A template shows what its view gave it: `peer.skills.all` in a template is a query
    the view did not ask a selector for (and one per row in a list)."""
    found = [
        f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for text in [path.read_text(encoding="utf-8")]
        for m in TEMPLATE_QUERY.finditer(text)
    ]
    assert found == []


def test_words_kept_at_import_are_translated_when_read():
    """A message set at import (a class attribute such as an error's `default_message`)
    must be lazy: an eager gettext freezes it in whatever language was active at import, and
    an Italian visitor would read it in English (or the reverse)."""
    eager = re.compile(r"^\s+\w+ = _\(", re.M)
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "from django.utils.translation import gettext as _" not in text:
            continue
        for found in eager.finditer(text):
            line = text.count("\n", 0, found.start()) + 1
            # inside a class body (not a function): the nearest enclosing def/class is a class
            before = text[: found.start()].splitlines()
            indent = len(found.group(0)) - len(found.group(0).lstrip())
            for previous in reversed(before):
                stripped = previous.lstrip()
                if stripped and len(previous) - len(stripped) < indent:
                    if stripped.startswith("class "):
                        wrong.append(f"{path.relative_to(PACKAGE)}:{line}")
                    break
    assert not wrong, "use gettext_lazy for words kept at import: " + ", ".join(wrong)
