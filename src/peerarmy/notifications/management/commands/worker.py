"""`peerarmy worker`: the database task worker, plus a periodic sweep that re-enqueues due
outbox messages (a message whose task was lost in a crash is still delivered), expires
past-due invitations, marks imports whose worker died as failed and sends the reminders
before blocks."""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from peerarmy.customers.tasks import fail_interrupted_imports
from peerarmy.notifications.tasks import deliver_due_messages
from peerarmy.scheduling.tasks import send_block_reminders
from peerarmy.superfans.tasks import expire_invitations

# What the worker's sweep enqueues every --sweep-every seconds.
PERIODIC_TASKS = [
    deliver_due_messages,
    expire_invitations,
    fail_interrupted_imports,
    send_block_reminders,
]


class Command(BaseCommand):
    help = "Run background tasks from the database queue (outbox delivery and the rest)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sweep-every",
            type=int,
            default=60,
            help="seconds between sweeps of the outbox for due messages",
        )
        parser.add_argument(
            "--batch", action="store_true", help="run every outstanding task, then exit"
        )

    def handle(self, *args, sweep_every, batch, **options):
        stop = threading.Event()

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
            threading.Thread(target=sweep, name="outbox-sweep", daemon=True).start()
        try:
            extra = ["--batch"] if batch else []
            call_command(
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                *extra,
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()
