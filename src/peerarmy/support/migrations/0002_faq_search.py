"""Full-text search of the FAQ: on SQLite an FTS5 table kept in step by triggers, one row per
entry and language; on PostgreSQL an expression index per language's text search
configuration. `support/sql.py` queries them."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE support_faq_fts USING fts5(
        question, answer, entry_id UNINDEXED, business_id UNINDEXED, language UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER support_faq_fts_insert AFTER INSERT ON support_faqentry BEGIN
        INSERT INTO support_faq_fts (question, answer, entry_id, business_id, language)
        VALUES (new.question_it, new.answer_it, new.id, new.business_id, 'it'),
               (new.question_en, new.answer_en, new.id, new.business_id, 'en');
    END""",
    """CREATE TRIGGER support_faq_fts_delete AFTER DELETE ON support_faqentry BEGIN
        DELETE FROM support_faq_fts WHERE entry_id = old.id;
    END""",
    """CREATE TRIGGER support_faq_fts_update AFTER UPDATE ON support_faqentry BEGIN
        DELETE FROM support_faq_fts WHERE entry_id = old.id;
        INSERT INTO support_faq_fts (question, answer, entry_id, business_id, language)
        VALUES (new.question_it, new.answer_it, new.id, new.business_id, 'it'),
               (new.question_en, new.answer_en, new.id, new.business_id, 'en');
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS support_faq_fts_update",
    "DROP TRIGGER IF EXISTS support_faq_fts_delete",
    "DROP TRIGGER IF EXISTS support_faq_fts_insert",
    "DROP TABLE IF EXISTS support_faq_fts",
]
POSTGRES_UP = [
    """CREATE INDEX support_faq_tsv_it ON support_faqentry USING gin
        (to_tsvector('italian', question_it || ' ' || answer_it))""",
    """CREATE INDEX support_faq_tsv_en ON support_faqentry USING gin
        (to_tsvector('english', question_en || ' ' || answer_en))""",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS support_faq_tsv_it",
    "DROP INDEX IF EXISTS support_faq_tsv_en",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        chosen = statements.get(vendor, [])
        for statement in chosen:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
