"""People's rights (GDPR) for customers: the customer records a business imported or recorded
for an address, and their orders, reviews, NPS answers, referrals and social mentions (see
`tenancy.privacy` for the interface).

Erasure keeps what the shop's figures need (orders and their amounts, a review's stars, an
NPS score, that a referral converted) on a customer row that names nobody: "Former customer"
#id at an address no mail reaches. The import's error rows that quoted the address go."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerarmy.tenancy.privacy import by_email, erased_address, rows, words

from .models import Customer, ImportRowError, Mention, NpsResponse, Order, Referral, Review

TABLES = {
    "customers": _("What the shop knows of you as a customer: name, address, phone, city."),
    "orders": _("Your orders at the shop, with what you bought and what you paid."),
    "reviews": _("The reviews you wrote about the shop."),
    "nps": _("Your answers to “would you recommend us?” (0 to 10)."),
    "referrals": _("The friends you brought to the shop, and whether you were brought by one."),
    "mentions": _("Your posts on social networks that mention the shop."),
}


def customers_of(business, emails):
    return by_email(Customer.objects.filter(business=business), emails)


def _own(model, business, emails, ids):
    return model.objects.filter(business=business).filter(
        Q(customer_id__in=ids) | Q(pk__in=by_email(model.objects.filter(business=business), emails))
    )


def export(business, *, user, emails) -> dict[str, list[dict]]:
    found = customers_of(business, emails)
    ids = list(found.values_list("pk", flat=True))
    imported = ["source", ("id_in_source", "external_id")]
    return {
        "customers": rows(
            found.order_by("pk"),
            [
                ("id", "pk"),
                "email",
                "first_name",
                "last_name",
                "phone",
                "city",
                "country",
                "language",
                "accepts_marketing",
                "tags",
                "source",
                "created_at",
            ],
        ),
        "orders": rows(
            _own(Order, business, emails, ids).order_by("placed_at", "pk"),
            [
                *imported,
                "placed_at",
                "currency",
                ("total_cents", "total_minor"),
                ("refunded_cents", "refunded_minor"),
                "financial_status",
                "cancelled_at",
                "items",
            ],
        ),
        "reviews": rows(
            _own(Review, business, emails, ids).order_by("reviewed_at", "pk"),
            [*imported, "rating", "title", "body", "reviewed_at"],
        ),
        "nps": rows(
            _own(NpsResponse, business, emails, ids).order_by("answered_at", "pk"),
            [*imported, "score", "comment", "answered_at"],
        ),
        "referrals": rows(
            _own(Referral, business, emails, ids).order_by("referred_at", "pk"),
            [*imported, ("friend_email", "referred_email"), "referred_at", "converted"],
        )
        + rows(
            # brought by someone: that the friend brought them, never who (their data)
            Referral.objects.filter(business=business)
            .filter(
                Q(referred_customer_id__in=ids)
                | Q(
                    pk__in=by_email(
                        Referral.objects.filter(business=business), emails, "referred_email"
                    )
                )
            )
            .order_by("referred_at", "pk"),
            [("you_were_referred_at", "referred_at"), "converted", "converted_at"],
        ),
        "mentions": rows(
            _own(Mention, business, emails, ids).order_by("posted_at", "pk"),
            [*imported, "platform", "url", "engagement", "posted_at"],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    found = set()
    for first, last in customers_of(business, emails).values_list("first_name", "last_name"):
        full = f"{first} {last}".strip()
        if full:
            found.add(full)
    return found


def erase(business, *, user, emails, now) -> int:
    found = list(customers_of(business, emails))
    ids = [c.pk for c in found]
    full_names = {c.full_name for c in found if c.full_name}
    changed = 0
    for customer in found:
        customer.email = erased_address("customer", customer.pk)
        customer.first_name = words(business, _("Former customer"))
        customer.last_name = f"#{customer.pk}"
        customer.phone = customer.city = customer.country = customer.tags = ""
        customer.external_id = ""
        customer.accepts_marketing = False
        customer.save()
        changed += 1
    changed += _own(Order, business, emails, ids).update(email="")
    changed += _own(Review, business, emails, ids).update(email="", title="", body="")
    changed += _own(NpsResponse, business, emails, ids).update(email="", comment="")
    changed += _own(Mention, business, emails, ids).update(email="", url="")
    changed += _own(Referral, business, emails, ids).update(email="")
    changed += (
        Referral.objects.filter(business=business)
        .filter(
            Q(referred_customer_id__in=ids)
            | Q(
                pk__in=by_email(
                    Referral.objects.filter(business=business), emails, "referred_email"
                )
            )
        )
        .update(referred_email="")
    )
    # An import's report of a bad row quotes what the file held: the address, or the name.
    quoted = Q()
    for text in {*emails, *full_names}:
        quoted |= Q(value__icontains=text)
    if quoted:
        changed += ImportRowError.objects.filter(business=business).filter(quoted).delete()[0]
    return changed
