"""Reads of alliances that the console, the peer's app, the public page and the API share.

An alliance spans businesses, so some reads cross them on purpose, each named here and each
reading only what that read is for: the members of one alliance (`members_of`), the
invitations it sent (`invitations_sent`), how many peers of the partners agreed to be shown
their programs (a number: `consenting_peers_of_partners`), the partners' published programs for
a consenting peer (`offers_for`), and the members' public pages (`public_alliance`). A
partner's own rows (programs, campaigns, rentals) are read under that partner's scope with its
own app's selectors."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django_scopes import scope

from peerarmy.errors import NotFound
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.models import Business
from peerarmy.tenancy.selectors import storable

from .models import (
    LIVE,
    Alliance,
    AllianceApplication,
    AllianceConsent,
    AllianceMember,
    MemberStatus,
)

# Programs a partner's peer is offered: the army's work. Chip-in and resale are open to anyone
# without joining an army, so applying to one through the alliance would make no sense.
OFFERED_KINDS = (
    ProgramKind.GUIDES,
    ProgramKind.LAYOVER,
    ProgramKind.DELIVERY,
    ProgramKind.SHARING,
    ProgramKind.CUSTOM,
)
# An alliance is shown to the public, and its partners' programs to peers, while it has at
# least this many active members: alone, a business is in no alliance worth the name.
LIVE_MEMBERS = 2


def _across():
    """AllianceMember rows of any business: only for the reads named in the module's text."""
    return AllianceMember.objects.with_scopes_disabled()


# --- the business's own place ----------------------------------------------------------------


def membership(business, *, for_update=False) -> AllianceMember | None:
    """The business's active membership, with its alliance, or None."""
    rows = AllianceMember.objects.filter(business=business, status=MemberStatus.ACTIVE)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.select_related("alliance").first()


def alliance_of(business) -> Alliance | None:
    found = membership(business)
    return found.alliance if found is not None else None


def members_of(alliance) -> list[AllianceMember]:
    """The active members of the alliance, with their businesses, in the order they joined."""
    return list(
        _across()
        .filter(alliance=alliance, status=MemberStatus.ACTIVE)
        .select_related("business")
        .order_by("joined_at", "pk")
    )


def active_count(alliance, *, for_update=False) -> int:
    rows = _across().filter(alliance=alliance, status=MemberStatus.ACTIVE)
    if for_update:
        # the alliance's members locked, so two leaving at once both see the other go
        return len(list(rows.select_for_update().values_list("pk", flat=True)))
    return rows.count()


def partners(business) -> list[Business]:
    """The other active members of the business's alliance (none while it is dormant)."""
    own = membership(business)
    if own is None:
        return []
    found = [m.business for m in members_of(own.alliance) if m.business_id != business.pk]
    return found if len(found) + 1 >= LIVE_MEMBERS else []


def partner_by_address(business, address) -> Business | None:
    """The partner at `address`, if it is one (another active member of the same alliance)."""
    for partner in partners(business):
        if partner.slug == address:
            return partner
    return None


def invitations_received(business) -> list[AllianceMember]:
    """The invitations waiting for the business's answer, with their alliance and who sent
    them."""
    return list(
        AllianceMember.objects.filter(business=business, status=MemberStatus.INVITED)
        .select_related("alliance", "invited_by")
        .order_by("-invited_at", "-pk")
    )


def invitations_sent(alliance) -> list[AllianceMember]:
    """The alliance's invitations waiting for an answer, with the invited businesses."""
    return list(
        _across()
        .filter(alliance=alliance, status=MemberStatus.INVITED)
        .select_related("business", "invited_by")
        .order_by("-invited_at", "-pk")
    )


def get_invitation(business, alliance_address, *, for_update=False) -> AllianceMember:
    """The business's invitation to the alliance at `alliance_address`; `NotFound` if there
    is none waiting (another business's invitation included)."""
    if not storable(alliance_address):
        raise NotFound(_("There is no invitation to this alliance."))
    rows = AllianceMember.objects.filter(
        business=business, status=MemberStatus.INVITED, alliance__slug=alliance_address
    )
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.select_related("alliance", "invited_by").first()
    if found is None:
        raise NotFound(_("There is no invitation to this alliance."))
    return found


