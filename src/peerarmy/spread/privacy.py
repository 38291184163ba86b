"""People's rights (GDPR) for share links (see `tenancy.privacy` for the interface).

Two kinds of rows can be about a person: as a **referrer**, the peer's own share links and what
they brought (counts only: who came through them is about those people, not the referrer);
as a **friend**, the credits about them (their sign-up, application, first order through
someone's link) and the last link their account came through.

Erasure anonymises the credits about the person (the account, the peer profile, the customer
record and the e-mail hash go; the kind, the link and the moment stay, so a referrer's counts
do not change) and forgets the last link their account came through. A referrer's own links
stay with their peer profile, which the peers app anonymises."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from peerarmy.tenancy.privacy import json_value

from . import selectors
from .models import Attribution, Touch
from .services import email_hash

TABLES = {
    "share_links": gettext_lazy(
        "Your share links, and how many visits, sign-ups, applications and first orders each "
        "brought (never who)."
    ),
    "share_credits": gettext_lazy(
        "The share links credited with your sign-up, your application or your first order."
    ),
    "share_last_link": gettext_lazy(
        "The last share link your account came through (kept 30 days for an application)."
    ),
}


def _about(business, *, user, emails) -> list[Attribution]:
    return selectors.about_person(
        business,
        user=user,
        email_hashes=[email_hash(e) for e in emails],
        customer_ids=selectors.customer_ids_by_email(business, emails),
    )


def export(business, *, user, emails) -> dict[str, list[dict]]:
    links = selectors.links_of_peer_ids(business, selectors.peer_ids_of_user(business, user))
    figures = selectors.figures_by(business, "link", links=[link.pk for link in links])
    titles = selectors.target_titles(business, links)
    own = []
    for link in links:
        f = figures.get(link.pk, selectors.Figures())
        own.append(
            {
                "code": link.code,
                "page": link.get_kind_display(),
                "opens": titles[link.pk],
                "made_at": json_value(link.created_at),
                "visits": f.visits,
                "signups": f.signups,
                "applications": f.applications,
                "first_orders": f.conversions,
            }
        )
    credits = [
        {
            "what": credited.get_kind_display(),
            "link": credited.link.code,
            "at": json_value(credited.at),
            "first_order_at": json_value(credited.first_order_at),
            "order_total_cents": credited.order_total_minor if credited.first_order_at else None,
            "currency": credited.currency,
        }
        for credited in _about(business, user=user, emails=emails)
    ]
    touches = [
        {"link": touch.link.code, "at": json_value(touch.at)}
        for touch in selectors.touches_of(business, user)
    ]
    return {"share_links": own, "share_credits": credits, "share_last_link": touches}


def erase(business, *, user, emails, now) -> int:
    """Anonymise the credits about the person and forget their last link; the counts stay."""
    ids = [credited.pk for credited in _about(business, user=user, emails=emails)]
    changed = Attribution.objects.filter(business=business, pk__in=ids).update(
        user=None, peer=None, customer=None, email_hash=""
    )
    forgotten = 0
    if user is not None:
        forgotten, _by_model = Touch.objects.filter(business=business, user=user).delete()
    return changed + forgotten
