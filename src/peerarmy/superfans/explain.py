"""A superfan score in words: the sentence a shop owner reads and the table of components."""

import math

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import (
    gettext_lazy,
    ngettext,
    pgettext,
    pgettext_lazy,
)

from peerarmy.money import format_money

from .scoring import COMPONENTS
from .scoring import RANKED as RANKED_KEYS

LABELS = {
    "recency": pgettext_lazy("superfan component", "Last order"),
    "frequency": pgettext_lazy("superfan component", "Orders"),
    "monetary": pgettext_lazy("superfan component", "Spend"),
    "nps": pgettext_lazy("superfan component", "NPS"),
    "reviews": pgettext_lazy("superfan component", "Reviews"),
    "referrals": pgettext_lazy("superfan component", "Friends referred"),
    "mentions": pgettext_lazy("superfan component", "Social mentions"),
}

# Spend in the top quarter of buyers is worth saying; below that it is not notable.
NOTABLE_TOP_PERCENT = 25
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
GOOD_REVIEW_AVG = 4
POOR_REVIEW_AVG = 2.5


NO_ANSWER = gettext_lazy("no answer")


def _components(score_row):
    by_key = {c.get("key"): c for c in (score_row.components or []) if isinstance(c, dict)}
    return [by_key.get(key, {"key": key}) for key in COMPONENTS]


def _component(score_row, key):
    for component in score_row.components or []:
        if isinstance(component, dict) and component.get("key") == key:
            return component
    return {"key": key}


def top_percent(component):
    """The N of "top N%" for a ranked component: the share of buyers at or above this
    customer, rounded up (the top 3.2% are "top 4%"); None for a customer without orders."""
    top = component.get("top_percent")
    if top is None:
        # Scores stored before `top_percent` existed: estimate it from the percentile.
        percentile = component.get("percentile")
        if not percentile:
            return None
        top = 100 - float(percentile)
    return min(100, max(1, math.ceil(float(top) - 1e-9)))


def days_ago_text(days):
    """How long ago, in words: today, 3 days ago, 3 weeks ago, 5 months ago, 2 years ago."""
    if days is None:
        return None
    days = max(0, int(days))
    if days < 1:
        return _("today")
    if days < 2:
        return _("yesterday")
    if days < 14:
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    if days < 61:
        weeks = days // 7
        return ngettext("%(n)d week ago", "%(n)d weeks ago", weeks) % {"n": weeks}
    if days < 730:
        months = days // 30
        return ngettext("%(n)d month ago", "%(n)d months ago", months) % {"n": months}
    years = days // 365
    return ngettext("%(n)d year ago", "%(n)d years ago", years) % {"n": years}


def _days_since_last_order(score_row):
    last = getattr(score_row, "last_order_at", None)
    if last is not None:
        return max(0, (timezone.now() - last).days)
    return _component(score_row, "recency").get("value")


def _stars(avg):
    return number_format(round(float(avg), 1), decimal_pos=1, use_l10n=True)


def _reviews_value(value):
    value = value if isinstance(value, dict) else {}
    return int(value.get("count") or 0), value.get("avg")


def _mentions_value(value):
    value = value if isinstance(value, dict) else {}
    return int(value.get("count") or 0), int(value.get("engagement") or 0)


def _capitalise(text):
    return text[:1].upper() + text[1:] if text else text


