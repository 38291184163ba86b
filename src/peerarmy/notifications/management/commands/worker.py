"""`peerarmy worker`: the database task worker, plus two threads: the outbox relay, which
delivers due outbox messages (new ones and retries) within a second of their time, and a
periodic sweep that expires past-due invitations, marks imports whose worker died as failed,
sends the reminders before blocks, expires unanswered match proposals and runs the matching
batches."""

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from peerarmy.customers.tasks import fail_interrupted_imports
from peerarmy.matching.tasks import expire_match_proposals, run_matching_batches
from peerarmy.notifications.services import deliver_due
from peerarmy.rewards.tasks import expire_vouchers, reward_service_anniversaries
from peerarmy.scheduling.tasks import send_block_reminders
from peerarmy.superfans.tasks import expire_invitations

logger = logging.getLogger(__name__)

# What the worker's sweep enqueues every --sweep-every seconds.
PERIODIC_TASKS = [
    expire_invitations,
    fail_interrupted_imports,
    send_block_reminders,
    expire_vouchers,
    reward_service_anniversaries,
    expire_match_proposals,
    run_matching_batches,
]


class Command(BaseCommand):
    help = "Run background tasks from the database queue (outbox delivery and the rest)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sweep-every",
            type=int,
            default=60,
            help="seconds between the periodic sweeps (invitations, imports, reminders)",
        )
        parser.add_argument(
            "--outbox-poll",
            type=float,
            default=1.0,
            help="seconds the outbox relay waits when no message is due",
        )
        parser.add_argument(
            "--batch", action="store_true", help="run every outstanding task, then exit"
        )

    def handle(self, *args, sweep_every, outbox_poll, batch, **options):
        stop = threading.Event()

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
                for periodic in PERIODIC_TASKS:
                    try:
                        periodic.enqueue()
                    except Exception as exc:  # noqa: BLE001 - the sweep must not die
                        self.stderr.write(f"sweep of {periodic.name} failed: {type(exc).__name__}")
                stop.wait(sweep_every)

        if batch:
            for periodic in PERIODIC_TASKS:
                periodic.enqueue()
        else:
            threading.Thread(target=relay, name="outbox-relay", daemon=True).start()
            threading.Thread(target=sweep, name="periodic-sweep", daemon=True).start()
        try:
            extra = ["--batch"] if batch else []
            call_command(
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                *extra,
                verbosity=options["verbosity"],
            )
            if batch:
                while deliver_due():  # what is due now, including what the tasks wrote
                    pass
        finally:
            stop.set()
