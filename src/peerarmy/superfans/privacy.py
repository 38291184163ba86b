"""People's rights (GDPR) for superfans: the score the shop worked out for a customer, with its
reasons, and the invitations to join the army it sent them (see `tenancy.privacy`).

Erasure drops the score (it is recomputed from orders that then name nobody, and a customer
who no longer accepts marketing is never invited again) and revokes an invitation still open,
so its link stops working; the invitation rows stay, pointing at the anonymised customer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from peerarmy.customers.privacy import customers_of
from peerarmy.tenancy.privacy import rows

from .models import Invitation, InvitationStatus, SuperfanScore

TABLES = {
    "superfan_scores": _("The score the shop worked out from your orders and reviews, and why."),
    "invitations": _("The invitations to join the army the shop sent you."),
}


def export(business, *, user, emails) -> dict[str, list[dict]]:
    customers = customers_of(business, emails)
    return {
        "superfan_scores": rows(
            SuperfanScore.objects.filter(business=business, customer__in=customers),
            [
                "score",
                "best_score",
                "components",
                "orders",
                ("spend_cents", "spend_minor"),
                "last_order_at",
                "nps",
                "computed_at",
            ],
        ),
        "invitations": rows(
            Invitation.objects.filter(business=business, customer__in=customers).order_by(
                "sent_at", "pk"
            ),
            [
                "status",
                ("program", "program__title_en"),
                "language",
                "sent_at",
                "expires_at",
                "accepted_at",
            ],
        ),
    }


def erase(business, *, user, emails, now) -> int:
    customers = customers_of(business, emails)
    changed = SuperfanScore.objects.filter(business=business, customer__in=customers).delete()[0]
    changed += Invitation.objects.filter(
        business=business, customer__in=customers, status=InvitationStatus.SENT
    ).update(status=InvitationStatus.REVOKED)
    return changed
