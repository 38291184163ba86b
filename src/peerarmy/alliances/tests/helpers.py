"""What the alliances' tests share: two businesses in an alliance, their owners and staff, and
a peer of the first who agreed (or not) to be shown the second's programs."""

from dataclasses import dataclass

from peerarmy.alliances import services
from peerarmy.alliances.inputs import (
    AllianceInput,
    AllianceRefInput,
    ConsentInput,
    PartnerInput,
)
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
    SkillFactory,
)


@dataclass
class Pair:
    shop: object  # Bici Gialla
    partner: object  # Lecce B&B
    shop_owner: object
    shop_staff: object
    partner_owner: object
    partner_staff: object
    alliance: object = None


def two_businesses():
    shop = BusinessFactory(slug="bici", name="Bici Gialla", city="Bologna")
    partner = BusinessFactory(slug="lecce", name="Lecce B&B", city="Lecce")
    return Pair(
        shop=shop,
        partner=partner,
        shop_owner=OwnerFactory(business=shop).user,
        shop_staff=MembershipFactory(business=shop, role=Role.STAFF).user,
        partner_owner=OwnerFactory(business=partner).user,
        partner_staff=MembershipFactory(business=partner, role=Role.STAFF).user,
    )


def found(business, owner, slug="amici", name="Amici della bici"):
    return services.create_alliance(
        business, owner, AllianceInput(slug=slug, name=name, description_it="Insieme")
    ).value


def allied():
    """Bici Gialla founded "Amici della bici" and Lecce B&B accepted its invitation."""
    pair = two_businesses()
    pair.alliance = found(pair.shop, pair.shop_owner)
    services.invite_business(pair.shop, pair.shop_owner, PartnerInput(business="lecce"))
    services.accept_invitation(pair.partner, pair.partner_owner, AllianceRefInput(alliance="amici"))
    return pair


def consent(peer, *, profile=True, reliability=False):
    return services.set_consent(
        peer.business,
        peer.user,
        peer,
        ConsentInput(share_profile=profile, share_reliability=reliability),
    ).value


def guide_program(business, skill_slug="city-guiding", **extra):
    """A published guides program of `business` asking for its skill `skill_slug`."""
    skill = SkillFactory(business=business, slug=skill_slug, name_en="City guiding")
    program = ProgramFactory(business=business, kind=ProgramKind.GUIDES, **extra)
    program.required_skills.set([skill])
    return program


def giulia(business, **extra):
    """An active peer with a verified-looking profile: city guiding and photography, Italian
    and English, a home in Bologna, reliability 92."""
    guiding = SkillFactory(business=business, slug="city-guiding")
    photos = SkillFactory(business=business, slug="photography")
    fields = {
        "display_name": "Giulia R.",
        "bio": "Guida in bici sotto i portici.",
        "reliability": 92,
        "skills": [guiding, photos],
        **extra,
    }
    return PeerFactory(business=business, **fields)
