"""The demo businesses (Bici Gialla in Bologna, Lecce B&B), a module per business and
capability: `specs` (the shapes), `people` (made-up names and places), `bicigialla`,
`leccebnb`, and what each capability adds on top (`scheduling`, `rewards`, `matching`);
`loader` writes them through the services, as `peerarmy demo` and the tests do."""

from .loader import load_demo
from .specs import DEMO_LOGINS, DEMO_PASSWORD, DemoConflict

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DemoConflict", "load_demo"]
