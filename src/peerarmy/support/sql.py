"""The raw SQL of support: full-text search of the FAQ, PostgreSQL's (`to_tsvector` with the
'italian' and 'english' configurations, kept in stored generated columns with GIN indexes,
migration 0004) or SQLite's FTS5 table (kept in step by triggers, migration 0002). Every
statement filters by business."""

import re

from django.db import connection

LIMIT = 5
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12


def _words(text: str) -> list[str]:
    # Only letters and digits reach the query language: no operator can be typed in.
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1][:MAX_WORDS]


def search_faq(business_id: int, language: str, text: str, limit: int = LIMIT) -> list[int]:
    """Ids of the business's published entries that answer `text` best, in `language`
    ("it" or "en"); each word typed matches as a prefix (the requester is still typing)."""
    words = _words(text)
    if not words:
        return []
    language = "en" if language == "en" else "it"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the stored vectors of migration 0004, with their GIN indexes
            config = "english" if language == "en" else "italian"
            column = f"search_{language}"
            query = " | ".join(f"{w}:*" for w in words)
            cursor.execute(
                f"""SELECT id FROM support_faqentry
                    WHERE business_id = %s AND published
                      AND {column} @@ to_tsquery('{config}', %s)
                    ORDER BY ts_rank({column}, to_tsquery('{config}', %s)) DESC, id
                    LIMIT %s""",  # noqa: S608 - config and column are chosen above, not typed
                [business_id, query, query, limit],
            )
        else:
            query = " OR ".join(f'"{w}"*' for w in words)
            cursor.execute(
                """SELECT f.entry_id FROM support_faq_fts f
                   JOIN support_faqentry e ON e.id = f.entry_id
                   WHERE support_faq_fts MATCH %s AND f.business_id = %s AND f.language = %s
                     AND e.business_id = %s AND e.published
                   ORDER BY bm25(support_faq_fts), f.entry_id
                   LIMIT %s""",
                [query, business_id, language, business_id, limit],
            )
        return [row[0] for row in cursor.fetchall()]
