"""Indexes for 200,000 tickets (docs/benchmarks.md, "Tickets a escala"): lists filtered by
aplicativo and status, the dashboard's resolution and first-response ranges, and — on
PostgreSQL — trigram indexes for the text search (icontains is UPPER(col) LIKE UPPER(%s) there,
so the indexes are on that expression; pg_trgm ships with PostgreSQL and is trusted)."""

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = {"ticket_title_trgm": "title", "ticket_description_trgm": "description"}


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
        ("tickets", "0002_member_turn"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["aplicativo", "status", "-created_at"], name="ticket_app_status_created"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["resolved_at"], name="ticket_resolved"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["first_response_at"], name="ticket_first_response"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["group", "created_at"], name="ticket_group_created"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["group", "resolved_at"], name="ticket_group_resolved"),
        ),
        PostgreSQLOnly(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                *(
                    f'CREATE INDEX {name} ON "tickets_ticket" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
                    for name, column in TRIGRAM_INDEXES.items()
                ),
            ],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in TRIGRAM_INDEXES],
        ),
    ]
