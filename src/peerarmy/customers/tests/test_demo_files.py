"""The demo's customers arrive through the real importers, from the files in demo/."""

import importlib.util

import pytest
from django.db.models import Count

from peerarmy.customers.models import (
    Customer,
    ImportJob,
    ImportStatus,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
)
from peerarmy.demo import load_demo
from peerarmy.demo.bicigialla import BICI_GIALLA_IMPORTS, DEMO_DIR
from peerarmy.peers.models import Peer


@pytest.mark.django_db
def test_bici_gialla_is_imported_from_its_exports_without_a_bad_row():
    load_demo()

    # (the share links' demo imports one more file later: a friend's first order)
    jobs = ImportJob.objects.filter(
        business__slug="bicigialla", filename__in=[f for _k, f in BICI_GIALLA_IMPORTS]
    ).order_by("pk")
    assert [(j.kind, j.filename) for j in jobs] == [(k, f) for k, f in BICI_GIALLA_IMPORTS]
    assert all(j.status == ImportStatus.SUCCEEDED and j.error_count == 0 for j in jobs)
    formats = {j.kind: (j.format, j.encoding, j.delimiter) for j in jobs}
    assert formats["customers"] == ("shopify", "utf-8", ",")
    assert formats["orders"] == ("shopify", "utf-8", ",")
    assert formats["nps"] == ("generic", "cp1252", ";")

    shop = {"business__slug": "bicigialla"}
    assert Customer.objects.filter(**shop).count() == 300
    orders = jobs.get(kind="orders")
    assert orders.rows > orders.records > 1000  # one row per line item, counted once
    assert Order.objects.filter(**shop, customer__isnull=True).count() == 0
    statuses = dict(
        Order.objects.filter(**shop).values_list("financial_status").annotate(n=Count("id"))
    )
    assert {"paid", "refunded", "partially_refunded", "voided"} <= set(statuses)
    assert NpsResponse.objects.filter(**shop, comment__contains="però").exists()
    assert NpsResponse.objects.filter(**shop, customer__isnull=True).exists()
    assert Review.objects.filter(**shop).exists()
    assert Referral.objects.filter(**shop, converted=True).exists()
    assert Mention.objects.filter(**shop).exists()
    # Peers who are customers are still linked to their customer record.
    assert Peer.objects.filter(business__slug="bicigialla", customer__isnull=False).count() >= 20
    english = Customer.objects.filter(**shop, language="en").count()
    assert 0 < english < 100


def test_the_shipped_files_are_what_the_script_writes(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_demo_files", DEMO_DIR / "make_demo_files.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    script.main(tmp_path)

    for _kind, name in BICI_GIALLA_IMPORTS:
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name
