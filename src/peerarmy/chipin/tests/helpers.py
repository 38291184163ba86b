"""Set-up shared by chip-in's tests: a chip-in program with its terms, a campaign and pledges
made through their typed inputs, payments at the till and by bank statement, and the e-mails
the outbox delivered."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.core import mail
from django.utils import timezone

from peerarmy.chipin import reconcile, services
from peerarmy.chipin.bankfiles import BankCredit
from peerarmy.chipin.inputs import (
    CampaignInput,
    ChipInSettingsInput,
    PledgeInput,
    TillPaymentInput,
)
from peerarmy.chipin.statement_files import camt053
from peerarmy.notifications.services import deliver_due
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards.tests.factories import IBANS, change_settings
from peerarmy.tenancy.tests.factories import ProgramFactory

SHOP_IBAN = IBANS[0]
PAYER_IBAN = IBANS[1]
OTHER_IBAN = IBANS[2]

_numbers = itertools.count(1)


def chipin_program(business, owner, **terms):
    """A published chip-in program with `terms` (ChipInSettingsInput's fields)."""
    program = ProgramFactory(business=business, kind=ProgramKind.CHIP_IN)
    services.update_settings(business, owner, program, ChipInSettingsInput(**terms))
    return program


def shop_bank(business, owner):
    """The shop's bank account, where friends send their pledges and refunds leave from."""
    change_settings(business, owner, debtor_name="Bici Gialla srl", debtor_iban=SHOP_IBAN)


def start(business, beneficiary, program, *, goal=100_000, days=10, **fields):
    data = CampaignInput(
        program_id=program.pk,
        goal_minor=goal,
        title=fields.pop("title", "An e-bike for Giulia"),
        deadline=timezone.now() + timedelta(days=days),
        **fields,
    )
    return services.start_campaign(business, beneficiary, data).value


def pledge(business, campaign, amount, *, name="Anna Rossi", email=None, confirm=True, **fields):
    """A pledge made (and, unless told otherwise, confirmed by its e-mail link): the
    PledgeMade, with the pledge read again."""
    email = email or f"friend{next(_numbers)}@example.com"
    made = services.make_pledge(
        business, campaign, PledgeInput(name=name, email=email, amount_minor=amount, **fields)
    ).value
    if confirm:
        services.confirm_pledge(business, made.token)
    made.pledge.refresh_from_db()
    return made


def pay_at_till(business, staff, the_pledge, amount=None):
    amount = the_pledge.left_minor if amount is None else amount
    return services.record_till_payment(
        business, staff, the_pledge, TillPaymentInput(amount_minor=amount)
    ).value


def credit(amount, *, reference="", name="ROSSI ANNA", iban=PAYER_IBAN, bank_ref=None, **fields):
    """One credit as the bank's statement lists it."""
    return BankCredit(
        line=fields.pop("line", 0),
        bank_ref=bank_ref or f"BANKREF-{next(_numbers):06d}",
        booked_on=fields.pop("booked_on", date.today()),
        amount_minor=amount,
        currency=fields.pop("currency", "EUR"),
        debtor_name=name,
        debtor_iban=iban,
        debtor_bic=fields.pop("bic", ""),
        reference=reference,
        remittance=fields.pop("remittance", ""),
        end_to_end_id=fields.pop("end_to_end_id", ""),
    )


def statement(*credits, statement_id=None):
    """The credits as a camt.053 file of the shop's account."""
    return camt053(
        list(credits),
        account_iban=SHOP_IBAN,
        statement_id=statement_id or f"STMT-{next(_numbers)}",
    )


def upload(business, staff, data, filename="statement.xml"):
    return reconcile.reconcile_statement(business, staff, data, filename=filename)


def pay_by_bank(business, staff, the_pledge, amount=None, **fields):
    """The pledge paid by a transfer quoting its reference, reconciled from a statement."""
    amount = the_pledge.left_minor if amount is None else amount
    data = statement(credit(amount, reference=the_pledge.reference, **fields))
    return upload(business, staff, data).value


def sent_mail(to=None):
    """Deliver what the outbox holds; the e-mails sent (to `to`, if given)."""
    deliver_due()
    return [m for m in mail.outbox if to is None or to in m.to]
