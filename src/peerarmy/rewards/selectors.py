"""Reads of rewards that the pages, the API and the commands share: lookups that raise
`NotFound` for another business's ids, lists, a peer's wallet, their movements with the reason
in words, statements, and the owner's overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, F, Prefetch, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.money import POINTS

from . import ledger, sql, statements
from .models import (
    Account,
    AccountKind,
    Badge,
    Balance,
    BatchStatus,
    Cause,
    Condition,
    Entry,
    Event,
    Payout,
    PayoutBatch,
    PayoutDetails,
    PayoutStatus,
    PeerBadge,
    PeerRewardChoice,
    ProgramRewards,
    Reward,
    RewardKind,
    RewardRule,
    RewardSettings,
    RewardStatus,
    Showcase,
    Transaction,
    Voucher,
)


def _pk(obj_or_id):
    return getattr(obj_or_id, "pk", obj_or_id)


# --- settings ----------------------------------------------------------------------------------


def settings_of(business) -> RewardSettings:
    """The business's rewards settings; the defaults (unsaved) until the owner sets them."""
    found = RewardSettings.objects.filter(business=business).first()
    return found or RewardSettings(business=business)


def program_rewards_of(business, program) -> ProgramRewards:
    """A program's budget and reward form; the defaults (unsaved) until the owner sets them."""
    found = ProgramRewards.objects.filter(business=business, program_id=_pk(program)).first()
    return found or ProgramRewards(business=business, program_id=_pk(program))


def program_rewards_by_program(business) -> dict[int, ProgramRewards]:
    return {r.program_id: r for r in ProgramRewards.objects.filter(business=business)}


def local_month(business, when: datetime) -> date:
    """The first day of the month of `when`, in the business's time zone."""
    local = timezone.localtime(when, business.tzinfo)
    return local.date().replace(day=1)


def spent_this_month(business, program, *, now=None) -> int:
    month = local_month(business, now or timezone.now())
    return ledger.budget_spent(business.pk, _pk(program), month)


def year_earned(business, peer_id, year) -> int:
    """What a peer earned in money (cash and shop credit) in a calendar year, in minor units."""
    from django.db import connection

    tz = business.tzinfo
    field_ = Reward._meta.get_field("created_at")
    start, end = (
        field_.get_db_prep_value(datetime(y, 1, 1, tzinfo=tz), connection) for y in (year, year + 1)
    )
    return sql.year_earned(business.pk, peer_id, start, end)


# --- rules, causes and badges ------------------------------------------------------------------


def rules(business, *, program=None, active=None):
    """The business's rules, by program then event."""
    found = RewardRule.objects.filter(business=business).select_related("badge", "cause")
    if program is not None:
        found = found.filter(program_id=_pk(program))
    if active is not None:
        found = found.filter(active=active)
    return found.order_by("program_id", "event", "id")


def rule_words(rule, currency) -> str:
    """What a rule gives, in the peer's words: "€15.00", "200 points", "a shop voucher of
    €10.00", "the badge “Night owl”", "€5.00 given to Cucine Popolari", and when, unless
    always."""
    from peerarmy.money import format_money

    amount = format_money(rule.amount, POINTS if rule.reward == RewardKind.POINTS else currency)
    if rule.from_event:
        amount = _("the amount promised")
    what = {
        RewardKind.CASH: amount,
        RewardKind.POINTS: amount,
        RewardKind.VOUCHER: _("a shop voucher of %(amount)s") % {"amount": amount},
        RewardKind.BADGE: _("the badge “%(name)s”")
        % {"name": rule.badge.name if rule.badge else ""},
        RewardKind.DONATION: _("%(amount)s given to %(cause)s")
        % {"amount": amount, "cause": rule.cause.name if rule.cause else ""},
    }.get(rule.reward, amount)
    when = {
        Condition.WEEKEND: _("on Saturdays and Sundays"),
        Condition.MIN_MINUTES: _("if it lasts at least %(n)s minutes") % {"n": rule.threshold},
        Condition.NTH: _("once you have done it %(n)s times") % {"n": rule.threshold},
        Condition.EVERY_NTH: _("every %(n)s times") % {"n": rule.threshold},
    }.get(rule.condition)
    return f"{what} ({when})" if when else what


def promised_rewards(business, event) -> dict[int, list[str]]:
    """{program id: what a peer gets when `event` happens in it, in words}, from the
    program's active rules (one query): what a proposal tells the peer they will earn."""
    found = {}
    for rule in rules(business, active=True).filter(event=event):
        found.setdefault(rule.program_id, []).append(rule_words(rule, business.currency))
    return found


