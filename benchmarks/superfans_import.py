"""Benchmark (benchmark-only code): import a Shopify orders export of 1,000,000 line rows.

1. Generate a Shopify-format orders export (the 79 columns Shopify writes, one row per line
   item, order-level values on the first row of each order): about 400,000 orders of about
   150,000 customers, into a temporary file.
2. Import it with the real service (`peerarmy.customers.services.import_file`) into a fresh,
   migrated SQLite file, and into PostgreSQL (`peerarmy_bench`, created and dropped here;
   skipped with a message when no PostgreSQL answers). Each database runs in a child process,
   so that its peak memory is its own.
3. Print the input sizes, the wall time of each phase (read and parse, customers upsert,
   orders upsert), rows per second and peak memory (ru_maxrss).

    .venv/bin/python benchmarks/superfans_import.py                 # 1,000,000 rows, both
    .venv/bin/python benchmarks/superfans_import.py --rows 100000 --database sqlite

Targets: at most 60 s per database, peak memory at most 1.5 GB, on a 2-core machine.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TARGET_SECONDS = 60.0
TARGET_MEMORY_MB = 1536
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "peerarmy_bench"
SEED = 4242

# The 79 columns of Shopify's orders export (kept here so that generating needs no Django).
HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,"
    "Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,"
    "Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,"
    "Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,"
    "Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,"
    "Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,"
    "Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,"
    "Payment References"
)


def _template(values):
    """A row of the export as a format string: the given columns filled, the others empty."""
    columns = HEADER.split(",")
    cells = [""] * len(columns)
    for column, value in values.items():
        cells[columns.index(column)] = value
    return ",".join(cells) + "\r\n"


ADDRESS = {"Street": "Via del Pratello 1", "Address1": "Via del Pratello 1", "City": "Bologna",
           "Zip": "40122", "Province": "BO", "Country": "IT"}  # fmt: skip
FIRST_ROW = _template(
    {
        "Name": "#{order}", "Email": "{email}", "Financial Status": "{status}",
        "Paid at": "{paid}", "Fulfillment Status": "fulfilled", "Fulfilled at": "{created}",
        "Accepts Marketing": "{consent}", "Currency": "EUR", "Subtotal": "{subtotal}",
        "Shipping": "{shipping}", "Taxes": "{tax}", "Total": "{total}",
        "Discount Amount": "0.00", "Shipping Method": "Standard", "Created at": "{created}",
        "Lineitem quantity": "1", "Lineitem name": "{item}", "Lineitem price": "{price}",
        "Lineitem sku": "{sku}", "Lineitem requires shipping": "true",
        "Lineitem taxable": "true", "Lineitem fulfillment status": "fulfilled",
        "Billing Name": "{buyer}", "Shipping Name": "{buyer}",
        **{f"Billing {k}": v for k, v in ADDRESS.items()},
        **{f"Shipping {k}": v for k, v in ADDRESS.items()},
        "Cancelled at": "{cancelled}", "Payment Method": "Carta",
        "Payment Reference": "c{order}", "Refunded Amount": "{refunded}",
        "Vendor": "Bici Gialla", "Outstanding Balance": "0.00", "Location": "Bottega",
        "Id": "{id}", "Risk Level": "Low", "Source": "web", "Lineitem discount": "0.00",
        "Tax 1 Name": "IVA 22%", "Tax 1 Value": "{tax}", "Billing Province Name": "Bologna",
        "Shipping Province Name": "Bologna",
    }
)  # fmt: skip
LINE_ROW = _template(
    {
        "Name": "#{order}", "Lineitem quantity": "1",
        "Lineitem name": "{item}", "Lineitem price": "{price}", "Lineitem sku": "{sku}",
        "Lineitem requires shipping": "true", "Lineitem taxable": "true",
        "Lineitem fulfillment status": "fulfilled", "Vendor": "Bici Gialla",
        "Lineitem discount": "0.00",
    }
)  # fmt: skip
PRODUCTS = [
    ('"Camera d\'aria 28"""', "CA-28", 690),  # written as Shopify quotes them
    ("Copertone Gravel 700x40", "CP-G40", 3490),
    ('"Luce, anteriore LED"', "LU-ANT", 2490),
    ("Catena 11v", "CT-11", 2990),
    ("Tagliando completo", "SRV-TAG", 4500),
    ("Borraccia Bici Gialla", "BR-BG", 1200),
    ("Casco urbano", "CS-URB", 5990),
    ("Noleggio giornaliero city bike", "NOL-1G", 1500),
    ("Pedali flat", "PD-FLT", 3900),
    ("Lucchetto a U", "LC-U", 4490),
]
FIRST = ["Giulia", "Marco", "Chiara", "Luca", "Sara", "Andrea", "Anna", "Matteo", "Emily", "Jonas"]
LAST = ["Rossi", "Bianchi", "Ferrari", "Esposito", "Benassi", "Zanardi", "Clarke", "Müller"]


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _offsets(start, days):
    """Europe/Rome's UTC offset ('+0100' or '+0200') for each day of the range."""
    rome = ZoneInfo("Europe/Rome")
    return [
        (start + timedelta(days=d, hours=12)).astimezone(rome).strftime("%z") for d in range(days)
    ]


