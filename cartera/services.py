"""Every write of the collections module."""

from __future__ import annotations

from django.db import transaction

from cartera.models import CarteraSettings, Outcome
from core.models import Campaign

# code, label, priority, is_contact, is_promise, needs_follow_up, closes_debtor
DEFAULT_OUTCOMES = [
    ("NC", "No contesta", 1, False, False, False, False),
    ("CUELGA", "Cuelga", 2, True, False, False, False),
    ("SIN_GESTIONAR", "Sin gestionar", 3, False, False, False, False),
    ("INTERESADO", "Interesado", 4, True, False, True, False),
    ("PROMESA_PAGO", "Promesa de pago", 6, True, True, True, False),
    ("VOLVER_A_LLAMAR", "Volver a llamar", 5, True, False, True, False),
    ("BUZON", "Buzón de voz", 2, False, False, False, False),
    ("RECHAZA", "Rechaza pagar", 7, True, False, False, False),
    ("NUMERO_EQUIVOCADO", "Número equivocado", 8, False, False, False, False),
    ("SERVICIOS_ACTIVOS", "Servicios activos", 10, True, False, False, False),
    ("YA_PAGO", "Ya pagó", 30, True, False, False, True),
    ("FALLECIDO", "Fallecido", 31, False, False, False, True),
]


@transaction.atomic
def cartera_settings_get(*, campaign: Campaign) -> CarteraSettings:
    config, _ = CarteraSettings.objects.get_or_create(campaign=campaign)
    return config


@transaction.atomic
def outcomes_seed(*, campaign: Campaign) -> int:
    """Give a collections campaign the standard tipificaciones (idempotent: existing codes stay)."""
    created = 0
    for order, (code, label, priority, contact, promise, follow_up, closes) in enumerate(DEFAULT_OUTCOMES):
        _, was_created = Outcome.objects.get_or_create(
            campaign=campaign,
            code=code,
            defaults={
                "label": label,
                "priority": priority,
                "is_contact": contact,
                "is_promise": promise,
                "needs_follow_up": follow_up,
                "closes_debtor": closes,
                "order": order,
            },
        )
        created += was_created
    return created
