"""Every app's `privacy.py` (the interface is described in `tenancy.privacy`), found the way the
worker finds `tasks.PERIODIC`: by looking at each installed peerarmy app. No app registers
itself and this app imports none of them by name, so a new app with personal data only has to
write its `privacy.py`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps


@dataclass(frozen=True)
class Holder:
    """An app that holds personal data, and its privacy module."""

    label: str
    module: ModuleType

    def tables(self) -> dict:
        return getattr(self.module, "TABLES", {})


@cache
def holders() -> tuple[Holder, ...]:
    """The apps with a `privacy` module, in the order of INSTALLED_APPS (lowest first)."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("peerarmy.") or config.label == "privacy":
            continue
        name = f"{config.name}.privacy"
        if find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        if callable(getattr(module, "export", None)) and callable(getattr(module, "erase", None)):
            found.append(Holder(config.label, module))
    return tuple(found)


def erasing_order() -> tuple[Holder, ...]:
    """Highest first: an app finds the person's rows through the apps below it (the peer, the
    customer), so those are anonymised last."""
    return tuple(reversed(holders()))
