"""Work-queue indexes for a portfolio of a million debtors (docs/benchmarks.md, "Cartera a escala").

"Siguiente" reads each agent's and the pool's open debtors in queue order from
``debtor_queue_agent`` / ``debtor_queue_pool`` and the inactive ones from ``debtor_queue_seen``;
they replace ``debtor_queue``, whose order the queue never used.
"""

from django.db import migrations, models

import cartera.models.indexes


class Migration(migrations.Migration):
    dependencies = [
        ("cartera", "0002_agreements"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="debtor",
            name="debtor_queue",
        ),
        migrations.AddIndex(
            model_name="debtor",
            index=cartera.models.indexes.NullsFirstIndex(
                condition=models.Q(("closed", False)),
                fields=["campaign", "assigned_agent", "priority", "last_contact_at", "id"],
                name="debtor_queue_agent",
                nulls_first=("last_contact_at",),
            ),
        ),
        migrations.AddIndex(
            model_name="debtor",
            index=cartera.models.indexes.NullsFirstIndex(
                condition=models.Q(("assigned_agent__isnull", True), ("closed", False)),
                fields=["campaign", "priority", "last_contact_at", "id"],
                name="debtor_queue_pool",
                nulls_first=("last_contact_at",),
            ),
        ),
        migrations.AddIndex(
            model_name="debtor",
            index=models.Index(
                condition=models.Q(("closed", False)),
                fields=["campaign", "assigned_agent", "last_seen_at"],
                name="debtor_queue_seen",
            ),
        ),
    ]
