"""How new work reaches the demo's peers: the settings real peers pick, through the peers'
own service, and the new-work sweep starting from the moment the demo is loaded (work that
opens afterwards is offered; the demo's existing schedule is not sent to everyone at once).

Most keep the defaults (at once, e-mail and web push, quiet from 22:00 to 08:00); a few
students want one evening digest and sleep late; one peer who only takes requests switched
new-work messages off; Giulia, who guides on weekends, wants no messages after 21:00."""

from django.utils import timezone

from peerarmy.offers.services import MARGIN
from peerarmy.peers.inputs import NotificationSettingsInput
from peerarmy.peers.models import OfferSweep, Peer, PeerStatus
from peerarmy.peers.services import update_notification_settings

GIULIA = "peer@bicigialla.example"
CHIARA = "chiara.miglietta@example.it"


def _choose(peer, **fields):
    update_notification_settings(
        business=peer.business,
        actor=peer.user,
        peer=peer,
        data=NotificationSettingsInput.parse(fields),
    )


def load_notification_settings(business) -> int:
    """Give some of the business's active peers their own settings; return how many."""
    # The sweep looks back MARGIN before its last look (for late commits); the demo's rows were
    # all written in the last moments (after the loader's own `now`), and are not news.
    OfferSweep.objects.update_or_create(
        business=business,
        defaults={"looked_until": timezone.now() + MARGIN, "leased_until": None},
    )
    peers = list(
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE)
        .select_related("user", "business")
        .order_by("pk")
    )
    chosen = 0
    for n, peer in enumerate(peers):
        if peer.user.email == GIULIA:
            _choose(peer, quiet_start="21:00", quiet_end="08:00")
        elif peer.user.email == CHIARA:
            _choose(peer, new_work="digest", digest_hour=19, quiet_start="00:00", quiet_end="10:00")
        elif n % 7 == 3:
            _choose(peer, new_work="digest", digest_hour=18)
        elif n % 11 == 5:
            _choose(peer, new_work="off")
        elif n % 13 == 6:
            _choose(peer, email=True, push=True, quiet_start=None, quiet_end=None)
        else:
            continue  # the defaults
        chosen += 1
    return chosen
