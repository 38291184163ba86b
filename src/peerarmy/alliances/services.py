"""Every change to alliances: founding one, inviting a partner, answering, leaving; a peer's
consent; and applying to a partner through the alliance.

Who may do what:
- an alliance is run by the **owners** of its member businesses, as equals: any of them
  names it, invites another business by its address, withdraws an invitation, and leaves;
  the invited business's owner accepts or declines. Staff see the console's page and change
  nothing (the shop's settings are the owner's too).
- a **peer** alone decides what they share with the partners of their business (off until they
  turn it on); with it on they are offered the partners' programs and apply with one click.
  The application is an ordinary one at the partner (`peers.services.apply_as_peer`), decided
  by the partner's staff as any other; it carries the consented facts in an
  `AllianceApplication` row of the partner's.

A business is an active member of one alliance at a time. An alliance with fewer than two
active members is dormant: hidden from the public, and offering nothing to peers.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.inputs import FieldErrors, Outcome, parse
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers.inputs import PeerProfileInput
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.services import apply_as_peer
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.selectors import members_of as people_of
from peerarmy.tenancy.services import check_is_owner

from . import selectors
from .inputs import (
    AllianceApplyInput,
    AllianceInput,
    AllianceRefInput,
    AllianceTextsInput,
    ConsentInput,
    PartnerInput,
)
from .models import (
    Alliance,
    AllianceApplication,
    AllianceConsent,
    AllianceMember,
    MemberStatus,
)

__all__ = [
    "accept_invitation",
    "apply_through_alliance",
    "create_alliance",
    "decline_invitation",
    "invite_business",
    "leave_alliance",
    "set_consent",
    "update_alliance",
    "withdraw_invitation",
]


def _now(now=None):
    return now or timezone.now()


def _tell_owners(business, template, event, **context):
    """E-mail the owners of `business`, each in their language, through the outbox."""
    for member in people_of(business):
        if member.role != Role.OWNER:
            continue
        enqueue_email(
            business=business,
            to=member.user.email,
            language=member.user.language or business.default_language,
            template=f"alliances/email/{template}",
            event=event,
            context={"member": member.user, **context},
        )


def _own_membership(business, *, for_update=False) -> AllianceMember:
    found = selectors.membership(business, for_update=for_update)
    if found is None:
        raise InvalidTransition(_("Your business is in no alliance."), code="no_alliance")
    return found


def _already_in(found: AllianceMember):
    return InvalidTransition(
        _("Your business is already in the alliance “%(name)s”; leave it first.")
        % {"name": found.alliance.name},
        code="already_in_alliance",
    )


# --- founding and naming ---------------------------------------------------------------------


@transaction.atomic
def create_alliance(business, actor, data: AllianceInput, *, now=None) -> Outcome[Alliance]:
    """The owner founds an alliance; their business is its first member. It stays dormant
    (not shown to anyone outside) until a partner accepts an invitation."""
    check_is_owner(actor, business)
    now = _now(now)
    current = selectors.membership(business)
    if current is not None:
        raise _already_in(current)
    errors = FieldErrors()
    taken = _("An alliance with the address “%(slug)s” already exists.") % {"slug": data.slug}
    if selectors.slug_taken(data.slug):
        errors.add("slug", taken)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            alliance = Alliance.objects.create(
                slug=data.slug,
                name=data.name,
                description_it=data.description_it,
                description_en=data.description_en,
                created_by=business,
                created_at=now,
            )
            AllianceMember.objects.create(
                business=business,
                alliance=alliance,
                status=MemberStatus.ACTIVE,
                invited_at=now,
                joined_at=now,
            )
    except IntegrityError:
        # Two owners founding the same address at once, or the business joining another
        # alliance meanwhile: the constraints decide.
        current = selectors.membership(business)
        if current is not None:
            raise _already_in(current) from None
        errors.add("slug", taken)
        errors.raise_if_any()
    return Outcome(alliance, created=True)


@transaction.atomic
def update_alliance(business, actor, data: AllianceTextsInput) -> Outcome[Alliance]:
    """An owner of a member renames the alliance or rewrites its description."""
    check_is_owner(actor, business)
    alliance = Alliance.objects.select_for_update().get(pk=_own_membership(business).alliance_id)
    alliance.name = data.name
    alliance.description_it = data.description_it
    alliance.description_en = data.description_en
    alliance.save(update_fields=["name", "description_it", "description_en"])
    return Outcome(alliance)


# --- invitations -------------------------------------------------------------------------------


@transaction.atomic
def invite_business(business, actor, data: PartnerInput, *, now=None) -> Outcome[AllianceMember]:
    """An owner of a member invites another business, by its address; its owners are told by
    e-mail and answer in their console."""
    check_is_owner(actor, business)
    now = _now(now)
    own = _own_membership(business)
    alliance = own.alliance
    target = selectors.find_business(data.business)
    if target is None:
        raise ValidationFailed(
            _("No business has the address “%(slug)s”.") % {"slug": data.business},
            field="business",
        )
    if target.pk == business.pk:
        raise ValidationFailed(_("Your business is already in this alliance."), field="business")
    place = selectors.live_place(alliance, target)
    if place is not None:
        message = (
            _("%(name)s is already a member of this alliance.")
            if place.status == MemberStatus.ACTIVE
            else _("%(name)s is already invited; it has not answered yet.")
        )
        raise ValidationFailed(message % {"name": target.name}, field="business")
    elsewhere = _active_elsewhere(target, alliance)
    if elsewhere is not None:
        raise ValidationFailed(
            _("%(name)s is already in another alliance, “%(alliance)s”.")
            % {"name": target.name, "alliance": elsewhere.alliance.name},
            field="business",
        )
    try:
        with transaction.atomic():
            invitation = AllianceMember.objects.create(
                business=target,
                alliance=alliance,
                status=MemberStatus.INVITED,
                invited_by=business,
                invited_at=now,
            )
    except IntegrityError:
        raise ValidationFailed(
            _("%(name)s is already invited; it has not answered yet.") % {"name": target.name},
            field="business",
        ) from None
    _tell_owners(
        target,
        "invited",
        "alliance.invited",
        alliance=alliance,
        inviter=business,
        invited=target,
    )
    return Outcome(invitation, created=True)


def _active_elsewhere(target, alliance):
    """The target's active membership of another alliance, or None (read across businesses:
    an alliance and its members are public while it is live)."""
    found = (
        AllianceMember.objects.with_scopes_disabled()
        .filter(business=target, status=MemberStatus.ACTIVE)
        .exclude(alliance=alliance)
        .select_related("alliance")
        .first()
    )
    return found


@transaction.atomic
def withdraw_invitation(
    business, actor, data: PartnerInput, *, now=None
) -> Outcome[AllianceMember]:
    """An owner of a member withdraws the alliance's invitation of a business that has not
    answered yet."""
    check_is_owner(actor, business)
    own = _own_membership(business)
    target = selectors.find_business(data.business)
    invitation = selectors.invitation_to(own.alliance, target, for_update=True) if target else None
    if invitation is None:
        raise ValidationFailed(
            _("There is no invitation waiting for an answer at this address."), field="business"
        )
    invitation.status = MemberStatus.WITHDRAWN
    invitation.answered_at = _now(now)
    invitation.save(update_fields=["status", "answered_at"])
    return Outcome(invitation)


@transaction.atomic
def accept_invitation(
    business, actor, data: AllianceRefInput, *, now=None
) -> Outcome[AllianceMember]:
    """The invited business's owner accepts: the business becomes an active member, and the
    other members' owners are told."""
    check_is_owner(actor, business)
    now = _now(now)
    invitation = selectors.get_invitation(business, data.alliance, for_update=True)
    current = selectors.membership(business)
    if current is not None:
        raise _already_in(current)
    invitation.status = MemberStatus.ACTIVE
    invitation.joined_at = now
    invitation.answered_at = now
    try:
        with transaction.atomic():
            invitation.save(update_fields=["status", "joined_at", "answered_at"])
    except IntegrityError:
        raise _already_in(selectors.membership(business)) from None
    for member in selectors.members_of(invitation.alliance):
        if member.business_id != business.pk:
            _tell_owners(
                member.business,
                "joined",
                "alliance.joined",
                alliance=invitation.alliance,
                joined=business,
                partner=member.business,
            )
    return Outcome(invitation)


