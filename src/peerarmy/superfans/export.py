"""The console's superfans list as a CSV file for Italian Excel (`peerarmy.excel`)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy import excel

from .selectors import ranked_scores

MAX_ROWS = 200_000


def superfans_csv(business, **filters) -> str:
    """The scored customers the list's filters keep, best first: who they are, their score
    and what it is made of, and whether they accept e-mail."""
    header = [
        _("E-mail"),
        _("First name"),
        _("Last name"),
        _("City"),
        _("Score"),
        _("Orders"),
        _("Spend"),
        _("Last order"),
        _("NPS"),
        _("Accepts e-mail"),
    ]
    tz = business.tzinfo
    rows = []
    scores = ranked_scores(business, **filters).select_related("customer")[:MAX_ROWS]
    for row in scores.iterator(chunk_size=2000):
        customer = row.customer
        rows.append(
            [
                customer.email,
                customer.first_name,
                customer.last_name,
                customer.city,
                round(row.score, 1),
                row.orders,
                row.spend_minor / 100,
                timezone.localtime(row.last_order_at, tz).date() if row.last_order_at else None,
                row.nps,
                _("yes") if customer.accepts_marketing else _("no"),
            ]
        )
    return excel.write(header, rows)


def filename(business) -> str:
    return f"{business.slug}-superfans-{timezone.localdate().isoformat()}.csv"