def explanation(score_row):
    """One sentence with only what is notable, e.g.
    "Top 5% spend, 12 orders, last one 3 weeks ago, 3 friends referred, NPS 10"."""
    parts = []

    monetary = _component(score_row, "monetary")
    orders = int(getattr(score_row, "orders", 0) or 0)
    top = top_percent(monetary) if orders else None
    if top is not None and top <= NOTABLE_TOP_PERCENT and (score_row.spend_minor or 0) > 0:
        parts.append(_("top %(top)d%% spend") % {"top": top})

    if orders:
        parts.append(ngettext("%(n)d order", "%(n)d orders", orders) % {"n": orders})
        ago = days_ago_text(_days_since_last_order(score_row))
        if ago:
            if orders > 1:
                parts.append(_("last one %(ago)s") % {"ago": ago})
            else:
                parts.append(ago)

    referrals = int(_component(score_row, "referrals").get("value") or 0)
    if referrals:
        parts.append(
            ngettext("%(n)d friend referred", "%(n)d friends referred", referrals)
            % {"n": referrals}
        )

    nps = getattr(score_row, "nps", None)
    if nps is None:
        nps = _component(score_row, "nps").get("value")
    if nps is not None and nps >= PROMOTER_MIN:
        parts.append(_("NPS %(n)d") % {"n": nps})
    elif nps is not None and nps <= DETRACTOR_MAX:
        parts.append(_("detractor (NPS %(n)d)") % {"n": nps})

    count, avg = _reviews_value(_component(score_row, "reviews").get("value"))
    if count and avg is not None and avg >= GOOD_REVIEW_AVG:
        if count == 1:
            parts.append(_("a %(stars)s-star review") % {"stars": _stars(avg)})
        else:
            parts.append(
                _("%(n)d reviews averaging %(stars)s stars") % {"n": count, "stars": _stars(avg)}
            )
    elif count and avg is not None and avg <= POOR_REVIEW_AVG:
        parts.append(
            ngettext("%(n)d unhappy review", "%(n)d unhappy reviews", count) % {"n": count}
        )

    mentions, engagement = _mentions_value(_component(score_row, "mentions").get("value"))
    if mentions:
        text = ngettext("%(n)d social mention", "%(n)d social mentions", mentions) % {"n": mentions}
        if engagement:
            text = _("%(mentions)s (%(n)s interactions)") % {
                "mentions": text,
                "n": number_format(engagement, use_l10n=True, force_grouping=True),
            }
        parts.append(text)

    if not parts:
        return _("No counted orders or feedback yet.")
    return _capitalise(", ".join(parts))


def _value_text(key, component, score_row, currency):
    value = component.get("value")
    if key == "recency":
        if value is None:
            return _("no orders")
        return days_ago_text(_days_since_last_order(score_row))
    if key == "frequency":
        n = int(value or 0)
        return ngettext("%(n)d order", "%(n)d orders", n) % {"n": n}
    if key == "monetary":
        return format_money(value or 0, currency)
    if key == "nps":
        return str(NO_ANSWER) if value is None else str(value)
    if key == "reviews":
        count, avg = _reviews_value(value)
        if not count:
            return pgettext("reviews", "none")
        return ngettext(
            "%(n)d review, %(stars)s stars", "%(n)d reviews, %(stars)s stars on average", count
        ) % {"n": count, "stars": _stars(avg or 0)}
    if key == "referrals":
        n = int(value or 0)
        return ngettext("%(n)d friend became a customer", "%(n)d friends became customers", n) % {
            "n": n
        }
    if key == "mentions":
        count, engagement = _mentions_value(value)
        return ngettext(
            "%(n)d post, %(e)s interactions", "%(n)d posts, %(e)s interactions", count
        ) % {"n": count, "e": number_format(engagement, use_l10n=True, force_grouping=True)}
    return "" if value is None else str(value)


def component_rows(score_row, currency=None):
    """The components as table rows: label, value in words, points and share of the score.

    Rows also carry `key` and, for the ranked components, `percentile` and `top_percent`.
    `currency` defaults to the business's (one query unless the business is loaded).
    """
    if currency is None:
        currency = score_row.business.currency
    rows = []
    for component in _components(score_row):
        key = component["key"]
        percentile = component.get("percentile")
        rows.append(
            {
                "key": key,
                "label": str(LABELS[key]),
                "value_text": _value_text(key, component, score_row, currency),
                "points": float(component.get("points") or 0.0),
                "share": float(component.get("share") or 0.0),
                "percentile": percentile,
                "top_percent": top_percent(component) if key in RANKED_KEYS else None,
            }
        )
    return rows
