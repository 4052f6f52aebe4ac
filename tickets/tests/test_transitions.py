"""Status changes: the transitions table, the requester's own moves, what each status sets."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tickets import services
from tickets.choices import TRANSITIONS, Status
from tickets.models import TicketStatusSpan

pytestmark = pytest.mark.django_db

PAIRS = [(old, new) for old in Status.values for new in Status.values if old != new]


def ticket_in(status, requester, worker):
    ticket = services.ticket_create(requester=requester, title="Falla", description="x", aplicativo="crm")
    path = {
        Status.ABIERTO: [],
        Status.EN_PROGRESO: [Status.EN_PROGRESO],
        Status.EN_ESPERA: [Status.EN_ESPERA],
        Status.RESUELTO: [Status.RESUELTO],
        Status.CERRADO: [Status.CERRADO],
    }[status]
    for step in path:
        ticket = services.ticket_transition(ticket=ticket, by=worker, status=step)
    return ticket


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_support_follows_the_transitions_table(desk, agente, soporte, old, new):
    ticket = ticket_in(old, agente, soporte)
    if new in TRANSITIONS[old]:
        assert services.ticket_transition(ticket=ticket, by=soporte, status=new).status == new
    else:
        with pytest.raises(ValidationError) as exc:
            services.ticket_transition(ticket=ticket, by=soporte, status=new)
        label = dict(Status.choices)
        assert exc.value.message_dict["status"] == [f"No se puede pasar un ticket de «{label[old]}» a «{label[new]}»."]
        ticket.refresh_from_db()
        assert ticket.status == old


def test_same_status_and_unknown_status_are_refused(desk, agente, soporte):
    ticket = ticket_in(Status.ABIERTO, agente, soporte)
    with pytest.raises(ValidationError, match="ya está «Abierto»"):
        services.ticket_transition(ticket=ticket, by=soporte, status=Status.ABIERTO)
    with pytest.raises(ValidationError, match="Estado desconocido"):
        services.ticket_transition(ticket=ticket, by=soporte, status="borrado")


def test_the_requester_only_confirms_or_reopens_a_resolution(desk, agente, soporte):
    ticket = ticket_in(Status.ABIERTO, agente, soporte)
    with pytest.raises(ValidationError):
        services.ticket_transition(ticket=ticket, by=agente, status=Status.RESUELTO)
    ticket = services.ticket_transition(ticket=ticket, by=soporte, status=Status.RESUELTO)
    assert services.allowed_statuses(ticket, agente) == [Status.ABIERTO, Status.CERRADO]
    ticket = services.ticket_transition(ticket=ticket, by=agente, status=Status.ABIERTO)
    assert ticket.status == Status.ABIERTO and ticket.resolved_at is None and ticket.resolution_minutes is None


def test_reopening_is_allowed_only_within_the_configured_days(desk, agente, soporte, monday, settings):
    settings.TICKETS_REOPEN_DAYS = 7
    ticket = services.ticket_transition(
        ticket=ticket_in(Status.ABIERTO, agente, soporte), by=soporte, status="resuelto"
    )
    monday.shift(timedelta(days=7))
    assert Status.ABIERTO in services.allowed_statuses(ticket, agente)
    monday.shift(timedelta(minutes=1))
    with pytest.raises(ValidationError) as exc:
        services.ticket_transition(ticket=ticket, by=agente, status=Status.ABIERTO)
    assert "se resolvió hace más de 7 días" in exc.value.message_dict["status"][0]
    # support may still take it back
    assert services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_PROGRESO).status == "en_progreso"


def test_strangers_cannot_change_the_status(desk, agente, soporte, outsider, supervisor):
    ticket = ticket_in(Status.ABIERTO, agente, soporte)
    for stranger in (outsider, supervisor):
        with pytest.raises(PermissionDenied):
            services.ticket_transition(ticket=ticket, by=stranger, status=Status.CERRADO)


def test_each_status_change_is_a_span_and_a_history_row(desk, agente, soporte, monday):
    ticket = ticket_in(Status.ABIERTO, agente, soporte)
    monday.shift(timedelta(minutes=30))
    services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_PROGRESO)
    monday.shift(timedelta(minutes=30))
    ticket = services.ticket_transition(ticket=ticket, by=soporte, status=Status.RESUELTO)
    spans = list(TicketStatusSpan.objects.filter(ticket=ticket).values_list("status", "ended_at"))
    assert [s for s, _ in spans] == ["abierto", "en_progreso", "resuelto"]
    assert spans[-1][1] is None and all(end is not None for _, end in spans[:-1])
    assert ticket.resolution_minutes == 60
    history = ticket.history.order_by("history_date", "history_id")
    assert [h.status for h in history] == ["abierto", "en_progreso", "resuelto"]
    assert history.last().history_change_reason == "Estado: En progreso → Resuelto"
    ticket = services.ticket_transition(ticket=ticket, by=agente, status=Status.CERRADO)
    assert ticket.closed_at is not None and ticket.resolved_at is not None
