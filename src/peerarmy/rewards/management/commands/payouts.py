"""`peerarmy payouts …`: the payout run from the command line, through the same services as the
console: one prepares, an owner approves (an owner approving a run they prepared says
`--confirm`; with two people asked for in the rewards settings, someone else approves).

  payouts list     --business SLUG
  payouts prepare  --business SLUG --by EMAIL [--kind peers|donations] [--date YYYY-MM-DD]
  payouts approve  --business SLUG --by EMAIL --batch ID [--confirm]
  payouts sepa     --business SLUG --by EMAIL --batch ID [-o FILE]
  payouts sent|paid|cancel --business SLUG --by EMAIL --batch ID
  payouts return   --business SLUG --by EMAIL --payout ID --reason TEXT
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from peerarmy.accounts.selectors import find_user_by_email
from peerarmy.errors import DomainError
from peerarmy.rewards import payouts, selectors
from peerarmy.rewards.inputs import PayoutBatchInput, PayoutReturnInput
from peerarmy.tenancy.selectors import find_business


def _faults(exc: DomainError) -> str:
    """Every field at fault, on one line, as `peerarmy business create` says them
    (`execution_date: The bank cannot pay on a day in the past: …`); the message alone when
    the refusal names no field."""
    errors = exc.field_errors
    if not errors:
        return str(exc.message)
    return "; ".join(f"{field}: {message}" if field else str(message) for field, message in errors)


class Command(BaseCommand):
    help = "Payout runs: prepare, approve, export as SEPA, mark sent or paid, record returns."
    requires_system_checks = []  # an operator's command: start at once

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("list", "prepare", "approve", "sepa", "sent", "paid", "cancel", "return"):
            p = sub.add_parser(name)
            p.add_argument("--business", required=True, help="the business's slug")
            if name != "list":
                p.add_argument("--by", required=True, help="the e-mail of the member acting")
            if name == "prepare":
                p.add_argument("--kind", default="peers", help="peers (default) or donations")
                p.add_argument("--date", help="execution date, YYYY-MM-DD (default today)")
            if name in ("approve", "sepa", "sent", "paid", "cancel"):
                p.add_argument("--batch", type=int, required=True)
            if name == "approve":
                p.add_argument(
                    "--confirm",
                    action="store_true",
                    help="approve a run you prepared yourself: you checked its payments",
                )
            if name == "sepa":
                p.add_argument("--output", "-o", help="file to write (default standard output)")
            if name == "return":
                p.add_argument("--payout", type=int, required=True)
                p.add_argument("--reason", required=True)

    def handle(self, *args, action, **options):
        business = find_business(options["business"])
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        with scope(business=business):
            actor = None
            if action != "list":
                actor = find_user_by_email(options["by"])
                if actor is None:
                    raise CommandError(f"No user with the e-mail {options['by']!r}.")
            try:
                self._run(business, actor, action, options)
            except DomainError as exc:
                raise CommandError(_faults(exc)) from None

    def _run(self, business, actor, action, options):
        if action == "list":
            for batch in selectors.batches(business):
                self.stdout.write(
                    f"{batch.pk}\t{batch.kind}\t{batch.status}\t{batch.total_minor / 100:.2f} "
                    f"{batch.currency}\t{batch.payout_count} payouts\t{batch.message_id}"
                )
        elif action == "prepare":
            given = {"kind": options["kind"], "execution_date": options.get("date")}
            data = PayoutBatchInput.parse(
                {k: v for k, v in given.items() if v is not None}, context={"business": business}
            )
            prepared = payouts.prepare_batch(business, actor, data).value
            batch = prepared.batch
            self.stdout.write(
                f"batch {batch.pk} prepared: {batch.payout_count} payouts, "
                f"{batch.total_minor / 100:.2f} {batch.currency}; waiting for the owner's approval"
            )
            for left in prepared.skipped:
                self.stderr.write(f"skipped peer {left.peer_id}: {left.reason}")
        elif action == "approve":
            payouts.approve_batch(business, actor, options["batch"], confirmed=options["confirm"])
            self.stdout.write(f"batch {options['batch']} approved")
        elif action == "sepa":
            data = payouts.sepa_file(business, actor, options["batch"])
            if options.get("output"):
                with open(options["output"], "wb") as out:
                    out.write(data)
                self.stderr.write(f"SEPA file written to {options['output']}")
            else:
                sys.stdout.buffer.write(data)
        elif action == "sent":
            payouts.mark_sent(business, actor, options["batch"])
            self.stdout.write(f"batch {options['batch']} marked sent")
        elif action == "paid":
            payouts.mark_paid(business, actor, options["batch"])
            self.stdout.write(f"batch {options['batch']} marked paid")
        elif action == "cancel":
            payouts.cancel_batch(business, actor, options["batch"])
            self.stdout.write(f"batch {options['batch']} cancelled")
        elif action == "return":
            data = PayoutReturnInput.parse({"reason": options["reason"]})
            payouts.return_payout(business, actor, options["payout"], data)
            self.stdout.write(f"payout {options['payout']} returned; the balance is restored")
