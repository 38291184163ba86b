"""The archive a person downloads (GDPR art. 15 and 20): one ZIP with

- `data.json`: everything, in one file a program can read back (UTF-8);
- `csv/<app>-<table>.csv`: one file per table that has rows, as Italian Excel opens them by a
  double click (`peerarmy.excel`: UTF-8 with a BOM, `;` between fields);
- `README.txt`: what each file is, in the person's language.

Nothing here reads the database: the data comes in as {app: {table: [row, ...]}}."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from peerarmy import excel


@dataclass(frozen=True)
class Table:
    app: str
    label: str
    rows: list
    words: str  # what the table is, in the reader's language

    @property
    def filename(self) -> str:
        return f"csv/{self.app}-{self.label}.csv"


def _cell(value):
    """A value for a CSV cell: lists and objects as JSON text, the rest as `excel` writes it."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def table_csv(rows: list[dict]) -> str:
    header = []
    for row in rows:
        for key in row:
            if key not in header:
                header.append(key)
    return excel.write(header, [[_cell(row.get(key)) for key in header] for row in rows])


def tables(data: dict, descriptions: dict) -> list[Table]:
    """Every table of `data` ({app: {label: rows}}), with its words (`descriptions`:
    {app: {label: lazy words}}), in the active language."""
    found = []
    for app, labels in data.items():
        for label, rows in labels.items():
            words = descriptions.get(app, {}).get(label)
            found.append(
                Table(
                    app,
                    label,
                    rows,
                    str(words) if words else _("Data kept by “%(app)s”.") % {"app": app},
                )
            )
    return found


def build(
    *, business, data: dict, descriptions: dict, language: str, made_at, subject: str
) -> bytes:
    """The ZIP's bytes. `subject` says whose data it is (their address), `made_at` when."""
    with translation.override(language):
        found = tables(data, descriptions)
        document = {
            "business": {"name": business.name, "address": business.slug},
            "subject": subject,
            "made_at": made_at.isoformat(),
            "language": language,
            "data": data,
        }
        readme = render_to_string(
            "privacy/archive_readme.txt",
            {
                "business": business,
                "subject": subject,
                "made_at": made_at,
                "tables": found,
                "with_rows": [t for t in found if t.rows],
                "without_rows": [t for t in found if not t.rows],
            },
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme.replace("\n", "\r\n"))
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
        )
        for table in found:
            if table.rows:
                archive.writestr(table.filename, table_csv(table.rows))
    return out.getvalue()


def filename(business, made_at) -> str:
    return f"{business.slug}-my-data-{made_at:%Y-%m-%d}.zip"
