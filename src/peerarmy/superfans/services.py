"""Scoring a business's customers (the adapter around the pure core) and its scoring settings.

`score_business` reads each customer's features with one aggregate query per kind of data,
hands them to `scoring.superfan_scores`, and writes every `SuperfanScore` row in one
transaction with a bulk upsert (SQLite: one prepared statement for all rows; PostgreSQL: COPY
into a temporary table and one INSERT ... ON CONFLICT), so the number of queries does not grow
with the number of customers. The upsert is raw SQL because the ORM's bulk_create would split
150,000 rows into over a thousand statements and serialise the JSON a second time.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Avg, Count, F, Max, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.customers.models import (
    COUNTED_STATUSES,
    Customer,
    Mention,
    NpsResponse,
    Order,
    Referral,
    Review,
)
from peerarmy.errors import ValidationFailed
from peerarmy.tenancy.services import check_can_manage

from . import scoring
from .models import ScoringSettings, SuperfanScore
from .selectors import scoring_settings

WEIGHT_FIELDS = {key: f"weight_{key}" for key in scoring.COMPONENTS}
# Inclusive ranges of the settings a business may change.
SETTING_RANGES = {
    **{name: (0, 100) for name in WEIGHT_FIELDS.values()},
    "superfan_threshold": (0, 100),
    "top_percent": (1, 100),
    "lapsed_after_days": (30, 3650),
}


@dataclass(frozen=True)
class ScoreRunResult:
    customers: int
    seconds: float
    superfans: int  # customers at or above the business's threshold
    as_of: datetime
    read_seconds: float
    core_seconds: float
    write_seconds: float

    def as_dict(self):
        return {
            "customers": self.customers,
            "superfans": self.superfans,
            "seconds": round(self.seconds, 3),
            "read_seconds": round(self.read_seconds, 3),
            "core_seconds": round(self.core_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "as_of": self.as_of,
        }


def weights_for(settings: ScoringSettings):
    return {key: getattr(settings, name) for key, name in WEIGHT_FIELDS.items()}


def counted_orders(business):
    """Orders that count towards orders and spend: paid or partially refunded, not cancelled,
    and matched to a customer (docs/superfans.md says why)."""
    return Order.objects.filter(
        business=business,
        customer__isnull=False,
        financial_status__in=COUNTED_STATUSES,
        cancelled_at__isnull=True,
    )


def read_features(business) -> scoring.Features:
    """Every customer's features, with one aggregate query per kind of data."""
    customer_ids = list(
        Customer.objects.filter(business=business).order_by("pk").values_list("pk", flat=True)
    )
    orders = {
        row[0]: row[1:]
        for row in counted_orders(business)
        .order_by()
        .values("customer_id")
        .annotate(
            n=Count("pk"),
            spend=Sum(Greatest(F("total_minor") - F("refunded_minor"), Value(0))),
            last=Max("placed_at"),
        )
        .values_list("customer_id", "n", "spend", "last")
    }
    # The latest answer counts: the rows come oldest first, so later ones overwrite.
    nps = dict(
        NpsResponse.objects.filter(business=business, customer__isnull=False)
        .order_by("answered_at", "pk")
        .values_list("customer_id", "score")
    )
    reviews = {
        row[0]: row[1:]
        for row in Review.objects.filter(business=business, customer__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"), avg=Avg("rating"))
        .values_list("customer_id", "n", "avg")
    }
    # A friend counts once however many times they were referred.
    referrals = dict(
        Referral.objects.filter(business=business, customer__isnull=False, converted=True)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("referred_email", distinct=True))
        .values_list("customer_id", "n")
    )
    mentions = {
        row[0]: row[1:]
        for row in Mention.objects.filter(business=business, customer__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"), engagement=Sum("engagement"))
        .values_list("customer_id", "n", "engagement")
    }

    no_orders = (0, 0, None)
    no_reviews = (0, None)
    no_mentions = (0, 0)
    order_rows = [orders.get(pk, no_orders) for pk in customer_ids]
    review_rows = [reviews.get(pk, no_reviews) for pk in customer_ids]
    mention_rows = [mentions.get(pk, no_mentions) for pk in customer_ids]
    return scoring.Features(
        customer_id=customer_ids,
        last_order_at=[row[2] for row in order_rows],
        orders=[row[0] for row in order_rows],
        spend_minor=[int(row[1] or 0) for row in order_rows],
        nps=[nps.get(pk) for pk in customer_ids],
        reviews_count=[row[0] for row in review_rows],
        reviews_avg=[None if row[1] is None else float(row[1]) for row in review_rows],
        referrals=[referrals.get(pk, 0) for pk in customer_ids],
        mentions_count=[row[0] for row in mention_rows],
        mentions_engagement=[int(row[1] or 0) for row in mention_rows],
    )


# The columns written, in the order of each row's values.
SCORE_FIELDS = [
    "business",
    "customer",
    "score",
    "best_score",
    "components",
    "orders",
    "spend_minor",
    "last_order_at",
    "nps",
    "computed_at",
]
# PostgreSQL types of those columns, for the staging table the rows are copied into.
PG_STAGING_TYPES = [
    "bigint",
    "bigint",
    "double precision",
    "double precision",
    "json",
    "integer",
    "bigint",
    "timestamp with time zone",
    "smallint",
    "timestamp with time zone",
]
PG_STAGING_TABLE = "superfans_score_staging"


def _upsert_sql(source):
    """INSERT ... ON CONFLICT from `source` ("VALUES (%s, ...)" or "SELECT ... FROM ...").

    `best_score` keeps the higher of the stored and the new score, in the statement itself.
    Only names from the model and fixed text go into the statement; values are parameters.
    """
    meta = SuperfanScore._meta
    qn = connection.ops.quote_name
    columns = [qn(meta.get_field(name).column) for name in SCORE_FIELDS]
    table, best = qn(meta.db_table), qn(meta.get_field("best_score").column)
    updates = ", ".join(
        f"{best} = CASE WHEN excluded.{best} > {table}.{best} "
        f"THEN excluded.{best} ELSE {table}.{best} END"
        if column == best
        else f"{column} = excluded.{column}"
        for column in columns[2:]
    )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "  # noqa: S608
        f"ON CONFLICT ({columns[1]}) DO UPDATE SET {updates}"
    )


