"""Set-up shared by spread's tests: a referrer's links, a visitor who opens one, a friend who
signs up through it, and an import of orders as the shop's export would give them."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from peerarmy.customers.inputs import ImportInput
from peerarmy.customers.services import import_file
from peerarmy.rewards import services as rewards
from peerarmy.rewards.inputs import NewRuleInput
from peerarmy.spread import services
from peerarmy.spread.models import TargetKind
from peerarmy.tenancy.tests.factories import UserFactory

_numbers = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def landing_link(business, peer):
    return services.link_for(business, peer, TargetKind.LANDING, 0)


def go(client, business, link, **headers):
    """Open a share link as a browser does (the cookies stay in `client`)."""
    return client.get(f"/{business.slug}/s/{link.code}/", **headers)


def sign_up(client, email, *, password=PASSWORD):
    """Make an account through the real sign-up page (allauth), in `client`'s browser."""
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": password, "password2": password, "privacy": "on"},
    )


def friend(business, link, *, days_ago=10, email=None):
    """A friend who signed up through `link` `days_ago` days ago (credited as the cookie would)."""
    user = UserFactory(email=email or f"friend{next(_numbers)}@example.org")
    credited = services.credit_signup(
        business, link.pk, user, now=timezone.now() - timedelta(days=days_ago)
    )
    return user, credited


def orders_csv(rows) -> bytes:
    """A generic orders export: rows of (order id, e-mail, placed at, total in euros)."""
    lines = ["order id,email,date,total,status"]
    for order_id, email, placed, total in rows:
        lines.append(f"{order_id},{email},{placed:%Y-%m-%d %H:%M},{total},paid")
    return ("\n".join(lines) + "\n").encode()


def import_orders(business, rows):
    return import_file(
        business,
        ImportInput(kind="orders", format="generic"),
        orders_csv(rows),
        language="en",
        filename="orders.csv",
        rescore=False,
    ).value


def referral_rule(business, owner, program, amount=1000, reward="cash"):
    """The owner pays `amount` cents when a friend a peer brought makes a first order."""
    return rewards.create_rule(
        business,
        owner,
        NewRuleInput(
            program_id=program.pk, event="referral.converted", reward=reward, amount=amount
        ),
    ).value
