"""Money that comes into the business from people who are not peers, and goes back to them:
the primitives the chip-in app (and later resale and sharing) books with.

- `charge_budget_and_post`: a posting that spends from a program's monthly budget without
  being a peer's reward (the business's share of a chip-in campaign), refused as a whole when
  over budget unless the owner approved going over it; `ledger check` counts it with the
  rewards when it compares a month's budget with what was posted.
- `owe_refund`: move money from where it sits (a campaign's account, the bank) to a refund
  owed to one payer, with where to send it. A refund leaves in a refunds payout run (the same
  preparation, approval and SEPA file as peers' payouts) or, for money paid at the till
  (no bank account known), at the till (`refund_at_till`).
- `issue_voucher`: a voucher for the shop bought with money already received (a funded
  campaign, a pledge turned into a gift).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import InvalidTransition
from peerarmy.inputs import Outcome
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import ledger, selectors
from .ledger import Budget, Leg
from .models import AccountKind, BudgetCharge, Refund, TransactionKind, Voucher
from .services import _new_voucher, local_month, program_rewards


@dataclass(frozen=True)
class Charged:
    transaction_id: int | None
    created: bool
    over_budget: bool


def charge_budget_and_post(
    business,
    *,
    key: str,
    kind: str,
    legs: list[Leg],
    program_id: int,
    amount_minor: int,
    reason: str,
    reason_args: dict | None = None,
    over_budget_ok: bool = False,
    actor_id: int | None = None,
    when=None,
) -> Charged:
    """Post `legs` once for `key`, charging `amount_minor` to the program's month. Over the
    program's budget (and not `over_budget_ok`), nothing is written and `over_budget` is
    True: the caller holds the change for the owner."""
    from peerarmy.programs.models import Program

    when = when or timezone.now()
    program = Program.objects.get(business=business, pk=program_id)
    limit = None if over_budget_ok else program_rewards(business, program).monthly_budget_minor
    month = local_month(business, when)
    with transaction.atomic():
        posted = ledger.post(
            business.pk,
            key=key,
            kind=kind,
            legs=legs,
            reason=reason,
            reason_args=reason_args,
            program_id=program_id,
            actor_id=actor_id,
            occurred_at=when,
            budget=Budget(program_id, month, amount_minor, limit),
        )
        if posted.created:
            BudgetCharge.objects.create(
                business=business,
                key=key,
                program_id=program_id,
                month=month,
                amount_minor=amount_minor,
                transaction_id=posted.transaction_id,
                created_at=when,
            )
    return Charged(posted.transaction_id, posted.created, posted.over_budget)


def owe_refund(
    business,
    *,
    key: str,
    source: ledger.AccountSpec,
    amount_minor: int,
    currency: str,
    holder: str,
    iban: str = "",
    bic: str = "",
    email: str = "",
    language: str = "it",
    remittance: str,
    actor_id: int | None = None,
    when=None,
) -> Refund:
    """Owe `amount_minor` back to one payer, taken from `source`; once per `key`."""
    when = when or timezone.now()
    spec = ledger.refund_account(key, currency)
    with transaction.atomic():
        existing = Refund.objects.filter(business=business, key=key).first()
        if existing is not None:
            return existing
        refs = ledger.accounts(business.pk, [spec, source])
        ledger.post(
            business.pk,
            key=f"refund.owed:{key}",
            kind=TransactionKind.REFUND,
            legs=[Leg(refs[source], amount_minor), Leg(refs[spec], -amount_minor)],
            reason="refund.owed",
            reason_args={"refund": key},
            actor_id=actor_id,
            occurred_at=when,
        )
        from .models import Account

        return Refund.objects.create(
            business=business,
            key=key,
            account=Account.objects.get(business=business, pk=refs[spec].id),
            holder=holder[:140] or _("Payer"),
            iban=iban,
            bic=bic,
            email=email,
            language=language,
            amount_minor=amount_minor,
            currency=currency,
            remittance=remittance[:140],
            created_at=when,
        )


@dataclass(frozen=True)
class RefundItem:
    """One payer's money to give back, in a batch of them (`owe_refunds`)."""

    key: str
    amount_minor: int
    currency: str
    holder: str
    iban: str = ""
    bic: str = ""
    email: str = ""
    language: str = "it"
    remittance: str = ""

    def as_kwargs(self) -> dict:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def owe_refunds(
    business,
    *,
    key: str,
    source: ledger.AccountSpec,
    items: list[RefundItem],
    actor_id: int | None = None,
    when=None,
) -> list[Refund]:
    """Many refunds from one source at once (a bank statement's payments made twice): one
    posting (the source, and a leg for each refund's own account) and the refund rows in
    bulk, once per `key`. The same rows as `owe_refund` makes one by one."""
    from .models import Account

    when = when or timezone.now()
    items = [i for i in items if i.amount_minor > 0]
    if not items:
        return []
    with transaction.atomic():
        if Refund.objects.filter(business=business, key=items[0].key).exists():
            return list(Refund.objects.filter(business=business, key__in=[i.key for i in items]))
        specs = {i.key: ledger.refund_account(i.key, i.currency) for i in items}
        refs = ledger.accounts(business.pk, [source, *specs.values()])
        total = sum(i.amount_minor for i in items)
        ledger.post(
            business.pk,
            key=f"refund.owed:{key}",
            kind=TransactionKind.REFUND,
            legs=[
                Leg(refs[source], total),
                *(Leg(refs[specs[i.key]], -i.amount_minor) for i in items),
            ],
            reason="refund.owed",
            reason_args={"refunds": len(items), "cause": key},
            actor_id=actor_id,
            occurred_at=when,
        )
        accounts = {
            a.pk: a
            for a in Account.objects.filter(
                business=business, pk__in=[refs[s].id for s in specs.values()]
            )
        }
        return Refund.objects.bulk_create(
            [
                Refund(
                    business=business,
                    key=i.key,
                    account=accounts[refs[specs[i.key]].id],
                    holder=i.holder[:140] or _("Payer"),
                    iban=i.iban,
                    bic=i.bic,
                    email=i.email,
                    language=i.language,
                    amount_minor=i.amount_minor,
                    currency=i.currency,
                    remittance=i.remittance[:140],
                    created_at=when,
                )
                for i in items
            ],
            batch_size=500,
        )


