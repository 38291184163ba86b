"""Support through the API: the staff's queue, replies and notes, assignment and resolution;
a peer's own tickets; problem+json for bad input and for a closed ticket."""

import pytest

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.support.models import Ticket
from peerarmy.support.tests.factories import consumer_ticket, peer_ticket
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/support/tickets"
MINE = "/api/v1/me/support/tickets"


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    return ApiClient(client, raw, language="en")


def test_staff_list_open_reply_assign_and_resolve(api, business, staff):
    created = api.post(
        TICKETS,
        {"category": "question", "subject": "Phoned in", "body": "Asked about hours",
         "name": "Marco", "email": "marco@example.org"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    ticket_id = created.json()["id"]
    listed = api.get(TICKETS).json()
    assert [t["id"] for t in listed["results"]] == [ticket_id]
    assert listed["results"][0]["due_at"] is not None
    note = api.post(f"{TICKETS}/{ticket_id}/replies", {"body": "check hours", "internal": True})
    assert note.status_code == 201 and note.json()["internal"] is True
    assigned = api.post(f"{TICKETS}/{ticket_id}/assign", {"assignee_id": staff.pk})
    assert assigned.json()["assignee_id"] == staff.pk
    resolved = api.post(f"{TICKETS}/{ticket_id}/resolve")
    assert resolved.json()["status"] == "resolved"
    detail = api.get(f"{TICKETS}/{ticket_id}").json()
    assert [m["internal"] for m in detail["messages"]] == [False, True]
    assert detail["minutes_left"] is None  # resolved: no deadline running


def test_bad_input_names_the_field(api):
    response = api.post(TICKETS, {"category": "gossip", "subject": "", "body": "x"})
    assert response.status_code == 422
    assert set(problem_fields(response)) >= {"category", "subject"}


def test_a_closed_ticket_answers_ticket_closed(api, business, staff):
    ticket = consumer_ticket(business)
    api.post(f"{TICKETS}/{ticket.pk}/status", {"status": "closed"})
    response = api.post(f"{TICKETS}/{ticket.pk}/replies", {"body": "hello?"})
    assert response.status_code == 409
    assert response.json()["code"] == "ticket_closed"


def test_a_peer_sees_their_tickets_without_internal_notes(peer_api, api, business, peer):
    opened = peer_api.post(MINE, {"category": "payment", "subject": "Short", "body": "5 € missing"})
    assert opened.status_code == 201, opened.content
    ticket_id = opened.json()["id"]
    api.post(f"{TICKETS}/{ticket_id}/replies", {"body": "INTERNAL", "internal": True})
    api.post(f"{TICKETS}/{ticket_id}/replies", {"body": "Looking into it"})
    mine = peer_api.get(f"{MINE}/{ticket_id}").json()
    assert [m["body"] for m in mine["messages"]] == ["5 € missing", "Looking into it"]
    other = peer_ticket(PeerFactory(business=business))
    assert peer_api.get(f"{MINE}/{other.pk}").status_code == 404


def test_another_business_token_sees_nothing(client, business, other_business, other_staff):
    ticket = consumer_ticket(business)
    _token, raw = create_token(business=other_business, actor=other_staff).value
    other = ApiClient(client, raw)
    assert other.get(f"{TICKETS}/{ticket.pk}").status_code == 404
    assert other.get(TICKETS).json()["count"] == 0


def test_a_community_manager_handles_tickets_but_not_money(client, business):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    _token, raw = create_token(business=business, actor=manager).value
    api = ApiClient(client, raw)
    ticket = consumer_ticket(business)
    assert api.get(f"{TICKETS}/{ticket.pk}").status_code == 200
    refused = api.post(f"{TICKETS}/{ticket.pk}/settle", {"amount_minor": 100, "note": "x"})
    assert refused.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).correction_id is None
