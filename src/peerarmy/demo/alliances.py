"""The demo's alliance: Bici Gialla and Lecce B&B in "Amici della bici" (cyclists who ride in
Bologna and take their holidays in Salento), made through the console's own services.

- Bici Gialla founded it 75 days ago and invited Lecce B&B, whose owner accepted.
- One of Bici Gialla's guides agreed to be shown the partners' programs, applied to Lecce B&B's
  "Baroque Lecce with a local" with one click a month ago, bringing their score, and was
  approved there: a peer active in both armies.
- Giulia (peer@bicigialla.example) agreed too, and has not applied yet: the browser test and
  anyone trying the demo apply for her.
"""

from datetime import timedelta

from django_scopes import scopes_disabled

from peerarmy.alliances import services
from peerarmy.alliances.inputs import (
    AllianceApplyInput,
    AllianceInput,
    AllianceRefInput,
    ConsentInput,
    PartnerInput,
)
from peerarmy.alliances.models import Alliance
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.services import approve_peer
from peerarmy.programs.models import Program
from peerarmy.tenancy.models import Business, Membership, Role

SLUG = "amici-della-bici"
GIULIA = "peer@bicigialla.example"
# Lecce B&B's program the guide applied from: it asks for city guiding, in Italian or English.
GUIDES_PROGRAM = "lecce-barocca"
GUIDE_SKILL = "city-guiding"


def _owner(business):
    return Membership.objects.get(business=business, role=Role.OWNER).user


def _guide(shop, partner):
    """The Bici Gialla guide who joined Lecce B&B through the alliance: an active peer who
    guides in town and speaks Italian and English, not Giulia, not already at Lecce B&B; the
    most reliable one (then the first by id), so the demo is the same at every load."""
    there = set(Peer.objects.filter(business=partner).values_list("user_id", flat=True))
    candidates = (
        Peer.objects.filter(business=shop, status=PeerStatus.ACTIVE, skills__slug=GUIDE_SKILL)
        .exclude(user__email=GIULIA)
        .exclude(user_id__in=there)
        .filter(languages__language="en")
        .filter(languages__language="it")
        .prefetch_related("skills", "languages")
        .select_related("user")
        .order_by("-reliability", "pk")
        .distinct()
    )
    return candidates.first()


def load_alliances(now) -> int:
    """The alliance, its two members, two consents and one application through it; returns
    how many rows that is."""
    with scopes_disabled():
        shop = Business.objects.get(slug="bicigialla")
        partner = Business.objects.get(slug="lecce-bnb")
        shop_owner, partner_owner = _owner(shop), _owner(partner)
        # a reset deleted the businesses, and with them their places in the alliance; the
        # alliance itself is nobody's row alone, so the demo's own is deleted here
        Alliance.objects.filter(slug=SLUG, members__isnull=True).delete()
        founded = now - timedelta(days=75)
        services.create_alliance(
            shop,
            shop_owner,
            AllianceInput(
                slug=SLUG,
                name="Amici della bici",
                description_it=(
                    "Una bottega di bici sotto i portici di Bologna e un B&B nel barocco di "
                    "Lecce: chi pedala con noi a Bologna trova casa e amici in Salento, e chi "
                    "dorme a Lecce trova chi gli fa scoprire Bologna in bici."
                ),
                description_en=(
                    "A bike workshop under the porticoes of Bologna and a B&B in Baroque "
                    "Lecce: those who ride with us in Bologna find a home and friends in "
                    "Salento, and those who stay in Lecce find someone to show them Bologna "
                    "by bike."
                ),
            ),
            now=founded,
        )
        services.invite_business(shop, shop_owner, PartnerInput(business=partner.slug), now=founded)
        services.accept_invitation(
            partner, partner_owner, AllianceRefInput(alliance=SLUG), now=now - timedelta(days=60)
        )

        giulia = Peer.objects.get(business=shop, user__email=GIULIA)
        both = ConsentInput(share_profile=True, share_reliability=True)
        services.set_consent(shop, giulia.user, giulia, both, now=now - timedelta(days=20))

        made = 2 + 1  # the members, Giulia's consent
        guide = _guide(shop, partner)
        if guide is not None:
            applied = now - timedelta(days=30)
            services.set_consent(shop, guide.user, guide, both, now=applied)
            program = Program.objects.get(business=partner, slug=GUIDES_PROGRAM)
            application = services.apply_through_alliance(
                shop,
                guide.user,
                guide,
                AllianceApplyInput(business=partner.slug, program_id=program.pk),
                now=applied,
            ).value
            there = approve_peer(business=partner, actor=partner_owner, peer=application.peer).value
            # history: they applied a month ago and were welcomed two days later
            Peer.objects.filter(pk=there.pk).update(
                applied_at=applied, decided_at=applied + timedelta(days=2)
            )
            made += 2  # the guide's consent and application
        return made
