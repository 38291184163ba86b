"""An import is safe: the same file twice changes nothing, a newer export updates what
changed, every bad row is reported with its line, column and reason while the good rows are
kept, and a failure while saving leaves nothing half-written."""

from unittest import mock

import pytest
from django.db import DatabaseError

from peerarmy import events
from peerarmy.customers import services, sql
from peerarmy.customers.importers.readers import UnreadableFile
from peerarmy.customers.models import (
    Customer,
    ImportJob,
    ImportKind,
    ImportRowError,
    ImportStatus,
    Order,
)
from peerarmy.tenancy.tests.factories import CustomerFactory

from .files import (
    csv_bytes,
    imported,
    italian_excel,
    line,
    shopify_customers,
    shopify_order,
    shopify_orders,
)

pytestmark = pytest.mark.django_db


def orders_export(total_1001="84.70", status_1002="paid"):
    return shopify_orders(
        [
            (shopify_order("#1001", "giulia@example.org", total_1001), [line(), line(), line()]),
            (
                shopify_order("#1002", "marco@example.org", "45.00",
                              **{"Financial Status": status_1002}),
                [line()],
            ),
        ]
    )  # fmt: skip


def test_importing_the_same_file_twice_creates_and_updates_nothing(business):
    first = imported(business, "orders", orders_export())
    snapshot = list(Order.objects.order_by("pk").values())

    second = imported(business, "orders", orders_export())

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert second.customers_created == 0
    assert list(Order.objects.order_by("pk").values()) == snapshot  # not even imported_at


def test_importing_customers_twice_changes_nothing(business):
    data = shopify_customers(
        [{"Email": "a@example.org", "First Name": "A", "Accepts Email Marketing": "yes"}]
    )
    imported(business, "customers", data)
    updated_at = Customer.objects.get().updated_at

    again = imported(business, "customers", data)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Customer.objects.get().updated_at == updated_at


def test_a_newer_export_updates_the_orders_that_changed(business):
    imported(business, "orders", orders_export())

    newer = imported(business, "orders", orders_export(status_1002="refunded"))

    assert (newer.created, newer.updated, newer.unchanged) == (0, 1, 1)
    assert Order.objects.get(external_id="5000000001002").financial_status == "refunded"


def test_bad_rows_are_reported_with_line_column_and_reason_and_the_rest_is_imported(business):
    data = italian_excel(
        [
            ["Numero ordine", "E-mail", "Data", "Totale"],
            ["A-1", "giulia@example.org", "15/01/2024", "12,50"],
            ["A-2", "not-an-email", "15/01/2024", "12,50"],
            ["A-3", "marco@example.org", "31/02/2024", "12,50"],
            ["A-4", "marco@example.org", "15/01/2024", "dodici"],
            ["A-5", "anna@example.org", "16/01/2024", "7,00"],
        ]
    )

    result = imported(business, "orders", data, language="en")

    assert result.created == 2
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["A-1", "A-5"]
    errors = [(e.line, e.column, e.value) for e in result.errors]
    assert errors == [
        (3, "E-mail", "not-an-email"),
        (4, "Data", "31/02/2024"),
        (5, "Totale", "dodici"),
    ]
    assert "not an e-mail address" in result.errors[0].message
    assert "not a real date" in result.errors[1].message
    assert "not an amount" in result.errors[2].message
    job = result.job
    assert (job.status, job.rows, job.records, job.error_count) == (
        ImportStatus.SUCCEEDED,
        5,
        2,
        3,
    )
    assert list(job.row_errors.values_list("line", "column")) == [
        (3, "E-mail"),
        (4, "Data"),
        (5, "Totale"),
    ]


