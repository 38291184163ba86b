"""The demo's people's rights at Bici Gialla: a customer's erasure request waiting for staff,
due in about three weeks (she asked through the link e-mailed to her); another customer's
request completed last month by the owner (that customer is now "Former customer #id"); and an
audit trail of who looked at and exported personal data over the last weeks, Giulia's own
download among them.

Made through the privacy services with the moments of the story, as staff and the people would
have made them; the e-mails they wrote are deleted by the loader with the rest."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django_scopes import scope

from peerarmy.customers.models import Customer
from peerarmy.peers.models import Peer
from peerarmy.privacy import services
from peerarmy.privacy.inputs import ErasureInput
from peerarmy.privacy.models import AccessAction, Via
from peerarmy.tenancy.models import Membership, Role

GIULIA = "peer@bicigialla.example"


def _quiet_customers(business):
    """Customers with no peer profile and no account: people who only ever bought."""
    accounts = get_user_model().objects.values_list("email", flat=True)
    return list(
        Customer.objects.filter(business=business, peers__isnull=True)
        .exclude(email__in=accounts)
        .order_by("pk")
    )


def load_privacy(business, now) -> int:
    """Write the requests and the audit trail; return how many rows were made."""
    with scope(business=business):
        return _load(business, now)


def _load(business, now) -> int:
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    staff = (
        Membership.objects.filter(business=business, role=Role.STAFF).order_by("pk").first().user
    )
    customers = _quiet_customers(business)
    made = 0

    # completed last month: asked 45 days ago, erased by the owner ten days later
    for customer in customers[5:]:
        person = services.identify(business, email=customer.email)
        if services.blockers(business, person, now=now - timedelta(days=35)):
            continue
        asked = services.request_erasure(
            business, person, ErasureInput(confirm=True), via=Via.LINK, now=now - timedelta(days=45)
        ).value
        services.complete_erasure(business, owner, asked.pk, now=now - timedelta(days=35))
        made += 1
        break

    # waiting: asked nine days ago through the e-mailed link, due in about three weeks
    waiting = customers[2]
    person = services.identify(business, email=waiting.email)
    services.request_erasure(
        business, person, ErasureInput(confirm=True), via=Via.LINK, now=now - timedelta(days=9)
    )
    made += 1

    # the audit trail: staff opening peers' and customers' pages, the lists exported, Giulia's
    # own download
    peers = list(Peer.objects.filter(business=business).order_by("pk")[:3])
    trail = [
        (owner, AccessAction.VIEWED, "peer_detail", f"peer {peers[0].pk}", 20),
        (staff, AccessAction.VIEWED, "peer_detail", f"peer {peers[1].pk}", 14),
        (staff, AccessAction.EXPORTED, "peers_csv", "list", 12),
        (staff, AccessAction.VIEWED, "customer_detail", f"customer {customers[0].pk}", 8),
        (owner, AccessAction.EXPORTED, "superfans_csv", "list", 6),
        (staff, AccessAction.VIEWED, "peer_detail", f"peer {peers[2].pk}", 2),
    ]
    for actor, action, what, subject, days in trail:
        services.record_access(
            business,
            actor,
            action=action,
            what=what,
            subject=subject,
            now=now - timedelta(days=days, hours=3),
        )
        made += 1
    giulia = get_user_model().objects.filter(email=GIULIA).first()
    if giulia is not None:
        services.record_access(
            business,
            giulia,
            action=AccessAction.EXPORTED,
            what="data_export",
            subject=services.identify(business, user=giulia).subject,
            by_subject=True,
            now=now - timedelta(days=4),
        )
        made += 1
    return made
