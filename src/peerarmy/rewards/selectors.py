"""Reads that the pages and the API share: a peer's wallet, their movements with the reason in
words, statements, and the owner's overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Count, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import ledger, statements
from .ledger import POINTS
from .models import (
    Account,
    AccountKind,
    Balance,
    Cause,
    Entry,
    Event,
    Payout,
    PayoutBatch,
    PayoutStatus,
    PeerBadge,
    Reward,
    RewardKind,
    RewardStatus,
    Transaction,
    Voucher,
)
from .services import rewards_settings, year_earned


@dataclass
class Movement:
    id: int
    when: datetime
    unit: str
    amount: int  # as the peer reads it: + earned, - paid out or spent
    reason: str
    link: str = ""
    reference: str = ""
    kind: str = ""


@dataclass
class Wallet:
    currency: str
    pending: int  # rewards waiting for the owner (over budget)
    payable: int  # earned, not yet in a payout
    in_transit: int  # in a payout sent to the bank
    paid: int  # paid out, all time
    points: int
    year: int
    year_earned: int
    vouchers: list = field(default_factory=list)  # (voucher, remaining)
    badges: list = field(default_factory=list)
    donations: list = field(default_factory=list)  # (cause, total)
    held: list = field(default_factory=list)


def wallet(peer, *, now=None) -> Wallet:
    business = peer.business
    currency = business.currency or "EUR"
    now = now or timezone.now()
    shown = ledger.shown_balances(
        business.pk,
        [
            (f"liabilities:peers:{peer.pk}:payable", currency),
            (f"liabilities:peers:{peer.pk}:points", POINTS),
        ],
    )
    held = list(
        Reward.objects.filter(business=business, peer=peer, status=RewardStatus.HELD)
        .select_related("program")
        .order_by("-created_at")
    )
    payouts = Payout.objects.filter(business=business, peer=peer)
    in_transit = payouts.filter(status=PayoutStatus.SENT).aggregate(t=Sum("amount_minor"))["t"]
    paid = payouts.filter(status=PayoutStatus.PAID).aggregate(t=Sum("amount_minor"))["t"]
    own_vouchers = list(
        Voucher.objects.filter(business=business, peer=peer).order_by("-created_at")
    )
    left = dict(
        Balance.objects.filter(account_id__in=[v.account_id for v in own_vouchers])
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    vouchers = [(v, -int(left.get(v.account_id, 0))) for v in own_vouchers]
    donations = (
        Reward.objects.filter(
            business=business, peer=peer, status=RewardStatus.POSTED, kind=RewardKind.DONATION
        )
        .values("cause")
        .annotate(total=Sum("amount"))
    )
    causes = {c.pk: c for c in Cause.objects.filter(business=business)}
    year = timezone.localtime(now, business.tzinfo).year
    return Wallet(
        currency=currency,
        pending=sum(r.amount for r in held if r.unit == currency),
        payable=shown.get((f"liabilities:peers:{peer.pk}:payable", currency), 0),
        in_transit=int(in_transit or 0),
        paid=int(paid or 0),
        points=shown.get((f"liabilities:peers:{peer.pk}:points", POINTS), 0),
        year=year,
        year_earned=year_earned(business, peer.pk, year),
        vouchers=vouchers,
        badges=list(PeerBadge.objects.filter(peer=peer).select_related("badge")),
        donations=[(causes.get(d["cause"]), int(d["total"])) for d in donations],
        held=held,
    )


def _peer_accounts(peer):
    return list(
        Account.objects.filter(
            business_id=peer.business_id,
            peer=peer,
            kind__in=[AccountKind.PEER_PAYABLE, AccountKind.PEER_POINTS],
        )
    )


def movements(peer, *, start=None, end=None, limit=None) -> list[Movement]:
    """Every entry on the peer's balances (money and points), newest first, with its reason."""
    accounts = _peer_accounts(peer)
    entries = (
        Entry.objects.filter(business_id=peer.business_id, account__in=accounts)
        .select_related("transaction", "transaction__claim__block__program")
        .order_by("-created_at", "-id")
    )
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    if end is not None:
        entries = entries.filter(created_at__lt=end)
    if limit:
        entries = entries[:limit]
    business = peer.business
    return [
        Movement(
            id=e.pk,
            when=e.created_at,
            unit=e.unit,
            amount=-e.amount,
            reason=describe(e.transaction, business),
            link=_link(e.transaction, business),
            reference=e.transaction.key.split(":rule-")[0],
            kind=e.transaction.kind,
        )
        for e in entries
    ]


