"""Story: an owner builds the team in the console. They invite a person by e-mail, who joins
from the link with the invited account (and nobody else can); they change roles, remove people
and hand the business over; the business never loses its last owner."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from peerarmy.errors import DomainError, NotFound, PermissionDenied
from peerarmy.inputs import InvalidInput
from peerarmy.notifications.models import OutboxMessage
from peerarmy.tenancy import team
from peerarmy.tenancy.inputs import RoleInput, StaffInviteInput
from peerarmy.tenancy.models import Membership, Role, StaffInvitation
from peerarmy.tenancy.tests.factories import MembershipFactory, OwnerFactory, UserFactory

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S*/team/join/(\S+)/")


def invite(business, owner, email="anna@example.org", role=Role.STAFF, **kwargs):
    return team.invite(business, owner, StaffInviteInput(email=email, role=role), **kwargs).value


def token_of(message):
    return LINK.search(message.body_text).group(1)


def test_an_invited_person_joins_from_the_link_with_the_invited_account(
    business, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(business, owner, "Anna@Example.org")
    (sent,) = mail.outbox
    assert sent.to == ["anna@example.org"]  # the address as the input writes it
    assert business.name in sent.subject
    token = LINK.search(sent.body).group(1)
    anna = UserFactory(email="anna@example.org")

    membership = team.accept(business, anna, token).value

    assert (membership.business, membership.user, membership.role) == (business, anna, Role.STAFF)
    invitation.refresh_from_db()
    assert invitation.accepted_by == anna
    with pytest.raises(DomainError) as again:
        team.accept(business, anna, token)
    assert again.value.code == "invitation_used"
    # the outbox keeps no working link once the e-mail is out
    assert token not in OutboxMessage.objects.get(event="team.invited").body_text


def test_only_the_invited_address_can_use_the_link(business, owner):
    invite(business, owner)
    token = token_of(OutboxMessage.objects.get(event="team.invited"))
    someone = UserFactory(email="marco@example.org")

    with pytest.raises(PermissionDenied) as refused:
        team.accept(business, someone, token)

    assert "anna@example.org" in str(refused.value)
    assert not Membership.objects.filter(business=business, user=someone).exists()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: token[:-2] + "xx",  # a typo
        lambda token: "",  # nothing
        lambda token: token.replace(".", ":", 1),  # not ours
    ],
)
def test_a_spoilt_link_is_refused(business, owner, spoil):
    invite(business, owner)
    token = token_of(OutboxMessage.objects.get(event="team.invited"))
    with pytest.raises(DomainError) as refused:
        team.find_invitation(business, spoil(token))
    assert refused.value.code == "invitation_invalid"


def test_a_link_of_another_business_is_refused(business, other_business, owner):
    invite(business, owner)
    token = token_of(OutboxMessage.objects.get(event="team.invited"))
    with pytest.raises(DomainError) as refused:
        team.find_invitation(other_business, token)
    assert refused.value.status == 404


def test_a_withdrawn_or_expired_link_is_refused(business, owner):
    withdrawn = invite(business, owner, "one@example.org")
    token_one = token_of(OutboxMessage.objects.get(event="team.invited"))
    team.withdraw(business, owner, withdrawn.pk)
    now = timezone.now()
    invite(business, owner, "two@example.org", now=now - timedelta(days=team.STAFF_INVITATION_DAYS))
    token_two = token_of(OutboxMessage.objects.filter(event="team.invited").latest("pk"))

    with pytest.raises(DomainError) as gone:
        team.find_invitation(business, token_one)
    assert "withdrawn" in str(gone.value)
    with pytest.raises(DomainError) as old:
        team.find_invitation(business, token_two, now=now)
    assert old.value.code == "invitation_expired"
    assert team.pending_invitations(business, owner) == []


def test_inviting_again_replaces_the_old_link(business, owner):
    first = invite(business, owner)
    second = invite(business, owner)
    first.refresh_from_db()

    assert first.cancelled_at is not None
    assert [i.pk for i in team.pending_invitations(business, owner)] == [second.pk]


def test_a_member_is_not_invited_again_and_bad_input_names_the_field(business, owner, staff):
    with pytest.raises(InvalidInput) as member:
        invite(business, owner, staff.email.upper())
    assert [field for field, _m in member.value.field_errors] == ["email"]
    with pytest.raises(InvalidInput) as bad:
        StaffInviteInput.parse({"email": "not an address", "role": "king"})
    assert sorted(field for field, _m in bad.value.field_errors) == ["email", "role"]
    assert StaffInvitation.objects.count() == 0


def test_staff_see_the_team_but_only_an_owner_changes_it(business, owner, staff):
    member = Membership.objects.get(business=business, user=staff)
    assert {m.user for m in team.members(business, staff)} == {owner, staff}
    for change in (
        lambda: invite(business, staff),
        lambda: team.change_role(business, staff, member.pk, RoleInput(role=Role.OWNER)),
        lambda: team.remove(business, staff, member.pk),
        lambda: team.transfer_ownership(business, staff, member.pk),
    ):
        with pytest.raises(PermissionDenied):
            change()
    member.refresh_from_db()
    assert member.role == Role.STAFF


def test_an_owner_changes_roles_and_removes_people(business, owner, staff):
    member = Membership.objects.get(business=business, user=staff)

    team.change_role(business, owner, member.pk, RoleInput(role=Role.OWNER))
    member.refresh_from_db()
    assert member.role == Role.OWNER
    team.remove(business, owner, member.pk)
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert staff.pk  # the account stays


def test_the_last_owner_cannot_leave_or_step_down(business, owner):
    mine = Membership.objects.get(business=business, user=owner)
    with pytest.raises(PermissionDenied):
        team.remove(business, owner, mine.pk)
    with pytest.raises(PermissionDenied):
        team.change_role(business, owner, mine.pk, RoleInput(role=Role.STAFF))
    mine.refresh_from_db()
    assert mine.role == Role.OWNER


def test_handing_the_business_over(business, owner, staff):
    member = Membership.objects.get(business=business, user=staff)

    team.transfer_ownership(business, owner, member.pk)

    roles = dict(Membership.objects.filter(business=business).values_list("user_id", "role"))
    assert roles == {owner.pk: Role.STAFF, staff.pk: Role.OWNER}
    with pytest.raises(PermissionDenied):  # no longer the owner
        team.transfer_ownership(business, owner, member.pk)


def test_another_business_member_is_not_found(business, other_business, owner):
    theirs = OwnerFactory(business=other_business)
    for change in (
        lambda: team.change_role(business, owner, theirs.pk, RoleInput(role=Role.STAFF)),
        lambda: team.remove(business, owner, theirs.pk),
        lambda: team.transfer_ownership(business, owner, theirs.pk),
    ):
        with pytest.raises(NotFound):
            change()
    theirs.refresh_from_db()
    assert theirs.role == Role.OWNER


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_owners_stepping_down_at_once_leave_one_owner(business):
    """Each owner makes themselves staff at the same moment: one of them must stay owner."""
    first, second = OwnerFactory(business=business), OwnerFactory(business=business)
    barrier = threading.Barrier(2)
    outcomes = []

    def step_down(member):
        from django.db import connection as conn

        barrier.wait()
        try:
            team.change_role(business, member.user, member.pk, RoleInput(role=Role.STAFF))
            outcomes.append("done")
        except PermissionDenied:
            outcomes.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=step_down, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["done", "refused"]
    assert Membership.objects.filter(business=business, role=Role.OWNER).count() == 1


def test_joining_as_owner_upgrades_a_staff_member(business, owner):
    person = MembershipFactory(business=business).user
    Membership.objects.filter(business=business, user=person).delete()
    invite(business, owner, person.email, role=Role.OWNER)
    token = token_of(OutboxMessage.objects.get(event="team.invited"))

    membership = team.accept(business, person, token).value

    assert membership.role == Role.OWNER
