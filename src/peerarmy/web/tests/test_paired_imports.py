"""An import is started through one input on the console and the API: the same bad options
(what the file holds, its format) and the same bad file are refused on both, naming the same
fields with the same words, and nothing is stored or queued."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from peerarmy.customers.models import ImportJob
from peerarmy.web.tests.paired import api_errors

pytestmark = pytest.mark.django_db

GOOD_FILE = b"email,first_name\r\ngiulia@example.org,Giulia\r\n"
NO_SCORE_COLUMN = b"email,comment\r\na@example.org,bene\r\n"
WORKBOOK = b"PK\x03\x04 workbook"

BAD = [
    ({"kind": "invoices"}, GOOD_FILE, {"kind"}),
    ({"kind": ""}, GOOD_FILE, {"kind"}),
    ({"format": "excel"}, GOOD_FILE, {"format"}),
    ({"kind": "invoices", "format": "excel"}, GOOD_FILE, {"kind", "format"}),
    ({"kind": "invoices"}, None, {"kind", "file"}),
    ({}, None, {"file"}),
    ({}, WORKBOOK, {"file"}),
    ({"kind": "nps"}, NO_SCORE_COLUMN, {"file"}),
]


def form_errors(response):
    """The console's form errors by input field; the page answers 422 when it refuses."""
    assert response.status_code == 422, response.status_code
    form = response.context["form"]
    return {
        form.input_names.get(field, field): sorted(str(m) for m in messages)
        for field, messages in form.errors.items()
        if field != "__all__"
    }


def body(options, content):
    data = {"kind": "customers", **options}
    if content is not None:
        data["file"] = SimpleUploadedFile("clienti.csv", content, "text/csv")
    return data


@pytest.mark.parametrize(("options", "content", "fields"), BAD)
def test_an_import_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, options, content, fields
):
    on_api = staff_api.client.post(
        "/api/v1/imports/", body(options, content), **staff_api._headers({})
    )
    on_page = staff_en.post("/bicigialla/manage/imports/", body(options, content))

    assert api_errors(on_api) == form_errors(on_page)
    assert set(api_errors(on_api)) == fields
    assert not ImportJob.objects.filter(business=business).exists()


def test_a_good_import_is_queued_on_both_paths(staff_api, staff_en, business):
    on_api = staff_api.client.post(
        "/api/v1/imports/", body({}, GOOD_FILE), **staff_api._headers({})
    )
    on_page = staff_en.post("/bicigialla/manage/imports/", body({}, GOOD_FILE))

    assert on_api.status_code == 202 and on_page.status_code == 302
    assert ImportJob.objects.filter(business=business, kind="customers").count() == 2
