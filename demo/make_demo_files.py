"""Write the files the demo imports: Bici Gialla's exports, as its owner would download them.

    .venv/bin/python demo/make_demo_files.py

- bicigialla_customers_export.csv  Shopify's customers export (today's columns), UTF-8.
- bicigialla_orders_export.csv     Shopify's orders export: one row per line item, the
                                   order's totals on its first row only.
- bicigialla_nps.csv               the NPS survey answers as Excel in Italian saves them:
                                   Windows-1252, semicolons, dd/mm/yyyy dates.
- bicigialla_reviews.csv           reviews from a review platform (generic format).
- bicigialla_referrals.csv         "bring a friend" referrals kept in Excel (Italian Excel).
- bicigialla_mentions.csv          social mentions from a listening tool (generic format).

The customers are the people `peerarmy.demo.bici_gialla()` describes (same names and
e-mails, so that peers still link to their customer record). Everything is deterministic:
fixed seeds and fixed dates, so running the script again writes the same bytes.
"""

import csv
import io
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerarmy.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from peerarmy.customers.importers.formats import (  # noqa: E402
    SHOPIFY_CUSTOMERS_HEADER,
    SHOPIFY_ORDERS_HEADER,
)
from peerarmy.demo.bicigialla import bici_gialla  # noqa: E402

ROME = ZoneInfo("Europe/Rome")
# The shop's online store opened in January 2022; the exports were taken at the end of
# October 2026.
OPENED = datetime(2022, 1, 10, tzinfo=ROME)
EXPORTED = datetime(2026, 10, 31, 19, 0, tzinfo=ROME)
SEED = 40122

CUSTOMERS_FILE = "bicigialla_customers_export.csv"
ORDERS_FILE = "bicigialla_orders_export.csv"
NPS_FILE = "bicigialla_nps.csv"
REVIEWS_FILE = "bicigialla_reviews.csv"
REFERRALS_FILE = "bicigialla_referrals.csv"
MENTIONS_FILE = "bicigialla_mentions.csv"

# (name, sku, price in cents, how often it sells)
PRODUCTS = [
    ("Riparazione foratura", "SRV-FOR", 1200, 14),
    ("Tagliando completo", "SRV-TAG", 4500, 9),
    ("Regolazione cambio e freni", "SRV-REG", 2500, 8),
    ("Camera d'aria 28\"", "CA-28", 690, 12),
    ("Copertone city 700x35", "CP-C35", 2490, 6),
    ("Copertone gravel 700x40", "CP-G40", 3490, 3),
    ("Catena 9v", "CT-9", 1990, 4),
    ("Pastiglie freno a disco", "PF-DSC", 1890, 4),
    ("Luce anteriore LED, ricaricabile", "LU-ANT", 2490, 6),
    ("Luce posteriore LED", "LU-POS", 1490, 5),
    ("Lucchetto a U", "LC-U", 4490, 4),
    ("Casco urbano", "CS-URB", 5990, 3),
    ("Borraccia Bici Gialla", "BR-BG", 1200, 6),
    ("Portapacchi posteriore", "PP-POS", 3990, 2),
    ("Borsa da portapacchi 20 l", "BS-20", 5490, 2),
    ("Noleggio city bike, 1 giorno", "NOL-1G", 1500, 7),
    ("Noleggio e-bike, 1 giorno", "NOL-E1G", 3500, 4),
    ("Tour guidato: Bologna in bici", "TOUR-BO", 3500, 3),
    ("Cargo-bike a noleggio, 1 settimana", "NOL-CRG", 9000, 1),
    ("City bike Bici Gialla usata", "BK-USA", 24000, 1),
    ("Bici gravel Bici Gialla", "BK-GRV", 129000, 0.3),
]
ZIPS = {"Bologna": "40121", "Imola": "40026"}

