"""Applying to an army and being decided on, as the applicant and the staff experience it."""

import pytest
from django.core import mail

from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.services import apply_as_peer, approve_peer, reject_peer, update_profile
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    CustomerFactory,
    SkillFactory,
    UserFactory,
)

GOOD = {
    "display_name": "Giulia",
    "bio": "Pedalo ogni giorno, conosco ogni portico.",
    "languages": {"it": "native", "en": "fluent"},
    "skills": [],
    "home_address": "Via del Pratello 10, Bologna",
    "latitude": 44.4951,
    "longitude": 11.3334,
    "travel_radius_km": 8,
    "showcase_links": ["https://example.org/giulia"],
}

pytestmark = pytest.mark.django_db


def test_an_applicant_is_recorded_with_profile_and_linked_to_their_customer_record(business, owner):
    repair = SkillFactory(business=business, slug="repair")
    user = UserFactory(email="giulia@example.org")
    customer = CustomerFactory(business=business, email="Giulia@example.org")

    peer = apply_as_peer(
        business=business, user=user, data={**GOOD, "skills": ["repair"]}, language="it"
    )

    assert peer.status == PeerStatus.APPLICANT
    assert peer.customer == customer
    assert list(peer.skills.all()) == [repair]
    assert peer.language_codes == {"it", "en"}
    user.refresh_from_db()
    assert user.language == "it"
    # the owner hears about the new applicant, through the outbox
    assert OutboxMessage.objects.filter(event="peer.applied", recipient=owner.email).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"languages": {}}, "languages"),
        ({"languages": {"xx": "fluent"}}, "languages"),
        ({"languages": {"it": "superb"}}, "languages"),
        ({"skills": ["no-such-skill"]}, "skills"),
        ({"latitude": None}, "latitude"),
        ({"latitude": 91, "longitude": 11}, "latitude"),
        ({"longitude": 181, "latitude": 44}, "longitude"),
        ({"latitude": None, "longitude": None, "home_address": ""}, "home_address"),
        ({"travel_radius_km": 0}, "travel_radius_km"),
        ({"travel_radius_km": "far"}, "travel_radius_km"),
        ({"showcase_links": ["javascript:alert(1)"]}, "showcase_links"),
        ({"showcase_links": [f"https://example.org/{i}" for i in range(6)]}, "showcase_links"),
    ],
)
def test_a_bad_application_names_the_field_and_stores_nothing(business, change, field):
    user = UserFactory()
    with pytest.raises(ValidationFailed) as exc:
        apply_as_peer(business=business, user=user, data={**GOOD, **change})
    assert exc.value.field == field
    assert not Peer.objects.filter(user=user).exists()


def test_one_application_per_business_but_one_account_works_across_businesses(
    business, other_business
):
    user = UserFactory()
    apply_as_peer(business=business, user=user, data=GOOD)
    with pytest.raises(InvalidTransition):
        apply_as_peer(business=business, user=user, data=GOOD)
    apply_as_peer(business=other_business, user=user, data=GOOD)
    assert Peer.objects.filter(user=user).count() == 2


def test_staff_approve_and_the_peer_is_told_in_their_language(
    business, staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business, user=UserFactory(language="it"))
    with django_capture_on_commit_callbacks(execute=True):
        peer = approve_peer(business=business, actor=staff, peer=applicant)
    assert peer.status == PeerStatus.ACTIVE
    assert peer.decided_by == staff
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [applicant.user.email]
    assert "Bici Gialla" in mail.outbox[0].subject
    message = OutboxMessage.objects.get(event="peer.approved")
    assert message.language == "it"
    assert message.status == "sent"


def test_a_rejection_needs_a_reason_and_the_applicant_reads_it(
    business, staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business, user=UserFactory(language="en"))
    with pytest.raises(ValidationFailed) as exc:
        reject_peer(business=business, actor=staff, peer=applicant, reason="  ")
    assert exc.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        reject_peer(
            business=business,
            actor=staff,
            peer=applicant,
            reason="We only take riders in Bologna for now.",
        )
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.REJECTED
    assert "We only take riders in Bologna for now." in mail.outbox[0].body


def test_only_members_of_the_business_decide(business, other_staff, peer):
    applicant = ApplicantFactory(business=business)
    with pytest.raises(PermissionDenied):
        approve_peer(business=business, actor=other_staff, peer=applicant)
    with pytest.raises(PermissionDenied):
        approve_peer(business=business, actor=peer.user, peer=applicant)
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT


def test_an_active_peer_cannot_be_approved_twice(business, staff, peer):
    with pytest.raises(InvalidTransition):
        approve_peer(business=business, actor=staff, peer=peer)


def test_a_peer_edits_their_profile(business, peer):
    update_profile(
        peer=peer, data={**GOOD, "display_name": "Giulia B.", "languages": {"it": "native"}}
    )
    peer.refresh_from_db()
    assert peer.display_name == "Giulia B."
    assert peer.language_codes == {"it"}
