"""`peerarmy manage match solve FILE.json`: the raw solver as a management command, a thin
wrapper around `peerarmy.matching.solve_cli` (which needs no Django; `peerarmy match solve`
calls it directly)."""

import sys

from django.core.management.base import BaseCommand

from peerarmy.matching import solve_cli


class Command(BaseCommand):
    help = solve_cli.HELP
    stealth_options = ("stdin",)
    requires_system_checks = []  # a pure computation: no models, no database

    def add_arguments(self, parser):
        solve_cli.add_arguments(parser)

    def handle(self, *args, action, **options):
        status = solve_cli.solve(
            options["file"],
            indent=options["indent"],
            stdin=options.get("stdin") or sys.stdin,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        if status:
            raise SystemExit(status)
