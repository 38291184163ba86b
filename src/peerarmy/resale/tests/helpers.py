"""Set-up shared by resale's tests (and the web and API tests): a resale program with its terms
and a category, a customer's order at the shop, and listings made through their typed inputs,
from the draft to the sale."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from peerarmy.customers.models import Customer, Order
from peerarmy.programs.models import ProgramKind
from peerarmy.resale import services
from peerarmy.resale.inputs import (
    CategoryInput,
    ListingInput,
    ResaleSettingsInput,
    ReservationInput,
    ReviewInput,
)
from peerarmy.tenancy.tests.factories import ProgramFactory

_numbers = itertools.count(1)


def resale_program(business, owner, **terms):
    """A published resale program with `terms` (ResaleSettingsInput's fields)."""
    program = ProgramFactory(business=business, kind=ProgramKind.RESALE)
    services.save_settings(business, owner, program.pk, ResaleSettingsInput(**terms))
    return program


def category(business, owner, program, **fields):
    """Child seats: the default rule (65 % for excellent, 10 % a year, 40 % floor) and a 20 %
    commission of at least 3 €, unless `fields` say otherwise."""
    data = {
        "program_id": program.pk,
        "name_it": "Seggiolini",
        "name_en": "Child seats",
        "commission_percent": 20,
        "commission_min_minor": 300,
    } | fields
    return services.save_category(business, owner, CategoryInput(**data)).value


def order_of(business, user, *, items, months_ago=26, external_id=None):
    """A paid order of `user` (by e-mail) at the business, `months_ago` months ago, with
    `items`: [(name, unit price in cents), …]."""
    customer, _c = Customer.objects.get_or_create(
        business=business, email=user.email, defaults={"first_name": "Giulia"}
    )
    placed = timezone.now() - timedelta(days=int(months_ago * 30.5))
    return Order.objects.create(
        business=business,
        customer=customer,
        email=user.email,
        source="shopify",
        external_id=external_id or f"#{1000 + next(_numbers)}",
        placed_at=placed,
        total_minor=sum(price for _n, price in items),
        line_count=len(items),
        items=[
            {"name": name, "sku": f"SKU{n}", "quantity": 1, "price_minor": price}
            for n, (name, price) in enumerate(items)
        ],
    )


def jpeg(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (240, 200, 20)).save(out, format="JPEG")
    return out.getvalue()


def listing(business, user, program, cat, **fields):
    """A draft listing of `user`: a child seat at 40 €, paid as shop credit (no bank account
    needed), unless `fields` say otherwise."""
    data = {
        "category_id": cat.pk,
        "title": f"Seggiolino {next(_numbers)}",
        "grade": "excellent",
        "price_minor": 4000,
        "payout": "credit",
    } | fields
    return services.create_listing(business, user, program.pk, ListingInput(**data)).value


def public_listing(business, user, staff, program, cat, **fields):
    """A listing with a photo, submitted and approved by `staff`."""
    item = listing(business, user, program, cat, **fields)
    services.add_photo(business, user, item, jpeg())
    services.submit_listing(business, user, item)
    return services.review_listing(business, staff, item, ReviewInput(decision="approve")).value


def reserve(business, item, *, email="buyer@example.org", user=None, **fields):
    data = {"name": "Marco Bianchi", "email": email} | fields
    return services.reserve(business, item, ReservationInput(**data), user=user).value
