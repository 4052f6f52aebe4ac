"""Indexes of the debtor lists for a million debtors (docs/benchmarks.md, "Cartera a escala").

A page in name order (the lists' order) is read from ``debtor_name`` instead of sorting every
visible debtor. On PostgreSQL a trigram index serves the name search (``full_name`` contains
the text, any case), which a btree cannot.
"""

from django.db import migrations, models

TRIGRAM_INDEX = "debtor_name_trgm"


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite has no trigram indexes)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("cartera", "0003_queue_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="debtor",
            index=models.Index(fields=["full_name", "id"], name="debtor_name"),
        ),
        # Django's icontains on PostgreSQL is UPPER(col::text) LIKE UPPER(%s): the index is on
        # that very expression. pg_trgm ships with PostgreSQL and is a trusted extension.
        PostgreSQLOnly(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f'CREATE INDEX {TRIGRAM_INDEX} ON "cartera_debtor" USING gin (UPPER("full_name"::text) gin_trgm_ops)',
            ],
            reverse_sql=[f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}"],
        ),
    ]