@pytest.mark.parametrize(
    ("kind", "header", "row", "column"),
    [
        ("customers", ["email", "nome"], ["giulia", "Giulia"], "email"),
        ("orders", ["order id", "email", "date", "total"], ["1", "a@example.org", "2024-01-01", "x"], "total"),
        ("reviews", ["email", "rating", "date"], ["a@example.org", "6", "2024-01-01"], "rating"),
        ("nps", ["email", "date", "score"], ["a@example.org", "2024-01-01", "11"], "score"),
        ("nps", ["email", "date", "score"], ["a@example.org", "ieri", "9"], "date"),
        ("referrals", ["referrer", "friend", "date"], ["a@example.org", "a@example.org", "2024-01-01"], "friend"),
        ("mentions", ["platform", "url", "date"], ["Instagram", "instagram/p/1", "2024-01-01"], "url"),
    ],
)  # fmt: skip
def test_a_bad_value_of_every_kind_is_reported_and_the_good_row_kept(
    business, kind, header, row, column
):
    good = {
        "customers": ["b@example.org", "Bea"],
        "orders": ["2", "b@example.org", "2024-01-02", "5.00"],
        "reviews": ["b@example.org", "5", "2024-01-02"],
        "nps": ["b@example.org", "2024-01-02", "9"],
        "referrals": ["b@example.org", "c@example.org", "2024-01-02"],
        "mentions": ["Instagram", "https://instagram.example/p/2", "2024-01-02"],
    }[kind]

    result = imported(business, kind, csv_bytes([header, row, good]), language="en")

    assert result.created == 1
    [error] = result.errors
    assert (error.line, error.column) == (2, column)
    assert error.message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"PK\x03\x04 an xlsx", "not_csv"),
        (bytes(range(256)) * 4, "not_csv"),
        (b"nome;cognome\r\nGiulia;Rossi\r\n", "missing_columns"),
        (b"email|first_name\r\na@example.org|A\r\n", "missing_columns"),
    ],
)
def test_a_file_that_cannot_be_imported_at_all_fails_the_job_and_writes_nothing(
    business, data, code
):
    with pytest.raises(UnreadableFile) as error:
        imported(business, "customers", data, language="en", filename="clienti.csv")

    assert error.value.code == code
    job = ImportJob.objects.get(business=business)
    assert (job.status, job.filename) == (ImportStatus.FAILED, "clienti.csv")
    assert job.failure == str(error.value.message)
    assert Customer.objects.count() == 0


def test_missing_columns_are_named(business):
    with pytest.raises(UnreadableFile) as error:
        imported(business, "nps", b"E-mail;Commento\r\na@example.org;bene\r\n", language="en")

    message = str(error.value.message)
    assert "“score”" in message and "“date”" in message
    assert "“E-mail”, “Commento”" in message


def test_a_file_with_only_a_header_imports_nothing_and_succeeds(business):
    result = imported(business, "customers", b"email,first_name\r\n")

    assert (result.rows, result.created, result.errors) == (0, 0, [])
    assert result.job.status == ImportStatus.SUCCEEDED


def test_a_file_in_the_wrong_format_for_its_kind_names_the_columns_it_needs(business):
    with pytest.raises(UnreadableFile) as error:
        imported(business, "orders", orders_export(), fmt="woocommerce", language="en")

    assert "(format: WooCommerce): “status”." in str(error.value.message)


def test_a_truncated_file_keeps_the_rows_before_the_unclosed_quote(business):
    data = b'email,first_name\r\na@example.org,Anna\r\nb@example.org,"Bea\r\nc@example.org,Ciro\r\n'

    result = imported(business, "customers", data, language="en")

    assert list(Customer.objects.values_list("email", flat=True)) == ["a@example.org"]
    [error] = result.errors
    assert error.line == 3 and "never closed" in error.message


def test_a_failure_while_saving_leaves_nothing_half_written(business):
    CustomerFactory(business=business, email="giulia@example.org", first_name="Giulia")
    before = list(Customer.objects.values_list("email", "first_name"))
    data = csv_bytes(
        [["email", "first_name"], ["giulia@example.org", "Changed"]]
        + [[f"c{n}@example.org", f"C{n}"] for n in range(12)]
    )
    calls = []
    real = sql.write_batch

    def fail_on_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("disk full")
        return real(*args)

    with (
        mock.patch.object(sql, "BATCH_SIZE", 5),
        mock.patch.object(sql, "write_batch", fail_on_second_batch),
        pytest.raises(DatabaseError),
    ):
        imported(business, "customers", data, language="en")

    assert len(calls) == 2  # the first batch was written, then the write failed
    assert list(Customer.objects.values_list("email", "first_name")) == before
    job = ImportJob.objects.get(business=business, kind=ImportKind.CUSTOMERS)
    assert job.status == ImportStatus.FAILED
    assert "nothing from this file was saved" in job.failure


