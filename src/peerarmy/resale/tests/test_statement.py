"""A reservation paid ahead by bank transfer is found in the bank statement the shop uploads
for chip-in (by the RF reference the buyer quoted): the money waits for the buyer, and the sale
draws from it; a reservation cancelled after its payment owes the money back to the account it
came from; a return of such a sale gives it back at the till; another amount stays for staff.
The books are checked at every step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.chipin.models import BankCredit, CreditStatus
from peerarmy.chipin.tests.helpers import PAYER_IBAN, credit, statement, upload
from peerarmy.resale import services
from peerarmy.resale.inputs import ReturnInput, SaleInput
from peerarmy.resale.models import ListingStatus, ReservationStatus
from peerarmy.rewards import ledger
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import AccountKind, Refund
from peerarmy.tenancy.tests.factories import UserFactory

from .helpers import category, public_listing, resale_program, reserve

pytestmark = pytest.mark.django_db


def _balance(business, kind):
    spec = ledger.house(kind, "EUR")
    ref = ledger.accounts(business.pk, [spec])[spec]
    return ledger.balance(business.pk, ref.id)


@pytest.fixture
def reservation(business, owner):
    program = resale_program(business, owner)
    seats = category(business, owner, program)
    item = public_listing(business, UserFactory(), owner, program, seats)  # 40 €
    return reserve(business, item).reservation


def _pay(business, owner, reservation, amount=4000):
    file = statement(credit(amount, reference=reservation.reference, name="BIANCHI MARCO"))
    return upload(business, owner, file).value


def test_the_statement_pays_the_reservation_and_the_sale_draws_from_it(
    business, owner, reservation
):
    done = _pay(business, owner, reservation)
    reservation.refresh_from_db()
    assert reservation.paid_ahead_at is not None and reservation.paid_ahead_minor == 4000
    assert reservation.payer_iban == PAYER_IBAN
    row = BankCredit.objects.get(statement=done)
    assert row.status == CreditStatus.MATCHED and reservation.code in row.paid_for
    assert _balance(business, AccountKind.BANK) == 4000
    assert check_business(business.pk) == []
    # paid: it no longer expires by itself
    assert services.expire_reservations(now=timezone.now() + timedelta(days=5)) == 0
    services.mark_sold(business, owner, reservation, SaleInput(paid_by="till"))
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.SOLD and reservation.paid_by == "transfer"
    assert _balance(business, AccountKind.TILL) == 0  # the money came by the bank, once
    assert _balance(business, AccountKind.RESALE_PAID_AHEAD) == 0
    assert check_business(business.pk) == []


def test_a_paid_reservation_cancelled_owes_the_money_back(business, owner, reservation):
    _pay(business, owner, reservation)
    services.cancel_reservation(business, reservation, actor=owner)
    owed = Refund.objects.get(business=business)
    assert (owed.amount_minor, owed.iban) == (4000, PAYER_IBAN)
    reservation.listing.refresh_from_db()
    assert reservation.listing.status == ListingStatus.PUBLIC
    assert check_business(business.pk) == []


def test_a_paid_sale_brought_back_is_given_back_at_the_till(business, owner, reservation):
    _pay(business, owner, reservation)
    services.mark_sold(business, owner, reservation, SaleInput())
    services.return_sale(business, owner, reservation, ReturnInput(reason="Troppo grande"))
    assert _balance(business, AccountKind.TILL) == -4000
    assert _balance(business, AccountKind.RESALE_PAID_AHEAD) == 0
    assert check_business(business.pk) == []


def test_another_amount_stays_for_staff(business, owner, reservation):
    done = _pay(business, owner, reservation, amount=3500)
    reservation.refresh_from_db()
    assert reservation.paid_ahead_at is None
    row = BankCredit.objects.get(statement=done)
    assert row.status == CreditStatus.UNMATCHED and reservation.code in row.paid_for
    assert check_business(business.pk) == []
