"""`peerarmy demo [--reset]`: load the demo businesses, Bici Gialla and Lecce B&B."""

import io
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from peerarmy.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoConflict, load_demo
from peerarmy.network import is_loopback


class Command(BaseCommand):
    help = (
        "Load the demo businesses (Bici Gialla in Bologna, Lecce B&B) with customers, peers and "
        "programs. Does nothing if they are already loaded; --reset deletes them and starts over."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo businesses and the demo accounts, then load them again",
        )

    def handle(self, *args, reset=False, **options):
        started = time.monotonic()
        try:
            loaded = load_demo(reset=reset)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        if loaded is None:
            self.stdout.write("demo data already loaded (`peerarmy demo --reset` starts over).")
        else:
            counts = "; ".join(
                f"{slug}: {c['customers']} customers, {c['peers']} peers, {c['programs']} programs"
                for slug, c in loaded.items()
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo data in {time.monotonic() - started:.1f} s ({counts})."
                )
            )
        self._print_summary()

    def _print_summary(self):
        site = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write("Open:")
        for path, what in [
            ("/bicigialla/", "Bici Gialla's public page"),
            ("/bicigialla/manage/", "Bici Gialla's console (owner, staff)"),
            ("/bicigialla/me/", "the peer's app"),
            ("/lecce-bnb/", "Lecce B&B, a second business"),
            ("/admin/", "Django admin (superuser)"),
            ("/api/v1/docs", "the API"),
        ]:
            self.stdout.write(f"  {site}{path:<22} {what}")
        self.stdout.write("")
        self.stdout.write(f"Log in with the password {DEMO_PASSWORD!r} as:")
        width = max(len(email) for _who, email, _path in DEMO_LOGINS)
        for who, email, _path in DEMO_LOGINS:
            self.stdout.write(f"  {email:<{width}}  {who}")
        self.stdout.write("")
        self._print_phone_hint(site)

    def _print_phone_hint(self, site):
        """How to open the demo on a phone: the address to type (and a QR code to scan) when
        the server is reachable from the network, else how to make it so."""
        if is_loopback(site):
            self.stdout.write(
                "To try it on a phone on the same Wi-Fi network, serve it to the network:\n"
                "  make demo HOST=0.0.0.0:8000\n"
                "and this list will show the address to open (with a QR code to scan)."
            )
            return
        import segno

        page = f"{site}/bicigialla/"
        self.stdout.write(f"On a phone on the same Wi-Fi network, open {page}")
        self.stdout.write("or scan this code:")
        buffer = io.StringIO()
        segno.make(page, error="m").terminal(out=buffer, compact=True)
        self.stdout.write(buffer.getvalue())
