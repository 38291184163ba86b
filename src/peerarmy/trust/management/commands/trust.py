"""`peerarmy trust recompute --business SLUG`: recompute every peer's reliability score now."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope

from peerarmy.errors import DomainError
from peerarmy.tenancy.selectors import find_business
from peerarmy.trust import services


class Command(BaseCommand):
    help = "Recompute the reliability scores of a business's peers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        recompute = sub.add_parser("recompute", help="recompute every peer's reliability now")
        recompute.add_argument("--business", required=True, help="the business's slug")
        recompute.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, action, **options):
        business = find_business(options["business"])
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        with scope(business=business), translation.override(business.default_language):
            try:
                result = services.recompute_business(business).value
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.__dict__))
            return
        with translation.override(business.default_language):
            self.stdout.write(
                _(
                    "Recomputed the reliability of %(peers)d peers of %(business)s from "
                    "%(events)d events in %(seconds).2f s; %(history)d have a track record, "
                    "a new peer starts at %(prior).1f."
                )
                % {
                    "peers": result.peers,
                    "business": business.name,
                    "events": result.events,
                    "seconds": result.seconds,
                    "history": result.with_history,
                    "prior": result.prior,
                }
            )
