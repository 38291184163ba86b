"""Exports an owner opens in Excel: the peers and the superfans lists as filtered, in the
Italian Excel dialect (a BOM, `;`, CRLF, decimal commas, dd/mm/yyyy), with no cell a
spreadsheet would run as a formula, and only the business's own rows."""

import csv
import io

import pytest
from django.conf import settings

from peerarmy import excel
from peerarmy.peers.models import PeerStatus
from peerarmy.superfans.services import score_business
from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory

pytestmark = pytest.mark.django_db


def rows_of(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff") and "\r\n" in body
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    return client


def test_the_peers_list_exports_as_filtered_and_formula_safe(
    owner_client, business, other_business
):
    PeerFactory(business=business, display_name='=HYPERLINK("http://evil")')
    PeerFactory(business=business, display_name="Anna", status=PeerStatus.APPLICANT)
    PeerFactory(business=other_business, display_name="Theirs")

    everyone = rows_of(owner_client.get(f"/{business.slug}/manage/peers/export.csv"))
    applicants = rows_of(
        owner_client.get(f"/{business.slug}/manage/peers/export.csv?status=applicant")
    )

    assert everyone[0][0] == "Nome visibile agli altri"  # in the reader's language
    names = [row[0] for row in everyone[1:]]
    assert '\'=HYPERLINK("http://evil")' in names and "Anna" in names
    assert "Theirs" not in names
    assert [row[0] for row in applicants[1:]] == ["Anna"]
    applied = everyone[1][8]
    assert len(applied) == 16 and applied[2] == "/" and applied[5] == "/"  # dd/mm/yyyy hh:mm


def test_the_superfans_list_exports_with_decimal_commas(owner_client, business, other_business):
    from peerarmy.superfans.tests.factories import OrderFactory

    giulia = CustomerFactory(business=business, email="giulia@example.org", first_name="Giulia")
    OrderFactory(customer=giulia, total_minor=12_345)
    CustomerFactory(business=other_business, email="theirs@example.org")
    score_business(business)

    rows = rows_of(owner_client.get(f"/{business.slug}/manage/superfans/export.csv"))

    assert rows[0][0] == "E-mail"
    (row,) = rows[1:]
    assert row[0] == "giulia@example.org" and row[1] == "Giulia"
    assert row[6] == "123,45"  # spend, with a decimal comma


def test_a_peer_cannot_export(client, business, peer):
    client.force_login(peer.user)
    assert client.get(f"/{business.slug}/manage/peers/export.csv").status_code == 403
    assert client.get(f"/{business.slug}/manage/superfans/export.csv").status_code == 403


@pytest.mark.parametrize("text", ["=1+1", "+39 333", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_no_cell_starts_a_formula(text):
    assert excel.cell(text) == "'" + text
    assert excel.cell("Bici Gialla") == "Bici Gialla"
