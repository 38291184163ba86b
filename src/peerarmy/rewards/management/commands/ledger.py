"""`peerarmy ledger check --business SLUG` verifies the books and exits non-zero naming the first
violation; `peerarmy ledger export --business SLUG --format ledger|csv [--output FILE]` writes
them as a journal that hledger and ledger-cli read, or as CSV."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from peerarmy.rewards import checks, export
from peerarmy.tenancy.selectors import find_business


class Command(BaseCommand):
    help = "The rewards ledger: check its invariants, or export it."
    requires_system_checks = []  # an operator's command: start at once

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="verify every invariant of the books")
        check.add_argument("--business", required=True, help="the business's slug")
        out = sub.add_parser("export", help="write the books as a journal or CSV")
        out.add_argument("--business", required=True, help="the business's slug")
        out.add_argument("--format", choices=["ledger", "csv"], default="ledger")
        out.add_argument("--output", "-o", help="a file to write (default: standard output)")

    def handle(self, *args, action, **options):
        business = find_business(options["business"])
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        with scope(business=business):
            if action == "check":
                return self._check(business)
            return self._export(business, options)

    def _check(self, business):
        violations = checks.check_business(business.pk)
        totals = checks.totals_by_unit(business.pk)
        if violations:
            first = violations[0]
            self.stderr.write(f"ledger check failed for {business.slug}: {first.message}")
            if len(violations) > 1:
                self.stderr.write(f"({len(violations) - 1} more violations)")
            sys.exit(1)
        units = ", ".join(f"{u} {t}" for u, t in sorted(totals.items())) or "no entries"
        self.stdout.write(f"ledger check passed for {business.slug}: sums per unit: {units}")

    def _export(self, business, options):
        writer = export.journal if options["format"] == "ledger" else export.csv_rows
        if options.get("output"):
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                count = writer(business, out)
            self.stderr.write(f"{count} transactions written to {options['output']}")
        else:
            writer(business, self.stdout._out)
