"""Demo data of the core app: one user per role (documented passwords) and two campaigns."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core import services
from core.choices import Country, Module
from core.models import Campaign, FollowUp, Notification, User
from core.roles import Role

DEMO_PASSWORD = "crea-demo-2026"

DEMO_CAMPAIGNS = [
    {"name": "Cobranza Costa Rica", "module": Module.CARTERA, "country": Country.CR},
    {"name": "Telefónica Portabilidad", "module": Module.TELEFONICA, "country": Country.CR},
]

# username, role, first name, last name, supervisor username, campaigns (indexes above)
DEMO_USERS = [
    ("admin", Role.ADMINISTRADOR, "Ana", "Administradora", None, []),
    ("supervisor", Role.SUPERVISOR, "Sergio", "Supervisor", None, [0, 1]),
    ("agente", Role.AGENTE, "Andrea", "Agente", "supervisor", [0]),
    ("agente2", Role.AGENTE, "Alberto", "Agente", "supervisor", [0, 1]),
    ("backoffice", Role.BACKOFFICE, "Beatriz", "Backoffice", None, [0]),
    ("calidad", Role.CALIDAD, "Carlos", "Calidad", None, [0, 1]),
]


@transaction.atomic
def seed() -> str:
    campaigns = []
    for spec in DEMO_CAMPAIGNS:
        campaign = Campaign.objects.filter(name=spec["name"]).first() or services.campaign_create(**spec)
        campaigns.append(campaign)
    created = 0
    for username, role, first, last, supervisor_name, campaign_idx in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.crea-crm.local",
                supervisor=User.objects.get(username=supervisor_name) if supervisor_name else None,
                extension=str(1000 + len(username)) if role == Role.AGENTE else "",
                campaigns=[campaigns[i] for i in campaign_idx],
            )
            created += 1
            _seed_activity(user)
    return f"{created} usuarios nuevos, {len(campaigns)} campañas"


def _seed_activity(user: User) -> None:
    """A few follow-ups and notifications so each home page has something real to show."""
    if FollowUp.objects.filter(owner=user).exists() or Notification.objects.filter(user=user).exists():
        return
    now = timezone.now()
    if user.role in (Role.AGENTE, Role.BACKOFFICE, Role.SUPERVISOR):
        services.follow_up_create(owner=user, due_at=now + timedelta(hours=1), note="Llamar de nuevo al cliente")
        services.follow_up_create(owner=user, due_at=now + timedelta(days=1), note="Confirmar pago prometido")
    services.notification_create(user=user, text="Bienvenido a CREA CRM")
