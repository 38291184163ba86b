"""`peerarmy worker`: see `peerarmy.worker`."""

from django.core.management.base import BaseCommand

from peerarmy import worker


class Command(BaseCommand):
    help = "Run background tasks from the database queue (outbox delivery and the rest)."
    requires_system_checks = []  # an operator's command: start at once

    def add_arguments(self, parser):
        parser.add_argument(
            "--sweep-every",
            type=int,
            default=60,
            help="seconds between the periodic sweeps (invitations, imports, reminders, ...)",
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
        worker.run(
            sweep_every=sweep_every,
            outbox_poll=outbox_poll,
            batch=batch,
            verbosity=options["verbosity"],
        )
