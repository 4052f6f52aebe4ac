"""Automatic assignment (rules → group → round-robin or fewest open) and manual reassignment."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.testing.factories import UserFactory
from tickets import services
from tickets.choices import Aplicativo, AssignmentStrategy, Status
from tickets.models import AssignmentRule, SupportGroup, SupportGroupMember
from tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def open_ticket(requester, aplicativo=Aplicativo.CRM, **kwargs):
    return services.ticket_create(
        requester=requester, title="No carga", description="Pantalla en blanco", aplicativo=aplicativo, **kwargs
    )


def test_round_robin_takes_turns(desk, agente, soporte, soporte_b):
    assignees = [open_ticket(agente).assignee for _ in range(5)]
    assert assignees == [soporte, soporte_b, soporte, soporte_b, soporte]
    assert all(ticket.group == desk["group"] for ticket in agente.tickets_requested.all())


def test_round_robin_skips_inactive_members_and_users(desk, agente, soporte, soporte_b):
    SupportGroupMember.objects.filter(user=soporte).update(active=False)
    assert [open_ticket(agente).assignee for _ in range(2)] == [soporte_b, soporte_b]
    SupportGroupMember.objects.filter(user=soporte).update(active=True)
    soporte_b.is_active = False
    soporte_b.save()
    assert open_ticket(agente).assignee == soporte


def test_a_new_member_joins_the_line_without_taking_everything(desk, agente, soporte, soporte_b):
    for _ in range(4):
        open_ticket(agente)
    newcomer = UserFactory(username="nuevo")
    SupportGroupMember.objects.create(group=desk["group"], user=newcomer)
    assert [open_ticket(agente).assignee for _ in range(3)] == [newcomer, soporte, soporte_b]


def test_fewest_open_goes_to_the_least_loaded_member(desk, agente, soporte, soporte_b):
    group = desk["group"]
    group.strategy = AssignmentStrategy.FEWEST_OPEN
    group.save()
    first, second = open_ticket(agente), open_ticket(agente)  # equal load: turn order
    assert (first.assignee, second.assignee) == (soporte, soporte_b)
    services.ticket_assign(ticket=second, by=soporte_b, assignee=soporte)  # soporte now has 2 open
    assert open_ticket(agente).assignee == soporte_b
    assert open_ticket(agente).assignee == soporte_b  # 2 against 2… soporte_b's turn came later
    # closed tickets are not load
    for ticket in soporte.tickets_assigned.all():
        services.ticket_transition(ticket=ticket, by=soporte, status=Status.CERRADO)
    assert open_ticket(agente).assignee == soporte


def test_the_most_specific_rule_wins(desk, agente, soporte):
    telefonia = SupportGroup.objects.create(name="Telefonía")
    specialist = UserFactory(username="especialista")
    SupportGroupMember.objects.create(group=telefonia, user=specialist)
    campaigns = CategoryFactory(aplicativo=Aplicativo.VICIDIAL, name="Campañas")
    AssignmentRule.objects.create(aplicativo=Aplicativo.VICIDIAL, category=campaigns, group=telefonia, order=200)
    ticket = open_ticket(agente, aplicativo=Aplicativo.VICIDIAL, category=campaigns)
    assert (ticket.group, ticket.assignee) == (telefonia, specialist)
    other = open_ticket(agente, aplicativo=Aplicativo.VICIDIAL)
    assert other.group == desk["group"]


def test_unmatched_tickets_go_to_the_default_group_or_wait(desk, agente):
    waiting = open_ticket(agente, aplicativo=Aplicativo.CARTERA)
    assert waiting.group is None and waiting.assignee is None
    fallback = SupportGroup.objects.create(name="Mesa general", is_default=True)
    member = UserFactory(username="general")
    SupportGroupMember.objects.create(group=fallback, user=member)
    ticket = open_ticket(agente, aplicativo=Aplicativo.CARTERA)
    assert (ticket.group, ticket.assignee) == (fallback, member)


def test_a_group_without_active_members_keeps_the_ticket_in_its_queue(desk, agente):
    SupportGroupMember.objects.update(active=False)
    ticket = open_ticket(agente)
    assert ticket.group == desk["group"] and ticket.assignee is None


def test_manual_reassignment_keeps_the_history(desk, agente, soporte, soporte_b, admin):
    ticket = open_ticket(agente)
    assert ticket.assignee == soporte
    services.ticket_assign(ticket=ticket, by=soporte, assignee=soporte_b)
    services.ticket_assign(ticket=ticket, by=admin, assignee=None)
    records = list(ticket.history.order_by("history_date", "history_id"))
    assert [r.assignee_id for r in records] == [soporte.pk, soporte_b.pk, None]
    assert [r.history_user_id for r in records] == [agente.pk, soporte.pk, admin.pk]
    assert records[-1].history_change_reason == "Asignación"


def test_only_members_of_the_group_can_be_assigned(desk, agente, soporte, outsider):
    ticket = open_ticket(agente)
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign(ticket=ticket, by=soporte, assignee=outsider)
    assert "no es miembro activo del grupo «Mesa CRM»" in exc.value.message_dict["assignee"][0]
    ticket.refresh_from_db()
    assert ticket.assignee == soporte


def test_only_support_assigns(desk, agente, supervisor, soporte_b):
    ticket = open_ticket(agente)
    for intruder in (agente, supervisor):
        with pytest.raises(PermissionDenied):
            services.ticket_assign(ticket=ticket, by=intruder, assignee=soporte_b)


def test_moving_to_another_group(desk, agente, soporte):
    other = SupportGroup.objects.create(name="Redes")
    member = UserFactory(username="redes")
    SupportGroupMember.objects.create(group=other, user=member)
    ticket = services.ticket_assign(ticket=open_ticket(agente), by=soporte, assignee=None, group=other)
    assert (ticket.group, ticket.assignee) == (other, None)
    inactive = SupportGroup.objects.create(name="Cerrado", active=False)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, by=member, assignee=None, group=inactive)