@transaction.atomic
def decline_invitation(
    business, actor, data: AllianceRefInput, *, now=None
) -> Outcome[AllianceMember]:
    """The invited business's owner declines; the business that invited is told."""
    check_is_owner(actor, business)
    invitation = selectors.get_invitation(business, data.alliance, for_update=True)
    invitation.status = MemberStatus.DECLINED
    invitation.answered_at = _now(now)
    invitation.save(update_fields=["status", "answered_at"])
    if invitation.invited_by is not None:
        _tell_owners(
            invitation.invited_by,
            "declined",
            "alliance.declined",
            alliance=invitation.alliance,
            declined=business,
            partner=invitation.invited_by,
        )
    return Outcome(invitation)


@transaction.atomic
def leave_alliance(business, actor, *, now=None) -> Outcome[AllianceMember]:
    """An owner takes the business out of its alliance. Its peers are no longer offered the
    partners' programs, nor the partners its programs; applications already made stay with
    the business that received them. The other members are told; the last one to leave
    withdraws the invitations still waiting."""
    check_is_owner(actor, business)
    now = _now(now)
    own = _own_membership(business, for_update=True)
    alliance = own.alliance
    selectors.active_count(alliance, for_update=True)
    own.status = MemberStatus.LEFT
    own.left_at = now
    own.save(update_fields=["status", "left_at"])
    remaining = selectors.members_of(alliance)
    for member in remaining:
        _tell_owners(
            member.business,
            "left",
            "alliance.left",
            alliance=alliance,
            left=business,
            partner=member.business,
            dormant=len(remaining) < selectors.LIVE_MEMBERS,
        )
    if not remaining:
        for invitation in selectors.invitations_sent(alliance):
            AllianceMember.objects.with_scopes_disabled().filter(pk=invitation.pk).update(
                status=MemberStatus.WITHDRAWN, answered_at=now
            )
    return Outcome(own)


