"""Staff invite customers, follow their invitations and revoke them over the API."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerarmy.notifications.models import OutboxMessage
from peerarmy.superfans.models import Invitation, InvitationStatus
from peerarmy.superfans.tests.factories import invite
from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory, ProgramFactory

from .conftest import problem_fields

pytestmark = pytest.mark.django_db

INVITATIONS = "/api/v1/invitations/"


def fan(business, **fields):
    fields.setdefault("accepts_marketing", True)
    return CustomerFactory(business=business, **fields)


def test_staff_invite_customers_and_hear_who_was_skipped_and_why(api, business):
    mario = fan(business, first_name="Mario", last_name="Rossi", language="it")
    quiet = fan(business, accepts_marketing=False)
    enrolled = fan(business)
    PeerFactory(business=business, customer=enrolled)
    program = ProgramFactory(business=business)

    response = api.post(
        INVITATIONS,
        {"customer_ids": [mario.pk, quiet.pk, enrolled.pk], "program_id": program.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    body = response.json()
    (invited,) = body["invited"]
    assert invited["customer_id"] == mario.pk
    assert invited["email"] == mario.email
    assert invited["name"] == "Mario Rossi"
    assert invited["program_id"] == program.pk
    assert invited["status"] == "sent"
    assert invited["language"] == "it"
    assert invited["accepted_at"] is None and invited["peer_id"] is None
    assert body["skipped"] == [
        {
            "customer_id": quiet.pk,
            "reason": "no marketing consent: this customer has not agreed to receive "
            "e-mails from you",
        },
        {"customer_id": enrolled.pk, "reason": "already in your army (or has applied)"},
    ]
    assert OutboxMessage.objects.get(event="invitation.sent").recipient == mario.email


def test_invitations_list_newest_first_filtered_by_status(api, business, staff):
    old, new = fan(business), fan(business)
    invite(business, staff, [old])
    invite(business, staff, [new])
    Invitation.objects.filter(customer=old).update(expires_at=timezone.now() - timedelta(days=1))

    def customers(**params):
        return [i["customer_id"] for i in api.get(INVITATIONS, params).json()["results"]]

    assert customers() == [new.pk, old.pk]
    assert customers(status="expired") == [old.pk]
    assert customers(status="sent") == [new.pk]
    assert customers(status="accepted") == []
    response = api.get(INVITATIONS, {"status": "maybe"})
    assert response.status_code == 422 and problem_fields(response) == ["status"]


def test_a_past_due_invitation_reads_expired_and_no_read_writes_it(api, business, staff):
    (invitation,) = invite(business, staff, [fan(business)]).invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )

    listed = api.get(INVITATIONS).json()["results"]
    read = api.get(f"{INVITATIONS}{invitation.pk}").json()

    assert [i["status"] for i in listed] == ["expired"]
    assert read["status"] == "expired"
    # A read writes nothing: the worker's sweep writes the expiry down.
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    revoke = api.post(f"{INVITATIONS}{invitation.pk}/revoke", HTTP_ACCEPT_LANGUAGE="en")
    assert revoke.status_code == 409 and revoke.json()["code"] == "invitation_not_open"
    assert revoke.json()["detail"] == (
        "This invitation has expired; only open invitations can be revoked."
    )


def test_one_invitation_reads_and_revokes(api, business, staff):
    (invitation,) = invite(business, staff, [fan(business)]).invited

    read = api.get(f"{INVITATIONS}{invitation.pk}")
    revoked = api.post(f"{INVITATIONS}{invitation.pk}/revoke")
    again = api.post(f"{INVITATIONS}{invitation.pk}/revoke")

    assert read.status_code == 200 and read.json()["status"] == "sent"
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert again.status_code == 409 and again.json()["code"] == "invitation_not_open"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customer_ids"),
        ({"customer_ids": []}, "customer_ids"),
        ({"customer_ids": ["x"]}, "customer_ids.0"),
        ({"customer_ids": [0]}, "customer_ids.0"),
        ({"customer_ids": [2**63]}, "customer_ids.0"),
        ({"customer_ids": [1], "expires_in_days": 0}, "expires_in_days"),
        ({"customer_ids": [1], "colour": "red"}, "colour"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(api, body, field):
    response = api.post(INVITATIONS, body)
    assert response.status_code == 422
    assert problem_fields(response) == [field]


def test_a_draft_program_is_refused_naming_program_id(api, business):
    draft = ProgramFactory(business=business, status="draft")
    response = api.post(INVITATIONS, {"customer_ids": [fan(business).pk], "program_id": draft.pk})
    assert response.status_code == 422
    assert problem_fields(response) == ["program_id"]
    assert not Invitation.objects.exists()


def test_another_businesss_ids_do_not_exist_here(api, business, other_business, other_staff):
    mine = fan(business)
    theirs = fan(other_business)
    their_program = ProgramFactory(business=other_business)
    (their_invitation,) = invite(other_business, other_staff, [theirs]).invited

    responses = [
        api.post(INVITATIONS, {"customer_ids": [mine.pk, theirs.pk]}),
        api.post(INVITATIONS, {"customer_ids": [mine.pk], "program_id": their_program.pk}),
        api.get(f"{INVITATIONS}{their_invitation.pk}"),
        api.post(f"{INVITATIONS}{their_invitation.pk}/revoke"),
    ]

    for response in responses:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api.get(INVITATIONS).json()["count"] == 0
    assert not Invitation.objects.filter(business=business).exists()
    their_invitation.refresh_from_db()
    assert their_invitation.status == InvitationStatus.SENT


def test_a_token_whose_member_left_is_refused(api, business, staff):
    staff.memberships.all().delete()
    response = api.post(INVITATIONS, {"customer_ids": [fan(business).pk]})
    assert response.status_code in (401, 403)
    assert not Invitation.objects.exists()


def test_the_list_costs_the_same_queries_for_few_or_many(
    api, business, staff, django_assert_max_num_queries
):
    def make(n):
        invite(business, staff, [fan(business) for _ in range(n)])

    make(2)
    with CaptureQueriesContext(connection) as few:
        api.get(INVITATIONS)
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(INVITATIONS).json()
    assert body["count"] == 22
