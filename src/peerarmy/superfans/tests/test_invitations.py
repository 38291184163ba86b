"""Story: Bici Gialla invites its best customers to its army. Only those who agreed to its
e-mails are invited, each in their own language, with a link that works once, on time, and
only for Bici Gialla."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone, translation

from peerarmy.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.notifications.models import OutboxMessage
from peerarmy.superfans import invitations, selectors
from peerarmy.superfans.invitations import (
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    accept_invitation,
    check_invitation,
    mark_expired,
    revoke_invitation,
)
from peerarmy.superfans.models import Invitation, InvitationStatus
from peerarmy.superfans.tests import factories
from peerarmy.tenancy.tests.factories import (
    CustomerFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://\S+/invite/(?P<token>[^/\s]+)/")


def fan(business, **fields):
    fields.setdefault("accepts_marketing", True)
    fields.setdefault("language", "en")
    return CustomerFactory(business=business, **fields)


def link_token(customer):
    """The token in the invitation e-mail the customer received."""
    message = OutboxMessage.objects.filter(recipient=customer.email).latest("pk")
    return LINK.search(message.body_text).group("token")


def invite(business, actor, *customers, **kwargs):
    return factories.invite(business, actor, customers, **kwargs)


# --- who can be invited -----------------------------------------------------------------


def test_only_customers_who_accept_marketing_are_invited(business, staff):
    # Given a customer who accepts e-mails and one who does not
    mario = fan(business, first_name="Mario")
    silent = fan(business, first_name="Sara", accepts_marketing=False)

    # When staff invite both
    result = invite(business, staff, mario, silent)

    # Then only Mario is invited and e-mailed; Sara is skipped, with the reason in words
    assert [i.customer for i in result.invited] == [mario]
    assert [(c, str(reason)) for c, reason in result.skipped] == [
        (silent, "no marketing consent: this customer has not agreed to receive e-mails from you")
    ]
    assert OutboxMessage.objects.filter(recipient=mario.email).count() == 1
    assert not OutboxMessage.objects.filter(recipient=silent.email).exists()
    assert not Invitation.objects.filter(customer=silent).exists()


def test_an_invitation_is_tracked_as_sent_for_two_weeks_by_default(business, staff):
    mario = fan(business)
    before = timezone.now()

    (invitation,) = invite(business, staff, mario).invited

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.invited_by == staff
    assert invitation.language == "en"
    assert timedelta(days=14) <= invitation.expires_at - before < timedelta(days=14, minutes=1)


def test_peers_and_customers_with_an_open_invitation_are_skipped_with_reasons(business, staff):
    linked = fan(business)
    PeerFactory(business=business, customer=linked)
    same_email = fan(business, email="Anna@Example.org")
    PeerFactory(business=business, user=UserFactory(email="anna@example.org"))
    invited_already = fan(business)
    invite(business, staff, invited_already)
    newcomer = fan(business)

    result = invite(business, staff, linked, same_email, invited_already, newcomer)

    assert [i.customer for i in result.invited] == [newcomer]
    reasons = {customer: str(reason) for customer, reason in result.skipped}
    assert reasons[linked] == reasons[same_email] == "already in your army (or has applied)"
    assert reasons[invited_already].startswith("already invited: the invitation is open until ")
    assert Invitation.objects.filter(customer=invited_already).count() == 1


def test_after_an_invitation_expires_the_customer_can_be_invited_again(business, staff):
    mario = fan(business)
    (first,) = invite(business, staff, mario).invited
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    result = invite(business, staff, mario)

    assert len(result.invited) == 1 and not result.skipped


def test_a_customer_selected_twice_is_invited_once(business, staff):
    mario = fan(business)

    result = invite(business, staff, mario, mario)

    assert len(result.invited) == 1
    assert OutboxMessage.objects.filter(recipient=mario.email).count() == 1


def test_the_program_must_be_a_published_program_of_the_business(business, other_business, staff):
    mario = fan(business)
    draft = ProgramFactory(business=business, status="draft")
    elsewhere = ProgramFactory(business=other_business)

    with pytest.raises(ValidationFailed) as draft_error:
        invite(business, staff, mario, program=draft)
    with pytest.raises(DomainError) as foreign_error:
        invite(business, staff, mario, program=elsewhere)

    assert draft_error.value.field == "program_id"
    assert foreign_error.value.status == 404
    assert not Invitation.objects.exists()


def test_only_members_invite_and_only_their_own_customers(
    business, other_business, staff, peer, other_staff
):
    mario = fan(business)
    with pytest.raises(PermissionDenied):
        invite(business, peer.user, mario)
    with pytest.raises(PermissionDenied):
        invite(business, other_staff, mario)
    with pytest.raises(DomainError) as error:
        invite(other_business, other_staff, mario)
    assert error.value.status == 404
    assert not Invitation.objects.exists()


def test_the_validity_is_between_one_and_sixty_days(business, staff):
    mario = fan(business)
    for days in (0, 61, "soon"):
        with pytest.raises(ValidationFailed) as error:
            invite(business, staff, mario, expires_in_days=days)
        assert error.value.field == "expires_in_days"
    (invitation,) = invite(business, staff, mario, expires_in_days=3).invited
    assert invitation.expires_at - invitation.sent_at < timedelta(days=3, minutes=1)


# --- the e-mail -------------------------------------------------------------------------


def test_the_email_speaks_english_to_an_english_customer(business, staff):
    mario = fan(business, first_name="Mario", language="en")
    program = ProgramFactory(business=business, title_en="Bike couriers", title_it="Corrieri")

    invite(business, staff, mario, program=program)

    message = OutboxMessage.objects.get(recipient=mario.email)
    assert message.language == "en"
    assert message.event == "invitation.sent"
    assert message.subject == "Mario, Bici Gialla invites you to join its army"
    assert "Hello Mario," in message.body_text
    assert "“Bike couriers”" in message.body_text
    assert "it works once" in message.body_text
    assert "The link is valid until" in message.body_text
    assert LINK.search(message.body_text)


def test_the_email_is_in_italian_for_an_italian_customer(business, staff, settings):
    giulia = fan(business, first_name="Giulia", language="it")
    program = ProgramFactory(business=business, title_en="Bike couriers", title_it="Corrieri")

    invite(business, staff, giulia, program=program)

    message = OutboxMessage.objects.get(recipient=giulia.email)
    assert message.language == "it"
    assert "Corrieri" in message.body_text  # the program's Italian title
    assert "Bike couriers" not in message.body_text


def test_the_link_is_signed_and_the_database_keeps_only_a_hash_of_its_secret(business, staff):
    mario = fan(business)
    (invitation,) = invite(business, staff, mario).invited
    token = link_token(mario)

    invitation_id, nonce = (
        signing.TimestampSigner(salt=invitations.TOKEN_SALT).unsign(token).split(".", 1)
    )

    assert int(invitation_id) == invitation.pk
    invitation.refresh_from_db()
    assert len(invitation.nonce_hash) == 64 and nonce not in invitation.nonce_hash
    assert f"/bicigialla/invite/{token}/" in OutboxMessage.objects.get().body_text
    # a value signed for anything else (another salt) is not an invitation
    other = signing.TimestampSigner(salt="something.else").sign(f"{invitation.pk}.{nonce}")
    with pytest.raises(InvitationInvalid):
        check_invitation(business=business, token=other)


# --- using the link ---------------------------------------------------------------------


@pytest.fixture
def sent(business, staff):
    mario = fan(business, first_name="Mario", email="mario@example.org")
    (invitation,) = invite(business, staff, mario).invited
    return invitation, link_token(mario)


def test_a_valid_link_finds_its_invitation_without_using_it(business, sent):
    invitation, token = sent

    assert check_invitation(business=business, token=token) == invitation
    assert check_invitation(business=business, token=token) == invitation
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature
        lambda t: "9" + t,  # invitation id
        lambda t: t.replace(".", ".x", 1),  # nonce
        lambda t: "",
        lambda t: "not-a-token",
    ],
)
def test_a_tampered_link_is_invalid(business, sent, tamper):
    _invitation, token = sent
    with pytest.raises(InvitationInvalid) as error:
        check_invitation(business=business, token=tamper(token))
    assert error.value.code == "invitation_invalid"


def test_a_link_works_only_for_the_business_that_sent_it(other_business, sent):
    _invitation, token = sent
    with pytest.raises(InvitationInvalid):
        check_invitation(business=other_business, token=token)


def test_a_link_works_once(business, sent):
    invitation, token = sent
    peer = PeerFactory(
        business=business, user=UserFactory(email="mario@example.org"), status="applicant"
    )

    accepted = accept_invitation(business=business, token=token, peer=peer).value

    assert accepted.status == InvitationStatus.ACCEPTED
    assert accepted.peer == peer and accepted.accepted_at is not None
    with pytest.raises(InvitationUsed) as error:
        check_invitation(business=business, token=token)
    assert error.value.code == "invitation_used"


def test_a_link_is_accepted_only_by_the_invited_address(business, sent):
    _invitation, token = sent
    stranger = PeerFactory(business=business, user=UserFactory(email="eve@example.org"))

    with pytest.raises(DomainError) as error:
        accept_invitation(business=business, token=token, peer=stranger)

    assert error.value.code == "invitation_other_account"
    assert Invitation.objects.get().status == InvitationStatus.SENT


def test_a_link_past_its_date_has_expired(business, sent):
    invitation, token = sent
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with pytest.raises(InvitationExpired) as error:
        check_invitation(business=business, token=token)

    assert error.value.code == "invitation_expired"


def test_a_signature_older_than_any_invitation_has_expired(business, staff, monkeypatch):
    mario = fan(business)
    long_ago = timezone.now().timestamp() - 90 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    invite(business, staff, mario)
    monkeypatch.undo()

    with pytest.raises(InvitationExpired):
        check_invitation(business=business, token=link_token(mario))


def test_mark_expired_moves_only_past_due_open_invitations(business, staff):
    due, fresh, accepted = fan(business), fan(business), fan(business)
    result = invite(business, staff, due, fresh, accepted)
    by_customer = {i.customer: i for i in result.invited}
    past = timezone.now() - timedelta(days=1)
    Invitation.objects.filter(pk__in=[by_customer[due].pk, by_customer[accepted].pk]).update(
        expires_at=past
    )
    Invitation.objects.filter(pk=by_customer[accepted].pk).update(status="accepted")

    assert mark_expired(business=business) == 1

    statuses = dict(Invitation.objects.values_list("customer", "status"))
    assert statuses == {due.pk: "expired", fresh.pk: "sent", accepted.pk: "accepted"}


def test_a_revoked_link_stops_working_and_says_so(business, staff, sent):
    invitation, token = sent

    revoke_invitation(business=business, actor=staff, invitation=invitation)

    with pytest.raises(InvitationInvalid) as error:
        check_invitation(business=business, token=token)
    assert "withdrawn" in str(error.value.message)
    with pytest.raises(InvalidTransition) as again:
        revoke_invitation(business=business, actor=staff, invitation=invitation)
    assert again.value.code == "invitation_not_open"


def test_only_members_revoke(business, peer, sent):
    invitation, _token = sent
    with pytest.raises(PermissionDenied):
        revoke_invitation(business=business, actor=peer.user, invitation=invitation)
    assert Invitation.objects.get().status == InvitationStatus.SENT


@pytest.mark.parametrize(
    ("status", "past_due", "message"),
    [
        (
            "accepted",
            False,
            "This invitation has been accepted; only open invitations can be revoked.",
        ),
        (
            "revoked",
            False,
            "This invitation is already revoked; only open invitations can be revoked.",
        ),
        ("expired", False, "This invitation has expired; only open invitations can be revoked."),
        ("sent", True, "This invitation has expired; only open invitations can be revoked."),
    ],
)
def test_an_invitation_no_longer_open_is_not_revoked_and_says_why_in_one_sentence(
    business, staff, status, past_due, message
):
    (invitation,) = invite(business, staff, fan(business)).invited
    changes = {"status": status}
    if past_due:
        changes["expires_at"] = timezone.now() - timedelta(minutes=1)
    Invitation.objects.filter(pk=invitation.pk).update(**changes)

    with translation.override("en"), pytest.raises(InvalidTransition) as exc:
        revoke_invitation(business=business, actor=staff, invitation=invitation)

    assert exc.value.message == message
    assert Invitation.objects.get().status == status


def test_one_rule_says_who_cannot_be_invited_and_why(business, staff):
    ready, quiet, enrolled, invited, lapsed = (
        fan(business),
        fan(business, accepts_marketing=False),
        fan(business),
        fan(business),
        fan(business),
    )
    PeerFactory(business=business, customer=enrolled)
    invite(business, staff, invited, lapsed)
    Invitation.objects.filter(customer=lapsed).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )  # past due, not swept yet: open no longer

    refused = selectors.not_invitable(business, [ready, quiet, enrolled, invited, lapsed])

    assert {pk: why.code for pk, why in refused.items()} == {
        quiet.pk: "no_consent",
        enrolled.pk: "in_army",
        invited.pk: "invited",
    }
    result = invite(business, staff, ready, quiet, enrolled, invited, lapsed)
    assert {i.customer for i in result.invited} == {ready, lapsed}
    assert {(c, why) for c, why in result.skipped} == {
        (c, refused[c.pk].reason) for c in (quiet, enrolled, invited)
    }


def test_a_past_due_invitation_reads_expired_before_the_sweep_writes_it(business, staff):
    (invitation,) = invite(business, staff, fan(business)).invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitation.refresh_from_db()

    assert invitation.current_status == InvitationStatus.EXPIRED
    assert list(selectors.invitations_for_business(business, status="expired")) == [invitation]
    assert list(selectors.invitations_for_business(business, status="sent")) == []
    assert invitation.status == InvitationStatus.SENT  # nothing was written