# --- the peer's consent ---------------------------------------------------------------------------


def _check_own(business, actor, peer):
    if peer.business_id != business.pk or peer.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the peer can change what they share with partners."))


@transaction.atomic
def set_consent(business, actor, peer, data: ConsentInput, *, now=None) -> Outcome[AllianceConsent]:
    """The peer chooses what the partners of their business may see. Taking a consent back
    also takes back what it brought to partners they applied to: the score (without
    `share_reliability`), and the days and verifications (without `share_profile`). The
    application itself stays with the partner, who decides on it as on any other."""
    _check_own(business, actor, peer)
    consent, created = AllianceConsent.objects.select_for_update().get_or_create(
        business=business, peer=peer, defaults={"updated_at": _now(now)}
    )
    took_back_profile = consent.share_profile and not data.share_profile
    took_back_score = consent.share_reliability and not data.share_reliability
    consent.share_profile = data.share_profile
    consent.share_reliability = data.share_reliability
    consent.updated_at = _now(now)
    consent.save()
    if took_back_profile or took_back_score:
        for application in selectors.applications_from(business, peer.user_id):
            application.reliability = None
            fields = ["reliability"]
            if took_back_profile:
                application.active_since = None
                application.verifications = []
                fields += ["active_since", "verifications"]
            application.save(update_fields=fields)
    return Outcome(consent, created=created)


# --- applying to a partner ------------------------------------------------------------------------


def _profile_for(profile: dict, skills_there) -> PeerProfileInput:
    """The peer's profile (`PeerProfileInput.of(peer)`, dumped) as their application to a
    partner: name, bio, languages, home area and the skills the partner also asks for
    (matched by code). Links stay behind."""
    data = {**profile, "showcase_links": []}
    data["skills"] = [slug for slug in profile["skills"] if slug in skills_there]
    return parse(PeerProfileInput, data)


@transaction.atomic
def apply_through_alliance(
    business, actor, peer, data: AllianceApplyInput, *, now=None
) -> Outcome[AllianceApplication]:
    """An active peer of `business` who agreed to be shown the partners' programs applies to a
    partner with one click: an ordinary application there, pre-filled from their profile, with
    the facts they consented to bring (since when they are active here, what was verified, and
    their score only with `share_reliability`). The partner's staff are told, and decide."""
    _check_own(business, actor, peer)
    if peer.status != PeerStatus.ACTIVE:
        raise InvalidTransition(
            _("Only active peers of %(business)s can apply to its partners.")
            % {"business": business.name},
            code="not_active",
        )
    consent = selectors.consent_of(peer)
    if not consent.share_profile:
        raise PermissionDenied(
            _("Turn on sharing with the partners first, on your profile."), code="no_consent"
        )
    partner = selectors.partner_by_address(business, data.business)
    if partner is None:
        raise ValidationFailed(
            _("“%(slug)s” is not a partner of %(business)s.")
            % {"slug": data.business, "business": business.name},
            field="business",
        )
    own = selectors.membership(business)
    if selectors.peer_there(partner, actor) is not None:
        raise InvalidTransition(
            _("You are already in the army of %(business)s.") % {"business": partner.name},
            code="already_applied",
        )
    program = None
    if data.program_id is not None:
        program = selectors.published_program_of(partner, data.program_id)
        if program is None:
            raise ValidationFailed(
                _("This program is not open at %(business)s.") % {"business": partner.name},
                field="program_id",
            )
    facts = selectors.verification_facts(business, peer)
    from peerarmy.peers.selectors import skills_by_slug

    # read here, in the peer's own business: under the partner's scope their skills are not
    profile = PeerProfileInput.of(peer).model_dump()
    with scope(business=partner):
        profile = _profile_for(profile, skills_by_slug(partner, profile["skills"]))
        there = apply_as_peer(business=partner, user=actor, data=profile).value
        application = AllianceApplication.objects.create(
            business=partner,
            peer=there,
            alliance=own.alliance,
            from_business=business,
            from_name=business.name,
            program=program,
            active_since=peer.decided_at,
            verifications=facts,
            reliability=peer.reliability if consent.share_reliability else None,
            created_at=_now(now),
        )
    return Outcome(application, created=True)
