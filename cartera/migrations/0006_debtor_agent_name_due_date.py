"""debtor_agent_name also carries the due date (PostgreSQL), so counting an agent's debtors in a
mora bucket reads the index alone: the count read the table for each of the agent's ~18,000
debtors (docs/benchmarks.md, "Cartera a escala")."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cartera", "0005_debtor_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="debtor",
            name="debtor_agent_name",
        ),
        migrations.AddIndex(
            model_name="debtor",
            index=models.Index(
                fields=["assigned_agent", "full_name", "id"], include=("campaign", "due_date"), name="debtor_agent_name"
            ),
        ),
    ]
