"""Looking for a person everywhere: every text column (and JSON column, read as text) of every
model of the installation, for any of a few strings."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

SKIPPED_APPS = {"contenttypes", "admin", "auth"}


@dataclass(frozen=True)
class Hit:
    model: str  # "app.Model"
    field: str
    pk: object
    business_id: object

    @property
    def column(self) -> str:
        return f"{self.model}.{self.field}"


def text_columns(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
    ]


def everywhere(needles) -> list[Hit]:
    hits = []
    for model in apps.get_models():
        if model._meta.app_label in SKIPPED_APPS or model._meta.proxy:
            continue
        columns = text_columns(model)
        has_business = any(f.name == "business" for f in model._meta.concrete_fields)
        for column in columns:
            rows = model._base_manager.all()
            name = column.name
            if isinstance(column, models.JSONField):
                rows = rows.annotate(_as_text=Cast(column.name, models.TextField()))
                name = "_as_text"
            for needle in needles:
                found = rows.filter(**{f"{name}__icontains": needle})
                values = ("pk", "business_id") if has_business else ("pk",)
                for row in found.values(*values):
                    hits.append(
                        Hit(
                            model._meta.label,
                            column.name,
                            row["pk"],
                            row.get("business_id"),
                        )
                    )
    return hits


def pointing_at(user, business) -> list[str]:
    """Every row of `business` with a foreign key to `user`: "app.Model.field #pk"."""
    found = []
    User = type(user)
    for model in apps.get_models():
        if model._meta.app_label in SKIPPED_APPS:
            continue
        if not any(f.name == "business" for f in model._meta.concrete_fields):
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is User:
                for pk in model._base_manager.filter(
                    business=business, **{f.name: user}
                ).values_list("pk", flat=True):
                    found.append(f"{model._meta.label}.{f.name} #{pk}")
    return found
