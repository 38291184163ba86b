"""Alliances: owners found, invite, answer and leave (staff only look); a peer who agrees is
shown the partners' programs and applies with one click, bringing their profile and, only if
they agree to that too, their score; taking a consent back takes back what it brought; the
partner decides as on any other application."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from peerarmy.alliances import privacy, selectors, services
from peerarmy.alliances.inputs import (
    AllianceApplyInput,
    AllianceInput,
    AllianceRefInput,
    AllianceTextsInput,
    ConsentInput,
    PartnerInput,
)
from peerarmy.alliances.models import (
    AllianceApplication,
    AllianceConsent,
    AllianceMember,
    MemberStatus,
)
from peerarmy.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from peerarmy.inputs import InvalidInput
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerStatus, Verification, VerificationKind
from peerarmy.peers.services import approve_peer
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    OwnerFactory,
    PeerFactory,
    SkillFactory,
)

from .helpers import allied, consent, found, giulia, guide_program, two_businesses

pytestmark = pytest.mark.django_db


def _apply(peer, to="lecce", program=None):
    return services.apply_through_alliance(
        peer.business,
        peer.user,
        peer,
        AllianceApplyInput(business=to, program_id=program.pk if program else None),
    ).value


# --- founding, inviting, answering, leaving ----------------------------------------------------


def test_an_owner_founds_an_alliance_that_stays_hidden_until_a_partner_accepts():
    pair = two_businesses()
    alliance = found(pair.shop, pair.shop_owner)
    assert selectors.alliance_of(pair.shop) == alliance
    assert selectors.partners(pair.shop) == []
    with pytest.raises(NotFound):
        selectors.public_alliance("amici")

    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="LECCE "))
    # the partner's owner is told, in the outbox, with the way to answer
    told = OutboxMessage.objects.get(business=pair.partner, recipient=pair.partner_owner.email)
    assert "Amici della bici" in told.subject and "/lecce/manage/alliance/" in told.body_text
    assert selectors.invitations_received(pair.partner)[0].alliance == alliance
    with pytest.raises(NotFound):
        selectors.public_alliance("amici")  # an invitation is not a member

    services.accept_invitation(pair.partner, pair.partner_owner, AllianceRefInput(alliance="amici"))
    assert selectors.partners(pair.shop) == [pair.partner]
    assert selectors.partners(pair.partner) == [pair.shop]
    page = selectors.public_alliance("amici")
    assert [m.business for m in page.members] == [pair.shop, pair.partner]
    assert OutboxMessage.objects.filter(
        business=pair.shop, recipient=pair.shop_owner.email, event="alliance.joined"
    ).exists()


def test_only_owners_change_an_alliance_and_staff_change_nothing():
    pair = two_businesses()
    with pytest.raises(PermissionDenied):
        found(pair.shop, pair.shop_staff)
    found(pair.shop, pair.shop_owner)
    with pytest.raises(PermissionDenied):
        services.invite_business(pair.shop, pair.shop_staff, PartnerInput(business="lecce"))
    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    with pytest.raises(PermissionDenied):
        services.accept_invitation(
            pair.partner, pair.partner_staff, AllianceRefInput(alliance="amici")
        )
    with pytest.raises(PermissionDenied):
        services.update_alliance(pair.shop, pair.shop_staff, AllianceTextsInput(name="Altro"))
    with pytest.raises(PermissionDenied):
        services.leave_alliance(pair.shop, pair.shop_staff)
    # and someone of another business cannot act for this one at all
    with pytest.raises(PermissionDenied):
        services.accept_invitation(
            pair.partner, pair.shop_owner, AllianceRefInput(alliance="amici")
        )
    assert AllianceMember.objects.get(business=pair.partner).status == MemberStatus.INVITED


def test_an_invitation_names_a_real_business_once_and_not_one_in_another_alliance():
    pair = two_businesses()
    found(pair.shop, pair.shop_owner)

    def refused(address):
        with pytest.raises(ValidationFailed) as exc:
            services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business=address))
        assert exc.value.field == "business"
        return str(exc.value.message)

    assert "nowhere" in refused("nowhere")
    assert "already in this alliance" in refused("bici")
    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    assert "already invited" in refused("lecce")
    third = BusinessFactory(slug="terzo", name="Terzo")
    owner = OwnerFactory(business=third).user
    found(third, owner, slug="altra", name="Altra alleanza")
    assert "Altra alleanza" in refused("terzo")


def test_a_business_is_in_one_alliance_at_a_time():
    pair = allied()
    third = BusinessFactory(slug="terzo")
    owner = OwnerFactory(business=third).user
    found(third, owner, slug="altra")
    # an invitation sent before the partner joined is refused when accepted
    AllianceMember.objects.create(
        business=pair.partner,
        alliance=selectors.alliance_of(third),
        invited_by=third,
        invited_at=timezone.now(),
    )
    with pytest.raises(InvalidTransition) as exc:
        services.accept_invitation(
            pair.partner, pair.partner_owner, AllianceRefInput(alliance="altra")
        )
    assert exc.value.code == "already_in_alliance"
    with pytest.raises(InvalidTransition):
        found(pair.shop, pair.shop_owner, slug="nuova")


def test_an_invitation_is_declined_or_withdrawn_and_the_inviter_is_told():
    pair = two_businesses()
    found(pair.shop, pair.shop_owner)
    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    services.decline_invitation(
        pair.partner, pair.partner_owner, AllianceRefInput(alliance="amici")
    )
    assert OutboxMessage.objects.filter(business=pair.shop, event="alliance.declined").exists()
    with pytest.raises(NotFound):
        services.accept_invitation(
            pair.partner, pair.partner_owner, AllianceRefInput(alliance="amici")
        )
    # invited again, then withdrawn before an answer
    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    services.withdraw_invitation(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    assert selectors.invitations_received(pair.partner) == []
    statuses = sorted(AllianceMember.objects.filter(business=pair.partner).values_list("status"))
    assert statuses == [("declined",), ("withdrawn",)]


def test_either_member_leaves_and_the_alliance_goes_dormant_with_one_left():
    pair = allied()
    services.leave_alliance(pair.partner, pair.partner_owner)
    assert selectors.partners(pair.shop) == []
    with pytest.raises(NotFound):
        selectors.public_alliance("amici")
    told = OutboxMessage.objects.get(business=pair.shop, event="alliance.left")
    assert "Lecce B&B" in told.subject
    # the founder may leave too; it can then found or join another
    services.leave_alliance(pair.shop, pair.shop_owner)
    assert selectors.alliance_of(pair.shop) is None
    with pytest.raises(InvalidTransition):
        services.leave_alliance(pair.shop, pair.shop_owner)
    found(pair.shop, pair.shop_owner, slug="nuova")


def test_the_last_to_leave_withdraws_the_invitations_still_waiting():
    pair = two_businesses()
    found(pair.shop, pair.shop_owner)
    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    services.leave_alliance(pair.shop, pair.shop_owner)
    assert selectors.invitations_received(pair.partner) == []


def test_an_alliance_address_is_unique_and_not_reserved():
    pair = two_businesses()
    found(pair.shop, pair.shop_owner)
    third = BusinessFactory(slug="terzo")
    with pytest.raises(InvalidInput) as exc:
        found(third, OwnerFactory(business=third).user)
    assert exc.value.messages_for("slug")
    with pytest.raises(InvalidInput):
        AllianceInput.parse({"slug": "Not a slug!", "name": "X"})
    with pytest.raises(InvalidInput):
        AllianceInput.parse({"slug": "api", "name": "X"})


def test_a_business_cannot_be_called_a():
    from peerarmy.tenancy.inputs import BusinessInput

    with pytest.raises(InvalidInput) as exc:
        BusinessInput.parse({"slug": "a", "name": "A", "owner_email": "a@example.org"})
    assert exc.value.messages_for("slug")


# --- consent -------------------------------------------------------------------------------------


def test_without_consent_a_peer_is_offered_nothing_and_the_partner_sees_nothing():
    pair = allied()
    guide_program(pair.partner)
    peer = giulia(pair.shop)
    assert selectors.consent_of(peer).share_profile is False  # off by default
    assert selectors.offers_for(peer) == []
    assert selectors.consenting_peers_of_partners(pair.partner) == 0
    with pytest.raises(PermissionDenied) as exc:
        _apply(peer)
    assert exc.value.code == "no_consent"
    assert not Peer.objects.filter(business=pair.partner).exists()


def test_with_consent_the_partner_sees_a_number_and_no_name_until_they_apply():
    pair = allied()
    program = guide_program(pair.partner)
    peer = giulia(pair.shop)
    consent(peer)
    offers = selectors.offers_for(peer)
    assert [(o.business, o.programs, o.status) for o in offers] == [(pair.partner, [program], None)]
    assert selectors.consenting_peers_of_partners(pair.partner) == 1
    view = selectors.console_view(pair.partner)
    assert view.applications == [] and view.consenting_partners == 1
    assert selectors.console_view(pair.shop).consenting_own == 1


def test_only_the_peer_sets_their_consent_and_the_score_needs_the_profile():
    pair = allied()
    peer = giulia(pair.shop)
    with pytest.raises(PermissionDenied):
        services.set_consent(pair.shop, pair.shop_owner, peer, ConsentInput(share_profile=True))
    with pytest.raises(InvalidInput) as exc:
        ConsentInput.parse({"share_profile": False, "share_reliability": True})
    assert exc.value.messages_for("share_reliability")


def test_a_dormant_alliance_or_a_peer_not_active_offers_nothing():
    pair = allied()
    guide_program(pair.partner)
    applicant = giulia(pair.shop, status=PeerStatus.APPLICANT)
    consent(applicant)
    assert selectors.offers_for(applicant) == []
    with pytest.raises(InvalidTransition):
        _apply(applicant)
    active = PeerFactory(business=pair.shop)
    consent(active)
    assert selectors.offers_for(active)
    services.leave_alliance(pair.partner, pair.partner_owner)
    assert selectors.offers_for(active) == []
    with pytest.raises(ValidationFailed):
        _apply(active)


# --- applying with one click ---------------------------------------------------------------------


def test_applying_with_one_click_brings_the_profile_and_the_consented_facts():
    pair = allied()
    program = guide_program(pair.partner)
    since = timezone.now() - timedelta(days=416)
    peer = giulia(pair.shop, decided_at=since)
    Verification.objects.create(
        business=pair.shop,
        peer=peer,
        kind=VerificationKind.PHONE,
        phone="+393331234567",
        verified_at=since,
    )
    consent(peer, reliability=True)
    mail.outbox.clear()

    application = _apply(peer, program=program)

    there = application.peer
    assert there.business == pair.partner and there.user == peer.user
    assert there.status == PeerStatus.APPLICANT
    assert (there.display_name, there.bio, there.home_address) == (
        "Giulia R.",
        "Guida in bici sotto i portici.",
        peer.home_address,
    )
    with scope(business=pair.partner):
        # the partner has city guiding and not photography: only the shared skill crosses
        assert [s.slug for s in there.skills.all()] == ["city-guiding"]
        assert [s.business_id for s in there.skills.all()] == [pair.partner.pk]
    assert sorted(there.language_codes) == ["en", "it"]
    assert there.showcase_links == []
    assert application.from_business == pair.shop and application.program == program
    assert application.active_since == since and application.reliability == 92
    assert application.verifications == [
        {"kind": "email", "on": None},  # sign-up confirmed it
        {"kind": "phone", "on": since.date().isoformat()},
    ]
    # never the number itself
    assert "3331234567" not in str(AllianceApplication.objects.values_list())
    # the partner's staff are told, as of any application
    assert OutboxMessage.objects.filter(business=pair.partner, event="peer.applied").count() == 2

    origin = selectors.origin_of(pair.partner, there)
    assert origin.from_name == "Bici Gialla" and origin.reliability == 92
    assert origin.verified == ["e-mail", "phone"]
    # the approval stays the partner's own
    approve_peer(business=pair.partner, actor=pair.partner_staff, peer=there)
    there.refresh_from_db()
    assert there.status == PeerStatus.ACTIVE
    offers = selectors.offers_for(peer)
    assert offers[0].status == PeerStatus.ACTIVE


def test_without_the_score_consent_no_score_crosses():
    pair = allied()
    guide_program(pair.partner)
    peer = giulia(pair.shop)
    consent(peer, reliability=False)
    application = _apply(peer)
    assert application.reliability is None
    assert selectors.origin_of(pair.partner, application.peer).reliability is None


def test_a_peer_already_there_is_told_so_and_nothing_is_made():
    pair = allied()
    peer = giulia(pair.shop)
    PeerFactory(business=pair.partner, user=peer.user)
    consent(peer)
    assert selectors.offers_for(peer)[0].status == PeerStatus.ACTIVE
    with pytest.raises(InvalidTransition) as exc:
        _apply(peer)
    assert exc.value.code == "already_applied"
    assert not AllianceApplication.objects.exists()


def test_only_a_partner_and_its_open_programs_can_be_applied_to():
    pair = allied()
    peer = giulia(pair.shop)
    consent(peer)
    outsider = BusinessFactory(slug="fuori")
    closed = guide_program(pair.partner, status="draft")
    with pytest.raises(ValidationFailed) as exc:
        _apply(peer, to="fuori")
    assert exc.value.field == "business"
    with pytest.raises(ValidationFailed) as exc:
        _apply(peer, program=closed)
    assert exc.value.field == "program_id"
    assert not Peer.objects.filter(business__in=[pair.partner, outsider]).exists()


def test_taking_a_consent_back_takes_back_what_it_brought():
    pair = allied()
    since = timezone.now() - timedelta(days=100)
    peer = giulia(pair.shop, decided_at=since)
    consent(peer, reliability=True)
    application = _apply(peer)

    consent(peer, reliability=False)
    application.refresh_from_db()
    assert application.reliability is None and application.active_since == since
    consent(peer, profile=False)
    application.refresh_from_db()
    assert application.active_since is None and application.verifications == []
    # the application itself stays with the partner, who decides on it
    assert application.from_name == "Bici Gialla"
    assert Peer.objects.get(pk=application.peer_id).status == PeerStatus.APPLICANT
    assert selectors.offers_for(peer) == []


def test_the_skills_the_partner_lacks_stay_behind_and_a_profile_without_a_language_is_refused():
    pair = allied()
    SkillFactory(business=pair.partner, slug="photography")
    peer = giulia(pair.shop)
    consent(peer)
    with scope(business=pair.shop):
        application = _apply(peer)
    with scope(business=pair.partner):
        assert [s.slug for s in application.peer.skills.all()] == ["photography"]
    mute = PeerFactory(business=pair.shop, languages=[])
    consent(mute)
    with pytest.raises(InvalidInput):
        _apply(mute)


# --- the person's rights ---------------------------------------------------------------------------


def test_export_and_erase_hold_the_persons_rows_and_nobody_elses():
    pair = allied()
    peer = giulia(pair.shop)
    other = PeerFactory(business=pair.shop)
    consent(peer, reliability=True)
    consent(other)
    application = _apply(peer)
    emails = {peer.user.email.lower()}

    at_shop = privacy.export(pair.shop, user=None, emails=emails)
    assert [row["share_reliability"] for row in at_shop["alliance_consents"]] == [True]
    assert at_shop["alliance_applications"] == []
    at_partner = privacy.export(pair.partner, user=peer.user, emails=set())
    assert [row["from_business"] for row in at_partner["alliance_applications"]] == ["Bici Gialla"]
    assert at_partner["alliance_applications"][0]["reliability_there"] == 92

    assert privacy.erase(pair.partner, user=peer.user, emails=emails, now=timezone.now()) == 1
    assert not AllianceApplication.objects.filter(pk=application.pk).exists()
    assert AllianceConsent.objects.filter(peer=peer).exists()  # the shop's row, not erased there
    assert privacy.erase(pair.shop, user=None, emails=emails, now=timezone.now()) == 1
    assert list(AllianceConsent.objects.values_list("peer_id", flat=True)) == [other.pk]


def test_the_database_refuses_a_second_active_alliance_for_a_business():
    """Two owners accepting at once are decided by the constraint, not by luck."""
    from django.db import IntegrityError, transaction

    pair = allied()
    third = BusinessFactory(slug="terzo")
    other = found(third, OwnerFactory(business=third).user, slug="altra")
    with pytest.raises(IntegrityError), transaction.atomic():
        AllianceMember.objects.create(
            business=pair.partner,
            alliance=other,
            status=MemberStatus.ACTIVE,
            invited_at=timezone.now(),
            joined_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AllianceConsent.objects.create(
            business=pair.shop,
            peer=giulia(pair.shop),
            share_profile=False,
            share_reliability=True,
            updated_at=timezone.now(),
        )