def get_rule(business, rule_id, *, for_update=False) -> RewardRule:
    found = RewardRule.objects.filter(business=business, pk=rule_id)
    rule = (found.select_for_update() if for_update else found).first()
    if rule is None:
        raise NotFound()
    return rule


def causes(business, *, active=None):
    found = Cause.objects.filter(business=business)
    if active is not None:
        found = found.filter(active=active)
    return found.order_by("name_it", "id")


def active_cause(business, cause_id) -> Cause | None:
    return Cause.objects.filter(business=business, pk=cause_id, active=True).first()


def cause_of(business, cause_id) -> Cause | None:
    return Cause.objects.filter(business=business, pk=cause_id).first()


def badges(business):
    return Badge.objects.filter(business=business).order_by("slug", "id")


def badge_of(business, badge_id) -> Badge | None:
    return Badge.objects.filter(business=business, pk=badge_id).first()


def badge_slug_taken(business, slug) -> bool:
    return Badge.objects.filter(business=business, slug=slug).exists()


# --- rewards held over budget --------------------------------------------------------------------


def held_rewards(business, *, program=None):
    """Rewards waiting for the owner's decision, oldest first."""
    found = Reward.objects.filter(business=business, status=RewardStatus.HELD)
    if program is not None:
        found = found.filter(program_id=_pk(program))
    return found.select_related("peer", "program").order_by("created_at", "id")


def get_reward(business, reward_id, *, for_update=False) -> Reward:
    found = Reward.objects.filter(business=business, pk=_pk(reward_id))
    if for_update:
        found = found.select_for_update(of=("self",))
    reward = found.select_related("peer", "peer__user", "program").first()
    if reward is None:
        raise NotFound(_("No such reward."))
    return reward


def rewards_of_event(business, key):
    """The rewards an event's rules granted (their keys start with the event's)."""
    return list(Reward.objects.filter(business=business, key__startswith=key + ":"))


def reward_by_key(business, key) -> Reward | None:
    return Reward.objects.filter(business=business, key=key).first()


# --- the journal -----------------------------------------------------------------------------------


def transactions(business, *, peer=None, kind=None):
    """The business's transactions, newest first, each with its entries and their accounts
    (`entry_list`) and the id of its correction, if any (`correction_id`)."""
    found = (
        Transaction.objects.filter(business=business)
        .select_related("claim__block__program", "peer")
        .annotate(correction_id=F("reversed_by__id"))
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.filter(business=business)
                .select_related("account", "account__peer", "account__program", "account__cause")
                .order_by("id"),
                to_attr="entry_list",
            )
        )
        .order_by("-occurred_at", "-id")
    )
    if peer is not None:
        found = found.filter(peer_id=_pk(peer))
    if kind is not None:
        found = found.filter(kind=kind)
    return found


def get_transaction(business, transaction_id) -> Transaction:
    found = transactions(business).filter(pk=_pk(transaction_id)).first()
    if found is None:
        raise NotFound(_("No such transaction."))
    return found


def transaction_by_key(business, key) -> Transaction | None:
    return Transaction.objects.filter(business=business, key=key).first()


def entry_amount(business, transaction, account_id) -> int | None:
    """The amount a transaction moved on one account, or None if it did not touch it."""
    entry = Entry.objects.filter(
        business=business, transaction_id=_pk(transaction), account_id=account_id
    ).first()
    return None if entry is None else entry.amount


# --- vouchers --------------------------------------------------------------------------------------


def find_voucher(business, code) -> Voucher | None:
    """The voucher with this code, or None. The code is as its input reads it
    (`inputs.VoucherCode`: without spaces, in capitals)."""
    if not code:
        return None
    return Voucher.objects.filter(business=business, code=code).select_related("account").first()


def get_voucher(business, code) -> Voucher:
    voucher = find_voucher(business, code)
    if voucher is None:
        raise NotFound(_("No voucher has this code."))
    return voucher


def voucher_code_taken(business, code) -> bool:
    return Voucher.objects.filter(business=business, code=code).exists()


def voucher_remaining(voucher) -> int:
    """What is left on a voucher, in minor units."""
    return -ledger.balance(voucher.business_id, voucher.account_id)