def describe(txn: Transaction, business) -> str:
    """The reason of a transaction in words, in the active language."""
    args = txn.reason_args or {}
    claim = txn.claim if txn.claim_id else None
    block = claim.block if claim is not None else None
    when = ""
    if block is not None:
        when = timezone.localtime(block.starts_at, business.tzinfo).strftime("%d/%m/%Y %H:%M")
    reason = txn.reason
    if reason.startswith("reward."):
        if block is not None:
            text = _("%(program)s, %(when)s: block completed") % {
                "program": block.program.title,
                "when": when,
            }
        else:
            event = args.get("event", "")
            label = Event(event).label if event in Event.values else event
            text = _("Reward: %(event)s") % {"event": label}
        if reason == "reward.points":
            extra = _("in points")
        elif reason == "reward.voucher":
            extra = _("as shop credit, voucher %(code)s") % {"code": args.get("voucher")}
        elif reason == "reward.donation":
            extra = _("donated to %(cause)s in your name") % {
                "cause": _cause_name(business, args.get("cause"))
            }
        else:
            extra = ""
        return f"{text} ({extra})" if extra else text
    if reason == "payout.sent":
        return _("Payout to your bank account (batch %(batch)s)") % {"batch": args.get("batch")}
    if reason == "payout.paid":
        return _("Payout confirmed by the bank")
    if reason == "payout.returned":
        return _("Payout returned by the bank: %(why)s") % {"why": txn.memo}
    if reason == "voucher.redeemed":
        return _("Voucher %(code)s used in the shop") % {"code": args.get("voucher")}
    if reason == "voucher.expired":
        return _("Voucher %(code)s expired") % {"code": args.get("voucher")}
    if reason == "points.converted":
        return _("%(points)s points turned into voucher %(code)s") % {
            "points": args.get("points"),
            "code": args.get("voucher"),
        }
    if reason == "match.perks":
        lang = (get_language() or business.default_language)[:2]
        names = args.get(f"perks_{lang}") or args.get("perks_it") or []
        return _("Perks of match %(match)s, paid back: %(perks)s") % {
            "match": args.get("match"),
            "perks": ", ".join(names),
        }
    if reason == "adjustment":
        return _("Adjustment: %(why)s") % {"why": txn.memo}
    if reason == "reversal":
        return _("Correction of transaction %(id)s: %(why)s") % {
            "id": args.get("of"),
            "why": txn.memo,
        }
    return txn.get_kind_display()


def _cause_name(business, cause_id):
    cause = Cause.objects.filter(business=business, pk=cause_id).first()
    return cause.name if cause else _("a cause")


def _link(txn, business):
    if txn.claim_id:
        try:
            return reverse("web:my_blocks", kwargs={"business_slug": business.slug})
        except NoReverseMatch:
            return ""
    return ""


# --- statements ------------------------------------------------------------------------------


