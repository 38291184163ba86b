"""`peerarmy superfans score|top --business SLUG`: score customers, list the best ones."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_scopes import scope

from peerarmy.errors import DomainError
from peerarmy.superfans import explain, selectors, services
from peerarmy.tenancy.selectors import find_business

MAX_TOP = 100_000


def _positive(value):
    number = int(value)
    if not 1 <= number <= MAX_TOP:
        raise ValueError(value)
    return number


def score_item(row):
    """One ranked customer as the JSON of `top --json` (and the API's list items)."""
    customer = row.customer
    return {
        "customer_id": customer.pk,
        "email": customer.email,
        "name": customer.full_name,
        "language": customer.language,
        "accepts_marketing": customer.accepts_marketing,
        "score": round(row.score, 1),
        "best_score": round(row.best_score, 1),
        "orders": row.orders,
        "spend_minor": row.spend_minor,
        "last_order_at": row.last_order_at,
        "nps": row.nps,
        "explanation": explain.explanation(row),
        "components": row.components,
    }


class Command(BaseCommand):
    help = "Score a business's customers as superfans, or list the best ones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        score = sub.add_parser("score", help="compute every customer's superfan score now")
        score.add_argument("--business", required=True, help="the business's slug")
        score.add_argument("--json", action="store_true", help="print the summary as JSON")
        top = sub.add_parser("top", help="list the customers with the highest scores")
        top.add_argument("--business", required=True, help="the business's slug")
        top.add_argument("-n", type=_positive, default=20, help="how many (default 20)")
        top.add_argument(
            "--segment", choices=selectors.SEGMENT_KEYS, help="only customers of this segment"
        )
        top.add_argument(
            "--consent-only", action="store_true", help="only customers who accept e-mail"
        )
        top.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args, action, **options):
        business = find_business(options["business"])
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        with scope(business=business), translation.override(business.default_language):
            try:
                if action == "score":
                    self._score(business, as_json=options["json"])
                else:
                    self._top(business, options)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc

    def _score(self, business, *, as_json):
        result = services.score_business(business).value
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), cls=DjangoJSONEncoder))
            return
        self.stdout.write(
            _(
                "Scored %(customers)d customers of %(business)s in %(seconds).2f s "
                "(reading %(read).2f s, scoring %(core).2f s, writing %(write).2f s); "
                "%(superfans)d at or above the superfan threshold."
            )
            % {
                "customers": result.customers,
                "business": business.slug,
                "seconds": result.seconds,
                "read": result.read_seconds,
                "core": result.core_seconds,
                "write": result.write_seconds,
                "superfans": result.superfans,
            }
        )

    def _top(self, business, options):
        if not selectors.has_scores(business):
            self.stderr.write(_("No scores yet: scoring the customers first."))
            services.score_business(business)
        rows = selectors.top_scores(
            business, options["n"], segment=options["segment"], consent_only=options["consent_only"]
        )
        items = [score_item(row) for row in rows]
        if options["json"]:
            self.stdout.write(
                json.dumps(items, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            )
            return
        if not items:
            self.stdout.write(_("No customers to show."))
            return
        header = [
            "#",
            pgettext("superfans table", "score"),
            pgettext("superfans table", "customer"),
            pgettext("superfans table", "orders"),
            pgettext("superfans table", "spend"),
            pgettext("superfans table", "why"),
        ]
        lines = [
            [
                str(n),
                f"{item['score']:.1f}",
                item["name"] + f" <{item['email']}>" if item["name"] else item["email"],
                str(item["orders"]),
                explain.format_money(item["spend_minor"], business.currency),
                item["explanation"],
            ]
            for n, item in enumerate(items, start=1)
        ]
        widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header) - 1)]
        right = {0, 1, 3, 4}
        for line in [header, *lines]:
            cells = [
                cell.rjust(width) if i in right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=False))
            ]
            self.stdout.write("  ".join([*cells, line[-1]]).rstrip())
