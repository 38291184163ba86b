"""Story: Bici Gialla's staff upload their Shopify export in the console, watch the import,
read the rows that were left out and download them for Excel. Nobody else sees any of it."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerarmy.customers.models import ImportJob, ImportStatus, Order

from .files import imported, italian_excel, line, shopify_order, shopify_orders

pytestmark = pytest.mark.django_db

IMPORTS = "/bicigialla/manage/imports/"


def export_with_a_bad_row():
    return shopify_orders(
        [
            (shopify_order("#1001", "giulia@example.org", "84.70"), [line(), line(), line()]),
            (shopify_order("#1002", "marco@example", "10.00"), [line()]),
        ]
    )


def upload(client, data, name="orders_export.csv", kind="orders", fmt=""):
    return client.post(
        IMPORTS,
        {"kind": kind, "format": fmt, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def test_an_upload_is_imported_in_the_background_and_its_page_shows_the_result(
    staff_en, business, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_en, export_with_a_bad_row())

    job = ImportJob.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == f"{IMPORTS}{job.pk}/"
    assert (job.status, job.kind, job.format, job.filename) == (
        ImportStatus.SUCCEEDED,
        "orders",
        "shopify",
        "orders_export.csv",
    )
    assert (job.rows, job.records, job.created, job.error_count) == (4, 1, 1, 1)
    assert job.language == "en"
    assert Order.objects.get(business=business).line_count == 3
    # The stored upload is deleted once imported: it holds personal data.
    assert not list((settings.MEDIA_ROOT / "imports").rglob("*.csv"))

    page = staff_en.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert "orders_export.csv" in content
    assert "“marco@example” is not an e-mail address." in content
    assert f"{IMPORTS}{job.pk}/errors.csv" in content


def test_the_errors_download_opens_in_italian_excel(
    staff_en, business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_en, export_with_a_bad_row())
    job = ImportJob.objects.get(business=business)

    response = staff_en.get(f"{IMPORTS}{job.pk}/errors.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="orders_export-errors-{job.pk}.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["line", "column", "value", "reason"],
        ["5", "Email", "marco@example", "“marco@example” is not an e-mail address."],
    ]


def test_a_value_that_excel_would_run_as_a_formula_is_defused(
    staff_en, business, django_capture_on_commit_callbacks
):
    data = italian_excel([["E-mail", "Data", "Voto"], ["=HYPERLINK(1)", "15/01/2024", "9"]])
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_en, data, name="nps.csv", kind="nps")
    job = ImportJob.objects.get(business=business)

    body = b"".join(staff_en.get(f"{IMPORTS}{job.pk}/errors.csv").streaming_content)

    assert ";'=HYPERLINK(1);" in body.decode("utf-8-sig")


def test_a_file_that_cannot_be_read_is_refused_on_the_form(staff_en, business):
    response = upload(staff_en, b"PK\x03\x04 workbook", name="clienti.xlsx", kind="customers")

    assert response.status_code == 422
    assert "not a CSV file" in response.content.decode()
    assert not ImportJob.objects.filter(business=business).exists()


def test_a_file_missing_columns_is_refused_naming_them(staff_en, business):
    response = upload(
        staff_en, italian_excel([["E-mail", "Commento"], ["a@example.org", "x"]]), kind="nps"
    )

    assert response.status_code == 422
    assert "“score”" in response.content.decode()


def test_the_list_shows_past_imports_with_their_counts(staff_en, business):
    imported(business, "orders", export_with_a_bad_row(), filename="giugno.csv")

    content = staff_en.get(IMPORTS).content.decode()

    assert "giugno.csv" in content
    assert "Imports" in content


def test_the_list_costs_the_same_queries_for_few_or_many_imports(staff_en, business):
    imported(business, "orders", export_with_a_bad_row())
    with CaptureQueriesContext(connection) as few:
        staff_en.get(IMPORTS)
    for _ in range(5):
        imported(business, "orders", export_with_a_bad_row())
    with CaptureQueriesContext(connection) as many:
        staff_en.get(IMPORTS)

    assert len(many) == len(few)


def test_a_running_import_is_polled_and_the_page_reloads_when_it_ends(staff_en, business):
    job = ImportJob.objects.create(
        business=business, kind="orders", format="shopify", filename="big.csv",
        status=ImportStatus.RUNNING, phase="reading", progress=42,
    )  # fmt: skip

    page = staff_en.get(f"{IMPORTS}{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'value="42"' in page

    job.status, job.phase, job.progress = ImportStatus.SUCCEEDED, "done", 100
    job.save()
    response = staff_en.get(f"{IMPORTS}{job.pk}/progress/?was=running", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "every 1s" not in response.content.decode()


def test_nobody_outside_the_business_sees_its_imports(client, business, other_staff, peer):
    job = imported(business, "orders", export_with_a_bad_row()).job
    urls = [
        IMPORTS,
        f"{IMPORTS}{job.pk}/",
        f"{IMPORTS}{job.pk}/progress/",
        f"{IMPORTS}{job.pk}/errors.csv",
    ]
    for user in (other_staff, peer.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302, url


def test_another_business_job_id_is_not_found_in_ones_own_console(
    staff_en, business, other_business
):
    other_job = imported(other_business, "orders", export_with_a_bad_row()).job

    for suffix in ("", "progress/", "errors.csv"):
        assert staff_en.get(f"{IMPORTS}{other_job.pk}/{suffix}").status_code == 404
