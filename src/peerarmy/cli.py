"""The `peerarmy` console command: one entry point for operators, wrapping Django's commands."""

import argparse
import os
import signal
import subprocess
import sys

COMMANDS = {
    "migrate": "create or update the database tables",
    "demo": "load the demo businesses (Bici Gialla, Lecce B&B); --reset starts over",
    "serve": "serve the web application with gunicorn (static files by WhiteNoise)",
    "worker": "run background tasks (outbox delivery and the rest) from the database queue",
    "business": "business create SLUG --name NAME --owner EMAIL",
    "token": "token create --business SLUG --user EMAIL: print a new API token once",
    "import": "import customers|orders|reviews|nps|referrals|mentions FILE --business SLUG "
    "[--format shopify|woocommerce|generic] [--json]",
    "superfans": "superfans score --business SLUG | superfans top --business SLUG -n 20 [--json]",
    "schedule": "schedule ical --business SLUG --peer EMAIL: print a peer's calendar",
    "trust": "trust recompute --business SLUG [--json]: recompute the peers' reliability",
    "match": "match solve FILE.json: the raw min-cost-flow solver (JSON in, JSON out)",
    "ledger": "ledger check --business SLUG | ledger export --business SLUG "
    "--format ledger|csv [-o FILE]",
    "payouts": "payouts list|prepare|approve|sepa|sent|paid --business SLUG ...",
    "chipin": "chipin reconcile FILE --business SLUG [--json] | chipin import-products FILE "
    "--business SLUG [--json]",
    "dashboard": "dashboard refresh --business SLUG|--all [--whole] | dashboard report "
    "--business SLUG --month YYYY-MM [--format pdf|csv] [--language it|en] [-o FILE]",
    "webpush-keys": "print a new VAPID key pair for web push as environment lines",
    "createsuperuser": "create a superuser for /admin/",
    "collectstatic": "gather static files into var/static for production",
    "manage": "run any Django management command: peerarmy manage <command> [args]",
}


# Operator commands skip Django's system checks, as Django's own `shell` does: the checks load
# every URL and the whole API (about 2.5 s of CPU) before the command does anything. `make
# test` runs `check --deploy`, and `peerarmy manage check` runs them on demand; `migrate`
# keeps its checks, since it is where a broken installation should stop.
CHECKED = {"migrate"}
# Commands that start or change an installation say which database they use, so that a
# command run against the wrong one (another folder, a forgotten DATABASE_URL) is seen at once.
SAYS_DATABASE = {"migrate", "demo", "serve", "worker", "business", "import"}


def database_in_use() -> str:
    """The database this process uses, in words, without any password."""
    from django.db import connection

    found = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {found['NAME']}"
    where = f"{found.get('HOST') or 'local socket'}" + (
        f":{found['PORT']}" if found.get("PORT") else ""
    )
    return f"{connection.display_name} {found['NAME']} on {where}"


def _say_database():
    import django

    django.setup()
    print(f"peerarmy: database {database_in_use()}", file=sys.stderr, flush=True)


def _django(argv, *, skip_checks=False):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    from django.core.management import execute_from_command_line

    if skip_checks and argv and "--skip-checks" not in argv and _has_checks(argv[0]):
        argv = [argv[0], "--skip-checks", *argv[1:]]
    execute_from_command_line(["peerarmy", *argv])


def _has_checks(name):
    """Whether the command runs the system checks (and so takes --skip-checks)."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    app = get_commands().get(name)
    return app is not None and bool(load_command_class(app, name).requires_system_checks)


def _serve(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    # The address served is the default public address (SITE_URL) of this process, its
    # workers and its background worker: e-mail links then point where the server listens.
    os.environ["BIND"] = args.bind
    _say_database()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG:
        call_command("collectstatic", "--noinput", verbosity=0)
    worker = None
    if args.with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "peerarmy.cli", "worker"])  # noqa: S603
    print(
        f"peerarmy is serving at http://{args.bind}/ (public address {settings.SITE_URL}/)",
        flush=True,
    )
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = [
        "gunicorn",
        "peerarmy.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
    ]
    try:
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=10)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="peerarmy",
        description="peerarmy: turn a small business's best customers into a peer army.",
        epilog="Every command honours DATABASE_URL (sqlite:///path or postgres://...) and "
        "EMAIL_URL (consolemail:// by default, smtp://user:pass@host:587).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        parser.error(f"unknown command {command!r}; see `peerarmy --help`")
    if command == "serve":
        serve = argparse.ArgumentParser(prog="peerarmy serve", description=COMMANDS["serve"])
        serve.add_argument(
            "--bind",
            default=os.environ.get("BIND", "127.0.0.1:8000"),
            help="HOST:PORT to listen on (default 127.0.0.1:8000)",
        )
        serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        serve.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))
        serve.add_argument(
            "--with-worker",
            action="store_true",
            help="also start a background worker (the demo does)",
        )
        _serve(serve.parse_args(rest))
        return 0
    if command == "manage":
        _django(rest)
        return 0
    if command == "match":
        # A pure computation: no settings, no database, no SECRET_KEY.
        from peerarmy.matching.solve_cli import main as solve

        return solve(rest)
    if command == "webpush-keys":
        # New keys need no settings, no database, no SECRET_KEY.
        from peerarmy.notifications.vapid import main as webpush_keys

        return webpush_keys(rest)
    if command in SAYS_DATABASE and not {"-h", "--help"} & set(rest):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
        _say_database()
    _django([command, *rest], skip_checks=command not in CHECKED)
    if command == "migrate" and not {"-h", "--help"} & set(rest):
        _django(["createcachetable"], skip_checks=True)  # the shared cache's table, if used
    return 0


if __name__ == "__main__":
    sys.exit(main())
