"""What each role of a business may do: one map from role to capabilities, asked by the
console's pages, the API's endpoints and the services alike (least privilege).

- The **owner** may do everything, and alone may change the team and the shop's settings and
  approve payout runs.
- **Staff** run the business with the owner: everything but those owner-only changes (they
  read the team and the shop's settings).
- A **community manager** looks after the army and its work, and nothing else: peers and
  applications, superfans and invitations, blocks and claims, visitors' requests and
  matches, ratings and peers' reviews, support tickets and the FAQ. They never see money (rewards, payouts, the journal), never bring customers' data
  in or take it out (imports, CSV exports), and never change how the programs are set up.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Capability(StrEnum):
    PEOPLE = "people"  # peers, applications, superfans, invitations to the army
    WORK = "work"  # blocks and claims, visitors' requests, matches and match runs
    SETUP = "setup"  # programs, their limits and matching settings, the superfan scoring
    CUSTOMERS = "customers"  # customer imports, and every CSV export of personal data
    REWARDS = "rewards"  # reward rules, held rewards, vouchers, the journal, payout runs
    TEAM = "team"  # see who runs the business (changes are the owner's)
    SHOP = "shop"  # see the shop's settings (changes are the owner's)
    TRUST = "trust"  # ratings' moderation, verification records, reviews and suspensions
    SUPPORT = "support"  # tickets, canned replies and the FAQ


ALL = frozenset(Capability)

ROLE_CAPABILITIES = {
    "owner": ALL,
    "staff": ALL,
    "community": frozenset(
        {Capability.PEOPLE, Capability.WORK, Capability.TRUST, Capability.SUPPORT}
    ),
}

# What a person is told when their role stops them, by capability.
REFUSALS = {
    Capability.PEOPLE: _("Your role does not include the army's peers."),
    Capability.WORK: _("Your role does not include blocks and visitors' requests."),
    Capability.SETUP: _("Your role does not include setting up programs; ask the owner or staff."),
    Capability.CUSTOMERS: _(
        "Your role does not include importing or exporting customers' data; ask the owner or staff."
    ),
    Capability.REWARDS: _(
        "Your role does not include rewards and payouts; ask the owner or staff."
    ),
    Capability.TEAM: _("Your role does not include the team; ask the owner."),
    Capability.SHOP: _("Your role does not include the shop's settings; ask the owner."),
    Capability.TRUST: _("Your role does not include ratings and peers' reviews."),
    Capability.SUPPORT: _("Your role does not include support tickets."),
}

ROLE_SUMMARIES = {
    "owner": _("Everything, including the team, the shop's settings and approving payouts."),
    "staff": _("Everything but the team, the shop's settings and approving payouts."),
    "community": pgettext_lazy(
        "role",
        "Peers, applications, superfans, blocks, visitors' requests, ratings and support; "
        "no money, no customer data in or out, no program set-up.",
    ),
}


def capabilities(role) -> frozenset:
    """The capabilities of `role` (none for a role this map does not know)."""
    return ROLE_CAPABILITIES.get(str(role), frozenset())


def can(role, capability) -> bool:
    return Capability(capability) in capabilities(role)
