"""`peerarmy worker`: the database task worker, an outbox relay, and a periodic sweep.

The worker knows no app. Each app declares its periodic jobs as `PERIODIC` in its `tasks.py`
(expire invitations, fail interrupted imports, send block reminders, expire proposals, ...);
the sweep enqueues every app's jobs every `sweep_every` seconds. The outbox relay delivers due
outbox messages (new ones and retries) within a second of their time. Both run as threads
beside django-tasks' database worker."""

import importlib
import logging
import threading
from importlib.util import find_spec

from django.apps import apps
from django.core.management import call_command
from django.db import close_old_connections

from peerarmy.notifications.services import deliver_due

logger = logging.getLogger(__name__)


def periodic_jobs():
    """Every installed app's `tasks.PERIODIC`, in the order of INSTALLED_APPS."""
    jobs = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if not config.name.startswith("peerarmy.") or find_spec(name) is None:
            continue
        jobs.extend(getattr(importlib.import_module(name), "PERIODIC", ()))
    return jobs


def run(*, sweep_every=60, outbox_poll=1.0, batch=False, verbosity=1, stderr=None):
    """Run the worker until stopped; with `batch`, run every outstanding task once and
    deliver what is due, then return."""
    stop = threading.Event()
    jobs = periodic_jobs()

    def relay():
        while not stop.is_set():
            delivered = 0
            try:
                close_old_connections()
                delivered = deliver_due()
            except Exception:  # the relay must not die with the database for a moment
                logger.exception("outbox relay failed")
            if not delivered:
                stop.wait(outbox_poll)

    def sweep():
        while not stop.is_set():
            for job in jobs:
                try:
                    job.enqueue()
                except Exception:  # the sweep must not die; the next round tries again
                    logger.exception("sweep of %s failed", job.name)
            stop.wait(sweep_every)

    if batch:
        for job in jobs:
            job.enqueue()
    else:
        threading.Thread(target=relay, name="outbox-relay", daemon=True).start()
        threading.Thread(target=sweep, name="periodic-sweep", daemon=True).start()
    try:
        extra = ["--batch"] if batch else []
        call_command("db_worker", "--no-reload", "--no-startup-delay", *extra, verbosity=verbosity)
        if batch:
            while deliver_due():  # what is due now, including what the tasks wrote
                pass
    finally:
        stop.set()
