"""The debtor lists at a million debtors (docs/benchmarks.md, "Cartera a escala").

An agent's list reads its page from (assigned_agent, full_name, id), which also serves every
look-up by agent, so the foreign key's own index goes; it carries the campaign (PostgreSQL) so
a supervisor's list filtered by agent is counted from the index alone. On PostgreSQL, statistics on the
searched expression ``UPPER(full_name)`` let the planner tell a surname shared by 60,000 debtors
(read the name index in page order) from a full name shared by a handful (trigram index).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NAME_STATISTICS = "debtor_upper_name_stats"


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("cartera", "0004_debtor_name_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="debtor",
            index=models.Index(
                fields=["assigned_agent", "full_name", "id"], include=["campaign"], name="debtor_agent_name"
            ),
        ),
        migrations.AlterField(
            model_name="debtor",
            name="assigned_agent",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_debtors",
                to=settings.AUTH_USER_MODEL,
                verbose_name="agente asignado",
            ),
        ),
        # Filled by the next ANALYZE (autovacuum's, or the one after a big import).
        PostgreSQLOnly(
            sql=[f'CREATE STATISTICS {NAME_STATISTICS} ON (UPPER("full_name"::text)) FROM "cartera_debtor"'],
            reverse_sql=[f"DROP STATISTICS IF EXISTS {NAME_STATISTICS}"],
        ),
    ]
