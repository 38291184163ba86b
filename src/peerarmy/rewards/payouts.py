"""Payout runs: staff gather the balances to pay into a batch, the owner approves it (an owner
alone approves their own run after confirming it; with two people required by the settings,
someone else does), the batch leaves as a SEPA credit transfer file, and marking it sent, paid or a
payment returned posts the ledger transactions.

Each step answers the batch with its payouts (`batch.lines`, `batch.payout_count`), so that
the pages and the API show it without reading it again. Which step a batch may take is the
batch's own (`PayoutBatch.can_approve`, `can_cancel`, ...): these services refuse the others,
and the pages offer only those."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import InvalidTransition, PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.notifications.services import enqueue_email
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can, check_is_owner

from . import ledger, selectors
from .ledger import Leg
from .models import (
    AccountKind,
    BatchKind,
    BatchStatus,
    Payout,
    PayoutBatch,
    PayoutStatus,
    TransactionKind,
)
from .services import _money_unit, email_owners, rewards_settings

if TYPE_CHECKING:  # the inputs are built when a change is made, not when the app starts
    from .inputs import PayoutBatchInput, PayoutReturnInput


OPEN_PAYOUT = selectors.OPEN_PAYOUT


def _message_id(business, now):
    return f"PA{now:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"[:35]


@dataclass(frozen=True)
class Skipped:
    """A peer left out of a run, and why."""

    peer_id: int
    peer_name: str
    reason: str


@dataclass(frozen=True)
class PreparedBatch:
    batch: PayoutBatch
    skipped: list[Skipped] = field(default_factory=list)


@transaction.atomic
def prepare_batch(business, actor, data: PayoutBatchInput | None = None) -> Outcome[PreparedBatch]:
    """Gather every balance above the minimum (peers) or every donation owed (causes) that is
    not already in an open batch. The outcome's value holds the batch and the peers left out
    and why (no bank details)."""
    from .inputs import PayoutBatchInput

    check_can(actor, business, Capability.REWARDS)
    data = data or PayoutBatchInput()
    kind = BatchKind(data.kind)
    errors = FieldErrors()
    unit = _money_unit(business)
    if unit != "EUR":
        errors.add("kind", _("SEPA payouts are in euros only."))
        errors.raise_if_any()
    settings = rewards_settings(business)
    now = timezone.now()
    busy = selectors.busy_payees(business, kind)
    refunds = {}
    if kind == BatchKind.REFUNDS:
        owed = selectors.payable_balances(business, kind, unit)
        refunds = selectors.refunds_by_account(business, [a.pk for a, _n in owed])
        owed = [(a, n) for a, n in owed if a.pk in refunds and refunds[a.pk].pk not in busy]
    else:
        owed = [
            (account, amount)
            for account, amount in selectors.payable_balances(business, kind, unit)
            if (account.peer_id if kind == BatchKind.PEERS else account.cause_id) not in busy
        ]
    lines, skipped = [], []
    if kind == BatchKind.PEERS:
        owed = [(a, amount) for a, amount in owed if amount >= settings.payout_minimum_minor]
        details = selectors.payout_details_by_peer(business, [a.peer_id for a, _n in owed])
        names = selectors.peer_names(business, [a.peer_id for a, _n in owed])
        for account, amount in owed:
            found = details.get(account.peer_id)
            if found is None:
                skipped.append(
                    Skipped(
                        account.peer_id, names.get(account.peer_id, ""), _("no bank account yet")
                    )
                )
                continue
            lines.append(
                Payout(
                    business=business,
                    peer_id=account.peer_id,
                    amount_minor=amount,
                    account_holder=found.account_holder,
                    iban=found.iban,
                    bic=found.bic,
                    status=PayoutStatus.INCLUDED,
                )
            )
    elif kind == BatchKind.REFUNDS:
        for account, amount in owed:
            refund = refunds[account.pk]
            if not refund.iban:
                skipped.append(Skipped(0, refund.holder, _("paid at the till: give it back there")))
                continue
            lines.append(
                Payout(
                    business=business,
                    refund=refund,
                    amount_minor=amount,
                    account_holder=refund.holder[:70],
                    iban=refund.iban,
                    bic=refund.bic,
                    status=PayoutStatus.INCLUDED,
                )
            )
    else:
        causes = selectors.causes_by_id(business, [a.cause_id for a, _n in owed])
        for account, amount in owed:
            cause = causes[account.cause_id]
            lines.append(
                Payout(
                    business=business,
                    cause=cause,
                    amount_minor=amount,
                    account_holder=cause.account_holder,
                    iban=cause.iban,
                    bic=cause.bic,
                    status=PayoutStatus.INCLUDED,
                )
            )
    if not lines:
        errors.add("kind", _("There is nothing to pay in this run."))
        errors.raise_if_any()
    batch = PayoutBatch(
        business=business,
        kind=kind,
        status=BatchStatus.PREPARED,
        currency=unit,
        message_id=_message_id(business, now),
        execution_date=data.execution_date or timezone.localdate(now, business.tzinfo),
        prepared_by=actor,
        created_at=now,
        total_minor=sum(p.amount_minor for p in lines),
    )
    batch.save()
    for number, payout in enumerate(lines, 1):
        payout.batch = batch
        payout.end_to_end_id = f"{batch.message_id[:26]}-{number:04d}"[:35]
    Payout.objects.bulk_create(lines)
    if any(line.pk is None for line in lines):  # a database that does not return the ids
        lines = selectors.batch_lines(batch)
    _answer(batch, lines)
    email_owners(
        business,
        template="rewards/email/batch_prepared",
        context={"batch": batch, "count": len(lines), "prepared_by": actor},
        event="payouts.prepared",
        except_user=actor,
    )
    return Outcome(PreparedBatch(batch, skipped), created=True)


def _batch(business, batch) -> PayoutBatch:
    return selectors.get_batch(business, batch, for_update=True)


def _answer(batch, lines) -> PayoutBatch:
    """The batch as the steps answer it: with its payouts, in order."""
    for line in lines:
        line.batch = batch
    batch.lines = list(lines)
    batch.payout_count = len(batch.lines)
    return batch


def needs_two_people(business) -> bool:
    """Whether the run's preparer may not approve it: the owner asked for two people, and
    there is a second member to be the other one."""
    from peerarmy.tenancy.selectors import member_count

    return rewards_settings(business).payouts_need_two_people and member_count(business) > 1


def approves_alone(batch, actor) -> bool:
    """Whether `actor` approving `batch` would be approving their own run."""
    return batch.prepared_by_id is not None and batch.prepared_by_id == actor.pk


@transaction.atomic
def approve_batch(business, actor, batch, *, confirmed=False) -> Outcome[PayoutBatch]:
    """The owner approves money out. A run the owner prepared themselves is approved only
    with `confirmed` (the console asks for their password and a tick, the API for
    `confirm`), and not at all when the settings ask for two people and there are two."""
    check_is_owner(actor, business)
    batch = _batch(business, batch)
    if not batch.can_approve:
        raise InvalidTransition(_("Only a batch waiting for approval can be approved."))
    alone = approves_alone(batch, actor)
    if alone and needs_two_people(business):
        raise PermissionDenied(
            _(
                "Your payout runs need two people: another owner approves a run you "
                "prepared, or a member of staff prepares it."
            )
        )
    if alone and not confirmed:
        errors = FieldErrors()
        errors.add(
            "confirm",
            _("You prepared this run yourself: confirm that you checked its payments."),
        )
        errors.raise_if_any()
    batch.status = BatchStatus.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.approved_alone = alone
    batch.save()
    return Outcome(_answer(batch, selectors.batch_lines(batch)))


@transaction.atomic
def cancel_batch(business, actor, batch) -> Outcome[PayoutBatch]:
    """Cancel a run before it is sent to the bank; the balances stay owed."""
    check_can(actor, business, Capability.REWARDS)
    batch = _batch(business, batch)
    if not batch.can_cancel:
        raise InvalidTransition(_("A batch sent to the bank cannot be cancelled."))
    batch.status = BatchStatus.CANCELLED
    batch.cancelled_at = timezone.now()
    batch.save()
    lines = selectors.batch_lines(batch)
    Payout.objects.filter(business=business, batch=batch).update(status=PayoutStatus.CANCELLED)
    for line in lines:
        line.status = PayoutStatus.CANCELLED
    return Outcome(_answer(batch, lines))


def sepa_file(business, actor, batch) -> bytes:
    """The batch as a SEPA credit transfer (pain.001.001.03), once the owner approved it. It
    changes nothing: the bytes are what it gives back."""
    from . import sepa

    check_can(actor, business, Capability.REWARDS)
    batch = selectors.get_batch(business, batch)
    if not batch.has_file:
        raise InvalidTransition(_("The owner must approve the batch before it goes to the bank."))
    settings = rewards_settings(business)
    if not settings.debtor_iban or not settings.debtor_name:
        errors = FieldErrors()
        errors.add(
            "debtor_iban", _("Enter the business's bank account in the rewards settings first.")
        )
        errors.raise_if_any()
    transfers = [
        sepa.CreditTransfer(
            end_to_end_id=p.end_to_end_id,
            name=p.account_holder,
            iban=p.iban,
            bic=p.bic,
            amount_minor=p.amount_minor,
            currency=batch.currency,
            remittance=p.refund.remittance if p.refund_id else _remittance(business, batch),
        )
        for p in selectors.batch_lines(batch)
        if p.status != PayoutStatus.CANCELLED
    ]
    return sepa.credit_transfer_file(
        sepa.Debtor(settings.debtor_name, settings.debtor_iban, settings.debtor_bic),
        transfers,
        message_id=batch.message_id,
        execution_date=batch.execution_date or timezone.localdate(),
    )


def _remittance(business, batch):
    if batch.kind == BatchKind.REFUNDS:
        return _("Money given back by %(business)s") % {"business": business.name}
    if batch.kind == BatchKind.DONATIONS:
        return _("Donations from the peers of %(business)s") % {"business": business.name}
    return _("Rewards from %(business)s, %(date)s") % {
        "business": business.name,
        "date": batch.created_at.date().isoformat(),
    }


def _payout_legs(business, payout, debit_kind, credit_kind):
    unit = payout.batch.currency
    specs = {
        "peer": ledger.peer_payable(payout.peer_id, unit) if payout.peer_id else None,
        "cause": ledger.donations_payable(payout.cause_id, unit) if payout.cause_id else None,
        "refund": ledger.refund_account(payout.refund.key, unit) if payout.refund_id else None,
        "transit": ledger.house(AccountKind.IN_TRANSIT, unit),
        "bank": ledger.house(AccountKind.BANK, unit),
    }
    owed = specs["peer"] or specs["cause"] or specs["refund"]
    names = {"owed": owed, "transit": specs["transit"], "bank": specs["bank"]}
    refs = ledger.accounts(business.pk, list(names.values()))
    return [
        Leg(refs[names[debit_kind]], payout.amount_minor),
        Leg(refs[names[credit_kind]], -payout.amount_minor),
    ]


@transaction.atomic
def mark_sent(business, actor, batch) -> Outcome[PayoutBatch]:
    """The file went to the bank: each payout leaves the peer's (or cause's) balance and is
    in transit. Refused, naming the peer, if a balance no longer covers its payout."""
    check_can(actor, business, Capability.REWARDS)
    batch = _batch(business, batch)
    if not batch.can_send:
        raise InvalidTransition(_("Only an approved batch can be sent."))
    now = timezone.now()
    lines = selectors.batch_lines(batch)
    for payout in lines:
        if payout.status != PayoutStatus.INCLUDED:
            continue
        try:
            ledger.post(
                business.pk,
                key=f"payout.sent:{payout.pk}",
                kind=TransactionKind.PAYOUT_SENT,
                legs=_payout_legs(business, payout, "owed", "transit"),
                reason="payout.sent",
                reason_args={"batch": batch.pk, "payout": payout.pk},
                peer_id=payout.peer_id,
                actor_id=actor.pk,
                occurred_at=now,
            )
        except ledger.InsufficientBalance as exc:
            who = payout.payee_name
            raise ledger.InsufficientBalance(
                exc.account_id,
                _(
                    "%(who)s's balance no longer covers this payout; cancel the batch and "
                    "prepare a new one."
                )
                % {"who": who},
            ) from exc
        payout.status = PayoutStatus.SENT
        payout.save(update_fields=["status"])
        if payout.refund_id and payout.refund.email:
            enqueue_email(
                business=business,
                to=payout.refund.email,
                template="rewards/email/refund_sent",
                context={"refund": payout.refund, "payout": payout, "batch": batch},
                language=payout.refund.language,
                event="refunds.sent",
            )
        if payout.peer_id:
            peer = payout.peer
            enqueue_email(
                business=business,
                to=peer.user.email,
                template="rewards/email/payout_sent",
                context={"peer": peer, "payout": payout, "batch": batch},
                language=peer.user.language or business.default_language,
                event="payouts.sent",
            )
    batch.status = BatchStatus.SENT
    batch.sent_at = now
    batch.save()
    return Outcome(_answer(batch, lines))


@transaction.atomic
def mark_paid(business, actor, batch) -> Outcome[PayoutBatch]:
    """The bank confirmed the transfers: the money left the business's bank account."""
    check_can(actor, business, Capability.REWARDS)
    batch = _batch(business, batch)
    if not batch.can_mark_paid:
        raise InvalidTransition(_("Only a batch sent to the bank can be marked paid."))
    now = timezone.now()
    lines = selectors.batch_lines(batch)
    for payout in lines:
        if payout.status != PayoutStatus.SENT:
            continue
        ledger.post(
            business.pk,
            key=f"payout.paid:{payout.pk}",
            kind=TransactionKind.PAYOUT_PAID,
            legs=_payout_legs(business, payout, "transit", "bank"),
            reason="payout.paid",
            reason_args={"batch": batch.pk, "payout": payout.pk},
            peer_id=payout.peer_id,
            actor_id=actor.pk,
            occurred_at=now,
        )
        payout.status = PayoutStatus.PAID
        payout.save(update_fields=["status"])
        if payout.refund_id:
            payout.refund.settled_at = now
            payout.refund.save(update_fields=["settled_at"])
    batch.status = BatchStatus.PAID
    batch.paid_at = now
    batch.save()
    return Outcome(_answer(batch, lines))


