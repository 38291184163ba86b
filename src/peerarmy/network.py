"""Where this installation is, when nobody said: its home folder, and the address it serves.

`home()` is the one folder the default SQLite database, the static files and uploads live in
(`<home>/var/`): `PEERARMY_HOME` if set, else the checkout peerarmy runs from, else
`~/.peerarmy` for an installed package. So `peerarmy` run from any folder opens the same
database.

`served_address(bind)` is the public address of a server bound to `bind` (`HOST:PORT`), for
`SITE_URL` when it is not set: a server bound to every interface (`0.0.0.0:8000`) is reached
from a phone on the same network at the machine's own address, which is what e-mails and the
demo's list of pages must say.
"""

import os
import socket
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
EVERY_INTERFACE = {"", "0.0.0.0", "::", "[::]", "*"}  # noqa: S104 - names to recognise, not to bind


def home() -> Path:
    given = os.environ.get("PEERARMY_HOME", "").strip()
    if given:
        return Path(given).expanduser().resolve()
    checkout = PACKAGE_DIR.parents[1]  # src/peerarmy -> the checkout
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.home() / ".peerarmy"


def lan_address() -> str:
    """This machine's address on its local network (the one a phone on the same Wi-Fi
    reaches); 127.0.0.1 when it has none. Connecting a UDP socket sends nothing: it only
    asks the system which interface would be used."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed beyond the machine
            address = probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    return address if address and not address.startswith("0.") else "127.0.0.1"


def served_address(bind: str) -> str:
    """`http://HOST:PORT` for a server bound to `bind`, the machine's network address in
    place of "every interface"."""
    host, sep, port = bind.strip().rpartition(":")
    if not sep:  # a port alone, or a host alone
        host, port = ("", bind) if bind.isdigit() else (bind, "8000")
    if host in EVERY_INTERFACE:
        host = lan_address()
    return f"http://{host}:{port}"


def is_loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return host in {"localhost", "::1"} or host.startswith("127.")
