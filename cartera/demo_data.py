"""Demo data of the collections module: settings and tipificaciones for every collections
campaign, and a portfolio of a few hundred debtors in every mora bucket, some already worked."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cartera import services
from cartera.models import Debtor, DebtorPhone, Outcome
from core.choices import Module
from core.models import Campaign, User
from core.roles import Role

DEBTORS = 300
FIRST = ["Ana", "Luis", "María", "José", "Carmen", "Jorge", "Paola", "Andrés", "Laura", "Diego", "Sofía", "Pablo"]
LAST = ["Araya", "Rojas", "Mora", "Vargas", "Solís", "Quesada", "Jiménez", "Castro", "Chaves", "Alvarado"]
CITIES = ["San José", "Heredia", "Alajuela", "Cartago", "Liberia", "Puntarenas", "Limón"]


@transaction.atomic
def seed() -> str:
    campaigns = list(Campaign.objects.filter(module=Module.CARTERA))
    outcomes = 0
    created = 0
    for campaign in campaigns:
        services.cartera_settings_get(campaign=campaign)
        outcomes += services.outcomes_seed(campaign=campaign)
        if not campaign.debtors.exists():
            created += _portfolio(campaign)
    return f"{len(campaigns)} campañas de cobranza, {outcomes} tipificaciones nuevas, {created} deudores"


def _portfolio(campaign: Campaign) -> int:
    rng = random.Random(campaign.pk)  # noqa: S311 - demo data, the same every time
    agents = list(User.objects.filter(role=Role.AGENTE, memberships__campaign=campaign))
    today = timezone.localdate()
    now = timezone.now()
    for i in range(DEBTORS):
        debtor = Debtor.objects.create(
            campaign=campaign,
            document_type="cedula",
            document_number=f"0{rng.randint(1, 7)}{rng.randint(10_000_000, 99_999_999)}",
            full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}",
            city=rng.choice(CITIES),
            product=rng.choice(["Tarjeta de crédito", "Préstamo personal", "Línea móvil"]),
            original_amount=Decimal(rng.randrange(50_000, 2_000_000, 1000)),
            amount_due=Decimal(rng.randrange(20_000, 1_500_000, 500)),
            due_date=today - timedelta(days=rng.choice([5, 20, 45, 75, 120, 200, 400])),
            assigned_agent=agents[i % len(agents)] if agents and i % 3 else None,
            # A few have not appeared in an import for months: NO_EXISTE / SIN_RED / NO_CONTACTO.
            last_seen_at=now - timedelta(days=rng.choice([1] * 12 + [100, 200, 260])),
            variables={"segmento": rng.choice(["A", "B", "C"])},
        )
        DebtorPhone.objects.create(
            debtor=debtor, e164=f"+506{rng.choice('6788')}{rng.randint(1_000_000, 9_999_999)}", is_primary=True
        )
    _some_gestiones(campaign, agents, rng)
    _some_agreements(campaign, agents)
    return DEBTORS


def _some_gestiones(campaign: Campaign, agents: list[User], rng: random.Random) -> None:
    if not agents:
        return
    codes = ["NC", "CUELGA", "BUZON", "RECHAZA", "NUMERO_EQUIVOCADO", "YA_PAGO"]
    outcomes = {o.code: o for o in Outcome.objects.filter(campaign=campaign, code__in=codes)}
    for debtor in campaign.debtors.filter(assigned_agent__isnull=False).order_by("pk")[:60]:
        outcome = outcomes[rng.choice(codes)]
        services.gestion_create(
            debtor=debtor, agent=debtor.assigned_agent, outcome=outcome, notes="Gestión de demostración"
        )


def _some_agreements(campaign: Campaign, agents: list[User]) -> None:
    """A dozen agreements: some paid in part, one fulfilled, and a few already broken (their
    schedule started in the past, nothing paid) so every state shows on the lists."""
    from cartera import agreements
    from cartera.models import Instalment

    if not agents:
        return
    today = timezone.localdate()
    debtors = campaign.debtors.filter(assigned_agent__isnull=False, closed=False).order_by("pk")[100:112]
    for index, debtor in enumerate(debtors):
        deal = agreements.agreement_create(
            debtor=debtor,
            user=debtor.assigned_agent,
            discount_pct=Decimal(5 * (index % 3)),
            instalments_count=3,
            first_due_date=today + timedelta(days=7),
        )
        if index % 4 == 1:
            agreements.payment_register(
                agreement=deal,
                user=debtor.assigned_agent,
                amount=deal.instalments.first().amount,
                paid_on=today,
                method="sinpe",
                reference=f"DEMO-{deal.pk}",
            )
        elif index % 4 == 2:
            # As if signed seven weeks ago: its first instalment is long overdue (incumplido).
            Instalment.objects.filter(agreement=deal).update(due_date=F("due_date") - timedelta(days=47))
        elif index == 3:
            agreements.payment_register(
                agreement=deal,
                user=debtor.assigned_agent,
                amount=deal.negotiated_amount,
                paid_on=today,
                method="transferencia",
            )