def invitation_to(alliance, business, *, for_update=False) -> AllianceMember | None:
    """The alliance's invitation of `business` waiting for an answer, or None."""
    rows = _across().filter(alliance=alliance, business=business, status=MemberStatus.INVITED)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.first()


def live_place(alliance, business) -> AllianceMember | None:
    """The business's invitation to, or membership of, the alliance, or None."""
    return _across().filter(alliance=alliance, business=business, status__in=LIVE).first()


def slug_taken(slug) -> bool:
    return Alliance.objects.filter(slug=slug).exists()


def find_business(address) -> Business | None:
    from peerarmy.tenancy.selectors import find_business as find

    return find(address)


# --- what a peer shares -----------------------------------------------------------------------


def consent_of(peer) -> AllianceConsent:
    """The peer's consent, or the default (everything off, unsaved) until they first choose."""
    found = AllianceConsent.objects.filter(business_id=peer.business_id, peer=peer).first()
    return found or AllianceConsent(business_id=peer.business_id, peer=peer)


def consenting_peers_of_partners(business) -> int:
    """How many active peers of the partners agreed to be shown their programs: a number,
    never who (a name crosses only when the person applies)."""
    ids = [partner.pk for partner in partners(business)]
    if not ids:
        return 0
    return (
        AllianceConsent.objects.with_scopes_disabled()
        .filter(business_id__in=ids, share_profile=True, peer__status=PeerStatus.ACTIVE)
        .count()
    )


@dataclass
class Offer:
    """A partner as a consenting peer sees it: its published programs (the army's work), and
    the peer's place there if they have one already (their status there, or None)."""

    business: Business
    programs: list = field(default_factory=list)
    status: str | None = None

    @property
    def status_label(self):
        return PeerStatus(self.status).label if self.status else ""


def offers_for(peer) -> list[Offer]:
    """The partners' published programs, for a peer who agreed to be shown them; none for a
    peer who did not, or is not active."""
    if peer.status != PeerStatus.ACTIVE or not consent_of(peer).share_profile:
        return []
    found = []
    for partner in partners(peer.business):
        with scope(business=partner):
            from peerarmy.programs.selectors import published_programs

            programs = [p for p in published_programs(partner) if p.kind in OFFERED_KINDS]
            there = Peer.objects.filter(business=partner, user_id=peer.user_id).first()
        for program in programs:
            program.business = partner  # its title's language falls back to the partner's
        found.append(Offer(partner, programs, there.status if there is not None else None))
    return found


def published_program_of(partner, program_id):
    """The partner's published program `program_id` (read under the partner's scope), or
    None."""
    from peerarmy.programs.models import Program, ProgramStatus

    with scope(business=partner):
        return Program.objects.filter(
            business=partner, pk=program_id, status=ProgramStatus.PUBLISHED
        ).first()


def peer_there(partner, user) -> Peer | None:
    """The person's peer profile at the partner (any status), or None."""
    with scope(business=partner):
        return Peer.objects.filter(business=partner, user=user).first()


def verification_facts(business, peer) -> list[dict]:
    """What the business verified of the peer, as facts that can cross to a partner: the
    kind and the day, never the phone number, the document or who checked it."""
    from peerarmy.peers.selectors import badges_of

    facts = []
    for badge in badges_of(business, peer):
        on = badge.verified_at.date().isoformat() if badge.verified_at else None
        facts.append({"kind": badge.kind, "on": on})
    return facts


# --- what the receiving business sees -----------------------------------------------------------


VERIFICATION_WORDS = {
    "email": lambda: _("e-mail"),
    "phone": lambda: _("phone"),
    "identity": lambda: _("identity checked in person"),
}


@dataclass
class Origin:
    """Where an applicant comes from, as their new business may read it: the partner's name,
    since when they are active there, what was verified there (in words) and their score
    there, each only if the person consented to bring it."""

    application: AllianceApplication
    verified: list[str]

    @property
    def from_name(self):
        return self.application.from_name

    @property
    def active_since(self):
        return self.application.active_since

    @property
    def reliability(self):
        return self.application.reliability

    @property
    def program(self):
        return self.application.program


