"""Who sees which ticket (``Ticket.objects.visible_to``) and who works it."""

import pytest

from tickets.access import can_see_internal, can_work, is_support
from tickets.models import SupportGroupMember, Ticket
from tickets.tests.factories import MemberFactory, SupportGroupFactory, TicketFactory

pytestmark = pytest.mark.django_db


def visible(user):
    return set(Ticket.objects.visible_to(user).values_list("title", flat=True))


def test_each_role_sees_its_tickets(users, soporte):
    group, other_group = SupportGroupFactory(), SupportGroupFactory()
    MemberFactory(group=group, user=soporte)
    TicketFactory(title="del agente", requester=users["agente"], group=other_group)
    TicketFactory(title="de agente_b", requester=users["agente_b"])
    TicketFactory(title="del outsider", requester=users["outsider"], group=group)
    watched = TicketFactory(title="seguido", requester=users["outsider"])
    watched.watchers.add(users["calidad"])
    TicketFactory(title="asignado", requester=users["outsider"], assignee=users["backoffice"])

    assert visible(users["agente"]) == {"del agente"}
    assert visible(users["supervisor"]) == {"del agente", "de agente_b"}  # the team's
    assert visible(users["calidad"]) == {"seguido"}
    assert visible(users["backoffice"]) == {"asignado"}
    assert visible(soporte) == {"del outsider"}  # the group's queue
    assert visible(users["admin"]) == {"del agente", "de agente_b", "del outsider", "seguido", "asignado"}
    assert len(Ticket.objects.visible_to(users["calidad"])) == 1  # no duplicate rows from the watchers join


def test_inactive_members_groups_and_users_lose_the_queue(users, soporte):
    group = SupportGroupFactory()
    membership = MemberFactory(group=group, user=soporte)
    TicketFactory(title="cola", requester=users["outsider"], group=group)
    assert visible(soporte) == {"cola"} and is_support(soporte)
    SupportGroupMember.objects.filter(pk=membership.pk).update(active=False)
    del soporte._ticket_group_ids
    assert visible(soporte) == set() and not is_support(soporte)
    SupportGroupMember.objects.filter(pk=membership.pk).update(active=True)
    group.active = False
    group.save()
    del soporte._ticket_group_ids
    assert visible(soporte) == set()
    soporte.is_active = False
    assert visible(soporte) == set() and Ticket.objects.visible_to(None).count() == 0


def test_working_and_reading_notes(users, soporte):
    group = SupportGroupFactory()
    MemberFactory(group=group, user=soporte)
    ticket = TicketFactory(requester=users["agente"], group=group, assignee=users["backoffice"])
    assert can_work(soporte, ticket) and can_see_internal(soporte, ticket)
    assert can_work(users["backoffice"], ticket)  # the assignee, even outside the group
    assert can_work(users["admin"], ticket) and can_see_internal(users["admin"], ticket)
    for outsider in (users["agente"], users["supervisor"], users["calidad"]):
        assert not can_work(outsider, ticket) and not can_see_internal(outsider, ticket)
    own = TicketFactory(requester=soporte, group=group)
    assert can_work(soporte, own) and not can_see_internal(soporte, own)  # never the requester
