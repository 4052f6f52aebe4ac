"""SLA deadlines kept by the services, under frozen time: business hours, holidays, pauses,
priority changes; and how a ticket stands when read."""

from datetime import date, datetime, timedelta

import pytest

from tickets import services
from tickets.choices import Priority, SlaState, Status
from tickets.conversation import comment_add
from tickets.deadlines import load_calendars, ticket_sla
from tickets.models import Holiday
from tickets.tests.conftest import CR

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=CR)


def create(requester, priority=Priority.MEDIA):
    return services.ticket_create(
        requester=requester, title="Caída", description="x", aplicativo="crm", priority=priority
    )


def standing(ticket):
    ticket.refresh_from_db()
    from django.utils import timezone

    return ticket_sla(ticket, now=timezone.now(), calendars=load_calendars())


def test_deadlines_count_business_hours(desk, agente, monday):
    ticket = create(agente)  # Monday 09:00, Media: 2 h first response, 18 h resolution
    assert ticket.first_response_due_at == at(2, 11)
    # 18 working hours: 8 on Monday, 9 on Tuesday, 1 on Wednesday
    assert ticket.resolution_due_at == at(4, 9)
    assert ticket.sla_policy == desk["policies"][Priority.MEDIA]


def test_after_hours_ticket_starts_its_clock_next_working_morning(desk, agente, monday):
    monday.move_to(at(6, 18))  # Friday 18:00
    ticket = create(agente, Priority.ALTA)  # 1 h first response
    assert ticket.first_response_due_at == at(9, 9)


def test_holidays_move_deadlines(desk, agente, monday):
    Holiday.objects.create(calendar=desk["calendar"], date=date(2026, 3, 3), name="Feriado")
    ticket = create(agente)
    assert ticket.resolution_due_at == at(5, 9)  # Tuesday does not count


def test_waiting_pauses_resolution_and_resuming_moves_the_deadline(desk, agente, soporte, monday):
    ticket = create(agente)
    monday.move_to(at(2, 10))
    ticket = services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_ESPERA)
    assert standing(ticket).resolution.state == SlaState.PAUSED
    monday.move_to(at(4, 12))  # two days waiting: the deadline (Wednesday 09:00) passes meanwhile
    paused = standing(ticket).resolution
    assert paused.state == SlaState.PAUSED and paused.remaining == timedelta(hours=17)
    ticket = services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_PROGRESO)
    # 17 h left from Wednesday 12:00: 5 on Wednesday, 9 on Thursday, 3 on Friday
    assert ticket.resolution_due_at == at(6, 11)
    assert standing(ticket).resolution.state == SlaState.OK
    monday.move_to(at(6, 10))
    assert standing(ticket).resolution.state == SlaState.WARNING  # 1 h of 18 left (< 20 %)
    monday.move_to(at(6, 11, 1))
    assert standing(ticket).resolution.state == SlaState.BREACHED
    monday.move_to(at(9, 9))
    ticket = services.ticket_transition(ticket=ticket, by=soporte, status=Status.RESUELTO)
    assert ticket.resolution_minutes == 60 + (5 + 9 + 9) * 60 + 60  # pauses and nights left out
    assert standing(ticket).resolution.state == SlaState.MISSED


def test_resolution_within_the_target_is_met(desk, agente, soporte, monday):
    ticket = create(agente)
    monday.move_to(at(3, 10))
    services.ticket_transition(ticket=ticket, by=soporte, status=Status.RESUELTO)
    view = standing(ticket)
    assert view.resolution.state == SlaState.MET
    assert view.first_response.state == SlaState.MISSED  # never answered before 11:00 Monday


def test_first_response_is_the_first_public_reply_of_support(desk, agente, soporte, monday):
    ticket = create(agente)
    monday.move_to(at(2, 9, 30))
    comment_add(ticket=ticket, author=agente, body="¿Alguna novedad?")
    comment_add(ticket=ticket, author=soporte, body="Revisando logs", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert standing(ticket).first_response.state == SlaState.OK
    monday.move_to(at(2, 10, 45))
    assert standing(ticket).first_response.state == SlaState.WARNING
    comment_add(ticket=ticket, author=soporte, body="Ya lo estamos viendo")
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(2, 10, 45) and ticket.first_response_minutes == 105
    assert standing(ticket).first_response.state == SlaState.MET
    monday.move_to(at(2, 11, 30))
    comment_add(ticket=ticket, author=soporte, body="Otra")
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(2, 10, 45)


def test_a_priority_change_recomputes_the_deadlines(desk, agente, soporte, monday):
    ticket = create(agente)
    monday.move_to(at(2, 9, 30))
    ticket = services.ticket_set_priority(ticket=ticket, by=soporte, priority=Priority.CRITICA)
    assert ticket.sla_policy == desk["policies"][Priority.CRITICA]
    assert ticket.first_response_due_at == at(2, 9, 15)  # 15 min from creation: already late
    assert ticket.resolution_due_at == at(2, 13)
    assert standing(ticket).first_response.state == SlaState.BREACHED


def test_an_aplicativo_policy_wins_over_the_generic_one(desk, agente, monday):
    from tickets.tests.factories import sla_policy

    specific = sla_policy(Priority.MEDIA, first=30, resolution=120, aplicativo="vicidial")
    ticket = services.ticket_create(
        requester=agente, title="Vicidial caído", description="x", aplicativo="vicidial", priority=Priority.MEDIA
    )
    assert ticket.sla_policy == specific and ticket.first_response_due_at == at(2, 9, 30)


def test_without_a_policy_there_is_no_sla(db, agente, monday):
    ticket = create(agente)
    assert ticket.sla_policy is None and ticket.resolution_due_at is None
    assert standing(ticket).worst.state == SlaState.NONE


def test_requester_reply_takes_a_waiting_ticket_back_to_work(desk, agente, soporte, monday):
    ticket = services.ticket_transition(ticket=create(agente), by=soporte, status=Status.EN_ESPERA)
    monday.move_to(at(2, 11))
    comment_add(ticket=ticket, author=agente, body="Aquí está la captura que pidieron")
    ticket.refresh_from_db()
    assert ticket.status == Status.EN_PROGRESO
    assert ticket.history.latest().history_user == agente