def generate(path, rows=1_000_000, seed=SEED):
    """Write a Shopify orders export of `rows` line rows; return what it holds."""
    rng = random.Random(seed)
    orders_target = int(rows / 2.5)
    customers = max(1, int(orders_target * 0.375))  # 1,000,000 rows → 400,000 orders, 150,000
    start = datetime(2022, 1, 1, tzinfo=UTC)
    days = (datetime(2026, 1, 1, tzinfo=UTC) - start).days
    offsets = _offsets(start, days)
    span = days * 86400
    # Each customer orders once first (so all of them appear), then the rest go mostly to
    # the regulars.
    order_customers = list(range(customers))
    rng.shuffle(order_customers)
    tail = orders_target - customers
    order_customers += [int(customers * rng.random() ** 2) for _ in range(max(tail, 0))]
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(customers)]
    consent = [rng.random() < 0.6 for _ in range(customers)]
    written = orders = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        number = 1000
        step = span / max(orders_target, 1)
        moment = 0.0
        while written < rows:
            number += 1
            orders += 1
            moment += step * (0.5 + rng.random())
            seconds = int(moment) % span
            day = seconds // 86400
            when = start + timedelta(seconds=seconds)
            offset = offsets[day]
            local = when + timedelta(hours=int(offset[:3]))
            created = f"{local:%Y-%m-%d %H:%M:%S} {offset}"
            customer = order_customers[(orders - 1) % len(order_customers)]
            email = f"cliente{customer}@example.org"
            lines = min(rng.choice((1, 2, 3, 4)), rows - written)
            items = [rng.choice(PRODUCTS) for _ in range(lines)]
            subtotal = sum(price for _n, _s, price in items)
            shipping = 0 if subtotal >= 5000 else 590
            total = subtotal + shipping
            roll = rng.random()
            status, refunded, cancelled = "paid", 0, ""
            if roll < 0.03:
                status, refunded = "refunded", total
            elif roll < 0.06:
                status, refunded = "partially_refunded", items[0][2]
            elif roll < 0.08:
                status, cancelled = "voided", created
            elif roll < 0.10:
                status = "pending"
            name, sku, price = items[0]
            tax = f"{total * 22 / 12200:.2f}"
            out.write(
                FIRST_ROW.format(
                    order=number,
                    email=email,
                    status=status,
                    paid=created if status != "pending" else "",
                    created=created,
                    consent="yes" if consent[customer] else "no",
                    subtotal=f"{subtotal / 100:.2f}",
                    shipping=f"{shipping / 100:.2f}",
                    tax=tax,
                    total=f"{total / 100:.2f}",
                    item=name,
                    price=f"{price / 100:.2f}",
                    sku=sku,
                    buyer=names[customer],
                    cancelled=cancelled,
                    refunded=f"{refunded / 100:.2f}",
                    id=5_200_000_000_000 + number,
                )
            )
            for name, sku, price in items[1:]:
                out.write(
                    LINE_ROW.format(order=number, item=name, price=f"{price / 100:.2f}", sku=sku)
                )
            written += lines
    return {
        "rows": written,
        "orders": orders,
        "customers": len(set(order_customers[:orders])),
        "bytes": os.path.getsize(path),
    }


# --- the import, in a child process per database -------------------------------------------


