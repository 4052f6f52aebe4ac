"""A support desk for the tickets tests: one group working CRM and Vicidial tickets with two
members, an office calendar, SLA policies per priority; the root conftest's cast around it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.roles import Role
from core.testing.factories import UserFactory
from tickets.choices import Aplicativo, AssignmentStrategy, Priority
from tickets.models import AssignmentRule, SupportGroup, SupportGroupMember
from tickets.tests.factories import office_calendar, sla_policy

CR = ZoneInfo("America/Costa_Rica")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=CR)  # a Monday morning


@pytest.fixture(autouse=True)
def _fresh_catalogue():
    """Each test builds its own calendars and groups: none may come from a previous test's cache."""
    from tickets.catalogue import forget

    forget()
    yield
    forget()


@pytest.fixture
def monday():
    """Frozen at Monday 2 March 2026, 09:00 in Costa Rica; ``monday.move_to(dt)`` moves on."""
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        yield traveller


@pytest.fixture
def soporte(db):
    return UserFactory(username="soporte", role=Role.BACKOFFICE, first_name="Sofía", last_name="Soporte")


@pytest.fixture
def soporte_b(db):
    return UserFactory(username="soporte_b", role=Role.BACKOFFICE, first_name="Samuel", last_name="Soporte")


@pytest.fixture
def desk(db, soporte, soporte_b):
    """The "Mesa CRM" group (round-robin: soporte, then soporte_b) taking CRM and Vicidial
    tickets; an office calendar (Mon–Fri 08–17) and SLA policies per priority."""
    group = SupportGroup.objects.create(name="Mesa CRM", strategy=AssignmentStrategy.ROUND_ROBIN)
    SupportGroupMember.objects.create(group=group, user=soporte)
    SupportGroupMember.objects.create(group=group, user=soporte_b)
    AssignmentRule.objects.create(aplicativo=Aplicativo.CRM, group=group)
    AssignmentRule.objects.create(aplicativo=Aplicativo.VICIDIAL, group=group)
    calendar = office_calendar()
    policies = {
        Priority.BAJA: sla_policy(Priority.BAJA, first=240, resolution=2700),
        Priority.MEDIA: sla_policy(Priority.MEDIA, first=120, resolution=1080),
        Priority.ALTA: sla_policy(Priority.ALTA, first=60, resolution=480),
        Priority.CRITICA: sla_policy(Priority.CRITICA, first=15, resolution=240),
    }
    return {"group": group, "calendar": calendar, "policies": policies}
