"""Write demo/camt053-bicigialla.xml, the bank statement that pays two of the demo's pledges
(see src/peerarmy/demo/chipin.py): run it again only if the demo's fixed references change.

    .venv/bin/python demo/make_demo_statement.py
"""

import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from peerarmy.demo.chipin import STATEMENT_FILE, demo_statement  # noqa: E402

if __name__ == "__main__":
    STATEMENT_FILE.write_bytes(demo_statement(date(2026, 12, 1)))
    print(STATEMENT_FILE.relative_to(ROOT))
