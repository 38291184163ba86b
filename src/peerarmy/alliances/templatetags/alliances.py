"""Alliance cards that other apps' pages include without knowing alliances: the peer's consent
card on their profile page (`{% alliance_consent_card %}`), and where an applicant comes from
on the console's page of a peer (`{% alliance_origin %}`). Each reads through the selectors and
renders nothing where there is nothing to say (no partners, no alliance origin)."""

from django import template

from peerarmy.alliances import selectors

register = template.Library()


@register.inclusion_tag("web/alliances/_consent_card.html", takes_context=True)
def alliance_consent_card(context):
    """The consent card, for the peer of the page (`peer`) at its business, when the business
    has partners."""
    business, peer = context.get("business"), context.get("peer")
    partners = selectors.partners(business) if business is not None and peer is not None else []
    return {
        "shown": bool(partners),
        "business": business,
        "peer": peer,
        "partners": partners,
        "consent": selectors.consent_of(peer) if partners else None,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("web/alliances/_origin.html", takes_context=True)
def alliance_origin(context):
    """Where the page's peer (`peer`) came from through the alliance, with what they consented
    to bring; nothing for a peer who applied directly."""
    business, peer = context.get("business"), context.get("peer")
    origin = selectors.origin_of(business, peer) if business and peer else None
    return {"origin": origin, "business": business, "peer": peer}


@register.simple_tag(takes_context=True)
def has_partners(context) -> bool:
    """Whether the page's business is in an alliance with partners (the peer app's tab)."""
    business = context.get("business")
    return bool(business is not None and selectors.partners(business))