NPS_COMMENTS = {
    "promoter": [
        "Officina velocissima: la bici è tornata come nuova.",
        "Gentilissimi, mi hanno spiegato tutto con pazienza. Tornerò di sicuro!",
        "La bottega più simpatica del Pratello, e prezzi onesti.",
        "Il tour in bici è stato il momento più bello della vacanza.",
        "Sempre disponibili, anche il sabato pomeriggio.",
        "Mi hanno prestato una bici mentre riparavano la mia: è così che si fa.",
        "Consiglio Bici Gialla a tutti i miei colleghi, e lo farò ancora.",
        "Great shop, friendly people and a perfect rental bike.",
        "Competenti e appassionati, si sente che amano le biciclette.",
        "",
        "",
    ],
    "passive": [
        "Bene, però ho aspettato due giorni per il tagliando.",
        "Buon servizio, prezzi un po' alti per i ricambi.",
        "Tutto ok, ma il sito non mostra se un pezzo è disponibile.",
        "Good rental, the e-bike battery could last longer.",
        "",
        "",
    ],
    "detractor": [
        "Riparazione fatta male: il cambio saltava già il giorno dopo.",
        "Troppa attesa e nessuno mi ha avvisato del ritardo.",
        "Caro, e la bici a noleggio era sporca.",
        "",
    ],
}
REVIEW_TEXTS = {
    5: [
        ("Bravissimi", "Foratura riparata in dieci minuti, con un sorriso."),
        ("La bottega gialla", "Il posto giusto per chi pedala a Bologna. Grazie Davide!"),
        ("Perfect city tour", "Our guide showed us the porticoes and the best gelato in town."),
        ("Officina top", "Tagliando completo, prezzo giusto, bici come nuova."),
        ("Noleggio consigliato", "E-bike in ordine perfetto, ci siamo fatti San Luca in salita."),
    ],
    4: [
        ("Molto bene", "Personale gentile, qualche giorno di attesa in primavera."),
        ("Good shop", "Helpful staff; the shop is small so it gets busy on Saturdays."),
        ("Consigliato", "Buoni ricambi e consigli sinceri."),
    ],
    3: [("Nella media", "Servizio corretto, ma i prezzi dei ricambi sono alti.")],
    2: [("Deluso", "La riparazione è durata poco, ho dovuto tornare.")],
}
PLATFORMS = [("Instagram", 6), ("Facebook", 2), ("TikTok", 2), ("Strava", 1)]


def _money(cents):
    return f"{cents / 100:.2f}"


def _shopify_time(moment):
    local = moment.astimezone(ROME)
    return local.strftime("%Y-%m-%d %H:%M:%S %z")


