"""Importing customers: Shopify's export as it is written today and as it was, and a
spreadsheet; marketing consent exactly as the file says."""

import pytest

from peerarmy.customers.models import Customer, ImportStatus
from peerarmy.tenancy.tests.factories import CustomerFactory

from .files import csv_bytes, imported, italian_excel, shopify_customers

pytestmark = pytest.mark.django_db


def customer(business, email):
    return Customer.objects.get(business=business, email=email)


def test_the_current_shopify_customers_export(business):
    data = shopify_customers(
        [
            {
                "Customer ID": "7012345678901",
                "First Name": "Giulia",
                "Last Name": "Rossi",
                "Email": "Giulia.Rossi@Example.org",
                "Accepts Email Marketing": "yes",
                "Default Address City": "Bologna",
                "Default Address Country Code": "IT",
                "Default Address Phone": "'+39 051 123456",
                "Accepts SMS Marketing": "no",
                "Total Spent": "1234.50",
                "Total Orders": "7",
                "Tags": "vip, cicloturismo",
            },
            {
                "First Name": "Emily",
                "Last Name": "Clarke",
                "Email": "emily@example.org",
                "Accepts Email Marketing": "no",
                "Default Address City": "Leeds",
                "Default Address Country Code": "GB",
                "Phone": "+44 113 496 0000",
            },
        ]
    )

    result = imported(business, "customers", data, language="en")

    assert (result.format, result.rows, result.created, result.errors) == ("shopify", 2, 2, [])
    giulia = customer(business, "giulia.rossi@example.org")
    assert (giulia.first_name, giulia.last_name, giulia.city, giulia.country) == (
        "Giulia",
        "Rossi",
        "Bologna",
        "IT",
    )
    assert giulia.external_id == "7012345678901"
    assert giulia.phone == "+39 051 123456"  # the leading ' only kept Excel off the number
    assert giulia.tags == "vip, cicloturismo"
    assert giulia.accepts_marketing is True
    assert giulia.language == "it"
    emily = customer(business, "emily@example.org")
    assert emily.accepts_marketing is False
    assert emily.language == "en"  # guessed from the country for a new customer
    assert result.job.status == ImportStatus.SUCCEEDED


def test_the_older_shopify_customers_export_with_accepts_marketing(business):
    data = shopify_customers(
        [
            {
                "First Name": "Marco",
                "Last Name": "Bianchi",
                "Email": "marco@example.it",
                "City": "Imola",
                "Country Code": "IT",
                "Phone": "+39 333 1234567",
                "Accepts Marketing": "yes",
                "Total Spent": "99.00",
                "Total Orders": "1",
            }
        ],
        old=True,
    )

    result = imported(business, "customers", data)

    assert (result.format, result.created) == ("shopify", 1)
    marco = customer(business, "marco@example.it")
    assert (marco.city, marco.phone, marco.accepts_marketing) == (
        "Imola",
        "+39 333 1234567",
        True,
    )


def test_a_customer_who_withdrew_consent_in_shopify_loses_it_here(business):
    CustomerFactory(business=business, email="anna@example.org", accepts_marketing=True)
    data = shopify_customers(
        [{"Email": "anna@example.org", "Accepts Email Marketing": "no", "First Name": "Anna"}]
    )

    result = imported(business, "customers", data)

    assert result.updated == 1
    assert customer(business, "anna@example.org").accepts_marketing is False


def test_a_file_that_does_not_say_never_grants_nor_removes_consent(business):
    CustomerFactory(business=business, email="anna@example.org", accepts_marketing=True)
    data = csv_bytes(
        [["email", "nome"], ["anna@example.org", "Anna"], ["nuovo@example.org", "Nuovo"]]
    )

    imported(business, "customers", data)

    assert customer(business, "anna@example.org").accepts_marketing is True
    assert customer(business, "nuovo@example.org").accepts_marketing is False


def test_a_spreadsheet_of_customers_with_italian_headers(business):
    data = italian_excel(
        [
            ["Nome", "Cognome", "E-mail", "Città", "Lingua", "Consenso marketing"],
            ["Niccolò", "Dall'Olio", "niccolo@example.it", "Forlì", "italiano", "sì"],
            ["Jonas", "Müller", "jonas@example.org", "Bologna", "de", "no"],
        ]
    )

    result = imported(business, "customers", data)

    assert (result.format, result.encoding, result.created) == ("generic", "cp1252", 2)
    niccolo = customer(business, "niccolo@example.it")
    assert (niccolo.first_name, niccolo.last_name, niccolo.city) == (
        "Niccolò",
        "Dall'Olio",
        "Forlì",
    )
    assert (niccolo.language, niccolo.accepts_marketing) == ("it", True)
    assert customer(business, "jonas@example.org").language == "en"


def test_a_language_tag_in_shopify_sets_the_language(business):
    data = shopify_customers(
        [
            {
                "Email": "sanne@example.org",
                "Tags": "lang:en, cargo",
                "Default Address Country Code": "IT",
            }
        ]
    )

    imported(business, "customers", data)

    assert customer(business, "sanne@example.org").language == "en"


def test_columns_the_file_lacks_are_left_as_they_are(business):
    CustomerFactory(business=business, email="anna@example.org", city="Bologna", phone="051 1")
    data = csv_bytes([["email", "first_name"], ["anna@example.org", "Anna Maria"]])

    result = imported(business, "customers", data)

    anna = customer(business, "anna@example.org")
    assert (anna.first_name, anna.city, anna.phone) == ("Anna Maria", "Bologna", "051 1")
    assert result.updated == 1


def test_the_same_email_twice_in_a_file_keeps_the_first_and_reports_the_second(business):
    data = csv_bytes(
        [["email", "nome"], ["anna@example.org", "Anna"], ["ANNA@example.org", "Annina"]]
    )

    result = imported(business, "customers", data, language="en")

    assert result.created == 1
    assert customer(business, "anna@example.org").first_name == "Anna"
    [error] = result.errors
    assert (error.line, error.column) == (3, "email")
    assert "line 2" in error.message


def test_utf8_with_a_bom_as_excel_saves_csv_utf8(business):
    data = csv_bytes([["E-mail", "Nome", "Città"], ["zoe@example.org", "Zoë", "Forlì"]], bom=True)

    result = imported(business, "customers", data)

    assert (result.encoding, result.created) == ("utf-8-sig", 1)
    zoe = customer(business, "zoe@example.org")
    assert (zoe.first_name, zoe.city) == ("Zoë", "Forlì")
