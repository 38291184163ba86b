"""`peerarmy import KIND FILE --business SLUG [--format F] [--json]`: import a file now.

A progress bar on stderr while it runs (when stderr is a terminal), then a summary; with
--json the summary is JSON on stdout. Exits non-zero only when the file cannot be read at all;
a file with some bad rows is imported and its bad rows are listed.
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy.customers.importers.readers import UnreadableFile
from peerarmy.customers.inputs import ImportCommandInput
from peerarmy.customers.models import ImportKind
from peerarmy.customers.services import FORMAT_CHOICES, Phase, import_file
from peerarmy.errors import DomainError
from peerarmy.inputs import InvalidInput
from peerarmy.tenancy.selectors import find_business

SHOWN_ERRORS = 20
BAR_WIDTH = 30
# The input's fields under the names the command gives them.
OPTIONS = {"format": "--format", "language": "--language"}


def _faults(exc: InvalidInput) -> str:
    """Every option at fault, on one line: `--language: Choose one of: it, en.`"""
    return "; ".join(
        f"{OPTIONS.get(field, field)}: {message}" if field else message
        for field, message in exc.errors
    )


class ProgressBar:
    """`reading [######------]  40%`, redrawn in place with \\r; plain lines when not a tty."""

    LABELS = {Phase.READING: "reading", Phase.SAVING: "saving ", Phase.DONE: "done   "}

    def __init__(self, stream):
        self.stream = stream
        self.tty = getattr(stream, "isatty", lambda: False)()
        self.last = (None, -1)
        self.started = time.monotonic()

    def __call__(self, phase, fraction):
        percent = int(fraction * 100)
        if (phase, percent) == self.last:
            return
        if not self.tty:
            if phase != self.last[0] and phase != Phase.DONE:
                self.stream.write(f"{self.LABELS.get(phase, phase).strip()}…\n")
            self.last = (phase, percent)
            return
        filled = int(BAR_WIDTH * fraction)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{self.LABELS.get(phase, phase)} [{bar}] {percent:3d}%  {elapsed:5.1f} s"
        )
        if phase == Phase.DONE:
            self.stream.write("\n")
        self.stream.flush()
        self.last = (phase, percent)


class Command(BaseCommand):
    help = (
        "Import customers, orders, reviews, NPS answers, referrals or social mentions from a "
        "CSV file (Shopify and WooCommerce exports, or the generic format of docs/imports.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values, help="what the file holds")
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--business", required=True, help="the business's slug")
        parser.add_argument(
            "--format",
            choices=FORMAT_CHOICES,
            help="the file's format (found from its header when not given)",
        )
        parser.add_argument(
            "--language",
            help="language of the error messages, it or en (default: the business's language)",
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, kind, file, business, **options):
        found = find_business(business)
        if found is None:
            raise CommandError(f"No business with the slug {business!r}.")
        stderr = getattr(self.stderr, "_out", sys.stderr)
        try:
            data = ImportCommandInput.parse(
                {"kind": kind, "format": options["format"], "language": options["language"]}
            )
        except InvalidInput as exc:
            # a usage error, as when the command line itself is wrong (exit 2)
            raise CommandError(_faults(exc), returncode=2) from exc
        language = data.language or found.default_language
        try:
            result = import_file(
                found, data, file, language=language, progress=ProgressBar(stderr)
            ).value
        except UnreadableFile as exc:
            raise CommandError(f"{file}: {exc.message}") from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        summary = {**result.summary(), "job": result.job.pk}
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        with translation.override(language):
            self._print(result, file)

    def _print(self, result, file):
        self.stdout.write(
            _(
                "%(file)s (%(format)s), %(kind)s: %(rows)d rows read, %(records)d found: "
                "%(created)d created, %(updated)d updated, %(unchanged)d unchanged; "
                "%(bad_rows)d bad rows (%(errors)d errors)."
            )
            % {
                "file": file,
                "rows": result.rows,
                "records": result.records,
                "kind": ImportKind(result.kind).label,
                "format": result.format,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "bad_rows": result.bad_rows,
                "errors": result.error_count,
            }
        )
        if result.customers_created:
            self.stdout.write(
                ngettext(
                    "%(n)d new customer came with the orders.",
                    "%(n)d new customers came with the orders.",
                    result.customers_created,
                )
                % {"n": result.customers_created}
            )
        for error in result.errors[:SHOWN_ERRORS]:
            values = {"line": error.line, "column": error.column, "message": error.message}
            if error.column:
                line = _("line %(line)d, column “%(column)s”: %(message)s") % values
            else:
                line = _("line %(line)d: %(message)s") % values
            self.stdout.write(f"  {line}")
        if result.error_count > SHOWN_ERRORS:
            self.stdout.write(
                _("  … and %(n)d more (all of them: --json, or the import's page in the console).")
                % {"n": result.error_count - SHOWN_ERRORS}
            )