def _write(path, rows, *, delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def _orders_per_customer(rng, loyal):
    if loyal:
        return rng.choice([6, 8, 9, 11, 13, 15, 18, 22])
    roll = rng.random()
    if roll < 0.12:
        return 0
    if roll < 0.45:
        return 1
    if roll < 0.65:
        return 2
    if roll < 0.88:
        return rng.randint(3, 5)
    if roll < 0.97:
        return rng.randint(6, 10)
    return rng.randint(11, 20)


def _moment(rng, start, end, in_store):
    span = (end - start).total_seconds()
    moment = start + timedelta(seconds=rng.random() * span)
    if in_store:  # the shop is open 9:00 to 19:00
        moment = moment.replace(hour=rng.randint(9, 18), minute=rng.randint(0, 59))
    return moment.astimezone(UTC).replace(microsecond=0)


def _first_purchase(spec, rng):
    start = EXPORTED - timedelta(days=spec.since_days)
    if start < OPENED:
        start = OPENED + timedelta(days=rng.randint(0, 400))
    return start


def make_orders(customers, loyal_emails, rng):
    """Every order of every customer, in the order Shopify numbers them."""
    orders = []
    weights = [p[3] for p in PRODUCTS]
    for spec in customers:
        count = _orders_per_customer(rng, spec.email in loyal_emails)
        first = _first_purchase(spec, rng)
        for n in range(count):
            in_store = rng.random() < 0.7
            end = first + timedelta(days=1) if n == 0 else EXPORTED
            when = _moment(rng, first, end, in_store)
            lines = []
            for _ in range(rng.choices([1, 2, 3], [55, 30, 15])[0]):
                name, sku, price, _w = rng.choices(PRODUCTS, weights)[0]
                quantity = 2 if price < 1500 and rng.random() < 0.25 else 1
                lines.append((name, sku, price, quantity))
            orders.append({"customer": spec, "placed": when, "in_store": in_store, "lines": lines})
    orders.sort(key=lambda o: o["placed"])
    for number, order in enumerate(orders, start=1001):
        order["name"] = f"#{number}"
        order["id"] = str(5_400_000_000_000 + number * 37)
        subtotal = sum(price * quantity for _n, _s, price, quantity in order["lines"])
        discount = subtotal // 10 if rng.random() < 0.08 else 0
        shipping = 590 if not order["in_store"] and subtotal < 5000 else 0
        total = subtotal - discount + shipping
        order.update(subtotal=subtotal, discount=discount, shipping=shipping, total=total)
        recent = (EXPORTED - order["placed"]).days < 10
        roll = rng.random()
        status, refunded, cancelled = "paid", 0, None
        if recent and roll < 0.3:
            status = "pending"
        elif roll < 0.03:
            status, refunded = "refunded", total
        elif roll < 0.07 and len(order["lines"]) > 1:
            name, sku, price, quantity = order["lines"][-1]
            status, refunded = "partially_refunded", price * quantity
        elif roll < 0.09:
            status, cancelled = "voided", order["placed"] + timedelta(hours=rng.randint(1, 30))
        order.update(status=status, refunded=refunded, cancelled=cancelled)
    return orders


def orders_file(orders):
    header = list(SHOPIFY_ORDERS_HEADER)
    rows = [header]
    for order in orders:
        spec = order["customer"]
        name = f"{spec.person.first_name} {spec.person.last_name}"
        created = _shopify_time(order["placed"])
        tax = order["total"] - round(order["total"] / 1.22)
        first = {
            "Email": spec.email,
            "Financial Status": order["status"],
            "Paid at": "" if order["status"] in ("pending", "voided") else created,
            "Fulfillment Status": "fulfilled" if order["status"] != "voided" else "unfulfilled",
            "Fulfilled at": created if order["status"] not in ("voided", "pending") else "",
            "Accepts Marketing": "yes" if spec.accepts_marketing else "no",
            "Currency": "EUR",
            "Subtotal": _money(order["subtotal"]),
            "Shipping": _money(order["shipping"]),
            "Taxes": _money(tax),
            "Total": _money(order["total"]),
            "Discount Code": "AMICI10" if order["discount"] else "",
            "Discount Amount": _money(order["discount"]),
            "Shipping Method": "Ritiro in bottega" if order["in_store"] else "Corriere",
            "Created at": created,
            "Billing Name": name,
            "Billing City": spec.city,
            "Billing Zip": ZIPS.get(spec.city, "40100"),
            "Billing Province": "BO",
            "Billing Country": "IT",
            "Shipping Name": name if not order["in_store"] else "",
            "Shipping City": spec.city if not order["in_store"] else "",
            "Shipping Country": "IT" if not order["in_store"] else "",
            "Cancelled at": _shopify_time(order["cancelled"]) if order["cancelled"] else "",
            "Payment Method": "Carta" if order["in_store"] else "Shopify Payments",
            "Refunded Amount": _money(order["refunded"]),
            "Vendor": "Bici Gialla",
            "Outstanding Balance": "0.00",
            "Location": "Bottega Via del Pratello" if order["in_store"] else "",
            "Id": order["id"],
            "Risk Level": "Low",
            "Source": "pos" if order["in_store"] else "web",
            "Tax 1 Name": "IVA 22%",
            "Tax 1 Value": _money(tax),
        }
        for index, (item, sku, price, quantity) in enumerate(order["lines"]):
            values = {
                "Name": order["name"],
                "Lineitem quantity": str(quantity),
                "Lineitem name": item,
                "Lineitem price": _money(price),
                "Lineitem sku": sku,
                "Lineitem requires shipping": "false"
                if sku.startswith(("SRV", "NOL", "TOUR"))
                else "true",
                "Lineitem taxable": "true",
                "Lineitem fulfillment status": "fulfilled",
                "Lineitem discount": "0.00",
            }
            if index == 0:
                values.update(first)
            rows.append([values.get(column, "") for column in header])
    return rows


def customers_file(customers, orders, rng):
    spent, counted = {}, {}
    for order in orders:
        if order["status"] in ("paid", "partially_refunded") and not order["cancelled"]:
            email = order["customer"].email
            spent[email] = spent.get(email, 0) + order["total"] - order["refunded"]
            counted[email] = counted.get(email, 0) + 1
    header = list(SHOPIFY_CUSTOMERS_HEADER)
    rows = [header]
    interests = ["officina", "noleggio", "cicloturismo", "cargo-bike", "tour", "gravel"]
    for number, spec in enumerate(customers, start=1):
        tags = rng.sample(interests, rng.choice([0, 1, 1, 2]))
        if spec.language == "en":
            tags.append("lang:en")
        values = {
            "Customer ID": str(7_100_000_000_000 + number * 53),
            "First Name": spec.person.first_name,
            "Last Name": spec.person.last_name,
            "Email": spec.email,
            "Accepts Email Marketing": "yes" if spec.accepts_marketing else "no",
            "Default Address City": spec.city,
            "Default Address Province Code": "BO",
            "Default Address Country Code": "IT",
            "Default Address Zip": ZIPS.get(spec.city, "40100"),
            "Phone": f"+39 3{rng.randint(20, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            if rng.random() < 0.45
            else "",
            "Accepts SMS Marketing": "no",
            "Total Spent": _money(spent.get(spec.email, 0)),
            "Total Orders": str(counted.get(spec.email, 0)),
            "Tax Exempt": "no",
            "Tags": ", ".join(tags),
        }
        rows.append([values.get(column, "") for column in header])
    return rows


def nps_file(customers, orders, loyal_emails, rng):
    first_order = {}
    totals = {}
    for order in orders:
        email = order["customer"].email
        first_order.setdefault(email, order["placed"])
        totals[email] = totals.get(email, 0) + 1
    answers = []
    for spec in customers:
        if spec.email not in first_order or rng.random() > 0.6:
            continue
        for _ in range(1 if rng.random() < 0.8 else 2):
            loyal = spec.email in loyal_emails or totals[spec.email] >= 6
            if loyal:
                score = rng.choice([9, 10, 10, 10, 9, 8])
            else:
                score = rng.choices(range(11), [1, 1, 1, 2, 2, 3, 5, 9, 14, 14, 12])[0]
            band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            start = max(first_order[spec.email], datetime(2023, 3, 1, tzinfo=UTC))
            when = _moment(rng, min(start, EXPORTED - timedelta(days=5)), EXPORTED, False)
            answers.append((when, spec.email, score, rng.choice(NPS_COMMENTS[band])))
    for n in range(6):  # a few answered without leaving an address, a few from passers-by
        when = _moment(rng, datetime(2023, 3, 1, tzinfo=UTC), EXPORTED, False)
        email = "" if n < 3 else f"visitatore{n}@example.org"
        answers.append(
            (when, email, rng.choice([5, 8, 9, 10]), rng.choice(NPS_COMMENTS["passive"]))
        )
    answers.sort()
    rows = [["E-mail", "Data", "Voto", "Commento"]]
    seen = set()
    for when, email, score, comment in answers:
        day = when.astimezone(ROME).strftime("%d/%m/%Y")
        if (email, day) in seen:
            continue
        seen.add((email, day))
        rows.append([email, day, str(score), comment])
    return rows


def reviews_file(customers, orders, loyal_emails, rng):
    first_order = {}
    for order in orders:
        first_order.setdefault(order["customer"].email, order["placed"])
    rows = [["Review ID", "Email", "Rating", "Title", "Body", "Date"]]
    reviewers = [s for s in customers if s.email in first_order and rng.random() < 0.16]
    reviews = []
    for spec in reviewers:
        loyal = spec.email in loyal_emails
        rating = (
            rng.choice([5, 5, 5, 4]) if loyal else rng.choices([5, 4, 3, 2], [50, 30, 12, 8])[0]
        )
        title, body = rng.choice(REVIEW_TEXTS[rating])
        when = _moment(rng, first_order[spec.email], EXPORTED, False)
        reviews.append((when, spec.email, rating, title, body))
    reviews.sort()
    for number, (when, email, rating, title, body) in enumerate(reviews, start=1):
        rows.append([f"gr-{number:04d}", email, str(rating), title, body, when.date().isoformat()])
    return rows


def referrals_file(customers, orders, loyal_emails, rng):
    first_order = {}
    for order in orders:
        first_order.setdefault(order["customer"].email, order["placed"])
    referrers = [s for s in customers if s.email in loyal_emails and s.email in first_order]
    friends = [s for s in customers if s.email in first_order and s.email not in loyal_emails]
    rng.shuffle(friends)
    rows = [["Email invitante", "Email amico", "Data invito"]]
    referrals = []
    for referrer in referrers:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            if friends and rng.random() < 0.6:
                friend = friends.pop()
                when = first_order[friend.email] - timedelta(days=rng.randint(2, 40))
                email = friend.email
            else:
                when = _moment(rng, datetime(2023, 1, 1, tzinfo=UTC), EXPORTED, False)
                email = f"amico.{len(referrals) + 1}@example.it"
            if when <= first_order[referrer.email] or email == referrer.email:
                continue
            referrals.append((when, referrer.email, email))
    referrals.sort()
    for when, referrer, friend in referrals:
        rows.append([referrer, friend, when.astimezone(ROME).strftime("%d/%m/%Y")])
    return rows


def mentions_file(customers, orders, loyal_emails, rng):
    first_order = {}
    for order in orders:
        first_order.setdefault(order["customer"].email, order["placed"])
    authors = [
        s
        for s in customers
        if s.email in first_order and (s.email in loyal_emails or rng.random() < 0.08)
    ]
    names, weights = zip(*PLATFORMS, strict=True)
    mentions = []
    for spec in authors:
        for _ in range(rng.choice([1, 1, 2, 3] if spec.email in loyal_emails else [1])):
            platform = rng.choices(names, weights)[0]
            when = _moment(rng, first_order[spec.email], EXPORTED, False)
            likes = int(rng.paretovariate(1.6) * 20)
            mentions.append((when, platform, spec.email, likes, likes // 9, likes // 25))
    mentions.sort()
    rows = [["Platform", "URL", "Email", "Date", "Likes", "Comments", "Shares"]]
    for number, (when, platform, email, likes, comments, shares) in enumerate(mentions, start=1):
        url = f"https://{platform.lower()}.example/bicigialla/{number:05d}"
        rows.append(
            [platform, url, email, when.date().isoformat(), str(likes), str(comments), str(shares)]
        )
    return rows


def main(target=HERE):
    spec = bici_gialla()
    customers = spec.customers
    loyal_emails = {p.customer_email for p in spec.peers if p.customer_email}
    rng = random.Random(SEED)
    orders = make_orders(customers, loyal_emails, rng)
    target = Path(target)
    _write(target / ORDERS_FILE, orders_file(orders))
    _write(target / CUSTOMERS_FILE, customers_file(customers, orders, random.Random(SEED + 1)))
    # Excel in Italian: Windows-1252 and semicolons.
    _write(
        target / NPS_FILE,
        nps_file(customers, orders, loyal_emails, random.Random(SEED + 2)),
        delimiter=";",
        encoding="cp1252",
    )
    _write(
        target / REVIEWS_FILE,
        reviews_file(customers, orders, loyal_emails, random.Random(SEED + 3)),
    )
    _write(
        target / REFERRALS_FILE,
        referrals_file(customers, orders, loyal_emails, random.Random(SEED + 4)),
        delimiter=";",
        encoding="cp1252",
    )
    _write(
        target / MENTIONS_FILE,
        mentions_file(customers, orders, loyal_emails, random.Random(SEED + 5)),
    )
    lines = sum(len(o["lines"]) for o in orders)
    print(f"{len(customers)} customers, {len(orders)} orders ({lines} line rows) → {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else HERE)
