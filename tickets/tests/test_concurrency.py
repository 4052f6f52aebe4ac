"""Tickets opened at the same moment: unique numbers and a fair round-robin (PostgreSQL only)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from core.roles import Role
from core.testing.factories import UserFactory
from tickets import services
from tickets.choices import AssignmentStrategy
from tickets.models import AssignmentRule, SupportGroup, SupportGroupMember, Ticket

THREADS = 12
PER_THREAD = 10
MEMBERS = 4


@pytest.mark.django_db(transaction=True)
def test_many_tickets_at_once_take_turns_and_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is tested on PostgreSQL (SQLite serialises writers)")
    group = SupportGroup.objects.create(name="Mesa", strategy=AssignmentStrategy.ROUND_ROBIN)
    members = [UserFactory(username=f"soporte{i}", role=Role.BACKOFFICE) for i in range(MEMBERS)]
    for member in members:
        SupportGroupMember.objects.create(group=group, user=member)
    AssignmentRule.objects.create(aplicativo="crm", group=group)
    requesters = [UserFactory(username=f"agente{i}") for i in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(requester):
        try:
            start.wait()
            for n in range(PER_THREAD):
                services.ticket_create(requester=requester, title=f"Falla {n}", description="x", aplicativo="crm")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(requester,)) for requester in requesters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    tickets = list(Ticket.objects.all())
    assert len(tickets) == THREADS * PER_THREAD
    assert len({ticket.number for ticket in tickets}) == len(tickets)
    # The group row lock serialises the turns: every member got exactly a quarter.
    assert Counter(ticket.assignee_id for ticket in tickets) == {m.pk: len(tickets) // MEMBERS for m in members}
