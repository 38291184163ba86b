"""People's rights (GDPR) for rewards: a peer's wallet and its movements, their rewards, vouchers,
badges, public page, bank details and payouts, and the money owed back to a payer (see
`tenancy.privacy` for the interface).

The ledger is never changed: its entries keep pointing at the peer's accounts, which are named
by the peer's number (`liabilities:peers:<id>:payable`), and the peer row they lead to is what
erasure anonymises. The books therefore stay balanced, and `peerarmy ledger check` passes.

Money still owed to the person stops an erasure until it is paid: a wallet balance, a payout
on its way, a reward waiting for the owner, a refund not yet given back. Points and unused
vouchers are shop credit, not money: they lapse with the erasure (the person is told first).

Payment records are kept, as the law on accounting records asks (ten years, art. 2220 of the
Italian civil code; GDPR art. 17(3)(b)): a payout that reached the bank keeps the holder and
IBAN it was sent to, and so does a refund paid by transfer. The saved bank details for future
payouts, the public page and the voucher's link to the account go."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.money import format_money
from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import by_email, rows, words

from . import ledger, selectors
from .models import (
    Payout,
    PayoutDetails,
    PayoutStatus,
    PeerBadge,
    PeerRewardChoice,
    Refund,
    Reward,
    Showcase,
    Voucher,
)

TABLES = {
    "wallet": gettext_lazy("Your balances: money owed to you, in transit, paid, and points."),
    "movements": gettext_lazy("Every movement of your money and points, with its reason."),
    "rewards": gettext_lazy("The rewards you earned, and any an owner held or declined."),
    "vouchers": gettext_lazy("Your vouchers for the shop."),
    "badges": gettext_lazy("Your badges."),
    "public_page": gettext_lazy("Your public page, if you made one."),
    "reward_choice": gettext_lazy("The form you chose for your rewards."),
    "bank_details": gettext_lazy("The bank account you gave for your payouts."),
    "payouts": gettext_lazy("The payouts sent to your bank account."),
    "refunds": gettext_lazy("Money the shop owed you back, and how it was given back."),
}

# A payout that reached the bank is a payment record; one cancelled before was never sent.
SENT_TO_BANK = (PayoutStatus.SENT, PayoutStatus.PAID, PayoutStatus.RETURNED)


def _refunds(business, emails):
    return by_email(Refund.objects.filter(business=business), emails)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    peer = peer_of(business, user)
    refunds = rows(
        _refunds(business, emails).order_by("created_at"),
        [
            "holder",
            "iban",
            "email",
            ("amount_cents", "amount_minor"),
            "currency",
            "remittance",
            "created_at",
            "settled_at",
            "at_till",
        ],
    )
    if peer is None:
        vouchers = Voucher.objects.filter(business=business, user=user) if user else None
        return {
            **{label: [] for label in TABLES},
            "vouchers": _vouchers(vouchers) if vouchers is not None else [],
            "refunds": refunds,
        }
    found = selectors.wallet(peer)
    wallet = [
        {
            "currency": found.currency,
            "owed_to_you_cents": found.payable,
            "waiting_for_the_owner_cents": found.pending,
            "in_transit_cents": found.in_transit,
            "paid_cents": found.paid,
            "points": found.points,
        }
    ]
    movements = [
        {
            "when": m.when.isoformat(),
            "unit": m.unit,
            "amount": m.amount,
            "reason": m.reason,
            "reference": m.reference,
            "kind": m.kind,
        }
        for m in selectors.movements(peer)
    ]
    own_vouchers = Voucher.objects.filter(business=business).filter(
        Q(peer=peer) | (Q(user=user) if user else Q(pk__in=[]))
    )
    return {
        "wallet": wallet,
        "movements": movements,
        "rewards": rows(
            Reward.objects.filter(business=business, peer=peer).order_by("created_at", "pk"),
            [
                ("program", "program__title_en"),
                "event",
                "kind",
                "amount",
                "unit",
                "status",
                "created_at",
                "decided_at",
                "decline_reason",
            ],
        ),
        "vouchers": _vouchers(own_vouchers),
        "badges": rows(
            PeerBadge.objects.filter(business=business, peer=peer).order_by("awarded_at"),
            [("badge", "badge__name_en"), ("badge_it", "badge__name_it"), "awarded_at"],
        ),
        "public_page": rows(
            Showcase.objects.filter(business=business, peer=peer), ["public", "headline"]
        ),
        "reward_choice": rows(
            PeerRewardChoice.objects.filter(business=business, peer=peer),
            ["form", ("cause", "cause__name_en"), "updated_at"],
        ),
        "bank_details": rows(
            PayoutDetails.objects.filter(business=business, peer=peer),
            ["account_holder", "iban", "bic", "updated_at"],
        ),
        "payouts": rows(
            Payout.objects.filter(business=business, peer=peer).order_by("pk"),
            [
                ("amount_cents", "amount_minor"),
                ("currency", "batch__currency"),
                "status",
                "account_holder",
                "iban",
                "bic",
                "end_to_end_id",
                ("execution_date", "batch__execution_date"),
                "return_reason",
            ],
        ),
        "refunds": refunds,
    }


def _vouchers(queryset):
    return [
        {
            "code": voucher.code,
            "value_cents": voucher.value_minor,
            "currency": voucher.currency,
            "left_cents": selectors.voucher_remaining(voucher),
            "created_at": voucher.created_at.isoformat(),
            "expires_at": voucher.expires_at.isoformat(),
        }
        for voucher in queryset.order_by("created_at", "pk")
    ]


def blockers(business, *, user, emails, now) -> list[str]:
    found = []
    peer = peer_of(business, user)
    if peer is not None:
        wallet = selectors.wallet(peer, now=now)
        money = wallet.currency
        if wallet.payable > 0:
            found.append(
                _(
                    "%(amount)s is still owed to you: it is paid in the next payout run to "
                    "the bank account you gave. Ask again once it is paid."
                )
                % {"amount": format_money(wallet.payable, money)}
            )
        on_its_way = Payout.objects.filter(
            business=business, peer=peer, status__in=selectors.OPEN_PAYOUT
        ).exists()
        if on_its_way:
            found.append(_("A payout to you is on its way to your bank: wait until it is paid."))
        if wallet.pending > 0:
            found.append(
                _("Rewards of %(amount)s wait for the owner's decision.")
                % {"amount": format_money(wallet.pending, money)}
            )
    for refund in _refunds(business, emails).filter(settled_at__isnull=True):
        owed = -ledger.balance(business.pk, refund.account_id)
        if owed > 0:
            found.append(
                _("%(amount)s is owed back to you: the shop gives it back first.")
                % {"amount": format_money(owed, refund.currency)}
            )
    return found


def erase(business, *, user, emails, now) -> int:
    changed = 0
    for refund in _refunds(business, emails):
        paid_by_bank = refund.payouts.filter(status__in=SENT_TO_BANK).exists()
        refund.email = ""
        if not paid_by_bank:
            refund.holder = words(business, gettext_lazy("Former customer"))
            refund.iban = refund.bic = ""
        refund.save(update_fields=["email", "holder", "iban", "bic"])
        changed += 1
    if user is not None:
        changed += Voucher.objects.filter(business=business, user=user).update(user=None)
    peer = peer_of(business, user)
    if peer is None:
        return changed
    changed += PayoutDetails.objects.filter(business=business, peer=peer).delete()[0]
    changed += Showcase.objects.filter(business=business, peer=peer).delete()[0]
    changed += (
        Reward.objects.filter(business=business, peer=peer)
        .exclude(decline_reason="")
        .update(decline_reason="")
    )
    # Never sent to a bank (cancelled with their batch): not a payment record.
    changed += (
        Payout.objects.filter(business=business, peer=peer)
        .exclude(status__in=SENT_TO_BANK)
        .update(account_holder=words(business, gettext_lazy("Former peer")), iban="", bic="")
    )
    return changed
