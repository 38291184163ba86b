"""The books as a plain-text journal that hledger and ledger-cli read, or as CSV."""

from __future__ import annotations

import csv

from django.utils import timezone

from peerarmy.money import minor_digits

from .models import Account, Entry, ProgramRewards, Transaction


def _amount(minor, unit):
    digits = minor_digits(unit)
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if digits == 0:
        return f"{sign}{minor} {unit}"
    whole, cents = divmod(minor, 10**digits)
    return f"{sign}{whole}.{cents:0{digits}d} {unit}"


def _clean(text):
    # One line, no characters a journal treats specially.
    return " ".join(str(text).replace(";", ",").split())


def _rows(business):
    """Transactions in date order, each with its entries, streamed in chunks."""
    accounts = {a.pk: a for a in Account.objects.filter(business=business)}
    entries = (
        Entry.objects.filter(business=business)
        .order_by("transaction__occurred_at", "transaction_id", "id")
        .values_list("transaction_id", "account_id", "unit", "amount")
    )
    txns = {
        t.pk: t
        for t in Transaction.objects.filter(business=business).only(
            "id", "key", "kind", "occurred_at", "memo", "reverses_id"
        )
    }
    current, legs = None, []
    for txn_id, account_id, unit, amount in entries.iterator(chunk_size=5000):
        if txn_id != current and legs:
            yield txns[current], legs
            legs = []
        current = txn_id
        legs.append((accounts[account_id], unit, amount))
    if legs:
        yield txns[current], legs


def journal(business, out) -> int:
    """Write the journal to the text stream `out`; returns the number of transactions."""
    tz = business.tzinfo
    out.write(f"; {_clean(business.name)}: peerarmy rewards ledger\n")
    out.write(f"; exported {timezone.localtime(timezone.now(), tz):%Y-%m-%d %H:%M %Z}\n\n")
    # No commodity directives: hledger and ledger-cli write them differently, and both infer
    # each unit's style from the amounts.
    accounts = Account.objects.filter(business=business).order_by("name", "unit")
    for name in sorted({a.name for a in accounts}):
        out.write(f"account {name}\n")
    out.write("\n")
    # The monthly budgets, for `hledger balance --budget`. Which program's budget it is goes in
    # a comment line: ledger-cli reads everything after `~` as the period and stops at a
    # description ("Unexpected date period token 'budget'").
    for pr in ProgramRewards.objects.filter(business=business).exclude(monthly_budget_minor=None):
        unit = business.currency or "EUR"
        out.write(f"; budget of program {pr.program_id}\n")
        out.write("~ monthly\n")
        out.write(
            f"    expenses:rewards:program-{pr.program_id}  {_amount(pr.monthly_budget_minor, unit)}\n"
        )
        out.write("    assets:bank\n\n")
    count = 0
    for txn, legs in _rows(business):
        day = timezone.localtime(txn.occurred_at, tz).date().isoformat()
        title = _clean(txn.get_kind_display())
        if txn.memo:
            title += f" | {_clean(txn.memo)}"
        out.write(f"{day} * {title}  ; cause:{_clean(txn.key)}, id:{txn.pk}")
        if txn.reverses_id:
            out.write(f", reverses:{txn.reverses_id}")
        out.write("\n")
        for account, unit, amount in legs:
            out.write(f"    {account.name}  {_amount(amount, unit)}\n")
        out.write("\n")
        count += 1
    return count


CSV_HEADER = ["transaction", "date", "cause", "kind", "account", "unit", "amount_minor", "memo"]


def csv_rows(business, out) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    count = 0
    tz = business.tzinfo
    for txn, legs in _rows(business):
        for account, unit, amount in legs:
            writer.writerow(
                [
                    txn.pk,
                    timezone.localtime(txn.occurred_at, tz).isoformat(),
                    txn.key,
                    txn.kind,
                    account.name,
                    unit,
                    amount,
                    _neutral(txn.memo),
                ]
            )
        count += 1
    return count


def _neutral(text):
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
