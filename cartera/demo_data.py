"""Demo data of the collections module."""

from django.db import transaction

from cartera import services
from core.choices import Module
from core.models import Campaign


@transaction.atomic
def seed() -> str:
    campaigns = list(Campaign.objects.filter(module=Module.CARTERA))
    outcomes = 0
    for campaign in campaigns:
        services.cartera_settings_get(campaign=campaign)
        outcomes += services.outcomes_seed(campaign=campaign)
    return f"{len(campaigns)} campañas de cobranza, {outcomes} tipificaciones nuevas"
