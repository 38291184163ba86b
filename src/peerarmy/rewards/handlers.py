"""Subscriptions: the events that pay rewards, turned into occurrences for the rules."""

from datetime import datetime

from peerarmy import events

from . import selectors, services


def block_completed(business, name, *, key, payload):
    starts, ends = payload.get("starts_at"), payload.get("ends_at")
    minutes = 0
    if starts and ends:
        length = datetime.fromisoformat(ends) - datetime.fromisoformat(starts)
        minutes = int(length.total_seconds() // 60)
    services.handle(
        business,
        services.Occurrence(
            event=name,
            key=key,
            peer_id=payload["peer_id"],
            program_id=payload["program_id"],
            occurred_at=datetime.fromisoformat(payload["completed_at"]),
            claim_id=payload.get("claim_id"),
            minutes=minutes,
            amount_minor=payload.get("reward_minor") or 0,
            points=payload.get("reward_points") or 0,
        ),
    )


def match_completed(business, name, *, key, payload):
    length = datetime.fromisoformat(payload["ends_at"]) - datetime.fromisoformat(
        payload["starts_at"]
    )
    services.handle(
        business,
        services.Occurrence(
            event=name,
            key=key,
            peer_id=payload["peer_id"],
            program_id=payload["program_id"],
            occurred_at=datetime.fromisoformat(payload["completed_at"]),
            minutes=int(length.total_seconds() // 60),
        ),
    )


def pledge_received(business, name, *, key, payload):
    """A pledge a peer brought (their share link) was paid: rules may reward the peer."""
    if not payload.get("peer_id"):
        return
    services.handle(
        business,
        services.Occurrence(
            event=name,
            key=key,
            peer_id=payload["peer_id"],
            program_id=payload["program_id"],
            occurred_at=datetime.fromisoformat(payload["received_at"]),
            amount_minor=payload.get("amount_minor") or 0,
        ),
    )


def referral_converted(business, name, *, key, payload):
    """A friend a peer brought through a share link made their first order (spread): rules
    may reward the peer. The rules of the link's program apply; a link to the shop's page (no
    program), or to a program without a rule for it, is paid by the first program that has
    one, so that the owner sets the referral reward once."""
    if not payload.get("peer_id"):
        return
    rules = selectors.rules(business, active=True).filter(event=name)
    with_rule = sorted({rule.program_id for rule in rules})
    program_id = payload.get("program_id")
    if program_id not in with_rule:
        if not with_rule:
            return
        program_id = with_rule[0]
    services.handle(
        business,
        services.Occurrence(
            event=name,
            key=key,
            peer_id=payload["peer_id"],
            program_id=program_id,
            # a fixed amount: "the amount the block promised" means nothing for an order
            occurred_at=datetime.fromisoformat(payload["converted_at"]),
        ),
    )


def campaign_funded(business, name, *, key, payload):
    """A campaign a peer started, or shared, was funded."""
    for peer_id in payload.get("peer_ids") or []:
        services.handle(
            business,
            services.Occurrence(
                event=name,
                key=f"{key}:peer-{peer_id}",
                peer_id=peer_id,
                program_id=payload["program_id"],
                occurred_at=datetime.fromisoformat(payload["funded_at"]),
                amount_minor=payload.get("goal_minor") or 0,
            ),
        )


def resale_sold(business, name, *, key, payload):
    """A peer's own item was sold through the shop: rules may reward the seller."""
    if not payload.get("peer_id"):
        return
    services.handle(
        business,
        services.Occurrence(
            event=name,
            key=key,
            peer_id=payload["peer_id"],
            program_id=payload["program_id"],
            occurred_at=datetime.fromisoformat(payload["sold_at"]),
            amount_minor=payload.get("amount_minor") or 0,
        ),
    )


events.subscribe("block.completed", block_completed)
events.subscribe("resale.sold", resale_sold)
events.subscribe("chipin.pledge_received", pledge_received)
events.subscribe("campaign.funded", campaign_funded)
events.subscribe("match.completed", match_completed)
events.subscribe("referral.converted", referral_converted)