def statement(peer, year: int, month: int | None, language: str | None = None):
    """The peer's statement of a month (or a whole year) in money, with points alongside."""
    business = peer.business
    language = (language or get_language() or business.default_language)[:2]
    first, last = statements.period_bounds(year, month)
    tz = business.tzinfo
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last, time.max, tzinfo=tz)
    currency = business.currency or "EUR"
    accounts = {a.unit: a for a in _peer_accounts(peer)}
    opening = {}
    for unit, account in accounts.items():
        before = Entry.objects.filter(account=account, created_at__lt=start).aggregate(
            t=Sum("amount")
        )["t"]
        opening[unit] = -int(before or 0)
    moves = list(reversed(movements(peer, start=start, end=end)))
    balance = dict(opening)
    lines = []
    totals = {"earned": 0, "paid": 0, "donated": 0}
    for m in moves:
        balance[m.unit] = balance.get(m.unit, 0) + m.amount
        lines.append(
            statements.StatementLine(
                date=timezone.localtime(m.when, tz).date(),
                description=m.reason,
                reference=m.reference,
                amount_minor=m.amount,
                unit=m.unit,
                balance_minor=balance[m.unit],
            )
        )
        if m.unit == currency and m.kind == "reward" and m.amount > 0:
            totals["earned"] += m.amount
        if m.unit == currency and m.kind == "payout_sent":
            totals["paid"] += -m.amount
    donated = Reward.objects.filter(
        business=business,
        peer=peer,
        status=RewardStatus.POSTED,
        kind=RewardKind.DONATION,
        created_at__gte=start,
        created_at__lte=end,
    ).aggregate(t=Sum("amount"))["t"]
    totals["donated"] = int(donated or 0)
    return statements.Statement(
        business_name=business.name,
        peer_name=peer.display_name,
        period_label=statements.period_label(year, month, language),
        start=first,
        end=last,
        currency=currency,
        opening_minor=opening.get(currency, 0),
        closing_minor=balance.get(currency, opening.get(currency, 0)),
        lines=lines,
        totals=totals,
        language=language,
        points_opening=opening.get(POINTS, 0),
        points_closing=balance.get(POINTS, opening.get(POINTS, 0)),
    )


# --- the owner's overview --------------------------------------------------------------------


@dataclass
class Overview:
    currency: str
    owed_to_peers: int
    donations_owed: int
    in_transit: int
    held: list
    batches: list
    budgets: list  # (program, budget, spent this month)
    near_ceiling: list  # (peer, earned this year)
    vouchers_outstanding: int


def overview(business, *, now=None) -> Overview:
    from peerarmy.peers.models import Peer
    from peerarmy.programs.models import Program

    from .models import Balance, ProgramRewards
    from .services import local_month

    now = now or timezone.now()
    currency = business.currency or "EUR"

    def shown_total(kind):
        total = Balance.objects.filter(
            account__business=business, account__kind=kind, account__unit=currency
        ).aggregate(t=Sum("amount"))["t"]
        return -int(total or 0)

    month = local_month(business, now)
    spent = ledger.budget_spent_by_program(business.pk, month)
    limits = {
        p.program_id: p.monthly_budget_minor
        for p in ProgramRewards.objects.filter(business=business)
    }
    budgets = [
        (program, limits.get(program.pk), spent.get(program.pk, 0))
        for program in Program.objects.filter(business=business)
    ]
    settings = rewards_settings(business)
    near = []
    if settings.yearly_ceiling_minor:
        warn_at = settings.yearly_ceiling_minor * settings.ceiling_warning_percent // 100
        year = timezone.localtime(now, business.tzinfo).year
        start = datetime(year, 1, 1, tzinfo=business.tzinfo)
        rows = (
            Reward.objects.filter(
                business=business,
                status=RewardStatus.POSTED,
                kind__in=[RewardKind.CASH, RewardKind.VOUCHER],
                created_at__gte=start,
            )
            .values("peer")
            .annotate(total=Sum("amount"))
            .filter(total__gte=warn_at)
        )
        peers = {
            p.pk: p
            for p in Peer.objects.filter(business=business, pk__in=[r["peer"] for r in rows])
        }
        near = [(peers[r["peer"]], int(r["total"])) for r in rows]
    return Overview(
        currency=currency,
        owed_to_peers=shown_total(AccountKind.PEER_PAYABLE),
        donations_owed=shown_total(AccountKind.DONATIONS),
        in_transit=shown_total(AccountKind.IN_TRANSIT),
        held=list(
            Reward.objects.filter(business=business, status=RewardStatus.HELD)
            .select_related("peer", "program")
            .order_by("created_at")
        ),
        batches=list(
            PayoutBatch.objects.filter(business=business)
            .annotate(count=Count("payouts"))
            .order_by("-created_at")[:20]
        ),
        budgets=budgets,
        near_ceiling=near,
        vouchers_outstanding=shown_total(AccountKind.VOUCHER),
    )
