"""The peers app's raw SQL: a page of the API's peers list as JSON, built by PostgreSQL.

The staff's peers list is the API's busiest read of many rows. Through the ORM it costs four
queries (count, page, skills, languages), fifty model instances and their validation and
encoding, several times what the database spends on it. Here one prepared statement answers
the count and the page's JSON together, written exactly as the API's `PeerOut` would write it
(`api/tests/test_peers_sql.py` compares both on the same peers, field by field), and the
bytes go to the client as they come.

Every table read is filtered by the business given, skills and languages included; the
isolation tests are in `peers/tests/test_sql.py`. PostgreSQL only: elsewhere `peer_page_json`
answers None and the caller reads through the ORM.
"""

from functools import lru_cache

from django.db import connection

from peerarmy.db import hot_cursor, like_pattern


def _utc(column):
    """A timestamp as Django's JSON encoder writes it: ISO 8601 in UTC with `Z`, to the
    millisecond, and without a fraction when it has none."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) = 0 THEN '' "
        f"ELSE to_char({column} AT TIME ZONE 'UTC', '.MS') END || 'Z' END"
    )


@lru_cache(maxsize=16)
def _statement(status, skill, language, q):
    """The statement for one combination of filters (each either used or not): sixteen at
    most, each prepared once per connection."""
    where = ['p."business_id" = %(business)s']
    if status:
        where.append('p."status" = %(status)s')
    if skill:
        where.append(
            'EXISTS (SELECT 1 FROM "peers_peer_skills" ps JOIN "peers_skill" s '
            'ON s."id" = ps."skill_id" AND s."business_id" = %(business)s '
            'WHERE ps."peer_id" = p."id" AND s."slug" = %(skill)s)'
        )
    if language:
        where.append(
            'EXISTS (SELECT 1 FROM "peers_peerlanguage" pl WHERE pl."peer_id" = p."id" '
            'AND pl."business_id" = %(business)s AND pl."language" = %(language)s)'
        )
    if q:
        where.append(
            '(p."display_name" ILIKE %(q)s OR u."email" ILIKE %(q)s '
            'OR p."home_address" ILIKE %(q)s)'
        )
    account = 'JOIN "accounts_user" u ON u."id" = p."user_id"'
    conditions = " AND ".join(where)
    # The count reads the account only to search its e-mail address.
    counted = f'FROM "peers_peer" p {account if q else ""} WHERE {conditions}'
    matching = f'FROM "peers_peer" p {account} WHERE {conditions}'
    row = f"""json_build_object(
        'id', p."id",
        'status', p."status",
        'display_name', p."display_name",
        'email', p."email",
        'bio', p."bio",
        'skills', COALESCE((
            SELECT json_agg(s."slug" ORDER BY s."slug")
            FROM "peers_peer_skills" ps JOIN "peers_skill" s
              ON s."id" = ps."skill_id" AND s."business_id" = %(business)s
            WHERE ps."peer_id" = p."id"), '[]'::json),
        'languages', COALESCE((
            SELECT json_agg(json_build_object('code', pl."language", 'level', pl."level")
                            ORDER BY pl."language")
            FROM "peers_peerlanguage" pl
            WHERE pl."peer_id" = p."id" AND pl."business_id" = %(business)s), '[]'::json),
        'home_address', p."home_address",
        'latitude', p."latitude"::float8,
        'longitude', p."longitude"::float8,
        'travel_radius_km', p."travel_radius_km",
        'showcase_links', p."showcase_links",
        'reliability', p."reliability",
        'applied_at', {_utc('p."applied_at"')},
        'decided_at', {_utc('p."decided_at"')},
        'rejection_reason', p."rejection_reason"
    )"""  # noqa: S608 - the code's own table and column names; every value a parameter
    order = 'p."status", p."display_name", p."id"'
    # Table and column names are the code's own; every value is a parameter.
    # The page's rows are read in order and limited first; only they are written as JSON.
    return (
        f"SELECT (SELECT count(*) {counted}), "  # noqa: S608
        f"COALESCE((SELECT json_agg({row} ORDER BY {order}) "
        f'FROM (SELECT p.*, u."email" {matching} ORDER BY {order} '
        f"LIMIT %(limit)s OFFSET %(offset)s) p), " + "'[]'::json)::text"
    )


def peer_page_json(business_id, *, status=None, skill=None, language=None, q=None, limit, offset):
    """(count, the page as a JSON array in bytes) of the business's peers in list order
    (status, name), with the filters of `selectors.peers_for_business`; None where the
    database is not PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    q = (q or "").strip() or None
    sql = _statement(bool(status), bool(skill), bool(language), bool(q))
    params = {
        "business": business_id,
        "status": status,
        "skill": skill,
        "language": language,
        "q": like_pattern(q) if q else None,
        "limit": limit,
        "offset": offset,
    }
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        count, page = cursor.fetchone()
    return count, page.encode()