def refund_owed(refund: Refund) -> int:
    """What is still owed on a refund (its account's balance)."""
    return -ledger.balance(refund.business_id, refund.account_id)


@transaction.atomic
def refund_at_till(business, actor, refund) -> Outcome[Refund]:
    """Staff gave the money back in cash at the till."""
    check_can(actor, business, Capability.REWARDS)
    refund = selectors.get_refund(business, refund, for_update=True)
    owed = refund_owed(refund)
    if owed <= 0:
        raise InvalidTransition(_("This money was already given back."))
    if selectors.refund_in_open_batch(business, refund):
        raise InvalidTransition(
            _("This refund is in a payout run: cancel the run first to give it back at the till.")
        )
    specs = [
        ledger.refund_account(refund.key, refund.currency),
        ledger.house(AccountKind.TILL, refund.currency),
    ]
    refs = ledger.accounts(business.pk, specs)
    now = timezone.now()
    ledger.post(
        business.pk,
        key=f"refund.till:{refund.key}",
        kind=TransactionKind.REFUND_TILL,
        legs=[Leg(refs[specs[0]], owed), Leg(refs[specs[1]], -owed)],
        reason="refund.till",
        reason_args={"refund": refund.key},
        actor_id=actor.pk,
        occurred_at=now,
    )
    refund.settled_at, refund.at_till = now, True
    refund.save(update_fields=["settled_at", "at_till"])
    return Outcome(refund)


def issue_voucher(
    business,
    *,
    key: str,
    legs_from: list[tuple[ledger.AccountSpec, int]],
    currency: str,
    kind: str = TransactionKind.CAMPAIGN_FUNDED,
    reason: str,
    reason_args: dict | None = None,
    user_id: int | None = None,
    peer_id: int | None = None,
    validity_days: int | None = None,
    when=None,
) -> Voucher:
    """A new voucher worth the sum of `legs_from` (each account debited by its amount),
    held by a user (or a peer); once per `key`: a repeat answers the first voucher."""
    from datetime import timedelta

    when = when or timezone.now()
    existing = selectors.voucher_of_cause(business, key)
    if existing is not None:
        return existing
    value = sum(amount for _spec, amount in legs_from)
    with transaction.atomic():
        voucher = _new_voucher(business, peer_id, value, currency, when)
        if validity_days:
            voucher.expires_at = when + timedelta(days=validity_days)
        voucher.user_id = user_id
        voucher.cause_key = key
        voucher.save(update_fields=["expires_at", "user", "cause_key"])
        spec = ledger.voucher_account(voucher.code, currency)
        refs = ledger.accounts(business.pk, [spec, *(s for s, _a in legs_from)])
        ledger.post(
            business.pk,
            key=key,
            kind=kind,
            legs=[*(Leg(refs[s], a) for s, a in legs_from if a), Leg(refs[spec], -value)],
            reason=reason,
            reason_args={**(reason_args or {}), "voucher": voucher.code},
            peer_id=peer_id,
            occurred_at=when,
        )
    return voucher
