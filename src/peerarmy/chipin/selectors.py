"""Every read of chip-in that the services and the adapters need: lookups by id raise
`NotFound` (another business's id answers like one never used), lists for the pages and the
API, the figures of a campaign's page, and the sweeps' work lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound

from . import funding
from .models import (
    HOLDING,
    BankCredit,
    Campaign,
    CampaignStatus,
    ChipInSettings,
    CreditStatus,
    Pledge,
    PledgeStatus,
    Product,
    ShareLink,
    SharerKind,
    StatementUpload,
)

PAID = (PledgeStatus.RECEIVED, PledgeStatus.PARTLY_PAID)


def get_program(business, program_id):
    from peerarmy.programs.selectors import get_program as program

    return program(business, program_id)


def chipin_programs(business, *, published=True):
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

    rows = Program.objects.filter(business=business, kind=ProgramKind.CHIP_IN)
    if published:
        rows = rows.filter(status=ProgramStatus.PUBLISHED)
    return list(rows.order_by("id"))


def chipin_settings(business, program) -> ChipInSettings:
    """The program's terms; unsaved defaults when the owner never set them."""
    program_id = getattr(program, "pk", program)
    found = ChipInSettings.objects.filter(business=business, program_id=program_id).first()
    return found or ChipInSettings(business=business, program_id=program_id)


# --- products --------------------------------------------------------------------------------


def get_product(business, product, *, for_update=False) -> Product:
    rows = Product.objects.filter(business=business)
    if for_update:
        rows = rows.select_for_update()
    found = rows.filter(pk=getattr(product, "pk", product)).first()
    if found is None:
        raise NotFound(_("No such product."))
    return found


def find_product(business, product_id) -> Product | None:
    return Product.objects.filter(business=business, pk=product_id).first()


def product_has_campaigns(product) -> bool:
    return Campaign.objects.filter(business_id=product.business_id, product=product).exists()


def products(business, *, active_only=False, search=""):
    rows = Product.objects.filter(business=business)
    if active_only:
        rows = rows.filter(active=True)
    if search:
        rows = rows.filter(
            Q(name_it__icontains=search)
            | Q(name_en__icontains=search)
            | Q(handle__icontains=search)
        )
    return rows.order_by("name_it", "id")


# --- campaigns -------------------------------------------------------------------------------


def get_campaign(business, campaign, *, for_update=False) -> Campaign:
    rows = Campaign.objects.filter(business=business).select_related("product", "business")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=getattr(campaign, "pk", campaign)).first()
    if found is None:
        raise NotFound(_("No such campaign."))
    return found


def campaign_by_code(business, code) -> Campaign:
    found = (
        Campaign.objects.filter(business=business, code=code)
        .select_related("product", "business")
        .first()
    )
    if found is None:
        raise NotFound(_("No such campaign."))
    return found


def campaigns(business, *, status=None, search=""):
    rows = Campaign.objects.filter(business=business).select_related("product")
    if status:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(beneficiary_name__icontains=search))
    return rows.order_by("-created_at", "-id")


def public_campaigns(business, limit=6):
    return list(
        Campaign.objects.filter(business=business, public=True, status=CampaignStatus.RUNNING)
        .select_related("product")
        .order_by("deadline")[:limit]
    )


def campaigns_of_user(business, user):
    return list(
        Campaign.objects.filter(business=business, beneficiary=user)
        .select_related("product", "voucher")
        .order_by("-created_at")
    )


def progress(campaign) -> funding.Progress:
    return funding.progress(
        campaign.goal_minor,
        campaign.received_minor,
        campaign.pledged_minor,
        campaign.match_percent,
        campaign.match_cap_minor,
    )


def still_needed(campaign) -> int | None:
    if campaign.pledge_ceiling_minor is None:
        return None
    return funding.still_needed(campaign.pledged_minor, campaign.pledge_ceiling_minor)


def due_campaigns(now):
    return Campaign.objects.filter(status=CampaignStatus.RUNNING, deadline__lte=now).order_by(
        "deadline"
    )


# --- share links and sharers -----------------------------------------------------------------


def beneficiary_link(campaign) -> ShareLink:
    return ShareLink.objects.filter(
        business_id=campaign.business_id, campaign=campaign, kind=SharerKind.BENEFICIARY
    ).first()


def share_link_by_token(business, campaign, token) -> ShareLink | None:
    return ShareLink.objects.filter(business=business, campaign=campaign, token=token).first()


@dataclass(frozen=True)
class Sharer:
    name: str
    kind: str
    pledges: int  # received
    amount_minor: int
    new_customers: int


def sharers(campaign) -> list[Sharer]:
    """Who brought pledges, most first: received pledges, their amount, new customers."""
    rows = (
        ShareLink.objects.filter(business_id=campaign.business_id, campaign=campaign)
        .annotate(
            got=Count("pledges", filter=Q(pledges__status__in=PAID)),
            amount=Sum("pledges__received_minor", filter=Q(pledges__status__in=PAID)),
            new=Count("pledges", filter=Q(pledges__status__in=PAID, pledges__new_customer=True)),
        )
        .order_by("-got", "name")
    )
    return [Sharer(r.name, r.kind, r.got, int(r.amount or 0), r.new) for r in rows]


def sharing_peers_with_received(campaign) -> list[int]:
    return list(
        ShareLink.objects.filter(
            business_id=campaign.business_id,
            campaign=campaign,
            peer__isnull=False,
            pledges__status__in=PAID,
        )
        .values_list("peer_id", flat=True)
        .distinct()
    )


def peer_of(business, user):
    from peerarmy.peers.selectors import peer_for_user

    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return peer_for_user(business, user)


def customer_of(business, email):
    from peerarmy.customers.models import Customer

    return Customer.objects.filter(business=business, email__iexact=email).first()


