"""For tests that race real threads against the database."""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

# Threads need one database they all reach: PostgreSQL, or SQLite in a file (the test settings
# use a file). An in-memory SQLite database exists per connection, so the race would be void.
_test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
requires_shared_database = pytest.mark.skipif(
    connection.vendor == "sqlite" and (not _test_name or ":memory:" in str(_test_name)),
    reason="an in-memory SQLite database cannot be shared between threads",
)


def race(calls, timeout=60):
    """Start every call at the same instant, each in its own thread with its own database
    connection; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            with scopes_disabled():
                barrier.wait()
                outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return outcomes


def in_threads(work, threads, timeout=120):
    """Run `work(i, barrier)` in `threads` threads at once (the work waits on the barrier when
    it is ready to race), each with its own database connection; the exceptions it raised."""
    barrier = threading.Barrier(threads)
    failures = []

    def run(i):
        try:
            with scopes_disabled():
                work(i, barrier)
        except Exception as exc:  # noqa: BLE001 - the test inspects them
            failures.append(exc)
        finally:
            connections.close_all()

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join(timeout=timeout)
    return failures