COPY_CHUNK = 10_000
SCORING_LOCK = 0x5C0E  # first key of the advisory lock that serialises a business's runs
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)  # int and float: repr() is exact


def _copy_text(rows):
    """Rows in COPY's text format (what psycopg's write_row does, several times faster)."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows).encode()


def _write_rows(rows):
    """Upsert the rows with a constant number of statements, the fastest way per database.

    SQLite runs one prepared statement for every row (executemany, in-process and fast);
    PostgreSQL copies the rows into a temporary table (COPY) and upserts from it with one
    statement, since one statement per row would cost a round trip each.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * len(SCORE_FIELDS))
            cursor.executemany(_upsert_sql(f"VALUES ({placeholders})"), rows)
            return
        meta = SuperfanScore._meta
        qn = connection.ops.quote_name
        business_id = rows[0][0]
        # One scoring run per business at a time (released at commit).
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SCORING_LOCK, business_id])
        if not SuperfanScore.objects.filter(business_id=business_id).exists():
            # A business scored for the first time: nothing to update, so copy straight in.
            columns = ", ".join(qn(meta.get_field(name).column) for name in SCORE_FIELDS)
            with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(rows), COPY_CHUNK):
                    copy.write(_copy_text(rows[start : start + COPY_CHUNK]))
            return
        staging = connection.ops.quote_name(PG_STAGING_TABLE)
        names = [f"c{n}" for n in range(len(SCORE_FIELDS))]
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"({', '.join(f'{n} {t}' for n, t in zip(names, PG_STAGING_TYPES, strict=True))}) "
            "ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY {staging} ({', '.join(names)}) FROM STDIN") as copy:
            for start in range(0, len(rows), COPY_CHUNK):
                copy.write(_copy_text(rows[start : start + COPY_CHUNK]))
        cursor.execute(
            _upsert_sql(f"SELECT {', '.join(names)} FROM {staging} WHERE true")  # noqa: S608
        )
        # Emptied at commit anyway; emptied now for a second run in the same transaction.
        cursor.execute(f"TRUNCATE {staging}")


