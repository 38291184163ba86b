"""`peerarmy import`: the operator's way in, with a progress bar and a summary."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peerarmy.customers.models import Order

from .files import line, shopify_order, shopify_orders

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "orders_export.csv"
    data = shopify_orders(
        [
            (shopify_order("#1001", "giulia@example.org", "84.70"), [line(), line(), line()]),
            (shopify_order("#1002", "not-an-email", "10.00"), [line()]),
        ]
    )
    path.write_bytes(data)
    return path


def test_json_summary_counts_orders_once_and_lists_the_bad_rows(business, export):
    out, _err = run(
        "orders", str(export), "--business", business.slug, "--json", "--language", "en"
    )

    summary = json.loads(out)
    counts = ("rows", "records", "created", "updated", "errors", "bad_rows")
    assert {k: summary[k] for k in counts} == {
        "rows": 4,
        "records": 1,
        "created": 1,
        "updated": 0,
        "errors": 1,
        "bad_rows": 1,
    }
    assert summary["error_details"] == [
        {
            "line": 5,
            "column": "Email",
            "value": "not-an-email",
            "message": "“not-an-email” is not an e-mail address.",
        }
    ]
    assert Order.objects.get(business=business).line_count == 3


def test_a_second_run_reports_everything_unchanged(business, export):
    run("orders", str(export), "--business", business.slug)

    out, _err = run("orders", str(export), "--business", business.slug, "--json")

    summary = json.loads(out)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 1)


def test_the_plain_summary_and_progress(business, export):
    out, err = run("orders", str(export), "--business", business.slug, "--language", "en")

    assert "(shopify), Orders: 4 rows read, 1 found: 1 created, 0 updated, 0 unchanged" in out
    assert "unchanged; 1 bad rows (1 errors)." in out
    assert "1 new customer came with the orders." in out
    assert "  line 5, column “Email”: “not-an-email” is not an e-mail address." in out
    assert "reading" in err and "saving" in err


def test_a_file_that_cannot_be_read_exits_with_a_clear_message(business, tmp_path):
    path = tmp_path / "clienti.xlsx"
    path.write_bytes(b"PK\x03\x04 a workbook")

    with pytest.raises(CommandError) as error:
        run("customers", str(path), "--business", business.slug, "--language", "en")

    assert "clienti.xlsx" in str(error.value) and "not a CSV file" in str(error.value)


def test_a_missing_file_and_an_unknown_business_are_refused(business, tmp_path):
    with pytest.raises(CommandError, match="cannot be opened"):
        run(
            "customers", str(tmp_path / "nope.csv"), "--business", business.slug, "--language", "en"
        )
    with pytest.raises(CommandError, match="No business"):
        run("customers", str(tmp_path / "nope.csv"), "--business", "nobody")


def test_the_language_of_the_messages_is_the_input_s_to_check(business, export):
    with pytest.raises(CommandError) as error:
        run("orders", str(export), "--business", business.slug, "--language", "fr")
    assert str(error.value) == "--language: Choose one of: it, en."
    assert not Order.objects.exists()

    out, _err = run("orders", str(export), "--business", business.slug, "--language", "it")
    assert "“not-an-email” non è un indirizzo e-mail." in out