# --- pledges ---------------------------------------------------------------------------------


def get_pledge(business, pledge, *, for_update=False) -> Pledge:
    rows = Pledge.objects.filter(business=business).select_related("campaign")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=getattr(pledge, "pk", pledge)).first()
    if found is None:
        raise NotFound(_("No such pledge."))
    return found


def pledge_by_token(business, digest, *, for_update=False) -> Pledge:
    rows = Pledge.objects.filter(business=business, token_hash=digest).select_related("campaign")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.first()
    if found is None:
        raise NotFound(_("This link is not valid: it may have been mistyped."))
    return found


def pledges(business, *, campaign=None, status=None, search=""):
    rows = Pledge.objects.filter(business=business).select_related("campaign", "share_link")
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    if status:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(reference__icontains=search)
        )
    return rows.order_by("-created_at", "-id")


def public_pledges(campaign, limit=50):
    """The page's list: received pledges, newest first (names or "anonymous")."""
    return list(
        Pledge.objects.filter(business_id=campaign.business_id, campaign=campaign, status__in=PAID)
        .select_related("share_link")
        .only(
            "name",
            "anonymous",
            "message",
            "amount_minor",
            "received_minor",
            "received_at",
            "currency",
            "share_link__name",
        )
        .order_by("-received_at", "-id")[:limit]
    )


def paid_pledges(campaign):
    return Pledge.objects.filter(
        business_id=campaign.business_id, campaign=campaign, status__in=PAID
    )


def pledges_with_money(campaign):
    return list(
        Pledge.objects.filter(
            business_id=campaign.business_id, campaign=campaign, received_minor__gt=0
        ).order_by("id")
    )


def unconfirmed_count(campaign, email) -> int:
    return Pledge.objects.filter(
        business_id=campaign.business_id,
        campaign=campaign,
        email__iexact=email,
        status=PledgeStatus.UNCONFIRMED,
    ).count()


def pledges_to_lapse(now):
    return list(
        Pledge.objects.filter(
            status__in=(PledgeStatus.UNCONFIRMED, PledgeStatus.AWAITING),
            received_minor=0,
            hold_until__lte=now,
        ).only("id", "campaign_id", "amount_minor")
    )


def open_pledges_by_reference(business, references):
    return {
        p.reference: p
        for p in Pledge.objects.filter(business=business, reference__in=list(references))
    }


def holding(status) -> bool:
    return status in HOLDING


# --- the bank --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankDetails:
    holder: str
    iban: str
    bic: str


def bank_details(business) -> BankDetails | None:
    """Where friends send their pledges: the business's account (the rewards settings')."""
    from peerarmy.rewards.models import RewardSettings

    found = RewardSettings.objects.filter(business=business).exclude(debtor_iban="").first()
    if found is None:
        return None
    return BankDetails(found.debtor_name, found.debtor_iban, found.debtor_bic)


def statements(business):
    return StatementUpload.objects.filter(business=business).order_by("-uploaded_at", "-id")


def get_statement(business, statement) -> StatementUpload:
    found = StatementUpload.objects.filter(
        business=business, pk=getattr(statement, "pk", statement)
    ).first()
    if found is None:
        raise NotFound(_("No such statement."))
    return found


def credits(business, *, statement=None, status=None):
    rows = BankCredit.objects.filter(business=business).select_related(
        "pledge", "suggested_pledge", "pledge__campaign", "suggested_pledge__campaign"
    )
    if statement is not None:
        rows = rows.filter(statement=statement)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("booked_on", "line", "id")


def get_credit(business, credit, *, for_update=False) -> BankCredit:
    rows = BankCredit.objects.filter(business=business)
    if for_update:
        rows = rows.select_for_update()
    found = rows.filter(pk=getattr(credit, "pk", credit)).first()
    if found is None:
        raise NotFound(_("No such bank credit."))
    return found


def open_credits_count(business) -> int:
    return BankCredit.objects.filter(
        business=business, status__in=(CreditStatus.SUGGESTED, CreditStatus.UNMATCHED)
    ).count()


# --- money owed back -------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundRow:
    refund: object  # rewards.models.Refund
    owed_minor: int  # still to give back (its ledger account's balance)


def refunds(business) -> list[RefundRow]:
    """Money chip-in owes back to payers (a campaign not funded or cancelled, a payment made
    twice or for nothing), each with what is still owed: those still owed first."""
    from peerarmy.rewards.models import Refund
    from peerarmy.rewards.money_in import refund_owed

    rows = [
        RefundRow(refund, refund_owed(refund))
        for refund in Refund.objects.filter(business=business, key__startswith="chipin-")
        .select_related("business")
        .order_by("-created_at", "-id")
    ]
    return sorted(rows, key=lambda row: row.owed_minor <= 0)


def business_of_pledge_token(digest):
    """The business of the pledge whose confirmation link has this token's hash, looked up
    across businesses: the API's public confirmation names no business, only the token (a
    secret of 24 random bytes, so it names one pledge). None for a token never issued."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        found = Pledge.objects.filter(token_hash=digest).select_related("business").first()
    return found.business if found is not None else None


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def pledges_brought_by(peer, *, since=None, until=None) -> list[tuple]:
    """(campaign id, amount received, currency) of each pledge that came through one of the
    peer's share links and was paid (in full or in part), by when its money arrived in
    [since, until): the campaigns the peer helped, as chip-in credits them."""
    rows = Pledge.objects.filter(
        business_id=peer.business_id, share_link__peer=peer, status__in=PAID
    )
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    if until is not None:
        rows = rows.filter(received_at__lt=until)
    return list(rows.order_by("pk").values_list("campaign_id", "received_minor", "currency"))