def expired_vouchers(now):
    """Every business's expired vouchers (`Voucher.has_expired`, as a filter) with something
    left on them (the periodic sweep; run without scopes)."""
    return (
        Voucher.objects.filter(expires_at__lte=now, account__balances__amount__lt=0)
        .select_related("business")
        .distinct()
    )


# --- payouts ---------------------------------------------------------------------------------------


def batches(business, *, status=None, kind=None):
    """Payout batches, newest first, each with its `payout_count`."""
    found = PayoutBatch.objects.filter(business=business).annotate(payout_count=Count("payouts"))
    if status is not None:
        found = found.filter(status=status)
    if kind is not None:
        found = found.filter(kind=kind)
    return found.order_by("-created_at", "-id")


def get_batch(business, batch_id, *, for_update=False, with_lines=False) -> PayoutBatch:
    """The batch, with the people who prepared and approved it; `for_update` locks it;
    `with_lines` reads its payouts too (`batch.lines`, `batch.payout_count`), as the payout
    steps answer it."""
    found = PayoutBatch.objects.filter(business=business, pk=_pk(batch_id))
    if for_update:
        found = found.select_for_update(of=("self",))
    batch = found.select_related("prepared_by", "approved_by").first()
    if batch is None:
        raise NotFound(_("No such payout batch."))
    if with_lines:
        batch.lines = batch_lines(batch)
        batch.payout_count = len(batch.lines)
    return batch


def batch_lines(batch):
    """The batch's payouts, in order, with their peer or cause."""
    lines = list(
        Payout.objects.filter(business_id=batch.business_id, batch=batch)
        .select_related("peer", "peer__user", "cause")
        .order_by("id")
    )
    for line in lines:
        line.batch = batch
    return lines


def get_payout(business, payout_id, *, for_update=False) -> Payout:
    found = Payout.objects.filter(business=business, pk=_pk(payout_id))
    if for_update:
        found = found.select_for_update(of=("self",))
    payout = found.select_related("batch", "peer", "peer__user", "cause").first()
    if payout is None:
        raise NotFound(_("No such payout."))
    return payout


OPEN_PAYOUT = (PayoutStatus.INCLUDED, PayoutStatus.SENT)


def busy_payees(business, kind) -> set[int]:
    """Peers (or causes, for donations) with a payout in an open batch."""
    from .models import BatchKind

    column = {BatchKind.PEERS: "peer_id", BatchKind.DONATIONS: "cause_id"}.get(kind, "refund_id")
    return set(
        Payout.objects.filter(business=business, status__in=OPEN_PAYOUT).values_list(
            column, flat=True
        )
    )


