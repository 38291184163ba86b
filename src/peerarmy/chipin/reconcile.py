"""Reconciling the bank's statement with the pledges: each credit is matched to its pledge by
the RF reference the payer quoted; a credit whose reference is missing or mangled beyond
reading is *suggested* for a pledge waiting for exactly that amount from someone of that name,
for staff to accept; the rest stay listed as unmatched.

Money is handled as a bank would expect:
- a payment for a pledge goes to its campaign, up to what the pledge still lacks;
- what is paid beyond it (a pledge paid twice, too much, or for a campaign that closed) is
  owed back to the payer, to the IBAN the statement shows (a refunds payout run sends it);
- uploading the same file again changes nothing (its hash is known), and a credit already
  taken from another statement (two statements that overlap) is not taken twice (its bank
  reference is known).

One upload is one database transaction. The ledger gets one posting per campaign and
statement (the bank → the campaign's account, the sum of the credits matched), the pledges
and campaigns their counters in bulk, so that a statement of 20,000 credits reconciles in
seconds; each credit row keeps which pledge it paid. Thank-you e-mails are written to the
outbox by a background task the upload enqueues in the same transaction.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy import events
from peerarmy.errors import InvalidTransition
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.rewards import ledger, money_in
from peerarmy.rewards.ledger import Leg
from peerarmy.rewards.models import AccountKind, TransactionKind
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import bankfiles, selectors, services, sql
from .inputs import CreditDecisionInput
from .models import (
    HOLDING,
    BankCredit,
    Campaign,
    CampaignStatus,
    CreditStatus,
    Pledge,
    PledgeStatus,
    StatementUpload,
)


@dataclass(frozen=True)
class Payee:
    """Something other than a pledge that a transfer pays, found by the RF reference it was
    given (a rental booking or a reservation paid ahead): what it is, in words for the
    statement's page, what it is due, and `take(credit, now, actor_id)`, which books the money
    in its own app (in the upload's transaction; the credit says who paid, from which IBAN)
    and says whether it took it."""

    label: str
    due_minor: int
    take: Callable[[bankfiles.BankCredit, datetime, int | None], bool]


# The apps whose references a statement may pay besides pledges (sharing's bookings): each a
# `find(business, references) -> {reference: Payee}`, registered by the app's AppConfig.ready
# so that this app imports none of them.
_PAYEE_FINDERS: list[Callable] = []


def register_payee_finder(find) -> None:
    if find not in _PAYEE_FINDERS:
        _PAYEE_FINDERS.append(find)


def _payees(business, references) -> dict[str, Payee]:
    found: dict[str, Payee] = {}
    if references:
        for find in _PAYEE_FINDERS:
            found.update(find(business, references))
    return found


def _chunk() -> int:
    """Values per IN (...): under SQLite's limit of bound parameters; PostgreSQL takes a
    statement's worth at once."""
    from django.db import connection

    return 20_000 if connection.vendor == "postgresql" else 900


@dataclass(frozen=True)
class Summary:
    """What `peerarmy chipin reconcile` prints."""

    entries: int
    matched: int
    suggested: int
    unmatched: int
    duplicates: int

    def as_dict(self) -> dict:
        return {
            "entries": self.entries,
            "matched": self.matched,
            "suggested": self.suggested,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
        }


def summary(upload: StatementUpload) -> Summary:
    return Summary(
        upload.entries, upload.matched, upload.suggested, upload.unmatched, upload.duplicates
    )


def _words(text: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return {w for w in "".join(c if c.isalnum() else " " for c in plain).split() if len(w) > 1}


def _same_person(debtor_name: str, pledge_name: str, payer_name: str = "") -> bool:
    """The statement's name and the pledger's share a word of two letters or more (banks
    write "ROSSI ANNA MARIA", the pledger typed "Anna Rossi")."""
    theirs = _words(debtor_name)
    return bool(theirs & (_words(pledge_name) | _words(payer_name)))


def _existing_refs(business, refs) -> set[str]:
    refs = list(refs)
    if connection.vendor == "postgresql":
        return sql.existing_bank_refs(business.pk, refs)
    seen = set()
    for start in range(0, len(refs), chunk := _chunk()):
        seen.update(
            BankCredit.objects.filter(
                business=business, bank_ref__in=refs[start : start + chunk]
            ).values_list("bank_ref", flat=True)
        )
    return seen


@dataclass(slots=True)
class _Row:
    """A pledge as reconciling reads and changes it: plain values, not a model (a statement
    touches tens of thousands)."""

    pk: int
    campaign_id: int
    amount_minor: int
    received_minor: int
    status: str
    name: str
    email: str
    language: str
    payer_name: str
    payer_iban: str
    payer_bic: str
    share_link_id: int | None
    link_token: str | None
    link_peer_id: int | None
    received_at: object = None
    received_before: int = 0  # what it had before this statement


ROW_FIELDS = (
    "pk",
    "campaign_id",
    "amount_minor",
    "received_minor",
    "status",
    "name",
    "email",
    "language",
    "payer_name",
    "payer_iban",
    "payer_bic",
    "share_link_id",
    "share_link__token",
    "share_link__peer_id",
)


def _pledges_by_reference(business, references) -> dict[str, _Row]:
    references = list(references)
    found = {}
    if connection.vendor == "postgresql":
        batches = [sql.pledge_rows_by_reference(business.pk, references)]
    else:
        batches = (
            Pledge.objects.filter(
                business=business, reference__in=references[start : start + 900]
            ).values_list("reference", *ROW_FIELDS)
            for start in range(0, len(references), 900)
        )
    for rows in batches:
        for reference, *values in rows:
            row = found[reference] = _Row(*values)
            row.received_before = row.received_minor
    return found


@dataclass(frozen=True, slots=True)
class _Candidate:
    pk: int
    name: str
    words: frozenset


def _waiting_by_amount(business, amounts) -> dict[int, list[_Candidate]]:
    """Pledges still waiting for money, by what they lack: the suggestions' candidates."""
    by_amount = defaultdict(list)
    words: dict[str, frozenset] = {}  # names repeat: each is read once
    amounts = list(amounts)
    for start in range(0, len(amounts), chunk := _chunk()):
        rows = Pledge.objects.filter(
            business=business,
            status__in=(PledgeStatus.AWAITING, PledgeStatus.UNCONFIRMED, PledgeStatus.LAPSED),
            received_minor=0,
            amount_minor__in=amounts[start : start + chunk],
        ).values_list("pk", "name", "amount_minor")
        for pk, name, amount in rows:
            if name not in words:
                words[name] = frozenset(_words(name))
            by_amount[amount].append(_Candidate(pk, name, words[name]))
    return by_amount


def reconcile_statement(
    business, actor, source, *, filename: str = "", now=None
) -> Outcome[StatementUpload]:
    """Read a bank statement (CAMT.053/052/054 or a CSV export) and reconcile its credits.
    `actor` None is the operator's command line. A file uploaded before answers the first
    upload (`replayed`) and changes nothing."""
    if actor is not None:
        check_can(actor, business, Capability.REWARDS)
    data = source if isinstance(source, bytes) else source.read()
    digest = hashlib.sha256(data).hexdigest()
    earlier = StatementUpload.objects.filter(business=business, sha256=digest).first()
    if earlier is not None:
        return Outcome(earlier, replayed=True)
    statement = bankfiles.read_statement(data, filename=filename)
    now = now or timezone.now()
    with transaction.atomic():
        upload = StatementUpload.objects.create(
            business=business,
            filename=filename[:255],
            sha256=digest,
            format=statement.format,
            account_iban=statement.account_iban,
            statement_id=statement.statement_id[:140],
            uploaded_by=actor,
            uploaded_at=now,
            problems=[[line, str(message)] for line, message in statement.problems],
        )
        _reconcile(business, upload, statement, now, actor)
    return Outcome(upload, created=True)


@dataclass
class _Decision:
    credit: bankfiles.BankCredit
    status: str
    pledge: _Row | None = None
    suggested: _Candidate | None = None
    applied: int = 0
    returned: int = 0
    payee: Payee | None = None  # paid what it is due: its app books it
    paid_for: str = ""


def _reconcile(business, upload, statement, now, actor):
    currency = business.currency or "EUR"
    seen = _existing_refs(business, (c.bank_ref for c in statement.credits))
    fresh = []
    for credit in statement.credits:
        if credit.bank_ref in seen:
            upload.already_seen += 1
            continue
        seen.add(credit.bank_ref)
        fresh.append(credit)
    pledges = _pledges_by_reference(business, {c.reference for c in fresh if c.reference})
    payees = _payees(business, {c.reference for c in fresh if c.reference} - set(pledges))
    unreferenced = [c for c in fresh if c.reference not in pledges and c.reference not in payees]
    candidates = _waiting_by_amount(business, {c.amount_minor for c in unreferenced})
    campaigns = {
        c.pk: c
        for c in Campaign.objects.select_for_update().filter(
            business=business, pk__in={p.campaign_id for p in pledges.values()}
        )
    }
    taken_suggestions: set[int] = set()
    decisions = []
    paid_payees: set[str] = set()
    for credit in fresh:
        pledge = pledges.get(credit.reference) if credit.currency == currency else None
        payee = payees.get(credit.reference) if credit.currency == currency else None
        if pledge is None and payee is not None:
            decisions.append(_pay(payee, credit, paid_payees))
            continue
        if pledge is None:
            decisions.append(_suggest(credit, currency, candidates, taken_suggestions))
            continue
        decisions.append(_apply(pledge, credit, campaigns[pledge.campaign_id]))
    _write(business, upload, decisions, campaigns, now, actor)


def _pay(payee, credit, paid) -> _Decision:
    """A credit for a payee: taken when it is exactly what is due (once per file); any other
    amount stays for staff, with what it was meant for."""
    reference = credit.reference
    if credit.amount_minor != payee.due_minor or reference in paid:
        return _Decision(credit, CreditStatus.UNMATCHED, paid_for=payee.label[:200])
    paid.add(reference)
    return _Decision(
        credit,
        CreditStatus.MATCHED,
        payee=payee,
        applied=credit.amount_minor,
        paid_for=payee.label[:200],
    )


def _suggest(credit, currency, candidates, taken) -> _Decision:
    """The one pledge waiting for exactly this amount whose pledger's name shares the most
    words with the payer's; none when two share as many (staff decide then)."""
    if credit.currency != currency:
        return _Decision(credit, CreditStatus.UNMATCHED)
    theirs = _words(credit.debtor_name)
    scored = sorted(
        (
            (len(theirs & c.words), c)
            for c in candidates.get(credit.amount_minor, ())
            if c.pk not in taken
        ),
        key=lambda pair: -pair[0],
    )
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        best = scored[0][1]
        taken.add(best.pk)
        return _Decision(credit, CreditStatus.SUGGESTED, suggested=best)
    return _Decision(credit, CreditStatus.UNMATCHED)


def _apply(pledge, credit, campaign) -> _Decision:
    """What a referenced credit does to its pledge (the pledge object keeps the running
    state, so two credits of one file for one pledge are judged in turn)."""
    takes = campaign.status == CampaignStatus.RUNNING and (
        pledge.status in HOLDING or pledge.status == PledgeStatus.LAPSED
    )
    if takes and pledge.status == PledgeStatus.LAPSED:
        takes = services.hold(campaign.pk, pledge.amount_minor)
        if takes:
            pledge.status = PledgeStatus.AWAITING
    applied = min(credit.amount_minor, pledge.amount_minor - pledge.received_minor) if takes else 0
    returned = credit.amount_minor - applied
    if applied:
        pledge.received_minor += applied
        pledge.status = (
            PledgeStatus.RECEIVED
            if pledge.received_minor == pledge.amount_minor
            else PledgeStatus.PARTLY_PAID
        )
        if credit.debtor_iban:
            pledge.payer_name = credit.debtor_name[:140]
            pledge.payer_iban = credit.debtor_iban
            pledge.payer_bic = credit.debtor_bic[:11]
    if applied and not returned:
        status = CreditStatus.MATCHED
    elif applied or pledge.received_minor:
        status = CreditStatus.DUPLICATE  # paid beyond the pledge: the extra goes back
    else:
        status = CreditStatus.REFUNDED  # nothing it can pay any more: it all goes back
    return _Decision(credit, status, pledge=pledge, applied=applied, returned=returned)


def _write(business, upload, decisions, campaigns, now, actor):
    currency = business.currency or "EUR"
    bank = ledger.house(AccountKind.BANK, currency)
    by_campaign: dict[int, int] = defaultdict(int)
    firsts: dict[int, int] = defaultdict(int)
    changed: dict[int, _Row] = {}
    for d in decisions:
        if d.applied and d.pledge is not None:
            by_campaign[d.pledge.campaign_id] += d.applied
            if d.pledge.pk not in changed and d.pledge.received_before == 0:
                firsts[d.pledge.campaign_id] += 1
            changed[d.pledge.pk] = d.pledge
            d.pledge.received_at = now
    if by_campaign:
        # One posting for the statement: the bank, and each campaign's account its part.
        specs = {cid: ledger.campaign_account(cid, currency) for cid in sorted(by_campaign)}
        refs = ledger.accounts(business.pk, [bank, *specs.values()])
        ledger.post(
            business.pk,
            key=f"chipin.statement:{upload.pk}",
            kind=TransactionKind.PLEDGE,
            legs=[
                Leg(refs[bank], sum(by_campaign.values())),
                *(Leg(refs[specs[cid]], -amount) for cid, amount in sorted(by_campaign.items())),
            ],
            reason="chipin.statement",
            reason_args={"statement": upload.pk, "campaigns": len(by_campaign)},
            actor_id=getattr(actor, "pk", None),
            occurred_at=now,
        )
        sql.add_to_campaigns(
            business.pk,
            [(amount, firsts[cid], cid) for cid, amount in sorted(by_campaign.items())],
        )
    for d in decisions:
        if d.payee is not None and not d.payee.take(d.credit, now, getattr(actor, "pk", None)):
            # paid meanwhile by another way (at the till): staff give it back or keep it
            d.status, d.applied, d.payee = CreditStatus.UNMATCHED, 0, None
    sql.update_pledges_received(
        business.pk,
        [
            (
                p.received_minor,
                p.status,
                p.received_at,
                p.payer_name,
                p.payer_iban,
                p.payer_bic,
                p.pk,
            )  # fmt: skip
            for p in changed.values()
        ],
    )
    sql.insert_credits(
        business.pk,
        upload.pk,
        [
            (
                d.credit.line,
                d.credit.bank_ref[:140],
                d.credit.booked_on,
                d.credit.amount_minor,
                d.credit.currency,
                d.credit.debtor_name[:140],
                d.credit.debtor_iban[:34],
                d.credit.debtor_bic[:11],
                d.credit.reference[:35],
                d.credit.remittance[:500],
                d.status,
                d.pledge.pk if d.pledge else None,
                d.suggested.pk if d.suggested else None,
                d.applied,
                d.returned,
                d.paid_for,
            )
            for d in decisions
        ],
    )
    if any(d.returned for d in decisions):
        saved = {
            r.bank_ref: r for r in BankCredit.objects.filter(statement=upload, returned_minor__gt=0)
        }
        money_in.owe_refunds(
            business,
            key=f"chipin.statement:{upload.pk}",
            source=bank,
            items=[
                _refund_item(saved[d.credit.bank_ref[:140]], d.pledge, business)
                for d in decisions
                if d.returned
            ],
            actor_id=getattr(actor, "pk", None),
            when=now,
        )
    counts = defaultdict(int)
    for d in decisions:
        counts[d.status] += 1
    upload.entries = len(decisions) + upload.already_seen
    upload.matched = counts[CreditStatus.MATCHED]
    upload.suggested = counts[CreditStatus.SUGGESTED]
    upload.unmatched = counts[CreditStatus.UNMATCHED]
    upload.duplicates = counts[CreditStatus.DUPLICATE] + counts[CreditStatus.REFUNDED]
    upload.save()
    received = [p for p in changed.values() if p.status == PledgeStatus.RECEIVED]
    _announce(business, campaigns, received, now)
    if received:
        from . import tasks

        tasks.thank_pledgers.enqueue(business.pk, [p.pk for p in received])


def _refund_item(credit, pledge, business) -> money_in.RefundItem:
    """What goes back of a credit: to the IBAN it came from."""
    return money_in.RefundItem(
        key=f"chipin-credit-{credit.pk}",
        amount_minor=credit.returned_minor,
        currency=credit.currency,
        holder=credit.debtor_name or (pledge.name if pledge else ""),
        iban=credit.debtor_iban,
        bic=credit.debtor_bic,
        email=pledge.email if pledge else "",
        language=pledge.language if pledge else business.default_language,
        remittance=_("Refund: payment of %(date)s")
        % {"date": credit.booked_on.strftime("%d/%m/%Y")},
    )


def _owe_back(business, credit, pledge, now, actor):
    item = _refund_item(credit, pledge, business)
    money_in.owe_refund(
        business,
        source=ledger.house(AccountKind.BANK, credit.currency),
        actor_id=getattr(actor, "pk", None),
        when=now,
        **item.as_kwargs(),
    )


def _announce(business, campaigns, received, now):
    for pledge in received:
        campaign = campaigns[pledge.campaign_id]
        events.publish(
            business,
            services.PLEDGE_RECEIVED,
            key=f"chipin.pledge_received:{pledge.pk}",
            payload={
                "campaign_id": campaign.pk,
                "program_id": campaign.program_id,
                "pledge_id": pledge.pk,
                "amount_minor": pledge.amount_minor,
                "sharer": pledge.link_token or "",
                "peer_id": pledge.link_peer_id,
                "received_at": now.isoformat(),
            },
        )


# --- staff decide what the statement could not ------------------------------------------------


@transaction.atomic
def decide_credit(business, actor, credit, data: CreditDecisionInput) -> Outcome[BankCredit]:
    """Accept a suggestion, assign the credit to another pledge, give it back to the payer,
    or set it aside as not for a campaign."""
    check_can(actor, business, Capability.REWARDS)
    credit = selectors.get_credit(business, credit, for_update=True)
    if credit.status not in (CreditStatus.SUGGESTED, CreditStatus.UNMATCHED):
        raise InvalidTransition(_("This credit was already dealt with."))
    now = timezone.now()
    errors = FieldErrors()
    if data.action == "ignore":
        credit.status = CreditStatus.IGNORED
    elif data.action == "refund":
        credit.returned_minor = credit.amount_minor
        credit.status = CreditStatus.REFUNDED
        credit.save()
        _owe_back(business, credit, None, now, actor)
    else:
        pledge_id = credit.suggested_pledge_id if data.action == "accept" else data.pledge_id
        if pledge_id is None:
            errors.add("pledge_id", _("Choose the pledge this payment is for."))
            errors.raise_if_any()
        pledge = selectors.get_pledge(business, pledge_id)
        if credit.currency != pledge.currency:
            errors.add("pledge_id", _("This payment is in another currency than the pledge."))
            errors.raise_if_any()
        applied, returned = services.receive(
            business,
            pledge,
            credit.amount_minor,
            key=f"chipin.credit:{credit.pk}",
            source_kind=AccountKind.BANK,
            payer=services.Payer(credit.debtor_name, credit.debtor_iban, credit.debtor_bic),
            when=now,
            actor_id=actor.pk,
        )
        credit.pledge = pledge
        credit.applied_minor, credit.returned_minor = applied, returned
        credit.status = CreditStatus.MATCHED if not returned else CreditStatus.DUPLICATE
    credit.decided_by, credit.decided_at = actor, now
    credit.save()
    return Outcome(credit)
