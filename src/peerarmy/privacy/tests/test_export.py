"""The archive a person downloads holds their rows, in every app, and nobody else's: not
another peer's of the same shop, not their own rows at another business."""

import csv
import io
import json
import zipfile

import pytest

from peerarmy.privacy import archive, services
from peerarmy.privacy.models import AccessRecord
from peerarmy.privacy.registry import holders
from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory, UserFactory

from .world import MARTA_EMAIL, build

pytestmark = pytest.mark.django_db


def unpack(content: bytes):
    with zipfile.ZipFile(io.BytesIO(content)) as found:
        return {name: found.read(name) for name in found.namelist()}


def test_the_archive_holds_the_persons_rows_in_every_app_and_nobody_elses():
    world = build()
    marta = services.identify(world.shop, user=world.marta)
    download = services.export_own(world.shop, marta)
    files = unpack(download.content)
    assert download.filename.startswith("bicigialla-my-data-")
    document = json.loads(files["data.json"])
    data = document["data"]

    assert data["customers"]["customers"][0]["email"] == MARTA_EMAIL
    assert data["peers"]["peer_profile"][0]["bio"] == "I am Marta Zanetti, I ride every day."
    assert data["rewards"]["payouts"][0]["account_holder"] == "Marta Zanetti"
    assert data["rewards"]["bank_details"][0]["account_holder"] == "Marta Zanetti"
    assert {t["subject"] for t in data["support"]["tickets"]} == {
        "Payment for Marta Zanetti",
        "Question from Marta Zanetti",
    }
    assert "Yes Marta Zanetti, on Monday." in {m["body"] for m in data["support"]["messages"]}
    assert data["matching"]["requests"][0]["note"] == "Marta Zanetti loves bikes"
    assert data["sharing"]["bookings"][0]["phone"] == "+393331234567"
    assert data["chipin"]["pledges"][0]["message"] == "From Marta Zanetti, with love"
    assert data["resale"]["listings"][0]["description"] == "Used by Marta Zanetti's daughter"
    assert len(data["trust"]["ratings"]) == 3
    assert data["notifications"]["messages"], "the e-mails sent to her"

    text = files["data.json"].decode()
    assert "paolo" not in text.lower() and "Bianchi" not in text, "another peer's data"
    assert "guide in Lecce" not in text, "her data at another business"
    for name, content in files.items():
        assert b"Paolo" not in content, name

    # one CSV per table with rows, as Italian Excel opens it; the README names each
    orders = files["csv/customers-orders.csv"].decode("utf-8")
    assert orders.startswith("\ufeff") and ";" in orders.splitlines()[0]
    rows = list(csv.reader(io.StringIO(orders.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["source", "id_in_source"] and len(rows) == 2
    readme = files["README.txt"].decode()
    for name in files:
        if name.startswith("csv/"):
            assert name in readme
    assert {name for name in files if not name.startswith("csv/")} == {"README.txt", "data.json"}

    # written in the audit trail as her own export, naming her by a hash only
    record = AccessRecord.objects.get(business=world.shop, action="exported")
    assert record.by_subject and record.what == "data_export"
    assert record.subject == marta.subject and "marta" not in record.subject


# the apps whose privacy.py this capability wrote (spread and alliances have their own)
OWN = {
    "accounts", "tenancy", "customers", "superfans", "peers", "scheduling", "rewards",
    "matching", "support", "chipin", "sharing", "resale", "trust", "notifications", "privacy",
}  # fmt: skip


def test_every_app_that_holds_personal_data_says_what_each_table_is(business):
    person = services.identify(business, email="nobody@example.org")
    data = services.collect(business, person)
    words = services.descriptions()
    for app, tables in data.items():
        if app not in OWN:
            continue  # their README lines fall back to "Data kept by …"
        for label in tables:
            assert label in words.get(app, {}), f"{app}.{label} has no words for the README"
    assert {"customers", "peers", "rewards", "support", "notifications"} <= {
        h.label for h in holders()
    }


def test_a_customer_without_an_account_gets_their_customer_rows_only(business):
    mine = CustomerFactory(business=business, email="ada@example.org", first_name="Ada")
    CustomerFactory(business=business, email="bea@example.org", first_name="Bea")
    PeerFactory(business=business)
    person = services.identify(business, email="ADA@example.org")
    data = services.collect(business, person)
    assert [c["id"] for c in data["customers"]["customers"]] == [mine.pk]
    assert data["peers"]["peer_profile"] == []
    assert services.holds_anything(business, person)
    assert not services.holds_anything(business, services.identify(business, email="x@example.org"))
    # an account alone is the installation's, not the shop's: no link for a stranger's address
    stranger = UserFactory()
    assert not services.holds_anything(business, services.identify(business, email=stranger.email))


def test_a_csv_cell_holds_lists_as_json_and_no_formula():
    text = archive.table_csv([{"a": ["x", 1], "b": "=SUM(A1)", "c": None}])
    header, row = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")]
    assert header == ["a", "b", "c"]
    assert row == ['["x", 1]', "'=SUM(A1)", ""]