def origin_of(business, peer) -> Origin | None:
    """How the business's peer (or applicant) came through the alliance, or None."""
    found = (
        AllianceApplication.objects.filter(business=business, peer=peer)
        .select_related("program")
        .first()
    )
    if found is None:
        return None
    words = [
        str(VERIFICATION_WORDS[fact.get("kind")]())
        for fact in found.verifications or ()
        if fact.get("kind") in VERIFICATION_WORDS
    ]
    return Origin(found, words)


def applications_received(business) -> list[AllianceApplication]:
    """The applications that came to the business through its alliance, newest first."""
    return list(
        AllianceApplication.objects.filter(business=business)
        .select_related("peer")
        .order_by("-created_at", "-pk")
    )


def applications_from(business, user_id) -> list[AllianceApplication]:
    """The applications the person made to partners from this business (across businesses:
    only to withdraw what they shared when they take their consent back)."""
    return list(
        AllianceApplication.objects.with_scopes_disabled().filter(
            from_business=business, peer__user_id=user_id
        )
    )


# --- the public page -------------------------------------------------------------------------


@dataclass
class PublicMember:
    """What anyone may see of a member: its public pages' contents."""

    business: Business
    joined_at: object
    programs: list = field(default_factory=list)
    campaigns: list = field(default_factory=list)  # [(campaign, progress)]
    rentals: list = field(default_factory=list)  # [(program, [asset])]


@dataclass
class PublicAlliance:
    alliance: Alliance
    members: list[PublicMember]


RENTALS_SHOWN = 6
CAMPAIGNS_SHOWN = 3


def get_live_alliance(address) -> Alliance:
    """The alliance at `address` while it has at least two active members; `NotFound` for a
    dormant one, or none."""
    if not storable(address):
        raise NotFound()
    alliance = Alliance.objects.filter(slug=address).first()
    if alliance is None or active_count(alliance) < LIVE_MEMBERS:
        raise NotFound()
    return alliance


def public_alliance(address) -> PublicAlliance:
    """The alliance's public page: every active member with its published programs, open
    chip-in campaigns and rentals, each read under the member's scope with its own app's
    public selectors. `NotFound` while the alliance is dormant."""
    from peerarmy.chipin import selectors as chipin
    from peerarmy.programs.selectors import published_programs
    from peerarmy.sharing import selectors as sharing

    alliance = get_live_alliance(address)
    found = []
    for member in members_of(alliance):
        business = member.business
        with scope(business=business):
            programs = list(published_programs(business))
            for program in programs:
                program.business = business
            campaigns = []
            for campaign in chipin.public_campaigns(business, CAMPAIGNS_SHOWN):
                campaign.business = business
                campaigns.append((campaign, chipin.progress(campaign)))
            rentals = []
            for program in sharing.sharing_programs(business):
                program.business = business
                assets = sharing.public_assets(business, program, limit=RENTALS_SHOWN)
                if assets:
                    rentals.append((program, assets))
        found.append(PublicMember(business, member.joined_at, programs, campaigns, rentals))
    return PublicAlliance(alliance, found)


# --- the console's page ------------------------------------------------------------------------


@dataclass
class ConsoleView:
    """What the console's alliance page shows a member of `business`."""

    membership: AllianceMember | None
    members: list = field(default_factory=list)
    invitations_sent: list = field(default_factory=list)
    invitations_received: list = field(default_factory=list)
    consenting_partners: int = 0  # active peers of the partners who agreed (a number)
    consenting_own: int = 0  # the business's own active peers who agreed
    applications: list = field(default_factory=list)

    @property
    def alliance(self):
        return self.membership.alliance if self.membership is not None else None

    @property
    def live(self):
        return len(self.members) >= LIVE_MEMBERS


def console_view(business) -> ConsoleView:
    own = membership(business)
    view = ConsoleView(
        own,
        invitations_received=invitations_received(business),
        applications=applications_received(business),
    )
    if own is not None:
        view.members = members_of(own.alliance)
        view.invitations_sent = invitations_sent(own.alliance)
        view.consenting_partners = consenting_peers_of_partners(business)
        view.consenting_own = AllianceConsent.objects.filter(
            business=business, share_profile=True, peer__status=PeerStatus.ACTIVE
        ).count()
    return view