def payable_balances(business, kind, unit):
    """[(account, shown balance)] of every peer (cause, refund) account with money to pay."""
    from .models import BatchKind

    accounts = Account.objects.filter(
        business=business,
        unit=unit,
        kind={
            BatchKind.PEERS: AccountKind.PEER_PAYABLE,
            BatchKind.DONATIONS: AccountKind.DONATIONS,
            BatchKind.REFUNDS: AccountKind.REFUND,
        }[kind],
    ).order_by("id")
    sums = dict(
        Balance.objects.filter(account__in=accounts)
        .values_list("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    return [(a, -int(sums.get(a.pk, 0))) for a in accounts if -int(sums.get(a.pk, 0)) > 0]


def payout_details_by_peer(business, peer_ids) -> dict[int, PayoutDetails]:
    return {
        d.peer_id: d
        for d in PayoutDetails.objects.filter(business=business, peer_id__in=list(peer_ids))
    }


def causes_by_id(business, cause_ids) -> dict[int, Cause]:
    return {c.pk: c for c in Cause.objects.filter(business=business, pk__in=list(cause_ids))}


# --- peers -------------------------------------------------------------------------------------------


def get_peer(business, peer_id):
    """The business's peer `peer_id`; `NotFound` for any other id."""
    from peerarmy.peers.selectors import get_peer

    return get_peer(business, peer_id)


def peer_names(business, peer_ids) -> dict[int, str]:
    from peerarmy.peers.models import Peer

    return dict(
        Peer.objects.filter(business=business, pk__in=list(peer_ids)).values_list(
            "pk", "display_name"
        )
    )


def choice_of(peer) -> PeerRewardChoice | None:
    return (
        PeerRewardChoice.objects.filter(business_id=peer.business_id, peer=peer)
        .select_related("cause")
        .first()
    )


def payout_details_of(peer) -> PayoutDetails | None:
    return PayoutDetails.objects.filter(business_id=peer.business_id, peer=peer).first()


def showcase_of(peer) -> Showcase | None:
    return Showcase.objects.filter(business_id=peer.business_id, peer=peer).first()


@dataclass
class PublicPage:
    """What a peer's public page shows: their page, themselves, their skills and badges."""

    showcase: Showcase
    peer: object
    skills: list
    badges: list


def public_showcase(business, peer_id) -> PublicPage:
    """A peer's page, only when they made it public and are active; `NotFound` otherwise."""
    from peerarmy.peers.models import PeerStatus

    page = (
        Showcase.objects.filter(
            business=business, peer_id=peer_id, public=True, peer__status=PeerStatus.ACTIVE
        )
        .select_related("peer")
        .prefetch_related("peer__skills")
        .first()
    )
    if page is None:
        raise NotFound()
    peer = page.peer
    return PublicPage(page, peer, list(peer.skills.all()), badges_of(peer))


def badges_of(peer):
    return list(
        PeerBadge.objects.filter(business_id=peer.business_id, peer=peer).select_related("badge")
    )


def choice_allowed(business, peer) -> bool:
    """A program the peer works in, or may join, lets peers choose the form of rewards."""
    from peerarmy.programs.models import ProgramStatus

    theirs = Reward.objects.filter(business=business, peer=peer).values("program_id")
    return (
        ProgramRewards.objects.filter(business=business, peer_chooses=True)
        .filter(Q(program__status=ProgramStatus.PUBLISHED) | Q(program_id__in=theirs))
        .exists()
    )


def movements_count(peer) -> int:
    return Entry.objects.filter(
        business_id=peer.business_id,
        account__peer=peer,
        account__kind__in=[AccountKind.PEER_PAYABLE, AccountKind.PEER_POINTS],
    ).count()


# --- a peer's wallet ----------------------------------------------------------------------------


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
        Voucher.objects.filter(business=business)
        .filter(Q(peer=peer) | Q(user_id=peer.user_id))
        .order_by("-created_at")
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


def movements(peer, *, start=None, end=None, offset=0, limit=None) -> list[Movement]:
    """Every entry on the peer's balances (money and points), newest first, with its reason;
    `limit` of them from the `offset`-th (a page), or all."""
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
    if offset or limit:
        entries = entries[offset : offset + limit if limit else None]
    business = peer.business
    return [
        Movement(
            id=e.pk,
            when=e.created_at,
            unit=e.unit,
            amount=-e.amount,
            reason=describe(e.transaction, business),
            link=_link(e.transaction, business),
            # the journal's number of the movement, which the owner finds in the console's
            # journal; never the transaction's key ("block.completed:76"), an engineer's word
            reference=str(e.transaction_id),
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
    if reason.startswith("sharing."):
        lang = (get_language() or business.default_language)[:2]
        words = {
            "asset": args.get(f"asset_{lang}") or args.get("asset_it", ""),
            "code": args.get("booking", ""),
            "sponsor": args.get("sponsor", ""),
        }
        if reason == "sharing.rental":
            return _("Rental of %(asset)s (booking %(code)s)") % words
        if reason == "sharing.fees":
            return _("Late return or damage on %(asset)s (booking %(code)s)") % words
        if reason == "sharing.paid":
            return _("Payment for booking %(code)s") % words
        if reason == "sharing.given_back":
            return _("Given back for booking %(code)s") % words
        if reason == "sharing.sponsor_fee":
            return _("Sponsor's fee: %(sponsor)s") % words
    if reason.startswith("resale."):
        words = {"title": args.get("title", "")}
        if reason == "resale.sold":
            return _("Sale of your used item “%(title)s”") % words
        if reason == "resale.returned":
            return _("“%(title)s” brought back by its buyer") % words
        if reason == "resale.paid":
            return _("Your share of the sale of “%(title)s”") % words
        if reason == "resale.paid_ahead":
            return _("“%(title)s” paid ahead by transfer") % words
        if reason == "resale.trade_in":
            return _("“%(title)s” traded in for shop credit") % words
    return txn.get_kind_display()


def account_words(account: Account) -> str:
    """A ledger account as the owner names it ("Owed to Giulia R.", "Rewards: Bike tours"),
    never its path in the plain-text journal ("liabilities:peers:12:payable"), which only
    the journal's download keeps. Reads the account's peer, program and cause (select them)."""
    kind = account.kind
    if kind == AccountKind.PEER_PAYABLE and account.peer_id:
        return _("Owed to %(peer)s") % {"peer": account.peer.display_name}
    if kind == AccountKind.PEER_POINTS and account.peer_id:
        return _("Points of %(peer)s") % {"peer": account.peer.display_name}
    if kind == AccountKind.REWARDS and account.program_id:
        return _("Rewards: %(program)s") % {"program": account.program.title}
    if kind == AccountKind.PERKS and account.program_id:
        return _("Perks: %(program)s") % {"program": account.program.title}
    if kind == AccountKind.DONATIONS and account.cause_id:
        return _("Donations owed to %(cause)s") % {"cause": account.cause.name}
    if kind == AccountKind.VOUCHER:
        return _("Voucher %(code)s") % {"code": account.name.rpartition(":")[2]}
    label = str(account.get_kind_display())
    return label[:1].upper() + label[1:]


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
    settings = settings_of(business)
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


# --- the console's "today" and first steps ---------------------------------------------------


def held_count(business) -> int:
    """Rewards held over a budget, waiting for the owner."""
    return Reward.objects.filter(business=business, status=RewardStatus.HELD).count()


def batches_to_approve(business) -> list[PayoutBatch]:
    return list(
        PayoutBatch.objects.filter(business=business, status=BatchStatus.PREPARED).order_by(
            "created_at", "pk"
        )
    )


def has_bank_account(business) -> bool:
    return RewardSettings.objects.filter(business=business).exclude(debtor_iban="").exists()


def bank_account_summary(business) -> dict | None:
    """The account payouts leave from, masked, for the shop's settings page; None if unset."""
    from .iban import mask_iban

    found = (
        RewardSettings.objects.filter(business=business)
        .exclude(debtor_iban="")
        .values("debtor_name", "debtor_iban")
        .first()
    )
    if found is None:
        return None
    return {"holder": found["debtor_name"], "iban": mask_iban(found["debtor_iban"])}


def has_rewards(business) -> bool:
    return Reward.objects.filter(business=business, status=RewardStatus.POSTED).exists()


# --- money owed back, and vouchers bought ------------------------------------------------------


def get_refund(business, refund, *, for_update=False):
    from .models import Refund

    rows = Refund.objects.filter(business=business)
    if for_update:
        rows = rows.select_for_update()
    found = rows.filter(pk=getattr(refund, "pk", refund)).first()
    if found is None:
        raise NotFound(_("No such refund."))
    return found


def refund_in_open_batch(business, refund) -> bool:
    return Payout.objects.filter(
        business=business, refund_id=refund.pk, status__in=OPEN_PAYOUT
    ).exists()


def refunds_by_account(business, account_ids) -> dict:
    from .models import Refund

    return {
        r.account_id: r
        for r in Refund.objects.filter(business=business, account_id__in=list(account_ids))
    }


def voucher_of_cause(business, key):
    return Voucher.objects.filter(business=business, cause_key=key).first()


def vouchers_of_user(business, user) -> list[tuple[Voucher, int]]:
    """A person's vouchers (a funded campaign's, a pledge turned into a gift), each with what
    is left on it."""
    own = list(Voucher.objects.filter(business=business, user=user).order_by("-created_at"))
    left = dict(
        Balance.objects.filter(account_id__in=[v.account_id for v in own])
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    return [(v, -int(left.get(v.account_id, 0))) for v in own]


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def reward_totals(peer, *, since=None, until=None) -> list[tuple]:
    """(kind, unit, cause id, total) of the rewards posted to the peer that were granted in
    [since, until) (either end open when None), without those whose posting was corrected
    (reversed) since: what the peer earned, by the form it took."""
    rows = Reward.objects.filter(
        business_id=peer.business_id,
        peer=peer,
        status=RewardStatus.POSTED,
        transaction__reversed_by__isnull=True,
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return [
        (row["kind"], row["unit"], row["cause_id"], int(row["total"]))
        for row in rows.values("kind", "unit", "cause_id")
        .annotate(total=Sum("amount"))
        .order_by("kind", "unit", "cause_id")
    ]


def badges_awarded(peer, *, since=None, until=None) -> list[PeerBadge]:
    """The peer's badges awarded in [since, until), newest first, with their badge."""
    rows = PeerBadge.objects.filter(business_id=peer.business_id, peer=peer)
    if since is not None:
        rows = rows.filter(awarded_at__gte=since)
    if until is not None:
        rows = rows.filter(awarded_at__lt=until)
    return list(rows.select_related("badge").order_by("-awarded_at", "-pk"))
