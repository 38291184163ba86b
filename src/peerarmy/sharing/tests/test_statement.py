"""A booking paid ahead by bank transfer is found in the bank's statement that the shop uploads
for chip-in (by the RF reference the rider quoted): the rental and the deposit are held as when
staff record the transfer by hand; another amount stays on the statement for staff, saying
which booking it was meant for; the same statement uploaded again takes nothing twice."""

import pytest

from peerarmy.chipin.models import BankCredit, CreditStatus
from peerarmy.chipin.tests.helpers import credit, statement, upload
from peerarmy.rewards.checks import check_business
from peerarmy.sharing.models import BookingStatus

from .helpers import asset, book, sharing_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(business, owner):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    return book(business, bike, hours=3, payment_method="transfer").booking  # 18 € + 50 €


def test_the_statement_pays_the_booking_ahead(business, owner, booking):
    file = statement(credit(6800, reference=booking.reference, name="FERRI PAOLO"))
    done = upload(business, owner, file).value
    booking.refresh_from_db()
    assert booking.paid_at is not None and booking.paid_by_transfer
    assert booking.taken_minor == 6800 and booking.held_minor == 6800
    assert booking.status == BookingStatus.CONFIRMED
    row = BankCredit.objects.get(statement=done)
    assert row.status == CreditStatus.MATCHED and booking.code in row.paid_for
    assert done.matched == 1
    assert check_business(business.pk) == []
    # the same file again, or the same transfer in the next statement: nothing twice
    assert upload(business, owner, file).replayed
    again = statement(credit(6800, reference=booking.reference, bank_ref=row.bank_ref))
    upload(business, owner, again)
    booking.refresh_from_db()
    assert booking.taken_minor == 6800
    assert check_business(business.pk) == []


def test_another_amount_stays_for_staff_with_the_booking_it_meant(business, owner, booking):
    done = upload(business, owner, statement(credit(5000, reference=booking.reference))).value
    booking.refresh_from_db()
    assert booking.paid_at is None and booking.taken_minor == 0
    row = BankCredit.objects.get(statement=done)
    assert row.status == CreditStatus.UNMATCHED and booking.code in row.paid_for
    assert check_business(business.pk) == []


def test_a_booking_of_another_business_is_not_paid(business, owner, other_business, booking):
    from peerarmy.chipin.tests.helpers import shop_bank
    from peerarmy.tenancy.tests.factories import OwnerFactory

    theirs = OwnerFactory(business=other_business).user
    shop_bank(other_business, theirs)
    upload(other_business, theirs, statement(credit(6800, reference=booking.reference)))
    booking.refresh_from_db()
    assert booking.paid_at is None
