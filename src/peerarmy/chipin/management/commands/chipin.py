"""`peerarmy chipin ACTION …`: the operator's chip-in commands.

- `reconcile FILE --business SLUG [--json]`: reconcile a bank statement (CAMT.053/052/054
  XML or the bank's CSV export) with the pledges; prints what it found, or with --json
  `{entries, matched, suggested, unmatched, duplicates}`. The same file again changes nothing.
- `import-products FILE --business SLUG [--language it|en] [--json]`: import Shopify's
  products export now; a one-line summary and the bad rows (or, with --json, the summary as
  JSON on stdout). Exits non-zero only when the file cannot be read at all or is no products
  export; a file with some bad rows is imported and its bad rows are listed.

Each action is a subparser and a method named in ACTIONS: to add one, add both.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from peerarmy.chipin.products_import import import_products
from peerarmy.errors import DomainError
from peerarmy.tenancy.selectors import find_business

SHOWN_ERRORS = 20
LANGUAGES = ("it", "en")


class Command(BaseCommand):
    help = (
        "Chip-in: reconcile a bank statement with the pledges; import the shop's products "
        "from Shopify's products export."
    )

    # action → the method that carries it out
    ACTIONS = {"import-products": "import_products", "reconcile": "reconcile"}

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        reconcile = actions.add_parser(
            "reconcile", help="reconcile a bank statement (CAMT.053 XML or CSV) with the pledges"
        )
        reconcile.add_argument("file", help="the statement file")
        reconcile.add_argument("--business", required=True, help="the business's slug")
        reconcile.add_argument("--json", action="store_true", help="print the counts as JSON")
        products = actions.add_parser(
            "import-products", help="import Shopify's products export (products_export.csv)"
        )
        products.add_argument("file", help="the CSV file")
        products.add_argument("--business", required=True, help="the business's slug")
        products.add_argument(
            "--language",
            choices=LANGUAGES,
            help="language of the messages (default: the business's language)",
        )
        products.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, action, **options):
        return getattr(self, self.ACTIONS[action])(options)

    def _business(self, slug):
        found = find_business(slug)
        if found is None:
            raise CommandError(f"No business with the slug {slug!r}.")
        return found

    def reconcile(self, options):
        from pathlib import Path

        from django_scopes import scope

        from peerarmy.chipin.reconcile import reconcile_statement, summary

        file = Path(options["file"])
        found = self._business(options["business"])
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        try:
            with scope(business=found), translation.override(found.default_language):
                outcome = reconcile_statement(found, None, data, filename=file.name)
        except DomainError as exc:
            raise CommandError(f"{file}: {exc.message}") from exc
        counts = summary(outcome.value).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        with translation.override(found.default_language):
            if outcome.replayed:
                self.stdout.write(
                    _("%(file)s was reconciled before: nothing changed.") % {"file": file.name}
                )
            self.stdout.write(
                _(
                    "%(file)s: %(entries)d credits; %(matched)d matched to their pledge, "
                    "%(suggested)d to check, %(unmatched)d not matched, %(duplicates)d paid "
                    "twice or too late (going back)."
                )
                % {"file": file.name, **counts}
            )

    def import_products(self, options):
        file = options["file"]
        found = self._business(options["business"])
        language = options["language"] or found.default_language
        try:
            result = import_products(found, None, file, filename=file, language=language).value
        except DomainError as exc:
            raise CommandError(f"{file}: {exc.message}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        with translation.override(language):
            self.stdout.write(
                _(
                    "%(file)s: %(created)d products created, %(updated)d updated, "
                    "%(unchanged)d unchanged, %(skipped)d gift card variants left out; "
                    "%(bad)d bad rows."
                )
                % {
                    "file": file,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped": result.skipped,
                    "bad": len({error.line for error in result.errors}),
                }
            )
            for error in result.errors[:SHOWN_ERRORS]:
                values = {"line": error.line, "column": error.column, "message": error.message}
                if error.column:
                    line = _("line %(line)d, column “%(column)s”: %(message)s") % values
                else:
                    line = _("line %(line)d: %(message)s") % values
                self.stdout.write(f"  {line}")
            if len(result.errors) > SHOWN_ERRORS:
                self.stdout.write(
                    _("  … and %(n)d more (all of them: --json).")
                    % {"n": len(result.errors) - SHOWN_ERRORS}
                )
