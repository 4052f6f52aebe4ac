"""debtor_name carries the campaign (PostgreSQL): the ids of a supervisor's deep list page are
read from the index alone instead of fetching every skipped row from the table (page 40
read ~1,000 table pages; docs/benchmarks.md, "Cartera a escala")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cartera", "0006_debtor_agent_name_due_date"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="debtor",
            name="debtor_name",
        ),
        migrations.AddIndex(
            model_name="debtor",
            index=models.Index(fields=["full_name", "id"], include=("campaign",), name="debtor_name"),
        ),
    ]
