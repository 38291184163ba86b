"""What `peerarmy ledger check` verifies of every chip-in campaign, from the rows up:

- a campaign's received total is the sum of its pledges' received amounts;
- a pledge paid by transfer received exactly what the statements' credits gave it;
- the campaign's account in the ledger holds what was received while it collects, and
  nothing once it is closed (the money became a voucher, or went back);
- a funded campaign's voucher is worth what friends gave plus the match.
"""

from __future__ import annotations

from django.db.models import Sum
from django_scopes import scopes_disabled

from peerarmy.rewards.checks import Violation
from peerarmy.rewards.models import AccountKind, Balance

from .models import BankCredit, Campaign, CampaignStatus, Pledge


def _campaign_balances(business_id) -> dict[int, int]:
    """campaign id → what its account shows (credits minus debits)."""
    prefix = "liabilities:chipin:campaign-"
    rows = (
        Balance.objects.filter(account__business_id=business_id, account__kind=AccountKind.CAMPAIGN)
        .values("account__name")
        .annotate(total=Sum("amount"))
    )
    return {int(r["account__name"][len(prefix) :]): -int(r["total"] or 0) for r in rows}


def check_campaigns(business_id) -> list[Violation]:
    found = []
    with scopes_disabled():
        received = dict(
            Pledge.objects.filter(business_id=business_id)
            .values("campaign_id")
            .annotate(total=Sum("received_minor"))
            .values_list("campaign_id", "total")
        )
        by_credits = dict(
            BankCredit.objects.filter(business_id=business_id, pledge__isnull=False)
            .values("pledge_id")
            .annotate(total=Sum("applied_minor"))
            .values_list("pledge_id", "total")
        )
        balances = _campaign_balances(business_id)
        campaigns = Campaign.objects.filter(business_id=business_id).select_related("voucher")
        for campaign in campaigns:
            got = int(received.get(campaign.pk) or 0)
            if got != campaign.received_minor:
                found.append(
                    Violation(
                        "campaign_received",
                        f"campaign {campaign.code}: received {campaign.received_minor} "
                        f"but its pledges received {got}",
                    )
                )
            held = balances.get(campaign.pk, 0)
            expected = 0 if campaign.is_closed else campaign.received_minor
            if held != expected:
                found.append(
                    Violation(
                        "campaign_account",
                        f"campaign {campaign.code} ({campaign.status}): its account holds "
                        f"{held}, expected {expected}",
                    )
                )
            if campaign.status == CampaignStatus.SUCCEEDED:
                worth = campaign.voucher.value_minor if campaign.voucher_id else 0
                if worth != campaign.received_minor + campaign.match_minor:
                    found.append(
                        Violation(
                            "campaign_voucher",
                            f"campaign {campaign.code}: the voucher is worth {worth}, "
                            f"not {campaign.received_minor + campaign.match_minor}",
                        )
                    )
        transfers = Pledge.objects.filter(
            business_id=business_id, paid_at_till=False, received_minor__gt=0
        ).only("id", "reference", "received_minor")
        for pledge in transfers:
            credited = int(by_credits.get(pledge.pk) or 0)
            if credited != pledge.received_minor:
                found.append(
                    Violation(
                        "pledge_credits",
                        f"pledge {pledge.reference}: received {pledge.received_minor} but the "
                        f"statements' credits gave it {credited}",
                    )
                )
    return found