def _child(database_url, path):
    """Migrate a fresh database, import the file, print timings as JSON (run in a child)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["PEERARMY_TESTING"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from peerarmy.customers.inputs import ImportInput
    from peerarmy.customers.models import Customer, Order
    from peerarmy.customers.services import import_file
    from peerarmy.tenancy.models import Business

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.monotonic() - started
    with scopes_disabled():
        business = Business.objects.create(slug="bench", name="Bench", timezone="Europe/Rome")
    marks = {}

    def progress(phase, fraction):
        marks.setdefault(phase, time.monotonic())

    started = time.monotonic()
    data = ImportInput(kind="orders", format="shopify")
    result = import_file(business, data, path, progress=progress).value
    total = time.monotonic() - started
    peak_first = peak_memory_mb()
    again = {}
    if os.environ.get("BENCH_AGAIN") == "1":
        # The same file once more: everything is compared, nothing is written.
        started = time.monotonic()
        second = import_file(business, data, path).value
        again = {
            "again_s": round(time.monotonic() - started, 2),
            "again_unchanged": second.unchanged,
            "again_written": second.created + second.updated,
            "again_peak_mb": round(peak_memory_mb()),
        }
    with scopes_disabled():
        stored_orders = Order.objects.filter(business=business).count()
        stored_customers = Customer.objects.filter(business=business).count()
    print(
        json.dumps(
            {
                "migrate_s": round(migrate_seconds, 2),
                "total_s": round(total, 2),
                "read_s": round(result.timings.get("read", 0), 2),
                "customers_s": round(result.timings.get("customers", 0), 2),
                "orders_s": round(result.timings.get("orders", 0), 2),
                "write_s": round(result.timings.get("write", 0), 2),
                "rows": result.rows,
                "orders": result.records,
                "created": result.created,
                "customers_created": result.customers_created,
                "errors": result.error_count,
                "bad_rows": result.bad_rows,
                "stored_orders": stored_orders,
                "stored_customers": stored_customers,
                "peak_mb": round(peak_first),
                **again,
            }
        )
    )


def _postgres_ready():
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}"')
            conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"PostgreSQL skipped: cannot reach {PG_ADMIN_URL} ({exc})")
        return False


def _postgres_drop():
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')


def _run_child(database_url, path, again=False):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BENCH_AGAIN": "1" if again else "0"}
    completed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child", database_url, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(rows=1_000_000, databases=("sqlite", "postgres"), again=False):
    """Generate the file, import it into each database; return the figures. With `again`,
    import it a second time too (nothing changes; it times the comparison)."""
    report = {"databases": {}}
    with tempfile.TemporaryDirectory(prefix="peerarmy-bench-") as tmp:
        path = Path(tmp) / "orders_export.csv"
        started = time.monotonic()
        report["input"] = generate(path, rows)
        report["input"]["generate_s"] = round(time.monotonic() - started, 2)
        for database in databases:
            if database == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            elif database == "postgres":
                if not _postgres_ready():
                    report["databases"]["postgres"] = {"skipped": True}
                    continue
                url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"
            else:
                raise ValueError(database)
            try:
                report["databases"][database] = _run_child(url, path, again)
            finally:
                if database == "postgres":
                    _postgres_drop()
    return report


def _print(report):
    data = report["input"]
    print(
        f"input: {data['rows']:,} line rows, {data['orders']:,} orders, "
        f"{data['customers']:,} customers, {data['bytes'] / 1e6:.0f} MB "
        f"(generated in {data['generate_s']} s)"
    )
    for database, figures in report["databases"].items():
        if figures.get("skipped"):
            print(f"{database}: skipped")
            continue
        verdict = (
            "OK"
            if figures["total_s"] <= TARGET_SECONDS and figures["peak_mb"] <= TARGET_MEMORY_MB
            else "MISSED"
        )
        print(
            f"{database}: {figures['total_s']} s in all ({data['rows'] / figures['total_s']:,.0f} "
            f"rows/s) — read+parse {figures['read_s']} s, customers upsert "
            f"{figures['customers_s']} s, orders upsert {figures['orders_s']} s "
            f"(write transaction {figures['write_s']} s); peak memory {figures['peak_mb']} MB; "
            f"stored {figures['stored_orders']:,} orders, {figures['stored_customers']:,} "
            f"customers; {figures['errors']} bad rows — target ≤ {TARGET_SECONDS:.0f} s and "
            f"≤ {TARGET_MEMORY_MB} MB: {verdict}"
        )
        if "again_s" in figures:
            print(
                f"{database}, the same file again: {figures['again_s']} s, "
                f"{figures['again_unchanged']:,} unchanged, {figures['again_written']} written "
                f"(peak memory of the process by then {figures['again_peak_mb']} MB)"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--database", action="append", choices=["sqlite", "postgres"], help="repeatable"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--again", action="store_true", help="also time importing the same file a second time"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    report = run(args.rows, tuple(args.database or ("sqlite", "postgres")), args.again)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
