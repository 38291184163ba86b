"""Loading Django and the URL conf (every page and API router) imports no Polars: the scoring
core imports it when it runs, and `explain.format_money`, which other apps use, stays light."""

import os
import subprocess
import sys

CHECK = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
import django
django.setup()
import peerarmy.urls
from peerarmy.superfans.explain import format_money
from peerarmy.customers import services, sql
from peerarmy.superfans import invitations, services, sql
format_money(1250, "EUR")
print("polars" in sys.modules)
"""


def test_starting_django_imports_no_polars():
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=True,
    )
    assert result.stdout.strip() == "False", result.stderr


def test_the_scoring_core_still_runs_with_polars():
    from datetime import UTC, datetime

    from peerarmy.superfans import scoring

    table = scoring.superfan_scores(
        scoring.Features.from_rows([{"customer_id": 1, "orders": 2, "spend_minor": 500}]),
        as_of=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert table.customer_id == [1] and table.score[0] > 0