@transaction.atomic
def return_payout(business, actor, payout, data: PayoutReturnInput) -> Outcome[Payout]:
    """The bank returned one payment (closed account, wrong name): reverse that payout, so the
    peer's balance is restored and they can fix their bank details."""
    check_can(actor, business, Capability.REWARDS)
    data.require()
    reason = data.reason
    payout = selectors.get_payout(business, payout, for_update=True)
    if not payout.can_return:
        raise InvalidTransition(_("Only a payout sent or paid can be returned."))
    for step in ("paid", "sent"):  # undo the last step first
        original = selectors.transaction_by_key(business, f"payout.{step}:{payout.pk}")
        if original is not None:
            ledger.reverse(
                business.pk,
                original.pk,
                key=f"payout.returned:{step}:{payout.pk}",
                kind=TransactionKind.PAYOUT_RETURNED,
                reason="payout.returned",
                reason_args={"batch": payout.batch_id, "payout": payout.pk},
                memo=reason,
                actor_id=actor.pk,
            )
    payout.status = PayoutStatus.RETURNED
    payout.return_reason = reason
    payout.save(update_fields=["status", "return_reason"])
    if payout.peer_id:
        peer = payout.peer
        enqueue_email(
            business=business,
            to=peer.user.email,
            template="rewards/email/payout_returned",
            context={"peer": peer, "payout": payout, "reason": reason},
            language=peer.user.language or business.default_language,
            event="payouts.returned",
        )
    return Outcome(payout)