def test_progress_is_reported_from_reading_to_done(business):
    seen = []

    imported(business, "orders", orders_export(), progress=lambda p, f: seen.append((p, f)))

    phases = [phase for phase, _fraction in seen]
    assert phases[0] == "saving" or phases[0] == "reading"
    assert phases[-1] == "done" and seen[-1][1] == 1.0
    fractions = [fraction for _phase, fraction in seen]
    assert fractions == sorted(fractions)


def test_errors_are_kept_with_the_job_in_the_importers_language(business):
    data = csv_bytes([["email"], ["nope"]])

    result = imported(business, "customers", data, language="en")

    [stored] = ImportRowError.objects.filter(job=result.job)
    assert (stored.line, stored.column, stored.value) == (2, "email", "nope")
    assert stored.message == "“nope” is not an e-mail address."


def test_a_file_of_nothing_but_bad_rows_keeps_the_first_ones_and_counts_them_all(business):
    data = csv_bytes([["email"]] + [[f"bad-{n}"] for n in range(5)])

    with mock.patch("peerarmy.customers.importers.formats.MAX_ERRORS_KEPT", 2):
        result = imported(business, "customers", data)

    assert (result.error_count, len(result.errors)) == (5, 2)
    assert result.job.error_count == 5
    assert result.job.row_errors.count() == 2


def test_bad_rows_and_errors_are_counted_apart(business):
    # Two bad rows, four errors: the first row has three faults, the second one.
    data = csv_bytes(
        [
            ["email", "accepts_marketing", "language", "created_at"],
            ["nope", "maybe", "klingon", "yesterday"],
            ["good@example.org", "yes", "it", "2024-01-15"],
            ["also-nope", "yes", "it", "2024-01-15"],
        ]
    )

    result = imported(business, "customers", data, language="en")

    assert (result.bad_rows, result.error_count) == (2, result.error_count)
    assert result.error_count > result.bad_rows
    assert (result.job.bad_rows, result.job.error_count) == (2, result.error_count)
    assert result.summary()["bad_rows"] == 2


def test_a_value_longer_than_pythons_default_csv_limit_is_read(business):
    note = "a" * 200_000  # Python's csv refuses more than 131,072 characters by default
    data = csv_bytes([["email", "note"], ["a@example.org", note], ["b@example.org", "x"]])

    result = imported(business, "customers", data, language="en")

    assert (result.created, result.error_count) == (2, 0)


def test_a_value_longer_than_the_limit_is_named_for_what_it_is(business, monkeypatch):
    from peerarmy.customers.importers import readers

    monkeypatch.setattr(readers, "FIELD_LIMIT", 1000)
    data = csv_bytes([["email", "note"], ["a@example.org", "short"], ["b@example.org", "a" * 1001]])
    try:
        result = imported(business, "customers", data, language="en")
    finally:
        monkeypatch.undo()
        imported(business, "customers", csv_bytes([["email"], ["c@example.org"]]))

    [error] = result.errors
    assert error.line == 3
    assert "longer than 1,000 characters" in error.message
    assert result.created == 1


def test_an_import_that_changed_something_says_so_to_the_other_apps(business):
    heard = []

    def listener(business, name, *, key, payload):
        heard.append((business.pk, name, key, payload))

    events.subscribe(services.IMPORTED, listener)
    try:
        result = imported(business, "customers", csv_bytes([["email"], ["a@example.org"]]))
        imported(business, "customers", csv_bytes([["email"], ["a@example.org"]]))
    finally:
        events._handlers[services.IMPORTED].remove(listener)

    job = result.job.pk
    assert heard == [
        (
            business.pk,
            "customers.imported",
            f"import:{job}",
            {"job": job, "kind": "customers", "created": 1, "updated": 0, "rescore": True},
        )
    ]
