"""`peerarmy dashboard refresh|report`: bring the dashboard's figures up to date (the worker
does it hourly), or write a business's report of a month as PDF or CSV."""

import re
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from peerarmy.analytics import report
from peerarmy.analytics.figures import refresh_all, refresh_recent
from peerarmy.tenancy.selectors import businesses_by_slug, find_business

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Command(BaseCommand):
    help = "Refresh the dashboard's figures, or write a month's report (PDF or CSV)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="recompute the figures")
        which = refresh.add_mutually_exclusive_group(required=True)
        which.add_argument("--business", help="the business's address (slug)")
        which.add_argument("--all", action="store_true", help="every business")
        refresh.add_argument(
            "--whole",
            action="store_true",
            help="the whole history, not only the months that may still change",
        )
        made = sub.add_parser("report", help="a month's report")
        made.add_argument("--business", required=True)
        made.add_argument("--month", required=True, help="YYYY-MM")
        made.add_argument("--format", choices=["pdf", "csv"], default="pdf")
        made.add_argument("--language", choices=["it", "en"], default="it")
        made.add_argument("-o", "--output", help="the file to write (default: standard output)")

    def handle(self, *args, action, **options):
        if action == "refresh":
            return self._refresh(options)
        return self._report(options)

    def _business(self, slug):
        with scopes_disabled():
            business = find_business(slug)
        if business is None:
            raise CommandError(f"No business with the address {slug!r}.")
        return business

    def _refresh(self, options):
        if options["all"]:
            with scopes_disabled():
                businesses = list(businesses_by_slug())
        else:
            businesses = [self._business(options["business"])]
        for business in businesses:
            started = timezone.now()
            make = refresh_all if options["whole"] else refresh_recent
            rows = make(business)
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"{business.slug}: {rows} rows of figures in {seconds:.1f} s")

    def _report(self, options):
        business = self._business(options["business"])
        found = MONTH.match(options["month"])
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise CommandError(f"--month must be YYYY-MM, not {options['month']!r}.")
        period = report.month_period(date(int(found.group(1)), int(found.group(2)), 1))
        with translation.override(options["language"]), scopes_disabled():
            if options["format"] == "pdf":
                content = report.pdf(business, period)
            else:
                content = report.csv(business, period).encode("utf-8")
        if options["output"]:
            Path(options["output"]).write_bytes(content)
            self.stdout.write(f"wrote {options['output']} ({len(content):,} bytes)")
        else:
            sys.stdout.buffer.write(content)