def write_scores(business, features: scoring.Features, table: scoring.ScoreTable, *, as_of):
    """Upsert every row of `table` (in the order of `features`) in one transaction, with a
    number of statements that does not grow with the rows; `best_score` keeps the highest
    score ever computed for the customer."""
    if connection.vendor == "postgresql":
        adapt_dt = None  # psycopg takes aware datetimes as they are
    else:
        adapt_dt = connection.ops.adapt_datetimefield_value
    computed_at = adapt_dt(as_of) if adapt_dt else as_of
    business_id = business.pk
    rows = [
        (
            business_id,
            customer_id,
            score,
            score,  # the best score, unless the stored one is higher
            components,
            orders,
            spend,
            last if last is None or adapt_dt is None else adapt_dt(last),
            nps,
            computed_at,
        )
        for customer_id, score, components, orders, spend, last, nps in zip(
            table.customer_id,
            table.score,
            table.components_json(),
            table.values["frequency"],
            table.values["monetary"],
            features.last_order_at,
            table.values["nps"],
            strict=True,
        )
    ]
    if rows:
        with transaction.atomic():
            _write_rows(rows)


def score_business(business, *, as_of=None) -> ScoreRunResult:
    """Compute and store the superfan score of every customer of the business."""
    as_of = as_of or timezone.now()
    settings = scoring_settings(business)
    started = time.perf_counter()
    features = read_features(business)
    read_done = time.perf_counter()
    table = scoring.superfan_scores(features, weights_for(settings), as_of=as_of)
    core_done = time.perf_counter()
    write_scores(business, features, table, as_of=as_of)
    finished = time.perf_counter()
    threshold = settings.superfan_threshold
    return ScoreRunResult(
        customers=len(table),
        superfans=sum(1 for score in table.score if score >= threshold),
        seconds=finished - started,
        as_of=as_of,
        read_seconds=read_done - started,
        core_seconds=core_done - read_done,
        write_seconds=finished - core_done,
    )


def _setting_value(name, raw):
    low, high = SETTING_RANGES[name]
    if isinstance(raw, bool) or raw is None:
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        value = int(raw.strip())
    else:
        value = None
    if value is None:
        raise ValidationFailed(_("Enter a whole number."), field=name)
    if not low <= value <= high:
        raise ValidationFailed(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field=name,
        )
    return value


@transaction.atomic
def update_scoring_settings(business, actor, data):
    """Change some of the business's weights and segment settings (a partial update).

    Scores are recomputed in the background once the change is committed.
    """
    check_can_manage(actor, business)
    settings = ScoringSettings.objects.select_for_update().filter(business=business).first()
    if settings is None:
        settings = scoring_settings(business)
    unknown = set(data) - set(SETTING_RANGES)
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(_("This field is not known."), field=field)
    changed = []
    for name, raw in data.items():
        value = _setting_value(name, raw)
        if getattr(settings, name) != value:
            setattr(settings, name, value)
            changed.append(name)
    if not any(getattr(settings, name) > 0 for name in WEIGHT_FIELDS.values()):
        field = next((name for name in data if name in WEIGHT_FIELDS.values()), "weight_recency")
        raise ValidationFailed(_("At least one weight must be above zero."), field=field)
    if changed:
        settings.save(update_fields=changed)
        if any(name in WEIGHT_FIELDS.values() for name in changed):
            transaction.on_commit(lambda: _enqueue_scoring(business.pk))
    return settings


def _enqueue_scoring(business_id):
    from .tasks import score_business_task

    score_business_task.enqueue(business_id)
